// The IPv4 forwarding information base (net/ipv4/fib_frontend.c, fib_semantics.c, fib_trie.c,
// and fib_lookup's default-rules path; policy routing is fib_rules.ts). One FibTable per table id
// over an LpmTable whose value is the head of the prefix's fib_alias list; fib_infos are shared
// between aliases with the same attributes (fib_find_info), so a million routes through one
// gateway hold one fib_info.
import type { Net } from "../kernel/net.js";
import { NetGenericKey } from "../kernel/net.js";
import {
  EACCES, EAGAIN, EEXIST, EHOSTUNREACH, EINVAL, ENETDOWN, ENETUNREACH, ENODEV, ENOENT, ESRCH, KernelError,
} from "../kernel/errno.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { IFF_UP } from "../netdevice/constants.js";
import { netifCarrierOk } from "../netdevice/dev.js";
import { inetMakeMask, ipv4IsLbcast, ipv4IsMulticast, ipv4IsZeronet } from "../wire/addr.js";
import { LpmTable } from "./lpm.js";
import type { Rtable } from "../ipv4/route.js";
import { inDevGet, inetSelectAddr, IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN, inDevOrConf } from "../ipv4/devinet.js";

/** Routing table ids (enum rt_class_t). */
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

/** Route types (RTN_*). */
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RTN_NAT = 10;
export const RTN_XRESOLVE = 11;
export const RTN_MAX = 11;

/** The names iproute2 prints for route types. */
export const RTN_NAMES: readonly string[] = [
  "none", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat",
  "xresolve",
];

/** Route scopes (enum rt_scope_t). */
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/** Route origins (RTPROT_*). */
export const RTPROT_UNSPEC = 0;
export const RTPROT_REDIRECT = 1;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;

/** Next-hop flags (RTNH_F_*). */
export const RTNH_F_DEAD = 1;
export const RTNH_F_PERVASIVE = 2;
export const RTNH_F_ONLINK = 4;
export const RTNH_F_OFFLOAD = 8;
export const RTNH_F_LINKDOWN = 16;

/** Netlink request flags that select insert semantics (NLM_F_*). */
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;

/** Route flags of /proc/net/route and struct rtentry (RTF_*). */
export const RTF_UP = 0x0001;
export const RTF_GATEWAY = 0x0002;
export const RTF_HOST = 0x0004;
export const RTF_REINSTATE = 0x0008;
export const RTF_DYNAMIC = 0x0010;
export const RTF_MODIFIED = 0x0020;
export const RTF_MTU = 0x0040;
export const RTF_MSS: number = RTF_MTU;
export const RTF_WINDOW = 0x0080;
export const RTF_IRTT = 0x0100;
export const RTF_REJECT = 0x0200;

/** fib_lookup flags. */
export const FIB_LOOKUP_NOREF = 1;
export const FIB_LOOKUP_IGNORE_LINKSTATE = 2;

/** ifindex of loopback, as the kernel uses for output lookups (LOOPBACK_IFINDEX). */
export const LOOPBACK_IFINDEX = 1;

/** fib_props[type].error: a negative errno for reject routes, 0 otherwise. */
const FIB_PROPS_ERROR: Int32Array = Int32Array.from([0, 0, 0, 0, 0, 0, -EINVAL, -EHOSTUNREACH, -EACCES, -EAGAIN, -EINVAL, -EINVAL]);
/** fib_props[type].scope: the narrowest scope a route of the type may have. */
const FIB_PROPS_SCOPE: Uint8Array = Uint8Array.from([
  RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_SCOPE_UNIVERSE,
  RT_SCOPE_UNIVERSE, RT_SCOPE_UNIVERSE, RT_SCOPE_UNIVERSE, RT_SCOPE_NOWHERE, RT_SCOPE_NOWHERE,
]);

/** The error a reject route type makes a lookup return (fib_props[].error), or 0. */
export function fibTypeError(type: number): number {
  return FIB_PROPS_ERROR[type] ?? -EINVAL;
}

/** A flow to route (struct flowi4). Reused by callers: the data path allocates none. */
export class Flowi4 {
  daddr = 0;
  saddr = 0;
  oif = 0;
  iif = 0;
  tos = 0;
  scope = 0;
  mark = 0;
  proto = 0;
  flags = 0;
  sport = 0;
  dport = 0;
  uid = 0;

  reset(): this {
    this.daddr = 0;
    this.saddr = 0;
    this.oif = 0;
    this.iif = 0;
    this.tos = 0;
    this.scope = 0;
    this.mark = 0;
    this.proto = 0;
    this.flags = 0;
    this.sport = 0;
    this.dport = 0;
    this.uid = 0;
    return this;
  }
}

/** What a lookup found (struct fib_result). Reused by callers. */
export class FibResult {
  prefix = 0;
  prefixLen = 0;
  type = 0;
  scope = 0;
  fi: FibInfo | null = null;
  table: FibTable | null = null;
  alias: FibAlias | null = null;
  /** Fill prefix and prefixLen (they cost two memory reads on a large table; off by default). */
  wantPrefix = false;

  /** Clears the result (wantPrefix is kept). */
  reset(): this {
    this.prefix = 0;
    this.prefixLen = 0;
    this.type = 0;
    this.scope = 0;
    this.fi = null;
    this.table = null;
    this.alias = null;
    return this;
  }

  /** FIB_RES_DEV. */
  get dev(): NetDevice | null {
    return this.fi === null ? null : this.fi.nh.dev;
  }
}

