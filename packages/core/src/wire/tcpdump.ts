/**
 * The text `tcpdump -n` (4.99) prints for a frame, without the timestamp: `-e` adds the link-level
 * header, `-v` and `-vv` the verbose forms. A small port of netdissect's habits: every read is
 * bounds-checked against the end of the captured bytes, and running off it ends the line with
 * ` [|proto]`, as tcpdump's longjmp does.
 *
 * Decoded: Ethernet II, 802.1Q, ARP/RARP, IPv4 (options by name), ICMP, UDP, VXLAN, and IPv6 with
 * its common ICMPv6 messages. Anything else prints as tcpdump prints a protocol it cannot decode
 * (a hex dump, `ip-proto-N`) or in its terse `-q` form (`tcp N`).
 */
import { ipv4ToString } from "./addr.js";
import { ARPOP_InREPLY, ARPOP_InREQUEST, ARPOP_REPLY, ARPOP_REQUEST, ARPOP_RREPLY, ARPOP_RREQUEST, arpOpName } from "./arp.js";
import { csumFold, csumPartial, csumTcpudpNofold, inetChecksum } from "./checksum.js";
import { ETH_DATA_LEN, ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, ETH_P_RARP, ethertypeName } from "./ethernet.js";
import {
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_PARAMETERPROB,
  ICMP_REDIRECT,
  ICMP_TIME_EXCEEDED,
  ICMP_TIMESTAMP,
  ICMP_TIMESTAMPREPLY,
  icmpIsError,
} from "./icmp.js";
import {
  IP_CE,
  IP_DF,
  IP_MF,
  IP_OFFSET,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  ipprotoName,
} from "./ipv4.js";

/** How much `tcpdump` prints. */
export interface TcpdumpOptions {
  /** `-e`: the link-level header. */
  link?: boolean | undefined;
  /** `-v` count: 1 for `-v`, 2 for `-vv`. */
  verbose?: number | undefined;
}

const NO_OPTIONS: TcpdumpOptions = {};

/** Thrown when a read runs off the captured bytes; caught once, at the top (netdissect's longjmp). */
const TRUNCATED: unique symbol = Symbol("truncated");
/** Thrown by an explicit bounds check; caught by the printer that made it (netdissect's `goto trunc`). */
const TCHECK: unique symbol = Symbol("tcheck");

const IPPROTO_HOPOPTS = 0;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_NONE = 59;
const IPPROTO_DSTOPTS = 60;
const IPPROTO_ETHERNET = 143;
const VXLAN_PORT = 4789;
const ETH_P_8021Q_9100 = 0x9100;
const ETH_P_8021Q_9200 = 0x9200;
const ETH_P_TRAIL = 0x1000;

/** One packet being printed: the bytes, where the capture ends, the text so far. */
class Dissector {
  out = "";
  /** Name for the ` [|proto]` marker (netdissect's `ndo_protocol`). */
  proto = "";
  constructor(
    readonly buf: Uint8Array,
    /** First offset past the bytes a printer may read (netdissect's `ndo_snapend`). */
    public end: number,
    readonly eflag: boolean,
    readonly vflag: number,
  ) {}

  print(s: string): void {
    this.out += s;
  }

  test(p: number, n: number): boolean {
    return p >= 0 && n >= 0 && p + n <= this.end;
  }

  /** An explicit bounds check (`ND_TCHECK_LEN`): the printer that calls it catches `TCHECK`. */
  tcheck(p: number, n: number): void {
    if (!this.test(p, n)) throw TCHECK;
  }

  u8(p: number): number {
    if (p + 1 > this.end) throw TRUNCATED;
    return this.buf[p]!;
  }

  be16(p: number): number {
    if (p + 2 > this.end) throw TRUNCATED;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  be24(p: number): number {
    if (p + 3 > this.end) throw TRUNCATED;
    return (this.buf[p]! << 16) | (this.buf[p + 1]! << 8) | this.buf[p + 2]!;
  }

  be32(p: number): number {
    if (p + 4 > this.end) throw TRUNCATED;
    return ((this.buf[p]! << 24) | (this.buf[p + 1]! << 16) | (this.buf[p + 2]! << 8) | this.buf[p + 3]!) >>> 0;
  }

  ipaddr(p: number): string {
    return ipv4ToString(this.be32(p));
  }

  linkaddr(p: number, len: number): string {
    if (len === 0) return "<empty>";
    if (!this.test(p, len)) throw TRUNCATED;
    let s = "";
    for (let i = 0; i < len; i++) s += (i > 0 ? ":" : "") + hex2(this.buf[p + i]!);
    return s;
  }

  trunc(): void {
    this.out += ` [|${this.proto}]`;
  }

  /** Narrows the readable bytes to `[p, p + len)`; returns the old end to restore. */
  push(p: number, len: number): number {
    const saved = this.end;
    if (p + len < this.end) this.end = p + len;
    return saved;
  }
}

/**
 * What `tcpdump -n` prints for the Ethernet frame in `buf[off, off + len)`, without the timestamp
 * and the final newline. Never throws on malformed bytes.
 */
export function tcpdumpLine(buf: Uint8Array, off: number = 0, len: number = buf.byteLength - off, opts: TcpdumpOptions = NO_OPTIONS): string {
  // A range past the buffer reads as a capture cut short, never as undefined bytes.
  const nd = new Dissector(buf, Math.min(off + len, buf.byteLength), opts.link === true, opts.verbose ?? 0);
  try {
    etherPrint(nd, off, len);
  } catch (e) {
    if (e !== TRUNCATED && e !== TCHECK) throw e;
    nd.trunc();
  }
  return nd.out;
}

function hex2(b: number): string {
  return (b < 16 ? "0" : "") + b.toString(16);
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, "0");
}

/** The checksum the field should hold, from the field and the sum that failed (RFC 1624). */
function shouldBe(field: number, computed: number): number {
  let s = field + computed;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s & 0xffff;
}

function isGraph(b: number): boolean {
  return b > 0x20 && b < 0x7f;
}

/** netdissect's default printer: hex and ASCII, 16 octets a line, each line on `\n\t`. */
function hexAndAsciiPrint(nd: Dissector, p: number, length: number): void {
  const avail = nd.end > p ? nd.end - p : 0;
  const truncated = length > avail;
  if (truncated) length = avail;
  for (let line = 0; line < length; line += 16) {
    let hex = "";
    let ascii = "";
    const n = Math.min(16, length - line);
    for (let i = 0; i < n; i++) {
      const b = nd.buf[p + line + i]!;
      hex += (i % 2 === 0 ? " " : "") + hex2(b);
      ascii += isGraph(b) ? String.fromCharCode(b) : ".";
    }
    nd.print(`\n\t0x${hex4(line)}: ${hex.padEnd(40)}  ${ascii}`);
  }
  if (truncated) throw TRUNCATED;
}

/** netdissect's `hex_print`: hex only, 16 octets a line, each line on `indent`. */
function hexPrint(nd: Dissector, indent: string, p: number, length: number): void {
  const avail = nd.end > p ? nd.end - p : 0;
  const truncated = length > avail;
  if (truncated) length = avail;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    if (i % 16 === 0) nd.print(`${indent}0x${hex4(i)}: `);
    nd.print(` ${hex2(nd.buf[p + i]!)}${hex2(nd.buf[p + i + 1]!)}`);
  }
  if (i < length) {
    if (i % 16 === 0) nd.print(`${indent}0x${hex4(i)}: `);
    nd.print(` ${hex2(nd.buf[p + i]!)}`);
  }
  if (truncated) throw TRUNCATED;
}

function etherTypeString(type: number): string {
  return `ethertype ${ethertypeName(type) ?? "Unknown"} (0x${hex4(type)})`;
}

