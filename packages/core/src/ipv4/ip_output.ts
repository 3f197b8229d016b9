// IPv4 output (net/ipv4/ip_output.c): header building, IP ID selection, ip_local_out,
// ip_output/ip_mc_output, fragmentation, and the hand-off to the neighbour layer.
import type { Net } from "../kernel/net.js";
import { EINVAL, EMSGSIZE, ENOBUFS } from "../kernel/errno.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { allocSkb, kfreeSkb, type SkBuff } from "../netdevice/skbuff.js";
import { dropSkb, netifRx } from "../netdevice/dev.js";
import { IFF_LOOPBACK, PACKET_LOOPBACK, CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY, NETIF_F_CSUM_MASK } from "../netdevice/constants.js";
import { ipChecksumHelp } from "./csum.js";
import { ETH_P_IP } from "../wire/ethernet.js";
import { csumFold, inetChecksum } from "../wire/checksum.js";
import { IP_DF, IP_MF, IP_OFFSET } from "../wire/ipv4.js";
import { writeIpv4 } from "../wire/addr.js";
import {
  ipv4Net, IPSTATS_MIB_FRAGCREATES, IPSTATS_MIB_FRAGFAILS, IPSTATS_MIB_FRAGOKS, IPSTATS_MIB_OUTBCASTOCTETS,
  IPSTATS_MIB_OUTBCASTPKTS, IPSTATS_MIB_OUTDISCARDS, IPSTATS_MIB_OUTMCASTOCTETS, IPSTATS_MIB_OUTMCASTPKTS,
  IPSTATS_MIB_OUTOCTETS, IPSTATS_MIB_OUTPKTS, IPSTATS_MIB_OUTREQUESTS, VNET_MIB_MC_LOOPBACK, type NetnsIpv4,
} from "./netns.js";
import { dstMtu, Rtable, RTCF_BROADCAST, RTCF_LOCAL, RTCF_MULTICAST, skbRtable } from "./route.js";
import { RTN_BROADCAST, RTN_MULTICAST } from "../route/fib.js";
import { arpKey, ipNeighForGw } from "../neigh/arp.js";
import { neighOutput, type Neighbour } from "../neigh/neighbour.js";
import { icmpSend } from "./icmp.js";
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED } from "../wire/icmp.js";

/** Headroom reserved in front of the IP header of locally built packets (LL_RESERVED_SPACE + slack). */
export const IP_LL_RESERVE = 64;
/** IPv4's largest datagram (IP_MAX_MTU). */
export const IP_MAX_MTU = 0xffff;

/** IP_MTU_DISCOVER values. */
export const IP_PMTUDISC_DONT = 0;
export const IP_PMTUDISC_WANT = 1;
export const IP_PMTUDISC_DO = 2;
export const IP_PMTUDISC_PROBE = 3;
export const IP_PMTUDISC_INTERFACE = 4;
export const IP_PMTUDISC_OMIT = 5;

/**
 * Writes a 20-byte IPv4 header (no options) at `at` with its checksum. `id` is written as given;
 * choose it with ipSelectIdent.
 */
export function ipWriteHeader(
  h: Uint8Array, at: number, tos: number, totLen: number, id: number, fragOff: number, ttl: number, protocol: number,
  saddr: number, daddr: number,
): void {
  h[at] = 0x45;
  h[at + 1] = tos;
  h[at + 2] = totLen >>> 8;
  h[at + 3] = totLen;
  h[at + 4] = id >>> 8;
  h[at + 5] = id;
  h[at + 6] = fragOff >>> 8;
  h[at + 7] = fragOff;
  h[at + 8] = ttl;
  h[at + 9] = protocol;
  h[at + 10] = 0;
  h[at + 11] = 0;
  writeIpv4(h, at + 12, saddr);
  writeIpv4(h, at + 16, daddr);
  // The checksum from the fields themselves (the words just written), without reading them back.
  const c = csumFold(
    0x4500 + (tos & 0xff) + (totLen & 0xffff) + (id & 0xffff) + (fragOff & 0xffff) + ((ttl & 0xff) << 8) + (protocol & 0xff) +
      (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff),
  );
  h[at + 10] = c >>> 8;
  h[at + 11] = c;
}