/** A route request (struct fib_config), as `ip route` and SIOCADDRT produce it. */
export interface FibConfig {
  dst: number;
  dstLen: number;
  /** DSCP match (the tos byte with the ECN bits clear); 0 matches any. */
  tos?: number | undefined;
  table: number;
  type: number;
  scope: number;
  protocol: number;
  priority?: number | undefined;
  prefsrc?: number | undefined;
  /** Output device ifindex, 0 for none. */
  oif?: number | undefined;
  /** Gateway, 0 for none. */
  gw?: number | undefined;
  /** RTNH_F_ONLINK. */
  nhFlags?: number | undefined;
  /** NLM_F_* of the request. */
  nlFlags?: number | undefined;
  /** RTAX_MTU, 0 for none; `mtuLock` makes it fixed (`mtu lock N`). */
  mtu?: number | undefined;
  mtuLock?: boolean | undefined;
  advmss?: number | undefined;
  window?: number | undefined;
  rtt?: number | undefined;
}

/** A next hop (struct fib_nh): device, gateway, flags, and the dsts cached on it. */
export class FibNh {
  dev: NetDevice | null = null;
  oif = 0;
  gw = 0;
  flags = 0;
  scope: number = RT_SCOPE_NOWHERE;
  /** nh_saddr: the source address chosen for it, valid while saddrGenid is current. */
  saddr = 0;
  saddrGenid = -1;
  /** nhc_pcpu_rth_output / nhc_rth_input: dsts shared by every flow through this next hop. */
  rthOutput: Rtable | null = null;
  rthInput: Rtable | null = null;
  readonly parent: FibInfo;

  constructor(parent: FibInfo) {
    this.parent = parent;
  }
}

/** Shared route attributes (struct fib_info). */
export class FibInfo {
  protocol = 0;
  scope = 0;
  type = 0;
  priority = 0;
  prefsrc = 0;
  /** RTNH_F_DEAD | RTNH_F_LINKDOWN when every next hop is. */
  flags = 0;
  mtu = 0;
  mtuLock = false;
  advmss = 0;
  window = 0;
  rtt = 0;
  readonly nh: FibNh;
  /** Aliases that use it (fib_treeref). */
  refcnt = 0;
  dead = false;
  /** fib_info_hashfn() of the attributes. */
  hash = 0;
  /** The alias (tos 0) shared by every prefix whose only route uses this info. */
  alias0: FibAlias | null = null;

  constructor() {
    this.nh = new FibNh(this);
  }
}

/** One route of a prefix (struct fib_alias): the per-prefix list is linked through `next`. */
export class FibAlias {
  info: FibInfo;
  next: FibAlias | null;
  tos: number;
  type: number;
  /**
   * Shared by many prefixes (a one-route list of tos 0: `info.alias0`). Never linked: a list
   * that grows gets a private copy first.
   */
  readonly shared: boolean;

  constructor(info: FibInfo, tos: number, type: number, next: FibAlias | null, shared = false) {
    this.info = info;
    this.tos = tos;
    this.type = type;
    this.next = next;
    this.shared = shared;
  }
}

/** The alias to store for a one-route list: the info's shared one when tos is 0. */
function singleAlias(fi: FibInfo, tos: number, type: number): FibAlias {
  if (tos !== 0 || type !== fi.type) return new FibAlias(fi, tos, type, null);
  let a = fi.alias0;
  if (a === null) {
    a = new FibAlias(fi, 0, type, null, true);
    fi.alias0 = a;
  }
  return a;
}

/** A route as `ip route show` lists it. */
export interface FibRoute {
  table: number;
  type: number;
  dst: number;
  dstLen: number;
  tos: number;
  protocol: number;
  scope: number;
  priority: number;
  prefsrc: number;
  gateway: number;
  /** The output device's name and ifindex (null and 0 for reject routes). */
  dev: string | null;
  oif: number;
  /** RTNH_F_ONLINK / RTNH_F_LINKDOWN / RTNH_F_DEAD of the next hop. */
  nhFlags: number;
  mtu: number;
  mtuLock: boolean;
  advmss: number;
  window: number;
  rtt: number;
}

/** Sentinel of scanAliases: nothing in the list fits. */
const NO_MATCH = 1;

/** A routing table (struct fib_table). */
export class FibTable {
  readonly id: number;
  readonly fib: Fib;
  readonly lpm: LpmTable<FibAlias> = new LpmTable<FibAlias>();
  /** Routes in the table (aliases). */
  count = 0;
  /** Prefixes covering each first octet: a lookup skips the trie when its octet has none. */
  private readonly octets: Int32Array = new Int32Array(256);
  // State of a backtracking lookup, read by `accept` (made once: no closure per lookup).
  private curFl: Flowi4 | null = null;
  private curRes: FibResult | null = null;
  private curFlags = 0;
  private curRet = 0;
  private readonly accept: (head: FibAlias) => boolean;

  constructor(fib: Fib, id: number) {
    this.fib = fib;
    this.id = id;
    this.accept = (head: FibAlias): boolean => {
      const r = this.scanAliases(head, this.curFl!, this.curRes!, this.curFlags);
      if (r === NO_MATCH) return false;
      this.curRet = r;
      return true;
    };
  }

