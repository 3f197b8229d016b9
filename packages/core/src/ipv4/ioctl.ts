// The IPv4 socket ioctls net-tools uses (devinet_ioctl, inet_gifconf, ip_rt_ioctl), registered
// with the core's ioctl dispatcher (devIoctl).
import type { Net } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { capable, CAP_NET_ADMIN } from "../kernel/cred.js";
import { EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL, ENOBUFS, ENODEV, EPERM, ESRCH, KernelError } from "../kernel/errno.js";
import type { IfReq } from "../netdevice/netdevice.js";
import { IFF_BROADCAST, IFF_POINTOPOINT } from "../netdevice/constants.js";
import {
  registerIoctl, SIOCADDRT, SIOCDELRT, SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFCONF, SIOCGIFDSTADDR, SIOCGIFNETMASK, SIOCSIFADDR,
  SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFNETMASK,
} from "../netdevice/ioctl.js";
import type { Kernel } from "../kernel/kernel.js";
import { badMask, inetMakeMask, inetMaskLen, ipv4IsLbcast, ipv4IsLoopback, ipv4IsZeronet } from "../wire/addr.js";
import {
  fibGet, inetAddrType, NLM_F_CREATE, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN,
  RTF_GATEWAY, RTF_HOST, RTF_IRTT, RTF_MTU, RTF_REJECT, RTF_WINDOW, RTN_UNICAST, RTN_UNREACHABLE, RTPROT_BOOT,
  type FibConfig,
} from "../route/fib.js";
import { inDevGet, inetDelIfa, inetInsertIfa, InIfaddr, ifaSetPrefix, IFA_F_PERMANENT, type InDevice } from "./devinet.js";
import { AF_INET } from "../socket/sock.js";

/** sizeof(struct ifreq): what SIOCGIFCONF counts per entry. */
export const IFREQ_SIZE = 40;

/** The sockaddr_in field each address ioctl reads or writes on the IfReq. */
const FIELD: ReadonlyMap<number, string> = new Map([
  [SIOCGIFADDR, "addr"], [SIOCSIFADDR, "addr"], [SIOCGIFNETMASK, "netmask"], [SIOCSIFNETMASK, "netmask"],
  [SIOCGIFBRDADDR, "broadaddr"], [SIOCSIFBRDADDR, "broadaddr"], [SIOCGIFDSTADDR, "dstaddr"], [SIOCSIFDSTADDR, "dstaddr"],
]);

/** inet_abc_len(): the classful prefix length of an address, -1 for class D. */
export function inetAbcLen(addr: number): number {
  addr >>>= 0;
  if (ipv4IsZeronet(addr) || ipv4IsLbcast(addr)) return 0;
  if (addr >>> 31 === 0) return 8;
  if (addr >>> 30 === 2) return 16;
  if (addr >>> 29 === 6) return 24;
  if (addr >>> 28 === 0xf) return 32;
  return -1;
}

function readAddr(ifr: IfReq, cmd: number): { family: number; addr: number } {
  const name = FIELD.get(cmd)!;
  const v = ifr[name] ?? ifr["addr"];
  const family = typeof ifr["family"] === "number" ? (ifr["family"] as number) : AF_INET;
  return { family, addr: typeof v === "number" ? v >>> 0 : 0 };
}

/**
 * devinet_ioctl(): SIOCGIF{ADDR,BRDADDR,DSTADDR,NETMASK} and SIOCSIF{ADDR,BRDADDR,DSTADDR,
 * NETMASK} on `ifr.name` ("eth0" or an alias label "eth0:1"). SIOCSIFADDR replaces the
 * matching address with a classful mask (and broadcast) as ifconfig expects.
 */
