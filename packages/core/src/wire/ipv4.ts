/**
 * IPv4 headers (RFC 791, Linux `struct iphdr`). Options are not parsed, only skipped: the payload
 * starts at `ihl * 4`.
 */
import { ipv4ToString, writeIpv4 } from "./addr.js";
import { csumReplace2, inetChecksum } from "./checksum.js";
import { PacketView, spanHolds } from "./view.js";

/** Octets of a header without options. */
export const IPV4_HLEN = 20;
/** Largest header: ihl 15. */
export const IPV4_MAX_HLEN = 60;
/** Smallest MTU an IPv4 link may have (RFC 791; Linux `IPV4_MIN_MTU`). */
export const IPV4_MIN_MTU = 68;
/** Default TTL (Linux `sysctl_ip_default_ttl`, `IPDEFTTL`). */
export const IPDEFTTL = 64;

/** Reserved "evil" bit of `frag_off` (Linux `IP_CE`). */
export const IP_CE = 0x8000;
/** Don't fragment (Linux `IP_DF`). */
export const IP_DF = 0x4000;
/** More fragments (Linux `IP_MF`). */
export const IP_MF = 0x2000;
/** Fragment offset in 8-octet units (Linux `IP_OFFSET`). */
export const IP_OFFSET = 0x1fff;

export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_GRE = 47;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;

const OFF_VER_IHL = 0;
const OFF_TOS = 1;
const OFF_TOT_LEN = 2;
const OFF_ID = 4;
const OFF_FRAG_OFF = 6;
const OFF_TTL = 8;
const OFF_PROTOCOL = 9;
const OFF_CHECK = 10;
const OFF_SADDR = 12;
const OFF_DADDR = 16;

/**
 * Why `Ipv4Packet.validate` refused a packet, in the order `ip_rcv_core` tests. `Truncated` is counted
 * as InTruncatedPkts, `Checksum` as InCsumErrors and InHdrErrors, the others as InHdrErrors.
 */
export const Ipv4Error = {
  /** Fewer than 20 bytes, or fewer than `ihl * 4`. */
  Short: 1,
  /** Version is not 4. */
  Version: 2,
  /** `ihl` below 5. */
  HeaderLength: 3,
  /** The header checksum does not verify. */
  Checksum: 4,
  /** `tot_len` is larger than the bytes that arrived. */
  Truncated: 5,
  /** `tot_len` is smaller than the header. */
  TotalLength: 6,
} as const;

/** A reason from `Ipv4Error`. */
export type Ipv4Error = (typeof Ipv4Error)[keyof typeof Ipv4Error];

const IPPROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "Options"],
  [IPPROTO_ICMP, "ICMP"],
  [IPPROTO_IGMP, "IGMP"],
  [IPPROTO_IPIP, "IPIP"],
  [IPPROTO_TCP, "TCP"],
  [8, "EGP"],
  [9, "IGRP"],
  [IPPROTO_UDP, "UDP"],
  [33, "DCCP"],
  [IPPROTO_IPV6, "IPv6"],
  [43, "Routing"],
  [44, "Fragment"],
  [46, "RSVP"],
  [IPPROTO_GRE, "GRE"],
  [50, "ESP"],
  [51, "AH"],
  [55, "Mobile IP"],
  [IPPROTO_ICMPV6, "ICMPv6"],
  [62, "Mobile IP (old)"],
  [88, "EIGRP"],
  [89, "OSPF"],
  [103, "PIM"],
  [108, "Compressed IP"],
  [112, "VRRP"],
  [113, "PGM"],
  [IPPROTO_SCTP, "SCTP"],
  [135, "Mobility"],
  [143, "Ethernet"],
]);

/** tcpdump's name of an IP protocol number ("ICMP", "UDP", ...), or undefined. */
export function ipprotoName(protocol: number): string | undefined {
  return IPPROTO_NAMES.get(protocol);
}

