import type { Cred } from "../kernel/cred.js";
import { capable, CAP_NET_ADMIN } from "../kernel/cred.js";
import { EINVAL, EOPNOTSUPP, EPERM, KernelError } from "../kernel/errno.js";
import {
  NETIF_F_CSUM_MASK, NETIF_F_HW_CSUM, NETIF_F_NAMES,
} from "./constants.js";
import { devSetFeatures, netifCarrierOk, netifRunning } from "./dev.js";
import {
  ETH_SS_PRIV_FLAGS, ETH_SS_STATS, ETH_SS_TEST, type EthtoolDrvinfo, type EthtoolLinkSettings, type EthtoolOps,
  type NetDevice,
} from "./netdevice.js";

/** What ETHTOOL_GDRVINFO answers: the driver's strings plus the sizes ethtool uses next. */
export interface EthtoolDrvinfoReply extends EthtoolDrvinfo {
  /** Number of ETH_SS_STATS counters (`ethtool -S`). */
  nStats: number;
  /** Number of self tests (ETH_SS_TEST). */
  testinfoLen: number;
  nPrivFlags: number;
  eedumpLen: number;
  regdumpLen: number;
}

/** One line of `ethtool -k`: feature name, whether it is on, whether it can be changed. */
export type EthtoolFeature = readonly [name: string, on: boolean, fixed: boolean];

/** A requested feature that ended up otherwise (`ethtool -K`'s "Actual changes"). */
export type EthtoolFeatureChange = readonly [name: string, on: boolean, requested: boolean];

// ethtool's names, each covering the feature bits it toggles: tx-checksumming is every tx checksum bit.
const FEATURE_TABLE: ReadonlyArray<readonly [string, number]> = [
  ...NETIF_F_NAMES.map(([bit, name]) => [name, bit === NETIF_F_HW_CSUM ? NETIF_F_CSUM_MASK : bit] as const),
];

function ops(dev: NetDevice): EthtoolOps {
  // A device without ethtool_ops answers through the empty table, as the kernel's default does.
  return dev.ethtoolOps ?? {};
}

/** get_sset_count, 0 when the driver has none or refuses the set. */
function ssetCount(dev: NetDevice, sset: number): number {
  const n = ops(dev).getSsetCount?.(dev, sset) ?? 0;
  return n > 0 ? n : 0;
}

/** ethtool_op_get_link(): the link is the carrier; drivers plug this in as their getLink. */
export function ethtoolOpGetLink(dev: NetDevice): boolean {
  return netifCarrierOk(dev);
}

/** ETHTOOL_GLINKSETTINGS (`ethtool DEV`): speed, duplex, port. */
export function ethtoolGetSettings(dev: NetDevice): EthtoolLinkSettings {
  const get = ops(dev).getLinkKsettings;
  if (get === undefined) throw new KernelError(EOPNOTSUPP, `${dev.name}: Cannot get device settings`);
  return { ...get(dev) };
}

/** ETHTOOL_GDRVINFO (`ethtool -i`); a driverless link kind answers with its kind, as the kernel does. */
export function ethtoolGetDrvinfo(dev: NetDevice): EthtoolDrvinfoReply {
  const get = ops(dev).getDrvinfo;
  let info: EthtoolDrvinfo;
  if (get !== undefined) info = get(dev);
  else if (dev.linkKind !== null) info = { driver: dev.linkKind.kind, version: "", fwVersion: "", busInfo: "" };
  else throw new KernelError(EOPNOTSUPP, `${dev.name}: Cannot get driver information`);
  return {
    driver: info.driver,
    version: info.version,
    fwVersion: info.fwVersion,
    busInfo: info.busInfo,
    nStats: ssetCount(dev, ETH_SS_STATS),
    testinfoLen: ssetCount(dev, ETH_SS_TEST),
    nPrivFlags: ssetCount(dev, ETH_SS_PRIV_FLAGS),
    eedumpLen: 0,
    regdumpLen: 0,
  };
}

/** ETHTOOL_GLINK ("Link detected"): only a running device can have a link. */
export function ethtoolGetLink(dev: NetDevice): boolean {
  const get = ops(dev).getLink;
  if (get === undefined) throw new KernelError(EOPNOTSUPP, `${dev.name}: Cannot get link status`);
  return netifRunning(dev) && get(dev);
}

/** ETHTOOL_GFEATURES (`ethtool -k`): every known feature, on or off, fixed or changeable. */
export function ethtoolGetFeatures(dev: NetDevice): EthtoolFeature[] {
  return FEATURE_TABLE.map(([name, mask]) => [name, (dev.features & mask) !== 0, (dev.hwFeatures & mask) === 0] as const);
}

/**
 * ETHTOOL_SFEATURES (`ethtool -K DEV name on|off ...`): changes what the hardware allows and
 * returns the requests that ended up otherwise. Nothing honoured at all is an error, as ethtool
 * reports it.
 */
export function ethtoolSetFeatures(dev: NetDevice, cred: Cred, req: Readonly<Record<string, boolean>>): EthtoolFeatureChange[] {
  if (!capable(cred, CAP_NET_ADMIN)) throw new KernelError(EPERM, `${dev.name}: Cannot set device feature settings`);
  const asked: (readonly [string, number, boolean])[] = [];
  for (const [name, on] of Object.entries(req)) {
    const entry = FEATURE_TABLE.find(([n]) => n === name);
    if (entry === undefined) throw new KernelError(EINVAL, `bad command line argument(s): unknown feature "${name}"`);
    asked.push([name, entry[1], on]);
  }
  // Bits the hardware cannot toggle are left as they are (ETHTOOL_F_UNSUPPORTED).
  let valid = 0;
  let wanted = 0;
  for (const [, mask, on] of asked) {
    valid |= mask & dev.hwFeatures;
    if (on) wanted |= mask & dev.hwFeatures;
  }
  const fixed = dev.features & ~dev.hwFeatures;
  const base = (dev.wantedFeatures & dev.hwFeatures & ~valid) | fixed;
  if (valid !== 0) devSetFeatures(dev, base | wanted);
  const changes: EthtoolFeatureChange[] = [];
  for (const [name, mask, on] of asked) {
    const now = (dev.features & mask) !== 0;
    if (now !== on) changes.push([name, now, on]);
  }
  if (asked.length > 0 && changes.length === asked.length) throw new KernelError(EOPNOTSUPP, "Could not change any device features");
  return changes;
}

/** ETHTOOL_GSTATS with its ETH_SS_STATS strings (`ethtool -S`): [name, value] pairs. */
export function ethtoolGetStats(dev: NetDevice): [string, number][] {
  const o = ops(dev);
  if (o.getEthtoolStats === undefined || o.getSsetCount === undefined || o.getStrings === undefined) {
    throw new KernelError(EOPNOTSUPP, `${dev.name}: no stats available`);
  }
  const n = o.getSsetCount(dev, ETH_SS_STATS);
  if (n < 0) throw new KernelError(-n, `${dev.name}: no stats available`);
  const names = o.getStrings(dev, ETH_SS_STATS);
  const values = o.getEthtoolStats(dev);
  const out: [string, number][] = [];
  for (let i = 0; i < n; i++) out.push([names[i] ?? "", values[i] ?? 0]);
  return out;
}
