// Route resolution for packets (net/ipv4/route.c): ip_route_input_slow with its martian checks
// and fib_validate_source (rp_filter), ip_route_output_key_hash with source selection, and the
// dst entries (struct rtable) cached on FIB next hops so steady traffic allocates none.
import type { Net } from "../kernel/net.js";
import { EHOSTUNREACH, EINVAL, ENETUNREACH, ENODEV } from "../kernel/errno.js";
import { EXDEV } from "../kernel/errno.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import type { DstEntry, SkBuff } from "../netdevice/skbuff.js";
import { IFF_LOOPBACK, IFF_UP } from "../netdevice/constants.js";
import {
  FIB_KEY, FibResult, Flowi4, fibLookup, fibResultPrefsrc, FIB_LOOKUP_IGNORE_LINKSTATE, LOOPBACK_IFINDEX, RT_SCOPE_HOST,
  RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_UNICAST, RTN_UNREACHABLE, type Fib, type FibInfo,
  type FibNh,
} from "../route/fib.js";
import {
  inDevForward, inDevGet, inDevOrConf, inDevAndConf, IPV4_DEVCONF_RP_FILTER, inetLookupIfaddr, inetSelectAddr, ipDevFind,
  IPV4_DEVCONF_ACCEPT_LOCAL, IPV4_DEVCONF_BC_FORWARDING, IPV4_DEVCONF_LOG_MARTIANS, IPV4_DEVCONF_ROUTE_LOCALNET,
  IPV4_DEVCONF_SEND_REDIRECTS, IPV4_DEVCONF_SHARED_MEDIA, inetIfaMatch, type InDevice,
} from "./devinet.js";
import {
  ipv4Net, type NetnsIpv4, LINUX_MIB_IPRPFILTER, RT_STAT_IN_BRD, RT_STAT_IN_MARTIAN_DST, RT_STAT_IN_MARTIAN_SRC, RT_STAT_IN_NO_ROUTE,
  RT_STAT_IN_SLOW_MC, RT_STAT_IN_SLOW_TOT, RT_STAT_OUT_SLOW_MC, RT_STAT_OUT_SLOW_TOT, VNET_MIB_IN_MCAST_NOT_JOINED,
  VNET_MIB_IN_NO_INDEV,
} from "./netns.js";
import { ipv4IsLbcast, ipv4IsLocalMulticast, ipv4IsLoopback, ipv4IsMulticast, ipv4IsZeronet, ipv4ToString } from "../wire/addr.js";
import type { Neighbour } from "../neigh/neighbour.js";

/** rt_flags (RTCF_*). RTCF_LOCAL is bit 31, kept as a negative int32 so masks compare equal. */
export const RTCF_NOTIFY = 0x00010000;
export const RTCF_REDIRECTED = 0x00040000;
export const RTCF_DOREDIRECT = 0x01000000;
export const RTCF_DIRECTSRC = 0x04000000;
export const RTCF_BROADCAST = 0x10000000;
export const RTCF_MULTICAST = 0x20000000;
export const RTCF_REJECT = 0x40000000;
export const RTCF_LOCAL: number = 0x80000000 | 0;

/** What a dst does with an input packet (dst.input). */
export const DST_INPUT_NONE = 0;
export const DST_INPUT_LOCAL = 1;
export const DST_INPUT_FORWARD = 2;
export const DST_INPUT_ERROR = 3;

/** A route for packets (struct rtable with its dst_entry). */
export class Rtable implements DstEntry {
  dev: NetDevice;
  /** rt_type: RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_MULTICAST, RTN_UNREACHABLE. */
  type: number;
  /** rt_flags (RTCF_*). */
  flags: number;
  input: number = DST_INPUT_NONE;
  /** dst.error: a positive errno for ip_error. */
  error = 0;
  /** rt_gw4: the gateway when rt_uses_gateway. */
  gw4 = 0;
  usesGateway = false;
  /** The route's MTU metric (0: the device's). */
  mtu = 0;
  mtuLocked = false;
  /** rt_genid at creation: older than the namespace's means stale. */
  genid: number;
  /** rt_iif. */
  iif = 0;
  isInput = false;
  /** The fib_info or cache slot it came from is gone. */
  dead = false;
  /** Kept on a FIB next hop (nh_rth_input / nh_pcpu_rth_output), shared by every flow through it. */
  nhCached = false;
  /** One-entry neighbour cache for the output path. */
  neigh: Neighbour | null = null;
  readonly net: Net;
  /** The namespace's FIB, whose genid says whether this dst is current. */
  readonly fib: Fib;

