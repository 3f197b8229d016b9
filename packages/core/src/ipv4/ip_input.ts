// IPv4 input (net/ipv4/ip_input.c): ip_rcv header validation with its SNMP counters, routing
// (ip_rcv_finish), options, and local delivery to raw sockets and transport protocols.
import { devCoreStats, type NetDevice } from "../netdevice/netdevice.js";
import type { PacketType } from "../netdevice/packet.js";
import { consumeSkb, kfreeSkb, type SkBuff } from "../netdevice/skbuff.js";
import { dropSkb } from "../netdevice/dev.js";
import { PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST } from "../netdevice/constants.js";
import { ETH_P_IP } from "../wire/ethernet.js";
import { csumFold, csumPartialView, ipFastCsum20 } from "../wire/checksum.js";
import { readIpv4 } from "../wire/addr.js";
import { IP_MF, IP_OFFSET } from "../wire/ipv4.js";
import { ICMP_DEST_UNREACH, ICMP_PARAMETERPROB, ICMP_PROT_UNREACH } from "../wire/icmp.js";
import {
  ipv4Net, IPSTATS_MIB_CSUMERRORS, IPSTATS_MIB_INBCASTOCTETS, IPSTATS_MIB_INBCASTPKTS,
  IPSTATS_MIB_INDELIVERS, IPSTATS_MIB_INDISCARDS, IPSTATS_MIB_INHDRERRORS, IPSTATS_MIB_INMCASTOCTETS,
  IPSTATS_MIB_INMCASTPKTS, IPSTATS_MIB_INOCTETS, IPSTATS_MIB_INRECEIVES, IPSTATS_MIB_INTRUNCATEDPKTS,
  IPSTATS_MIB_INUNKNOWNPROTOS, IPSTATS_MIB_NOECTPKTS, VNET_MIB_IN_L2_MCAST_UNICAST, VNET_MIB_IN_SRR, VNET_MIB_RX_OTHERHOST,
  type NetnsIpv4,
} from "./netns.js";
import {
  DST_INPUT_ERROR, DST_INPUT_FORWARD, DST_INPUT_LOCAL, ipRouteInputCached, Rtable, RTCF_LOCAL,
} from "./route.js";
import { RTN_BROADCAST, RTN_MULTICAST } from "../route/fib.js";
import {
  inDevAndConf, inDevGet, inDevOrConf, IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE, IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST,
  IPV4_DEVCONF_LOG_MARTIANS,
} from "./devinet.js";
import { inetProtos, inetSocketHooks } from "./protocol.js";
import { icmpSend } from "./icmp.js";
import { ipDefrag } from "./ip_fragment.js";
import { ipError, ipForward } from "./ip_forward.js";

/** ip_rcv(): the ETH_P_IP protocol handler. */
export const ipPacketType: PacketType = {
  type: ETH_P_IP,
  dev: null,
  func: ipRcv,
};

/**
 * ip_rcv() + ip_rcv_core(): frames for other hosts are dropped before counting; then InReceives,
 * and version, IHL, checksum and length checks counted in InHdrErrors/InCsumErrors/
 * InTruncatedPkts; the packet is trimmed to tot_len and routed.
 */
export function ipRcv(skb: SkBuff, dev: NetDevice): void {
  const ns = ipv4Net(dev.net);
  if (skb.pktType === PACKET_OTHERHOST) {
    devCoreStats(dev).rxOtherhostDropped++;
    ns.vnetMib[VNET_MIB_RX_OTHERHOST]!++;
    dropSkb(skb, "OTHERHOST");
    return;
  }
  // skb_share_check: another handler holds this skb too, so trim and route a clone of our own.
  if (skb.users > 1) {
    const own = skb.clone();
    kfreeSkb(skb);
    skb = own;
  }
  const mib = ns.ipMib;
  const len = skb.tail - skb.data;
  mib[IPSTATS_MIB_INRECEIVES]!++;
  mib[IPSTATS_MIB_INOCTETS]! += len;
  const h = skb.head;
  const at = skb.data;
  if (len < 20) return inhdrError(mib, skb, "IP_INHDR");
  const vihl = h[at]!;
  const ihl = (vihl & 15) << 2;
  if (vihl >>> 4 !== 4 || ihl < 20) return inhdrError(mib, skb, "IP_INHDR");
  mib[IPSTATS_MIB_NOECTPKTS + (h[at + 1]! & 3)]!++;
  if (len < ihl) return inhdrError(mib, skb, "IP_INHDR");
  if ((ihl === 20 ? ipFastCsum20(skb.view, at) : csumFold(csumPartialView(skb.view, at, ihl))) !== 0) {
    mib[IPSTATS_MIB_CSUMERRORS]!++;
    return inhdrError(mib, skb, "IP_CSUM");
  }
  const totLen = (h[at + 2]! << 8) | h[at + 3]!;
  if (len < totLen) {
    mib[IPSTATS_MIB_INTRUNCATEDPKTS]!++;
    dropSkb(skb, "PKT_TOO_SMALL");
    return;
  }
  if (totLen < ihl) return inhdrError(mib, skb, "IP_INHDR");
  skb.tail = at + totLen;
  skb.networkHeader = at;
  skb.transportHeader = at + ihl;
  ipRcvFinish(skb, dev, ihl, ns);
}

