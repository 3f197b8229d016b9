// The generic neighbour layer (net/core/neighbour.c): NUD state machine, timers in virtual time,
// the unresolved queue, hardware-header cache and garbage collection. ARP (neigh/arp.ts) plugs
// its solicit/error_report/constructor into a table.
import type { Net } from "../kernel/net.js";
import { Timer } from "../kernel/scheduler.js";
import { EINVAL, ENOBUFS, EPERM, KernelError } from "../kernel/errno.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { allocSkb, copyView, kfreeSkb, SkbQueue, type SkBuff } from "../netdevice/skbuff.js";
import { devHardHeader, devQueueXmit, dropSkb } from "../netdevice/dev.js";
import { MAX_ADDR_LEN } from "../netdevice/constants.js";

/** Neighbour Unreachability Detection states (NUD_*). */
export const NUD_NONE = 0x00;
export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;
/** hh_cache buffers come in units of this many bytes (HH_DATA_MOD). */
const HH_DATA_MOD = 16;

export const NUD_IN_TIMER: number = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE;
export const NUD_VALID: number = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
export const NUD_CONNECTED: number = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;

/** The state names iproute2 prints. */
export function nudStateName(state: number): string {
  const names: [number, string][] = [
    [NUD_INCOMPLETE, "INCOMPLETE"], [NUD_REACHABLE, "REACHABLE"], [NUD_STALE, "STALE"], [NUD_DELAY, "DELAY"],
    [NUD_PROBE, "PROBE"], [NUD_FAILED, "FAILED"], [NUD_NOARP, "NOARP"], [NUD_PERMANENT, "PERMANENT"],
  ];
  const out = names.filter(([bit]) => state & bit).map(([, n]) => n);
  return out.length === 0 ? "NONE" : out.join(" ");
}

/** Neighbour entry flags (NTF_*). */
export const NTF_USE = 0x01;
export const NTF_SELF = 0x02;
export const NTF_MASTER = 0x04;
export const NTF_PROXY = 0x08;
export const NTF_EXT_LEARNED = 0x10;
export const NTF_ROUTER = 0x80;

/** neigh_update flags. */
export const NEIGH_UPDATE_F_OVERRIDE = 0x1;
export const NEIGH_UPDATE_F_WEAK_OVERRIDE = 0x2;
export const NEIGH_UPDATE_F_OVERRIDE_ISROUTER = 0x4;
export const NEIGH_UPDATE_F_USE = 0x10;
export const NEIGH_UPDATE_F_ADMIN = 0x40000000;

/** How a neighbour transmits (neigh->output). */
export const NEIGH_OUTPUT_RESOLVE = 0;
export const NEIGH_OUTPUT_DIRECT = 1;

/** Per-device (or table default) parameters (struct neigh_parms); times in jiffies. */
export class NeighParms {
  dev: NetDevice | null;
  /** reachable_time: randomized from base_reachable_time, in jiffies. */
  reachableTime = 0;
  baseReachableTime: number;
  retransTime: number;
  delayProbeTime: number;
  gcStaletime: number;
  locktime: number;
  ucastProbes = 3;
  mcastProbes = 3;
  mcastReprobes = 0;
  appProbes = 0;
  /** unres_qlen: packets queued per entry while resolving. */
  queueLen = 101;
  proxyQlen = 64;
  anycastDelay: number;
  proxyDelay: number;
  intervalProbeTimeMs = 5000;

  constructor(hz: number, dev: NetDevice | null) {
    this.dev = dev;
    this.baseReachableTime = 30 * hz;
    this.retransTime = hz;
    this.delayProbeTime = 5 * hz;
    this.gcStaletime = 60 * hz;
    this.locktime = hz;
    this.anycastDelay = hz;
    this.proxyDelay = Math.floor((8 * hz) / 10);
  }