/** Fields of a header to emit (Linux `struct iphdr` without version, ihl and check). */
export interface Ipv4Header {
  tos: number;
  /** Header plus payload. */
  totLen: number;
  id: number;
  /** Flags and offset as on the wire, e.g. `IP_DF`. */
  fragOff: number;
  ttl: number;
  protocol: number;
  saddr: number;
  daddr: number;
}

/** A view of an IPv4 packet in `buf[off, off + len)`, header first. */
export class Ipv4Packet extends PacketView {
  /**
   * 0 when the bytes hold a packet `ip_rcv_core` accepts, else the reason from `Ipv4Error`.
   * The checksum is tested (between the header and the total-length tests, as Linux does) only
   * when `verifyChecksum` is true.
   */
  static validate(buf: Uint8Array, off: number, len: number, verifyChecksum: boolean = false): 0 | Ipv4Error {
    if (!spanHolds(buf, off, len, IPV4_HLEN)) return Ipv4Error.Short;
    const vihl = buf[off]!;
    if (vihl >>> 4 !== 4) return Ipv4Error.Version;
    const hlen = (vihl & 0x0f) * 4;
    if (hlen < IPV4_HLEN) return Ipv4Error.HeaderLength;
    if (hlen > len) return Ipv4Error.Short;
    if (verifyChecksum && inetChecksum(buf, off, hlen) !== 0) return Ipv4Error.Checksum;
    const totLen = (buf[off + OFF_TOT_LEN]! << 8) | buf[off + OFF_TOT_LEN + 1]!;
    if (totLen > len) return Ipv4Error.Truncated;
    if (totLen < hlen) return Ipv4Error.TotalLength;
    return 0;
  }

  /** A view when `validate` accepts the bytes (checksum not verified); null otherwise. */
  static checked(buf: Uint8Array, off: number = 0, len: number = buf.byteLength - off): Ipv4Packet | null {
    return Ipv4Packet.validate(buf, off, len) === 0 ? new Ipv4Packet(buf, off, len) : null;
  }

  get version(): number {
    return this.dv.getUint8(OFF_VER_IHL) >>> 4;
  }

  /** Header length in 32-bit words. */
  get ihl(): number {
    return this.dv.getUint8(OFF_VER_IHL) & 0x0f;
  }

  /** Header length in octets, options included. */
  get headerLength(): number {
    return (this.dv.getUint8(OFF_VER_IHL) & 0x0f) * 4;
  }

  /** Type of service: DSCP in the upper six bits, ECN in the lower two. */
  get tos(): number {
    return this.dv.getUint8(OFF_TOS);
  }

  set tos(tos: number) {
    this.dv.setUint8(OFF_TOS, tos);
  }

  get dscp(): number {
    return this.dv.getUint8(OFF_TOS) >>> 2;
  }

  get ecn(): number {
    return this.dv.getUint8(OFF_TOS) & 0x03;
  }

  /** Header plus payload, in octets. */
  get totLen(): number {
    return this.dv.getUint16(OFF_TOT_LEN);
  }

  set totLen(len: number) {
    this.dv.setUint16(OFF_TOT_LEN, len);
  }

  get id(): number {
    return this.dv.getUint16(OFF_ID);
  }

  set id(id: number) {
    this.dv.setUint16(OFF_ID, id);
  }

  /** Flags and fragment offset as on the wire; mask with `IP_DF`, `IP_MF`, `IP_OFFSET`. */
  get fragOff(): number {
    return this.dv.getUint16(OFF_FRAG_OFF);
  }

  set fragOff(fragOff: number) {
    this.dv.setUint16(OFF_FRAG_OFF, fragOff);
  }

  get df(): boolean {
    return (this.dv.getUint16(OFF_FRAG_OFF) & IP_DF) !== 0;
  }

  get mf(): boolean {
    return (this.dv.getUint16(OFF_FRAG_OFF) & IP_MF) !== 0;
  }

  /** Offset of this fragment's data in the original datagram, in octets. */
  get fragmentOffset(): number {
    return (this.dv.getUint16(OFF_FRAG_OFF) & IP_OFFSET) * 8;
  }

