// ICMP (net/ipv4/icmp.c): icmp_rcv, echo and timestamp replies, icmp_send for errors with the
// global and per-peer rate limits (deterministic: kernel jiffies and PRNG), and delivery of
// errors to the transport protocol that sent the quoted packet.
import type { Net } from "../kernel/net.js";
import { allocSkb, consumeSkb, copyView, type SkBuff } from "../netdevice/skbuff.js";
import { dropSkb } from "../netdevice/dev.js";
import { CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY, IFF_LOOPBACK, PACKET_HOST } from "../netdevice/constants.js";
import { csumFold, csumPartialView, csumReplace2 } from "../wire/checksum.js";
import { readIpv4 } from "../wire/addr.js";
import {
  ICMP_ADDRESS, ICMP_ADDRESSREPLY, ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_EXC_FRAGTIME, ICMP_FRAG_NEEDED,
  ICMP_PARAMETERPROB, ICMP_REDIRECT, ICMP_SOURCE_QUENCH, ICMP_TIME_EXCEEDED, ICMP_TIMESTAMP, ICMP_TIMESTAMPREPLY,
  icmpIsError,
} from "../wire/icmp.js";
import { IP_OFFSET, IPPROTO_ICMP } from "../wire/ipv4.js";
import {
  ICMP_MIB_CSUMERRORS, ICMP_MIB_INERRORS, ICMP_MIB_INMSGS, ICMP_MIB_OUTERRORS, ICMP_MIB_OUTMSGS, ICMP_MIB_RATELIMITGLOBAL,
  ICMP_MIB_RATELIMITHOST, ipv4Net, type InetPeer, type NetnsIpv4,
} from "./netns.js";
import {
  dstMtu, ipRouteOutputFlow, Rtable, RTCF_BROADCAST, RTCF_LOCAL, RTCF_MULTICAST, skbRtable,
} from "./route.js";
import { FibResult, fibLookup, fibResultPrefsrc, Flowi4, inetAddrType, LOOPBACK_IFINDEX, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RTN_BROADCAST } from "../route/fib.js";
import { inetSelectAddr } from "./devinet.js";
import { inetProtos, inetSocketHooks } from "./protocol.js";
import { IP_LL_RESERVE, ipLocalOut, ipSelectIdent, ipWriteHeaderView } from "./ip_output.js";
import { copyBytes } from "./csum.js";

/** Highest ICMP type Linux knows (NR_ICMP_TYPES). */
export const NR_ICMP_TYPES = 18;
const NR_ICMP_UNREACH = 15;

/** Types whose errors are ICMP errors (icmp_pointers[].error), unknown types counting as errors. */
function typeIsError(type: number): boolean {
  return type > NR_ICMP_TYPES || icmpIsError(type) || type === 1 || type === 2 || type === 7;
}

/** icmp_out_count(). */
function icmpOutCount(ns: NetnsIpv4, type: number): void {
  ns.icmpMsgMib[0x100 + type]!++;
  ns.icmpMib[ICMP_MIB_OUTMSGS]!++;
}

// ---------------------------------------------------------------------------------------------
// Rate limiting

/** inet_getpeer_v4(): the peer's rate state, created with rate_last 60 s in the past. */
export function inetGetPeer(net: Net, addr: number): InetPeer {
  const ns = ipv4Net(net);
  let p = ns.peers.get(addr | 0);
  if (p === undefined) {
    p = { rateTokens: 0, rateLast: net.kernel.jiffies - 60 * net.kernel.hz };
    if (ns.peers.size >= 65536) ns.peers.clear();
    ns.peers.set(addr | 0, p);
  }
  return p;
}

const XRLIM_BURST_FACTOR = 6;

