// Forwarding (net/ipv4/ip_forward.c) and the ip_error dst input (net/ipv4/route.c).
import type { SkBuff } from "../netdevice/skbuff.js";
import { dropSkb } from "../netdevice/dev.js";
import { PACKET_HOST } from "../netdevice/constants.js";
import { csumReplace2 } from "../wire/checksum.js";
import { IP_DF } from "../wire/ipv4.js";
import {
  ICMP_DEST_UNREACH, ICMP_EXC_TTL, ICMP_FRAG_NEEDED, ICMP_HOST_UNREACH, ICMP_NET_UNREACH, ICMP_PKT_FILTERED,
  ICMP_TIME_EXCEEDED,
} from "../wire/icmp.js";
import { EACCES, EHOSTUNREACH, ENETUNREACH } from "../kernel/errno.js";
import { readIpv4 } from "../wire/addr.js";
import {
  ipv4Net, IPSTATS_MIB_FRAGFAILS, IPSTATS_MIB_INADDRERRORS, IPSTATS_MIB_INHDRERRORS, IPSTATS_MIB_INNOROUTES,
  IPSTATS_MIB_OUTFORWDATAGRAMS, VNET_MIB_FORW_NOT_HOST, VNET_MIB_IP_ERROR,
} from "./netns.js";
import { dstMtu, Rtable } from "./route.js";
import { inDevForward, inDevGet } from "./devinet.js";
import { icmpSend, inetGetPeer } from "./icmp.js";
import { dstOutput } from "./ip_output.js";
import { skbGrowHeadroom } from "../neigh/neighbour.js";

/**
 * ip_forward(): only unicast frames for us at layer 2; TTL expiring here counts InHdrErrors and
 * sends time exceeded; a DF packet larger than the next hop's MTU counts FragFails and sends
 * fragmentation needed; otherwise the TTL goes down (checksum patched per RFC 1624) and the
 * packet is output (ForwDatagrams).
 */
export function ipForward(skb: SkBuff, rt: Rtable): void {
  const net = rt.net;
  const ns = ipv4Net(net);
  if (skb.pktType !== PACKET_HOST) {
    ns.vnetMib[VNET_MIB_FORW_NOT_HOST]!++;
    dropSkb(skb, "NOT_SPECIFIED");
    return;
  }
  const h = skb.head;
  let nh = skb.networkHeader;
  if (h[nh + 8]! <= 1) {
    ns.ipMib[IPSTATS_MIB_INHDRERRORS]!++;
    icmpSend(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
    dropSkb(skb, "TTL_EXPIRED");
    return;
  }
  // ip_dst_mtu_maybe_forward(): the route's locked MTU or the device's (no learned PMTU).
  const mtu = rt.mtu !== 0 ? rt.mtu : dstMtu(rt);
  const len = skb.tail - nh;
  if (len > mtu && (h[nh + 6]! << 8) & IP_DF) {
    ns.ipMib[IPSTATS_MIB_FRAGFAILS]!++;
    icmpSend(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
    dropSkb(skb, "PKT_TOO_BIG");
    return;
  }
  // skb_cow(): a buffer shared with a tap's clone gets a private copy before we write.
  if (skb.cloned || skb.data < rt.dev.hardHeaderLen) {
    const own = skbGrowHeadroom(skb, rt.dev.hardHeaderLen + 16);
    if (own === null) return;
    skb = own;
    nh = skb.networkHeader;
  }
  // ip_decrease_ttl()
  const hh = skb.head;
  const word = (hh[nh + 8]! << 8) | hh[nh + 9]!;
  const next = word - 0x100;
  hh[nh + 8] = next >>> 8;
  const check = csumReplace2((hh[nh + 10]! << 8) | hh[nh + 11]!, word, next);
  hh[nh + 10] = check >>> 8;
  hh[nh + 11] = check;
  // ip_forward_finish()
  ns.ipMib[IPSTATS_MIB_OUTFORWDATAGRAMS]!++;
  skb.data = nh;
  skb.tstamp = 0;
  dstOutput(net, skb);
}

/**
 * ip_error(): a packet with no route. Without forwarding on the device only InAddrErrors or
 * InNoRoutes; else a destination unreachable (net, host, filtered) rate-limited per source.
 */
export function ipError(skb: SkBuff, rt: Rtable): void {
  const net = rt.net;
  const ns = ipv4Net(net);
  ns.vnetMib[VNET_MIB_IP_ERROR]!++;
  const dev = skb.dev;
  const idev = dev === null ? null : inDevGet(dev);
  if (idev === null || !inDevForward(idev)) {
    if (rt.error === EHOSTUNREACH) ns.ipMib[IPSTATS_MIB_INADDRERRORS]!++;
    else if (rt.error === ENETUNREACH) ns.ipMib[IPSTATS_MIB_INNOROUTES]!++;
    dropSkb(skb, "IP_INNOROUTES");
    return;
  }
  let code: number;
  switch (rt.error) {
    case EHOSTUNREACH:
      code = ICMP_HOST_UNREACH;
      break;
    case ENETUNREACH:
      code = ICMP_NET_UNREACH;
      ns.ipMib[IPSTATS_MIB_INNOROUTES]!++;
      break;
    case EACCES:
      code = ICMP_PKT_FILTERED;
      break;
    default:
      dropSkb(skb, "IP_INNOROUTES");
      return;
  }
  // ip_rt_error_cost (1 s) and ip_rt_error_burst (5 s) on the source's inet_peer.
  const k = net.kernel;
  const peer = inetGetPeer(net, readIpv4(skb.head, skb.networkHeader + 12));
  const now = k.jiffies;
  peer.rateTokens += now - peer.rateLast;
  if (peer.rateTokens > 5 * k.hz) peer.rateTokens = 5 * k.hz;
  peer.rateLast = now;
  let send = true;
  if (peer.rateTokens >= k.hz) peer.rateTokens -= k.hz;
  else send = false;
  if (send) icmpSend(skb, ICMP_DEST_UNREACH, code, 0);
  dropSkb(skb, "IP_INNOROUTES");
}
