import { describe, expect, it } from "vitest";
import { parseIpv4, parseMac } from "./addr.js";
import { ARP_PACKET_LEN, ARPOP_REPLY, ARPOP_REQUEST, ARPOP_RREQUEST, ArpPacket, arpOpName, emitArp } from "./arp.js";

const A = parseMac("02:00:00:00:00:01")!;
const B = parseMac("02:00:00:00:00:02")!;
const ip = (s: string): number => parseIpv4(s)!;

function request(): Uint8Array {
  const buf = new Uint8Array(ARP_PACKET_LEN);
  emitArp(buf, 0, ARPOP_REQUEST, A, ip("10.0.0.1"), null, ip("10.0.0.2"));
  return buf;
}

describe("ArpPacket", () => {
  it("emits the Linux layout of a request", () => {
    const hex = Array.from(request(), (b) => b.toString(16).padStart(2, "0")).join("");
    expect(hex).toBe("0001080006040001" + "020000000001" + "0a000001" + "000000000000" + "0a000002");
  });

  it("round-trips every field", () => {
    const buf = new Uint8Array(64).fill(0xaa);
    expect(emitArp(buf, 4, ARPOP_REPLY, B, ip("10.0.0.2"), A, ip("10.0.0.1"))).toBe(4 + ARP_PACKET_LEN);
    const arp = ArpPacket.checked(buf, 4, 46)!;
    expect(arp).not.toBeNull();
    expect(arp.hrd).toBe(1);
    expect(arp.pro).toBe(0x0800);
    expect(arp.hln).toBe(6);
    expect(arp.pln).toBe(4);
    expect(arp.op).toBe(ARPOP_REPLY);
    expect([...arp.sha()]).toEqual([...B]);
    expect([...arp.tha()]).toEqual([...A]);
    expect(arp.sip).toBe(ip("10.0.0.2"));
    expect(arp.tip).toBe(ip("10.0.0.1"));
    expect(arp.shaOffset).toBe(12);
    expect(arp.thaOffset).toBe(22);
    const out = new Uint8Array(6);
    arp.copySha(out);
    expect([...out]).toEqual([...B]);
    arp.copyTha(out);
    expect([...out]).toEqual([...A]);
  });

  it("turns a request into a reply in place, as arp_send does", () => {
    const buf = request();
    const arp = new ArpPacket(buf);
    arp.op = ARPOP_REPLY;
    const sip = arp.sip;
    arp.sip = arp.tip;
    arp.tip = sip;
    expect(String(arp)).toBe("Reply 10.0.0.2 is-at 02:00:00:00:00:01");
  });

  it("refuses every truncation of a valid packet", () => {
    const buf = request();
    for (let len = 0; len < ARP_PACKET_LEN; len++) expect(ArpPacket.checked(buf, 0, len), `len ${len}`).toBeNull();
    expect(ArpPacket.checked(buf, 0, ARP_PACKET_LEN)).not.toBeNull();
  });

  it("refuses other hardware, protocols and address sizes", () => {
    for (const [at, value] of [
      [1, 6],
      [2, 0x86],
      [4, 8],
      [5, 16],
    ] as const) {
      const buf = request();
      buf[at] = value;
      expect(ArpPacket.checked(buf), `byte ${at}`).toBeNull();
    }
  });

  it("prints the operation as tcpdump does", () => {
    const buf = request();
    expect(String(new ArpPacket(buf))).toBe("Request who-has 10.0.0.2 tell 10.0.0.1");
    emitArp(buf, 0, ARPOP_REQUEST, A, ip("10.0.0.1"), B, ip("10.0.0.2"));
    expect(String(new ArpPacket(buf))).toBe("Request who-has 10.0.0.2 (02:00:00:00:00:02) tell 10.0.0.1");
    emitArp(buf, 0, ARPOP_RREQUEST, A, ip("10.0.0.1"), B, ip("10.0.0.2"));
    expect(String(new ArpPacket(buf))).toBe("Reverse Request who-is 02:00:00:00:00:02 tell 02:00:00:00:00:01");
    expect(arpOpName(9)).toBe("Inverse Reply");
    expect(arpOpName(5)).toBeUndefined();
  });
});
