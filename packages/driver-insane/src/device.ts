import {
  EINVAL, ENODEV, EOPNOTSUPP, ETH_SS_STATS, IFF_NOARP, IFF_NO_QUEUE, KernelError, Timer, allocNetdev, devPut, etherSetup, ethMacAddr,
  modulePut, netifCarrierOff, netifCarrierOk, registerNetdev, tryModuleGet, type EthtoolOps, type Net, type NetDevice,
  type NetDeviceOps, type NetDeviceStats, type NewLinkRequest, type RtnlLinkOps,
} from "@vnet/core";
import { INSANE_MODE_NAMES } from "./uapi.js";
import { COUNTER_NAMES, InsanePriv, type InsaneDriver } from "./priv.js";
import { insaneXmit, netemPurge, netemWatchdog } from "./xmit.js";
import { insaneSiocdevprivate } from "./ioctl.js";

export const INSANE_VERSION = "0.1.0";

/** ethtool -S insane: packets relayed, one counter per reason, then what the delay queue holds. */
export const INSANE_ETHTOOL_STATS: readonly string[] = ["tx_relayed", ...COUNTER_NAMES, "tx_queued"];

const insaneEthtoolOps: EthtoolOps<InsanePriv> = {
  getDrvinfo: () => ({ driver: "insane", version: INSANE_VERSION, fwVersion: "", busInfo: "" }),
  getLink: (dev) => netifCarrierOk(dev),
  getSsetCount: (_dev, sset) => (sset === ETH_SS_STATS ? INSANE_ETHTOOL_STATS.length : -EOPNOTSUPP),
  getStrings: (_dev, sset) => (sset === ETH_SS_STATS ? [...INSANE_ETHTOOL_STATS] : []),
  getEthtoolStats: (dev) => [dev.priv.stats.txPackets, ...dev.priv.counters, dev.priv.netem.tfifo.len],
};

const insaneOps: NetDeviceOps<InsanePriv> = {
  init(dev) {
    dev.priv.driver.instances.add(dev);
  },
  /** After our own NETDEV_UNREGISTER: drop what is held and let the slave go. */
  uninit(dev) {
    const priv = dev.priv;
    netemPurge(dev);
    const slave = priv.slave;
    priv.slave = null;
    if (slave !== null) devPut(slave);
    priv.driver.instances.delete(dev);
  },
  /** An open insane pins the module, as MOD_INC_USE_COUNT did. */
  open(dev) {
    return tryModuleGet(dev.priv.driver.module) ? 0 : -ENODEV;
  },
  stop(dev) {
    netemPurge(dev);
    modulePut(dev.priv.driver.module);
  },
  startXmit: insaneXmit,
  siocdevprivate: insaneSiocdevprivate,
  getStats64(dev: NetDevice<InsanePriv>, stats: NetDeviceStats) {
    stats.assign(dev.priv.stats);
  },
  setMacAddress: ethMacAddr,
};

/** insane_init(): a generic Ethernet device with our methods; no queue of its own (the slave has one). */
function insaneSetup(dev: NetDevice<InsanePriv>): void {
  etherSetup(dev);
  dev.ops = insaneOps;
  dev.ethtoolOps = insaneEthtoolOps;
  dev.privFlags |= IFF_NO_QUEUE;
  // No ARP of our own (the 2000 driver's neigh_setup gave insane no probes): the slave resolves.
  dev.flags |= IFF_NOARP;
  dev.priv.timer = new Timer(netemWatchdog, dev);
  // No slave, no carrier; the 2000 driver knew nothing of carriers and legacy=1 leaves it on.
  if (!dev.priv.driver.legacy) netifCarrierOff(dev);
}

/** Allocates an insane device in `net` (not yet registered). */
export function insaneAlloc(drv: InsaneDriver, net: Net, name: string): NetDevice<InsanePriv> {
  return allocNetdev(net, name, insaneSetup, new InsanePriv(drv));
}

/** `ip link add NAME type insane`: any number of instances, each with its own slave. */
export function insaneLinkOps(drv: InsaneDriver): RtnlLinkOps {
  return {
    kind: "insane",
    usage: "Usage: ip link add NAME type insane\n(then: insanely -i NAME SLAVE MODE [ARGS])",
    parse(args: readonly string[]): Record<string, unknown> {
      if (args.length > 0) throw new KernelError(EINVAL, `insane: unknown argument "${args[0]}"`);
      return {};
    },
    newlink(req: NewLinkRequest): NetDevice {
      const dev = insaneAlloc(drv, req.net, req.name ?? "insane%d");
      if (req.mtu !== undefined) dev.mtu = req.mtu;
      if (req.address !== undefined) dev.devAddr.set(req.address.subarray(0, dev.addrLen));
      if (req.txQueueLen !== undefined) dev.txQueueLen = req.txQueueLen;
      registerNetdev(dev);
      return dev;
    },
    dellink(dev: NetDevice, dying: NetDevice[]): void {
      dying.push(dev);
    },
    fillInfo(dev: NetDevice): Record<string, unknown> {
      const priv = dev.priv as InsanePriv;
      return { slave: priv.slave?.name ?? "", mode: INSANE_MODE_NAMES[priv.mode] ?? "pass", arg1: priv.arg1, arg2: priv.arg2 };
    },
  };
}