  constructor(net: Net, dev: NetDevice, type: number, flags: number) {
    this.net = net;
    this.dev = dev;
    this.type = type;
    this.flags = flags;
    this.fib = net.gen(FIB_KEY);
    this.genid = this.fib.genid;
  }
}

/** rt_cache_valid(). */
export function rtCacheValid(rt: Rtable | null): rt is Rtable {
  return rt !== null && !rt.dead && rt.genid === rt.fib.genid;
}

/** The route an skb carries, if it is an IPv4 one (skb_rtable). */
export function skbRtable(skb: SkBuff): Rtable | null {
  const d = skb.dst;
  return d instanceof Rtable ? d : null;
}

/** ipv4_mtu(): the route's MTU metric, else the device's. */
export function dstMtu(rt: Rtable): number {
  if (rt.mtu !== 0) return rt.mtu;
  let mtu = rt.dev.mtu;
  if (rt.mtuLocked && rt.usesGateway && mtu > 576) mtu = 576;
  return mtu > 0xffff ? 0xffff : mtu;
}

function rtSetNexthop(rt: Rtable, fi: FibInfo | null): void {
  if (fi === null) return;
  const nh = fi.nh;
  if (nh.gw !== 0 && nh.scope === RT_SCOPE_LINK) {
    rt.gw4 = nh.gw;
    rt.usesGateway = true;
  }
  rt.mtu = fi.mtu;
  rt.mtuLocked = fi.mtuLock;
}

// ---------------------------------------------------------------------------------------------
// Input

const inFl = new Flowi4();
const inRes = new FibResult();
const vsFl = new Flowi4();
const vsRes = new FibResult();

/** Set while ARP asks whether to answer: no statistics are counted for its lookups. */
let quiet = false;

/** Bumps a route statistic unless the lookup is ARP's. */
function rtStat(net: Net, i: number): void {
  if (!quiet) ipv4Net(net).rtStat[i]!++;
}

/**
 * fib_validate_source(): reverse-path check of `src` arriving on `dev`. 0 or 1 (source is
 * directly connected) when fine; -EXDEV when rp_filter rejects it; -EINVAL for a local or
 * otherwise invalid source.
 */
export function fibValidateSource(net: Net, src: number, dst: number, tos: number, oif: number, dev: NetDevice, idev: InDevice): number {
  // IN_DEV_RPFILTER, IN_DEV_TX_REDIRECTS and IN_DEV_ACCEPT_LOCAL, reading conf/all once.
  const all = ipv4Net(net).devconfAll;
  const cnf = idev.cnf;
  const r = Math.max(all[IPV4_DEVCONF_RP_FILTER]!, cnf[IPV4_DEVCONF_RP_FILTER]!);
  if (r === 0 && (dev.ifindex !== oif || !(all[IPV4_DEVCONF_SEND_REDIRECTS]! && cnf[IPV4_DEVCONF_SEND_REDIRECTS]!))) {
    if (all[IPV4_DEVCONF_ACCEPT_LOCAL]! || cnf[IPV4_DEVCONF_ACCEPT_LOCAL]!) return 0;
    if (net.gen(FIB_KEY).hasCustomLocalRoutes) return fullValidateSource(net, src, dst, tos, oif, dev, r, idev);
    if (inetLookupIfaddr(net, src) !== null) return -EINVAL;
    return 0;
  }
  return fullValidateSource(net, src, dst, tos, oif, dev, r, idev);
}

function fullValidateSource(net: Net, src: number, dst: number, tos: number, oif: number, dev: NetDevice, rpf: number, idev: InDevice): number {
  const fl = vsFl.reset();
  fl.iif = oif !== 0 ? oif : LOOPBACK_IFINDEX;
  fl.daddr = src;
  fl.saddr = dst;
  fl.tos = tos;
  fl.scope = RT_SCOPE_UNIVERSE;
  const res = vsRes.reset();
  const noAddr = idev.ifaList.length === 0;
  try {
    if (fibLookup(net, fl, res, 0) !== 0) return rpf ? -EXDEV : 0;
    if (res.type !== RTN_UNICAST && (res.type !== RTN_LOCAL || !inDevOrConf(idev, IPV4_DEVCONF_ACCEPT_LOCAL))) return -EINVAL;
    const nh = res.fi!.nh;
    const devMatch = nh.dev === dev || (res.type === RTN_LOCAL && dev === net.loopback);
    if (devMatch) return nh.scope >= RT_SCOPE_HOST ? 1 : 0;
    if (noAddr) return rpf ? -EXDEV : 0;
    if (rpf === 1) return -EXDEV;
    fl.oif = dev.ifindex;
    let ret = 0;
    if (fibLookup(net, fl, res.reset(), FIB_LOOKUP_IGNORE_LINKSTATE) === 0 && res.type === RTN_UNICAST) {
      ret = res.fi!.nh.scope >= RT_SCOPE_HOST ? 1 : 0;
    }
    return ret;
  } finally {
    res.reset();
  }
}

