// Per-namespace IPv4 state (struct netns_ipv4): sysctls, devconf all/default, the SNMP MIBs,
// the address hash, IP ID generator state and the ICMP rate limiters.
import type { Net } from "../kernel/net.js";
import { NetGenericKey } from "../kernel/net.js";
import { fibGet } from "../route/fib.js";
import { devconfAllDefaults, devconfDefaultDefaults, type InIfaddr } from "./devinet.js";
import type { OutputRoute } from "./route.js";

/** Ip: and IpExt: counters (enum IPSTATS_MIB_*), in /proc/net/snmp then /proc/net/netstat order. */
export const IPSTATS_MIB_INRECEIVES = 0;
export const IPSTATS_MIB_INHDRERRORS = 1;
export const IPSTATS_MIB_INADDRERRORS = 2;
export const IPSTATS_MIB_OUTFORWDATAGRAMS = 3;
export const IPSTATS_MIB_INUNKNOWNPROTOS = 4;
export const IPSTATS_MIB_INDISCARDS = 5;
export const IPSTATS_MIB_INDELIVERS = 6;
export const IPSTATS_MIB_OUTREQUESTS = 7;
export const IPSTATS_MIB_OUTDISCARDS = 8;
export const IPSTATS_MIB_OUTNOROUTES = 9;
export const IPSTATS_MIB_REASMTIMEOUT = 10;
export const IPSTATS_MIB_REASMREQDS = 11;
export const IPSTATS_MIB_REASMOKS = 12;
export const IPSTATS_MIB_REASMFAILS = 13;
export const IPSTATS_MIB_FRAGOKS = 14;
export const IPSTATS_MIB_FRAGFAILS = 15;
export const IPSTATS_MIB_FRAGCREATES = 16;
export const IPSTATS_MIB_OUTPKTS = 17;
export const IPSTATS_MIB_INNOROUTES = 18;
export const IPSTATS_MIB_INTRUNCATEDPKTS = 19;
export const IPSTATS_MIB_INMCASTPKTS = 20;
export const IPSTATS_MIB_OUTMCASTPKTS = 21;
export const IPSTATS_MIB_INBCASTPKTS = 22;
export const IPSTATS_MIB_OUTBCASTPKTS = 23;
export const IPSTATS_MIB_INOCTETS = 24;
export const IPSTATS_MIB_OUTOCTETS = 25;
export const IPSTATS_MIB_INMCASTOCTETS = 26;
export const IPSTATS_MIB_OUTMCASTOCTETS = 27;
export const IPSTATS_MIB_INBCASTOCTETS = 28;
export const IPSTATS_MIB_OUTBCASTOCTETS = 29;
export const IPSTATS_MIB_CSUMERRORS = 30;
export const IPSTATS_MIB_NOECTPKTS = 31;
export const IPSTATS_MIB_ECT1PKTS = 32;
export const IPSTATS_MIB_ECT0PKTS = 33;
export const IPSTATS_MIB_CEPKTS = 34;
export const IPSTATS_MIB_REASM_OVERLAPS = 35;
const IPSTATS_MIB_MAX = 36;

/** Names of the Ip: line (snmp4_ipstats_list). */
export const SNMP4_IPSTATS_NAMES: readonly string[] = [
  "InReceives", "InHdrErrors", "InAddrErrors", "ForwDatagrams", "InUnknownProtos", "InDiscards", "InDelivers",
  "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmTimeout", "ReasmReqds", "ReasmOKs", "ReasmFails", "FragOKs",
  "FragFails", "FragCreates", "OutTransmits",
];

/** Names of the IpExt: line (snmp4_ipextstats_list), from IPSTATS_MIB_INNOROUTES on. */
export const SNMP4_IPEXTSTATS_NAMES: readonly string[] = [
  "InNoRoutes", "InTruncatedPkts", "InMcastPkts", "OutMcastPkts", "InBcastPkts", "OutBcastPkts", "InOctets", "OutOctets",
  "InMcastOctets", "OutMcastOctets", "InBcastOctets", "OutBcastOctets", "InCsumErrors", "InNoECTPkts", "InECT1Pkts",
  "InECT0Pkts", "InCEPkts", "ReasmOverlaps",
];

