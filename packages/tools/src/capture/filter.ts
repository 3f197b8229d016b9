/**
 * tcpdump capture filters (pcap-filter(7)) over Ethernet frames, compiled once into a tree of
 * closures that reads the frame in place: no allocation per frame.
 *
 * The grammar, the qualifier abbreviations and the code generated for each primitive follow
 * libpcap 1.10 (grammar.y.in, scanner.l, gencode.c) for LINKTYPE_ETHERNET, and so do the error
 * messages. Tests run in the order libpcap generates them, and as in BPF a load past the captured
 * bytes rejects the frame outright, whatever `not` or `or` surround it: the result equals
 * `tcpdump -O` (unoptimized) on every frame. tcpdump's optimizer can reorder loads, so on a frame
 * cut short inside a header it may differ; on whole frames it agrees. Nor is the optimizer's
 * "expression rejects all packets" error reproduced (such a filter just matches nothing).
 *
 * Not implemented (rejected with an "unsupported filter expression" error, never silently
 * mismatched): arithmetic (`ip[9] = 6`, `tcp[tcpflags]`, `len`), `vlan`/`mpls`, `portrange`,
 * `gateway`, IPv6 addresses, the non-IP protocol families. Host names need `resolveHost`;
 * network names and /etc/ethers names are always unknown.
 */

/** A compiled filter. `len` is the number of captured bytes in `frame` (from index 0); `wireLen`,
 * the length on the wire that `less`/`greater` test, defaults to `len`. */
export type FrameFilter = (frame: Uint8Array, len: number, wireLen?: number) => boolean;

export interface FilterOptions {
  /**
   * Netmask of the capture interface for `ip broadcast` (host byte order, e.g. 0xffffff00).
   * tcpdump passes 0 when reading a file, which is the default here; PCAP_NETMASK_UNKNOWN makes
   * `ip broadcast` an error, as in libpcap.
   */
  netmask?: number | undefined;
  /** Resolve a host name used with `host`/`src`/`dst` to IPv4 addresses (host byte order). */
  resolveHost?: ((name: string) => readonly number[] | undefined) | undefined;
}

/** libpcap's "netmask not known" value. */
export const PCAP_NETMASK_UNKNOWN: number = 0xffffffff;

/**
 * Any error compiling a filter. The message is libpcap's (`can't parse filter expression: syntax
 * error`, `unknown host 'foo'`, `illegal port number 70000 > 65535`, ...): print it after
 * `tcpdump: `.
 */
export class FilterSyntaxError extends Error {
  override readonly name: string = "FilterSyntaxError";
}

// ---------------------------------------------------------------------------------------------
// Matching: a test returns 1 (match), 0 (no match) or ABORT (a load ran past the captured bytes,
// which makes BPF return 0 for the whole filter).

type Test = (f: Uint8Array, n: number, w: number) => number;
const ABORT = -1;

const ETHERTYPE_IP = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_REVARP = 0x8035;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERMTU = 1500;
const IPPROTO_ICMP = 1;
const IPPROTO_IGMP = 2;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;
/** Link-layer payload (OR_LINKPL): the network header starts after the 14-byte Ethernet header. */
const LINKPL = 14;

const acceptAll: Test = () => 1;

function cmpB(off: number, v: number, mask = 0xff): Test {
  return (f, n) => (off < n ? ((f[off]! & mask) === v ? 1 : 0) : ABORT);
}

function cmpH(off: number, v: number): Test {
  return (f, n) => (off + 2 <= n ? (((f[off]! << 8) | f[off + 1]!) === v ? 1 : 0) : ABORT);
}

function gtH(off: number, v: number): Test {
  return (f, n) => (off + 2 <= n ? (((f[off]! << 8) | f[off + 1]!) > v ? 1 : 0) : ABORT);
}

function mcmpW(off: number, v: number, mask: number): Test {
  const want = (v & mask) >>> 0;
  return (f, n) => {
    if (off + 4 > n) return ABORT;
    const word = ((f[off]! << 24) | (f[off + 1]! << 16) | (f[off + 2]! << 8) | f[off + 3]!) & mask;
    return word >>> 0 === want ? 1 : 0;
  };
}

function geB(off: number, v: number): Test {
  return (f, n) => (off < n ? (f[off]! >= v ? 1 : 0) : ABORT);
}

function jsetB(off: number, bits: number): Test {
  return (f, n) => (off < n ? ((f[off]! & bits) !== 0 ? 1 : 0) : ABORT);
}

/** `ldxb 4*([14]&0xf); ldh [x + 14 + off]`: a port of the IPv4 transport header. */
function portAtom4(off: number, v: number): Test {
  return (f, n) => {
    if (LINKPL >= n) return ABORT;
    const at = LINKPL + (f[LINKPL]! & 0xf) * 4 + off;
    if (at + 2 > n) return ABORT;
    return ((f[at]! << 8) | f[at + 1]!) === v ? 1 : 0;
  };
}

function and(a: Test, b: Test): Test {
  return (f, n, w) => {
    const r = a(f, n, w);
    return r === 1 ? b(f, n, w) : r;
  };
}

function or(a: Test, b: Test): Test {
  return (f, n, w) => {
    const r = a(f, n, w);
    return r === 0 ? b(f, n, w) : r;
  };
}

function not(a: Test): Test {
  return (f, n, w) => {
    const r = a(f, n, w);
    return r === ABORT ? r : 1 - r;
  };
}