function logMartian(idev: InDevice, what: "source" | "destination", daddr: number, saddr: number): void {
  if (!inDevOrConf(idev, IPV4_DEVCONF_LOG_MARTIANS) || quiet) return;
  const k = idev.dev.net.kernel;
  if (what === "source") k.printk(`IPv4: martian source ${ipv4ToString(daddr)} from ${ipv4ToString(saddr)}, on dev ${idev.dev.name}`);
  else k.printk(`IPv4: martian destination ${ipv4ToString(daddr)} from ${ipv4ToString(saddr)}, dev ${idev.dev.name}`);
}

function martianSource(net: Net, idev: InDevice, daddr: number, saddr: number, err: number): number {
  rtStat(net, RT_STAT_IN_MARTIAN_SRC);
  logMartian(idev, "source", daddr, saddr);
  if (err === -EXDEV && !quiet) ipv4Net(net).linuxMib[LINUX_MIB_IPRPFILTER]!++;
  return err;
}

function martianDestination(net: Net, idev: InDevice, daddr: number, saddr: number): number {
  rtStat(net, RT_STAT_IN_MARTIAN_DST);
  logMartian(idev, "destination", daddr, saddr);
  return -EINVAL;
}

/** A dst for local delivery (or an error), cached on the next hop when possible. */
function localInput(net: Net, skb: SkBuff, dev: NetDevice, idev: InDevice, res: FibResult, flags: number, err: number, doCache: boolean): number {
  const nh: FibNh | null = res.fi === null ? null : res.fi.nh;
  if (doCache && nh !== null) {
    const cached = nh.rthInput;
    if (rtCacheValid(cached)) {
      skb.dst = cached;
      return 0;
    }
  }
  return localInputNew(net, skb, dev, res, nh, flags, err, doCache);
}

/** No valid cached dst: a new one, cached on the next hop when it may be. */
function localInputNew(net: Net, skb: SkBuff, dev: NetDevice, res: FibResult, nh: FibNh | null, flags: number, err: number, doCache: boolean): number {
  const rtDev = nh !== null && nh.dev !== null ? nh.dev : net.loopback;
  const rt = new Rtable(net, rtDev, res.type, flags | RTCF_LOCAL);
  rt.isInput = true;
  rt.iif = dev.ifindex;
  rt.input = DST_INPUT_LOCAL;
  if (res.type === RTN_UNREACHABLE) {
    rt.input = DST_INPUT_ERROR;
    rt.error = -err;
    rt.flags &= ~RTCF_LOCAL;
  }
  if (doCache && nh !== null) {
    if (nh.rthInput !== null) nh.rthInput.dead = true;
    nh.rthInput = rt;
    rt.nhCached = true;
  }
  rtStat(net, RT_STAT_IN_SLOW_TOT);
  skb.dst = rt;
  return 0;
}

/** ip_mkroute_input / __mkroute_input: a forwarding dst through the result's next hop. */
function mkrouteInput(net: Net, skb: SkBuff, res: FibResult, idev: InDevice, daddr: number, saddr: number, tos: number): number {
  const fi = res.fi!;
  const nh = fi.nh;
  const outDev = nh.dev;
  const outIdev = outDev === null ? null : inDevGet(outDev);
  if (outDev === null || outIdev === null) {
    if (!quiet) ipv4Net(net).vnetMib[VNET_MIB_IN_NO_INDEV]!++;
    return -EINVAL;
  }
  const err = fibValidateSource(net, saddr, daddr, tos, nh.oif, idev.dev, idev);
  if (err < 0) return martianSource(net, idev, daddr, saddr, err);
  if (skb.protocol !== 0x0800 && outDev === idev.dev) return -EINVAL;
  const cached = nh.rthInput;
  if (rtCacheValid(cached)) {
    skb.dst = cached;
    return 0;
  }
  const rt = new Rtable(net, outDev, res.type, 0);
  rt.isInput = true;
  rt.iif = idev.dev.ifindex;
  rt.input = DST_INPUT_FORWARD;
  rtSetNexthop(rt, fi);
  if (nh.rthInput !== null) nh.rthInput.dead = true;
  nh.rthInput = rt;
  rt.nhCached = true;
  rtStat(net, RT_STAT_IN_SLOW_TOT);
  skb.dst = rt;
  return 0;
}

