import { devIoctl, type Cred, type Net } from "@vnet/core";
import {
  INSANE_MODE_NAMES, NETEM_DEFAULTS, SIOCINSANEGETINFO, SIOCINSANESETINFO, type InsaneMode, type InsaneNetemInfo,
  type InsaneUserinfo,
} from "./uapi.js";

/** netem options for insanelySet: anything left out takes netem's default. */
export type InsaneNetemOptions = { [K in keyof InsaneNetemInfo]?: InsaneNetemInfo[K] | undefined };

/** What insanelySet asks for. */
export interface InsaneConfig {
  slave: string;
  mode: InsaneMode;
  /** percent: the share relayed; time: jiffies on. Default 0. */
  arg1?: number | undefined;
  /** time: jiffies off. Default 0. */
  arg2?: number | undefined;
  /** Impairments after the mode; none when left out. */
  netem?: InsaneNetemOptions | undefined;
}

/** What insanelyGet returns. */
export interface InsaneInfo {
  /** "" when there is no slave. */
  slave: string;
  mode: InsaneMode;
  arg1: number;
  arg2: number;
  netem: InsaneNetemInfo;
}

/** Fills in netem's defaults as tc does: r = 100 - p and 1-h = 100 % for gemodel, gap 1 with reorder. */
export function netemOptions(o: InsaneNetemOptions = {}): InsaneNetemInfo {
  const n: InsaneNetemInfo = { ...NETEM_DEFAULTS };
  for (const key of Object.keys(o) as (keyof InsaneNetemInfo)[]) {
    const v = o[key];
    if (v !== undefined) n[key] = v;
  }
  if (o.lossP !== undefined || o.loss1K !== undefined) {
    if (o.lossR === undefined) n.lossR = 100 - n.lossP;
    if (o.loss1H === undefined) n.loss1H = 100;
  }
  if (o.reorder !== undefined && o.reorder > 0 && o.gap === undefined) n.gap = 1;
  return n;
}

/**
 * SIOCINSANESETINFO on `ifname` in `net`, as `insanely SLAVE MODE ARGS` does. Throws the
 * KernelError the driver returns (EPERM, ENODEV, EINVAL...); the configuration is then unchanged.
 */
export function insanelySet(net: Net, cred: Cred, ifname: string, cfg: InsaneConfig): void {
  const info: InsaneUserinfo = {
    name: cfg.slave,
    mode: INSANE_MODE_NAMES.indexOf(cfg.mode),
    arg1: cfg.arg1 ?? 0,
    arg2: cfg.arg2 ?? 0,
    netem: netemOptions(cfg.netem),
  };
  devIoctl(net, cred, SIOCINSANESETINFO, { name: ifname, data: info });
}

/** SIOCINSANEGETINFO on `ifname`: the current slave, mode, arguments and impairments. */
export function insanelyGet(net: Net, cred: Cred, ifname: string): InsaneInfo {
  const info = { name: "", mode: 0, arg1: 0, arg2: 0 } as InsaneUserinfo;
  devIoctl(net, cred, SIOCINSANEGETINFO, { name: ifname, data: info });
  return {
    slave: info.name,
    mode: INSANE_MODE_NAMES[info.mode] ?? "pass",
    arg1: info.arg1,
    arg2: info.arg2,
    netem: { ...NETEM_DEFAULTS, ...info.netem },
  };
}
