// Two namespaces, a and b, joined by the core's Ethernet test pair (eth0 on each side, a
// veth-like driver) and addressed 10.0.0.1/24 and 10.0.0.2/24: the link bench/cases/udp.ts and
// bench/cases/ping.ts run the whole IPv4 stack over.
import { Kernel } from "../packages/core/src/kernel/kernel.js";
import type { Net } from "../packages/core/src/kernel/net.js";
import { ROOT_CRED } from "../packages/core/src/kernel/cred.js";
import { devOpen } from "../packages/core/src/netdevice/dev.js";
import { ipAddrAdd } from "../packages/core/src/ipv4/index.js";
import { makePair } from "../packages/core/src/ipv4/testing.js";

export const ADDR_A = 0x0a000001;
export const ADDR_B = 0x0a000002;

export interface StackPair {
  k: Kernel;
  a: Net;
  b: Net;
}

export function stackPair(): StackPair {
  const k = new Kernel({ seed: 1 });
  const a = k.createNet("a");
  const b = k.createNet("b");
  devOpen(a.loopback);
  devOpen(b.loopback);
  makePair(a, b, "eth0", "eth0");
  ipAddrAdd(a, ROOT_CRED, { dev: "eth0", local: ADDR_A, prefixLen: 24 });
  ipAddrAdd(b, ROOT_CRED, { dev: "eth0", local: ADDR_B, prefixLen: 24 });
  return { k, a, b };
}

/**
 * After the first exchange has resolved ARP both ways: lets the entries settle. The side that
 * learned its peer from a request goes STALE -> DELAY -> PROBE -> REACHABLE within 10 s of
 * virtual time, after which they stay REACHABLE (virtual time does not move while timing).
 */
export function settleArp(k: Kernel): void {
  k.runFor(0);
  k.runFor(10_000);
}
