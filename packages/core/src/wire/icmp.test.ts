import { describe, expect, it } from "vitest";
import { inetChecksum } from "./checksum.js";
import {
  emitIcmpEcho,
  emitIcmpError,
  emitIcmpHeader,
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_FRAG_NEEDED,
  ICMP_HLEN,
  ICMP_PARAMETERPROB,
  ICMP_REDIRECT,
  ICMP_TIME_EXCEEDED,
  icmpFillChecksum,
  icmpIsError,
  IcmpPacket,
} from "./icmp.js";

function echo(): Uint8Array {
  const buf = new Uint8Array(ICMP_HLEN + 56);
  for (let i = 0; i < 56; i++) buf[ICMP_HLEN + i] = i;
  expect(emitIcmpEcho(buf, 0, ICMP_ECHO, 1, 1)).toBe(ICMP_HLEN);
  icmpFillChecksum(buf, 0, buf.length);
  return buf;
}

describe("IcmpPacket", () => {
  it("emits an echo request as ping sends it", () => {
    const buf = echo();
    // Cross-checked with an independent implementation of RFC 1071.
    expect([...buf.subarray(0, 8)]).toEqual([0x08, 0x00, 0x00, 0xeb, 0x00, 0x01, 0x00, 0x01]);
    const p = IcmpPacket.checked(buf)!;
    expect(p.type).toBe(ICMP_ECHO);
    expect(p.code).toBe(0);
    expect(p.id).toBe(1);
    expect(p.sequence).toBe(1);
    expect(p.checksum).toBe(0x00eb);
    expect(p.dataOffset).toBe(8);
    expect(p.dataLength).toBe(56);
    expect(p.verifyChecksum()).toBe(true);
  });

  it("turns a request into a reply and fixes the checksum", () => {
    const buf = echo();
    const p = new IcmpPacket(buf);
    p.type = ICMP_ECHOREPLY;
    expect(p.verifyChecksum()).toBe(false);
    p.fillChecksum();
    expect(p.verifyChecksum()).toBe(true);
    p.id = 0x1234;
    p.sequence = 0xffff;
    p.fillChecksum();
    expect(p.id).toBe(0x1234);
    expect(p.sequence).toBe(0xffff);
    expect(inetChecksum(buf, 0, buf.length)).toBe(0);
  });

  it("refuses fewer than eight octets", () => {
    const buf = echo();
    for (let len = 0; len < ICMP_HLEN; len++) expect(IcmpPacket.checked(buf, 0, len), `len ${len}`).toBeNull();
    expect(IcmpPacket.checked(buf, 0, ICMP_HLEN)).not.toBeNull();
    expect(IcmpPacket.checked(buf, 60, 8)).toBeNull();
  });

  it("quotes the offending datagram in an error and carries the next-hop MTU", () => {
    const quoted = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
    const buf = new Uint8Array(64);
    const end = emitIcmpError(buf, 4, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1400, quoted, 2, 28);
    expect(end).toBe(4 + 8 + 28);
    const p = new IcmpPacket(buf, 4, 36);
    expect(p.type).toBe(ICMP_DEST_UNREACH);
    expect(p.code).toBe(ICMP_FRAG_NEEDED);
    expect(p.mtu).toBe(1400);
    expect([...buf.subarray(12, 40)]).toEqual([...quoted.subarray(2, 30)]);
    expect(p.verifyChecksum()).toBe(true);
  });

  it("reads the gateway of a redirect and the pointer of a parameter problem", () => {
    const buf = new Uint8Array(36);
    emitIcmpHeader(buf, 0, ICMP_REDIRECT, 1, 0x0a000009);
    expect(new IcmpPacket(buf).gateway).toBe(0x0a000009);
    emitIcmpHeader(buf, 0, ICMP_PARAMETERPROB, 0, 20 << 24);
    expect(new IcmpPacket(buf).pointer).toBe(20);
  });

  it("tells errors from queries", () => {
    expect(icmpIsError(ICMP_DEST_UNREACH)).toBe(true);
    expect(icmpIsError(ICMP_TIME_EXCEEDED)).toBe(true);
    expect(icmpIsError(ICMP_REDIRECT)).toBe(true);
    expect(icmpIsError(ICMP_ECHO)).toBe(false);
    expect(icmpIsError(ICMP_ECHOREPLY)).toBe(false);
  });
});