/** Icmp: counters that are not per type (ICMP_MIB_*). */
export const ICMP_MIB_INMSGS = 0;
export const ICMP_MIB_INERRORS = 1;
export const ICMP_MIB_CSUMERRORS = 2;
export const ICMP_MIB_OUTMSGS = 3;
export const ICMP_MIB_OUTERRORS = 4;
export const ICMP_MIB_RATELIMITGLOBAL = 5;
export const ICMP_MIB_RATELIMITHOST = 6;

/** Udp: counters (UDP_MIB_*), in /proc/net/snmp order. */
export const UDP_MIB_INDATAGRAMS = 0;
export const UDP_MIB_NOPORTS = 1;
export const UDP_MIB_INERRORS = 2;
export const UDP_MIB_OUTDATAGRAMS = 3;
export const UDP_MIB_RCVBUFERRORS = 4;
export const UDP_MIB_SNDBUFERRORS = 5;
export const UDP_MIB_CSUMERRORS = 6;
export const UDP_MIB_IGNOREDMULTI = 7;
export const UDP_MIB_MEMERRORS = 8;
export const UDP_MIB_NAMES: readonly string[] = [
  "InDatagrams", "NoPorts", "InErrors", "OutDatagrams", "RcvbufErrors", "SndbufErrors", "InCsumErrors", "IgnoredMulti",
  "MemErrors",
];

/** Route cache statistics (struct rt_cache_stat, /proc/net/stat/rt_cache), per namespace here. */
export const RT_STAT_IN_SLOW_TOT = 0;
export const RT_STAT_IN_SLOW_MC = 1;
export const RT_STAT_IN_NO_ROUTE = 2;
export const RT_STAT_IN_BRD = 3;
export const RT_STAT_IN_MARTIAN_DST = 4;
export const RT_STAT_IN_MARTIAN_SRC = 5;
export const RT_STAT_OUT_SLOW_TOT = 6;
export const RT_STAT_OUT_SLOW_MC = 7;

/** TcpExt: counters vnet keeps (LINUX_MIB_*). */
export const LINUX_MIB_IPRPFILTER = 0;

/**
 * Drops Linux counts nowhere (kfree_skb without a MIB), counted here so that every received
 * packet ends in exactly one counter. Not shown in /proc.
 */
/** No in_device on the receiving device (IPv4 off: MTU below 68), or OTHERHOST there. */
export const VNET_MIB_IN_NO_INDEV = 0;
export const VNET_MIB_IN_MCAST_NOT_JOINED = 1;
export const VNET_MIB_FORW_NOT_HOST = 2;
export const VNET_MIB_IN_L2_MCAST_UNICAST = 3;
export const VNET_MIB_IN_SRR = 4;
/** IPv4 frames for another host at layer 2 (ip_rcv's OTHERHOST drop, before InReceives). */
export const VNET_MIB_RX_OTHERHOST = 5;
/** Datagrams ending in ip_error (the dst of a failed route lookup), whatever ip_error counts. */
export const VNET_MIB_IP_ERROR = 6;
/** Copies of our own broadcasts and multicasts looped back to the stack (dev_loopback_xmit). */
export const VNET_MIB_MC_LOOPBACK = 7;

/** A peer's ICMP rate-limit state (the rate_tokens/rate_last part of struct inet_peer). */
export interface InetPeer {
  rateTokens: number;
  rateLast: number;
}

/** Buckets of a namespace's address hash (IN4_ADDR_HSIZE). */
export const IN4_ADDR_HSIZE = 256;

/** inet_addr_hash(): hash_32 of the address into IN4_ADDR_HSIZE buckets. */
export function inetAddrHash(addr: number): number {
  return Math.imul(addr, 0x61c88647) >>> 24;
}

