/**
 * What a vnet process needs to be a host on a real network (`vnet --realtime`, `vnet up`): the
 * kernel's real-time clock, the vxlan module over the host's UDP, and a clean way down.
 */
import { devClose, IFF_UP, type Kernel, type NetDevice } from "@vnet/core";
import { RealtimeClock, vxlanDevices, vxlanReady } from "@vnet/driver-vxlan";
import { vxlanNode } from "@vnet/driver-vxlan/node";
import type { ModuleRegistry } from "../shell/types.js";

/**
 * `base` with `vxlan` over node:dgram: in real time a VXLAN device's `local` and `dstport` are
 * the host's, so a Linux vxlan device or another vnet process can be its peer.
 */
export function hostModules(base: ModuleRegistry): ModuleRegistry {
  return {
    get: (name) => (name === vxlanNode.name ? vxlanNode : base.get(name)),
    names: () => base.names(),
  };
}

/** The kernel's clock, following the wall clock from now until kernelDown(). */
export function startRealtime(kernel: Kernel): RealtimeClock {
  return RealtimeClock.for(kernel).start();
}

/**
 * Settles once every VXLAN device that is up has its socket bound (node:dgram binds
 * asynchronously); rejects with the first bind error, which names the address and port.
 */
export async function vxlanSocketsReady(kernel: Kernel): Promise<void> {
  const devs = new Set<NetDevice>();
  for (const net of kernel.nets) for (const dev of vxlanDevices(net)) if (dev.flags & IFF_UP) devs.add(dev);
  await Promise.all([...devs].map((dev) => vxlanReady(dev)));
}

/**
 * Shutdown: every device of every namespace goes down (loopbacks last), so the sockets of
 * tunnels close, then the clock stops. Returns what failed, one line each (normally nothing).
 */
export function kernelDown(kernel: Kernel): string[] {
  const failed: string[] = [];
  const close = (dev: NetDevice): void => {
    if (!(dev.flags & IFF_UP)) return;
    try {
      devClose(dev);
    } catch (e) {
      failed.push(`${dev.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const net of kernel.nets) for (const dev of net.devList().reverse()) if (dev !== net.loopback) close(dev);
  for (const net of kernel.nets) close(net.loopback);
  RealtimeClock.of(kernel)?.stop();
  return failed;
}

/** The first SIGINT or SIGTERM, by name; `off()` gives the signals back to their defaults. */
export interface ShutdownSignal {
  readonly received: Promise<NodeJS.Signals>;
  off(): void;
}

export function shutdownSignal(): ShutdownSignal {
  let handler: (sig: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => (handler = resolve));
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    received,
    off: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
