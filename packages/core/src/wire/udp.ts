/**
 * UDP datagrams (RFC 768, Linux `struct udphdr`) over IPv4.
 */
import { csumFold, csumPartial, csumTcpudpNofold } from "./checksum.js";
import { IPPROTO_UDP } from "./ipv4.js";
import { PacketView, spanHolds } from "./view.js";

/** Octets of the UDP header. */
export const UDP_HLEN = 8;

const OFF_SOURCE = 0;
const OFF_DEST = 2;
const OFF_LEN = 4;
const OFF_CHECK = 6;

/**
 * The checksum to put in the header of the UDP datagram in `buf[off, off + len)` between `saddr`
 * and `daddr`, with the checksum field taken as zero. A computed 0 is sent as 0xffff, since 0
 * means "no checksum" (RFC 768).
 */
export function udpChecksum(buf: Uint8Array, off: number, len: number, saddr: number, daddr: number): number {
  // Sum around the checksum field so the caller need not zero it first.
  let sum = csumPartial(buf, off, OFF_CHECK, 0);
  sum = csumPartial(buf, off + UDP_HLEN, len - UDP_HLEN, sum);
  const check = csumFold(csumTcpudpNofold(saddr, daddr, len, IPPROTO_UDP, sum));
  return check === 0 ? 0xffff : check;
}

/** A view of a UDP datagram in `buf[off, off + len)`; `len` is the header's length field. */
export class UdpDatagram extends PacketView {
  /**
   * A view of the datagram when `avail` octets (the IP payload) hold a header whose length field
   * is at least 8 and at most `avail`; null otherwise, where `__udp4_lib_rcv` counts a short packet.
   * The view's `len` is the length field, so trailing octets are trimmed as `pskb_trim_rcsum` does.
   */
  static checked(buf: Uint8Array, off: number = 0, avail: number = buf.byteLength - off): UdpDatagram | null {
    if (!spanHolds(buf, off, avail, UDP_HLEN)) return null;
    const ulen = (buf[off + OFF_LEN]! << 8) | buf[off + OFF_LEN + 1]!;
    if (ulen < UDP_HLEN || ulen > avail) return null;
    return new UdpDatagram(buf, off, ulen);
  }

  get source(): number {
    return this.dv.getUint16(OFF_SOURCE);
  }

  set source(port: number) {
    this.dv.setUint16(OFF_SOURCE, port);
  }

  get dest(): number {
    return this.dv.getUint16(OFF_DEST);
  }

  set dest(port: number) {
    this.dv.setUint16(OFF_DEST, port);
  }

  /** The length field: header plus payload. */
  get length(): number {
    return this.dv.getUint16(OFF_LEN);
  }

  set length(len: number) {
    this.dv.setUint16(OFF_LEN, len);
  }

  /** The checksum field; 0 when the sender did not compute one. */
  get check(): number {
    return this.dv.getUint16(OFF_CHECK);
  }

  set check(check: number) {
    this.dv.setUint16(OFF_CHECK, check);
  }

  get payloadOffset(): number {
    return this.off + UDP_HLEN;
  }

  get payloadLength(): number {
    return this.len - UDP_HLEN;
  }

  /** True when the checksum verifies or is absent (0), as `udp4_csum_init` accepts. */
  verifyChecksum(saddr: number, daddr: number): boolean {
    if (this.check === 0) return true;
    return csumFold(csumTcpudpNofold(saddr, daddr, this.len, IPPROTO_UDP, csumPartial(this.buf, this.off, this.len, 0))) === 0;
  }

  /** Computes and stores the checksum (Linux `udp4_hwcsum` done in software). */
  fillChecksum(saddr: number, daddr: number): void {
    this.dv.setUint16(OFF_CHECK, udpChecksum(this.buf, this.off, this.len, saddr, daddr));
  }

  /** The ports and length as tcpdump prints them without addresses: `5000 > 7: UDP, length 5`. */
  override toString(): string {
    return `${this.source} > ${this.dest}: UDP, length ${this.len - UDP_HLEN}`;
  }
}

/**
 * Writes a UDP header at `buf[off]` for `payloadLen` octets of payload, checksum zero (none);
 * call `fillChecksum` or `udpChecksum` once the payload is in place. Returns the payload offset.
 */
export function emitUdpHeader(buf: Uint8Array, off: number, source: number, dest: number, payloadLen: number): number {
  const len = UDP_HLEN + payloadLen;
  buf[off + OFF_SOURCE] = source >>> 8;
  buf[off + OFF_SOURCE + 1] = source;
  buf[off + OFF_DEST] = dest >>> 8;
  buf[off + OFF_DEST + 1] = dest;
  buf[off + OFF_LEN] = len >>> 8;
  buf[off + OFF_LEN + 1] = len;
  buf[off + OFF_CHECK] = 0;
  buf[off + OFF_CHECK + 1] = 0;
  return off + UDP_HLEN;
}

/** Computes and stores the checksum of the UDP datagram in `buf[off, off + len)`. */
export function udpFillChecksum(buf: Uint8Array, off: number, len: number, saddr: number, daddr: number): void {
  const check = udpChecksum(buf, off, len, saddr, daddr);
  buf[off + OFF_CHECK] = check >>> 8;
  buf[off + OFF_CHECK + 1] = check;
}
