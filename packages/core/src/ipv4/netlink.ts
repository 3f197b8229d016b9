// The rtnetlink operations `ip addr` and `ip route` sit on (inet_rtm_newaddr/deladdr/getaddr,
// inet_rtm_newroute/delroute/getroute), as functions taking (net, cred, args) and throwing
// KernelError with Linux's errno. Tool-side defaults (iproute2's `brd +`, default scopes and
// tables) are applied where iproute2 applies them, and documented on each argument.
import type { Net } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { capable, CAP_NET_ADMIN } from "../kernel/cred.js";
import { EADDRNOTAVAIL, EEXIST, EINVAL, ENOBUFS, ENODEV, EPERM, ESRCH, KernelError } from "../kernel/errno.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { allocSkb, kfreeSkb } from "../netdevice/skbuff.js";
import { ETH_P_IP } from "../wire/ethernet.js";
import { inetMakeMask, ipv4IsLoopback } from "../wire/addr.js";
import {
  FibResult, fibGet, fibLookup, Flowi4, LOOPBACK_IFINDEX, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RT_SCOPE_HOST,
  RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, RT_TABLE_MAIN, RTN_ANYCAST, RTN_BROADCAST,
  RTN_LOCAL, RTN_MULTICAST, RTN_NAT, RTN_UNICAST, RTN_UNSPEC, RTPROT_BOOT, type FibConfig, type FibRoute,
} from "../route/fib.js";
import {
  IFA_F_NOPREFIXROUTE, IFA_F_PERMANENT, IFA_F_SECONDARY, inDevGet, inetDelIfa, inetInsertIfa, inetIfaMatch, InIfaddr,
  ifaSetPrefix,
} from "./devinet.js";
import {
  DST_INPUT_ERROR, ipRouteInputQuiet, ipRouteOutputFlow, RTCF_BROADCAST, RTCF_LOCAL, RTCF_MULTICAST, skbRtable,
} from "./route.js";

function needAdmin(cred: Cred): void {
  if (!capable(cred, CAP_NET_ADMIN)) throw new KernelError(EPERM, "RTNETLINK answers");
}

