/**
 * The ioctls net-tools makes (struct ifreq), over the core's devIoctl: GET requests that answer
 * or fail with an errno, and SET requests reported as `SIOCSIFxxx: strerror` (perror()).
 */
import { devIoctl, ioctlName, KernelError, strerror, type Cred, type IfReq, type Net } from "@vnet/core";

/** Runs one ioctl; returns the filled ifreq or the errno it failed with. */
export function ioctl(net: Net, cred: Cred, cmd: number, ifr: IfReq): IfReq | number {
  try {
    return devIoctl(net, cred, cmd, ifr);
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
}

/** perror(ioctl name): `SIOCSIFMTU: Invalid argument`. */
export function perror(cmd: number, errno: number): string {
  return `${ioctlName(cmd)}: ${strerror(errno)}\n`;
}

/** An IPv4 address field of an ifreq (ifr_addr & co), as a host-order number. */
export function ifrAddr(ifr: IfReq, field: string): number | null {
  const v = ifr[field];
  if (typeof v === "number") return v >>> 0;
  if (typeof v === "object" && v !== null && typeof (v as { addr?: unknown }).addr === "number") return (v as { addr: number }).addr >>> 0;
  return null;
}

/** struct ifmap, with the kernel's field names (what a driver's ndo_set_config reads). */
export interface IfMap {
  mem_start: number;
  mem_end: number;
  base_addr: number;
  irq: number;
  dma: number;
  port: number;
}

/** The ifr_map of a SIOCGIFMAP answer (whichever spelling it uses), zeros where it says nothing. */
export function ifmapOf(ifr: IfReq): IfMap {
  const m = (ifr["map"] ?? {}) as Record<string, unknown>;
  const n = (...keys: string[]): number => {
    for (const k of keys) if (typeof m[k] === "number") return m[k];
    return 0;
  };
  return {
    mem_start: n("mem_start", "memStart"), mem_end: n("mem_end", "memEnd"), base_addr: n("base_addr", "baseAddr"), irq: n("irq"),
    dma: n("dma"), port: n("port"),
  };
}