  /**
   * fib_table_lookup(): the longest prefix holding an alias that fits the flow (tos, scope, oif,
   * live next hop), backtracking to shorter prefixes as the trie does. Returns 0 with `res`
   * filled, a reject route's negative errno, or -EAGAIN when nothing fits.
   */
  lookup(fl: Flowi4, res: FibResult, flags: number): number {
    if (this.octets[fl.daddr >>> 24] === 0) return -EAGAIN;
    const lpm = this.lpm;
    const head = lpm.lookup(fl.daddr);
    if (head === undefined) return -EAGAIN;
    let r = this.scanAliases(head, fl, res, flags);
    if (r === NO_MATCH) r = this.lookupShorter(fl, res, flags);
    if (r === 0) {
      if (res.wantPrefix) {
        res.prefix = lpm.matchedPrefix;
        res.prefixLen = lpm.matchedLen;
      }
      res.table = this;
    }
    return r;
  }

  /** The longest prefix had no alias for this flow: backtrack to shorter ones (fib_table_lookup). */
  private lookupShorter(fl: Flowi4, res: FibResult, flags: number): number {
    this.curFl = fl;
    this.curRes = res;
    this.curFlags = flags;
    const found = this.lpm.lookupWhere(fl.daddr, this.accept);
    this.curFl = null;
    this.curRes = null;
    return found === undefined ? -EAGAIN : this.curRet;
  }

  private scanAliases(fa: FibAlias | null, fl: Flowi4, res: FibResult, flags: number): number {
    for (; fa !== null; fa = fa.next) {
      if (fa.tos !== 0 && fa.tos !== (fl.tos & 0xfc)) continue;
      const fi = fa.info;
      if (fi.dead) continue;
      if (fi.scope < fl.scope) continue;
      const err = FIB_PROPS_ERROR[fa.type]!;
      if (err !== 0) return err;
      if (fi.flags & RTNH_F_DEAD) continue;
      const nh = fi.nh;
      if (nh.flags & RTNH_F_DEAD) continue;
      if (nh.flags & RTNH_F_LINKDOWN && !(flags & FIB_LOOKUP_IGNORE_LINKSTATE) && ipIgnoreLinkdown(nh.dev)) continue;
      if (fl.oif !== 0 && fl.oif !== nh.oif) continue;
      res.type = fa.type;
      res.scope = fi.scope;
      res.fi = fi;
      res.alias = fa;
      return 0;
    }
    return NO_MATCH;
  }

  /** fib_table_insert(): NLM_F_EXCL/REPLACE/APPEND/CREATE semantics as Linux. */
  insert(cfg: FibConfig): void {
    const plen = cfg.dstLen;
    const key = cfg.dst >>> 0;
    if (!Number.isInteger(plen) || plen < 0 || plen > 32) throw new KernelError(EINVAL, "Invalid prefix length");
    if ((key & ~inetMakeMask(plen)) >>> 0 !== 0) throw new KernelError(EINVAL, "Invalid prefix for given prefix length");
    const fib = this.fib;
    const fi = fibCreateInfo(fib, cfg);
    const tos = (cfg.tos ?? 0) & 0xfc;
    const nlFlags = cfg.nlFlags ?? 0;
    let head = this.lpm.get(key, plen) ?? null;
    if (head !== null && head.shared) {
      // The list may change: give this prefix its own copy of the shared alias.
      head = new FibAlias(head.info, head.tos, head.type, null);
      this.lpm.set(key, plen, head);
    }
    let prev: FibAlias | null = null;
    let fa = head;
    // fib_find_alias: the first alias with tos <= ours and (priority >= ours or a lower tos).
    while (fa !== null && !(fa.tos <= tos && (fa.info.priority >= fi.priority || fa.tos < tos))) {
      prev = fa;
      fa = fa.next;
    }
    if (fa !== null && fa.tos === tos && fa.info.priority === fi.priority) {
      if (nlFlags & NLM_F_EXCL) {
        fibInfoDrop(fib, fi);
        throw new KernelError(EEXIST);
      }
      const first = fa;
      let match: FibAlias | null = null;
      let last: FibAlias = first;
      for (let x: FibAlias | null = first; x !== null && x.tos === tos && x.info.priority === fi.priority; x = x.next) {
        if (x.type === cfg.type && x.info === fi) {
          match = x;
          break;
        }
        last = x;
      }
      if (nlFlags & NLM_F_REPLACE) {
        if (match !== null) {
          fibInfoDrop(fib, fi);
          return;
        }
        const fresh = prev === null && first.next === null ? singleAlias(fi, tos, cfg.type) : new FibAlias(fi, tos, cfg.type, first.next);
        fibInfoHold(fib, fi);
        if (prev === null) this.lpm.set(key, plen, fresh);
        else prev.next = fresh;
        fibInfoRelease(fib, first.info);
        fib.flushCache();
        return;
      }
      if (match !== null) {
        fibInfoDrop(fib, fi);
        throw new KernelError(EEXIST);
      }
      if (nlFlags & NLM_F_APPEND) {
        // Behind every alias of the same tos and priority.
        while (last.next !== null && last.next.tos === tos && last.next.info.priority === fi.priority) last = last.next;
        prev = last;
        fa = last.next;
      }
    }
    if (!(nlFlags & NLM_F_CREATE)) {
      fibInfoDrop(fib, fi);
      throw new KernelError(ENOENT);
    }
    const fresh = prev === null && fa === null ? singleAlias(fi, tos, cfg.type) : new FibAlias(fi, tos, cfg.type, fa);
    fibInfoHold(fib, fi);
    if (head === null) this.countPrefix(key, plen, 1);
    if (prev === null) this.lpm.set(key, plen, fresh);
    else prev.next = fresh;
    this.count++;
    fib.flushCache();
  }