/** inet_peer_xrlim_allow(): a token bucket of `timeout` jiffies per message, burst 6. */
export function inetPeerXrlimAllow(net: Net, peer: InetPeer, timeout: number): boolean {
  const k = net.kernel;
  const now = k.scheduler.jiffiesAt(k.nsPerJiffy);
  let token = peer.rateTokens + (now - peer.rateLast);
  peer.rateLast = now;
  if (token > XRLIM_BURST_FACTOR * timeout) token = XRLIM_BURST_FACTOR * timeout;
  let rc = false;
  if (token >= timeout) {
    token -= timeout;
    rc = true;
  }
  peer.rateTokens = token;
  return rc;
}

/** icmpv4_mask_allow(): types outside icmp_ratemask (and frag-needed) are never limited. */
function icmpv4MaskAllow(ns: NetnsIpv4, type: number, code: number): boolean {
  if (type > NR_ICMP_TYPES) return true;
  if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) return true;
  return !((1 << type) & ns.icmpRatemask);
}

/** icmp_global_allow(): icmp_msgs_per_sec with a burst of icmp_msgs_burst. */
function icmpGlobalAllow(net: Net, ns: NetnsIpv4): boolean {
  if (ns.icmpGlobalCredit > 0) return true;
  const k = net.kernel;
  const now = k.scheduler.jiffiesAt(k.nsPerJiffy);
  const delta = Math.min(now - ns.icmpGlobalStamp, k.hz);
  if (delta < Math.floor(k.hz / 50)) return false;
  const incr = Math.floor((ns.icmpMsgsPerSec * delta) / k.hz);
  if (incr === 0) return false;
  ns.icmpGlobalStamp = now;
  ns.icmpGlobalCredit = Math.min(ns.icmpGlobalCredit + incr, ns.icmpMsgsBurst);
  return true;
}

/** Returns 0 (deny), 1 (allow, no per-peer limit) or 2 (allow, apply the per-peer limit). */
function icmpv4GlobalAllow(net: Net, ns: NetnsIpv4, type: number, code: number): number {
  if (icmpv4MaskAllow(ns, type, code)) return 1;
  if (icmpGlobalAllow(net, ns)) return 2;
  ns.icmpMib[ICMP_MIB_RATELIMITGLOBAL]!++;
  return 0;
}

/** icmpv4_xrlim_allow(): the per-peer limit (not on loopback), then icmp_global_consume. */
function icmpv4XrlimAllow(net: Net, ns: NetnsIpv4, rt: Rtable, daddr: number, apply: boolean): boolean {
  if (!apply) return true;
  if (rt.dev.flags & IFF_LOOPBACK) {
    icmpGlobalConsume(net, ns);
    return true;
  }
  const timeout = net.kernel.msecsToJiffies(ns.icmpRatelimit);
  const rc = inetPeerXrlimAllow(net, inetGetPeer(net, daddr), timeout);
  if (!rc) ns.icmpMib[ICMP_MIB_RATELIMITHOST]!++;
  else icmpGlobalConsume(net, ns);
  return rc;
}

function icmpGlobalConsume(net: Net, ns: NetnsIpv4): void {
  const credits = net.kernel.prng.below(3);
  ns.icmpGlobalCredit -= credits;
}

// ---------------------------------------------------------------------------------------------
// Building and sending

const sendFl = new Flowi4();

/**
 * icmp_push_reply(): builds [IP | ICMP header | data] and sends it. `rest` is the header's
 * second word; the data is `dataLen` bytes of `src` from `srcOff`.
 */