function inhdrError(mib: Float64Array, skb: SkBuff, reason: "IP_INHDR" | "IP_CSUM"): void {
  mib[IPSTATS_MIB_INHDRERRORS]!++;
  dropSkb(skb, reason);
}

/** ip_rcv_finish(): routing (or the dst loopback kept), options, broadcast accounting, dst_input. */
function ipRcvFinish(skb: SkBuff, dev: NetDevice, ihl: number, ns: NetnsIpv4): void {
  const net = dev.net;
  const h = skb.head;
  const nh = skb.networkHeader;
  let rt = skb.dst;
  // Loopback keeps the output route; a dst from another namespace or device path is not ours.
  if (!(rt instanceof Rtable && rt.net === net && rt.flags & RTCF_LOCAL && rt.input !== 0)) {
    skb.dst = null;
    // ip_rcv_finish_core's early demux: a connected socket's cached input route skips routing.
    const prot = inetProtos[h[nh + 9]!];
    if (prot !== null && prot !== undefined && prot.earlyDemux !== undefined && !((h[nh + 6]! << 8 | h[nh + 7]!) & (IP_MF | IP_OFFSET))) {
      if (ns.ipEarlyDemux) prot.earlyDemux(skb);
      rt = skb.dst;
    }
  }
  if (!(rt instanceof Rtable && rt.net === net && rt.input !== 0)) {
    skb.dst = null;
    const err = ipRouteInputCached(skb, readIpv4(h, nh + 16), readIpv4(h, nh + 12), h[nh + 1]!, dev);
    if (err !== 0) {
      dropSkb(skb, err === -18 ? "IP_RPFILTER" : "IP_INADDRERRORS");
      return;
    }
    rt = skb.dst;
  }
  const r = rt as Rtable;
  if (ihl > 20 && ipRcvOptions(skb, dev, ihl)) return;
  if (r.type === RTN_MULTICAST) {
    ns.ipMib[IPSTATS_MIB_INMCASTPKTS]!++;
    ns.ipMib[IPSTATS_MIB_INMCASTOCTETS]! += skb.len;
  } else if (r.type === RTN_BROADCAST) {
    ns.ipMib[IPSTATS_MIB_INBCASTPKTS]!++;
    ns.ipMib[IPSTATS_MIB_INBCASTOCTETS]! += skb.len;
  } else if (skb.pktType === PACKET_BROADCAST || skb.pktType === PACKET_MULTICAST) {
    const idev = inDevGet(dev);
    if (idev !== null && inDevOrConf(idev, IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST)) {
      ns.vnetMib[VNET_MIB_IN_L2_MCAST_UNICAST]!++;
      dropSkb(skb, "NOT_SPECIFIED");
      return;
    }
  }
  switch (r.input) {
    case DST_INPUT_LOCAL:
      localDeliver(skb, ns);
      return;
    case DST_INPUT_FORWARD:
      ipForward(skb, r);
      return;
    case DST_INPUT_ERROR:
      ipError(skb, r);
      return;
    default:
      dropSkb(skb, "NOT_SPECIFIED");
  }
}

/**
 * ip_rcv_options(): validates the options (ip_options_compile; errors count InHdrErrors and
 * send a parameter problem) and refuses source-routed packets unless accept_source_route.
 * Returns true when the packet was dropped.
 */
function ipRcvOptions(skb: SkBuff, dev: NetDevice, ihl: number): boolean {
  const net = dev.net;
  const h = skb.head;
  const nh = skb.networkHeader;
  const res = ipOptionsCompile(h, nh, ihl);
  if (res.error >= 0) {
    ipv4Net(net).ipMib[IPSTATS_MIB_INHDRERRORS]!++;
    icmpSend(skb, ICMP_PARAMETERPROB, 0, (res.error << 24) >>> 0);
    dropSkb(skb, "IP_INHDR");
    return true;
  }
  if (res.srr) {
    const idev = inDevGet(dev);
    if (idev !== null && !inDevAndConf(idev, IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE)) {
      if (inDevOrConf(idev, IPV4_DEVCONF_LOG_MARTIANS)) {
        net.kernel.printk(`IPv4: source route option ${readIpv4(h, nh + 12)} -> ${readIpv4(h, nh + 16)}`);
      }
      ipv4Net(net).vnetMib[VNET_MIB_IN_SRR]!++;
      dropSkb(skb, "NOT_SPECIFIED");
      return true;
    }
  }
  return false;
}

const IPOPT_END = 0;
const IPOPT_NOOP = 1;
const IPOPT_RR = 7;
const IPOPT_LSRR = 131;
const IPOPT_SSRR = 137;
const IPOPT_TIMESTAMP = 68;
const IPOPT_RA = 148;

const optResult = { error: -1, srr: false, rr: false, ts: false };