/** Does `saddr` sit on a subnet of the device, so a redirect to `gw` would help? (inet_addr_onlink) */
export function inetAddrOnlink(idev: InDevice, a: number, b: number): boolean {
  for (const ifa of idev.ifaList) {
    if (inetIfaMatch(a, ifa) && (b === 0 || inetIfaMatch(b, ifa))) return true;
  }
  return false;
}

/**
 * ip_route_input_noref(): routes a received packet. Sets skb.dst and returns 0 (a dst whose
 * input is ip_error included); a negative errno for martians (-EINVAL), rp_filter (-EXDEV) and
 * multicast not for us.
 */
export function ipRouteInput(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice): number {
  const net = dev.net;
  const idev = inDevGet(dev);
  if (idev === null) {
    if (!quiet) ipv4Net(net).vnetMib[VNET_MIB_IN_NO_INDEV]!++;
    return -EINVAL;
  }
  if (ipv4IsMulticast(daddr)) return routeInputMc(net, skb, daddr, saddr, tos, dev, idev);
  return routeInputSlow(net, skb, daddr, saddr, tos, dev, idev);
}

/**
 * The input dsts an in_device keeps: one per device for limited broadcasts and for multicast,
 * and the route of the last unicast flow ip_rcv_finish routed here (ipRouteInputCached).
 */
export class InputRoutes {
  brd: Rtable | null = null;
  mc: Rtable | null = null;
  /** The last flow's dst, and the header fields and mark it was routed with (int32). */
  last: Rtable | null = null;
  lastDaddr = 0;
  lastSaddr = 0;
  lastTos = 0;
  lastMark = 0;
}

function inputRoutes(idev: InDevice): InputRoutes {
  return idev.routes ?? (idev.routes = new InputRoutes());
}

/**
 * ipRouteInput for ip_rcv_finish, behind a one-entry cache on the input device, as the routing
 * cache of Linux up to 3.5 and the list-receive route hint (ip_route_use_hint) do: a packet of
 * the same flow as the last one (daddr, saddr, tos, mark) reuses its dst while that dst is
 * current. Every change route input depends on (routes, rules, addresses, conf entries, device
 * state) flushes the FIB generation (rt_cache_flush), which rt_cache_valid() checks. Only dsts
 * shared through a FIB next hop are kept (local delivery and unicast forwarding): routing such
 * a packet again would have found the same dst and touched no counter.
 */
export function ipRouteInputCached(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice): number {
  const routes = (dev.ipPtr as InDevice | null)?.routes;
  if (routes != null) {
    const last = routes.last;
    if (
      last !== null && routes.lastDaddr === (daddr | 0) && routes.lastSaddr === (saddr | 0) && routes.lastTos === tos &&
      routes.lastMark === skb.mark && rtCacheValid(last)
    ) {
      skb.dst = last;
      return 0;
    }
  }
  const err = ipRouteInput(skb, daddr, saddr, tos, dev);
  if (err === 0) rememberInput(skb, daddr, saddr, tos, dev);
  return err;
}

function rememberInput(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice): void {
  const rt = skb.dst as Rtable;
  const idev = inDevGet(dev);
  if (idev === null || !rt.nhCached || (rt.type !== RTN_LOCAL && rt.type !== RTN_UNICAST)) return;
  const routes = inputRoutes(idev);
  routes.last = rt;
  routes.lastDaddr = daddr | 0;
  routes.lastSaddr = saddr | 0;
  routes.lastTos = tos;
  routes.lastMark = skb.mark;
}

function routeInputMc(net: Net, skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, idev: InDevice): number {
  const our = idev.mcList.includes(daddr);
  if (!our) {
    if (!quiet) ipv4Net(net).vnetMib[VNET_MIB_IN_MCAST_NOT_JOINED]!++;
    return -EINVAL;
  }
  // ip_mc_validate_source
  let bad = ipv4IsMulticast(saddr) || ipv4IsLbcast(saddr) || skb.protocol !== 0x0800;
  if (!bad && ipv4IsLoopback(saddr) && !inDevOrConf(idev, IPV4_DEVCONF_ROUTE_LOCALNET)) bad = true;
  if (!bad) {
    if (ipv4IsZeronet(saddr)) bad = !ipv4IsLocalMulticast(daddr);
    else if (fibValidateSource(net, saddr, 0, tos, 0, dev, idev) < 0) bad = true;
  }
  if (bad) {
    if (!quiet) ipv4Net(net).vnetMib[VNET_MIB_IN_MCAST_NOT_JOINED]!++;
    return -EINVAL;
  }
  const routes = inputRoutes(idev);
  let mrt = routes.mc;
  if (!rtCacheValid(mrt)) {
    mrt = new Rtable(net, net.loopback, RTN_MULTICAST, RTCF_MULTICAST | RTCF_LOCAL);
    mrt.isInput = true;
    mrt.iif = dev.ifindex;
    mrt.input = DST_INPUT_LOCAL;
    routes.mc = mrt;
  }
  rtStat(net, RT_STAT_IN_SLOW_MC);
  skb.dst = mrt;
  return 0;
}