function etherAddresses(nd: Dissector, p: number): string {
  return `${nd.linkaddr(p + 6, 6)} > ${nd.linkaddr(p, 6)}, `;
}

function isVlanType(type: number): boolean {
  return type === ETH_P_8021Q || type === ETH_P_8021Q_9100 || type === ETH_P_8021Q_9200 || type === ETH_P_8021AD;
}

/** `ether_print`: `length` is the frame on the wire; the capture ends at `nd.end`. */
function etherPrint(nd: Dissector, frame: number, length: number): void {
  nd.proto = "ether";
  let caplen = Math.max(0, nd.end - frame);
  if (length < caplen) {
    nd.print(`[length ${length} < caplen ${caplen}] (invalid)`);
    return;
  }
  if (caplen < ETH_HLEN) {
    nd.trunc();
    return;
  }
  const orig = length;
  if (nd.eflag) nd.print(etherAddresses(nd, frame));
  let type = nd.be16(frame + 12);
  let p = frame + ETH_HLEN;
  length -= ETH_HLEN;
  caplen -= ETH_HLEN;
  let printedLength = false;
  while (isVlanType(type)) {
    if (caplen < 4 || length < 4) {
      nd.proto = "vlan";
      nd.trunc();
      return;
    }
    if (nd.eflag) {
      const tci = nd.be16(p);
      nd.print(`${etherTypeString(type)}${printedLength ? ", " : `, length ${orig}: `}`);
      printedLength = true;
      nd.print(`vlan ${tci & 0xfff}, p ${tci >>> 13}${tci & 0x1000 ? ", DEI" : ""}, `);
    }
    type = nd.be16(p + 2);
    p += 4;
    length -= 4;
    caplen -= 4;
  }
  if (type <= ETH_DATA_LEN) {
    // An 802.3 length and an LLC header: tcpdump decodes LLC, this port only dumps it.
    if (type < length) {
      length = type;
      if (caplen > length) caplen = length;
    }
    nd.push(p, length);
    if (nd.eflag) nd.print(printedLength ? "802.3" : `802.3, length ${length}: `);
    else nd.print(`${etherAddresses(nd, frame)}802.3, length ${length}: `);
    hexAndAsciiPrint(nd, p, caplen);
    return;
  }
  if (nd.eflag) nd.print(`${etherTypeString(type)}${printedLength ? ", " : `, length ${orig}: `}`);
  if (!ethertypePrint(nd, type, p, length)) {
    // Without -e nothing of the link layer was printed yet: say what could not be decoded.
    if (!nd.eflag) nd.print(`${etherAddresses(nd, frame)}${etherTypeString(type)}, length ${orig}: `);
    hexAndAsciiPrint(nd, p, caplen);
  }
}

function ethertypePrint(nd: Dissector, type: number, p: number, length: number): boolean {
  switch (type) {
    case ETH_P_IP:
      ipPrint(nd, p, length);
      return true;
    case ETH_P_IPV6:
      ip6Print(nd, p, length);
      return true;
    case ETH_P_ARP:
    case ETH_P_RARP:
      arpPrint(nd, p, length);
      return true;
    default:
      return false;
  }
}

const ARPHRD_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [1, "Ethernet"],
  [6, "TokenRing"],
  [7, "ArcNet"],
  [15, "FrameRelay"],
  [23, "Strip"],
  [24, "IEEE 1394"],
  [19, "ATM"],
  [32, "InfiniBand"],
]);

/** `arp_print` for every hardware type but ATM and Frame Relay, which vnet never carries. */
function arpPrint(nd: Dissector, p: number, length: number): void {
  nd.proto = "arp";
  if (!nd.test(p, 8)) {
    nd.trunc();
    return;
  }
  const hrd = nd.be16(p);
  const pro = nd.be16(p + 2);
  const hln = nd.u8(p + 4);
  const pln = nd.u8(p + 5);
  const op = nd.be16(p + 6);
  const sha = p + 8;
  const spa = sha + hln;
  const tha = spa + pln;
  const tpa = tha + hln;
  if (!nd.test(tpa, pln)) {
    nd.trunc();
    return;
  }
  if (!nd.eflag) nd.print("ARP, ");
  const ipProto = pro === ETH_P_IP || pro === ETH_P_TRAIL;
  if (!ipProto || pln !== 4 || hln === 0 || nd.vflag > 0) {
    const proName = ethertypeName(pro) ?? `Unknown Protocol (0x${hex4(pro)})`;
    nd.print(`${ARPHRD_NAMES.get(hrd) ?? `Unknown Hardware (${hrd})`} (len ${hln}), ${proName} (len ${pln})`);
    if (nd.vflag === 0) {
      nd.print(`, length ${length}`);
      return;
    }
  }
  nd.print(`${nd.vflag > 0 ? ", " : ""}${arpOpName(op) ?? `Unknown (${op})`} `);
  const paddr = (a: number): string => (!ipProto ? "<wrong proto type>" : pln !== 4 ? "<wrong len>" : nd.ipaddr(a));
  switch (op) {
    case ARPOP_REQUEST: {
      nd.print(`who-has ${paddr(tpa)}`);
      let set = false;
      for (let i = 0; i < hln; i++) if (nd.u8(tha + i) !== 0) set = true;
      if (set) nd.print(` (${nd.linkaddr(tha, hln)})`);
      nd.print(` tell ${paddr(spa)}`);
      break;
    }
    case ARPOP_REPLY:
      nd.print(`${paddr(spa)} is-at ${nd.linkaddr(sha, hln)}`);
      break;
    case ARPOP_RREQUEST:
    case ARPOP_InREQUEST:
      nd.print(`who-is ${nd.linkaddr(tha, hln)} tell ${nd.linkaddr(sha, hln)}`);
      break;
    case ARPOP_RREPLY:
      nd.print(`${nd.linkaddr(tha, hln)} at ${paddr(tpa)}`);
      break;
    case ARPOP_InREPLY:
      nd.print(`${nd.linkaddr(sha, hln)} at ${paddr(spa)}`);
      break;
    default:
      hexAndAsciiPrint(nd, p, nd.end - p);
      return;
  }
  nd.print(`, length ${length}`);
}

const IPOPT_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [0, "EOL"],
  [1, "NOP"],
  [68, "timestamp"],
  [130, "security"],
  [7, "RR"],
  [137, "SSRR"],
  [131, "LSRR"],
  [148, "RA"],
  [82, "traceroute"],
]);

/** `ip_optprint`; false when an option runs off the capture. */
function ipOptPrint(nd: Dissector, p: number, length: number): boolean {
  let sep = "";
  while (length > 0) {
    nd.print(sep);
    sep = ",";
    const code = nd.u8(p);
    nd.print(IPOPT_NAMES.get(code) ?? `unknown ${code}`);
    let optLen = 1;
    if (code !== 0 && code !== 1) {
      optLen = nd.u8(p + 1);
      if (optLen < 2) {
        nd.print(` [bad length ${optLen}]`);
        return true;
      }
    }
    if (optLen > length) {
      nd.print(` [bad length ${optLen}]`);
      return true;
    }
    if (!nd.test(p, optLen)) return false;
    if (code === 0) return true;
    if (code === 7 || code === 137 || code === 131) {
      if (!ipPrintRoute(nd, p, optLen)) return false;
    } else if (code === 68) {
      if (!ipPrintTs(nd, p, optLen)) return false;
    } else if (code === 148) {
      if (optLen < 4) nd.print(` [bad length ${optLen}]`);
      else if (nd.be16(p + 2) !== 0) nd.print(` value ${nd.be16(p + 2)}`);
    }
    p += optLen;
    length -= optLen;
  }
  return true;
}

