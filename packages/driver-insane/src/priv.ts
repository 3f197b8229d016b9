import { NetDeviceStats, type Kernel, type Module, type Neighbour, type NetDevice, type Timer } from "@vnet/core";
import { INSANE_PASS } from "./uapi.js";
import { Netem } from "./netem.js";

/** What one loaded insane module shares among its devices. */
export class InsaneDriver {
  readonly kernel: Kernel;
  readonly module: Module;
  /** legacy=1: the 2000 driver's behaviour, no netdevice notifier. */
  readonly legacy: boolean;
  /** Every registered insane device, for the notifier to find a slave's masters. */
  readonly instances: Set<NetDevice<InsanePriv>> = new Set();

  constructor(kernel: Kernel, module: Module, legacy: boolean) {
    this.kernel = kernel;
    this.module = module;
    this.legacy = legacy;
  }
}

// Per-reason counters (ethtool -S), indices into InsanePriv.counters.
export const DROP_NO_SLAVE = 0;
export const DROP_PERCENT = 1;
export const DROP_TIME = 2;
export const DROP_GEMODEL = 3;
export const DROP_LIMIT = 4;
export const DROP_PURGED = 5;
export const STAT_DUPLICATED = 6;
export const STAT_CORRUPTED = 7;
export const STAT_REORDERED = 8;
export const STAT_DELAYED = 9;

/** Names of the counters above, in order. */
export const COUNTER_NAMES: readonly string[] = [
  "tx_drop_no_slave", "tx_drop_percent", "tx_drop_time", "tx_drop_gemodel", "tx_drop_limit", "tx_drop_purged",
  "tx_duplicated", "tx_corrupted", "tx_reordered", "tx_delayed",
];

/** The private area of an insane device (struct insane_private, grown). */
export class InsanePriv {
  /** @internal */
  readonly driver: InsaneDriver;
  /** The device packets are relayed to; we hold a reference on it. */
  slave: NetDevice | null = null;
  mode: number = INSANE_PASS;
  arg1 = 0;
  arg2 = 0;
  /** jiffies at the last SET: time mode's on/off cycle starts there. */
  epoch = 0;
  /** Our own counters, returned by ndo_get_stats64. */
  readonly stats: NetDeviceStats = new NetDeviceStats();
  readonly counters: Float64Array = new Float64Array(COUNTER_NAMES.length);
  /** The slave's neighbour entry for the last IPv4 next hop relayed (insaneNeighOutput). */
  neigh: Neighbour | null = null;
  /** @internal */
  readonly netem: Netem = new Netem();
  /** Releases held packets (netem's watchdog); set up with the device. */
  timer: Timer<NetDevice<InsanePriv>> | null = null;

  /** @internal */
  constructor(driver: InsaneDriver) {
    this.driver = driver;
  }
}