  /** fib_table_delete(): the first alias matching every attribute the request gives; ESRCH if none. */
  delete(cfg: FibConfig): void {
    const plen = cfg.dstLen;
    const key = cfg.dst >>> 0;
    if (!Number.isInteger(plen) || plen < 0 || plen > 32) throw new KernelError(EINVAL, "Invalid prefix length");
    if ((key & ~inetMakeMask(plen)) >>> 0 !== 0) throw new KernelError(EINVAL, "Invalid prefix for given prefix length");
    const tos = (cfg.tos ?? 0) & 0xfc;
    let prev: FibAlias | null = null;
    let fa = this.lpm.get(key, plen) ?? null;
    while (fa !== null && fa.tos > tos) {
      prev = fa;
      fa = fa.next;
    }
    for (; fa !== null && fa.tos === tos; prev = fa, fa = fa.next) {
      const fi = fa.info;
      if (cfg.type !== 0 && fa.type !== cfg.type) continue;
      if (cfg.scope !== RT_SCOPE_NOWHERE && fi.scope !== cfg.scope) continue;
      if (cfg.prefsrc && fi.prefsrc !== cfg.prefsrc >>> 0) continue;
      if (cfg.protocol && fi.protocol !== cfg.protocol) continue;
      if (!fibNhMatch(cfg, fi)) continue;
      this.unlink(key, plen, prev, fa);
      this.fib.flushCache();
      return;
    }
    throw new KernelError(ESRCH);
  }

  private countPrefix(key: number, plen: number, delta: number): void {
    const first = key >>> 24;
    const n = plen >= 8 ? 1 : 1 << (8 - plen);
    for (let i = 0; i < n; i++) this.octets[first + i]! += delta;
  }

  private unlink(key: number, plen: number, prev: FibAlias | null, fa: FibAlias): void {
    if (prev === null) {
      if (fa.next === null) {
        this.lpm.delete(key, plen);
        this.countPrefix(key, plen, -1);
      } else this.lpm.set(key, plen, fa.next);
    } else {
      prev.next = fa.next;
    }
    this.count--;
    fibInfoRelease(this.fib, fa.info);
  }

  /** Removes every alias for which `pred` holds (fib_table_flush and friends); returns how many. */
  removeWhere(pred: (fa: FibAlias) => boolean): number {
    const doomed: [number, number][] = [];
    for (const [prefix, plen, head] of this.lpm.entries()) {
      for (let fa: FibAlias | null = head; fa !== null; fa = fa.next) {
        if (pred(fa)) {
          doomed.push([prefix, plen]);
          break;
        }
      }
    }
    let n = 0;
    for (const [prefix, plen] of doomed) {
      let prev: FibAlias | null = null;
      let fa = this.lpm.get(prefix, plen) ?? null;
      while (fa !== null) {
        const next: FibAlias | null = fa.next;
        if (pred(fa)) {
          this.unlink(prefix, plen, prev, fa);
          n++;
        } else {
          prev = fa;
        }
        fa = next;
      }
    }
    return n;
  }

  /** fib_table_flush(): drops routes whose fib_info died. */
  flush(): number {
    return this.removeWhere((fa) => fa.info.dead || (fa.info.flags & RTNH_F_DEAD) !== 0);
  }

  /** Every route, in dump order: prefix ascending, then longer prefixes first, then alias order. */
  dump(): FibRoute[] {
    const out: FibRoute[] = [];
    const entries = [...this.lpm.entries()];
    // Within one key the trie lists longer prefixes first (fa_slen ascending).
    entries.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    for (const [prefix, plen, head] of entries) {
      for (let fa: FibAlias | null = head; fa !== null; fa = fa.next) out.push(this.describe(prefix, plen, fa));
    }
    return out;
  }

  /** The route record of one alias. */
  describe(prefix: number, plen: number, fa: FibAlias): FibRoute {
    const fi = fa.info;
    return {
      table: this.id,
      type: fa.type,
      dst: prefix >>> 0,
      dstLen: plen,
      tos: fa.tos,
      protocol: fi.protocol,
      scope: fi.scope,
      priority: fi.priority,
      prefsrc: fi.prefsrc,
      gateway: fi.nh.gw,
      dev: fi.nh.dev === null ? null : fi.nh.dev.name,
      oif: fi.nh.dev === null ? 0 : fi.nh.dev.ifindex,
      nhFlags: fi.nh.flags,
      mtu: fi.mtu,
      mtuLock: fi.mtuLock,
      advmss: fi.advmss,
      window: fi.window,
      rtt: fi.rtt,
    };
  }
}

/** Is the route through `dev` to be skipped while its carrier is down? (ip_ignore_linkdown) */
function ipIgnoreLinkdown(dev: NetDevice | null): boolean {
  if (dev === null) return false;
  const idev = inDevGet(dev);
  return idev !== null && inDevOrConf(idev, IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN) !== 0;
}

/** fib_nh_match(): does the request's next hop (if it names one) match the route's? */
function fibNhMatch(cfg: FibConfig, fi: FibInfo): boolean {
  if (cfg.priority !== undefined && cfg.priority !== 0 && cfg.priority !== fi.priority) return false;
  const oif = cfg.oif ?? 0;
  const gw = (cfg.gw ?? 0) >>> 0;
  if (oif === 0 && gw === 0) return true;
  const nh = fi.nh;
  if (oif !== 0 && oif !== nh.oif) return false;
  if (gw !== 0 && gw !== nh.gw) return false;
  return true;
}