  /** A fragment, first or later (Linux `ip_is_fragment`). */
  get isFragment(): boolean {
    return (this.dv.getUint16(OFF_FRAG_OFF) & (IP_MF | IP_OFFSET)) !== 0;
  }

  get ttl(): number {
    return this.dv.getUint8(OFF_TTL);
  }

  set ttl(ttl: number) {
    this.dv.setUint8(OFF_TTL, ttl);
  }

  get protocol(): number {
    return this.dv.getUint8(OFF_PROTOCOL);
  }

  set protocol(protocol: number) {
    this.dv.setUint8(OFF_PROTOCOL, protocol);
  }

  /** The header checksum field. */
  get check(): number {
    return this.dv.getUint16(OFF_CHECK);
  }

  set check(check: number) {
    this.dv.setUint16(OFF_CHECK, check);
  }

  get saddr(): number {
    return this.dv.getUint32(OFF_SADDR);
  }

  set saddr(addr: number) {
    this.dv.setUint32(OFF_SADDR, addr >>> 0);
  }

  get daddr(): number {
    return this.dv.getUint32(OFF_DADDR);
  }

  set daddr(addr: number) {
    this.dv.setUint32(OFF_DADDR, addr >>> 0);
  }

  /** Offset of the payload (after options) in `buf`. */
  get payloadOffset(): number {
    return this.off + this.headerLength;
  }

  /** Octets of payload by `tot_len`; link padding excluded. */
  get payloadLength(): number {
    return this.totLen - this.headerLength;
  }

  /** True when the header checksum verifies (Linux `ip_fast_csum(iph, ihl) == 0`). */
  verifyChecksum(): boolean {
    return inetChecksum(this.buf, this.off, this.headerLength) === 0;
  }

  /** Computes and stores the header checksum (Linux `ip_send_check`). */
  fillChecksum(): void {
    this.dv.setUint16(OFF_CHECK, 0);
    this.dv.setUint16(OFF_CHECK, inetChecksum(this.buf, this.off, this.headerLength));
  }

  /** Decrements the TTL and patches the checksum incrementally (Linux `ip_decrease_ttl`). */
  decreaseTtl(): number {
    const word = this.dv.getUint16(OFF_TTL);
    const ttl = (word >>> 8) - 1;
    const next = (ttl << 8) | (word & 0xff);
    this.dv.setUint16(OFF_TTL, next);
    this.dv.setUint16(OFF_CHECK, csumReplace2(this.dv.getUint16(OFF_CHECK), word, next));
    return ttl;
  }

  /** The addresses as tcpdump prints them: `10.0.0.1 > 10.0.0.2`. */
  override toString(): string {
    return `${ipv4ToString(this.saddr)} > ${ipv4ToString(this.daddr)}`;
  }
}

/**
 * Writes a 20-octet header without options at `buf[off]`, checksum included; returns the offset
 * of the payload.
 */
export function emitIpv4Header(buf: Uint8Array, off: number, h: Ipv4Header): number {
  buf[off + OFF_VER_IHL] = 0x45;
  buf[off + OFF_TOS] = h.tos;
  buf[off + OFF_TOT_LEN] = h.totLen >>> 8;
  buf[off + OFF_TOT_LEN + 1] = h.totLen;
  buf[off + OFF_ID] = h.id >>> 8;
  buf[off + OFF_ID + 1] = h.id;
  buf[off + OFF_FRAG_OFF] = h.fragOff >>> 8;
  buf[off + OFF_FRAG_OFF + 1] = h.fragOff;
  buf[off + OFF_TTL] = h.ttl;
  buf[off + OFF_PROTOCOL] = h.protocol;
  buf[off + OFF_CHECK] = 0;
  buf[off + OFF_CHECK + 1] = 0;
  writeIpv4(buf, off + OFF_SADDR, h.saddr);
  writeIpv4(buf, off + OFF_DADDR, h.daddr);
  const check = inetChecksum(buf, off, IPV4_HLEN);
  buf[off + OFF_CHECK] = check >>> 8;
  buf[off + OFF_CHECK + 1] = check;
  return off + IPV4_HLEN;
}