// ---------------------------------------------------------------------------------------------
// Qualifiers, as libpcap's struct qual: protocol, direction, address type.

type Proto = "default" | "undef" | "link" | "ip" | "ip6" | "arp" | "rarp" | "tcp" | "udp" | "icmp" | "icmp6" | "sctp" | "igmp";
type Dir = "default" | "undef" | "src" | "dst" | "or" | "and";
type Addr = "default" | "undef" | "host" | "net" | "port" | "proto";

interface Qual {
  readonly proto: Proto;
  readonly dir: Dir;
  readonly addr: Addr;
}

/** The qualifier after a bare protocol (`tcp`) or `less`/`greater`: a following bare id is an error. */
const QERR: Qual = { proto: "undef", dir: "undef", addr: "undef" };

function fail(message: string): never {
  throw new FilterSyntaxError(message);
}

/** gencode.c syntax(): a bare id with no qualifier to borrow. */
function syntax(): never {
  fail("syntax error in filter expression");
}

function parseError(): never {
  fail("can't parse filter expression: syntax error");
}

// ---------------------------------------------------------------------------------------------
// Code generation for each primitive (gencode.c, DLT_EN10MB).

function genLinktype(type: number): Test {
  if (type > ETHERMTU) return cmpH(12, type);
  // An 802.3 length field, then an LLC header: compare the DSAP (and SSAP for these SAPs).
  const notEthertype = not(gtH(12, ETHERMTU));
  if (type === 0x06 || type === 0xf0 || type === 0xfe) return and(notEthertype, cmpH(LINKPL, (type << 8) | type));
  return and(notEthertype, cmpB(LINKPL, type));
}

function genHostop(addr: number, mask: number, dir: Dir, ethertype: number, srcOff: number, dstOff: number): Test {
  switch (dir) {
    case "src":
      return and(genLinktype(ethertype), mcmpW(LINKPL + srcOff, addr, mask));
    case "dst":
      return and(genLinktype(ethertype), mcmpW(LINKPL + dstOff, addr, mask));
    case "and":
      return and(genHostop(addr, mask, "src", ethertype, srcOff, dstOff), genHostop(addr, mask, "dst", ethertype, srcOff, dstOff));
    default:
      return or(genHostop(addr, mask, "src", ethertype, srcOff, dstOff), genHostop(addr, mask, "dst", ethertype, srcOff, dstOff));
  }
}

function genHost(addr: number, mask: number, proto: Proto, dir: Dir, type: Addr): Test {
  const typestr = type === "net" ? "net" : "host";
  switch (proto) {
    case "default":
      // IPv4 addresses live in IP headers and in ARP/RARP sender and target protocol addresses.
      return or(
        or(genHost(addr, mask, "ip", dir, type), genHost(addr, mask, "arp", dir, type)),
        genHost(addr, mask, "rarp", dir, type),
      );
    case "link":
      return fail(`link-layer modifier applied to ${typestr}`);
    case "ip":
      return genHostop(addr, mask, dir, ETHERTYPE_IP, 12, 16);
    case "arp":
      return genHostop(addr, mask, dir, ETHERTYPE_ARP, 14, 24);
    case "rarp":
      return genHostop(addr, mask, dir, ETHERTYPE_REVARP, 14, 24);
    case "ip6":
      return fail("'ip6' modifier applied to ip host");
    case "undef":
      return syntax();
    default:
      return fail(`'${proto}' modifier applied to ${typestr}`);
  }
}

function genEhostop(mac: Uint8Array, dir: Dir): Test {
  const at = (off: number): Test => and(mcmpW(off + 2, word(mac, 2), 0xffffffff), cmpH(off, (mac[0]! << 8) | mac[1]!));
  switch (dir) {
    case "src":
      return at(6);
    case "dst":
      return at(0);
    case "and":
      return and(at(6), at(0));
    default:
      return or(at(6), at(0));
  }
}