function icmpPushReply(
  net: Net, ns: NetnsIpv4, rt: Rtable, saddr: number, daddr: number, tos: number, type: number, code: number, rest: number,
  src: Uint8Array, srcView: DataView | null, srcOff: number, dataLen: number, check = -1,
): void {
  const len = 8 + dataLen;
  // A fresh buffer holds the whole request (allocSkb's contract): reserve and put by hand.
  const skb = allocSkb(IP_LL_RESERVE + 20 + len);
  const at = IP_LL_RESERVE;
  const ic = at + 20;
  skb.data = at;
  skb.networkHeader = at;
  skb.transportHeader = ic;
  skb.tail = ic + len;
  const h = skb.head;
  const v = skb.view;
  v.setUint32(ic, ((type & 0xff) << 24) | ((code & 0xff) << 16));
  v.setUint32(ic + 4, rest);
  if (srcView !== null) copyView(h, v, ic + 8, src, srcView, srcOff, dataLen);
  else copyBytes(h, ic + 8, src, srcOff, dataLen);
  v.setUint16(ic + 2, check >= 0 ? check : csumFold(csumPartialView(v, ic, len)));
  // The ICMP socket has pmtudisc DONT: no DF, a hashed ID.
  ipWriteHeaderView(v, at, tos, 20 + len, ipSelectIdent(net, daddr, saddr, IPPROTO_ICMP), 0, ns.ipDefaultTtl, IPPROTO_ICMP, saddr, daddr);
  skb.dst = rt;
  skb.dev = rt.dev;
  icmpOutCount(ns, type);
  ipLocalOut(net, skb);
}

/**
 * __icmp_send(): an ICMP error about `skbIn` (its network header set, skb.dst its route) to its
 * source. Never about non-host frames, broadcasts, later fragments or ICMP errors; rate limited;
 * the source is the original destination for local packets, else chosen by routing.
 */
export function icmpSend(skbIn: SkBuff, type: number, code: number, info: number): void {
  const rt = skbRtable(skbIn);
  if (rt === null) return;
  const net = rt.net;
  const ns = ipv4Net(net);
  const h = skbIn.head;
  const nh = skbIn.networkHeader;
  if (nh < 0 || nh + 20 > skbIn.tail) return;
  if (skbIn.pktType !== PACKET_HOST) return;
  if (rt.flags & (RTCF_BROADCAST | RTCF_MULTICAST)) return;
  const fragOff = (h[nh + 6]! << 8) | h[nh + 7]!;
  if (fragOff & IP_OFFSET) return;
  const ihl = (h[nh]! & 15) * 4;
  if (typeIsError(type) && h[nh + 9] === IPPROTO_ICMP) {
    if (nh + ihl >= skbIn.tail) return;
    const inner = h[nh + ihl]!;
    if (typeIsError(inner)) return;
  }
  const inDev = skbIn.dev;
  let apply = 1;
  if (!(inDev !== null && inDev.flags & IFF_LOOPBACK)) {
    apply = icmpv4GlobalAllow(net, ns, type, code);
    if (apply === 0) return;
  }
  const origSaddr = readIpv4(h, nh + 12);
  let saddr = readIpv4(h, nh + 16);
  if (!(rt.flags & RTCF_LOCAL)) {
    saddr = 0;
    if (rt.isInput && ns.icmpErrorsUseInboundIfaddr) {
      const dev = net.devicesByIndex.get(skbIn.iif) ?? null;
      if (dev !== null) saddr = inetSelectAddr(dev, origSaddr, RT_SCOPE_LINK);
    }
  }
  const tos = typeIsError(type) ? (h[nh + 1]! & 0x1e) | 0xc0 : h[nh + 1]!;
  const fl = sendFl.reset();
  fl.daddr = origSaddr;
  fl.saddr = saddr;
  fl.tos = tos & 0xfc;
  fl.proto = IPPROTO_ICMP;
  fl.mark = skbIn.mark;
  const out = ipRouteOutputFlow(net, fl);
  if (typeof out === "number") return;
  if (!icmpv4XrlimAllow(net, ns, out, fl.daddr, apply === 2)) return;
  let room = dstMtu(out);
  if (room > 576) room = 576;
  room -= 20 + 8;
  if (room <= 20) return;
  let dataLen = skbIn.tail - nh;
  if (dataLen > room) dataLen = room;
  icmpPushReply(net, ns, out, fl.saddr === 0 ? 0xc0000008 : fl.saddr, fl.daddr, tos, type, code, info >>> 0, h, skbIn.view, nh, dataLen);
}

/** ipv4_link_failure(): the neighbour could not be resolved: host unreachable to the source. */
export function ipv4LinkFailure(skb: SkBuff): void {
  icmpSend(skb, ICMP_DEST_UNREACH, 1, 0);
  const rt = skbRtable(skb);
  if (rt !== null) rt.neigh = null;
}