function routeInputSlow(net: Net, skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, idev: InDevice): number {
  // Addresses in 0/8, 127/8 or 224/3 on either side, or a zero source, take the long way.
  const fa = daddr >>> 24;
  const sa = saddr >>> 24;
  if (fa === 0 || fa === 127 || fa >= 224 || sa === 0 || sa === 127 || sa >= 224) return routeInputSpecial(net, skb, daddr, saddr, tos, dev, idev);
  return routeInputLookup(net, skb, daddr, saddr, tos, dev, idev);
}

/** The martian and broadcast screening of ip_route_input_slow, for unusual addresses. */
function routeInputSpecial(net: Net, skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, idev: InDevice): number {
  if (ipv4IsMulticast(saddr) || ipv4IsLbcast(saddr)) return martianSource(net, idev, daddr, saddr, -EINVAL);
  if (ipv4IsLbcast(daddr) || (saddr === 0 && daddr === 0)) return brdInput(net, skb, daddr, saddr, tos, dev, idev, null);
  if (ipv4IsZeronet(saddr)) return martianSource(net, idev, daddr, saddr, -EINVAL);
  if (ipv4IsZeronet(daddr)) return martianDestination(net, idev, daddr, saddr);
  if (ipv4IsLoopback(daddr)) {
    if (!inDevOrConf(idev, IPV4_DEVCONF_ROUTE_LOCALNET)) return martianDestination(net, idev, daddr, saddr);
  } else if (ipv4IsLoopback(saddr)) {
    if (!inDevOrConf(idev, IPV4_DEVCONF_ROUTE_LOCALNET)) return martianSource(net, idev, daddr, saddr, -EINVAL);
  }
  return routeInputLookup(net, skb, daddr, saddr, tos, dev, idev);
}

/** ip_route_input_slow() past the screening: the FIB decides. */
function routeInputLookup(net: Net, skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, idev: InDevice): number {
  const fl = inFl;
  fl.daddr = daddr;
  fl.saddr = saddr;
  fl.oif = 0;
  fl.iif = dev.ifindex;
  fl.tos = tos & 0xfc;
  fl.scope = RT_SCOPE_UNIVERSE;
  fl.mark = skb.mark;
  fl.flags = 0;
  const res = inRes;
  const ret = routeInputRes(net, skb, daddr, saddr, tos, dev, idev, fl, res);
  // Drop what the scratch result points to, so a deleted route can be collected.
  res.fi = null;
  res.table = null;
  res.alias = null;
  return ret;
}

/** The FIB half of ip_route_input_slow(): the lookup and what its result makes of the packet. */
function routeInputRes(net: Net, skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, idev: InDevice, fl: Flowi4, res: FibResult): number {
  const err = fibLookup(net, fl, res, 0);
  if (err === 0 && res.type === RTN_LOCAL) {
    const v = fibValidateSource(net, saddr, daddr, tos, 0, dev, idev);
    if (v < 0) return martianSource(net, idev, daddr, saddr, v);
    return localInput(net, skb, dev, idev, res, 0, 0, true);
  }
  return routeInputNotLocal(net, skb, daddr, saddr, tos, dev, idev, res, err);
}

/** No route, a broadcast, or a packet to forward. */
function routeInputNotLocal(net: Net, skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, idev: InDevice, res: FibResult, err: number): number {
  if (err !== 0) return noRoute(net, skb, dev, idev, res, inDevForward(idev) ? err : -EHOSTUNREACH);
  if (res.type === RTN_BROADCAST) {
    if (inDevAndConf(idev, IPV4_DEVCONF_BC_FORWARDING)) return mkrouteInput(net, skb, res, idev, daddr, saddr, tos);
    return brdInput(net, skb, daddr, saddr, tos, dev, idev, res);
  }
  if (!inDevForward(idev)) return noRoute(net, skb, dev, idev, res, -EHOSTUNREACH);
  if (res.type !== RTN_UNICAST) return martianDestination(net, idev, daddr, saddr);
  return mkrouteInput(net, skb, res, idev, daddr, saddr, tos);
}

