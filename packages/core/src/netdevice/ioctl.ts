import type { Net } from "../kernel/net.js";
import { capable, CAP_NET_ADMIN, type Cred } from "../kernel/cred.js";
import { EINVAL, ENODEV, EOPNOTSUPP, EPERM, KernelError, check } from "../kernel/errno.js";
import {
  devChangeFlags, devChangeName, devChangeTxQueueLen, devGetByIndex, devGetByName, devGetFlags, devSetMacAddress,
  devSetMtu, netifDevicePresent,
} from "./dev.js";
import type { IfReq, NetDevice } from "./netdevice.js";

/** Socket ioctl numbers (include/uapi/linux/sockios.h). */
export const SIOCADDRT = 0x890b;
export const SIOCDELRT = 0x890c;
export const SIOCGIFNAME = 0x8910;
export const SIOCGIFCONF = 0x8912;
export const SIOCGIFFLAGS = 0x8913;
export const SIOCSIFFLAGS = 0x8914;
export const SIOCGIFADDR = 0x8915;
export const SIOCSIFADDR = 0x8916;
export const SIOCGIFDSTADDR = 0x8917;
export const SIOCSIFDSTADDR = 0x8918;
export const SIOCGIFBRDADDR = 0x8919;
export const SIOCSIFBRDADDR = 0x891a;
export const SIOCGIFNETMASK = 0x891b;
export const SIOCSIFNETMASK = 0x891c;
export const SIOCGIFMETRIC = 0x891d;
export const SIOCSIFMETRIC = 0x891e;
export const SIOCGIFMTU = 0x8921;
export const SIOCSIFMTU = 0x8922;
export const SIOCSIFNAME = 0x8923;
export const SIOCSIFHWADDR = 0x8924;
export const SIOCGIFHWADDR = 0x8927;
export const SIOCGIFINDEX = 0x8933;
export const SIOCDIFADDR = 0x8936;
export const SIOCGIFTXQLEN = 0x8942;
export const SIOCSIFTXQLEN = 0x8943;
export const SIOCETHTOOL = 0x8946;
export const SIOCGIFMAP = 0x8970;
export const SIOCSIFMAP = 0x8971;
export const SIOCDEVPRIVATE = 0x89f0;

const NAMES = new Map<number, string>([
  [SIOCADDRT, "SIOCADDRT"], [SIOCDELRT, "SIOCDELRT"], [SIOCGIFNAME, "SIOCGIFNAME"], [SIOCGIFCONF, "SIOCGIFCONF"],
  [SIOCGIFFLAGS, "SIOCGIFFLAGS"], [SIOCSIFFLAGS, "SIOCSIFFLAGS"], [SIOCGIFADDR, "SIOCGIFADDR"], [SIOCSIFADDR, "SIOCSIFADDR"],
  [SIOCGIFDSTADDR, "SIOCGIFDSTADDR"], [SIOCSIFDSTADDR, "SIOCSIFDSTADDR"], [SIOCGIFBRDADDR, "SIOCGIFBRDADDR"],
  [SIOCSIFBRDADDR, "SIOCSIFBRDADDR"], [SIOCGIFNETMASK, "SIOCGIFNETMASK"], [SIOCSIFNETMASK, "SIOCSIFNETMASK"],
  [SIOCGIFMETRIC, "SIOCGIFMETRIC"], [SIOCSIFMETRIC, "SIOCSIFMETRIC"], [SIOCGIFMTU, "SIOCGIFMTU"], [SIOCSIFMTU, "SIOCSIFMTU"],
  [SIOCSIFNAME, "SIOCSIFNAME"], [SIOCSIFHWADDR, "SIOCSIFHWADDR"], [SIOCGIFHWADDR, "SIOCGIFHWADDR"], [SIOCGIFINDEX, "SIOCGIFINDEX"],
  [SIOCDIFADDR, "SIOCDIFADDR"], [SIOCGIFTXQLEN, "SIOCGIFTXQLEN"], [SIOCSIFTXQLEN, "SIOCSIFTXQLEN"], [SIOCETHTOOL, "SIOCETHTOOL"],
  [SIOCGIFMAP, "SIOCGIFMAP"], [SIOCSIFMAP, "SIOCSIFMAP"],
]);

/** The name net-tools prints for an ioctl ("SIOCSIFFLAGS", "SIOCDEVPRIVATE+1"). */
export function ioctlName(cmd: number): string {
  if (cmd >= SIOCDEVPRIVATE && cmd <= SIOCDEVPRIVATE + 15) return cmd === SIOCDEVPRIVATE ? "SIOCDEVPRIVATE" : `SIOCDEVPRIVATE+${cmd - SIOCDEVPRIVATE}`;
  return NAMES.get(cmd) ?? `0x${cmd.toString(16)}`;
}