/**
 * Per-namespace FIB state: tables by id (local and main always exist), the fib_info hash, the
 * next-hop-by-device index (fib_info_devhash) and the route cache generation (rt_genid).
 */
export class Fib {
  readonly net: Net;
  readonly tables: Map<number, FibTable> = new Map();
  readonly local: FibTable;
  readonly main: FibTable;
  /** fib_info_hash: shared infos by attribute hash (buckets compared field by field). */
  readonly infos: Map<number, FibInfo[]> = new Map();
  /** fib_info_devhash: infos whose next hop uses a device. */
  readonly devInfos: Map<NetDevice, Set<FibInfo>> = new Map();
  /** rt_genid_ipv4: cached dsts of an older generation are stale. */
  genid = 0;
  /** dev_addr_genid: cached next-hop source addresses of an older generation are stale. */
  addrGenid = 0;
  /** Routes in the local table other than the kernel's (fib_has_custom_local_routes). */
  hasCustomLocalRoutes = false;
  /** The rules when they are not the three defaults (fib_has_custom_rules); see fib_rules.ts. */
  rules: FibRulesHook | null = null;

  constructor(net: Net) {
    this.net = net;
    this.local = this.newTable(RT_TABLE_LOCAL);
    this.main = this.newTable(RT_TABLE_MAIN);
  }

  /** fib_new_table(): the table `id`, created when missing. */
  newTable(id: number): FibTable {
    if (id === RT_TABLE_UNSPEC) id = RT_TABLE_MAIN;
    let t = this.tables.get(id);
    if (t === undefined) {
      t = new FibTable(this, id);
      this.tables.set(id, t);
    }
    return t;
  }

  /** fib_get_table(). */
  getTable(id: number): FibTable | null {
    if (id === RT_TABLE_UNSPEC) id = RT_TABLE_MAIN;
    return this.tables.get(id) ?? null;
  }

  /** rt_cache_flush(): every cached dst becomes stale. */
  flushCache(): void {
    this.genid++;
  }
}

/** The FIB of each namespace (net->ipv4.fib_*). */
export const FIB_KEY: NetGenericKey<Fib> = new NetGenericKey<Fib>("fib", (net) => new Fib(net));

/** The namespace's FIB. */
export function fibGet(net: Net): Fib {
  return net.gen(FIB_KEY);
}

/** Policy routing as fib_lookup sees it (fib_rules.ts): set on a Fib while its rules are not the defaults. */
export interface FibRulesHook {
  /** __fib_lookup(): the rules in order; 0, a negative errno, or -ENETUNREACH when none decided. */
  lookup(fl: Flowi4, res: FibResult, flags: number): number;
}

/**
 * fib_lookup(): with the default rules (net->ipv4.fib_has_custom_rules clear), table local, then
 * main, then default; otherwise the rules decide. Returns 0 with `res` filled, or a negative
 * errno: a reject route's or rule's error, or -ENETUNREACH when nothing matched.
 */
export function fibLookup(net: Net, fl: Flowi4, res: FibResult, flags: number): number {
  const fib = net.gen(FIB_KEY);
  const rules = fib.rules;
  if (rules !== null) return rules.lookup(fl, res, flags);
  const err = fib.local.lookup(fl, res, flags);
  if (err !== -EAGAIN) return err;
  return fibLookupMain(fib, fl, res, flags);
}

/** fib_lookup() past the local table: main, then default if it exists. */
function fibLookupMain(fib: Fib, fl: Flowi4, res: FibResult, flags: number): number {
  let err = fib.main.lookup(fl, res, flags);
  if (err !== -EAGAIN) return err;
  const dflt = fib.tables.get(RT_TABLE_DEFAULT);
  if (dflt !== undefined) {
    err = dflt.lookup(fl, res, flags);
    if (err !== -EAGAIN) return err;
  }
  return -ENETUNREACH;
}

const scratchFl = new Flowi4();
const scratchRes = new FibResult();

/**
 * inet_addr_type_table / inet_dev_addr_type: what `addr` is in table `tbId` (local by default):
 * RTN_LOCAL, RTN_BROADCAST, RTN_MULTICAST or RTN_UNICAST. With `dev`, a local or broadcast
 * route counts only when it belongs to that device.
 */
export function inetAddrType(net: Net, addr: number, dev: NetDevice | null = null, tbId: number = RT_TABLE_LOCAL): number {
  addr >>>= 0;
  if (ipv4IsZeronet(addr) || ipv4IsLbcast(addr)) return RTN_BROADCAST;
  if (ipv4IsMulticast(addr)) return RTN_MULTICAST;
  const table = net.gen(FIB_KEY).getTable(tbId);
  if (table === null) return RTN_BROADCAST;
  const fl = scratchFl.reset();
  fl.daddr = addr;
  const res = scratchRes.reset();
  let ret = RTN_UNICAST;
  if (table.lookup(fl, res, FIB_LOOKUP_NOREF) === 0) {
    if (dev === null || dev === res.fi!.nh.dev) ret = res.type;
  }
  res.reset();
  return ret;
}