function brdInput(net: Net, skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice, idev: InDevice, res: FibResult | null): number {
  if (skb.protocol !== 0x0800) return -EINVAL;
  if (!ipv4IsZeronet(saddr)) {
    const v = fibValidateSource(net, saddr, 0, tos, 0, dev, idev);
    if (v < 0) return martianSource(net, idev, daddr, saddr, v);
  }
  rtStat(net, RT_STAT_IN_BRD);
  if (res !== null && res.fi !== null) {
    res.type = RTN_BROADCAST;
    return localInput(net, skb, dev, idev, res, RTCF_BROADCAST, 0, !ipv4Net(net).devconfAll[IPV4_DEVCONF_BC_FORWARDING]);
  }
  // Limited broadcast: no FIB entry; one dst per device.
  const routes = inputRoutes(idev);
  let rt = routes.brd;
  if (!rtCacheValid(rt)) {
    rt = new Rtable(net, net.loopback, RTN_BROADCAST, RTCF_BROADCAST | RTCF_LOCAL);
    rt.isInput = true;
    rt.iif = dev.ifindex;
    rt.input = DST_INPUT_LOCAL;
    routes.brd = rt;
    rtStat(net, RT_STAT_IN_SLOW_TOT);
  }
  skb.dst = rt;
  return 0;
}

/** no_route: an ip_error dst remembering why (cached per device and errno). */
function noRoute(net: Net, skb: SkBuff, dev: NetDevice, idev: InDevice, res: FibResult, err: number): number {
  rtStat(net, RT_STAT_IN_NO_ROUTE);
  const cache = errorDsts(idev);
  let rt = cache.get(err) ?? null;
  if (!rtCacheValid(rt)) {
    res.type = RTN_UNREACHABLE;
    res.fi = null;
    rt = new Rtable(net, net.loopback, RTN_UNREACHABLE, 0);
    rt.isInput = true;
    rt.iif = dev.ifindex;
    rt.input = DST_INPUT_ERROR;
    rt.error = -err;
    cache.set(err, rt);
    rtStat(net, RT_STAT_IN_SLOW_TOT);
  }
  skb.dst = rt;
  return 0;
}

const errDstCache = new WeakMap<InDevice, Map<number, Rtable>>();
function errorDsts(idev: InDevice): Map<number, Rtable> {
  let m = errDstCache.get(idev);
  if (m === undefined) {
    m = new Map();
    errDstCache.set(idev, m);
  }
  return m;
}

/** ipRouteInput without touching the statistics (re-routing a queued fragment at expiry). */
export function ipRouteInputQuiet(skb: SkBuff, daddr: number, saddr: number, tos: number, dev: NetDevice): number {
  quiet = true;
  try {
    return ipRouteInput(skb, daddr, saddr, tos, dev);
  } finally {
    quiet = false;
  }
}

/**
 * The route ARP would get for (tip, sip) on `dev`: its rt_type, or -1 when the lookup fails.
 * Like ip_route_input_noref on the ARP skb, without touching the statistics.
 */
export function arpRouteType(skb: SkBuff, tip: number, sip: number, dev: NetDevice): number {
  const saved = skb.dst;
  quiet = true;
  try {
    const err = ipRouteInput(skb, tip, sip, 0, dev);
    if (err !== 0) return -1;
    const rt = skbRtable(skb);
    if (rt === null) return -1;
    if (rt.input === DST_INPUT_ERROR) return -1;
    return rt.type;
  } finally {
    quiet = false;
    skb.dst = saved;
  }
}

// ---------------------------------------------------------------------------------------------
// Output

const outRes = new FibResult();

/**
 * The output route of the last flow a namespace routed without rules, keyed by what routing
 * reads of the flow then, with what it filled in (the source address and the output device).
 */
export class OutputRoute {
  rt: Rtable | null = null;
  daddr = 0;
  saddr = 0;
  oif = 0;
  tos = 0;
  scope = 0;
  proto = 0;
  outSaddr = 0;
  outOif = 0;
}