export function devinetIoctl(net: Net, cred: Cred, cmd: number, ifr: IfReq): void {
  const { family, addr: sinAddr } = readAddr(ifr, cmd);
  let tryaddrmatch = false;
  switch (cmd) {
    case SIOCGIFADDR:
    case SIOCGIFBRDADDR:
    case SIOCGIFDSTADDR:
    case SIOCGIFNETMASK:
      tryaddrmatch = family === AF_INET && typeof ifr[FIELD.get(cmd)!] === "number";
      break;
    case SIOCSIFADDR:
    case SIOCSIFBRDADDR:
    case SIOCSIFDSTADDR:
    case SIOCSIFNETMASK:
      if (!capable(cred, CAP_NET_ADMIN)) throw new KernelError(EPERM);
      if (family !== AF_INET) throw new KernelError(EINVAL);
      break;
    default:
      throw new KernelError(EINVAL);
  }
  const label = String(ifr.name);
  const colon = label.indexOf(":");
  const devName = colon >= 0 ? label.slice(0, colon) : label;
  const dev = net.devices.get(devName);
  if (dev === undefined) throw new KernelError(ENODEV);
  const idev = inDevGet(dev);
  let ifa: InIfaddr | null = null;
  if (idev !== null) {
    if (tryaddrmatch) ifa = idev.ifaList.find((x) => x.label === label && x.local === sinAddr) ?? null;
    if (ifa === null) ifa = idev.ifaList.find((x) => x.label === label) ?? null;
  }
  if (ifa === null && cmd !== SIOCSIFADDR) throw new KernelError(EADDRNOTAVAIL);
  const field = FIELD.get(cmd)!;
  switch (cmd) {
    case SIOCGIFADDR:
      ifr[field] = ifa!.local;
      ifr["family"] = AF_INET;
      return;
    case SIOCGIFBRDADDR:
      ifr[field] = ifa!.broadcast;
      ifr["family"] = AF_INET;
      return;
    case SIOCGIFDSTADDR:
      ifr[field] = ifa!.address;
      ifr["family"] = AF_INET;
      return;
    case SIOCGIFNETMASK:
      ifr[field] = ifa!.mask;
      ifr["family"] = AF_INET;
      return;
    case SIOCSIFADDR: {
      if (inetAbcLen(sinAddr) < 0) throw new KernelError(EINVAL);
      let target: InIfaddr;
      if (ifa === null) {
        if (idev === null) throw new KernelError(ENOBUFS);
        target = new InIfaddr(idev);
        target.label = colon >= 0 ? label : dev.name;
      } else {
        if (ifa.local === sinAddr) return;
        inetDelIfa(idev!, ifa, false);
        ifa.broadcast = 0;
        ifa.scope = 0;
        target = ifa;
      }
      target.address = target.local = sinAddr;
      if (!(dev.flags & IFF_POINTOPOINT)) {
        ifaSetPrefix(target, inetAbcLen(target.address));
        if (dev.flags & IFF_BROADCAST && target.prefixLen < 31) target.broadcast = (target.address | ~target.mask) >>> 0;
      } else {
        ifaSetPrefix(target, 32);
      }
      target.flags |= IFA_F_PERMANENT;
      if (ipv4IsLoopback(target.local)) target.scope = RT_SCOPE_HOST;
      inetInsertIfa(target);
      return;
    }
    case SIOCSIFBRDADDR:
      if (ifa!.broadcast !== sinAddr) {
        reinsert(idev!, ifa!, () => {
          ifa!.broadcast = sinAddr;
        });
      }
      return;
    case SIOCSIFDSTADDR:
      if (ifa!.address === sinAddr) return;
      if (inetAbcLen(sinAddr) < 0) throw new KernelError(EINVAL);
      reinsert(idev!, ifa!, () => {
        ifa!.address = sinAddr;
      });
      return;
    case SIOCSIFNETMASK: {
      if (badMask(sinAddr, 0)) throw new KernelError(EINVAL);
      const a = ifa!;
      if (a.mask !== sinAddr) {
        const oldMask = a.mask;
        reinsert(idev!, a, () => {
          a.mask = sinAddr;
          a.prefixLen = inetMaskLen(sinAddr);
          if (dev.flags & IFF_BROADCAST && a.prefixLen < 31 && a.broadcast === (a.local | ~oldMask) >>> 0) {
            a.broadcast = (a.local | ~sinAddr) >>> 0;
          }
        });
      }
      return;
    }
  }
}

function reinsert(idev: InDevice, ifa: InIfaddr, change: () => void): void {
  inetDelIfa(idev, ifa, false);
  change();
  inetInsertIfa(ifa);
}

/** inet_gifconf() for SIOCGIFCONF: every address as { name: label, addr }, limited by ifcLen bytes. */
export function inetGifconf(net: Net, _cred: Cred, _cmd: number, ifr: IfReq): void {
  const entries: { name: string; addr: number; family: number }[] = [];
  for (const dev of net.devList()) {
    const idev = inDevGet(dev);
    if (idev === null) continue;
    for (const ifa of idev.ifaList) entries.push({ name: ifa.label, addr: ifa.local, family: AF_INET });
  }
  const limit = typeof ifr["ifcLen"] === "number" ? Math.floor((ifr["ifcLen"] as number) / IFREQ_SIZE) : entries.length;
  const out = entries.slice(0, Math.max(0, limit));
  ifr["ifcReq"] = out;
  ifr["ifcLen"] = out.length * IFREQ_SIZE;
}

/** struct rtentry, decoded: what `route add` passes to SIOCADDRT/SIOCDELRT. */
export interface RtEntry {
  dst: number;
  /** Family of rt_dst; AF_INET when absent. */
  dstFamily?: number | undefined;
  genmask?: number | undefined;
  genmaskFamily?: number | undefined;
  gateway?: number | undefined;
  gatewayFamily?: number | undefined;
  /** RTF_UP | RTF_GATEWAY | RTF_HOST | RTF_REJECT | RTF_MTU ... */
  flags: number;
  /** rt_metric: net-tools passes metric + 1. */
  metric?: number | undefined;
  /** rt_dev: a device name or alias label. */
  dev?: string | undefined;
  mtu?: number | undefined;
  window?: number | undefined;
  irtt?: number | undefined;
}