// ---------------------------------------------------------------------------------------------
// fib_info life

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** fib_info_hashfn(). */
function fibInfoHash(fi: FibInfo): number {
  const nh = fi.nh;
  let h = mix(fi.protocol, fi.scope);
  h = mix(h, fi.type);
  h = mix(h, fi.priority);
  h = mix(h, fi.prefsrc);
  h = mix(h, fi.mtu);
  h = mix(h, nh.oif);
  h = mix(h, nh.gw);
  h = mix(h, nh.flags & ~(RTNH_F_DEAD | RTNH_F_LINKDOWN));
  return h | 0;
}

/** fib_find_info()'s comparison: every attribute and the next hop. */
function fibInfoEqual(a: FibInfo, b: FibInfo): boolean {
  const x = a.nh;
  const y = b.nh;
  return (
    a.protocol === b.protocol && a.scope === b.scope && a.type === b.type && a.priority === b.priority && a.prefsrc === b.prefsrc &&
    a.mtu === b.mtu && a.mtuLock === b.mtuLock && a.advmss === b.advmss && a.window === b.window && a.rtt === b.rtt &&
    x.oif === y.oif && x.gw === y.gw && x.dev === y.dev && x.scope === y.scope &&
    (x.flags & ~(RTNH_F_DEAD | RTNH_F_LINKDOWN)) === (y.flags & ~(RTNH_F_DEAD | RTNH_F_LINKDOWN))
  );
}

/** Takes a reference on a fib_info an alias now uses; a new one enters the hashes. */
function fibInfoHold(fib: Fib, fi: FibInfo): void {
  if (fi.refcnt++ === 0) {
    const bucket = fib.infos.get(fi.hash);
    if (bucket === undefined) fib.infos.set(fi.hash, [fi]);
    else bucket.push(fi);
    const dev = fi.nh.dev;
    if (dev !== null) {
      let set = fib.devInfos.get(dev);
      if (set === undefined) {
        set = new Set();
        fib.devInfos.set(dev, set);
      }
      set.add(fi);
    }
  }
}

/** Drops a candidate fib_info that ended up unused (nothing to undo if it was never held). */
function fibInfoDrop(_fib: Fib, _fi: FibInfo): void {}

/** fib_release_info(): the last alias is gone; cached dsts on its next hop die with it. */
function fibInfoRelease(fib: Fib, fi: FibInfo): void {
  if (--fi.refcnt > 0) return;
  fi.dead = true;
  const bucket = fib.infos.get(fi.hash);
  if (bucket !== undefined) {
    const i = bucket.indexOf(fi);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length === 0) fib.infos.delete(fi.hash);
  }
  const dev = fi.nh.dev;
  if (dev !== null) {
    const set = fib.devInfos.get(dev);
    if (set !== undefined) {
      set.delete(fi);
      if (set.size === 0) fib.devInfos.delete(dev);
    }
  }
  const nh = fi.nh;
  if (nh.rthOutput !== null) nh.rthOutput.dead = true;
  if (nh.rthInput !== null) nh.rthInput.dead = true;
  nh.rthOutput = null;
  nh.rthInput = null;
}

const checkFl = new Flowi4();
const checkRes = new FibResult();

/**
 * fib_create_info(): validates a request's type, scope, next hop and prefsrc as Linux does and
 * returns the shared fib_info for it (an existing one when the attributes are equal).
 */
export function fibCreateInfo(fib: Fib, cfg: FibConfig): FibInfo {
  const net = fib.net;
  const type = cfg.type;
  if (!Number.isInteger(type) || type < 0 || type > RTN_MAX) throw new KernelError(EINVAL, "Invalid route type");
  const scope = cfg.scope;
  if (FIB_PROPS_SCOPE[type]! > scope) throw new KernelError(EINVAL, "Invalid scope");
  // Validate into a scratch candidate; allocate only when no equal info exists.
  const fi = candidate;
  fi.flags = 0;
  fi.nh.dev = null;
  fi.nh.scope = RT_SCOPE_NOWHERE;
  fi.protocol = cfg.protocol;
  fi.scope = scope;
  fi.type = type;
  fi.priority = (cfg.priority ?? 0) >>> 0;
  fi.prefsrc = (cfg.prefsrc ?? 0) >>> 0;
  fi.mtu = cfg.mtu ?? 0;
  fi.mtuLock = cfg.mtuLock ?? false;
  fi.advmss = cfg.advmss ?? 0;
  fi.window = cfg.window ?? 0;
  fi.rtt = cfg.rtt ?? 0;
  const nh = fi.nh;
  nh.oif = cfg.oif ?? 0;
  nh.gw = (cfg.gw ?? 0) >>> 0;
  nh.flags = (cfg.nhFlags ?? 0) & RTNH_F_ONLINK;
  if (FIB_PROPS_ERROR[type]! !== 0) {
    if (nh.gw !== 0 || nh.oif !== 0) throw new KernelError(EINVAL, "Gateway, device and multipath can not be specified for this route type");
    nh.scope = RT_SCOPE_NOWHERE;
    return findInfo(fib, fi);
  }
  switch (type) {
    case RTN_UNICAST:
    case RTN_LOCAL:
    case RTN_BROADCAST:
    case RTN_ANYCAST:
    case RTN_MULTICAST:
      break;
    default:
      throw new KernelError(EINVAL, "Invalid route type");
  }
  if (scope > RT_SCOPE_HOST) throw new KernelError(EINVAL, "Invalid scope");
  if (scope === RT_SCOPE_HOST) {
    // A local address: no gateway, the device must exist.
    if (nh.gw !== 0) throw new KernelError(EINVAL, "Gateway can not be specified for scope host");
    nh.scope = RT_SCOPE_NOWHERE;
    const dev = net.devicesByIndex.get(nh.oif);
    if (dev === undefined) throw new KernelError(ENODEV);
    nh.dev = dev;
  } else {
    fibCheckNh(fib, cfg, nh, scope);
  }
  if (fi.prefsrc !== 0 && !fibValidPrefsrc(net, cfg, fi.prefsrc)) throw new KernelError(EINVAL, "Invalid prefsrc address");
  return findInfo(fib, fi);
}

