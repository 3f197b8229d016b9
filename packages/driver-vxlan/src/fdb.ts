/**
 * The forwarding database of a VXLAN device: which remote VTEP a MAC address sits behind.
 * Entries come from `bridge fdb add|append|replace` (and `remote` at creation, as the all-zeros
 * entry that floods), or are learned from received frames and age out 300 s after the last one.
 */
import {
  EINVAL, ENOENT, EEXIST, EOPNOTSUPP, KernelError, NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE, NUD_STALE, ipv4ToString,
  isValidEther, macToString, parseMac, type NetDevice,
} from "@vnet/core";
import { ALL_ZEROS_KEY, FdbEntry, VxlanPriv, macKey, type VxlanDevice } from "./priv.js";
import { toAddr } from "./transport.js";

/** FDB_AGE_INTERVAL: how often the ageing timer looks for expired entries, in seconds. */
export const FDB_AGE_INTERVAL = 10;

/** The states `bridge fdb add` takes: permanent (the default), static, dynamic (ages). */
export type FdbState = "permanent" | "static" | "dynamic";

/** One line of `bridge fdb show` (one per remote, as the kernel dumps them). */
export interface FdbInfo {
  mac: string;
  dst: string;
  /** Only when it differs from the device's dstport, as the kernel reports it. */
  port?: number | undefined;
  /** As bridge prints it: "permanent", "static", "stale" or "" (learned or dynamic). */
  state: string;
  flags: string[];
  /** Seconds since the entry was last used to send, and last refreshed (`bridge -s fdb`). */
  used: number;
  updated: number;
}

const NUD_OF: Readonly<Record<FdbState, number>> = {
  permanent: NUD_PERMANENT | NUD_NOARP,
  static: NUD_REACHABLE | NUD_NOARP,
  dynamic: NUD_REACHABLE,
};

// Netlink's request flags, as `bridge fdb add|append|replace` send them.
const F_REPLACE = 0x100;
const F_EXCL = 0x200;
const F_CREATE = 0x400;
const F_APPEND = 0x800;

/** The VXLAN device behind `dev`; EOPNOTSUPP for any other device (it has no ndo_fdb_add). */
export function vxlanDev(dev: NetDevice): VxlanDevice {
  if (!(dev.priv instanceof VxlanPriv)) throw new KernelError(EOPNOTSUPP, "RTNETLINK answers");
  return dev as VxlanDevice;
}

function toMac(mac: string | Uint8Array): Uint8Array {
  const m = typeof mac === "string" ? parseMac(mac) : mac.length === 6 ? mac.slice() : null;
  if (m === null) throw new KernelError(EINVAL, `Invalid mac address ${typeof mac === "string" ? mac : macToString(mac)}`);
  return m;
}

function isZeroOrMulticast(mac: Uint8Array): boolean {
  return (mac[0]! & 1) === 1 || mac.every((b) => b === 0);
}

function resolvePort(priv: VxlanPriv, port: number | undefined): number {
  if (port === undefined || port === 0) return priv.cfg.dstPort;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new KernelError(EINVAL, `invalid port ${port}`);
  return port;
}

/** vxlan_fdb_update(): creates, appends to, or replaces an entry, as netlink's flags ask. */
function fdbUpdate(dev: VxlanDevice, mac: Uint8Array, ip: number, port: number, state: number, flags: number): void {
  const priv = dev.priv;
  const now = dev.net.kernel.jiffies;
  const key = macKey(mac, 0);
  const f = priv.fdb.get(key);
  if (f !== undefined) {
    if (flags & F_EXCL) throw new KernelError(EEXIST, "RTNETLINK answers");
    if (f.state !== state) {
      f.state = state;
      f.updated = now;
    }
    if (flags & F_REPLACE) {
      if (!f.remotes.some((r) => r.ip === ip && r.port === port)) {
        const first = f.remotes[0];
        if (first === undefined) f.remotes.push({ ip, port });
        else {
          first.ip = ip;
          first.port = port;
        }
      }
      f.updated = now;
    }
    if (flags & F_APPEND) {
      // Several remotes only where frames are replicated anyway: the flood and multicast entries.
      if (!isZeroOrMulticast(f.mac)) throw new KernelError(EOPNOTSUPP, "RTNETLINK answers");
      if (!f.remotes.some((r) => r.ip === ip && r.port === port)) f.remotes.push({ ip, port });
    }
    return;
  }
  if (!(flags & F_CREATE)) throw new KernelError(ENOENT, "RTNETLINK answers");
  if (flags & F_REPLACE && isZeroOrMulticast(mac)) throw new KernelError(EOPNOTSUPP, "RTNETLINK answers");
  const e = new FdbEntry(mac, key, state, now);
  e.remotes.push({ ip, port });
  priv.fdb.set(key, e);
}