function word(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function genIpfrag(): Test {
  // Not an IPv4 fragment other than the first: no ports to look at in those.
  return not(jsetH(LINKPL + 6, 0x1fff));
}

function jsetH(off: number, bits: number): Test {
  return (f, n) => (off + 2 <= n ? ((((f[off]! << 8) | f[off + 1]!) & bits) !== 0 ? 1 : 0) : ABORT);
}

function portsByDir(dir: Dir, atom: (off: number) => Test): Test {
  switch (dir) {
    case "src":
      return atom(0);
    case "dst":
      return atom(2);
    case "and":
      return and(atom(0), atom(2));
    default:
      return or(atom(0), atom(2));
  }
}

function genPortop(port: number, proto: number, dir: Dir): Test {
  const b0 = and(cmpB(LINKPL + 9, proto), genIpfrag());
  return and(b0, portsByDir(dir, (off) => portAtom4(off, port)));
}

/** `ipProto` undefined: TCP, UDP or SCTP (PROTO_UNDEF). */
function genPort(port: number, ipProto: number | undefined, dir: Dir): Test {
  const b1 =
    ipProto === undefined
      ? or(genPortop(port, IPPROTO_SCTP, dir), or(genPortop(port, IPPROTO_TCP, dir), genPortop(port, IPPROTO_UDP, dir)))
      : genPortop(port, ipProto, dir);
  return and(genLinktype(ETHERTYPE_IP), b1);
}

function genPortop6(port: number, proto: number, dir: Dir): Test {
  const base = LINKPL + 40;
  return and(cmpB(LINKPL + 6, proto), portsByDir(dir, (off) => cmpH(base + off, port)));
}

function genPort6(port: number, ipProto: number | undefined, dir: Dir): Test {
  const b1 =
    ipProto === undefined
      ? or(genPortop6(port, IPPROTO_SCTP, dir), or(genPortop6(port, IPPROTO_TCP, dir), genPortop6(port, IPPROTO_UDP, dir)))
      : genPortop6(port, ipProto, dir);
  return and(genLinktype(ETHERTYPE_IPV6), b1);
}

function genPortBoth(port: number, ipProto: number | undefined, dir: Dir): Test {
  return or(genPort6(port, ipProto, dir), genPort(port, ipProto, dir));
}

function genProto(v: number, proto: Proto, dir: Dir): Test {
  if (dir !== "default") fail("direction applied to 'proto'");
  switch (proto) {
    case "default":
      return or(genProto(v, "ip", dir), genProto(v, "ip6", dir));
    case "link":
      return genLinktype(v);
    case "ip":
      return and(genLinktype(ETHERTYPE_IP), cmpB(LINKPL + 9, v));
    case "ip6":
      // Also a fragment header just before the wanted header.
      return and(
        genLinktype(ETHERTYPE_IPV6),
        or(cmpB(LINKPL + 6, v), and(cmpB(LINKPL + 6, IPPROTO_FRAGMENT), cmpB(LINKPL + 40, v))),
      );
    case "arp":
    case "rarp":
      return fail(`${proto} does not encapsulate another protocol`);
    case "undef":
      return syntax();
    default:
      return fail(`'${proto} proto' is bogus`);
  }
}

/** A protocol name used alone: `tcp`, `ip`, `arp`, ... (gen_proto_abbrev). */
function genProtoAbbrev(proto: Proto): Test {
  switch (proto) {
    case "tcp":
      return genProto(IPPROTO_TCP, "default", "default");
    case "udp":
      return genProto(IPPROTO_UDP, "default", "default");
    case "sctp":
      return genProto(IPPROTO_SCTP, "default", "default");
    case "icmp":
      return genProto(IPPROTO_ICMP, "ip", "default");
    case "igmp":
      return genProto(IPPROTO_IGMP, "ip", "default");
    case "icmp6":
      return genProto(IPPROTO_ICMPV6, "ip6", "default");
    case "ip":
      return genLinktype(ETHERTYPE_IP);
    case "ip6":
      return genLinktype(ETHERTYPE_IPV6);
    case "arp":
      return genLinktype(ETHERTYPE_ARP);
    case "rarp":
      return genLinktype(ETHERTYPE_REVARP);
    default:
      return fail("link layer applied in wrong context");
  }
}

const ETHER_BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function genBroadcast(proto: Proto, netmask: number): Test {
  switch (proto) {
    case "default":
    case "link":
      return genEhostop(ETHER_BROADCAST, "dst");
    case "ip": {
      if (netmask === PCAP_NETMASK_UNKNOWN) fail("netmask not known, so 'ip broadcast' not supported");
      const hostmask = ~netmask >>> 0;
      return and(genLinktype(ETHERTYPE_IP), or(mcmpW(LINKPL + 16, 0, hostmask), mcmpW(LINKPL + 16, hostmask, hostmask)));
    }
    default:
      return fail("only link-layer/IP broadcast filters supported");
  }
}

function genMulticast(proto: Proto): Test {
  switch (proto) {
    case "default":
    case "link":
      return jsetB(0, 1); // group bit of the destination MAC
    case "ip":
      return and(genLinktype(ETHERTYPE_IP), geB(LINKPL + 16, 224));
    case "ip6":
      return and(genLinktype(ETHERTYPE_IPV6), cmpB(LINKPL + 24, 255));
    default:
      return fail(
        "link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel",
      );
  }
}

/** nametoaddr.c __pcap_atoin: dotted decimal with 1-4 parts; returns [value, bits] or undefined. */
function atoin(s: string): [number, number] | undefined {
  let addr = 0;
  let len = 0;
  for (const part of s.split(".")) {
    if (!/^[0-9]+$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    addr = ((addr << 8) | n) >>> 0;
    len += 8;
  }
  return [addr, len];
}

function shl(v: number, bits: number): number {
  return bits >= 32 ? 0 : (v << bits) >>> 0;
}

/** gen_ncode: a number or a dotted IPv4 address (HID). */
function genNcode(s: string | undefined, num: number, q: Qual): Test {
  let v = num;
  let vlen = 32;
  if (s !== undefined) {
    const r = atoin(s);
    if (r === undefined) fail(`invalid IPv4 address '${s}'`);
    [v, vlen] = r;
  }
  switch (q.addr) {
    case "default":
    case "host":
    case "net": {
      if (q.proto === "link") fail("illegal link layer address");
      let mask = 0xffffffff;
      if (s === undefined && q.addr === "net") {
        // Promote a short net number: `net 10` is 10.0.0.0/8.
        while (v !== 0 && (v & 0xff000000) === 0) {
          v = shl(v, 8);
          mask = shl(mask, 8);
        }
      } else {
        v = shl(v, 32 - vlen);
        mask = shl(mask, 32 - vlen);
      }
      return genHost(v, mask, q.proto, q.dir, q.addr);
    }
    case "port": {
      const ipProto = portProto(q.proto);
      if (v > 65535) fail(`illegal port number ${v} > 65535`);
      return genPortBoth(v, ipProto, q.dir);
    }
    case "proto":
      return genProto(v, q.proto, q.dir);
    case "undef":
      return syntax();
  }
}

function portProto(proto: Proto): number | undefined {
  switch (proto) {
    case "udp":
      return IPPROTO_UDP;
    case "tcp":
      return IPPROTO_TCP;
    case "sctp":
      return IPPROTO_SCTP;
    case "default":
      return undefined;
    default:
      return fail("illegal qualifier of 'port'");
  }
}

/** gen_mcode: `net A.B.C.D/len` and `net A.B.C.D mask M.M.M.M`. */
function genMcode(s1: string, s2: string | undefined, masklen: number, q: Qual): Test {
  const r1 = atoin(s1);
  if (r1 === undefined) fail(`invalid IPv4 address '${s1}'`);
  const n = shl(r1[0], 32 - r1[1]);
  let m: number;
  if (s2 !== undefined) {
    const r2 = atoin(s2);
    if (r2 === undefined) fail(`invalid IPv4 address '${s2}'`);
    m = shl(r2[0], 32 - r2[1]);
    if ((n & ~m) !== 0) fail(`non-network bits set in "${s1} mask ${s2}"`);
  } else {
    if (masklen > 32) fail("mask length must be <= 32");
    m = masklen === 0 ? 0 : shl(0xffffffff, 32 - masklen);
    if ((n & ~m) !== 0) fail(`non-network bits set in "${s1}/${masklen}"`);
  }
  if (q.addr !== "net") fail("Mask syntax for networks only");
  return genHost(n, m, q.proto, q.dir, q.addr);
}

/** pcap_ether_aton: hex digit pairs, separators ':', '.', '-' skipped. */
function etherAton(s: string): Uint8Array {
  const out = new Uint8Array(6);
  let i = 0;
  let k = 0;
  while (i < s.length && k < 6) {
    const c = s[i]!;
    if (c === ":" || c === "." || c === "-") {
      i++;
      continue;
    }
    let d = parseInt(c, 16);
    i++;
    if (i < s.length && /[0-9A-Fa-f]/.test(s[i]!)) {
      d = (d << 4) | parseInt(s[i]!, 16);
      i++;
    }
    out[k++] = d;
  }
  return out;
}

function genEcode(s: string, q: Qual): Test {
  if ((q.addr === "host" || q.addr === "default") && q.proto === "link") return genEhostop(etherAton(s), q.dir);
  return fail("ethernet address used in non-ether expression");
}

// Service names from a stock /etc/services (tcpdump asks the system database). A name listed for
// both TCP and UDP on the same port means either; for only one, `port NAME` means that one.
const SERVICES: ReadonlyMap<string, readonly [number, "tcp" | "udp" | "both"]> = (() => {
  const table =
    "tcpmux 1 t;echo 7 b;discard,sink,null 9 b;daytime 13 b;ftp-data 20 t;ftp 21 t;ssh 22 t;telnet 23 t;" +
    "smtp,mail 25 t;time,timserver 37 b;whois,nicname 43 t;domain 53 b;bootps 67 u;bootpc 68 u;tftp 69 u;" +
    "finger 79 t;http,www 80 t;kerberos,kerberos5,krb5,kerberos-sec 88 b;pop3,pop-3 110 t;" +
    "sunrpc,portmapper 111 b;auth,authentication,tap,ident 113 t;nntp,readnews,untp 119 t;ntp 123 u;" +
    "netbios-ns 137 u;netbios-dgm 138 u;netbios-ssn 139 t;imap2,imap 143 t;snmp 161 b;" +
    "snmp-trap,snmptrap 162 b;bgp 179 t;ldap 389 b;https 443 b;microsoft-ds 445 t;isakmp 500 u;" +
    "exec 512 t;biff,comsat 512 u;login 513 t;who,whod 513 u;shell,cmd,syslog 514 t;syslog 514 u;" +
    "printer,spooler 515 t;talk 517 u;ntalk 518 u;dhcpv6-client 546 u;dhcpv6-server 547 u;" +
    "submission 587 t;ldaps 636 b;rsync 873 t;imaps 993 t;pop3s 995 t;openvpn 1194 b;radius 1812 b;" +
    "nfs 2049 b;mysql 3306 t;sip 5060 b;xmpp-client,jabber-client 5222 t;mdns 5353 u;" +
    "postgresql,postgres 5432 t;git 9418 t";
  const map = new Map<string, readonly [number, "tcp" | "udp" | "both"]>();
  for (const entry of table.split(";")) {
    const [names = "", port = "", kind = ""] = entry.split(" ");
    const value = [Number(port), kind === "t" ? "tcp" : kind === "u" ? "udp" : "both"] as const;
    // A name seen for TCP and for UDP on the same port (`syslog`: alias of shell/tcp, and syslog/udp) is either.
    for (const name of names.split(",")) {
      const prev = map.get(name);
      if (prev !== undefined && prev[0] === value[0] && prev[1] !== value[1]) map.set(name, [value[0], "both"]);
      else if (prev === undefined) map.set(name, value);
    }
  }
  return map;
})();

// IP protocol names and aliases from a stock /etc/protocols (tcpdump asks getprotobyname()).
const IP_PROTOCOLS: ReadonlyMap<string, number> = (() => {
  const table =
    "ip,IP 0;hopopt,HOPOPT 0;icmp,ICMP 1;igmp,IGMP 2;ggp,GGP 3;ipencap,IP-ENCAP 4;st,ST 5;tcp,TCP 6;" +
    "egp,EGP 8;igp,IGP 9;pup,PUP 12;udp,UDP 17;hmp,HMP 20;xns-idp,XNS-IDP 22;rdp,RDP 27;" +
    "iso-tp4,ISO-TP4 29;dccp,DCCP 33;xtp,XTP 36;ddp,DDP 37;idpr-cmtp,IDPR-CMTP 38;ipv6,IPv6 41;" +
    "ipv6-route,IPv6-Route 43;ipv6-frag,IPv6-Frag 44;idrp,IDRP 45;rsvp,RSVP 46;gre,GRE 47;" +
    "esp,IPSEC-ESP 50;ah,IPSEC-AH 51;skip,SKIP 57;ipv6-icmp,IPv6-ICMP 58;ipv6-nonxt,IPv6-NoNxt 59;" +
    "ipv6-opts,IPv6-Opts 60;rspf,RSPF,CPHB 73;vmtp,VMTP 81;eigrp,EIGRP 88;ospf,OSPFIGP 89;" +
    "ax.25,AX.25 93;ipip,IPIP 94;etherip,ETHERIP 97;encap,ENCAP 98;pim,PIM 103;ipcomp,IPCOMP 108;" +
    "vrrp,VRRP 112;l2tp,L2TP 115;isis,ISIS 124;sctp,SCTP 132;fc,FC 133;" +
    "mobility-header,Mobility-Header 135;udplite,UDPLite 136;mpls-in-ip,MPLS-in-IP 137;manet 138;" +
    "hip,HIP 139;shim6,Shim6 140;wesp,WESP 141;rohc,ROHC 142;ethernet,Ethernet 143;mptcp,MPTCP 262";
  const map = new Map<string, number>();
  for (const entry of table.split(";")) {
    const [names = "", num = ""] = entry.split(" ");
    for (const name of names.split(",")) map.set(name, Number(num));
  }
  return map;
})();

const ETHER_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ["aarp", 0x80f3], ["arp", ETHERTYPE_ARP], ["atalk", 0x809b], ["decnet", 0x6003], ["ip", ETHERTYPE_IP],
  ["ip6", ETHERTYPE_IPV6], ["lat", 0x6004], ["loopback", 0x9000], ["mopdl", 0x6001], ["moprc", 0x6002],
  ["rarp", ETHERTYPE_REVARP], ["sca", 0x6007],
  // pcap_nametollc
  ["iso", 0xfe], ["stp", 0x42], ["ipx", 0xe0], ["netbeui", 0xf0],
]);

