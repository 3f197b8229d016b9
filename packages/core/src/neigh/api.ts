// The rtnetlink neighbour operations `ip neigh` sits on (neigh_add, neigh_delete, neigh_dump,
// and iproute2's flush), for the IPv4 ARP table of a namespace.
import type { Net } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { capable, CAP_NET_ADMIN } from "../kernel/cred.js";
import { EEXIST, EINVAL, ENODEV, ENOENT, EPERM, KernelError } from "../kernel/errno.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import {
  neighCreate, neighEventSend, neighRemove, neighUpdate, NEIGH_UPDATE_F_ADMIN, NEIGH_UPDATE_F_OVERRIDE,
  NEIGH_UPDATE_F_OVERRIDE_ISROUTER, NTF_ROUTER, NTF_USE, NUD_FAILED, NUD_NOARP, NUD_PERMANENT, NUD_VALID,
} from "./neighbour.js";
import { arpGet, arpKey } from "./arp.js";

/** `ip neigh add|replace|change ADDR [lladdr LL] dev DEV [nud STATE] [router] [use]`. */
export interface NeighArgs {
  dst: number;
  dev: string;
  /** The hardware address; at least the device's address length. */
  lladdr?: Uint8Array | undefined;
  /** NUD_*; iproute2's default is NUD_PERMANENT. */
  state?: number | undefined;
  /** NTF_* (NTF_ROUTER, NTF_USE). */
  flags?: number | undefined;
}

/** One entry as `ip neigh show` lists it. */
export interface NeighInfo {
  dst: number;
  dev: string;
  ifindex: number;
  /** Null when the entry has no valid address (INCOMPLETE, FAILED). */
  lladdr: Uint8Array | null;
  state: number;
  flags: number;
  probes: number;
  /** Seconds since last use / confirmation / update (`ip -s neigh`). */
  used: number;
  confirmed: number;
  updated: number;
}

function needAdmin(cred: Cred): void {
  if (!capable(cred, CAP_NET_ADMIN)) throw new KernelError(EPERM, "RTNETLINK answers");
}

function devOf(net: Net, name: string): NetDevice {
  const dev = net.devices.get(name);
  if (dev === undefined) throw new KernelError(ENODEV, `Cannot find device "${name}"`);
  return dev;
}

/** neigh_add(): `create`/`excl`/`replace` as NLM_F_CREATE/EXCL/REPLACE. */
function neighAddFlags(net: Net, cred: Cred, args: NeighArgs, create: boolean, excl: boolean, replace: boolean): void {
  needAdmin(cred);
  const dev = devOf(net, args.dev);
  if (args.lladdr !== undefined && args.lladdr.length < dev.addrLen) throw new KernelError(EINVAL, "Invalid link address");
  const tbl = arpGet(net);
  const key = arpKey(dev, args.dst);
  let n = tbl.lookup(key, dev);
  let flags = NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER;
  let fresh = false;
  if (n === null) {
    if (!create) throw new KernelError(ENOENT, "RTNETLINK answers");
    n = neighCreate(tbl, key, dev);
    fresh = true;
  } else {
    if (excl) throw new KernelError(EEXIST, "RTNETLINK answers");
    if (!replace) flags &= ~(NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER);
  }
  const ntf = args.flags ?? 0;
  if (ntf & NTF_ROUTER) n.flags |= NTF_ROUTER;
  const state = args.state ?? NUD_PERMANENT;
  const err = neighUpdate(n, args.lladdr ?? null, state, flags);
  if (err < 0) {
    if (fresh) neighRemove(n);
    throw new KernelError(-err, "RTNETLINK answers");
  }
  if (ntf & NTF_USE) neighEventSend(n, null);
}

/** `ip neigh add` (NLM_F_CREATE | NLM_F_EXCL): EEXIST when there is an entry. */
export function neighAdd(net: Net, cred: Cred, args: NeighArgs): void {
  neighAddFlags(net, cred, args, true, true, false);
}

