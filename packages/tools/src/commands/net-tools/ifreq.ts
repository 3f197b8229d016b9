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