/** gen_scode: a name (ID token). */
function genScode(name: string, q: Qual, options: FilterOptions): Test {
  switch (q.addr) {
    case "net":
      return fail(`unknown network '${name}'`);
    case "default":
    case "host": {
      if (q.proto === "link") fail(`unknown ether host '${name}'`);
      const addrs = options.resolveHost?.(name);
      if (addrs === undefined || addrs.length === 0) fail(`unknown host '${name}'`);
      if (q.proto === "ip6") fail(`unknown host '${name}' for specified address family`);
      let b: Test | undefined;
      for (const a of addrs) {
        const t = genHost(a >>> 0, 0xffffffff, q.proto, q.dir, q.addr);
        b = b === undefined ? t : or(b, t);
      }
      return b!;
    }
    case "port": {
      let ipProto = portProto(q.proto);
      const svc = SERVICES.get(name);
      if (svc === undefined) fail(`unknown port '${name}'`);
      const [port, kind] = svc;
      const real = kind === "tcp" ? IPPROTO_TCP : kind === "udp" ? IPPROTO_UDP : undefined;
      if (ipProto === IPPROTO_UDP && real === IPPROTO_TCP) fail(`port '${name}' is tcp`);
      if (ipProto === IPPROTO_TCP && real === IPPROTO_UDP) fail(`port '${name}' is udp`);
      if (ipProto === IPPROTO_SCTP && real !== undefined) fail(`port '${name}' is ${kind}`);
      if (ipProto === undefined) ipProto = real;
      return genPortBoth(port, ipProto, q.dir);
    }
    case "proto": {
      let v: number | undefined;
      if (q.proto === "default" || q.proto === "ip" || q.proto === "ip6") {
        v = IP_PROTOCOLS.get(name);
        if (v === undefined) fail(`unknown ip proto '${name}'`);
      } else if (q.proto === "link") {
        v = ETHER_PROTOCOLS.get(name);
        if (v === undefined) fail(`unknown ether proto '${name}'`);
      } else {
        fail(`unknown protocol: ${name}`);
      }
      return genProto(v, q.proto, q.dir);
    }
    case "undef":
      return syntax();
  }
}

