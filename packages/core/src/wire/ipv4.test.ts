import { describe, expect, it } from "vitest";
import { parseIpv4 } from "./addr.js";
import { inetChecksum } from "./checksum.js";
import { emitIpv4Header, IP_DF, IP_MF, IPPROTO_ICMP, IPPROTO_UDP, IPV4_HLEN, Ipv4Error, Ipv4Packet, ipprotoName } from "./ipv4.js";

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const ip = (s: string): number => parseIpv4(s)!;

/** A captured header (the classic example: 192.168.0.1 -> 192.168.0.199, UDP, 115 octets). */
const CAPTURED = "45000073000040004011b861c0a80001c0a800c7";

function packet(payloadLen: number, fragOff: number = IP_DF): Uint8Array {
  const buf = new Uint8Array(IPV4_HLEN + payloadLen);
  emitIpv4Header(buf, 0, { tos: 0, totLen: buf.length, id: 1, fragOff, ttl: 64, protocol: IPPROTO_UDP, saddr: ip("10.0.0.1"), daddr: ip("10.0.0.2") });
  return buf;
}

describe("Ipv4Packet", () => {
  it("reads every field of a captured header", () => {
    const bytes = new Uint8Array(0x73);
    bytes.set(hex(CAPTURED));
    const p = Ipv4Packet.checked(bytes)!;
    expect(p).not.toBeNull();
    expect(p.version).toBe(4);
    expect(p.ihl).toBe(5);
    expect(p.headerLength).toBe(20);
    expect(p.tos).toBe(0);
    expect(p.totLen).toBe(0x73);
    expect(p.id).toBe(0);
    expect(p.df).toBe(true);
    expect(p.mf).toBe(false);
    expect(p.fragmentOffset).toBe(0);
    expect(p.isFragment).toBe(false);
    expect(p.ttl).toBe(64);
    expect(p.protocol).toBe(IPPROTO_UDP);
    expect(p.check).toBe(0xb861);
    expect(p.saddr).toBe(ip("192.168.0.1"));
    expect(p.daddr).toBe(ip("192.168.0.199"));
    expect(p.verifyChecksum()).toBe(true);
    expect(p.payloadOffset).toBe(20);
    expect(p.payloadLength).toBe(0x73 - 20);
    expect(String(p)).toBe("192.168.0.1 > 192.168.0.199");
  });

  it("emits a header that checks, with its checksum filled", () => {
    const buf = packet(8);
    expect(hex("4500001c00014000401126ce0a0000010a000002").every((b, i) => buf[i] === b)).toBe(true);
    expect(Ipv4Packet.validate(buf, 0, buf.length, true)).toBe(0);
    expect(new Ipv4Packet(buf).verifyChecksum()).toBe(true);
  });

  it("skips options: the payload starts at ihl * 4", () => {
    const buf = new Uint8Array(24 + 4);
    emitIpv4Header(buf, 0, { tos: 0, totLen: 28, id: 7, fragOff: 0, ttl: 1, protocol: 2, saddr: ip("10.0.0.1"), daddr: ip("224.0.0.22") });
    buf[0] = 0x46;
    buf.set([0x94, 0x04, 0x00, 0x00], 20); // Router Alert, as IGMP sends it
    buf.set([0xde, 0xad, 0xbe, 0xef], 24);
    const p = Ipv4Packet.checked(buf)!;
    p.fillChecksum();
    expect(p.ihl).toBe(6);
    expect(p.headerLength).toBe(24);
    expect(p.payloadOffset).toBe(24);
    expect(p.payloadLength).toBe(4);
    expect(buf[p.payloadOffset]).toBe(0xde);
    expect(p.verifyChecksum()).toBe(true);
    // The checksum covers the options too.
    buf[22] = 1;
    expect(p.verifyChecksum()).toBe(false);
  });

  it("refuses every truncation, counting each as Linux would", () => {
    const buf = packet(12);
    for (let len = 0; len < buf.length; len++) {
      const reason = Ipv4Packet.validate(buf, 0, len);
      expect(reason, `len ${len}`).toBe(len < IPV4_HLEN ? Ipv4Error.Short : Ipv4Error.Truncated);
      expect(Ipv4Packet.checked(buf, 0, len)).toBeNull();
    }
    expect(Ipv4Packet.validate(buf, 0, buf.length)).toBe(0);
  });

  it("refuses a header that claims more options than arrived", () => {
    const buf = packet(0);
    buf[0] = 0x4f; // 60 octets of header in a 20-octet packet
    expect(Ipv4Packet.validate(buf, 0, 20)).toBe(Ipv4Error.Short);
  });

  it("names each malformation", () => {
    const version = packet(4);
    version[0] = 0x65;
    expect(Ipv4Packet.validate(version, 0, version.length)).toBe(Ipv4Error.Version);
    const ihl = packet(4);
    ihl[0] = 0x44;
    expect(Ipv4Packet.validate(ihl, 0, ihl.length)).toBe(Ipv4Error.HeaderLength);
    const totLen = packet(4);
    totLen[2] = 0;
    totLen[3] = 19;
    expect(Ipv4Packet.validate(totLen, 0, totLen.length)).toBe(Ipv4Error.TotalLength);
    const csum = packet(4);
    csum[8] = 63;
    expect(Ipv4Packet.validate(csum, 0, csum.length)).toBe(0);
    expect(Ipv4Packet.validate(csum, 0, csum.length, true)).toBe(Ipv4Error.Checksum);
    // Linux tests the checksum before the total length.
    csum[2] = 0x10;
    expect(Ipv4Packet.validate(csum, 0, csum.length, true)).toBe(Ipv4Error.Checksum);
    expect(Ipv4Packet.validate(csum, 0, csum.length, false)).toBe(Ipv4Error.Truncated);
  });

  it("accepts link padding after tot_len and excludes it from the payload", () => {
    const buf = new Uint8Array(46);
    buf.set(packet(8));
    const p = Ipv4Packet.checked(buf)!;
    expect(p.len).toBe(46);
    expect(p.payloadLength).toBe(8);
  });

  it("reads fragment flags and offsets", () => {
    const first = new Ipv4Packet(packet(8, IP_MF));
    expect(first.mf).toBe(true);
    expect(first.df).toBe(false);
    expect(first.isFragment).toBe(true);
    expect(first.fragmentOffset).toBe(0);
    const later = new Ipv4Packet(packet(8, 185));
    expect(later.mf).toBe(false);
    expect(later.isFragment).toBe(true);
    expect(later.fragmentOffset).toBe(1480);
    expect(new Ipv4Packet(packet(8)).isFragment).toBe(false);
  });

  it("writes fields and keeps the checksum right when decreasing the TTL", () => {
    const buf = packet(8);
    const p = new Ipv4Packet(buf);
    expect(p.decreaseTtl()).toBe(63);
    expect(p.ttl).toBe(63);
    expect(p.verifyChecksum()).toBe(true);
    for (let ttl = 63; ttl > 0; ttl--) p.decreaseTtl();
    expect(p.ttl).toBe(0);
    expect(inetChecksum(buf, 0, 20)).toBe(0);
    p.tos = 0xb8;
    p.id = 0xbeef;
    p.saddr = ip("192.0.2.1");
    p.daddr = ip("198.51.100.255");
    p.protocol = IPPROTO_ICMP;
    p.totLen = 28;
    p.fragOff = IP_DF;
    p.fillChecksum();
    expect(p.dscp).toBe(46);
    expect(p.ecn).toBe(0);
    expect(p.id).toBe(0xbeef);
    expect(p.saddr).toBe(ip("192.0.2.1"));
    expect(p.daddr).toBe(ip("198.51.100.255"));
    expect(p.verifyChecksum()).toBe(true);
    p.check = 0;
    expect(p.verifyChecksum()).toBe(false);
  });

  it("names protocols as tcpdump does", () => {
    expect(ipprotoName(1)).toBe("ICMP");
    expect(ipprotoName(17)).toBe("UDP");
    expect(ipprotoName(253)).toBeUndefined();
  });
});
