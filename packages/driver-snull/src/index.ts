export { snull, snull as default } from "./snull.js";
export { SNULL_PARAMS, type SnullConfig, type SnullParamValues } from "./params.js";
export { SnullDriver, SnullPriv, SnullTxRing, type SnullInterrupt } from "./priv.js";
export { SnullPacket } from "./pool.js";
export { snullFlipIpv4 } from "./hw.js";
export { snullHwAddr, snullHeaderOps } from "./header.js";
export { snullOps } from "./device.js";
export * from "./constants.js";

export const version: string = "0.1.0";