/**
 * ipWriteHeader through the buffer's DataView (SkBuff.view): five 32-bit stores, and the
 * checksum computed from the fields. What the data path uses.
 */
export function ipWriteHeaderView(
  v: DataView, at: number, tos: number, totLen: number, id: number, fragOff: number, ttl: number, protocol: number,
  saddr: number, daddr: number,
): void {
  // Only the 32 bits of saddr and daddr count: callers may pass them as int32 (addr | 0).
  const w0 = 0x45000000 | ((tos & 0xff) << 16) | (totLen & 0xffff);
  const w1 = ((id & 0xffff) << 16) | (fragOff & 0xffff);
  const w2 = ((ttl & 0xff) << 24) | ((protocol & 0xff) << 16);
  const c = csumFold(
    (w0 >>> 16) + (w0 & 0xffff) + (w1 >>> 16) + (w1 & 0xffff) + (w2 >>> 16) + (saddr >>> 16) + (saddr & 0xffff) +
      (daddr >>> 16) + (daddr & 0xffff),
  );
  v.setUint32(at, w0);
  v.setUint32(at + 4, w1);
  v.setUint32(at + 8, w2 | c);
  v.setUint32(at + 12, saddr);
  v.setUint32(at + 16, daddr);
}

/** ip_send_check(): recomputes the header checksum of the packet at `at`. */
export function ipSendCheck(h: Uint8Array, at: number): void {
  const ihl = (h[at]! & 15) * 4;
  h[at + 10] = 0;
  h[at + 11] = 0;
  const c = inetChecksum(h, at, ihl);
  h[at + 10] = c >>> 8;
  h[at + 11] = c;
}

/**
 * __ip_select_ident(): the IP ID of a datagram that may be fragmented, from per-bucket counters
 * hashed on (daddr, saddr, protocol), advanced by a random amount below the jiffies elapsed
 * since the bucket was last used (ip_idents_reserve).
 */
export function ipSelectIdent(net: Net, daddr: number, saddr: number, protocol: number, segs = 1): number {
  const ns = ipv4Net(net);
  let x = Math.imul(daddr ^ ns.ipIdHashSeed, 0x9e3779b1);
  x = Math.imul(x ^ (x >>> 15) ^ saddr, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13) ^ protocol, 0xc2b2ae35);
  x ^= x >>> 16;
  const bucket = x & (ns.ipIdents.length - 1);
  const k = net.kernel;
  const now = k.scheduler.jiffiesAt(k.nsPerJiffy) >>> 0;
  const delta = ns.ipTstamps[bucket] === now ? 0 : ipIdentsAdvance(net, ns, bucket, now);
  const id = (ns.ipIdents[bucket]! + delta) >>> 0;
  ns.ipIdents[bucket] = (id + segs) >>> 0;
  return id & 0xffff;
}

/** The bucket was last used in another jiffy: a random step below the jiffies elapsed since. */
function ipIdentsAdvance(net: Net, ns: NetnsIpv4, bucket: number, now: number): number {
  const stamps = ns.ipTstamps;
  const gap = (now - stamps[bucket]!) >>> 0;
  stamps[bucket] = now;
  return gap > 0 ? net.kernel.prng.below(Math.min(gap, 0x7fffffff)) : 0;
}

/**
 * ip_local_out(): a locally generated packet (skb.data and networkHeader at the IP header, the
 * header complete, skb.dst set) enters output: OutRequests, then dst_output.
 */
export function ipLocalOut(net: Net, skb: SkBuff): number {
  const ns = ipv4Net(net);
  ns.ipMib[IPSTATS_MIB_OUTREQUESTS]!++;
  return dstOutputNs(ns, skb);
}

/** dst_output(): ip_output, or ip_mc_output for broadcast and multicast routes. */
export function dstOutput(net: Net, skb: SkBuff): number {
  return dstOutputNs(ipv4Net(net), skb);
}

function dstOutputNs(ns: NetnsIpv4, skb: SkBuff): number {
  const rt = skb.dst as Rtable;
  const flags = rt.flags;
  if (flags & (RTCF_BROADCAST | RTCF_MULTICAST) && flags & RTCF_LOCAL && !(rt.dev.flags & IFF_LOOPBACK)) return ipMcOutput(ns.net, skb, rt);
  // ip_output()
  skb.dev = rt.dev;
  skb.protocol = ETH_P_IP;
  return ipFinishOutput(ns, skb, rt);
}