const candidate = new FibInfo();

function findInfo(fib: Fib, c: FibInfo): FibInfo {
  const hash = fibInfoHash(c);
  const bucket = fib.infos.get(hash);
  if (bucket !== undefined) {
    for (const old of bucket) if (!old.dead && !(old.flags & RTNH_F_DEAD) && fibInfoEqual(old, c)) return old;
  }
  const fi = new FibInfo();
  fi.protocol = c.protocol;
  fi.scope = c.scope;
  fi.type = c.type;
  fi.priority = c.priority;
  fi.prefsrc = c.prefsrc;
  fi.flags = c.flags;
  fi.mtu = c.mtu;
  fi.mtuLock = c.mtuLock;
  fi.advmss = c.advmss;
  fi.window = c.window;
  fi.rtt = c.rtt;
  fi.hash = hash;
  const nh = fi.nh;
  nh.dev = c.nh.dev;
  nh.oif = c.nh.oif;
  nh.gw = c.nh.gw;
  nh.flags = c.nh.flags;
  nh.scope = c.nh.scope;
  return fi;
}

/** fib_check_nh(): resolves and validates a next hop's device and gateway. */
function fibCheckNh(fib: Fib, cfg: FibConfig, nh: FibNh, scope: number): void {
  const net = fib.net;
  if (nh.gw === 0) {
    if (nh.flags & RTNH_F_ONLINK) throw new KernelError(EINVAL);
    const dev = net.devicesByIndex.get(nh.oif);
    if (dev === undefined || inDevGet(dev) === null) throw new KernelError(ENODEV);
    if (!(dev.flags & IFF_UP)) throw new KernelError(ENETDOWN, "Device for nexthop is not up");
    nh.dev = dev;
    nh.scope = RT_SCOPE_HOST;
    if (!netifCarrierOk(dev)) nh.flags |= RTNH_F_LINKDOWN;
    return;
  }
  if (nh.flags & RTNH_F_ONLINK) {
    if (scope >= RT_SCOPE_LINK) throw new KernelError(EINVAL, "Nexthop has invalid scope");
    const dev = net.devicesByIndex.get(nh.oif);
    if (dev === undefined) throw new KernelError(ENODEV, "Nexthop device required for onlink");
    if (!(dev.flags & IFF_UP)) throw new KernelError(ENETDOWN, "Nexthop device is not up");
    if (inetAddrType(net, nh.gw, null, RT_TABLE_LOCAL) !== RTN_UNICAST) throw new KernelError(EINVAL, "Nexthop has invalid gateway");
    if (!netifCarrierOk(dev)) nh.flags |= RTNH_F_LINKDOWN;
    nh.dev = dev;
    nh.scope = RT_SCOPE_LINK;
    return;
  }
  if (nh.oif !== 0 && !net.devicesByIndex.has(nh.oif)) throw new KernelError(ENODEV);
  const fl = checkFl.reset();
  fl.daddr = nh.gw;
  fl.scope = Math.max(scope + 1, RT_SCOPE_LINK);
  fl.oif = nh.oif;
  fl.iif = LOOPBACK_IFINDEX;
  const res = checkRes.reset();
  let err = -EAGAIN;
  const table = cfg.table !== 0 && cfg.table !== RT_TABLE_MAIN ? fib.getTable(cfg.table) : null;
  if (table !== null) err = table.lookup(fl, res, FIB_LOOKUP_IGNORE_LINKSTATE | FIB_LOOKUP_NOREF);
  if (table === null || err !== 0) err = fibLookup(net, fl, res, FIB_LOOKUP_IGNORE_LINKSTATE);
  if (err !== 0) {
    res.reset();
    throw new KernelError(-err, "Nexthop has invalid gateway");
  }
  if (res.type !== RTN_UNICAST && res.type !== RTN_LOCAL) {
    res.reset();
    throw new KernelError(EINVAL, "Nexthop has invalid gateway");
  }
  const found = res.fi!.nh;
  const dev = found.dev;
  nh.scope = res.scope;
  res.reset();
  if (dev === null) throw new KernelError(EINVAL, "No egress device for nexthop gateway");
  nh.oif = dev.ifindex;
  nh.dev = dev;
  if (!(dev.flags & IFF_UP)) throw new KernelError(ENETDOWN);
  if (!netifCarrierOk(dev)) nh.flags |= RTNH_F_LINKDOWN;
}