function ipPrintRoute(nd: Dissector, p: number, length: number): boolean {
  if (length < 3) {
    nd.print(` [bad length ${length}]`);
    return true;
  }
  if ((length + 1) & 3) nd.print(` [bad length ${length}]`);
  const ptr = nd.u8(p + 2) - 1;
  if (ptr < 3 || (ptr + 1) & 3 || ptr > length + 1) nd.print(` [bad ptr ${nd.u8(p + 2)}]`);
  for (let len = 3; len < length; len += 4) {
    if (!nd.test(p + len, 4)) return false;
    nd.print(` ${nd.ipaddr(p + len)}`);
    if (ptr > len) nd.print(",");
  }
  return true;
}

function ipPrintTs(nd: Dissector, p: number, length: number): boolean {
  if (length < 4) {
    nd.print(`[bad length ${length}]`);
    return true;
  }
  nd.print(" TS{");
  const flags = nd.u8(p + 3);
  const hoplen = (flags & 0xf) !== 0 ? 8 : 4;
  if ((length - 4) & (hoplen - 1)) nd.print(`[bad length ${length}]`);
  const ptr = nd.u8(p + 2) - 1;
  let len = 0;
  if (ptr < 4 || (ptr - 4) & (hoplen - 1) || ptr > length + 1) nd.print(`[bad ptr ${nd.u8(p + 2)}]`);
  const kind = flags & 0xf;
  if (kind === 0 || kind === 1 || kind === 3) {
    nd.print(kind === 0 ? "TSONLY" : kind === 1 ? "TS+ADDR" : "PRESPEC");
    let type = " ";
    for (len = 4; len < length; len += hoplen) {
      if (ptr === len) type = " ^ ";
      if (!nd.test(p + len, hoplen)) return false;
      nd.print(`${type}${nd.be32(p + len + hoplen - 4)}@${hoplen !== 8 ? "" : nd.ipaddr(p + len)}`);
      type = " ";
    }
  } else {
    nd.print(`[bad ts type ${kind}]`);
  }
  nd.print(ptr === len ? " ^ " : "");
  nd.print(flags >>> 4 ? ` [${flags >>> 4} hops not recorded]} ` : "}");
  return true;
}

/** The final destination for the pseudo-header: the last hop of a source route (`ip_finddst`). */
function ipFinddst(nd: Dissector, iph: number): number {
  let length = (nd.u8(iph) & 0x0f) * 4 - 20;
  let cp = iph + 20;
  while (length > 0) {
    const tt = nd.u8(cp);
    if (tt === 0) break;
    let len = 1;
    if (tt !== 1) {
      len = nd.u8(cp + 1);
      if (len < 2) break;
    }
    if (length < len || !nd.test(cp, len)) break;
    if ((tt === 137 || tt === 131) && len >= 7) return nd.be32(cp + len - 4);
    cp += len;
    length -= len;
  }
  return nd.be32(iph + 16);
}

const ECN_NAMES = ["", ",ECT(1)", ",ECT(0)", ",CE"] as const;

function ipFlags(off: number): string {
  const flags: string[] = [];
  if (off & IP_MF) flags.push("+");
  if (off & IP_DF) flags.push("DF");
  if (off & IP_CE) flags.push("rsvd");
  return flags.length === 0 ? "none" : flags.join(", ");
}

/** `ip_print`: `length` is the octets from the header to the end of the frame. */
function ipPrint(nd: Dissector, bp: number, length: number): void {
  nd.proto = "ip";
  const version = nd.u8(bp) >>> 4;
  if (version !== 4) {
    nd.print(version === 6 ? "IP6, wrong link-layer encapsulation" : `IP${version}`);
    nd.print(" (invalid)");
    return;
  }
  if (!nd.eflag) nd.print("IP ");
  if (!nd.test(bp, 20)) {
    nd.trunc();
    return;
  }
  if (length < 20) {
    nd.print(`truncated-ip ${length}`);
    return;
  }
  const hlen = (nd.u8(bp) & 0x0f) * 4;
  if (hlen < 20) {
    nd.print(`bad-hlen ${hlen}`);
    return;
  }
  let len = nd.be16(bp + 2);
  if (length < len) nd.print(`truncated-ip - ${len - length} bytes missing! `);
  if (len < hlen) {
    nd.print(`bad-len ${len}`);
    return;
  }
  const saved = nd.push(bp, len);
  len -= hlen;
  const off = nd.be16(bp + 6);
  const proto = nd.u8(bp + 9);
  if (nd.vflag > 0) {
    const tos = nd.u8(bp + 1);
    nd.print(`(tos 0x${tos.toString(16)}${ECN_NAMES[tos & 3]!}`);
    const ttl = nd.u8(bp + 8);
    if (ttl >= 1) nd.print(`, ttl ${ttl}`);
    nd.print(`, id ${nd.be16(bp + 4)}, offset ${(off & IP_OFFSET) * 8}, flags [${ipFlags(off)}]`);
    nd.print(`, proto ${ipprotoName(proto) ?? "unknown"} (${proto}), length ${nd.be16(bp + 2)}`);
    let truncated = false;
    if (hlen > 20) {
      nd.print(", options (");
      if (!ipOptPrint(nd, bp + 20, hlen - 20)) {
        nd.print(" [truncated-option]");
        truncated = true;
      }
      nd.print(")");
    }
    if (bp + hlen <= nd.end) {
      const sum = inetChecksum(nd.buf, bp, hlen);
      if (sum !== 0) {
        const field = nd.be16(bp + 10);
        nd.print(`, bad cksum ${field.toString(16)} (->${shouldBe(field, sum).toString(16)})!`);
      }
    }
    nd.print(")\n    ");
    if (truncated) {
      nd.print(`${nd.ipaddr(bp + 12)} > ${nd.ipaddr(bp + 16)}: `);
      nd.trunc();
      nd.end = saved;
      return;
    }
  }
  if ((off & IP_OFFSET) === 0) {
    // UDP and TCP print the addresses with their ports; SCTP and DCCP would too, but are not ported.
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) {
      nd.print(`${nd.ipaddr(bp + 12)} > ${nd.ipaddr(bp + 16)}: `);
    }
    if (!nd.test(bp, hlen)) {
      nd.print(` [remaining caplen(${Math.max(0, nd.end - bp)}) < header length(${hlen})]`);
      throw TRUNCATED;
    }
    ipDemuxPrint(nd, bp + hlen, len, 4, (off & IP_MF) !== 0, proto, bp);
  } else {
    nd.print(`${nd.ipaddr(bp + 12)} > ${nd.ipaddr(bp + 16)}: ip-proto-${proto}`);
  }
  nd.end = saved;
}

function ipDemuxPrint(nd: Dissector, bp: number, length: number, ver: 4 | 6, fragmented: boolean, nh: number, iph: number): void {
  switch (nh) {
    case IPPROTO_UDP:
      udpPrint(nd, bp, length, ver, iph, fragmented);
      return;
    case IPPROTO_TCP:
      tcpPrintTerse(nd, bp, length, ver, iph);
      return;
    case IPPROTO_ICMP:
      if (ver === 4) icmpPrint(nd, bp, length, fragmented);
      else nd.print("[ICMP requires IPv4] (invalid)");
      return;
    case IPPROTO_ICMPV6:
      if (ver === 6) icmp6Print(nd, bp, length, iph, fragmented);
      else nd.print("[ICMPv6 requires IPv6] (invalid)");
      return;
    case IPPROTO_NONE:
      nd.print("no next header");
      return;
    case IPPROTO_IPIP:
      ipPrint(nd, bp, length);
      return;
    case IPPROTO_IPV6:
      ip6Print(nd, bp, length);
      return;
    case IPPROTO_ETHERNET:
      if (ver === 6) etherPrint(nd, bp, length);
      else nd.print("[Ethernet requires IPv6] (invalid)");
      return;
    default:
      nd.print(` ip-proto-${nh} ${length}`);
  }
}