// ---------------------------------------------------------------------------------------------
// Receiving

const specFl = new Flowi4();
const specRes = new FibResult();

/** fib_compute_spec_dst(): the source for a reply to a packet we received. */
function fibComputeSpecDst(net: Net, skb: SkBuff, rt: Rtable): number {
  if ((rt.flags & (RTCF_BROADCAST | RTCF_MULTICAST | RTCF_LOCAL)) === RTCF_LOCAL) return readIpv4(skb.head, skb.networkHeader + 16);
  return specDstLookup(net, skb);
}

/** Not plain unicast to us: the preferred source of the route back, else one of the device's. */
function specDstLookup(net: Net, skb: SkBuff): number {
  const h = skb.head;
  const nh = skb.networkHeader;
  const saddr = readIpv4(h, nh + 12);
  const dev = skb.dev!;
  let scope = RT_SCOPE_UNIVERSE;
  if (saddr !== 0) {
    const fl = specFl.reset();
    fl.iif = LOOPBACK_IFINDEX;
    fl.daddr = saddr;
    fl.tos = h[nh + 1]! & 0xfc;
    const res = specRes.reset();
    const r = fibLookup(net, fl, res, 0) === 0 ? fibResultPrefsrc(net, res) : -1;
    res.reset();
    if (r >= 0) return r;
  } else {
    scope = RT_SCOPE_LINK;
  }
  return inetSelectAddr(dev, saddr, scope);
}

const replyFl = new Flowi4();

/** icmp_reply(): sends `type` with the received message's header word and data echoed back. */
function icmpReply(
  net: Net, ns: NetnsIpv4, skb: SkBuff, rt: Rtable, type: number, code: number, rest: number, src: Uint8Array,
  srcView: DataView | null, dataOff: number, dataLen: number, check = -1,
): void {
  const h = skb.head;
  const nh = skb.networkHeader;
  const apply = icmpv4GlobalAllow(net, ns, type, code);
  if (apply === 0) return;
  const fl = replyFl.reset();
  fl.daddr = skb.view.getUint32(nh + 12);
  fl.saddr = fibComputeSpecDst(net, skb, rt);
  fl.tos = h[nh + 1]! & 0xfc;
  fl.proto = IPPROTO_ICMP;
  fl.mark = skb.mark;
  const out = ipRouteOutputFlow(net, fl);
  if (typeof out === "number") return;
  if (!icmpv4XrlimAllow(net, ns, out, fl.daddr, apply === 2)) return;
  icmpPushReply(net, ns, out, fl.saddr, fl.daddr, h[nh + 1]!, type, code, rest, src, srcView, dataOff, dataLen, check);
}

/** icmp_rcv(): the IPPROTO_ICMP handler. skb.data at the ICMP header. */
export function icmpRcv(skb: SkBuff): void {
  const rt = skbRtable(skb)!;
  const ns = ipv4Net(rt.net);
  ns.icmpMib[ICMP_MIB_INMSGS]!++;
  const h = skb.head;
  const at = skb.data;
  const len = skb.len;
  // skb_checksum_simple_validate(): a checksum the device (or the sender's stack) vouched for
  // is not summed again.
  const summed = skb.ipSummed;
  const verify = summed !== CHECKSUM_UNNECESSARY && summed !== CHECKSUM_PARTIAL;
  const csumOk = len === 0 || !verify || csumFold(csumPartialView(skb.view, at, len)) === 0;
  const type = len >= 8 ? h[at]! : -1;
  // Echo requests and replies to this host take the short way; icmpRcvChecked has the rest.
  if (csumOk && (type === ICMP_ECHO || type === ICMP_ECHOREPLY) && !(rt.flags & (RTCF_BROADCAST | RTCF_MULTICAST))) {
    ns.icmpMsgMib[type]!++;
    if (type === ICMP_ECHO) icmpEcho(ns, skb, rt, verify);
    else icmpEchoReply(skb);
    return;
  }
  icmpRcvChecked(skb, rt, ns, csumOk, verify);
}

