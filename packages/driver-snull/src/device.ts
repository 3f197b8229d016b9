/** The device: snull_init (setup), the net_device_ops table, and the creation of a twin pair. */
import {
  EBUSY, EINVAL, EOPNOTSUPP, IFF_NOARP, IFF_UP, NETIF_F_HW_CSUM, allocNetdev, etherSetup, napiDisable, napiEnable,
  netifNapiAdd, netifNapiDel, netifStartQueue, netifStopQueue, registerNetdev, unregisterNetdev,
  type IfReq, type Net, type NetDevice, type NetDeviceOps, type NetDeviceStats,
} from "@vnet/core";
import { SNULL_MAX_MTU, SNULL_MIN_MTU, SNULL_NAPI_WEIGHT } from "./constants.js";
import { snullHeaderOps, snullHwAddr } from "./header.js";
import { snullIrqReset } from "./interrupt.js";
import { snullPurgeRx, snullSetupPool } from "./pool.js";
import { SnullPriv, type SnullDriver } from "./priv.js";
import { snullPoll } from "./rx.js";
import { snullTx, snullTxTimeout } from "./xmit.js";

/** snull_open(): the hardware address is assigned here, as the book does. */
function snullOpen(dev: NetDevice<SnullPriv>): number {
  const priv = dev.priv;
  snullHwAddr(dev.devAddr, priv.index);
  priv.rxInts(true);
  if (priv.napi !== null) napiEnable(priv.napi);
  netifStartQueue(dev);
  return 0;
}

/**
 * snull_release(). Beyond the book, the "hardware" is reset: pending interrupts are forgotten,
 * queued frames go back to their senders' pools and skbs awaiting transmit-done are freed.
 */
function snullRelease(dev: NetDevice<SnullPriv>): number {
  const priv = dev.priv;
  netifStopQueue(dev);
  if (priv.napi !== null) napiDisable(priv.napi);
  snullIrqReset(priv);
  snullPurgeRx(priv);
  priv.txRing.purge();
  priv.rxInts(true);
  return 0;
}

/** snull_config() (SIOCSIFMAP): not while up; the I/O address is fixed; the IRQ may change. */
function snullConfig(dev: NetDevice<SnullPriv>, map: Record<string, number>): number {
  const priv = dev.priv;
  if (dev.flags & IFF_UP) return -EBUSY;
  const base = map["base_addr"];
  if (base !== undefined && base !== priv.baseAddr) {
    priv.drv.kernel.printk("snull: Can't change I/O address");
    return -EOPNOTSUPP;
  }
  const irq = map["irq"];
  if (irq !== undefined && irq !== priv.irqLine) priv.irqLine = irq; // request_irq() waits for open
  return 0;
}

/** snull_ioctl(): private ioctls are accepted and do nothing. */
function snullIoctl(_dev: NetDevice<SnullPriv>, _ifr: IfReq, _cmd: number): number {
  return 0;
}

/** snull_stats(). */
function snullStats(dev: NetDevice<SnullPriv>, stats: NetDeviceStats): void {
  stats.assign(dev.priv.stats);
}

/** snull_change_mtu(): 68..1500. */
function snullChangeMtu(dev: NetDevice<SnullPriv>, newMtu: number): number {
  if (newMtu < SNULL_MIN_MTU || newMtu > SNULL_MAX_MTU) return -EINVAL;
  dev.mtu = newMtu;
  return 0;
}

/** ndo_uninit: what free_netdev does for the book (netif_napi_del), plus the address slot. */
function snullUninit(dev: NetDevice<SnullPriv>): void {
  const priv = dev.priv;
  snullIrqReset(priv);
  snullPurgeRx(priv);
  priv.txRing.purge();
  if (priv.napi !== null) netifNapiDel(priv.napi);
  priv.drv.freeSlot(priv.slot);
}

/** snull_netdev_ops. */
export const snullOps: NetDeviceOps<SnullPriv> = {
  open: snullOpen,
  stop: snullRelease,
  startXmit: snullTx,
  siocdevprivate: snullIoctl,
  setConfig: snullConfig,
  getStats64: snullStats,
  changeMtu: snullChangeMtu,
  txTimeout: snullTxTimeout,
  uninit: snullUninit,
};

/** snull_init(): the setup callback of alloc_netdev. */
function snullInit(dev: NetDevice<SnullPriv>): void {
  const priv = dev.priv;
  const config = priv.drv.config;
  etherSetup(dev);
  dev.watchdogTimeo = config.timeout;
  dev.ops = snullOps;
  dev.headerOps = snullHeaderOps;
  dev.flags |= IFF_NOARP;
  dev.features |= NETIF_F_HW_CSUM;
  dev.owner = priv.drv.module;
  priv.dev = dev;
  if (config.useNapi) priv.napi = netifNapiAdd(dev, snullPoll, SNULL_NAPI_WEIGHT);
  priv.rxInts(true);
  snullSetupPool(priv, config.poolSize);
}

/**
 * Allocates and registers two twins in `net`: the first gets address index 2*slot, the second
 * 2*slot+1, so each one's address with the last bit toggled is the other's. Nothing is left
 * behind on failure.
 */
export function snullNewPair(drv: SnullDriver, net: Net, name: string, peerName: string): [NetDevice<SnullPriv>, NetDevice<SnullPriv>] {
  const slot = drv.allocSlot();
  const a = allocNetdev(net, name, snullInit, new SnullPriv(drv, 2 * slot, slot));
  const b = allocNetdev(net, peerName, snullInit, new SnullPriv(drv, 2 * slot + 1, slot));
  a.priv.peer = b;
  b.priv.peer = a;
  try {
    registerNetdev(a);
  } catch (e) {
    drv.freeSlot(slot);
    throw e;
  }
  try {
    registerNetdev(b);
  } catch (e) {
    unregisterNetdev(a);
    drv.freeSlot(slot);
    throw e;
  }
  return [a, b];
}