/** The addresses of the IP header at `iph`, with ports when given, as `udpipaddr_print` writes them. */
function addrPorts(nd: Dissector, ver: 4 | 6, iph: number, proto: number, sport: number, dport: number): string {
  // Behind IPv6 extension headers (or inside ICMP) tcpdump leaves the addresses out.
  if (nd.u8(iph + (ver === 4 ? 9 : 6)) !== proto) return sport < 0 ? "" : `${sport} > ${dport}: `;
  const src = ver === 4 ? nd.ipaddr(iph + 12) : ip6addr(nd, iph + 8);
  const dst = ver === 4 ? nd.ipaddr(iph + 16) : ip6addr(nd, iph + 24);
  return sport < 0 ? `${src} > ${dst}: ` : `${src}.${sport} > ${dst}.${dport}: `;
}

/** TCP in tcpdump's terse `-q` form; the full TCP printer is not ported. */
function tcpPrintTerse(nd: Dissector, bp: number, length: number, ver: 4 | 6, iph: number): void {
  nd.proto = "tcp";
  const sport = nd.be16(bp);
  const dport = nd.be16(bp + 2);
  nd.print(`${addrPorts(nd, ver, iph, IPPROTO_TCP, sport, dport)}tcp ${length}`);
}

/** Partial sum of the pseudo-header of the IP header at `iph`, for `len` octets of `proto`. */
function pseudoSum(nd: Dissector, ver: 4 | 6, iph: number, len: number, proto: number): number {
  if (ver === 4) return csumTcpudpNofold(nd.be32(iph + 12), ipFinddst(nd, iph), len, proto, 0);
  return csumPartial(nd.buf, iph + 8, 32, 0) + Math.floor(len / 0x10000) + (len & 0xffff) + proto;
}

/** `udp_print`; `length` is the IP payload. */
function udpPrint(nd: Dissector, bp: number, length: number, ver: 4 | 6, iph: number, fragmented: boolean): void {
  nd.proto = "udp";
  if (!nd.test(bp + 2, 2)) {
    nd.print(addrPorts(nd, ver, iph, IPPROTO_UDP, -1, -1));
    nd.trunc();
    return;
  }
  const sport = nd.be16(bp);
  const dport = nd.be16(bp + 2);
  if (length < 8) {
    nd.print(`${addrPorts(nd, ver, iph, IPPROTO_UDP, sport, dport)}truncated-udp ${length}`);
    return;
  }
  if (!nd.test(bp + 4, 2)) {
    nd.print(addrPorts(nd, ver, iph, IPPROTO_UDP, sport, dport));
    nd.trunc();
    return;
  }
  let ulen = nd.be16(bp + 4);
  if (ulen < 8) {
    nd.print(`${addrPorts(nd, ver, iph, IPPROTO_UDP, sport, dport)}truncated-udplength ${ulen}`);
    return;
  }
  ulen -= 8;
  length -= 8;
  if (ulen < length) length = ulen;
  const cp = bp + 8;
  nd.print(addrPorts(nd, ver, iph, IPPROTO_UDP, sport, dport));
  if (cp > nd.end) {
    nd.trunc();
    return;
  }
  if (nd.vflag > 0 && !fragmented && (ver === 6 || nd.vflag > 1)) {
    const field = nd.be16(bp + 6);
    if (ver === 4 && field === 0) nd.print("[no cksum] ");
    else if (nd.test(cp, length)) {
      const sum = inetChecksumWith(nd, bp, length + 8, pseudoSum(nd, ver, iph, length + 8, IPPROTO_UDP));
      nd.print(sum !== 0 ? `[bad udp cksum 0x${hex4(field)} -> 0x${hex4(shouldBe(field, sum))}!] ` : "[udp sum ok] ");
    }
  }
  if (sport === VXLAN_PORT || dport === VXLAN_PORT) {
    vxlanPrint(nd, cp, length);
    return;
  }
  nd.print(ulen > length && !fragmented ? `UDP, bad length ${ulen} > ${length}` : `UDP, length ${ulen}`);
}

function inetChecksumWith(nd: Dissector, p: number, len: number, sum: number): number {
  return csumFold(csumPartial(nd.buf, p, len, sum));
}

/** `vxlan_print`: the header, a newline, then the inner frame. */
function vxlanPrint(nd: Dissector, bp: number, len: number): void {
  nd.proto = "vxlan";
  nd.print("VXLAN");
  if (len < 8) {
    nd.print(" (invalid)");
    return;
  }
  const flags = nd.u8(bp);
  nd.print(`, flags [${flags & 0x08 ? "I" : "invalid"}] (0x${hex2(flags)}), `);
  nd.print(`vni ${nd.be24(bp + 4)}\n`);
  nd.u8(bp + 7);
  etherPrint(nd, bp + 8, len - 8);
}

const ICMP_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [0, "echo reply"],
  [4, "source quench"],
  [8, "echo request"],
  [10, "router solicitation"],
  [13, "time stamp request"],
  [14, "time stamp reply"],
  [15, "information request"],
  [16, "information reply"],
  [17, "address mask request"],
]);

const UNREACH_TEXT: readonly string[] = [
  "net %s unreachable",
  "host %s unreachable",
  "",
  "",
  "",
  "%s unreachable - source route failed",
  "net %s unreachable - unknown",
  "host %s unreachable - unknown",
  "%s unreachable - source host isolated",
  "net %s unreachable - admin prohibited",
  "host %s unreachable - admin prohibited",
  "net %s unreachable - tos prohibited",
  "host %s unreachable - tos prohibited",
  "host %s unreachable - admin prohibited filter",
  "host %s unreachable - host precedence violation",
  "host %s unreachable - precedence cutoff",
];

/** Milliseconds since midnight UTC as `hh:mm:ss.mmm`. */
function icmpTstamp(t: number): string {
  const msec = t % 1000;
  let sec = Math.floor(t / 1000);
  let min = Math.floor(sec / 60);
  sec -= min * 60;
  const hrs = Math.floor(min / 60);
  min -= hrs * 60;
  const p2 = (n: number): string => String(n).padStart(2, "0");
  return `${p2(hrs)}:${p2(min)}:${p2(sec)}.${String(msec).padStart(3, "0")}`;
}