  copyFrom(p: NeighParms): void {
    this.reachableTime = p.reachableTime;
    this.baseReachableTime = p.baseReachableTime;
    this.retransTime = p.retransTime;
    this.delayProbeTime = p.delayProbeTime;
    this.gcStaletime = p.gcStaletime;
    this.locktime = p.locktime;
    this.ucastProbes = p.ucastProbes;
    this.mcastProbes = p.mcastProbes;
    this.mcastReprobes = p.mcastReprobes;
    this.appProbes = p.appProbes;
    this.queueLen = p.queueLen;
    this.proxyQlen = p.proxyQlen;
    this.anycastDelay = p.anycastDelay;
    this.proxyDelay = p.proxyDelay;
    this.intervalProbeTimeMs = p.intervalProbeTimeMs;
  }
}

/** What a protocol plugs into a table (struct neigh_ops plus the table's constructor). */
export interface NeighOps {
  /** Sends a probe (arp_solicit); `skb` is the newest queued packet, or null. */
  solicit(n: Neighbour, skb: SkBuff | null): void;
  /** A queued packet could not be delivered (arp_error_report). */
  errorReport(n: Neighbour, skb: SkBuff): void;
  /** Sets the initial state, output and address of a new entry (arp_constructor). */
  construct(n: Neighbour): void;
  /** The ethertype of the protocol the table resolves for (ETH_P_IP). */
  readonly protocol: number;
}

/** A neighbour entry (struct neighbour). */
export class Neighbour {
  readonly tbl: NeighTable;
  readonly dev: NetDevice;
  /** primary_key: the IPv4 address (0 on loopback and point-to-point devices). */
  readonly key: number;
  /** The hardware address; the first dev.addrLen bytes count. */
  readonly ha: Uint8Array = new Uint8Array(MAX_ADDR_LEN);
  nudState: number = NUD_NONE;
  /** The route type of the key (RTN_UNICAST, RTN_BROADCAST...). */
  type = 0;
  flags = 0;
  dead = false;
  /** Jiffies of the last state/address change, last use, and last confirmation. */
  updated = 0;
  used = 0;
  confirmed = 0;
  probes = 0;
  output: number = NEIGH_OUTPUT_RESOLVE;
  parms: NeighParms;
  readonly timer: Timer<Neighbour>;
  readonly arpQueue: SkbQueue = new SkbQueue();
  /** The cached link-level header (hh_cache), valid while hhLen > 0: its last hhLen bytes. */
  hh: Uint8Array | null = null;
  /** A DataView of hh, for copying it in words. */
  hhView: DataView | null = null;
  hhLen = 0;
  /** Next entry with the same key in the table's hash. */
  hnext: Neighbour | null = null;

  constructor(tbl: NeighTable, dev: NetDevice, key: number) {
    this.tbl = tbl;
    this.dev = dev;
    this.key = key >>> 0;
    this.parms = tbl.parms;
    this.timer = new Timer<Neighbour>(neighTimerHandler, this);
  }
}

/** Table statistics (struct neigh_statistics, /proc/net/stat/arp_cache). */
export class NeighStatistics {
  allocs = 0;
  destroys = 0;
  hashGrows = 0;
  resFailed = 0;
  lookups = 0;
  hits = 0;
  rcvProbesMcast = 0;
  rcvProbesUcast = 0;
  periodicGcRuns = 0;
  forcedGcRuns = 0;
  unresDiscards = 0;
  tableFulls = 0;
}

/** A neighbour table (struct neigh_table), one per namespace here. */
export class NeighTable {
  readonly net: Net;
  readonly id: string;
  readonly ops: NeighOps;
  /** The table's default parameters (neigh/default). */
  readonly parms: NeighParms;
  /** Per-device parameters (neigh/DEV). */
  readonly parmsList: Set<NeighParms> = new Set();
  /** Entries by key (int32), chained by hnext. */
  readonly hash: Map<number, Neighbour> = new Map();
  /** Every entry in creation order (for dumps). */
  readonly all: Set<Neighbour> = new Set();
  entries = 0;
  gcThresh1 = 128;
  gcThresh2 = 512;
  gcThresh3 = 1024;
  /** gc_interval in jiffies. */
  gcInterval: number;
  lastFlush = 0;
  lastRand = 0;
  readonly stats: NeighStatistics = new NeighStatistics();
  readonly gcTimer: Timer<NeighTable>;