/** What icmp_rcv does with all but a valid unicast echo or echo reply. */
function icmpRcvChecked(skb: SkBuff, rt: Rtable, ns: NetnsIpv4, csumOk: boolean, verify: boolean): void {
  const net = rt.net;
  const mib = ns.icmpMib;
  if (!csumOk) {
    mib[ICMP_MIB_CSUMERRORS]!++;
    mib[ICMP_MIB_INERRORS]!++;
    dropSkb(skb, "NOT_SPECIFIED");
    return;
  }
  if (skb.len < 8) {
    mib[ICMP_MIB_INERRORS]!++;
    dropSkb(skb, "PKT_TOO_SMALL");
    return;
  }
  const type = skb.head[skb.data]!;
  ns.icmpMsgMib[type]!++;
  if (type > NR_ICMP_TYPES) {
    mib[ICMP_MIB_INERRORS]!++;
    dropSkb(skb, "UNHANDLED_PROTO");
    return;
  }
  if (rt.flags & (RTCF_BROADCAST | RTCF_MULTICAST)) {
    if ((type === ICMP_ECHO || type === ICMP_TIMESTAMP) && ns.icmpEchoIgnoreBroadcasts) {
      mib[ICMP_MIB_INERRORS]!++;
      dropSkb(skb, "NOT_SPECIFIED");
      return;
    }
    if (type !== ICMP_ECHO && type !== ICMP_TIMESTAMP && type !== ICMP_ADDRESS && type !== ICMP_ADDRESSREPLY) {
      mib[ICMP_MIB_INERRORS]!++;
      dropSkb(skb, "NOT_SPECIFIED");
      return;
    }
  }
  switch (type) {
    case ICMP_ECHOREPLY:
      icmpEchoReply(skb);
      return;
    case ICMP_DEST_UNREACH:
    case ICMP_SOURCE_QUENCH:
    case ICMP_TIME_EXCEEDED:
    case ICMP_PARAMETERPROB:
      icmpUnreach(net, ns, skb, type);
      return;
    case ICMP_REDIRECT:
      if (skb.len < 8 + 20) mib[ICMP_MIB_INERRORS]!++;
      consumeSkb(skb);
      return;
    case ICMP_ECHO:
      icmpEcho(ns, skb, rt, verify);
      return;
    case ICMP_TIMESTAMP:
      icmpTimestamp(net, ns, skb, rt);
      return;
    default:
      consumeSkb(skb);
  }
}

/** An echo reply goes to the ping socket it answers. */
function icmpEchoReply(skb: SkBuff): void {
  if (inetSocketHooks.pingRcv !== null) inetSocketHooks.pingRcv(skb);
  else dropSkb(skb, "NO_SOCKET");
}

/** icmp_echo(): the request comes back as a reply, unless echoes are ignored. */
function icmpEcho(ns: NetnsIpv4, skb: SkBuff, rt: Rtable, verified: boolean): void {
  if (!ns.icmpEchoIgnoreAll) {
    const h = skb.head;
    const at = skb.data;
    const rest = ((h[at + 4]! << 24) | (h[at + 5]! << 16) | (h[at + 6]! << 8) | h[at + 7]!) >>> 0;
    // The reply is the request we just verified with type 8 -> 0 (and code 0): patch its
    // checksum incrementally (RFC 1624) instead of summing the data again. A request we did
    // not verify (the device did) may carry any checksum field: the reply's is summed afresh.
    const code = h[at + 1]!;
    const check = verified && code === 0 ? csumReplace2((h[at + 2]! << 8) | h[at + 3]!, ICMP_ECHO << 8, ICMP_ECHOREPLY << 8) : -1;
    icmpReply(rt.net, ns, skb, rt, ICMP_ECHOREPLY, 0, rest, h, skb.view, at + 8, skb.len - 8, check);
  }
  consumeSkb(skb);
}