/** The text after `ICMP ` for the message at `bp`. */
function icmpText(nd: Dissector, bp: number, type: number, code: number): string {
  const dst = (): string => nd.ipaddr(bp + 24);
  switch (type) {
    case ICMP_ECHO:
    case ICMP_ECHOREPLY:
      return `echo ${type === ICMP_ECHO ? "request" : "reply"}, id ${nd.be16(bp + 4)}, seq ${nd.be16(bp + 6)}`;
    case ICMP_DEST_UNREACH:
      switch (code) {
        case 2:
          return `${dst()} protocol ${nd.u8(bp + 17)} unreachable`;
        case 3: {
          nd.tcheck(bp + 17, 1);
          const oip = bp + 8;
          const dport = nd.be16(oip + (nd.u8(oip) & 0x0f) * 4 + 2);
          const proto = nd.u8(oip + 9);
          if (proto === IPPROTO_TCP) return `${nd.ipaddr(oip + 16)} tcp port ${dport} unreachable`;
          if (proto === IPPROTO_UDP) return `${nd.ipaddr(oip + 16)} udp port ${dport} unreachable`;
          return `${nd.ipaddr(oip + 16)} protocol ${proto} port ${dport} unreachable`;
        }
        case 4: {
          const mtu = nd.be16(bp + 6);
          return mtu ? `${dst()} unreachable - need to frag (mtu ${mtu})` : `${dst()} unreachable - need to frag`;
        }
        default: {
          const text = UNREACH_TEXT[code];
          return text ? text.replace("%s", dst()) : `${dst()} unreachable - #${code}`;
        }
      }
    case ICMP_REDIRECT: {
      const target = dst();
      const gw = nd.ipaddr(bp + 4);
      if (code === 0) return `redirect ${target} to net ${gw}`;
      if (code === 1) return `redirect ${target} to host ${gw}`;
      if (code === 2) return `redirect-tos ${target} to net ${gw}`;
      if (code === 3) return `redirect-tos ${target} to host ${gw}`;
      return `redirect-#${code} ${target} to ${gw}`;
    }
    case 9: {
      nd.tcheck(bp + 4, 4);
      let s = "router advertisement lifetime ";
      const life = nd.be16(bp + 6);
      const p2 = (n: number): string => String(n).padStart(2, "0");
      if (life < 60) s += `${life}`;
      else if (life < 3600) s += `${Math.floor(life / 60)}:${p2(life % 60)}`;
      else s += `${Math.floor(life / 3600)}:${p2(Math.floor((life % 3600) / 60))}:${p2(life % 60)}`;
      let num = nd.u8(bp + 4);
      s += ` ${num}:`;
      const size = nd.u8(bp + 5);
      if (size !== 2) return `${s} [size ${size}]`;
      for (let p = bp + 8; num > 0; num--, p += 8) {
        nd.tcheck(p, 8);
        s += ` {${nd.ipaddr(p)} ${nd.be32(p + 4)}}`;
      }
      return s;
    }
    case ICMP_TIME_EXCEEDED:
      nd.tcheck(bp + 24, 4);
      if (code === 0) return "time exceeded in-transit";
      if (code === 1) return "ip reassembly time exceeded";
      return `time exceeded-#${code}`;
    case ICMP_PARAMETERPROB:
      return code ? `parameter problem - code ${code}` : `parameter problem - octet ${nd.u8(bp + 4)}`;
    case 18:
      return `address mask is 0x${nd.be32(bp + 8).toString(16).padStart(8, "0")}`;
    case ICMP_TIMESTAMP:
      return `time stamp query id ${nd.be16(bp + 4)} seq ${nd.be16(bp + 6)}`;
    case ICMP_TIMESTAMPREPLY: {
      nd.tcheck(bp + 16, 4);
      return (
        `time stamp reply id ${nd.be16(bp + 4)} seq ${nd.be16(bp + 6)}: org ${icmpTstamp(nd.be32(bp + 8))}` +
        `, recv ${icmpTstamp(nd.be32(bp + 12))}, xmit ${icmpTstamp(nd.be32(bp + 16))}`
      );
    }
    default:
      return ICMP_NAMES.get(type) ?? `type-#${type}`;
  }
}

/** ICMP messages before RFC 4884 extensions: 8 octets of header and 128 of quoted datagram. */
const ICMP_EXTD_MINLEN = 136;

/** `icmp_print`; `plen` is the IP payload. */
function icmpPrint(nd: Dissector, bp: number, plen: number, fragmented: boolean): void {
  nd.proto = "icmp";
  const type = nd.u8(bp);
  const code = nd.u8(bp + 1);
  try {
    icmpPrintBody(nd, bp, plen, fragmented, type, code);
  } catch (e) {
    if (e !== TCHECK) throw e;
    nd.trunc();
  }
}

function icmpPrintBody(nd: Dissector, bp: number, plen: number, fragmented: boolean, type: number, code: number): void {
  nd.print(`ICMP ${icmpText(nd, bp, type, code)}, length ${plen}`);
  if (nd.vflag > 0 && !fragmented && nd.test(bp, plen)) {
    const sum = inetChecksum(nd.buf, bp, plen);
    if (sum !== 0) {
      const field = nd.be16(bp + 2);
      nd.print(` (wrong icmp cksum ${field.toString(16)} (->${shouldBe(field, sum).toString(16)})!)`);
    }
  }
  if (nd.vflag > 0 && icmpIsError(type)) {
    const ip = bp + 8;
    nd.print("\n\t");
    const saved = nd.push(ip, nd.be16(ip + 2));
    // Read again under the narrowed end, as tcpdump does: a tiny ip_len truncates here.
    ipPrint(nd, ip, nd.be16(ip + 2));
    nd.end = saved;
  }
  nd.proto = "icmp";
  if (nd.vflag > 0 && plen > ICMP_EXTD_MINLEN && (type === 3 || type === 11 || type === 12)) icmpExtPrint(nd, bp, plen);
}

/** RFC 4884 multi-part extensions after the quoted datagram. */
function icmpExtPrint(nd: Dissector, bp: number, plen: number): void {
  nd.tcheck(bp, 141);
  const ext = bp + 8 + 128;
  let hlen = plen - ICMP_EXTD_MINLEN;
  // Without a length field, only a valid extension checksum says an extension is there.
  if (nd.u8(bp + 5) === 0 && nd.test(ext, hlen) && inetChecksum(nd.buf, ext, hlen) !== 0) return;
  const version = nd.u8(ext) >>> 4;
  nd.print(`\n\tICMP Multi-Part extension v${version}`);
  if (version !== 2) {
    nd.print(" packet not supported");
    return;
  }
  if (nd.test(ext, hlen)) {
    nd.print(`, checksum 0x${hex4(nd.be16(ext + 2))} (${inetChecksum(nd.buf, ext, hlen) ? "in" : ""}correct), length ${hlen}`);
  }
  hlen -= 4;
  let obj = ext + 4;
  while (hlen > 4) {
    nd.tcheck(obj, 4);
    let objLen = nd.be16(obj);
    const cls = nd.u8(obj + 2);
    const ctype = nd.u8(obj + 3);
    obj += 4;
    const clsName = cls === 1 ? "MPLS Stack Entry" : cls === 2 ? "Interface Identification" : "unknown";
    nd.print(`\n\t  ${clsName} Object (${cls}), Class-Type: ${ctype}, length ${objLen}`);
    hlen -= 4;
    if (cls === 0 || objLen < 4) return;
    objLen -= 4;
    if (cls === 1 && ctype === 1) {
      const label = nd.be32(obj);
      nd.print(`\n\t    label ${label >>> 12}, tc ${(label >>> 9) & 7}`);
      if (label & 0x100) nd.print(", [S]");
      nd.print(`, ttl ${label & 0xff}`);
    } else {
      unknownData(nd, obj, "\n\t    ", objLen);
    }
    if (hlen < objLen) break;
    hlen -= objLen;
    obj += objLen;
  }
}

// ---- IPv6: the header, hop-by-hop and destination options, fragments, and common ICMPv6.

/** An IPv6 address at `p` as tcpdump's `addrtostr6` writes it: the first longest zero run as `::`. */
function ip6addr(nd: Dissector, p: number): string {
  if (!nd.test(p, 16)) throw TRUNCATED;
  const b = nd.buf;
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && b[p + 2 * j] === 0 && b[p + 2 * j + 1] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (bestLen < 2) best = -1;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestLen) {
      if (i === best) s += ":";
      continue;
    }
    if (i !== 0) s += ":";
    const word = (b[p + 2 * i]! << 8) | b[p + 2 * i + 1]!;
    // An IPv4-compatible or IPv4-mapped address ends in a dotted quad.
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && ((b[p + 10]! << 8) | b[p + 11]!) === 0xffff))) {
      return s + ipv4ToString(((b[p + 12]! << 24) | (b[p + 13]! << 16) | (b[p + 14]! << 8) | b[p + 15]!) >>> 0);
    }
    s += word.toString(16);
  }
  if (best >= 0 && best + bestLen === 8) s += ":";
  return s;
}