/**
 * ip_route_output_key_hash_rcu(): routes a locally generated flow, filling fl.saddr when it is 0
 * and fl.oif. Returns the dst, or a negative errno (-ENETUNREACH, -EINVAL, -ENODEV,
 * -EHOSTUNREACH, -EACCES for prohibit). `res`, when given, receives the FIB result.
 *
 * Without `res`, the flow the namespace routed last is answered again while its dst is current
 * (the input side's ipRouteInputCached explains the generation that decides it): only dsts
 * shared through a FIB next hop, resolved without rules and without ip_nonlocal_bind, so that
 * routing again would give the same dst and source and touch no counter.
 */
export function ipRouteOutputFlow(net: Net, fl: Flowi4, res: FibResult | null = null): Rtable | number {
  if (res !== null) {
    res.reset();
    return routeOutput(net, fl, res);
  }
  const ns = ipv4Net(net);
  const last = ns.lastOutput;
  if (last !== null) {
    const rt = last.rt;
    if (
      rt !== null && last.daddr === (fl.daddr | 0) && last.saddr === (fl.saddr | 0) && last.oif === fl.oif && last.tos === fl.tos &&
      last.scope === fl.scope && last.proto === fl.proto && rtCacheValid(rt)
    ) {
      fl.saddr = last.outSaddr;
      fl.oif = last.outOif;
      return rt;
    }
  }
  return routeOutputRemember(net, ns, fl);
}

function routeOutputRemember(net: Net, ns: NetnsIpv4, fl: Flowi4): Rtable | number {
  const daddr = fl.daddr | 0;
  const saddr = fl.saddr | 0;
  const oif = fl.oif;
  const r = outRes.reset();
  r.wantPrefix = false;
  const ret = routeOutput(net, fl, r);
  // The scratch result lets go of what it pointed to.
  r.reset();
  if (typeof ret === "number" || !ret.nhCached || (ret.type !== RTN_UNICAST && ret.type !== RTN_LOCAL)) return ret;
  if (ret.fib.rules !== null || ns.ipNonlocalBind !== 0 || (fl.daddr | 0) !== daddr) return ret;
  const last = ns.lastOutput ?? (ns.lastOutput = new OutputRoute());
  last.rt = ret;
  last.daddr = daddr;
  last.saddr = saddr;
  last.oif = oif;
  last.tos = fl.tos;
  last.scope = fl.scope;
  last.proto = fl.proto;
  last.outSaddr = fl.saddr;
  last.outOif = fl.oif;
  return ret;
}

function routeOutput(net: Net, fl: Flowi4, res: FibResult): Rtable | number {
  let devOut: NetDevice | null = null;
  let origOif = fl.oif;
  let flags = 0;
  if (fl.saddr !== 0) {
    if (ipv4IsMulticast(fl.saddr) || ipv4IsLbcast(fl.saddr) || ipv4IsZeronet(fl.saddr)) return -EINVAL;
    if (fl.oif === 0 && (ipv4IsMulticast(fl.daddr) || ipv4IsLbcast(fl.daddr))) {
      devOut = ipDevFind(net, fl.saddr);
      if (devOut === null) return -ENETUNREACH;
      fl.oif = devOut.ifindex;
      return mkrouteOutput(net, res, fl, origOif, devOut, flags);
    }
    if (ipDevFind(net, fl.saddr) === null && !ipv4Net(net).ipNonlocalBind) return -ENETUNREACH;
  }
  if (fl.oif !== 0) {
    devOut = net.devicesByIndex.get(fl.oif) ?? null;
    if (devOut === null) return -ENODEV;
    if (!(devOut.flags & IFF_UP) || inDevGet(devOut) === null) return -ENETUNREACH;
    if (ipv4IsLocalMulticast(fl.daddr) || ipv4IsLbcast(fl.daddr) || fl.proto === 2) {
      if (fl.saddr === 0) fl.saddr = inetSelectAddr(devOut, 0, RT_SCOPE_LINK);
      return mkrouteOutput(net, res, fl, origOif, devOut, flags);
    }
    if (fl.saddr === 0) {
      if (ipv4IsMulticast(fl.daddr)) fl.saddr = inetSelectAddr(devOut, 0, fl.scope);
      else if (fl.daddr === 0) fl.saddr = inetSelectAddr(devOut, 0, RT_SCOPE_HOST);
    }
  }
  if (fl.daddr === 0) {
    fl.daddr = fl.saddr;
    if (fl.daddr === 0) fl.daddr = fl.saddr = 0x7f000001;
    devOut = net.loopback;
    fl.oif = LOOPBACK_IFINDEX;
    res.type = RTN_LOCAL;
    flags |= RTCF_LOCAL;
    return mkrouteOutput(net, res, fl, origOif, devOut, flags);
  }
  // The prefix length matters only for multicast (a default route does not gateway them).
  if (ipv4IsMulticast(fl.daddr)) res.wantPrefix = true;
  const err = fibLookup(net, fl, res, 0);
  if (err !== 0) {
    res.fi = null;
    res.table = null;
    if (fl.oif !== 0 && devOut !== null) {
      // Routing tables are wrong; assume the destination is on link (as Linux does).
      if (fl.saddr === 0) fl.saddr = inetSelectAddr(devOut, 0, RT_SCOPE_LINK);
      res.type = RTN_UNICAST;
      return mkrouteOutput(net, res, fl, origOif, devOut, flags);
    }
    return err;
  }
  if (res.type === RTN_LOCAL) {
    if (fl.saddr === 0) fl.saddr = res.fi!.prefsrc !== 0 ? res.fi!.prefsrc : fl.daddr;
    devOut = net.loopback;
    origOif = res.fi!.nh.oif;
    fl.oif = devOut.ifindex;
    flags |= RTCF_LOCAL;
    return mkrouteOutput(net, res, fl, origOif, devOut, flags);
  }
  if (fl.saddr === 0) fl.saddr = fibResultPrefsrc(net, res);
  devOut = res.fi!.nh.dev;
  if (devOut === null) return -EINVAL;
  if (fl.oif === 0) fl.oif = devOut.ifindex;
  return mkrouteOutput(net, res, fl, origOif, devOut, flags);
}