  constructor(net: Net, id: string, ops: NeighOps) {
    this.net = net;
    this.id = id;
    this.ops = ops;
    const k = net.kernel;
    this.parms = new NeighParms(k.hz, null);
    this.parms.reachableTime = neighRandReachTime(this, this.parms.baseReachableTime);
    this.gcInterval = 30 * k.hz;
    this.lastRand = k.jiffies;
    this.gcTimer = new Timer<NeighTable>(neighPeriodicWork, this);
    // Like a work item, garbage collection does not keep an otherwise idle system running.
    this.gcTimer.deferrable = true;
    k.modTimer(this.gcTimer, k.jiffies + Math.max(1, this.parms.baseReachableTime >> 1));
  }

  get jiffies(): number {
    const k = this.net.kernel;
    return k.scheduler.jiffiesAt(k.nsPerJiffy);
  }

  /** neigh_parms_alloc(): per-device parameters, cloned from the defaults. */
  parmsAlloc(dev: NetDevice): NeighParms {
    const p = new NeighParms(this.net.kernel.hz, dev);
    p.copyFrom(this.parms);
    p.reachableTime = neighRandReachTime(this, p.baseReachableTime);
    this.parmsList.add(p);
    return p;
  }

  parmsRelease(p: NeighParms): void {
    this.parmsList.delete(p);
  }

  /** neigh_lookup(): the entry for (key, dev), or null. */
  lookup(key: number, dev: NetDevice): Neighbour | null {
    let n = this.hash.get(key | 0) ?? null;
    while (n !== null && n.dev !== dev) n = n.hnext;
    return n;
  }

  /** Stops the periodic work (namespace exit). */
  destroy(): void {
    this.net.kernel.delTimer(this.gcTimer);
    for (const n of [...this.all]) neighRemove(n);
  }
}

/** neigh_rand_reach_time(): uniformly in [base/2, 3*base/2) from the kernel PRNG. */
export function neighRandReachTime(tbl: NeighTable, base: number): number {
  return base ? tbl.net.kernel.prng.below(base) + (base >> 1) : 0;
}

/** neigh_max_probes(). */
function neighMaxProbes(n: Neighbour): number {
  const p = n.parms;
  return p.ucastProbes + (n.nudState & NUD_PROBE ? p.mcastReprobes : p.mcastProbes + p.appProbes);
}

function neighAddTimer(n: Neighbour, when: number): void {
  n.tbl.net.kernel.modTimer(n.timer, when);
}

function neighDelTimer(n: Neighbour): void {
  if (n.nudState & NUD_IN_TIMER) n.tbl.net.kernel.delTimer(n.timer);
}

/**
 * __neigh_create(): a new entry for (key, dev); forced GC when the table is above gc_thresh2
 * (and it has been 5 s) or gc_thresh3; ENOBUFS when it stays full.
 */
export function neighCreate(tbl: NeighTable, key: number, dev: NetDevice): Neighbour {
  const now = tbl.jiffies;
  const hz = tbl.net.kernel.hz;
  if (tbl.entries >= tbl.gcThresh3 || (tbl.entries >= tbl.gcThresh2 && now > tbl.lastFlush + 5 * hz)) {
    if (neighForcedGc(tbl) === 0 && tbl.entries >= tbl.gcThresh3) {
      tbl.stats.tableFulls++;
      tbl.net.kernel.printk(`neighbour: ${tbl.id}: neighbor table overflow!`);
      throw new KernelError(ENOBUFS);
    }
  }
  const n = new Neighbour(tbl, dev, key);
  n.updated = n.used = now;
  n.confirmed = now - (n.parms.baseReachableTime << 1);
  tbl.ops.construct(n);
  const k = n.key | 0;
  n.hnext = tbl.hash.get(k) ?? null;
  tbl.hash.set(k, n);
  tbl.all.add(n);
  tbl.entries++;
  tbl.stats.allocs++;
  return n;
}