/** `ip neigh replace` (NLM_F_CREATE | NLM_F_REPLACE). */
export function neighReplace(net: Net, cred: Cred, args: NeighArgs): void {
  neighAddFlags(net, cred, args, true, false, true);
}

/** `ip neigh change` (NLM_F_REPLACE): ENOENT when there is no entry. */
export function neighChange(net: Net, cred: Cred, args: NeighArgs): void {
  neighAddFlags(net, cred, args, false, false, true);
}

/** neigh_delete(): ENOENT when there is no such entry. */
export function neighDel(net: Net, cred: Cred, args: { dst: number; dev: string }): void {
  needAdmin(cred);
  const dev = devOf(net, args.dev);
  const tbl = arpGet(net);
  const n = tbl.lookup(arpKey(dev, args.dst), dev);
  if (n === null) throw new KernelError(ENOENT, "RTNETLINK answers");
  neighUpdate(n, null, NUD_FAILED, NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN);
  neighRemove(n);
}

/** neigh_dump_table(): every entry (of one device), NOARP ones included as the kernel dumps them. */
export function neighDump(net: Net, args: { dev?: string | undefined } = {}): NeighInfo[] {
  const dev = args.dev !== undefined ? devOf(net, args.dev) : null;
  const tbl = arpGet(net);
  const now = net.kernel.jiffies;
  const hz = net.kernel.hz;
  const out: NeighInfo[] = [];
  for (const n of tbl.all) {
    if (dev !== null && n.dev !== dev) continue;
    out.push({
      dst: n.key,
      dev: n.dev.name,
      ifindex: n.dev.ifindex,
      lladdr: n.nudState & NUD_VALID ? n.ha.slice(0, n.dev.addrLen) : null,
      state: n.nudState,
      flags: n.flags,
      probes: n.probes,
      used: Math.floor((now - n.used) / hz),
      confirmed: Math.floor((now - n.confirmed) / hz),
      updated: Math.floor((now - n.updated) / hz),
    });
  }
  return out;
}

/**
 * `ip neigh flush [dev DEV] [nud STATES]`: deletes matching entries; by default all but
 * PERMANENT and NOARP ones (as iproute2). Returns how many.
 */
export function neighFlush(net: Net, cred: Cred, args: { dev?: string | undefined; states?: number | undefined } = {}): number {
  needAdmin(cred);
  const dev = args.dev !== undefined ? devOf(net, args.dev) : null;
  const mask = args.states ?? ~(NUD_PERMANENT | NUD_NOARP);
  let count = 0;
  for (const n of [...arpGet(net).all]) {
    if (dev !== null && n.dev !== dev) continue;
    if (!(n.nudState & mask) && !(n.nudState === 0 && mask !== 0 && mask & ~(NUD_PERMANENT | NUD_NOARP))) continue;
    neighUpdate(n, null, NUD_FAILED, NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN);
    neighRemove(n);
    count++;
  }
  return count;
}

/** `ip neigh add`: the netlink-style name of neighAdd. */
export const ipNeighAdd: (net: Net, cred: Cred, args: NeighArgs) => void = neighAdd;
/** `ip neigh replace`. */
export const ipNeighReplace: (net: Net, cred: Cred, args: NeighArgs) => void = neighReplace;
/** `ip neigh change`. */
export const ipNeighChange: (net: Net, cred: Cred, args: NeighArgs) => void = neighChange;
/** `ip neigh del`. */
export const ipNeighDel: (net: Net, cred: Cred, args: { dst: number; dev: string }) => void = neighDel;
/** `ip neigh show`. */
export const ipNeighDump: (net: Net, args?: { dev?: string | undefined }) => NeighInfo[] = neighDump;
/** `ip neigh flush`. */
export const ipNeighFlush: (net: Net, cred: Cred, args?: { dev?: string | undefined; states?: number | undefined }) => number = neighFlush;