/** __mkroute_output(). */
function mkrouteOutput(net: Net, res: FibResult, fl: Flowi4, origOif: number, devOut: NetDevice, flags: number): Rtable | number {
  let fi = res.fi;
  let type = res.type;
  const idev = inDevGet(devOut);
  if (idev === null) return -EINVAL;
  if (!inDevOrConf(idev, IPV4_DEVCONF_ROUTE_LOCALNET) && ipv4IsLoopback(fl.saddr) && !(devOut.flags & IFF_LOOPBACK)) return -EINVAL;
  if (ipv4IsLbcast(fl.daddr)) type = RTN_BROADCAST;
  else if (ipv4IsMulticast(fl.daddr)) type = RTN_MULTICAST;
  else if (ipv4IsZeronet(fl.daddr)) return -EINVAL;
  if (devOut.flags & IFF_LOOPBACK) flags |= RTCF_LOCAL;
  let doCache = true;
  if (type === RTN_BROADCAST) {
    flags |= RTCF_BROADCAST | RTCF_LOCAL;
    fi = null;
  } else if (type === RTN_MULTICAST) {
    flags |= RTCF_MULTICAST | RTCF_LOCAL;
    if (!idev.mcList.includes(fl.daddr)) flags &= ~RTCF_LOCAL;
    else doCache = false;
    if (fi !== null && res.prefixLen < 4) fi = null;
  } else if (type === RTN_LOCAL && origOif !== 0 && origOif !== devOut.ifindex) {
    doCache = false;
  }
  doCache = doCache && fi !== null;
  if (doCache) {
    const cached = fi!.nh.rthOutput;
    if (rtCacheValid(cached)) return cached;
  }
  return mkrouteOutputNew(net, fi, origOif, devOut, type, flags, doCache);
}

/** rt_dst_alloc() for an output route, cached on the next hop when it may be. */
function mkrouteOutputNew(net: Net, fi: FibInfo | null, origOif: number, devOut: NetDevice, type: number, flags: number, doCache: boolean): Rtable {
  const rt = new Rtable(net, devOut, type, flags);
  rt.iif = origOif;
  rtStat(net, RT_STAT_OUT_SLOW_TOT);
  if (flags & (RTCF_BROADCAST | RTCF_MULTICAST) && flags & RTCF_LOCAL && !(devOut.flags & IFF_LOOPBACK)) rtStat(net, RT_STAT_OUT_SLOW_MC);
  if (flags & RTCF_LOCAL) rt.input = DST_INPUT_LOCAL;
  rtSetNexthop(rt, fi);
  if (doCache) {
    const nh = fi!.nh;
    if (nh.rthOutput !== null) nh.rthOutput.dead = true;
    nh.rthOutput = rt;
    rt.nhCached = true;
  }
  return rt;
}

/** rt_nexthop(): where a packet to `daddr` goes next on this route. */
export function rtNexthop(rt: Rtable, daddr: number): number {
  return rt.usesGateway ? rt.gw4 : daddr;
}

/** Marks every dst stale (rt_cache_flush). */
export function rtCacheFlush(net: Net): void {
  net.gen(FIB_KEY).flushCache();
}

