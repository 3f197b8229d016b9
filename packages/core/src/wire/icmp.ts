/**
 * ICMP messages (RFC 792, Linux `struct icmphdr`): an 8-octet header whose second word depends on
 * the type, followed by data (the echo payload, or the offending datagram's header for errors).
 */
import { writeIpv4 } from "./addr.js";
import { inetChecksum } from "./checksum.js";
import { PacketView, spanHolds } from "./view.js";

/** Octets of the ICMP header. */
export const ICMP_HLEN = 8;

export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETERPROB = 12;
export const ICMP_TIMESTAMP = 13;
export const ICMP_TIMESTAMPREPLY = 14;
export const ICMP_INFO_REQUEST = 15;
export const ICMP_INFO_REPLY = 16;
export const ICMP_ADDRESS = 17;
export const ICMP_ADDRESSREPLY = 18;

/** Codes of `ICMP_DEST_UNREACH`. */
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
/** Fragmentation needed and DF set; the header carries the next-hop MTU (RFC 1191). */
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_SR_FAILED = 5;
export const ICMP_NET_UNKNOWN = 6;
export const ICMP_HOST_UNKNOWN = 7;
export const ICMP_HOST_ISOLATED = 8;
export const ICMP_NET_ANO = 9;
export const ICMP_HOST_ANO = 10;
export const ICMP_NET_UNR_TOS = 11;
export const ICMP_HOST_UNR_TOS = 12;
/** Communication administratively prohibited by filtering (RFC 1812). */
export const ICMP_PKT_FILTERED = 13;
export const ICMP_PREC_VIOLATION = 14;
export const ICMP_PREC_CUTOFF = 15;

/** Codes of `ICMP_REDIRECT`. */
export const ICMP_REDIR_NET = 0;
export const ICMP_REDIR_HOST = 1;
export const ICMP_REDIR_NETTOS = 2;
export const ICMP_REDIR_HOSTTOS = 3;

/** Codes of `ICMP_TIME_EXCEEDED`. */
export const ICMP_EXC_TTL = 0;
export const ICMP_EXC_FRAGTIME = 1;

/** True for the error types, which must never be sent in reply to another error (RFC 1122). */
export function icmpIsError(type: number): boolean {
  return (
    type === ICMP_DEST_UNREACH ||
    type === ICMP_SOURCE_QUENCH ||
    type === ICMP_REDIRECT ||
    type === ICMP_TIME_EXCEEDED ||
    type === ICMP_PARAMETERPROB
  );
}

const OFF_TYPE = 0;
const OFF_CODE = 1;
const OFF_CHECKSUM = 2;
const OFF_ID = 4;
const OFF_SEQUENCE = 6;
const OFF_MTU = 6;

/** A view of an ICMP message in `buf[off, off + len)`; the message is all `len` octets. */
export class IcmpPacket extends PacketView {
  /** A view when the bytes hold at least the header; null otherwise. `len` is the IP payload. */
  static checked(buf: Uint8Array, off: number = 0, len: number = buf.byteLength - off): IcmpPacket | null {
    if (!spanHolds(buf, off, len, ICMP_HLEN)) return null;
    return new IcmpPacket(buf, off, len);
  }

  get type(): number {
    return this.dv.getUint8(OFF_TYPE);
  }

  set type(type: number) {
    this.dv.setUint8(OFF_TYPE, type);
  }

  get code(): number {
    return this.dv.getUint8(OFF_CODE);
  }

  set code(code: number) {
    this.dv.setUint8(OFF_CODE, code);
  }

  get checksum(): number {
    return this.dv.getUint16(OFF_CHECKSUM);
  }

  set checksum(checksum: number) {
    this.dv.setUint16(OFF_CHECKSUM, checksum);
  }

  /** Echo identifier (`un.echo.id`). */
  get id(): number {
    return this.dv.getUint16(OFF_ID);
  }

  set id(id: number) {
    this.dv.setUint16(OFF_ID, id);
  }

  /** Echo sequence number (`un.echo.sequence`). */
  get sequence(): number {
    return this.dv.getUint16(OFF_SEQUENCE);
  }

  set sequence(seq: number) {
    this.dv.setUint16(OFF_SEQUENCE, seq);
  }

  /** Next-hop MTU of a fragmentation-needed error (`un.frag.mtu`); 0 from pre-RFC 1191 routers. */
  get mtu(): number {
    return this.dv.getUint16(OFF_MTU);
  }

  /** Gateway of a redirect (`un.gateway`). */
  get gateway(): number {
    return this.dv.getUint32(OFF_ID);
  }

  /** Octet that a parameter problem points at. */
  get pointer(): number {
    return this.dv.getUint8(OFF_ID);
  }

  /** Offset in `buf` of the data after the header: echo payload or the quoted datagram. */
  get dataOffset(): number {
    return this.off + ICMP_HLEN;
  }

  get dataLength(): number {
    return this.len - ICMP_HLEN;
  }

  /** True when the checksum over the whole message verifies. */
  verifyChecksum(): boolean {
    return inetChecksum(this.buf, this.off, this.len) === 0;
  }

  /** Computes and stores the checksum over the whole message. */
  fillChecksum(): void {
    this.dv.setUint16(OFF_CHECKSUM, 0);
    this.dv.setUint16(OFF_CHECKSUM, inetChecksum(this.buf, this.off, this.len));
  }
}

/**
 * Writes an ICMP header at `buf[off]` with `rest` as its second word and a zero checksum; fill the
 * checksum once the data is in place. Returns the offset of the data.
 */
export function emitIcmpHeader(buf: Uint8Array, off: number, type: number, code: number, rest: number): number {
  buf[off + OFF_TYPE] = type;
  buf[off + OFF_CODE] = code;
  buf[off + OFF_CHECKSUM] = 0;
  buf[off + OFF_CHECKSUM + 1] = 0;
  writeIpv4(buf, off + OFF_ID, rest);
  return off + ICMP_HLEN;
}

/** Writes an echo request or reply header (`type` `ICMP_ECHO` or `ICMP_ECHOREPLY`); as `emitIcmpHeader`. */
export function emitIcmpEcho(buf: Uint8Array, off: number, type: number, id: number, sequence: number): number {
  return emitIcmpHeader(buf, off, type, 0, ((id & 0xffff) << 16) | (sequence & 0xffff));
}

/** Computes and stores the checksum of the ICMP message in `buf[off, off + len)`. */
export function icmpFillChecksum(buf: Uint8Array, off: number, len: number): void {
  buf[off + OFF_CHECKSUM] = 0;
  buf[off + OFF_CHECKSUM + 1] = 0;
  const check = inetChecksum(buf, off, len);
  buf[off + OFF_CHECKSUM] = check >>> 8;
  buf[off + OFF_CHECKSUM + 1] = check;
}

/**
 * Writes a whole ICMP error at `buf[off]`: the header, then `qlen` octets of the offending datagram
 * copied from `quoted[qoff]`, then the checksum. Returns the offset after the message.
 */
export function emitIcmpError(
  buf: Uint8Array,
  off: number,
  type: number,
  code: number,
  rest: number,
  quoted: Uint8Array,
  qoff: number,
  qlen: number,
): number {
  const data = emitIcmpHeader(buf, off, type, code, rest);
  buf.set(quoted.subarray(qoff, qoff + qlen), data);
  icmpFillChecksum(buf, off, ICMP_HLEN + qlen);
  return data + qlen;
}