/** struct netns_ipv4, reduced to what vnet uses. */
export class NetnsIpv4 {
  readonly net: Net;
  devconfAll: Int32Array;
  devconfDflt: Int32Array;
  /** net.ipv4.ip_default_ttl */
  ipDefaultTtl = 64;
  /** net.ipv4.ip_no_pmtu_disc */
  ipNoPmtuDisc = 0;
  /** net.ipv4.ip_forward_use_pmtu */
  ipFwdUsePmtu = 0;
  /** net.ipv4.ip_local_port_range */
  ipLocalPortLow = 32768;
  ipLocalPortHigh = 60999;
  /** net.ipv4.ip_unprivileged_port_start */
  ipUnprivilegedPortStart = 1024;
  /** net.ipv4.ping_group_range */
  pingGroupLow = 1;
  pingGroupHigh = 0;
  icmpEchoIgnoreAll = 0;
  icmpEchoIgnoreBroadcasts = 1;
  icmpIgnoreBogusErrorResponses = 1;
  icmpErrorsUseInboundIfaddr = 0;
  /** net.ipv4.icmp_ratelimit, in milliseconds (the kernel keeps jiffies). */
  icmpRatelimit = 1000;
  icmpRatemask = 6168;
  icmpMsgsPerSec = 1000;
  icmpMsgsBurst = 50;
  /** net.ipv4.ipfrag_time, seconds. */
  ipfragTime = 30;
  ipfragHighThresh: number = 4 * 1024 * 1024;
  ipfragLowThresh: number = 3 * 1024 * 1024;
  ipfragMaxDist = 64;
  /** net.ipv4.ip_nonlocal_bind */
  ipNonlocalBind = 0;

  readonly ipMib: Float64Array = new Float64Array(IPSTATS_MIB_MAX);
  readonly icmpMib: Float64Array = new Float64Array(7);
  /** IcmpMsg: InType0..255 at [type], OutType0..255 at [256 + type]. */
  readonly icmpMsgMib: Float64Array = new Float64Array(512);
  readonly udpMib: Float64Array = new Float64Array(9);
  readonly rtStat: Float64Array = new Float64Array(8);
  readonly linuxMib: Float64Array = new Float64Array(1);
  readonly vnetMib: Float64Array = new Float64Array(8);

  /**
   * inet_addr_lst: addresses of the namespace hashed by local address into IN4_ADDR_HSIZE
   * buckets (inetAddrHash), each a chain through hnext, newest first.
   */
  readonly addrHash: (InIfaddr | null)[] = new Array<InIfaddr | null>(IN4_ADDR_HSIZE).fill(null);
  /** ip_idents: per-bucket IP ID counters for datagrams that may be fragmented. */
  readonly ipIdents: Uint32Array = new Uint32Array(2048);
  /** ip_tstamps: jiffies each ID bucket was last used. */
  readonly ipTstamps: Uint32Array = new Uint32Array(2048);
  /** net.ipv4.ip_early_demux, net.ipv4.udp_early_demux */
  ipEarlyDemux = 1;
  udpEarlyDemux = 1;
  ipIdHashSeed = 0;
  /** icmp_global: credit and stamp of the global ICMP rate limit. */
  icmpGlobalCredit = 0;
  icmpGlobalStamp = 0;
  /** inet_peer rate-limit state, by peer address. */
  readonly peers: Map<number, InetPeer> = new Map();
  /** The output route of the last flow ipRouteOutputFlow resolved here (route.ts), made on first use. */
  lastOutput: OutputRoute | null = null;

  constructor(net: Net) {
    this.net = net;
    // net.core.devconf_inherit_init_net = 0: a new namespace copies init_net's current all/default.
    const init = (net.kernel as { initNet?: Net | undefined }).initNet;
    if (init !== undefined && init !== net && init.hasGen(IPV4_NET_KEY)) {
      const from = init.gen(IPV4_NET_KEY);
      this.devconfAll = from.devconfAll.slice();
      this.devconfDflt = from.devconfDflt.slice();
    } else {
      this.devconfAll = devconfAllDefaults();
      this.devconfDflt = devconfDefaultDefaults();
    }
    this.ipIdHashSeed = net.kernel.prng.u32();
    net.kernel.prng.bytes(new Uint8Array(this.ipIdents.buffer));
    this.icmpGlobalCredit = this.icmpMsgsBurst;
  }

  /** An address was added or deleted (dev_addr_genid++ and rt_cache_flush). */
  addrGenBump(): void {
    const fib = fibGet(this.net);
    fib.addrGenid++;
    fib.flushCache();
  }
}

/** The namespace's IPv4 state through net_generic: the same object as `net.ipv4`. */
export const IPV4_NET_KEY: NetGenericKey<NetnsIpv4> = new NetGenericKey<NetnsIpv4>("ipv4", (net) => (net.ipv4 = new NetnsIpv4(net)));

/** The namespace's IPv4 state (net->ipv4), created on first use. */
export function ipv4Net(net: Net): NetnsIpv4 {
  const ns = net.ipv4;
  return ns !== null ? ns : net.gen(IPV4_NET_KEY);
}