function nud(state: FdbState | undefined): number {
  if (state === undefined) return NUD_OF.permanent;
  const n = NUD_OF[state];
  if (n === undefined) throw new KernelError(EINVAL, `invalid fdb state ${String(state)}`);
  return n;
}

/** `bridge fdb add MAC dev DEV dst IP [port P] [permanent|static|dynamic]`: EEXIST when the MAC has an entry. */
export function fdbAdd(dev: NetDevice, mac: string | Uint8Array, dst: string | number, port?: number, state?: FdbState): void {
  const v = vxlanDev(dev);
  fdbUpdate(v, toMac(mac), toAddr(dst), resolvePort(v.priv, port), nud(state), F_CREATE | F_EXCL);
}

/**
 * `bridge fdb append MAC dev DEV dst IP [port P]`: adds a remote. On the all-zeros MAC (and
 * multicast MACs) an entry holds several remotes, and flooded frames go to each of them.
 */
export function fdbAppend(dev: NetDevice, mac: string | Uint8Array, dst: string | number, port?: number, state?: FdbState): void {
  const v = vxlanDev(dev);
  fdbUpdate(v, toMac(mac), toAddr(dst), resolvePort(v.priv, port), nud(state), F_CREATE | F_APPEND);
}

/** `bridge fdb replace MAC dev DEV dst IP [port P]`: creates, or points the entry at another remote. */
export function fdbReplace(dev: NetDevice, mac: string | Uint8Array, dst: string | number, port?: number, state?: FdbState): void {
  const v = vxlanDev(dev);
  fdbUpdate(v, toMac(mac), toAddr(dst), resolvePort(v.priv, port), nud(state), F_CREATE | F_REPLACE);
}

/**
 * `bridge fdb del MAC dev DEV [dst IP [port P]]`: without `dst`, the whole entry; with it, that
 * remote (the entry goes with its last remote; an unknown remote is no error, as in Linux).
 * ENOENT when the MAC has no entry.
 */
export function fdbDel(dev: NetDevice, mac: string | Uint8Array, dst?: string | number, port?: number): void {
  const v = vxlanDev(dev);
  const priv = v.priv;
  const m = toMac(mac);
  const f = priv.fdb.get(macKey(m, 0));
  if (f === undefined) throw new KernelError(ENOENT, "RTNETLINK answers");
  const ip = dst === undefined ? 0 : toAddr(dst);
  if (ip !== 0) {
    const p = resolvePort(priv, port);
    const i = f.remotes.findIndex((r) => r.ip === ip && r.port === p);
    if (i < 0) return;
    if (f.remotes.length > 1) {
      f.remotes.splice(i, 1);
      return;
    }
  }
  priv.fdb.delete(f.key);
}

function stateName(s: number): string {
  if (s & NUD_PERMANENT) return "permanent";
  if (s & NUD_NOARP) return "static";
  if (s & NUD_STALE) return "stale";
  return "";
}

/** `bridge fdb show dev DEV`: one line per remote, newest entry first. */
export function fdbDump(dev: NetDevice): FdbInfo[] {
  const v = vxlanDev(dev);
  const k = v.net.kernel;
  const now = k.jiffies;
  const out: FdbInfo[] = [];
  for (const f of [...v.priv.fdb.values()].reverse()) {
    for (const r of f.remotes) {
      out.push({
        mac: macToString(f.mac),
        dst: ipv4ToString(r.ip),
        ...(r.port !== v.priv.cfg.dstPort ? { port: r.port } : {}),
        state: stateName(f.state),
        flags: ["self"],
        used: Math.floor((now - f.used) / k.hz),
        updated: Math.floor((now - f.updated) / k.hz),
      });
    }
  }
  return out;
}