/** A protocol's ioctl handler (inet_ioctl and friends), registered per command. */
export type IoctlHandler = (net: Net, cred: Cred, cmd: number, ifr: IfReq) => void;

/** Registers a protocol ioctl (SIOCSIFADDR, SIOCADDRT...); returns the undo. */
export function registerIoctl(net: Net | { kernel: Net["kernel"] }, cmd: number, handler: IoctlHandler): () => void {
  const k = net.kernel;
  k.ioctlHandlers.set(cmd, handler);
  return () => {
    if (k.ioctlHandlers.get(cmd) === handler) k.ioctlHandlers.delete(cmd);
  };
}

function needDev(net: Net, ifr: IfReq): NetDevice {
  const dev = devGetByName(net, ifr.name);
  if (dev === null) throw new KernelError(ENODEV);
  return dev;
}

function needAdmin(cred: Cred): void {
  if (!capable(cred, CAP_NET_ADMIN)) throw new KernelError(EPERM);
}

/**
 * ioctl(2) on a socket in `net` (dev_ioctl + the protocol's handlers). GET requests fill `ifr` and
 * return it; SET requests check CAP_NET_ADMIN. Errors are KernelErrors with the kernel's errno.
 * SIOCDEVPRIVATE..+15 reach the driver without a capability check: the driver decides.
 */
export function devIoctl(net: Net, cred: Cred, cmd: number, ifr: IfReq): IfReq {
  switch (cmd) {
    case SIOCGIFFLAGS:
      ifr.flags = devGetFlags(needDev(net, ifr)) & 0xffff;
      return ifr;
    case SIOCGIFMTU:
      ifr.mtu = needDev(net, ifr).mtu;
      return ifr;
    case SIOCGIFHWADDR: {
      const dev = needDev(net, ifr);
      ifr.hwaddr = { family: dev.type, data: dev.devAddr.slice(0, Math.max(6, dev.addrLen)) };
      return ifr;
    }
    case SIOCGIFINDEX:
      ifr.ifindex = needDev(net, ifr).ifindex;
      return ifr;
    case SIOCGIFNAME: {
      const dev = devGetByIndex(net, Number(ifr.ifindex));
      if (dev === null) throw new KernelError(ENODEV);
      ifr.name = dev.name;
      return ifr;
    }
    case SIOCGIFTXQLEN:
      ifr.qlen = needDev(net, ifr).txQueueLen;
      return ifr;
    case SIOCGIFMETRIC:
      needDev(net, ifr);
      ifr.metric = 0;
      return ifr;
    case SIOCGIFMAP:
      needDev(net, ifr);
      ifr.map = { memStart: 0, memEnd: 0, baseAddr: 0, irq: 0, dma: 0, port: 0 };
      return ifr;
    case SIOCSIFFLAGS:
      needAdmin(cred);
      devChangeFlags(needDev(net, ifr), Number(ifr.flags));
      return ifr;
    case SIOCSIFMTU:
      needAdmin(cred);
      devSetMtu(needDev(net, ifr), Number(ifr.mtu));
      return ifr;
    case SIOCSIFHWADDR: {
      needAdmin(cred);
      const dev = needDev(net, ifr);
      const hw = ifr.hwaddr as { family: number; data: Uint8Array } | undefined;
      if (hw === undefined || hw.family !== dev.type) throw new KernelError(EINVAL);
      devSetMacAddress(dev, hw.data);
      return ifr;
    }
    case SIOCSIFNAME:
      needAdmin(cred);
      devChangeName(needDev(net, ifr), String(ifr.newname));
      return ifr;
    case SIOCSIFTXQLEN:
      needAdmin(cred);
      devChangeTxQueueLen(needDev(net, ifr), Number(ifr.qlen));
      return ifr;
    case SIOCSIFMETRIC:
      needAdmin(cred);
      needDev(net, ifr);
      throw new KernelError(EOPNOTSUPP);
    case SIOCSIFMAP: {
      needAdmin(cred);
      const dev = needDev(net, ifr);
      if (dev.ops.setConfig === undefined) throw new KernelError(EOPNOTSUPP);
      if (!netifDevicePresent(dev)) throw new KernelError(ENODEV);
      check(dev.ops.setConfig(dev, (ifr.map ?? {}) as Record<string, number>));
      return ifr;
    }
  }
  if (cmd >= SIOCDEVPRIVATE && cmd <= SIOCDEVPRIVATE + 15) {
    const dev = needDev(net, ifr);
    if (!netifDevicePresent(dev)) throw new KernelError(ENODEV);
    if (dev.ops.siocdevprivate === undefined) throw new KernelError(EOPNOTSUPP);
    check(dev.ops.siocdevprivate(dev, ifr, cmd, cred));
    return ifr;
  }
  const handler = net.kernel.ioctlHandlers.get(cmd);
  if (handler === undefined) throw new KernelError(EINVAL);
  handler(net, cred, cmd, ifr);
  return ifr;
}
