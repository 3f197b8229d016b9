import { describe, expect, it } from "vitest";
import {
  csumFold, csumPartial, csumPartialView, csumReplace2, csumReplace4, csumTcpudpMagic, csumTcpudpNofold, inetChecksum, ipFastCsum20,
} from "./checksum.js";

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** A small seeded PRNG (mulberry32), so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe("Internet checksum (RFC 1071)", () => {
  it("matches the RFC 1071 section 3 example", () => {
    const data = hex("0001f203f4f5f6f7");
    // The RFC sums these words to ddf2; the checksum is its complement.
    expect(csumFold(csumPartial(data, 0, data.length)) ^ 0xffff).toBe(0xddf2);
    expect(inetChecksum(data, 0, data.length)).toBe(0x220d);
  });

  it("computes the checksum of a real IPv4 header and verifies to zero", () => {
    const header = hex("450000730000400040110000c0a80001c0a800c7");
    expect(inetChecksum(header, 0, 20)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(inetChecksum(header, 0, 20)).toBe(0);
  });

  it("pads an odd trailing byte with zero on the right", () => {
    expect(inetChecksum(hex("0102030405"), 0, 5)).toBe(inetChecksum(hex("010203040500"), 0, 6));
    expect(inetChecksum(hex("ab"), 0, 1)).toBe(~0xab00 & 0xffff);
  });

  it("sums a range inside a larger buffer and chains partial sums", () => {
    const buf = hex("ffff0001f203f4f5f6f7ffff");
    expect(inetChecksum(buf, 2, 8)).toBe(0x220d);
    expect(csumFold(csumPartial(buf, 6, 4, csumPartial(buf, 2, 4)))).toBe(0x220d);
  });

  it("folds large sums with every carry", () => {
    expect(csumFold(0)).toBe(0xffff);
    expect(csumFold(0xffff)).toBe(0);
    expect(csumFold(0x1fffe)).toBe(0);
    expect(csumFold(0x2_0000_0001)).toBe(~0x0003 & 0xffff);
    const big = new Uint8Array(200_000).fill(0xff);
    expect(inetChecksum(big, 0, big.length)).toBe(0);
  });

  it("computes a UDP checksum over the IPv4 pseudo-header", () => {
    // 10.0.0.1:5000 -> 10.0.0.2:7 "hello", checksum 0x9470 as Linux sends it.
    const udp = hex("13880007000d000068656c6c6f");
    const sum = csumPartial(udp, 0, udp.length);
    expect(csumTcpudpMagic(0x0a000001, 0x0a000002, udp.length, 17, sum)).toBe(0x9470);
    expect(csumFold(csumTcpudpNofold(0x0a000001, 0x0a000002, udp.length, 17, sum))).toBe(0x9470);
  });
});

describe("incremental update (RFC 1624)", () => {
  it("gives the RFC's example result, 0x0000 where eqn. 2 would give 0xffff", () => {
    expect(csumReplace2(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it("equals a full recompute after random 16-bit and 32-bit field changes", () => {
    const rnd = prng(1624);
    const header = new Uint8Array(20);
    for (let round = 0; round < 5000; round++) {
      for (let i = 0; i < header.length; i++) header[i] = Math.floor(rnd() * 256);
      header[10] = 0;
      header[11] = 0;
      const check = inetChecksum(header, 0, 20);

      // A 16-bit field at an even offset other than the checksum itself.
      const at16 = [0, 2, 4, 6, 8, 12, 14, 16, 18][Math.floor(rnd() * 9)]!;
      const from16 = (header[at16]! << 8) | header[at16 + 1]!;
      const to16 = Math.floor(rnd() * 0x10000);
      header[at16] = to16 >>> 8;
      header[at16 + 1] = to16 & 0xff;
      const after16 = csumReplace2(check, from16, to16);
      expect(after16).toBe(inetChecksum(header, 0, 20));

      // A 32-bit field: source or destination address.
      const at32 = rnd() < 0.5 ? 12 : 16;
      const from32 = ((header[at32]! << 24) | (header[at32 + 1]! << 16) | (header[at32 + 2]! << 8) | header[at32 + 3]!) >>> 0;
      const to32 = Math.floor(rnd() * 2 ** 32);
      header.set([to32 >>> 24, (to32 >>> 16) & 0xff, (to32 >>> 8) & 0xff, to32 & 0xff], at32);
      expect(csumReplace4(after16, from32, to32)).toBe(inetChecksum(header, 0, 20));
    }
  });

  it("leaves a stored checksum verifying after the update", () => {
    const header = hex("450000730000400040110000c0a80001c0a800c7");
    header[10] = 0xb8;
    header[11] = 0x61;
    // Decrement the TTL as a router does: the ttl/protocol word changes from 0x4011 to 0x3f11.
    const check = csumReplace2(0xb861, 0x4011, 0x3f11);
    header[8] = 0x3f;
    header[10] = check >>> 8;
    header[11] = check & 0xff;
    expect(inetChecksum(header, 0, 20)).toBe(0);
  });
});

describe("csumPartialView / ipFastCsum20", () => {
  it("folds to the same checksum as csumPartial for every offset, length and chain", () => {
    const rand = prng(7);
    const buf = new Uint8Array(300);
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rand() * 256);
    const view = new DataView(buf.buffer);
    for (let off = 0; off < 9; off++) {
      for (let len = 0; len <= 90; len++) {
        expect(csumFold(csumPartialView(view, off, len))).toBe(csumFold(csumPartial(buf, off, len)));
        expect(csumFold(csumPartialView(view, off + len, 8, csumPartialView(view, off, len & ~1)))).toBe(
          csumFold(csumPartial(buf, off + len, 8, csumPartial(buf, off, len & ~1))),
        );
      }
    }
    const zeros = new DataView(new ArrayBuffer(16));
    expect(csumFold(csumPartialView(zeros, 0, 16))).toBe(0xffff);
  });

  it("checks a 20-byte IPv4 header", () => {
    const header = hex("450000730000400040110000c0a80001c0a800c7");
    const view = new DataView(header.buffer);
    expect(ipFastCsum20(view, 0)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(ipFastCsum20(view, 0)).toBe(0);
  });
});