/** rtentry_to_fib_config(). */
function rtentryToFibConfig(net: Net, cmd: number, rt: RtEntry): FibConfig {
  if ((rt.dstFamily ?? AF_INET) !== AF_INET) throw new KernelError(EAFNOSUPPORT);
  let plen = 32;
  const addr = rt.dst >>> 0;
  if (!(rt.flags & RTF_HOST)) {
    const mask = (rt.genmask ?? 0) >>> 0;
    if ((rt.genmaskFamily ?? AF_INET) !== AF_INET && (mask !== 0 || rt.genmaskFamily !== 0)) throw new KernelError(EAFNOSUPPORT);
    if (badMask(mask, addr)) throw new KernelError(EINVAL);
    plen = inetMaskLen(mask);
  }
  const cfg: FibConfig = {
    dst: addr, dstLen: plen, table: 0, type: RTN_UNICAST, scope: RT_SCOPE_NOWHERE, protocol: 0, priority: 0, prefsrc: 0,
    oif: 0, gw: 0, nlFlags: 0,
  };
  if (cmd !== SIOCDELRT) {
    cfg.nlFlags = NLM_F_CREATE;
    cfg.protocol = RTPROT_BOOT;
  }
  if (rt.metric) cfg.priority = rt.metric - 1;
  if (rt.flags & RTF_REJECT) {
    cfg.scope = RT_SCOPE_HOST;
    cfg.type = RTN_UNREACHABLE;
    cfg.table = RT_TABLE_MAIN;
    return cfg;
  }
  if (rt.dev !== undefined && rt.dev !== "") {
    const colon = rt.dev.indexOf(":");
    const name = colon >= 0 ? rt.dev.slice(0, colon) : rt.dev;
    const dev = net.devices.get(name);
    if (dev === undefined) throw new KernelError(ENODEV);
    cfg.oif = dev.ifindex;
    if (colon >= 0) {
      const idev = inDevGet(dev);
      if (idev === null) throw new KernelError(ENODEV);
      const ifa = idev.ifaList.find((x) => x.label === rt.dev);
      if (ifa === undefined) throw new KernelError(ENODEV);
      cfg.prefsrc = ifa.local;
    }
  }
  const gw = (rt.gateway ?? 0) >>> 0;
  if ((rt.gatewayFamily ?? AF_INET) === AF_INET && gw !== 0) {
    cfg.gw = gw;
    if (rt.flags & RTF_GATEWAY && inetAddrType(net, gw, null, RT_TABLE_MAIN) === RTN_UNICAST) cfg.scope = RT_SCOPE_UNIVERSE;
  }
  if (cfg.table === 0) cfg.table = RT_TABLE_MAIN;
  if (cmd === SIOCDELRT) return cfg;
  if (rt.flags & RTF_GATEWAY && cfg.gw === 0) throw new KernelError(EINVAL);
  if (cfg.scope === RT_SCOPE_NOWHERE) cfg.scope = RT_SCOPE_LINK;
  if (rt.flags & RTF_MTU && rt.mtu !== undefined) cfg.advmss = rt.mtu - 40;
  if (rt.flags & RTF_WINDOW && rt.window !== undefined) cfg.window = rt.window;
  if (rt.flags & RTF_IRTT && rt.irtt !== undefined) cfg.rtt = rt.irtt << 3;
  return cfg;
}

/** ip_rt_ioctl(): SIOCADDRT / SIOCDELRT with net-tools semantics; EPERM without CAP_NET_ADMIN. */
export function ipRtIoctl(net: Net, cred: Cred, cmd: number, rt: RtEntry): void {
  if (cmd !== SIOCADDRT && cmd !== SIOCDELRT) throw new KernelError(EINVAL);
  if (!capable(cred, CAP_NET_ADMIN)) throw new KernelError(EPERM);
  const cfg = rtentryToFibConfig(net, cmd, rt);
  const fib = fibGet(net);
  if (cmd === SIOCDELRT) {
    const tb = fib.getTable(cfg.table);
    if (tb === null) throw new KernelError(ESRCH);
    tb.delete(cfg);
  } else {
    fib.newTable(cfg.table).insert(cfg);
  }
}

function rtIoctlHandler(net: Net, cred: Cred, cmd: number, ifr: IfReq): void {
  const rt = (ifr["rt"] ?? ifr) as unknown as RtEntry;
  ipRtIoctl(net, cred, cmd, rt);
}

/** Registers the IPv4 ioctls with a kernel. */
export function inetIoctlInit(kernel: Kernel): void {
  const k = { kernel };
  for (const cmd of [SIOCGIFADDR, SIOCSIFADDR, SIOCGIFNETMASK, SIOCSIFNETMASK, SIOCGIFBRDADDR, SIOCSIFBRDADDR, SIOCGIFDSTADDR, SIOCSIFDSTADDR]) {
    registerIoctl(k, cmd, devinetIoctl);
  }
  registerIoctl(k, SIOCGIFCONF, inetGifconf);
  registerIoctl(k, SIOCADDRT, rtIoctlHandler);
  registerIoctl(k, SIOCDELRT, rtIoctlHandler);
}

