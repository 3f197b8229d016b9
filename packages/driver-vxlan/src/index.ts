/**
 * @vnet/driver-vxlan: VXLAN (RFC 7348) devices for vnet. Platform-neutral; the node:dgram
 * transport lives in `@vnet/driver-vxlan/node`.
 */
export { createVxlan, vxlan, VXLAN_MODULE_VERSION, type VxlanOptions, type VxlanParams } from "./module.js";
export {
  DRV_NAME, DRV_VERSION, VXLAN_DEFAULT_MTU, VXLAN_MAX_MTU, VXLAN_STATS_KEYS, vxlanDevices, vxlanReady, type VxlanDriver,
} from "./device.js";
export { FDB_AGE_DEFAULT, VXLAN_USAGE, vxlanConfig, vxlanParse, type VxlanConfig, type VxlanLinkData } from "./config.js";
export {
  FDB_AGE_INTERVAL, fdbAdd, fdbAppend, fdbDel, fdbDump, fdbReplace, vxlanDev, type FdbInfo, type FdbState,
} from "./fdb.js";
export {
  FdbEntry, FdbTable, VxlanCounters, VxlanPriv, macKey,
  type FdbRemote, type VxlanDevice,
} from "./priv.js";
export { VxlanSock, VxlanSockCounters, vxlanSockOf } from "./sock.js";
export {
  MemoryUnderlay, bindError, kernelUdp, toAddr, type MemoryTap, type VxlanReceive, type VxlanTransport,
  type VxlanTransportFactory, type VxlanTransportRequest,
} from "./transport.js";
export { RealtimeClock, type RealtimeClockOptions, type WaitResult } from "./realtime.js";
export { VXLAN_DEFAULT_PORT_MAX, VXLAN_DEFAULT_PORT_MIN, flowHash, flowSrcPort } from "./hash.js";
export {
  IANA_VXLAN_UDP_PORT, LINUX_VXLAN_UDP_PORT, VXLAN_HEADROOM, VXLAN_HF_VNI, VXLAN_HLEN, VXLAN_N_VID, VxlanHeader,
  emitVxlanHeader,
} from "./wire.js";
export { bridgeCommand } from "./bridge.js";

export { vxlan as default } from "./module.js";