/** `ip6_print`; `length` is the octets from the header to the end of the frame. */
function ip6Print(nd: Dissector, bp: number, length: number): void {
  nd.proto = "ip6";
  if (!nd.test(bp, 40)) {
    nd.trunc();
    return;
  }
  if (length < 40) {
    nd.print(`truncated-ip6 ${length}`);
    return;
  }
  if (!nd.eflag) nd.print("IP6 ");
  const flow = nd.be32(bp);
  if (flow >>> 28 !== 6) {
    nd.print(`version error: ${flow >>> 28} != 6`);
    return;
  }
  let payloadLen = nd.be16(bp + 4);
  let len: number;
  if (payloadLen !== 0) {
    len = payloadLen + 40;
    if (length < len) nd.print(`truncated-ip6 - ${len - length} bytes missing!`);
  } else {
    len = length + 40;
  }
  let nh = nd.u8(bp + 6);
  if (nd.vflag > 0) {
    nd.print("(");
    if (flow & 0x0ff00000) nd.print(`class 0x${hex2((flow & 0x0ff00000) >>> 20)}, `);
    if (flow & 0x000fffff) nd.print(`flowlabel 0x${(flow & 0xfffff).toString(16).padStart(5, "0")}, `);
    nd.print(`hlim ${nd.u8(bp + 7)}, next-header ${ipprotoName(nh) ?? "unknown"} (${nh}) payload length: ${payloadLen}) `);
  }
  const saved = nd.push(bp, len);
  try {
    ip6Walk(nd, bp, length, len, payloadLen, nh);
  } catch (e) {
    if (e !== TCHECK) throw e;
    nd.trunc();
  }
  nd.end = saved;
}

/** The extension-header loop of `ip6_print`, then the upper layer. */
function ip6Walk(nd: Dissector, bp: number, length: number, len: number, payloadLen: number, nh: number): void {
  const saved = nd.end;
  let cp = bp;
  let advance = 40;
  let total = 0;
  let fragmented = false;
  let foundExt = false;
  let foundHbh = false;
  let jumbo = false;
  let ph = 255;
  while (cp < nd.end && advance > 0) {
    if (len < advance) throw TCHECK;
    cp += advance;
    len -= advance;
    total += advance;
    if (cp === bp + 40 && nh !== IPPROTO_TCP && nh !== IPPROTO_UDP) {
      nd.print(`${ip6addr(nd, bp + 8)} > ${ip6addr(nd, bp + 24)}: `);
    }
    switch (nh) {
      case IPPROTO_HOPOPTS: {
        if (foundHbh || ph !== 255) {
          nd.print(
            foundHbh
              ? "[The Hop-by-Hop Options header was already found] (invalid)"
              : "[The Hop-by-Hop Options header don't follow the IPv6 header] (invalid)",
          );
          return;
        }
        const r = ip6OptHeader(nd, cp, "hbhopt", "HBH ", true, payloadLen);
        if (r.jumbo > 0) {
          payloadLen = r.jumbo;
          jumbo = true;
        }
        if (payloadLen === 0) {
          nd.print("[No valid Jumbo Payload Hop-by-Hop option found] (invalid)");
          return;
        }
        if (r.advance < 0) return;
        advance = r.advance;
        foundExt = true;
        foundHbh = true;
        nh = nd.u8(cp);
        break;
      }
      case IPPROTO_DSTOPTS: {
        const r = ip6OptHeader(nd, cp, "dstopt", "DSTOPT ", nd.vflag > 0, -1);
        if (r.advance < 0) return;
        advance = r.advance;
        foundExt = true;
        nh = nd.u8(cp);
        break;
      }
      case IPPROTO_FRAGMENT: {
        nd.proto = "frag6";
        const off = nd.be16(cp + 2) & 0xfff8;
        // tcpdump prints this as a size_t, so a bogus payload length wraps around 2^64.
        const n = 40 + nd.be16(bp + 4) - (cp - bp) - 8;
        const fragLen = n >= 0 ? String(n) : (2n ** 64n + BigInt(n)).toString();
        if (nd.vflag > 0) nd.print(`frag (0x${nd.be32(cp + 4).toString(16).padStart(8, "0")}:${off}|${fragLen})`);
        else nd.print(`frag (${off}|${fragLen})`);
        // Only the first fragment carries the next header.
        if (off !== 0) return;
        nd.print(" ");
        advance = 8;
        if (nd.end <= cp + advance) return;
        foundExt = true;
        nh = nd.u8(cp);
        fragmented = true;
        break;
      }
      default:
        if (jumbo) {
          len = payloadLen + 40;
          if (len < total) throw TCHECK;
          if (length < len) nd.print(`truncated-ip6 - ${len - length} bytes missing!`);
          nd.end = Math.min(bp + len, saved);
          len -= total;
        } else if (payloadLen === 0) {
          if (foundExt) throw TCHECK;
          nd.end = Math.min(bp + 40, saved);
          len = 0;
        }
        ipDemuxPrint(nd, cp, len, 6, fragmented, nh, bp);
        return;
    }
    ph = nh;
    nd.proto = "ip6";
  }
}

/**
 * Hop-by-hop or destination options (`hbhopt_process`, `dstopt_process`); `advance` is the header's
 * length, or -1 after a ` [|proto]`; `jumbo` a valid Jumbo Payload length, or 0.
 */
function ip6OptHeader(
  nd: Dissector,
  cp: number,
  proto: string,
  name: string,
  parse: boolean,
  payloadLen: number,
): { advance: number; jumbo: number } {
  nd.proto = proto;
  const hlen = (nd.u8(cp + 1) + 1) * 8;
  if (!nd.test(cp, hlen)) {
    nd.trunc();
    return { advance: -1, jumbo: 0 };
  }
  nd.print(name);
  const jumbo = parse ? ip6OptProcess(nd, cp + 2, hlen - 2, payloadLen) : 0;
  if (jumbo < 0) {
    nd.trunc();
    return { advance: -1, jumbo: 0 };
  }
  return { advance: hlen, jumbo };
}

/** `ip6_opt_process`: the jumbo length found (0 if none), or -1 when malformed. */
function ip6OptProcess(nd: Dissector, bp: number, len: number, payloadLen: number): number {
  const v = nd.vflag > 0;
  let jumbo = 0;
  let seen = false;
  for (let i = 0, optlen = 0; i < len; i += optlen) {
    const type = nd.u8(bp + i);
    if (type === 0) optlen = 1;
    else if (i + 1 < len) optlen = nd.u8(bp + i + 1) + 2;
    else return -1;
    if (i + optlen > len) return -1;
    switch (type) {
      case 0:
        if (v) nd.print("(pad1)");
        break;
      case 1:
        if (len - i < 2) {
          nd.print("(padn: trunc)");
          return -1;
        }
        if (v) nd.print("(padn)");
        break;
      case 5:
        if (len - i < 4) {
          nd.print("(rtalert: trunc)");
          return -1;
        }
        if (nd.u8(bp + i + 1) !== 2) {
          nd.print(`(rtalert: invalid len ${nd.u8(bp + i + 1)})`);
          return -1;
        }
        if (v) nd.print(`(rtalert: 0x${hex4(nd.be16(bp + i + 2))}) `);
        break;
      case 0xc2: {
        if (len - i < 6) {
          nd.print("(jumbo: trunc)");
          return -1;
        }
        if (nd.u8(bp + i + 1) !== 4) {
          nd.print(`(jumbo: invalid len ${nd.u8(bp + i + 1)})`);
          return -1;
        }
        const j = nd.be32(bp + i + 2);
        if (seen) {
          if (v) nd.print(`(jumbo: ${j} - already seen) `);
        } else {
          seen = true;
          if (payloadLen < 0) {
            if (v) nd.print(`(jumbo: ${j} - not a hop-by-hop option) `);
          } else if (payloadLen !== 0) {
            if (v) nd.print(`(jumbo: ${j} - payload len != 0) `);
          } else if (j < 65536) {
            if (v) nd.print(`(jumbo: ${j} - < 65536) `);
          } else {
            jumbo = j;
            if (v) nd.print(`(jumbo: ${j}) `);
          }
        }
        break;
      }
      default:
        if (len - i < 2) {
          nd.print(`(type ${type}: trunc)`);
          return -1;
        }
        if (v) nd.print(`(opt_type 0x${hex2(type)}: len=${nd.u8(bp + i + 1)})`);
    }
  }
  if (v) nd.print(" ");
  return jumbo;
}

