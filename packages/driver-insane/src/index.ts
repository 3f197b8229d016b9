export { insane, insane as default, INSANE_PARAMS } from "./module.js";
export {
  SIOCINSANESETINFO, SIOCINSANEGETINFO, INSANE_PASS, INSANE_PERCENT, INSANE_TIME, INSANE_MODE_NAMES, INSANE_NAMELEN,
  NETEM_DEFAULTS, type InsaneMode, type InsaneUserinfo, type InsaneNetemInfo,
} from "./uapi.js";
export { insanelySet, insanelyGet, netemOptions, type InsaneConfig, type InsaneInfo, type InsaneNetemOptions } from "./api.js";
export { insanely, insanelyCommand, formatNetem, INSANELY_USAGE } from "./insanely.js";
export { INSANE_ETHTOOL_STATS, INSANE_VERSION } from "./device.js";
export { InsanePriv } from "./priv.js";

/** The package version. */
export const version: string = "0.1.0";