/**
 * ip_mc_output(): broadcasts and joined multicasts are also looped back to the local stack
 * (dev_loopback_xmit, pkt_type LOOPBACK) before they go out.
 */
function ipMcOutput(net: Net, skb: SkBuff, rt: Rtable): number {
  const ns = ipv4Net(net);
  const dev = rt.dev;
  skb.dev = dev;
  skb.protocol = ETH_P_IP;
  const len = skb.len;
  if (rt.type === RTN_MULTICAST || rt.flags & RTCF_MULTICAST) {
    ns.ipMib[IPSTATS_MIB_OUTMCASTPKTS]!++;
    ns.ipMib[IPSTATS_MIB_OUTMCASTOCTETS]! += len;
  } else if (rt.type === RTN_BROADCAST || rt.flags & RTCF_BROADCAST) {
    ns.ipMib[IPSTATS_MIB_OUTBCASTPKTS]!++;
    ns.ipMib[IPSTATS_MIB_OUTBCASTOCTETS]! += len;
  }
  const copy = skb.copy();
  copy.data = copy.networkHeader;
  copy.macHeader = copy.networkHeader;
  copy.pktType = PACKET_LOOPBACK;
  copy.ipSummed = CHECKSUM_UNNECESSARY;
  copy.dev = dev;
  copy.sk = null;
  if (netifRx(copy) === 0) ns.vnetMib[VNET_MIB_MC_LOOPBACK]!++;
  if (skb.head[skb.networkHeader + 8] === 0) {
    kfreeSkb(skb);
    return 0;
  }
  return ipFinishOutput(ns, skb, rt);
}

/** ip_finish_output(): fragments what is larger than the path MTU. */
function ipFinishOutput(ns: NetnsIpv4, skb: SkBuff, rt: Rtable): number {
  const mtu = dstMtu(rt);
  if (skb.tail - skb.data > mtu) return ipFragment(ns.net, skb, rt, mtu);
  return finishOutput2(ns, skb, rt);
}

/** ip_finish_output2(): OutTransmits, then the neighbour of the next hop. */
export function ipFinishOutput2(net: Net, skb: SkBuff, rt: Rtable): number {
  return finishOutput2(ipv4Net(net), skb, rt);
}

function finishOutput2(ns: NetnsIpv4, skb: SkBuff, rt: Rtable): number {
  const dev = rt.dev;
  const mib = ns.ipMib;
  mib[IPSTATS_MIB_OUTPKTS]!++;
  mib[IPSTATS_MIB_OUTOCTETS]! += skb.tail - skb.data;
  if (skb.ipSummed === CHECKSUM_PARTIAL && !(dev.features & NETIF_F_CSUM_MASK)) ipChecksumHelp(skb);
  const nexthop = rt.usesGateway ? rt.gw4 : skb.view.getUint32(skb.networkHeader + 16);
  const n = rt.neigh;
  if (n === null || n.dead || n.dev !== dev || n.key !== arpKey(dev, nexthop)) return neighRefreshOutput(ns, skb, rt, dev, nexthop);
  return neighOutput(n, skb);
}

/** The route's cached neighbour does not fit: find (or create) the next hop's and remember it. */
function neighRefreshOutput(ns: NetnsIpv4, skb: SkBuff, rt: Rtable, dev: NetDevice, nexthop: number): number {
  const n = neighFor(dev, nexthop);
  if (n === null) {
    ns.ipMib[IPSTATS_MIB_OUTDISCARDS]!++;
    dropSkb(skb, "NEIGH_FAILED");
    return -EINVAL;
  }
  rt.neigh = n;
  return neighOutput(n, skb);
}

function neighFor(dev: NetDevice, nexthop: number): Neighbour | null {
  try {
    return ipNeighForGw(dev, nexthop);
  } catch {
    return null;
  }
}

/**
 * ip_fragment(): DF set means FragFails, ICMP fragmentation-needed to the source and EMSGSIZE;
 * otherwise ip_do_fragment.
 */