/** fib_valid_prefsrc(): a preferred source must be a local address. */
function fibValidPrefsrc(net: Net, cfg: FibConfig, prefsrc: number): boolean {
  if (cfg.type !== RTN_LOCAL || cfg.dst === 0 || prefsrc !== cfg.dst >>> 0) {
    let tbId = cfg.table;
    if (tbId === RT_TABLE_MAIN) tbId = RT_TABLE_LOCAL;
    let rc = inetAddrType(net, prefsrc, null, tbId);
    if (rc !== RTN_LOCAL && tbId !== RT_TABLE_LOCAL) rc = inetAddrType(net, prefsrc, null, RT_TABLE_LOCAL);
    if (rc !== RTN_LOCAL) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Reactions to devices and addresses

/**
 * fib_sync_down_dev(): marks next hops through `dev` dead (DOWN, UNREGISTER) or link-down
 * (CHANGE). Local routes (next-hop scope nowhere) survive DOWN but not `force` (unregister).
 * Returns how many fib_infos died.
 */
export function fibSyncDownDev(net: Net, dev: NetDevice, event: "down" | "unregister" | "change", force: boolean): number {
  const fib = net.gen(FIB_KEY);
  const set = fib.devInfos.get(dev);
  if (set === undefined) return 0;
  const scope = force ? -1 : RT_SCOPE_NOWHERE;
  let ret = 0;
  for (const fi of set) {
    const nh = fi.nh;
    let dead = 0;
    if (nh.flags & RTNH_F_DEAD) dead++;
    else if (nh.dev === dev && nh.scope !== scope) {
      if (event !== "change") nh.flags |= RTNH_F_DEAD;
      nh.flags |= RTNH_F_LINKDOWN;
      dead++;
    }
    if (dead === 1) {
      if (event !== "change") fi.flags |= RTNH_F_DEAD;
      fi.flags |= RTNH_F_LINKDOWN;
      ret++;
    }
  }
  return ret;
}

/** fib_sync_up(dev, RTNH_F_LINKDOWN): the carrier is back. */
export function fibSyncUp(net: Net, dev: NetDevice): void {
  const set = net.gen(FIB_KEY).devInfos.get(dev);
  if (set === undefined) return;
  for (const fi of set) {
    if (fi.nh.dev === dev && !(fi.nh.flags & RTNH_F_DEAD)) {
      fi.nh.flags &= ~RTNH_F_LINKDOWN;
      fi.flags &= ~RTNH_F_LINKDOWN;
    }
  }
}

/** fib_sync_down_addr(): routes preferring a vanished source address die. */
export function fibSyncDownAddr(net: Net, dev: NetDevice, local: number): number {
  const fib = net.gen(FIB_KEY);
  let ret = 0;
  for (const bucket of fib.infos.values()) for (const fi of bucket) {
    if (fi.prefsrc === local >>> 0 && fi.nh.dev !== null && fi.nh.dev.net === dev.net) {
      fi.flags |= RTNH_F_DEAD;
      ret++;
    }
  }
  return ret;
}

/** fib_flush(): removes dead routes from every table. */
export function fibFlush(net: Net): number {
  const fib = net.gen(FIB_KEY);
  let n = 0;
  for (const t of fib.tables.values()) n += t.flush();
  fib.flushCache();
  return n;
}

/** fib_sync_mtu(): a route MTU above the device's new MTU is cut down (unlocked only). */
export function fibSyncMtu(net: Net, dev: NetDevice): void {
  const set = net.gen(FIB_KEY).devInfos.get(dev);
  if (set === undefined) return;
  for (const fi of set) if (fi.mtu > dev.mtu && !fi.mtuLock) fi.mtu = dev.mtu;
}

/**
 * fib_result_prefsrc(): the source address for a route: its prefsrc, else the next hop's
 * device address chosen by inet_select_addr (cached per address generation).
 */
export function fibResultPrefsrc(net: Net, res: FibResult): number {
  const fi = res.fi;
  if (fi === null) return 0;
  if (fi.prefsrc !== 0) return fi.prefsrc;
  const nh = fi.nh;
  const fib = net.gen(FIB_KEY);
  if (nh.saddrGenid !== fib.addrGenid) {
    nh.saddr = nh.dev === null ? 0 : inetSelectAddr(nh.dev, nh.gw, nh.scope);
    nh.saddrGenid = fib.addrGenid;
  }
  return nh.saddr;
}

// ---------------------------------------------------------------------------------------------
// /proc/net/route

function hex8(addr: number): string {
  // The kernel prints the network-order word as a native (little-endian) number.
  const le = ((addr & 0xff) << 24) | ((addr >>> 8 & 0xff) << 16) | ((addr >>> 16 & 0xff) << 8) | (addr >>> 24);
  return (le >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

/** /proc/net/route (fib_route_seq_show): the main table, 127-column lines, no broadcast routes. */
export function procNetRoute(net: Net): string {
  const pad = (s: string): string => s.padEnd(127) + "\n";
  let out = pad("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
  const main = net.gen(FIB_KEY).main;
  for (const r of main.dump()) {
    if (r.type === RTN_BROADCAST || r.type === RTN_MULTICAST) continue;
    const mask = inetMakeMask(r.dstLen);
    let flags = r.type === RTN_UNREACHABLE || r.type === RTN_PROHIBIT ? RTF_REJECT : 0;
    if (r.gateway !== 0) flags |= RTF_GATEWAY;
    if (r.dstLen === 32) flags |= RTF_HOST;
    flags |= RTF_UP;
    const f4 = flags.toString(16).toUpperCase().padStart(4, "0");
    const name = r.dev === null ? "*" : r.dev;
    out += pad(
      `${name}\t${hex8(r.dst)}\t${hex8(r.gateway)}\t${f4}\t0\t0\t${r.priority | 0}\t${hex8(mask)}\t${r.advmss ? r.advmss + 40 : 0}\t${r.window}\t${r.rtt >> 3}`,
    );
  }
  return out;
}