/** __neigh_lookup(..., creat): looks up and creates when missing. */
export function neighLookupCreate(tbl: NeighTable, key: number, dev: NetDevice): Neighbour {
  const n = tbl.lookup(key, dev);
  tbl.stats.lookups++;
  if (n !== null) {
    tbl.stats.hits++;
    return n;
  }
  return neighCreate(tbl, key, dev);
}

/** Unlinks an entry: it is dead, its timer stopped and its queue freed (neigh_mark_dead + release). */
export function neighRemove(n: Neighbour): void {
  if (n.dead) return;
  const tbl = n.tbl;
  n.dead = true;
  tbl.net.kernel.delTimer(n.timer);
  const k = n.key | 0;
  let p = tbl.hash.get(k) ?? null;
  if (p === n) {
    if (n.hnext === null) tbl.hash.delete(k);
    else tbl.hash.set(k, n.hnext);
  } else {
    while (p !== null && p.hnext !== n) p = p.hnext;
    if (p !== null) p.hnext = n.hnext;
  }
  n.hnext = null;
  tbl.all.delete(n);
  tbl.entries--;
  tbl.stats.destroys++;
  n.arpQueue.purge();
  n.hhLen = 0;
}

/** neigh_hh_init(): builds the cached header with the device's header_ops. */
function neighHhInit(n: Neighbour): void {
  const dev = n.dev;
  if (dev.headerOps === null) return;
  const skb = allocSkb(128);
  skb.reserve(64);
  const len = devHardHeader(skb, dev, n.tbl.ops.protocol, n.ha, null, 0);
  if (len > 0) {
    // hh_data: the header at the end of a buffer of whole 16-byte units (HH_DATA_ALIGN), so that
    // output copies whole words, as neigh_hh_output does, ending where the frame starts.
    const alen = (len + HH_DATA_MOD - 1) & ~(HH_DATA_MOD - 1);
    const hh = n.hh !== null && n.hh.length === alen ? n.hh : new Uint8Array(alen);
    hh.set(skb.head.subarray(skb.data, skb.data + len), alen - len);
    if (hh !== n.hh) n.hhView = new DataView(hh.buffer, hh.byteOffset, hh.byteLength);
    n.hh = hh;
    n.hhLen = len;
  }
  kfreeSkb(skb);
}

/** neigh_update_hhs(): the address changed, so does the cached header. */
function neighUpdateHhs(n: Neighbour): void {
  if (n.hhLen > 0) neighHhInit(n);
}

/**
 * __neigh_update(): moves an entry to `state` with hardware address `lladdr` (null: keep it),
 * honouring OVERRIDE/WEAK_OVERRIDE/ADMIN as Linux. Releases queued packets once valid.
 * Returns 0 or a negative errno (-EPERM on a NOARP/PERMANENT entry without ADMIN).
 */
export function neighUpdate(n: Neighbour, lladdr: Uint8Array | null, state: number, flags: number): number {
  const dev = n.dev;
  const old = n.nudState;
  const now = n.tbl.jiffies;
  if (n.dead) return -EPERM;
  if (!(flags & NEIGH_UPDATE_F_ADMIN) && old & (NUD_NOARP | NUD_PERMANENT)) return -EPERM;
  if (!(state & NUD_VALID)) {
    neighDelTimer(n);
    n.nudState = state;
    if (old & (NUD_INCOMPLETE | NUD_PROBE) && state & NUD_FAILED) neighInvalidate(n);
    return 0;
  }
  const alen = dev.addrLen;
  let same: boolean;
  if (alen === 0) {
    same = true;
  } else if (lladdr !== null) {
    same = old & NUD_VALID ? haEqual(n.ha, lladdr, alen) : false;
  } else {
    if (!(old & NUD_VALID)) return -EINVAL;
    same = true;
  }
  if (state & NUD_CONNECTED) n.confirmed = now;
  if (old & NUD_VALID) {
    if (!same && !(flags & NEIGH_UPDATE_F_OVERRIDE)) {
      if (flags & NEIGH_UPDATE_F_WEAK_OVERRIDE && old & NUD_CONNECTED) {
        same = true;
        state = NUD_STALE;
      } else {
        return 0;
      }
    } else if (same && state === NUD_STALE && !(flags & NEIGH_UPDATE_F_ADMIN)) {
      state = old;
    }
  }
  if (state !== old || !same) n.updated = now;
  if (state !== old) {
    neighDelTimer(n);
    if (state & NUD_PROBE) n.probes = 0;
    n.nudState = state;
    if (state & NUD_IN_TIMER) neighAddTimer(n, now + (state & NUD_REACHABLE ? n.parms.reachableTime : 0));
  }
  if (!same && lladdr !== null) {
    n.ha.set(lladdr.subarray(0, alen));
    neighUpdateHhs(n);
    if (!(state & NUD_CONNECTED)) n.confirmed = now - (n.parms.baseReachableTime << 1);
  }
  if (state === old) return 0;
  if (!(old & NUD_VALID)) {
    // Release what waited for the address.
    for (let skb = n.arpQueue.dequeue(); skb !== null && n.nudState & NUD_VALID; skb = n.arpQueue.dequeue()) {
      neighOutput(n, skb);
    }
    n.arpQueue.purge();
  }
  return 0;
}