function ipFragment(net: Net, skb: SkBuff, rt: Rtable, mtu: number): number {
  const h = skb.head;
  const nh = skb.networkHeader;
  const fragOff = (h[nh + 6]! << 8) | h[nh + 7]!;
  if (fragOff & IP_DF) {
    ipv4Net(net).ipMib[IPSTATS_MIB_FRAGFAILS]!++;
    icmpSend(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
    dropSkb(skb, "PKT_TOO_BIG");
    return -EMSGSIZE;
  }
  return ipDoFragment(net, skb, rt, mtu);
}

/**
 * ip_do_fragment() (slow path): copies the datagram into fragments of at most `mtu` bytes,
 * 8-byte aligned, non-copied options blanked after the first, and sends each.
 */
export function ipDoFragment(net: Net, skb: SkBuff, rt: Rtable, mtu: number): number {
  const ns = ipv4Net(net);
  ipChecksumHelp(skb);
  const h = skb.head;
  const nh = skb.networkHeader;
  const hlen = (h[nh]! & 15) * 4;
  const origOff = (h[nh + 6]! << 8) | h[nh + 7]!;
  let offset = (origOff & IP_OFFSET) << 3;
  const notLast = origOff & IP_MF;
  let left = skb.tail - nh - hlen;
  let ptr = nh + hlen;
  const mtuData = mtu - hlen;
  if (mtuData < 8) {
    ns.ipMib[IPSTATS_MIB_FRAGFAILS]!++;
    dropSkb(skb, "PKT_TOO_BIG");
    return -EINVAL;
  }
  let first = true;
  let err = 0;
  while (left > 0) {
    let len = left;
    if (len > mtuData) len = mtuData & ~7;
    const frag = allocSkb(IP_LL_RESERVE + hlen + len);
    frag.reserve(IP_LL_RESERVE);
    frag.networkHeader = frag.data;
    const at = frag.put(hlen + len);
    const fh = frag.head;
    fh.set(h.subarray(nh, nh + hlen), at);
    if (!first) ipOptionsFragment(fh, at, hlen);
    fh.set(h.subarray(ptr, ptr + len), at + hlen);
    frag.transportHeader = at + hlen;
    left -= len;
    let fo = offset >>> 3;
    if (left > 0 || notLast) fo |= IP_MF;
    const tot = hlen + len;
    fh[at + 2] = tot >>> 8;
    fh[at + 3] = tot;
    fh[at + 6] = fo >>> 8;
    fh[at + 7] = fo;
    ipSendCheck(fh, at);
    frag.dst = rt;
    frag.dev = rt.dev;
    frag.protocol = ETH_P_IP;
    frag.priority = skb.priority;
    frag.mark = skb.mark;
    frag.sk = skb.sk;
    ns.ipMib[IPSTATS_MIB_FRAGCREATES]!++;
    const r = ipFinishOutput2(net, frag, rt);
    if (r < 0 && err === 0) err = r;
    ptr += len;
    offset += len;
    first = false;
  }
  if (err === 0) ns.ipMib[IPSTATS_MIB_FRAGOKS]!++;
  else ns.ipMib[IPSTATS_MIB_FRAGFAILS]!++;
  kfreeSkb(skb);
  return err;
}

/** ip_options_fragment(): options without the copied flag become NOPs in later fragments. */
function ipOptionsFragment(h: Uint8Array, at: number, hlen: number): void {
  let p = at + 20;
  const end = at + hlen;
  while (p < end) {
    const type = h[p]!;
    if (type === 0) break;
    if (type === 1) {
      p++;
      continue;
    }
    const len = p + 1 < end ? h[p + 1]! : 0;
    if (len < 2 || p + len > end) break;
    if (!(type & 0x80)) h.fill(1, p, p + len);
    p += len;
  }
}

/** Packets for a route whose dev refuses (no buffers): OutDiscards. */
export function ipOutDiscard(net: Net, skb: SkBuff): number {
  ipv4Net(net).ipMib[IPSTATS_MIB_OUTDISCARDS]!++;
  dropSkb(skb, "NOMEM");
  return -ENOBUFS;
}

/** The route a queued packet carries (for ICMP on neighbour failure). */
export function skbRoute(skb: SkBuff): Rtable | null {
  return skbRtable(skb);
}
