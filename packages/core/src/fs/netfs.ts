import type { Kernel } from "../kernel/kernel.js";
import { capable, CAP_NET_ADMIN } from "../kernel/cred.js";
import { EINVAL, EPERM, KernelError } from "../kernel/errno.js";
import { IF_OPER_NAMES, NETREG_REGISTERED } from "../netdevice/constants.js";
import {
  devChangeFlags, devChangeTxQueueLen, devGetFlags, devGetStats, devOperstate, devSetMtu, netifCarrierOk, netifRunning,
} from "../netdevice/dev.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { NetDeviceStats, STAT_KEYS } from "../netdevice/netdevice.js";
import { dynamicDir, roFile, type VfsContext, type VfsDir, type VfsFile, type VfsNode } from "./vfs.js";

/** rx_packets from rxPackets. */
function snake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

function mac(dev: NetDevice, a: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < dev.addrLen; i++) parts.push(a[i]!.toString(16).padStart(2, "0"));
  return parts.join(":");
}

function parseNum(data: string): number {
  const s = data.trim();
  const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : /^-?[0-9]+$/.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(n)) throw new KernelError(EINVAL);
  return n;
}

/** netdev_store(): writes to /sys/class/net attributes need CAP_NET_ADMIN. */
function attr(show: (dev: NetDevice) => string, store?: (dev: NetDevice, data: string) => void): (dev: NetDevice) => VfsFile {
  return (dev) => ({
    mode: store === undefined ? 0o444 : 0o644,
    read: () => show(dev) + "\n",
    ...(store === undefined
      ? {}
      : {
          write: (ctx: VfsContext, data: string) => {
            if (!capable(ctx.cred, CAP_NET_ADMIN)) throw new KernelError(EPERM);
            if (dev.regState !== NETREG_REGISTERED) throw new KernelError(EINVAL);
            store(dev, data);
          },
        }),
  });
}

const classNetAttrs: Record<string, (dev: NetDevice) => VfsFile> = {
  ifindex: attr((d) => String(d.ifindex)),
  iflink: attr((d) => String(d.ops.getIflink?.(d) ?? d.ifindex)),
  type: attr((d) => String(d.type)),
  addr_len: attr((d) => String(d.addrLen)),
  address: attr((d) => mac(d, d.devAddr)),
  broadcast: attr((d) => mac(d, d.broadcast)),
  addr_assign_type: attr((d) => String(d.addrAssignType)),
  mtu: attr((d) => String(d.mtu), (d, s) => devSetMtu(d, parseNum(s))),
  flags: attr((d) => "0x" + (d.flags | d.gflags).toString(16), (d, s) => devChangeFlags(d, parseNum(s))),
  tx_queue_len: attr((d) => String(d.txQueueLen), (d, s) => devChangeTxQueueLen(d, parseNum(s))),
  carrier: attr((d) => {
    if (!netifRunning(d)) throw new KernelError(EINVAL);
    return netifCarrierOk(d) ? "1" : "0";
  }),
  operstate: attr((d) => IF_OPER_NAMES[devOperstate(d)]!.toLowerCase()),
  ifalias: attr((d) => d.ifalias, (d, s) => {
    d.ifalias = s.replace(/\n$/, "");
  }),
  dormant: attr(() => "0"),
  netdev_group: attr((d) => String(d.group)),
};

function statisticsDir(dev: NetDevice): VfsDir {
  const names = STAT_KEYS.map(snake);
  return dynamicDir(
    () => names,
    (_ctx, name) => {
      const i = names.indexOf(name);
      if (i < 0) return null;
      const key = STAT_KEYS[i]!;
      return roFile(() => String(devGetStats(dev, new NetDeviceStats())[key]) + "\n");
    },
  );
}

function deviceDir(dev: NetDevice): VfsDir {
  return dynamicDir(
    () => [...Object.keys(classNetAttrs), "statistics"],
    (_ctx, name): VfsNode | null => {
      if (name === "statistics") return statisticsDir(dev);
      const make = classNetAttrs[name];
      return make === undefined ? null : make(dev);
    },
  );
}

/** /proc/net/dev, in the kernel's exact layout. */
export function procNetDev(ctx: VfsContext): string {
  let out =
    "Inter-|   Receive                                                |  Transmit\n" +
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
  const s = new NetDeviceStats();
  for (const dev of ctx.net.devList()) {
    devGetStats(dev, s);
    const cols = [
      [s.rxBytes, 8], [s.rxPackets, 7], [s.rxErrors, 4], [s.rxDropped + s.rxMissedErrors, 4], [s.rxFifoErrors, 4],
      [s.rxLengthErrors + s.rxOverErrors + s.rxCrcErrors + s.rxFrameErrors, 5], [s.rxCompressed, 10], [s.multicast, 9],
      [s.txBytes, 8], [s.txPackets, 7], [s.txErrors, 4], [s.txDropped, 4], [s.txFifoErrors, 4], [s.collisions, 5],
      [s.txCarrierErrors + s.txAbortedErrors + s.txWindowErrors + s.txHeartbeatErrors, 7], [s.txCompressed, 10],
    ] as const;
    out += dev.name.padStart(6) + ":" + cols.map(([v, w]) => String(v).padStart(w)).join(" ") + "\n";
  }
  return out;
}

/** Populates /sys/class/net, /proc/net/dev and the net.core sysctls of a kernel. */
export function netfsInit(k: Kernel): void {
  k.vfs.add(
    "/sys/class/net",
    dynamicDir(
      (ctx) => [...ctx.net.devices.keys()],
      (ctx, name) => {
        const dev = ctx.net.devices.get(name);
        return dev === undefined ? null : deviceDir(dev);
      },
    ),
  );
  k.vfs.add("/proc/net/dev", roFile(procNetDev));
  k.registerSysctl("net/core/netdev_max_backlog", {
    get: () => String(k.netdevMaxBacklog),
    set: (_ctx, v) => {
      k.netdevMaxBacklog = sysctlInt(v, 0);
    },
  });
  k.registerSysctl("net/core/dev_weight", {
    get: () => String(k.softnet.backlogNapi.weight),
    set: (_ctx, v) => {
      k.softnet.backlogNapi.weight = sysctlInt(v, 1);
    },
  });
  k.registerSysctl("net/core/netdev_budget", {
    get: () => String(k.netdevBudget),
    set: (_ctx, v) => {
      k.netdevBudget = sysctlInt(v, 1);
    },
  });
}

/** proc_dointvec_minmax for sysctl writes. */
export function sysctlInt(v: string, min = -0x80000000, max = 0x7fffffff): number {
  const s = v.trim();
  if (!/^-?[0-9]+$/.test(s)) throw new KernelError(EINVAL);
  const n = Number(s);
  if (n < min || n > max) throw new KernelError(EINVAL);
  return n;
}