function haEqual(a: Uint8Array, b: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** neigh_invalidate(): the entry FAILED; every queued packet is reported and dropped. */
function neighInvalidate(n: Neighbour): void {
  n.updated = n.tbl.jiffies;
  for (let skb = n.arpQueue.dequeue(); skb !== null; skb = n.arpQueue.dequeue()) {
    if (n.nudState !== NUD_FAILED) {
      kfreeSkb(skb);
      continue;
    }
    n.tbl.stats.resFailed++;
    n.tbl.ops.errorReport(n, skb);
    dropSkb(skb, "NEIGH_FAILED");
  }
}

/** neigh_probe(): one solicitation, with the newest queued packet as context. */
function neighProbe(n: Neighbour): void {
  n.tbl.ops.solicit(n, n.arpQueue.tail);
  n.probes++;
}

/** neigh_timer_handler(): REACHABLE->DELAY/STALE, DELAY->REACHABLE/PROBE, probes, FAILED. */
function neighTimerHandler(n: Neighbour): void {
  if (n.dead) return;
  const k = n.tbl.net.kernel;
  const hz = k.hz;
  const now = k.jiffies;
  let next = now + hz;
  const state = n.nudState;
  if (!(state & NUD_IN_TIMER)) return;
  const p = n.parms;
  if (state & NUD_REACHABLE) {
    if (now <= n.confirmed + p.reachableTime) {
      next = n.confirmed + p.reachableTime;
    } else if (now <= n.used + p.delayProbeTime) {
      n.nudState = NUD_DELAY;
      n.updated = now;
      next = now + p.delayProbeTime;
    } else {
      n.nudState = NUD_STALE;
      n.updated = now;
    }
  } else if (state & NUD_DELAY) {
    if (now <= n.confirmed + p.delayProbeTime) {
      n.nudState = NUD_REACHABLE;
      n.updated = now;
      next = n.confirmed + p.reachableTime;
    } else {
      n.nudState = NUD_PROBE;
      n.updated = now;
      n.probes = 0;
      next = now + Math.max(p.retransTime, Math.floor(hz / 100));
    }
  } else {
    next = now + Math.max(p.retransTime, Math.floor(hz / 100));
  }
  if (n.nudState & (NUD_INCOMPLETE | NUD_PROBE) && n.probes >= neighMaxProbes(n)) {
    n.nudState = NUD_FAILED;
    neighInvalidate(n);
    return;
  }
  if (n.nudState & NUD_IN_TIMER) {
    if (next < now + Math.floor(hz / 100)) next = now + Math.floor(hz / 100);
    k.modTimer(n.timer, next);
  }
  if (n.nudState & (NUD_INCOMPLETE | NUD_PROBE)) neighProbe(n);
}

/**
 * __neigh_event_send(): called when a packet wants an unresolved entry. Starts resolution
 * (INCOMPLETE, first probe now), moves STALE to DELAY, queues the packet while INCOMPLETE
 * (bounded by unres_qlen, oldest dropped first). Returns 0 when the packet may go now, 1 when
 * it was queued or dropped.
 */
export function neighEventSend(n: Neighbour, skb: SkBuff | null): number {
  const now = n.tbl.jiffies;
  n.used = now;
  const state = n.nudState;
  if (state & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE)) return 0;
  if (n.dead) {
    if (state & NUD_STALE) return 0;
    if (skb !== null) dropSkb(skb, "NEIGH_FAILED");
    return 1;
  }
  let immediateProbe = false;
  const p = n.parms;
  if (!(state & (NUD_STALE | NUD_INCOMPLETE))) {
    if (p.mcastProbes + p.appProbes) {
      n.probes = p.ucastProbes;
      neighDelTimer(n);
      n.nudState = NUD_INCOMPLETE;
      n.updated = now;
      immediateProbe = true;
      neighAddTimer(n, now + Math.max(p.retransTime, Math.floor(n.tbl.net.kernel.hz / 100)));
    } else {
      n.nudState = NUD_FAILED;
      n.updated = now;
      if (skb !== null) dropSkb(skb, "NEIGH_FAILED");
      return 1;
    }
  } else if (state & NUD_STALE) {
    neighDelTimer(n);
    n.nudState = NUD_DELAY;
    n.updated = now;
    neighAddTimer(n, now + p.delayProbeTime);
  }
  let rc = 0;
  if (n.nudState === NUD_INCOMPLETE) {
    if (skb !== null) {
      while (n.arpQueue.qlen >= p.queueLen) {
        const old = n.arpQueue.dequeue();
        if (old === null) break;
        n.tbl.stats.unresDiscards++;
        dropSkb(old, "NEIGH_QUEUEFULL");
      }
      if (p.queueLen > 0) n.arpQueue.enqueue(skb);
      else {
        n.tbl.stats.unresDiscards++;
        dropSkb(skb, "NEIGH_QUEUEFULL");
      }
    }
    rc = 1;
  }
  if (immediateProbe) neighProbe(n);
  return rc;
}

