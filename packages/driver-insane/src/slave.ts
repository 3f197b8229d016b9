import {
  IFF_UP, NETDEV_CHANGEADDR, NETREG_REGISTERED, callNetdeviceNotifiers, devHold, devPut, ethHeaderOps, netifCarrierOff,
  netifCarrierOk, netifCarrierOn, type HeaderOps, type NetDevice, type SkBuff,
} from "@vnet/core";
import type { InsanePriv } from "./priv.js";
import { netemPurge } from "./xmit.js";

/**
 * The slave builds our link-level headers (the article's insane_hard_header): the header is the
 * one the slave would write itself. Without a slave, plain Ethernet with our own address.
 */
export const insaneHeaderOps: HeaderOps = {
  create(skb: SkBuff, dev: NetDevice, type: number, daddr: Uint8Array | null, saddr: Uint8Array | null, len: number): number {
    const slave = (dev.priv as InsanePriv).slave;
    if (slave === null || slave.headerOps === null) return ethHeaderOps.create(skb, dev, type, daddr, saddr, len);
    return slave.headerOps.create(skb, slave, type, daddr, saddr, len);
  },
  parse(skb: SkBuff, haddr: Uint8Array): number {
    const slave = skb.dev === null ? null : (skb.dev.priv as InsanePriv).slave;
    return (slave?.headerOps ?? ethHeaderOps).parse(skb, haddr);
  },
};

/** Takes `slave`: a reference on it, its header format, its addresses and (unless legacy) its carrier. */
export function insaneAttach(dev: NetDevice<InsanePriv>, slave: NetDevice): void {
  const priv = dev.priv;
  const old = priv.slave;
  if (old !== slave) {
    devHold(slave);
    priv.slave = slave;
    if (old !== null) devPut(old);
  }
  dev.headerOps = slave.headerOps === null ? null : insaneHeaderOps;
  dev.hardHeaderLen = slave.hardHeaderLen;
  insaneCopyAddr(dev, slave);
  if (!priv.driver.legacy) insaneSyncCarrier(dev);
}

/** Lets the slave go: held packets dropped, reference dropped, carrier off. */
export function insaneDetach(dev: NetDevice<InsanePriv>): void {
  const priv = dev.priv;
  const slave = priv.slave;
  if (slave === null) return;
  netemPurge(dev);
  priv.slave = null;
  priv.neigh = null;
  devPut(slave);
  netifCarrierOff(dev);
}

/** Our carrier is the slave's: up with carrier. */
export function insaneSyncCarrier(dev: NetDevice<InsanePriv>): void {
  const slave = dev.priv.slave;
  if (slave !== null && slave.flags & IFF_UP && netifCarrierOk(slave)) netifCarrierOn(dev);
  else netifCarrierOff(dev);
}

/** Copies the slave's MAC and broadcast addresses, announcing a change of ours as NETDEV_CHANGEADDR. */
export function insaneCopyAddr(dev: NetDevice<InsanePriv>, slave: NetDevice): void {
  const n = slave.addrLen;
  let changed = dev.addrLen !== n;
  for (let i = 0; i < n && !changed; i++) changed = dev.devAddr[i] !== slave.devAddr[i];
  dev.addrLen = n;
  dev.devAddr.set(slave.devAddr.subarray(0, n));
  dev.broadcast.set(slave.broadcast.subarray(0, n));
  if (changed && dev.regState === NETREG_REGISTERED) callNetdeviceNotifiers(NETDEV_CHANGEADDR, dev);
}