// ---------------------------------------------------------------------------------------------
// Scanner (scanner.l): flex's longest match, ties to the earlier rule.

type Tok =
  | { kind: "kw"; kw: string; text: string }
  | { kind: "num"; value: number; text: string }
  | { kind: "hid" | "eid" | "id"; text: string }
  | { kind: "and" | "or" | "not" | "(" | ")" | "/" | "eof"; text: string }
  /** An operator of pcap-filter arithmetic (`ip[9] & 0xf != 5`), which is not implemented. */
  | { kind: "arith"; text: string }
  /** Thrown when the parser reaches it, as libpcap reports a scanner error on the lookahead. */
  | { kind: "error"; text: string; message: string };

const PROTO_KEYWORDS: Readonly<Record<string, Proto>> = {
  link: "link", ether: "link", ppp: "link", slip: "link", fddi: "link", tr: "link", wlan: "link",
  ip: "ip", ip6: "ip6", arp: "arp", rarp: "rarp", tcp: "tcp", udp: "udp", icmp: "icmp", icmp6: "icmp6",
  sctp: "sctp", igmp: "igmp",
};

const KEYWORDS: ReadonlySet<string> = new Set([
  ...Object.keys(PROTO_KEYWORDS), "src", "dst", "host", "net", "mask", "port", "proto", "less", "greater",
  "broadcast", "multicast",
]);

