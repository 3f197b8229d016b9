/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * A "partial" sum is an unfolded, non-negative integer (Linux `__wsum`); fold it with `csumFold`,
 * which returns the complemented 16-bit checksum (Linux `csum_fold`). Partial sums can be added.
 */

/**
 * Adds the 16-bit big-endian words of `buf[off, off + len)` to `sum`. A trailing odd byte counts
 * as the high byte of a word padded with zero, so only the last range of a chain may be odd.
 */
export function csumPartial(buf: Uint8Array, off: number, len: number, sum: number = 0): number {
  let hi = 0;
  let lo = 0;
  const end = off + len - 1;
  let i = off;
  // Sum high and low bytes apart: no shifts or masks in the loop, and no overflow below 2^45 bytes.
  for (; i < end; i += 2) {
    hi += buf[i]!;
    lo += buf[i + 1]!;
  }
  if (i === end) hi += buf[i]!;
  return sum + hi * 256 + lo;
}

/**
 * `csumPartial` over a DataView: the same ones'-complement sum (it folds to the same checksum),
 * read 32 bits at a time. The data path keeps one view per buffer (SkBuff.view), so this
 * allocates nothing and reads a quarter as often as the byte loop.
 */
export function csumPartialView(v: DataView, off: number, len: number, sum: number = 0): number {
  // The 16-bit halves of each word are added, not the words: the total stays a small integer
  // (below 2^31 up to 64 KiB, the largest IPv4 datagram), and it is exact beyond that too.
  let a = 0;
  let i = off;
  const end8 = off + (len & ~7);
  for (; i < end8; i += 8) {
    const x = v.getUint32(i);
    const y = v.getUint32(i + 4);
    a += (x >>> 16) + (x & 0xffff) + (y >>> 16) + (y & 0xffff);
  }
  let r = len & 7;
  if (r >= 4) {
    const x = v.getUint32(i);
    a += (x >>> 16) + (x & 0xffff);
    i += 4;
    r -= 4;
  }
  if (r >= 2) {
    a += v.getUint16(i);
    i += 2;
    r -= 2;
  }
  if (r !== 0) a += v.getUint8(i) << 8;
  return sum + a;
}

/** The checksum of a 20-byte IPv4 header without options at `off` (ip_fast_csum for ihl 5): 0 when valid. */
export function ipFastCsum20(v: DataView, off: number): number {
  const a = v.getUint32(off);
  const b = v.getUint32(off + 4);
  const c = v.getUint32(off + 8);
  const d = v.getUint32(off + 12);
  const e = v.getUint32(off + 16);
  // Halves of each word, so that the sum stays a small integer and folds without a division.
  return csumFold(
    (a >>> 16) + (a & 0xffff) + (b >>> 16) + (b & 0xffff) + (c >>> 16) + (c & 0xffff) + (d >>> 16) + (d & 0xffff) + (e >>> 16) + (e & 0xffff),
  );
}

/** Folds a partial sum to 16 bits with end-around carry and complements it (Linux `csum_fold`). */
export function csumFold(sum: number): number {
  if (sum > 0xffffffff) sum = csumReduce(sum);
  // Two folds bring any 32-bit sum to 16 bits: integer shifts, no division. (Kept this small so
  // that the JIT inlines it everywhere.)
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A partial sum above 32 bits brought below 2^32, keeping its value mod 0xffff (and zero-ness). */
function csumReduce(sum: number): number {
  while (sum > 0xffffffff) {
    const hi = Math.floor(sum / 0x10000);
    sum = hi + (sum - hi * 0x10000);
  }
  return sum;
}

/** The RFC 1071 checksum of `buf[off, off + len)`; 0 when the range holds a correct checksum. */
export function inetChecksum(buf: Uint8Array, off: number, len: number): number {
  return csumFold(csumPartial(buf, off, len, 0));
}

/**
 * Partial sum of the IPv4 pseudo-header (RFC 768, RFC 793) plus `sum` (Linux `csum_tcpudp_nofold`).
 * Addresses are unsigned 32-bit numbers.
 */
export function csumTcpudpNofold(saddr: number, daddr: number, len: number, proto: number, sum: number = 0): number {
  return sum + (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff) + proto + len;
}

/** The folded transport checksum over the IPv4 pseudo-header and `sum` (Linux `csum_tcpudp_magic`). */
export function csumTcpudpMagic(saddr: number, daddr: number, len: number, proto: number, sum: number): number {
  return csumFold(csumTcpudpNofold(saddr, daddr, len, proto, sum));
}

/** Ones'-complement 16-bit addition with end-around carry. */
function add16(a: number, b: number): number {
  const s = a + b;
  return (s & 0xffff) + (s >>> 16);
}

/**
 * The checksum after a 16-bit field changes from `from` to `to`, without touching the rest of the
 * data: HC' = ~(~HC + ~m + m') (RFC 1624 eqn. 3, Linux `csum_replace2`).
 */
export function csumReplace2(check: number, from: number, to: number): number {
  return ~add16(add16(~check & 0xffff, ~from & 0xffff), to & 0xffff) & 0xffff;
}

/** As `csumReplace2` for a 32-bit field, such as an IPv4 address (Linux `csum_replace4`). */
export function csumReplace4(check: number, from: number, to: number): number {
  let s = add16(~check & 0xffff, ~(from >>> 16) & 0xffff);
  s = add16(s, ~from & 0xffff);
  s = add16(s, (to >>> 16) & 0xffff);
  s = add16(s, to & 0xffff);
  return ~s & 0xffff;
}