/** icmp_timestamp(): replies with originate, receive and transmit times (ms since midnight UT). */
function icmpTimestamp(net: Net, ns: NetnsIpv4, skb: SkBuff, rt: Rtable): void {
  const h = skb.head;
  const at = skb.data;
  if (skb.len < 20) {
    ns.icmpMib[ICMP_MIB_INERRORS]!++;
    dropSkb(skb, "PKT_TOO_SMALL");
    return;
  }
  const ms = Math.floor(net.kernel.nowMs) % 86400000;
  const data = new Uint8Array(12);
  data.set(h.subarray(at + 8, at + 12), 0);
  for (const off of [4, 8]) {
    data[off] = ms >>> 24;
    data[off + 1] = ms >>> 16;
    data[off + 2] = ms >>> 8;
    data[off + 3] = ms;
  }
  const rest = ((h[at + 4]! << 24) | (h[at + 5]! << 16) | (h[at + 6]! << 8) | h[at + 7]!) >>> 0;
  icmpReply(net, ns, skb, rt, ICMP_TIMESTAMPREPLY, 0, rest, data, null, 0, 12);
  consumeSkb(skb);
}

/** icmp_unreach(): checks the quoted header and tells the sending protocol. */
function icmpUnreach(net: Net, ns: NetnsIpv4, skb: SkBuff, type: number): void {
  const h = skb.head;
  const at = skb.data;
  const code = h[at + 1]!;
  if (skb.len < 8 + 20) {
    ns.icmpMib[ICMP_MIB_INERRORS]!++;
    dropSkb(skb, "PKT_TOO_SMALL");
    return;
  }
  const q = at + 8;
  const qihl = h[q]! & 15;
  if (qihl < 5) {
    ns.icmpMib[ICMP_MIB_INERRORS]!++;
    dropSkb(skb, "IP_INHDR");
    return;
  }
  let info = 0;
  switch (type) {
    case ICMP_DEST_UNREACH:
      if ((code & 15) === ICMP_FRAG_NEEDED) {
        if (ns.ipNoPmtuDisc === 2) return consumeSkb(skb);
        if (ns.ipNoPmtuDisc === 0) info = (h[at + 6]! << 8) | h[at + 7]!;
      }
      if (code > NR_ICMP_UNREACH) return consumeSkb(skb);
      break;
    case ICMP_PARAMETERPROB:
      info = h[at + 4]!;
      break;
    case ICMP_TIME_EXCEEDED:
      if (code === ICMP_EXC_FRAGTIME) return consumeSkb(skb);
      break;
  }
  const qdaddr = readIpv4(h, q + 16);
  if (!ns.icmpIgnoreBogusErrorResponses && inetAddrType(net, qdaddr, skb.dev) === RTN_BROADCAST) return consumeSkb(skb);
  if (skb.len < 8 + qihl * 4 + 8) return consumeSkb(skb);
  icmpSocketDeliver(skb, q, info);
  consumeSkb(skb);
}

/** icmp_socket_deliver(): raw sockets, then the quoted protocol's err_handler. */
function icmpSocketDeliver(skb: SkBuff, q: number, info: number): void {
  const protocol = skb.head[q + 9]!;
  const saved = skb.data;
  skb.data = q;
  if (inetSocketHooks.rawIcmpError !== null) inetSocketHooks.rawIcmpError(skb, protocol, info);
  const prot = inetProtos[protocol];
  if (prot !== null && prot !== undefined && prot.errHandler !== undefined) prot.errHandler(skb, info);
  skb.data = saved;
}

/** icmp_err(): errors quoting ICMP messages go to ping sockets (echo requests). */
export function icmpErr(skb: SkBuff, info: number): void {
  const q = skb.data;
  const h = skb.head;
  const ihl = (h[q]! & 15) * 4;
  const innerType = h[q + ihl]!;
  if (innerType === ICMP_ECHO && inetSocketHooks.pingErr !== null) inetSocketHooks.pingErr(skb, info);
}