const ICMP6_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [1, "destination unreachable"],
  [2, "packet too big"],
  [3, "time exceeded in-transit"],
  [4, "parameter problem"],
  [128, "echo request"],
  [129, "echo reply"],
  [130, "multicast listener query"],
  [131, "multicast listener report"],
  [132, "multicast listener done"],
  [133, "router solicitation"],
  [134, "router advertisement"],
  [135, "neighbor solicitation"],
  [136, "neighbor advertisement"],
  [137, "redirect"],
  [138, "router renumbering"],
  [141, "inverse neighbor solicitation"],
  [142, "inverse neighbor advertisement"],
  [143, "multicast listener report v2"],
  [144, "ha discovery request"],
  [145, "ha discovery reply"],
  [146, "mobile router solicitation"],
  [147, "mobile router advertisement"],
  [139, "who-are-you request"],
  [140, "who-are-you reply"],
  [201, "mtrace message"],
  [200, "mtrace response"],
  [155, "RPL"],
]);

const ICMP6_UNREACH_NAMES: readonly string[] = [
  "unreachable route",
  " unreachable prohibited",
  "beyond scope",
  "unreachable address",
  "unreachable port",
];

const MLDV2_RECORD_NAMES: readonly string[] = ["", "is_in", "is_ex", "to_in", "to_ex", "allow", "block"];

function bitNames(v: number, names: readonly (readonly [number, string])[]): string {
  const out: string[] = [];
  for (const [bit, name] of names) if (v & bit) out.push(name);
  return out.length === 0 ? "none" : out.join(", ");
}

const RA_FLAGS: readonly (readonly [number, string])[] = [
  [0x80, "managed"],
  [0x40, "other stateful"],
  [0x20, "home agent"],
  [0x02, "ipv6 only"],
];

const NA_FLAGS: readonly (readonly [number, string])[] = [
  [0x80000000, "router"],
  [0x40000000, "solicited"],
  [0x20000000, "override"],
];

const PI_FLAGS: readonly (readonly [number, string])[] = [
  [0x80, "onlink"],
  [0x40, "auto"],
  [0x20, "router"],
];

const RTPREF = ["medium", "high", "rsv", "low"] as const;

function lifetime(v: number): string {
  return v === 0xffffffff ? "infinity" : `${v}s`;
}

/**
 * `icmp6_print` for the messages a Linux host exchanges on a link: errors, echo, neighbour
 * discovery, MLD, mobility. Router renumbering, node information and RPL print only their names.
 */
function icmp6Print(nd: Dissector, bp: number, length: number, iph: number, fragmented: boolean): void {
  nd.proto = "icmp6";
  if (length === 0) {
    nd.print("ICMP6, length 0 (invalid)");
    return;
  }
  const v = nd.vflag;
  if (v > 0 && !fragmented && nd.test(bp, length)) {
    const field = nd.be16(bp + 2);
    const sum = inetChecksumWith(nd, bp, length, pseudoSum(nd, 6, iph, length, IPPROTO_ICMPV6));
    nd.print(sum !== 0 ? `[bad icmp6 cksum 0x${hex4(field)} -> 0x${hex4(shouldBe(field, sum))}!] ` : "[icmp6 sum ok] ");
  }
  try {
    icmp6PrintBody(nd, bp, length);
  } catch (e) {
    if (e !== TCHECK) throw e;
    nd.trunc();
  }
}

function icmp6PrintBody(nd: Dissector, bp: number, length: number): void {
  const v = nd.vflag;
  const type = nd.u8(bp);
  nd.print(`ICMP6, ${ICMP6_NAMES.get(type) ?? `unknown icmp6 type (${type})`}`);
  if (v > 0 && (type === 133 || type === 134 || type === 136 || type === 135 || type === 137 || type === 145 || type === 147)) {
    nd.print(`, length ${length}`);
  }
  const code = nd.u8(bp + 1);
  const oip = bp + 8;
  switch (type) {
    case 1:
      nd.print(`, ${ICMP6_UNREACH_NAMES[code] ?? `unknown unreach code (${code})`}`);
      if (code === 0 || code === 1 || code === 3) nd.print(` ${ip6addr(nd, oip + 24)}`);
      else if (code === 2) nd.print(` ${ip6addr(nd, oip + 24)}, source address ${ip6addr(nd, oip + 8)}`);
      else if (code === 4) {
        // The quoted header's upper layer, assumed to follow it directly.
        const prot = nd.u8(oip + 6);
        if (prot !== IPPROTO_TCP && prot !== IPPROTO_UDP) throw TCHECK;
        const dport = nd.be16(oip + 40 + 2);
        nd.print(`, ${ip6addr(nd, oip + 24)} ${prot === IPPROTO_TCP ? "tcp" : "udp"} port ${dport}`);
      } else if (v <= 1) {
        unknownData(nd, bp, "\n\t", length);
        return;
      }
      break;
    case 2:
      nd.print(`, mtu ${nd.be32(bp + 4)}`);
      break;
    case 3:
      if (code === 0) nd.print(` for ${ip6addr(nd, oip + 24)}`);
      else if (code === 1) nd.print(" (reassembly)");
      else nd.print(`, unknown code (${code})`);
      break;
    case 4: {
      nd.tcheck(oip + 24, 16);
      const what = ["erroneous", "next header", "option", "incomplete header chain"][code];
      nd.print(what ? `, ${what} - octet ${nd.be32(bp + 4)}` : `, code-#${code}`);
      break;
    }
    case 128:
    case 129:
      nd.print(`, id ${nd.be16(bp + 4)}, seq ${nd.be16(bp + 6)}`);
      break;
    case 130:
      if (length === 24) mld6Print(nd, bp);
      else if (length >= 28) {
        nd.print(" v2");
        mldv2QueryPrint(nd, bp, length);
      } else nd.print(` unknown-version (len ${length}) `);
      break;
    case 131:
    case 132:
      mld6Print(nd, bp);
      break;
    case 133:
      if (v > 0 && !icmp6OptPrint(nd, bp + 8, length - 8)) throw TCHECK;
      break;
    case 134:
      if (v > 0) {
        const flags = nd.u8(bp + 5);
        nd.print(
          `\n\thop limit ${nd.u8(bp + 4)}, Flags [${bitNames(flags, RA_FLAGS)}], pref ${RTPREF[(flags & 0x18) >>> 3]!}` +
            `, router lifetime ${nd.be16(bp + 6)}s, reachable time ${nd.be32(bp + 8)}ms, retrans timer ${nd.be32(bp + 12)}ms`,
        );
        if (!icmp6OptPrint(nd, bp + 16, length - 16)) throw TCHECK;
      }
      break;
    case 135:
      nd.print(`, who has ${ip6addr(nd, bp + 8)}`);
      if (v > 0 && !icmp6OptPrint(nd, bp + 24, length - 24)) throw TCHECK;
      break;
    case 136:
      nd.print(`, tgt is ${ip6addr(nd, bp + 8)}`);
      if (v > 0) {
        nd.print(`, Flags [${bitNames(nd.be32(bp + 4), NA_FLAGS)}]`);
        if (!icmp6OptPrint(nd, bp + 24, length - 24)) throw TCHECK;
      }
      break;
    case 137:
      nd.print(`, ${ip6addr(nd, bp + 24)}`);
      nd.print(` to ${ip6addr(nd, bp + 8)}`);
      if (v > 0 && !icmp6OptPrint(nd, bp + 40, length - 40)) throw TCHECK;
      break;
    case 143:
      mldv2ReportPrint(nd, bp, length);
      break;
    case 144:
    case 146:
      nd.print(`, id 0x${hex4(nd.be16(bp + 4))}`);
      break;
    case 145:
      if (v > 0) {
        nd.print(`, id 0x${hex4(nd.be16(bp + 4))}`);
        for (let p = bp + 8; p < bp + length; p += 16) nd.print(`, ${ip6addr(nd, p)}`);
      }
      break;
    case 147:
      if (v > 0) {
        nd.print(`, id 0x${hex4(nd.be16(bp + 4))}`);
        const flags = nd.be16(bp + 6);
        if (flags & 0xc000) nd.print(" ");
        if (flags & 0x8000) nd.print("M");
        if (flags & 0x4000) nd.print("O");
        if (!icmp6OptPrint(nd, bp + 8, length - 8)) throw TCHECK;
      }
      break;
    case 138:
    case 139:
    case 140:
    case 141:
    case 142:
    case 155:
      // Router renumbering, node information and RPL have printers of their own, not ported.
      break;
    default:
      nd.print(`, length ${length}`);
      if (v <= 1) unknownData(nd, bp, "\n\t", length);
      return;
  }
  if (v === 0) nd.print(`, length ${length}`);
}