/** Keywords of pcap-filter(7) that this compiler does not implement. */
const UNSUPPORTED_KEYWORDS: ReadonlySet<string> = new Set(
  ("igrp pim vrrp carp radio ah esp atalk aarp decnet lat sca moprc mopdl iso esis es-is isis is-is l1 l2 iih " +
    "lsp snp csnp psnp clnp stp ipx netbeui portrange protochain gateway type subtype direction dir address1 " +
    "addr1 address2 addr2 address3 addr3 address4 addr4 ra ta byte len length inbound outbound ifindex vlan " +
    "mpls pppoed pppoes geneve lane llc metac bcc oam oamf4 oamf4ec oamf4sc sc ilmic vpi vci connectmsg " +
    "metaconnect on ifname rset ruleset rnr rulenum srnr subrulenum reason action fisu lssu lsu msu hfisu " +
    "hlssu hmsu sio opc dpc sls hsio hopc hdpc hsls icmptype icmpcode tcpflags").split(" "),
);

const N = "(?:0[xX][0-9A-Fa-f]+|[0-9]+)";
const B = "[0-9A-Fa-f]{1,2}";
const B2 = "[0-9A-Fa-f]{4}";
const RE_MAC = new RegExp(
  `(?:${B}:${B}:${B}:${B}:${B}:${B}|${B}-${B}-${B}-${B}-${B}-${B}|${B}\\.${B}\\.${B}\\.${B}\\.${B}\\.${B}|${B2}\\.${B2}\\.${B2}|${B2}${B2}${B2})`,
  "y",
);
const RE_NUM = new RegExp(N, "y");
const RE_HID = new RegExp(`${N}(?:\\.${N}){1,3}`, "y");
const RE_HID6 = /(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}|[0-9A-Fa-f:]*::[0-9A-Fa-f:]*(?:\d+\.\d+\.\d+\.\d+)?)/y;
const RE_BOGUS_MAC = new RegExp(`${B}:+(?:${B}:+)+`, "y");
const RE_ID = /[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/y;
const RE_ESCAPED_ID = /\\[^ !()\n\t]+/y;
const RE_AID = /\$[0-9A-Fa-f]{1,2}/y;
const RE_SPACE = /[ \r\n\t]+/y;

function matchAt(re: RegExp, s: string, pos: number): string | undefined {
  re.lastIndex = pos;
  const m = re.exec(s);
  return m === null ? undefined : m[0];
}

/** scanner.l stou(): decimal, 0x hex or leading-0 octal, at most 32 bits. */
function stou(text: string): number | string {
  let n = 0;
  if (/^0[xX]/.test(text)) {
    for (const c of text.slice(2)) {
      if (n > 0xfffffff) return `number ${text} overflows 32 bits`;
      n = n * 16 + parseInt(c, 16);
    }
  } else if (text.startsWith("0")) {
    for (const c of text.slice(1)) {
      if (c > "7") return `number ${text} contains non-octal digit`;
      if (n > 0o3777777777) return `number ${text} overflows 32 bits`;
      n = n * 8 + Number(c);
    }
  } else {
    for (const c of text) {
      const d = Number(c);
      if (n > 429496729 || (n === 429496729 && d > 5)) return `number ${text} overflows 32 bits`;
      n = n * 10 + d;
    }
  }
  return n;
}

function unsupported(what: string): string {
  return `unsupported filter expression: vnet does not implement ${what}`;
}

function scan(expr: string): Tok[] {
  const toks: Tok[] = [];
  let pos = 0;
  while (pos < expr.length) {
    const space = matchAt(RE_SPACE, expr, pos);
    if (space !== undefined) {
      pos += space.length;
      continue;
    }
    const two = expr.slice(pos, pos + 2);
    const c = expr[pos]!;
    // Words: each rule's match at pos; the longest wins, ties go to the earlier rule.
    const id = matchAt(RE_ID, expr, pos);
    const isKeyword = id !== undefined && (KEYWORDS.has(id) || UNSUPPORTED_KEYWORDS.has(id) || id === "and" || id === "or" || id === "not");
    const candidates: [string | undefined, (t: string) => Tok][] = [
      [isKeyword ? id : undefined, keywordTok],
      [matchAt(RE_AID, expr, pos), (t) => ({ kind: "error", text: t, message: unsupported("ARCnet addresses") })],
      [matchAt(RE_MAC, expr, pos), (t) => ({ kind: "eid", text: t })],
      [matchAt(RE_NUM, expr, pos), numTok],
      [matchAt(RE_HID, expr, pos), (t) => ({ kind: "hid", text: t })],
      [matchAt(RE_HID6, expr, pos), (t) => ({ kind: "error", text: t, message: unsupported(`IPv6 addresses (${t})`) })],
      [matchAt(RE_BOGUS_MAC, expr, pos), (t) => ({ kind: "error", text: t, message: `bogus ethernet address ${t}` })],
      [id, (t) => ({ kind: "id", text: t })],
      [matchAt(RE_ESCAPED_ID, expr, pos), (t) => ({ kind: "id", text: t.slice(1) })],
    ];
    let best: [string, (t: string) => Tok] | undefined;
    for (const [m, make] of candidates) {
      if (m !== undefined && m.length > 0 && (best === undefined || m.length > best[0].length)) best = [m, make];
    }
    // Operators, which no word rule can start with, except ':' (IPv6) and '$'.
    let op: Tok | undefined;
    let opLen = 1;
    if (two === "&&") [op, opLen] = [{ kind: "and", text: two }, 2];
    else if (two === "||") [op, opLen] = [{ kind: "or", text: two }, 2];
    else if (two === ">=" || two === "<=" || two === "!=" || two === "==" || two === "<<" || two === ">>") {
      [op, opLen] = [{ kind: "arith", text: two }, 2];
    } else if (c === "!") op = { kind: "not", text: c };
    else if (c === "(" || c === ")" || c === "/") op = { kind: c, text: c };
    else if ("+-*%:[]<>&|^=".includes(c)) op = { kind: "arith", text: c };

    if (best !== undefined && best[0].length >= opLen) {
      toks.push(best[1](best[0]));
      pos += best[0].length;
    } else if (op !== undefined) {
      toks.push(op);
      pos += opLen;
    } else {
      toks.push({ kind: "error", text: c, message: "can't parse filter expression: syntax error" });
      pos += 1;
    }
  }
  toks.push({ kind: "eof", text: "" });
  return toks;
}

function keywordTok(t: string): Tok {
  if (t === "and") return { kind: "and", text: t };
  if (t === "or") return { kind: "or", text: t };
  if (t === "not") return { kind: "not", text: t };
  if (UNSUPPORTED_KEYWORDS.has(t)) return { kind: "error", text: t, message: unsupported(`'${t}'`) };
  return { kind: "kw", kw: t, text: t };
}

function numTok(t: string): Tok {
  const v = stou(t);
  return typeof v === "string" ? { kind: "error", text: t, message: v } : { kind: "num", value: v, text: t };
}

// ---------------------------------------------------------------------------------------------
// Parser (grammar.y.in), recursive descent. Each production returns its code and the qualifier
// that a following bare id borrows (`$$.q`); `ctx` is the qualifier on the stack before it
// (`$<blk>0`).

interface Node {
  test: Test;
  q: Qual;
}

class Parser {
  #toks: Tok[];
  #pos = 0;
  #options: FilterOptions;

  constructor(toks: Tok[], options: FilterOptions) {
    this.#toks = toks;
    this.#options = options;
  }

  parse(): Test {
    if (this.#peek().kind === "eof") return acceptAll;
    const e = this.#expr(QERR);
    if (this.#peek().kind !== "eof") parseError();
    return e.test;
  }

  /** The next token; a scanner error surfaces as soon as the parser looks at it. */
  #peek(ahead = 0): Tok {
    const t = this.#toks[Math.min(this.#pos + ahead, this.#toks.length - 1)]!;
    if (t.kind === "error") fail(t.message);
    return t;
  }

  #next(): Tok {
    const t = this.#peek();
    this.#pos++;
    return t;
  }

  #isKw(t: Tok, ...kws: string[]): boolean {
    return t.kind === "kw" && kws.includes(t.kw);
  }

  /** A syntax error unless the next token can follow a term (bison reduces only on those). */
  #expectFollow(): void {
    const k = this.#peek().kind;
    if (k !== "and" && k !== "or" && k !== ")" && k !== "eof") parseError();
  }

  /** expr: term | expr and term | expr and id | expr or term | expr or id (left-associative, equal precedence). */
  #expr(ctx: Qual): Node {
    let left = this.#term(ctx);
    for (;;) {
      const op = this.#peek().kind;
      if (op !== "and" && op !== "or") return left;
      this.#next();
      const right = this.#startsId() ? this.#id(left.q, true) : this.#term(left.q);
      left = { test: op === "and" ? and(left.test, right.test) : or(left.test, right.test), q: right.q };
    }
  }

  /** After and/or: is this a bare id (borrowing the last qualifier) rather than a term? */
  #startsId(): boolean {
    for (let i = 0; ; i++) {
      const k = this.#peek(i).kind;
      if (k === "not" || k === "(") continue;
      return k === "num" || k === "hid" || k === "eid" || k === "id";
    }
  }

  /** term: rterm | not term */
  #term(ctx: Qual): Node {
    if (this.#peek().kind === "not") {
      this.#next();
      const t = this.#term(ctx);
      return { test: not(t.test), q: t.q };
    }
    return this.#rterm(ctx);
  }

  #rterm(ctx: Qual): Node {
    const t = this.#peek();
    if (t.kind === "(") {
      this.#next();
      const e = this.#expr(ctx);
      if (this.#next().kind !== ")") parseError();
      return { test: e.test, q: ctx };
    }
    // Only arithmetic relations (`1 + 1 = 2`, `-1 < 0`, `ip[0] & 0xf != 5`) start a term this way.
    if (t.kind === "num" || (t.kind === "arith" && t.text === "-")) fail(unsupported("arithmetic expressions"));
    if (t.kind !== "kw") parseError();
    let proto: Proto = "default";
    if (t.kw in PROTO_KEYWORDS) {
      proto = PROTO_KEYWORDS[t.kw]!;
      this.#next();
    }
    const k = this.#peek();
    if (proto !== "default" && k.kind === "arith" && k.text === "[") fail(unsupported(`packet data accessors ('${t.kw}[')`));
    if (this.#isKw(k, "src", "dst", "host", "net", "port", "proto")) {
      const q = this.#head(proto);
      return { test: this.#id(q).test, q };
    }
    if (this.#isKw(k, "broadcast")) {
      this.#next();
      return { test: genBroadcast(proto, this.#options.netmask ?? 0), q: QERR };
    }
    if (this.#isKw(k, "multicast")) {
      this.#next();
      return { test: genMulticast(proto), q: QERR };
    }
    if (proto !== "default") {
      // rterm: pname is reduced (and its code generated) only on a lookahead that may follow a term.
      this.#expectFollow();
      return { test: genProtoAbbrev(proto), q: QERR };
    }
    if (this.#isKw(k, "less", "greater")) {
      this.#next();
      const n = this.#next();
      if (n.kind !== "num") parseError();
      const v = n.value;
      return { test: this.#isKw(k, "less") ? (_f, _n, w) => (w <= v ? 1 : 0) : (_f, _n, w) => (w >= v ? 1 : 0), q: QERR };
    }
    return parseError();
  }

  /** head: pqual dqual aqual | pqual dqual | pqual aqual | pqual PROTO */
  #head(proto: Proto): Qual {
    let dir: Dir = "default";
    const d = this.#peek();
    if (this.#isKw(d, "src", "dst")) {
      this.#next();
      dir = d.kind === "kw" && d.kw === "src" ? "src" : "dst";
      const conj = this.#peek().kind;
      if (conj === "and" || conj === "or") {
        this.#next();
        if (!this.#isKw(this.#next(), dir === "src" ? "dst" : "src")) parseError();
        dir = conj;
      }
    }
    let addr: Addr = "default";
    const a = this.#peek();
    if (this.#isKw(a, "host", "net", "port") || (dir === "default" && this.#isKw(a, "proto"))) {
      this.#next();
      addr = (a as { kw: Addr }).kw;
    }
    return { proto, dir, addr };
  }

  /** id: nid | pnum | paren pid ')'; nid: ID | HID '/' NUM | HID NETMASK HID | HID | EID | not id */
  #id(ctx: Qual, afterOp = false): Node {
    const t = this.#next();
    switch (t.kind) {
      case "not":
        return { test: not(this.#id(ctx, afterOp).test), q: ctx };
      case "(": {
        const test = this.#pid(ctx);
        if (this.#next().kind !== ")") parseError();
        return { test, q: ctx };
      }
      case "num":
        // After and/or or in parentheses a number may also begin arithmetic or a parenthesised
        // number, so bison reduces it only on a lookahead that can follow an id.
        if (afterOp) this.#expectFollow();
        return { test: genNcode(undefined, t.value, ctx), q: ctx };
      case "id":
        return { test: genScode(t.text, ctx, this.#options), q: ctx };
      case "eid":
        return { test: genEcode(t.text, ctx), q: ctx };
      case "hid": {
        const after = this.#peek();
        if (after.kind === "/") {
          this.#next();
          const len = this.#next();
          if (len.kind !== "num") parseError();
          return { test: genMcode(t.text, undefined, len.value, ctx), q: ctx };
        }
        if (this.#isKw(after, "mask")) {
          this.#next();
          const m = this.#next();
          if (m.kind !== "hid") parseError();
          return { test: genMcode(t.text, m.text, 0, ctx), q: ctx };
        }
        if (ctx.addr === "port" || ctx.addr === "proto") fail(`'${ctx.addr}' modifier applied to ip host`);
        return { test: genNcode(t.text, 0, ctx), q: ctx };
      }
      default:
        return parseError();
    }
  }

  /** pid: nid | qid and id | qid or id — ids only, all with the qualifier before the paren. */
  #pid(ctx: Qual): Test {
    if (this.#peek().kind === "(") parseError();
    let test = this.#id(ctx, true).test;
    for (;;) {
      const op = this.#peek().kind;
      if (op !== "and" && op !== "or") return test;
      this.#next();
      const right = this.#id(ctx, true).test;
      test = op === "and" ? and(test, right) : or(test, right);
    }
  }
}

/**
 * Compile a tcpdump filter expression for Ethernet frames. The empty expression accepts every
 * frame. Throws `FilterSyntaxError` with libpcap's message on a bad expression.
 */
export function compileFilter(expr: string, options: FilterOptions = {}): FrameFilter {
  const test = new Parser(scan(expr), options).parse();
  return (frame: Uint8Array, len: number, wireLen: number = len): boolean =>
    test(frame, len < frame.length ? len : frame.length, wireLen) === 1;
}