/**
 * neigh_output(): the cached header when connected, else neigh_resolve_output (or a device
 * without header_ops: straight out). Consumes the skb; returns dev_queue_xmit's result or 0.
 */
export function neighOutput(n: Neighbour, skb: SkBuff): number {
  if (n.nudState & NUD_CONNECTED && n.hhLen !== 0) {
    // neigh_hh_output: the whole aligned buffer, its spare bytes landing in the headroom.
    const hh = n.hh!;
    const alen = hh.length;
    if (skb.data < alen) return neighOutputRealloc(n, skb);
    copyView(skb.head, skb.view, skb.data - alen, hh, n.hhView!, 0, alen);
    skb.data -= n.hhLen;
    return devQueueXmit(skb);
  }
  if (n.output === NEIGH_OUTPUT_DIRECT) return devQueueXmit(skb);
  return neighResolveOutput(n, skb);
}

/** Not enough headroom for the cached link header (skb_realloc_headroom), then the same. */
function neighOutputRealloc(n: Neighbour, skb: SkBuff): number {
  const moved = skbGrowHeadroom(skb, n.hh!.length);
  if (moved === null) return -ENOBUFS;
  return neighOutput(n, moved);
}

/** neigh_resolve_output(). */
export function neighResolveOutput(n: Neighbour, skb: SkBuff): number {
  if (neighEventSend(n, skb) !== 0) return 0;
  const dev = n.dev;
  if (dev.headerOps !== null && n.hhLen === 0) neighHhInit(n);
  const need = dev.hardHeaderLen;
  if (skb.data < need) {
    const moved = skbGrowHeadroom(skb, need);
    if (moved === null) return -ENOBUFS;
    skb = moved;
  }
  if (devHardHeader(skb, dev, n.tbl.ops.protocol, n.ha, null, skb.len) >= 0) return devQueueXmit(skb);
  dropSkb(skb, "DEV_HDR");
  return -EINVAL;
}