/** `print_unknown_data`: a hex dump of what was captured. */
function unknownData(nd: Dissector, p: number, indent: string, len: number): void {
  if (p > nd.end) {
    nd.print(`${indent}Dissector error: print_unknown_data called with pointer past end of packet`);
    return;
  }
  hexPrint(nd, indent, p, Math.min(len, nd.end - p));
}

function mld6Print(nd: Dissector, bp: number): void {
  if (bp + 24 > nd.end) return;
  nd.print(`max resp delay: ${nd.be16(bp + 4)} addr: ${ip6addr(nd, bp + 8)}`);
}

function mldv2QueryPrint(nd: Dissector, bp: number, len: number): void {
  if (len < 28) {
    nd.print(` [invalid len ${len}]`);
    return;
  }
  const mrc = nd.be16(bp + 4);
  const mrt = mrc < 32768 ? mrc : ((mrc & 0x0fff) | 0x1000) << (((mrc & 0x7000) >>> 12) + 3);
  if (nd.vflag > 0) nd.print(` [max resp delay=${mrt}]`);
  nd.print(` [gaddr ${ip6addr(nd, bp + 8)}`);
  if (nd.vflag > 0) {
    const s = nd.u8(bp + 24);
    if (s & 0x08) nd.print(" sflag");
    if (s & 0x07) nd.print(` robustness=${s & 0x07}`);
    const q = nd.u8(bp + 25);
    nd.print(` qqi=${q < 128 ? q : ((q & 0x0f) | 0x10) << (((q & 0x70) >>> 4) + 3)}`);
  }
  const nsrcs = nd.be16(bp + 26);
  if (nsrcs > 0) {
    if (len < 28 + nsrcs * 16) nd.print(" [invalid number of sources]");
    else if (nd.vflag > 1) {
      nd.print(" {");
      for (let i = 0; i < nsrcs; i++) nd.print(` ${ip6addr(nd, bp + 28 + i * 16)}`);
      nd.print(" }");
    } else nd.print(`, ${nsrcs} source(s)`);
  }
  nd.print("]");
}

function mldv2ReportPrint(nd: Dissector, bp: number, len: number): void {
  if (len < 8) {
    nd.print(` [invalid len ${len}]`);
    return;
  }
  const ngroups = nd.be16(bp + 6);
  nd.print(`, ${ngroups} group record(s)`);
  if (nd.vflag === 0) return;
  let group = 8;
  for (let i = 0; i < ngroups; i++) {
    if (len < group + 20) {
      nd.print(" [invalid number of groups]");
      return;
    }
    nd.print(` [gaddr ${ip6addr(nd, bp + group + 4)}`);
    const rtype = nd.u8(bp + group);
    nd.print(` ${MLDV2_RECORD_NAMES[rtype] || ` [v2-report-#${rtype}]`}`);
    const nsrcs = nd.be16(bp + group + 2);
    if (len < group + 20 + nsrcs * 16) {
      nd.print(` [invalid number of sources ${nsrcs}]`);
      return;
    }
    if (nd.vflag === 1) nd.print(`, ${nsrcs} source(s)`);
    else {
      nd.print(" {");
      for (let j = 0; j < nsrcs; j++) nd.print(` ${ip6addr(nd, bp + group + 20 + j * 16)}`);
      nd.print(" }");
    }
    group += 20 + nsrcs * 16;
    nd.print("]");
  }
}

const ND_OPT_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [1, "source link-address"],
  [2, "destination link-address"],
  [3, "prefix info"],
  [4, "redirected header"],
  [5, "mtu"],
  [25, "rdnss"],
  [31, "dnssl"],
  [7, "advertisement interval"],
  [8, "homeagent information"],
  [24, "route info"],
]);

/** `icmp6_opt_print`: neighbour discovery options; false when they run off the capture. */
function icmp6OptPrint(nd: Dissector, bp: number, resid: number): boolean {
  let cp = bp;
  while (cp < nd.end) {
    if (!nd.test(cp + 1, 1)) return false;
    if (resid <= 0) return true;
    const type = nd.u8(cp);
    const olen = nd.u8(cp + 1);
    if (olen === 0 || cp + olen * 8 > nd.end) return false;
    nd.print(`\n\t  ${ND_OPT_NAMES.get(type) ?? "unknown"} option (${type}), length ${olen * 8} (${olen}): `);
    switch (type) {
      case 1:
      case 2:
        nd.print(nd.linkaddr(cp + 2, olen * 8 - 2));
        break;
      case 3:
        nd.print(
          `${ip6addr(nd, cp + 16)}/${nd.u8(cp + 2)}${olen !== 4 ? "badlen" : ""}, Flags [${bitNames(nd.u8(cp + 3), PI_FLAGS)}]` +
            `, valid time ${lifetime(nd.be32(cp + 4))}, pref. time ${lifetime(nd.be32(cp + 8))}`,
        );
        break;
      case 4:
        unknownData(nd, bp, "\n\t    ", olen * 8);
        break;
      case 5:
        nd.print(` ${nd.be32(cp + 4)}${olen !== 1 ? "bad option length" : ""}`);
        break;
      case 25: {
        nd.print(` lifetime ${nd.be32(cp + 4)}s,`);
        const n = (olen - 1) >>> 1;
        for (let i = 0; i < n; i++) nd.print(` addr: ${ip6addr(nd, cp + 8 + i * 16)}`);
        break;
      }
      case 7:
        nd.print(` ${nd.be32(cp + 4)}ms`);
        break;
      case 8:
        nd.print(` preference ${nd.be16(cp + 4)}, lifetime ${nd.be16(cp + 6)}`);
        break;
      default:
        // DNSSL and route information are not decoded: dumped like unknown options.
        if (nd.vflag <= 1) {
          unknownData(nd, cp + 2, "\n\t  ", olen * 8 - 2);
          return true;
        }
    }
    if (nd.vflag > 1) unknownData(nd, cp + 2, "\n\t    ", olen * 8 - 2);
    cp += olen * 8;
    resid -= olen * 8;
  }
  return true;
}