/**
 * ip_options_compile() checks for a received packet: structure, RR/SRR/TS pointers, duplicates.
 * `error` is the byte offset in the header a parameter problem points at, or -1.
 */
export function ipOptionsCompile(h: Uint8Array, nh: number, ihl: number): { error: number; srr: boolean } {
  const r = optResult;
  r.error = -1;
  r.srr = false;
  r.rr = false;
  r.ts = false;
  let p = nh + 20;
  let l = ihl - 20;
  while (l > 0) {
    const type = h[p]!;
    if (type === IPOPT_END) break;
    if (type === IPOPT_NOOP) {
      l--;
      p++;
      continue;
    }
    if (l < 2) return fail(r, p - nh);
    const optlen = h[p + 1]!;
    if (optlen < 2 || optlen > l) return fail(r, p - nh);
    switch (type) {
      case IPOPT_SSRR:
      case IPOPT_LSRR:
        if (optlen < 3) return fail(r, p + 1 - nh);
        if (h[p + 2]! < 4) return fail(r, p + 2 - nh);
        if (r.srr) return fail(r, p - nh);
        r.srr = true;
        break;
      case IPOPT_RR:
        if (r.rr) return fail(r, p - nh);
        if (optlen < 3) return fail(r, p + 1 - nh);
        if (h[p + 2]! < 4) return fail(r, p + 2 - nh);
        if (h[p + 2]! <= optlen && h[p + 2]! + 3 > optlen) return fail(r, p + 2 - nh);
        r.rr = true;
        break;
      case IPOPT_TIMESTAMP: {
        if (r.ts) return fail(r, p - nh);
        if (optlen < 4) return fail(r, p + 1 - nh);
        const ptr = h[p + 2]!;
        if (ptr < 5) return fail(r, p + 2 - nh);
        if (ptr <= optlen) {
          if (ptr + 3 > optlen) return fail(r, p + 2 - nh);
          const fl = h[p + 3]! & 0xf;
          if ((fl === 1 || fl === 3) && ptr + 7 > optlen) return fail(r, p + 2 - nh);
        } else if ((h[p + 3]! & 0xf0) === 0xf0) {
          return fail(r, p + 3 - nh);
        }
        r.ts = true;
        break;
      }
      case IPOPT_RA:
        if (optlen < 4) return fail(r, p + 1 - nh);
        break;
      default:
        break;
    }
    l -= optlen;
    p += optlen;
  }
  return r;
}

function fail(r: typeof optResult, at: number): typeof optResult {
  r.error = at;
  return r;
}

/**
 * ip_local_deliver(): reassembles fragments, then ip_local_deliver_finish: raw sockets get a
 * copy, the protocol handler the packet (InDelivers); nobody at all means InUnknownProtos and a
 * protocol unreachable.
 */
export function ipLocalDeliver(skb: SkBuff): void {
  localDeliver(skb, ipv4Net((skb.dst as Rtable).net));
}

/** ip_local_deliver() with the namespace's IPv4 state at hand (that of skb.dst). */
function localDeliver(skb: SkBuff, ns: NetnsIpv4): void {
  const h = skb.head;
  const nh = skb.networkHeader;
  if (((h[nh + 6]! << 8) | h[nh + 7]!) & (IP_MF | IP_OFFSET)) {
    localDeliverFragment(skb, ns);
    return;
  }
  localDeliverFinish(skb, ns);
}

/** A fragment: reassembled first, delivered when it completes the datagram. */
function localDeliverFragment(skb: SkBuff, ns: NetnsIpv4): void {
  const whole = ipDefrag(ns.net, skb);
  if (whole !== null) localDeliverFinish(whole, ns);
}

/** ip_local_deliver_finish(): raw sockets see it, then the protocol handler. */
function localDeliverFinish(skb: SkBuff, ns: NetnsIpv4): void {
  const protocol = skb.head[skb.networkHeader + 9]!;
  skb.data = skb.transportHeader;
  const raw = inetSocketHooks.rawDeliver !== null && inetSocketHooks.rawDeliver(skb, protocol);
  const prot = inetProtos[protocol];
  if (prot !== null && prot !== undefined) {
    ns.ipMib[IPSTATS_MIB_INDELIVERS]!++;
    prot.handler(skb);
    return;
  }
  localDeliverNoProto(skb, ns, raw);
}

/** No handler for the protocol: a raw socket took it, or it is an unknown protocol. */
function localDeliverNoProto(skb: SkBuff, ns: NetnsIpv4, raw: boolean): void {
  if (!raw) {
    ns.ipMib[IPSTATS_MIB_INUNKNOWNPROTOS]!++;
    icmpSend(skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
    dropSkb(skb, "IP_NOPROTO");
  } else {
    ns.ipMib[IPSTATS_MIB_INDELIVERS]!++;
    consumeSkb(skb);
  }
}

/** An input error that happens before counters can tell it apart (no buffers). */
export function ipInDiscard(skb: SkBuff, dev: NetDevice): void {
  ipv4Net(dev.net).ipMib[IPSTATS_MIB_INDISCARDS]!++;
  dropSkb(skb, "NOMEM");
}