/** The entry a frame to `b[off, off + 6)` goes by, else the all-zeros (flood) entry, else undefined. */
export function fdbLookup(priv: VxlanPriv, b: Uint8Array, off: number): FdbEntry | undefined {
  const fdb = priv.fdb;
  return fdb.get(macKey(b, off)) ?? fdb.flood;
}

/**
 * vxlan_snoop(): learns that the source MAC at `b[off]` sits behind `saddr`. Returns true when
 * the frame must be dropped: its source MAC is invalid, or has a static entry elsewhere.
 */
export function fdbSnoop(dev: VxlanDevice, b: Uint8Array, off: number, saddr: number): boolean {
  const priv = dev.priv;
  if (!isValidEther(b, off)) {
    priv.counters.rxBadSrcMac++;
    return true;
  }
  const key = macKey(b, off);
  const f = priv.fdb.get(key);
  const k = dev.net.kernel;
  if (f !== undefined) {
    const r = f.remotes[0];
    if (r !== undefined && r.ip === saddr) {
      if (!(f.state & (NUD_PERMANENT | NUD_NOARP))) f.updated = k.jiffies;
      return false;
    }
    // Don't migrate static entries: drop the frames that contradict them.
    if (f.state & (NUD_PERMANENT | NUD_NOARP)) {
      priv.counters.rxFdbConflict++;
      return true;
    }
    k.printk(`vxlan ${dev.name}: ${macToString(f.mac)} migrated from ${r === undefined ? "0.0.0.0" : ipv4ToString(r.ip)} to ${ipv4ToString(saddr)}`);
    if (r === undefined) f.remotes.push({ ip: saddr, port: priv.cfg.dstPort });
    else r.ip = saddr;
    f.updated = k.jiffies;
    priv.counters.fdbMigrated++;
    return false;
  }
  const e = new FdbEntry(b.slice(off, off + 6), key, NUD_REACHABLE, k.jiffies);
  e.remotes.push({ ip: saddr, port: priv.cfg.dstPort });
  priv.fdb.set(key, e);
  priv.counters.fdbLearned++;
  return false;
}

/** vxlan_cleanup(): the ageing timer. Deletes dynamic entries `ageing` seconds after their last refresh. */
export function fdbAge(dev: VxlanDevice | null): void {
  if (dev === null || !(dev.flags & 1)) return;
  const priv = dev.priv;
  const k = dev.net.kernel;
  const now = k.jiffies;
  let next = now + FDB_AGE_INTERVAL * k.hz;
  const life = priv.cfg.ageing * k.hz;
  for (const f of priv.fdb.values()) {
    if (f.state & (NUD_PERMANENT | NUD_NOARP)) continue;
    const timeout = f.updated + life;
    if (timeout <= now) {
      f.state = NUD_STALE;
      priv.fdb.delete(f.key);
      priv.counters.fdbAged++;
    } else if (timeout < next) {
      next = timeout;
    }
  }
  k.modTimer(priv.ageTimer, next);
}

/** Starts ageing (vxlan_open); `ageing 0` keeps learned entries for ever. */
export function fdbAgeStart(dev: VxlanDevice): void {
  const priv = dev.priv;
  if (priv.cfg.ageing === 0) return;
  const k = dev.net.kernel;
  k.modTimer(priv.ageTimer, k.jiffies + FDB_AGE_INTERVAL * k.hz);
}

/** vxlan_flush(): at stop, everything but permanent and static entries goes. */
export function fdbFlushDynamic(dev: VxlanDevice): void {
  const priv = dev.priv;
  dev.net.kernel.delTimer(priv.ageTimer);
  for (const f of [...priv.fdb.values()]) if (!(f.state & (NUD_PERMANENT | NUD_NOARP))) priv.fdb.delete(f.key);
}