function devByName(net: Net, name: string): NetDevice {
  const dev = net.devices.get(name);
  if (dev === undefined) throw new KernelError(ENODEV, `Cannot find device "${name}"`);
  return dev;
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** `ip addr add|replace ADDR/PLEN dev DEV [peer P] [broadcast B] [label L] [scope S] [metric M] [noprefixroute]`. */
export interface IpAddrArgs {
  dev: string;
  /** IFA_LOCAL. */
  local: number;
  /** Default 32. */
  prefixLen?: number | undefined;
  /** IFA_ADDRESS: the peer of a point-to-point link (defaults to local). */
  peer?: number | undefined;
  /** IFA_BROADCAST: an address, or "+" for the subnet's broadcast (iproute2's `brd +`); none by default. */
  broadcast?: number | "+" | undefined;
  /** IFA_LABEL, default the device name; at most 15 characters. */
  label?: string | undefined;
  /** RT_SCOPE_*; default host for 127.0.0.0/8 (as iproute2), else universe. */
  scope?: number | undefined;
  /** IFA_RT_PRIORITY: metric of the prefix route. */
  metric?: number | undefined;
  noprefixroute?: boolean | undefined;
}

/** An address as `ip addr show` lists it. */
export interface IpAddrInfo {
  ifindex: number;
  dev: string;
  local: number;
  address: number;
  prefixLen: number;
  broadcast: number;
  scope: number;
  label: string;
  flags: number;
  secondary: boolean;
  metric: number;
}

function findMatchingIfa(list: readonly InIfaddr[], ifa: InIfaddr): InIfaddr | null {
  for (const x of list) if (x.mask === ifa.mask && inetIfaMatch(x.address, ifa) && x.local === ifa.local) return x;
  return null;
}

/** inet_rtm_newaddr(): EEXIST for an address already there (use `replace` to update it). */
export function ipAddrAdd(net: Net, cred: Cred, args: IpAddrArgs, replace = false): void {
  needAdmin(cred);
  const dev = devByName(net, args.dev);
  const plen = args.prefixLen ?? 32;
  if (!Number.isInteger(plen) || plen < 0 || plen > 32) throw new KernelError(EINVAL, "RTNETLINK answers");
  const idev = inDevGet(dev);
  if (idev === null) throw new KernelError(ENOBUFS, "RTNETLINK answers");
  const label = args.label ?? dev.name;
  if (label.length === 0 || label.length > 15) throw new KernelError(EINVAL, "RTNETLINK answers");
  const ifa = new InIfaddr(idev);
  ifa.local = args.local >>> 0;
  ifa.address = (args.peer ?? args.local) >>> 0;
  ifaSetPrefix(ifa, plen);
  const brd = args.broadcast;
  ifa.broadcast = brd === "+" ? (plen < 31 ? (ifa.address | ~ifa.mask) >>> 0 : 0) : (brd ?? 0) >>> 0;
  ifa.label = label;
  ifa.scope = args.scope ?? (ipv4IsLoopback(ifa.local) ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE);
  ifa.flags = IFA_F_PERMANENT | (args.noprefixroute ? IFA_F_NOPREFIXROUTE : 0);
  ifa.rtPriority = args.metric ?? 0;
  const existing = findMatchingIfa(idev.ifaList, ifa);
  if (existing === null) {
    inetInsertIfa(ifa);
    return;
  }
  if (!replace) throw new KernelError(EEXIST, "RTNETLINK answers");
  // NLM_F_REPLACE updates lifetimes and the route metric in place.
  existing.rtPriority = ifa.rtPriority;
}

/** `ip addr del ADDR[/PLEN] dev DEV [label L]`: EADDRNOTAVAIL when no address matches. */
export interface IpAddrDelArgs {
  dev: string;
  local?: number | undefined;
  /** With a prefix length the subnet must match too; without, any address equal to `local`. */
  prefixLen?: number | undefined;
  peer?: number | undefined;
  label?: string | undefined;
}

/** inet_rtm_deladdr(). */
export function ipAddrDel(net: Net, cred: Cred, args: IpAddrDelArgs): void {
  needAdmin(cred);
  const dev = devByName(net, args.dev);
  const idev = inDevGet(dev);
  if (idev === null) throw new KernelError(EADDRNOTAVAIL, "RTNETLINK answers");
  for (const ifa of idev.ifaList) {
    if (args.local !== undefined && ifa.local !== args.local >>> 0) continue;
    if (args.label !== undefined && ifa.label !== args.label) continue;
    if (args.prefixLen !== undefined) {
      const addr = (args.peer ?? args.local ?? 0) >>> 0;
      if (args.prefixLen !== ifa.prefixLen || !inetIfaMatch(addr, ifa)) continue;
    }
    inetDelIfa(idev, ifa);
    return;
  }
  throw new KernelError(EADDRNOTAVAIL, "RTNETLINK answers");
}

/** `ip addr flush [dev DEV] [scope S] [label L]`: deletes matching addresses; returns how many. */
export function ipAddrFlush(net: Net, cred: Cred, args: { dev?: string | undefined; scope?: number | undefined; label?: string | undefined } = {}): number {
  needAdmin(cred);
  const devs = args.dev !== undefined ? [devByName(net, args.dev)] : net.devList();
  let n = 0;
  for (const dev of devs) {
    const idev = inDevGet(dev);
    if (idev === null) continue;
    // Secondaries first: deleting a primary would take them along.
    const doomed = idev.ifaList
      .filter((ifa) => (args.scope === undefined || ifa.scope === args.scope) && (args.label === undefined || ifa.label === args.label))
      .sort((a, b) => (b.flags & IFA_F_SECONDARY) - (a.flags & IFA_F_SECONDARY));
    for (const ifa of doomed) {
      if (!idev.ifaList.includes(ifa)) continue;
      inetDelIfa(idev, ifa);
      n++;
    }
  }
  return n;
}

/** inet_dump_ifaddr(): every IPv4 address (of one device), in device then list order. */
export function ipAddrDump(net: Net, args: { dev?: string | undefined } = {}): IpAddrInfo[] {
  const devs = args.dev !== undefined ? [devByName(net, args.dev)] : net.devList();
  const out: IpAddrInfo[] = [];
  for (const dev of devs) {
    const idev = inDevGet(dev);
    if (idev === null) continue;
    for (const ifa of idev.ifaList) {
      out.push({
        ifindex: dev.ifindex,
        dev: dev.name,
        local: ifa.local,
        address: ifa.address,
        prefixLen: ifa.prefixLen,
        broadcast: ifa.broadcast,
        scope: ifa.scope,
        label: ifa.label,
        flags: ifa.flags,
        secondary: (ifa.flags & IFA_F_SECONDARY) !== 0,
        metric: ifa.rtPriority,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Routes

/** `ip route add|replace|append|change|del [TYPE] PREFIX [via GW] [dev DEV] ...`. */
export interface IpRouteArgs {
  /** The prefix; `default` is 0/0. */
  dst: number;
  dstLen: number;
  /** RTN_*; default unicast (add) or any (del). */
  type?: number | undefined;
  /** Default main; local for local/broadcast/anycast/nat types (as iproute2). */
  table?: number | undefined;
  dev?: string | undefined;
  via?: number | undefined;
  onlink?: boolean | undefined;
  /** Preferred source (src). */
  src?: number | undefined;
  metric?: number | undefined;
  tos?: number | undefined;
  /** RTPROT_*; default boot (add) or any (del). */
  protocol?: number | undefined;
  /** Default as iproute2: host for local/nat, link for broadcast/multicast/anycast and for device-only unicast, else universe; nowhere (any) for del. */
  scope?: number | undefined;
  mtu?: number | undefined;
  mtuLock?: boolean | undefined;
  advmss?: number | undefined;
  window?: number | undefined;
  rtt?: number | undefined;
}

function toFibConfig(net: Net, args: IpRouteArgs, del: boolean, nlFlags: number): FibConfig {
  if (!Number.isInteger(args.dstLen) || args.dstLen < 0 || args.dstLen > 32) throw new KernelError(EINVAL, "RTNETLINK answers");
  const type = args.type ?? (del ? RTN_UNSPEC : RTN_UNICAST);
  let table = args.table;
  if (table === undefined) {
    table = !del && (type === RTN_LOCAL || type === RTN_BROADCAST || type === RTN_NAT || type === RTN_ANYCAST) ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
  }
  let scope = args.scope;
  if (scope === undefined) {
    if (type === RTN_LOCAL || type === RTN_NAT) scope = RT_SCOPE_HOST;
    else if (type === RTN_BROADCAST || type === RTN_MULTICAST || type === RTN_ANYCAST) scope = RT_SCOPE_LINK;
    else if (del) scope = RT_SCOPE_NOWHERE;
    else if (args.via === undefined && (type === RTN_UNICAST || type === RTN_UNSPEC)) scope = RT_SCOPE_LINK;
    else scope = RT_SCOPE_UNIVERSE;
  }
  let oif = 0;
  if (args.dev !== undefined) oif = devByName(net, args.dev).ifindex;
  return {
    dst: args.dst >>> 0,
    dstLen: args.dstLen,
    tos: args.tos ?? 0,
    table,
    type,
    scope,
    protocol: args.protocol ?? (del ? 0 : RTPROT_BOOT),
    priority: args.metric ?? 0,
    prefsrc: args.src ?? 0,
    oif,
    gw: args.via ?? 0,
    nhFlags: args.onlink ? 4 : 0,
    nlFlags,
    mtu: args.mtu ?? 0,
    mtuLock: args.mtuLock ?? false,
    advmss: args.advmss ?? 0,
    window: args.window ?? 0,
    rtt: args.rtt ?? 0,
  };
}

function routeModify(net: Net, cred: Cred, args: IpRouteArgs, nlFlags: number): void {
  needAdmin(cred);
  const cfg = toFibConfig(net, args, false, nlFlags);
  const fib = fibGet(net);
  fib.newTable(cfg.table).insert(cfg);
  if (cfg.type === RTN_LOCAL) fib.hasCustomLocalRoutes = true;
}

/** `ip route add`: EEXIST when a route with the same prefix, tos and metric exists. */
export function ipRouteAdd(net: Net, cred: Cred, args: IpRouteArgs): void {
  routeModify(net, cred, args, NLM_F_CREATE | NLM_F_EXCL);
}

/** `ip route replace`: replaces the first route of the same prefix, tos and metric, or adds. */
export function ipRouteReplace(net: Net, cred: Cred, args: IpRouteArgs): void {
  routeModify(net, cred, args, NLM_F_CREATE | NLM_F_REPLACE);
}

/** `ip route append`: adds behind routes of the same prefix, tos and metric. */
export function ipRouteAppend(net: Net, cred: Cred, args: IpRouteArgs): void {
  routeModify(net, cred, args, NLM_F_CREATE | NLM_F_APPEND);
}

/** `ip route change`: replaces an existing route; ENOENT when there is none. */
export function ipRouteChange(net: Net, cred: Cred, args: IpRouteArgs): void {
  routeModify(net, cred, args, NLM_F_REPLACE);
}

/** `ip route del`: ESRCH when nothing matches (or the table does not exist). */
export function ipRouteDel(net: Net, cred: Cred, args: IpRouteArgs): void {
  needAdmin(cred);
  const cfg = toFibConfig(net, args, true, 0);
  const tb = fibGet(net).getTable(cfg.table);
  if (tb === null) throw new KernelError(ESRCH, "RTNETLINK answers");
  tb.delete(cfg);
}

/** `ip route show [table T]`: the routes of a table (main by default; 0 for all tables). */
export function ipRouteDump(net: Net, args: { table?: number | undefined } = {}): FibRoute[] {
  const fib = fibGet(net);
  const id = args.table ?? RT_TABLE_MAIN;
  if (id === 0) {
    const ids = [...fib.tables.keys()].sort((a, b) => a - b);
    return ids.flatMap((t) => fib.tables.get(t)!.dump());
  }
  const tb = fib.getTable(id);
  return tb === null ? [] : tb.dump();
}

/** `ip route flush [table T] [dev D] [proto P]`: deletes matching routes; returns how many. */
export function ipRouteFlush(net: Net, cred: Cred, args: { table?: number | undefined; dev?: string | undefined; protocol?: number | undefined } = {}): number {
  needAdmin(cred);
  const fib = fibGet(net);
  const tb = fib.getTable(args.table ?? RT_TABLE_MAIN);
  if (tb === null) return 0;
  const dev = args.dev !== undefined ? devByName(net, args.dev) : null;
  const n = tb.removeWhere((fa) => (dev === null || fa.info.nh.dev === dev) && (args.protocol === undefined || fa.info.protocol === args.protocol));
  fib.flushCache();
  return n;
}

/** `ip route get ADDR [from S] [iif D] [oif D] [tos T] [mark M]`. */
export interface IpRouteGetArgs {
  dst: number;
  src?: number | undefined;
  iif?: string | undefined;
  oif?: string | undefined;
  tos?: number | undefined;
  mark?: number | undefined;
}

/** What `ip route get` prints. */
export interface IpRouteGetResult {
  /** RTN_* of the dst (unicast, local, broadcast, multicast...). */
  type: number;
  dst: number;
  /** `from`: the source given, or 0. */
  src: number;
  /** `src`: the preferred source chosen for output routes, 0 for input ones. */
  prefsrc: number;
  /** `via`, 0 when direct. */
  gateway: number;
  /** `dev`: the output device (lo for local routes). */
  dev: string;
  /** `iif`, for input routes. */
  iif: string | null;
  /** The table the FIB matched in (0 when none). */
  table: number;
  /** The matched prefix. */
  prefix: number;
  prefixLen: number;
  /** The route cache flags (`cache <local,brd>`). */
  flags: string[];
  mtu: number;
  uid: number;
}

function cacheFlags(flags: number): string[] {
  const out: string[] = [];
  if (flags & RTCF_LOCAL) out.push("local");
  if (flags & RTCF_BROADCAST) out.push("brd");
  if (flags & RTCF_MULTICAST) out.push("mc");
  return out;
}

/**
 * inet_rtm_getroute(): an output lookup from this host (with source selection), or with `iif`
 * the input route a packet from `src` arriving on that device would take. Errors as the
 * routing code returns them: ENETUNREACH, EHOSTUNREACH, EINVAL, EACCES, EXDEV (rp_filter).
 */
export function ipRouteGet(net: Net, cred: Cred, args: IpRouteGetArgs): IpRouteGetResult {
  const res = new FibResult();
  res.wantPrefix = true;
  if (args.iif !== undefined) {
    const dev = devByName(net, args.iif);
    const skb = allocSkb(128);
    skb.reserve(64);
    skb.networkHeader = skb.data;
    const at = skb.put(20);
    skb.head.fill(0, at, at + 20);
    skb.head[at] = 0x45;
    skb.protocol = ETH_P_IP;
    skb.dev = dev;
    skb.mark = args.mark ?? 0;
    try {
      const err = ipRouteInputQuiet(skb, args.dst >>> 0, (args.src ?? 0) >>> 0, args.tos ?? 0, dev);
      if (err !== 0) throw new KernelError(-err, "RTNETLINK answers");
      const rt = skbRtable(skb)!;
      if (rt.input === DST_INPUT_ERROR) throw new KernelError(rt.error, "RTNETLINK answers");
      const fl = new Flowi4();
      fl.daddr = args.dst >>> 0;
      fl.saddr = (args.src ?? 0) >>> 0;
      fl.iif = dev.ifindex;
      fl.tos = (args.tos ?? 0) & 0xfc;
      fl.mark = args.mark ?? 0;
      fibLookupInto(net, fl, res);
      return {
        type: rt.type, dst: args.dst >>> 0, src: (args.src ?? 0) >>> 0, prefsrc: 0, gateway: rt.usesGateway ? rt.gw4 : 0,
        // A local input route's dst device is loopback (ip_rt_get_dev), which is what the kernel reports.
        dev: rt.flags & RTCF_LOCAL ? net.loopback.name : rt.dev.name, iif: dev.name, table: res.table === null ? 0 : res.table.id,
        prefix: res.prefix, prefixLen: res.prefixLen,
        flags: cacheFlags(rt.flags), mtu: rt.mtu, uid: cred.uid,
      };
    } finally {
      skb.dst = null;
      kfreeSkb(skb);
    }
  }
  const fl = new Flowi4();
  fl.daddr = args.dst >>> 0;
  fl.saddr = (args.src ?? 0) >>> 0;
  fl.iif = LOOPBACK_IFINDEX;
  fl.tos = (args.tos ?? 0) & 0xfc;
  fl.mark = args.mark ?? 0;
  fl.uid = cred.uid;
  if (args.oif !== undefined) fl.oif = devByName(net, args.oif).ifindex;
  const rt = ipRouteOutputFlow(net, fl, res);
  if (typeof rt === "number") throw new KernelError(-rt, "RTNETLINK answers");
  return {
    type: rt.type, dst: fl.daddr, src: (args.src ?? 0) >>> 0, prefsrc: fl.saddr, gateway: rt.usesGateway ? rt.gw4 : 0, dev: rt.dev.name,
    iif: null, table: res.table === null ? 0 : res.table.id, prefix: res.prefix, prefixLen: res.prefixLen, flags: cacheFlags(rt.flags),
    mtu: rt.mtu, uid: cred.uid,
  };
}

/** The FIB result of an input route, for the table `ip route get` names (the rules decide it). */
function fibLookupInto(net: Net, fl: Flowi4, res: FibResult): void {
  if (fibLookup(net, fl, res, 0) === 0) return;
  res.reset();
  res.wantPrefix = true;
}

/** The mask of a prefix length (for tools printing /proc-style masks). */
export function prefixMask(plen: number): number {
  return inetMakeMask(plen);
}