/** skb_realloc_headroom(): a copy of the packet with `need` bytes (plus padding) before it. */
export function skbGrowHeadroom(skb: SkBuff, need: number): SkBuff | null {
  const len = skb.len;
  const head = need + 64;
  const n = allocSkb(head + len);
  n.reserve(head);
  n.head.set(skb.head.subarray(skb.data, skb.tail), n.data);
  n.put(len);
  const delta = n.data - skb.data;
  n.networkHeader = skb.networkHeader < 0 ? -1 : skb.networkHeader + delta;
  n.transportHeader = skb.transportHeader < 0 ? -1 : skb.transportHeader + delta;
  n.macHeader = -1;
  n.protocol = skb.protocol;
  n.pktType = skb.pktType;
  n.priority = skb.priority;
  n.mark = skb.mark;
  n.tstamp = skb.tstamp;
  n.iif = skb.iif;
  n.dev = skb.dev;
  n.dst = skb.dst;
  n.sk = skb.sk;
  kfreeSkb(skb);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Flushing and garbage collection

/** neigh_flush_dev / __neigh_ifdown: removes the device's entries (all, or all but permanent). */
export function neighIfdown(tbl: NeighTable, dev: NetDevice | null, skipPerm: boolean): void {
  for (const n of [...tbl.all]) {
    if (dev !== null && n.dev !== dev) continue;
    if (skipPerm && n.nudState & NUD_PERMANENT) continue;
    neighRemove(n);
  }
}

/** neigh_changeaddr(): the device's address changed; its entries are dropped. */
export function neighChangeaddr(tbl: NeighTable, dev: NetDevice): void {
  neighIfdown(tbl, dev, false);
}

/** neigh_forced_gc(): drops non-permanent entries not updated for 5 s, down to gc_thresh2. */
function neighForcedGc(tbl: NeighTable): number {
  const max = tbl.entries - tbl.gcThresh2;
  const hz = tbl.net.kernel.hz;
  const tref = tbl.jiffies - 5 * hz;
  let shrunk = 0;
  tbl.stats.forcedGcRuns++;
  for (const n of [...tbl.all]) {
    if (n.nudState & NUD_PERMANENT || n.flags & NTF_EXT_LEARNED) continue;
    if (n.nudState === NUD_FAILED || n.nudState === NUD_NOARP || n.updated < tref || n.updated > tbl.jiffies) {
      if (n.arpQueue.qlen > 0) continue;
      neighRemove(n);
      if (++shrunk >= max) break;
    }
  }
  tbl.lastFlush = tbl.jiffies;
  return shrunk;
}

/** neigh_periodic_work(): re-randomizes reachable_time every 300 s and drops stale entries. */
function neighPeriodicWork(tbl: NeighTable): void {
  const k = tbl.net.kernel;
  const now = k.jiffies;
  tbl.stats.periodicGcRuns++;
  if (now > tbl.lastRand + 300 * k.hz) {
    tbl.lastRand = now;
    tbl.parms.reachableTime = neighRandReachTime(tbl, tbl.parms.baseReachableTime);
    for (const p of tbl.parmsList) p.reachableTime = neighRandReachTime(tbl, p.baseReachableTime);
  }
  if (tbl.entries >= tbl.gcThresh1) {
    for (const n of [...tbl.all]) {
      const state = n.nudState;
      if (state & (NUD_PERMANENT | NUD_IN_TIMER) || n.flags & NTF_EXT_LEARNED) continue;
      if (n.used < n.confirmed) n.used = n.confirmed;
      if (n.arpQueue.qlen === 0 && (state === NUD_FAILED || !(now >= n.used && now < n.used + n.parms.gcStaletime))) neighRemove(n);
    }
  }
  k.modTimer(tbl.gcTimer, now + Math.max(1, tbl.parms.baseReachableTime >> 1));
}

/** neigh_event_ns(): a packet from (key, lladdr) on dev says the neighbour is there (STALE). */
export function neighEventNs(tbl: NeighTable, lladdr: Uint8Array, key: number, dev: NetDevice): Neighbour | null {
  let n: Neighbour;
  try {
    n = neighLookupCreate(tbl, key, dev);
  } catch {
    return null;
  }
  neighUpdate(n, lladdr, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE);
  return n;
}
