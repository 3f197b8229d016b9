import { describe, expect, it } from "vitest";
import { parseIpv4 } from "./addr.js";
import { emitUdpHeader, UDP_HLEN, udpChecksum, UdpDatagram, udpFillChecksum } from "./udp.js";

const SADDR = parseIpv4("10.0.0.1")!;
const DADDR = parseIpv4("10.0.0.2")!;

function datagram(payload: Uint8Array): Uint8Array {
  const buf = new Uint8Array(UDP_HLEN + payload.length);
  expect(emitUdpHeader(buf, 0, 5000, 7, payload.length)).toBe(UDP_HLEN);
  buf.set(payload, UDP_HLEN);
  udpFillChecksum(buf, 0, buf.length, SADDR, DADDR);
  return buf;
}

describe("UdpDatagram", () => {
  it("emits a datagram with the checksum Linux computes", () => {
    const buf = datagram(new TextEncoder().encode("hello"));
    expect(Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("")).toBe("13880007000d947068656c6c6f");
    const u = UdpDatagram.checked(buf, 0, buf.length)!;
    expect(u.source).toBe(5000);
    expect(u.dest).toBe(7);
    expect(u.length).toBe(13);
    expect(u.check).toBe(0x9470);
    expect(u.payloadOffset).toBe(8);
    expect(u.payloadLength).toBe(5);
    expect(u.verifyChecksum(SADDR, DADDR)).toBe(true);
    expect(u.verifyChecksum(SADDR, DADDR + 1)).toBe(false);
    expect(String(u)).toBe("5000 > 7: UDP, length 5");
  });

  it("computes the checksum whatever the field holds, and checks odd lengths", () => {
    const buf = datagram(new Uint8Array([1, 2, 3]));
    const check = new UdpDatagram(buf).check;
    buf[6] = 0x12;
    buf[7] = 0x34;
    expect(udpChecksum(buf, 0, buf.length, SADDR, DADDR)).toBe(check);
  });

  it("sends a computed zero as 0xffff, which still verifies", () => {
    const buf = datagram(new Uint8Array(2));
    // Make the sum 0xffff by choosing the payload word: then the complement is zero.
    const check = new UdpDatagram(buf).check;
    const word = check === 0xffff ? 0 : check;
    buf[8] = word >>> 8;
    buf[9] = word & 0xff;
    const u = new UdpDatagram(buf);
    u.fillChecksum(SADDR, DADDR);
    expect(u.check).toBe(0xffff);
    expect(u.verifyChecksum(SADDR, DADDR)).toBe(true);
  });

  it("accepts a zero checksum as none", () => {
    const buf = datagram(new Uint8Array([9, 9, 9]));
    const u = new UdpDatagram(buf);
    u.check = 0;
    expect(u.verifyChecksum(SADDR, DADDR)).toBe(true);
    u.check = 1;
    expect(u.verifyChecksum(SADDR, DADDR)).toBe(false);
  });

  it("refuses every truncation and a length field that disagrees with the bytes", () => {
    const buf = datagram(new Uint8Array(10));
    for (let len = 0; len < buf.length; len++) expect(UdpDatagram.checked(buf, 0, len), `len ${len}`).toBeNull();
    expect(UdpDatagram.checked(buf, 0, buf.length)).not.toBeNull();
    const short = datagram(new Uint8Array(10));
    new UdpDatagram(short).length = 7;
    expect(UdpDatagram.checked(short, 0, short.length)).toBeNull();
  });

  it("trims octets after the length field, as pskb_trim_rcsum does", () => {
    const buf = new Uint8Array(30);
    buf.set(datagram(new Uint8Array([1, 2])));
    const u = UdpDatagram.checked(buf, 0, buf.length)!;
    expect(u.len).toBe(10);
    expect(u.payloadLength).toBe(2);
    expect(u.verifyChecksum(SADDR, DADDR)).toBe(true);
  });

  it("writes ports and length through the view", () => {
    const buf = datagram(new Uint8Array(4));
    const u = new UdpDatagram(buf);
    u.source = 68;
    u.dest = 67;
    u.length = 12;
    expect([...buf.subarray(0, 6)]).toEqual([0, 68, 0, 67, 0, 12]);
  });
});
