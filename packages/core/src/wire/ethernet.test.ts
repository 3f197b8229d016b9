import { describe, expect, it } from "vitest";
import { ETH_BROADCAST, parseMac } from "./addr.js";
import { emitEthernetHeader, ETH_HLEN, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, EthernetFrame, ethertypeName } from "./ethernet.js";

const A = parseMac("02:00:00:00:00:01")!;
const B = parseMac("02:00:00:00:00:02")!;

describe("EthernetFrame", () => {
  it("round-trips a header written at an offset of a larger buffer", () => {
    const backing = new Uint8Array(100).fill(0xee);
    const buf = backing.subarray(10, 90);
    expect(emitEthernetHeader(buf, 4, B, A, ETH_P_IP)).toBe(4 + ETH_HLEN);
    const f = EthernetFrame.checked(buf, 4, 60)!;
    expect(f).not.toBeNull();
    expect(f.ethertype).toBe(0x0800);
    expect([...f.dst()]).toEqual([...B]);
    expect([...f.src()]).toEqual([...A]);
    expect(f.dstOffset).toBe(4);
    expect(f.srcOffset).toBe(10);
    expect(f.payloadOffset).toBe(18);
    expect(f.payloadLength).toBe(46);
    expect(f.payload().length).toBe(46);
    expect(f.isDstMulticast).toBe(false);
    // The view sits on the subarray: bytes before it are untouched.
    expect(backing[13]).toBe(0xee);
    expect(backing[14]).toBe(0x02);
  });

  it("writes fields through the view", () => {
    const buf = new Uint8Array(60);
    const f = new EthernetFrame(buf);
    f.ethertype = ETH_P_ARP;
    f.setDst(ETH_BROADCAST);
    f.setSrc(A);
    expect(buf[12]).toBe(0x08);
    expect(buf[13]).toBe(0x06);
    expect(f.isDstBroadcast).toBe(true);
    expect(f.isDstMulticast).toBe(true);
    const out = new Uint8Array(8);
    f.copySrc(out, 2);
    expect([...out.subarray(2)]).toEqual([...A]);
    f.copyDst(out, 0);
    expect([...out.subarray(0, 6)]).toEqual([...ETH_BROADCAST]);
  });

  it("refuses fewer bytes than a header, and ranges outside the buffer", () => {
    const buf = new Uint8Array(20);
    emitEthernetHeader(buf, 0, B, A, ETH_P_IP);
    for (let len = 0; len < ETH_HLEN; len++) expect(EthernetFrame.checked(buf, 0, len), `len ${len}`).toBeNull();
    expect(EthernetFrame.checked(buf, 0, ETH_HLEN)).not.toBeNull();
    expect(EthernetFrame.checked(buf, 10, 14)).toBeNull();
    expect(EthernetFrame.checked(buf, -1, 14)).toBeNull();
  });

  it("prints the link-level header as tcpdump -e does", () => {
    const buf = new Uint8Array(42);
    emitEthernetHeader(buf, 0, ETH_BROADCAST, A, ETH_P_ARP);
    expect(String(new EthernetFrame(buf))).toBe("02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42");
    emitEthernetHeader(buf, 0, B, A, 0x1234);
    expect(String(new EthernetFrame(buf))).toBe("02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype Unknown (0x1234), length 42");
    emitEthernetHeader(buf, 0, B, A, 0x0010);
    expect(String(new EthernetFrame(buf))).toBe("02:00:00:00:00:01 > 02:00:00:00:00:02, 802.3, length 16");
  });

  it("names ethertypes as tcpdump does", () => {
    expect(ethertypeName(ETH_P_IP)).toBe("IPv4");
    expect(ethertypeName(ETH_P_IPV6)).toBe("IPv6");
    expect(ethertypeName(0x8100)).toBe("802.1Q");
    expect(ethertypeName(0x1234)).toBeUndefined();
  });
});
