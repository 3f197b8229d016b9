import type { Net } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import type { Module } from "../kernel/module.js";
import type { Timer } from "../kernel/scheduler.js";
import type { SkBuff, SkbQueue } from "./skbuff.js";
import type { Napi } from "./napi.js";
import type { PacketType } from "./packet.js";
import type { RtnlLinkOps } from "./rtnl.js";
import {
  ARPHRD_ETHER,
  IF_OPER_UNKNOWN,
  MAX_ADDR_LEN,
  NETREG_UNINITIALIZED,
} from "./constants.js";

/** Device statistics (struct rtnl_link_stats64), camelCased. */
export class NetDeviceStats {
  rxPackets = 0;
  txPackets = 0;
  rxBytes = 0;
  txBytes = 0;
  rxErrors = 0;
  txErrors = 0;
  rxDropped = 0;
  txDropped = 0;
  multicast = 0;
  collisions = 0;
  rxLengthErrors = 0;
  rxOverErrors = 0;
  rxCrcErrors = 0;
  rxFrameErrors = 0;
  rxFifoErrors = 0;
  rxMissedErrors = 0;
  txAbortedErrors = 0;
  txCarrierErrors = 0;
  txFifoErrors = 0;
  txHeartbeatErrors = 0;
  txWindowErrors = 0;
  rxCompressed = 0;
  txCompressed = 0;
  rxNohandler = 0;

  /** Copies every counter from `s`. */
  assign(s: NetDeviceStats): this {
    for (const k of STAT_KEYS) this[k] = s[k];
    return this;
  }
}

/** The counter names, in struct order. */
export const STAT_KEYS: ReadonlyArray<keyof Omit<NetDeviceStats, "assign">> = [
  "rxPackets", "txPackets", "rxBytes", "txBytes", "rxErrors", "txErrors", "rxDropped", "txDropped",
  "multicast", "collisions", "rxLengthErrors", "rxOverErrors", "rxCrcErrors", "rxFrameErrors",
  "rxFifoErrors", "rxMissedErrors", "txAbortedErrors", "txCarrierErrors", "txFifoErrors",
  "txHeartbeatErrors", "txWindowErrors", "rxCompressed", "txCompressed", "rxNohandler",
];

/** An interface request as the SIOC* ioctls carry it (struct ifreq, decoded). */
export interface IfReq {
  name: string;
  /** Driver-private payload for SIOCDEVPRIVATE..+15 (ifr_data). */
  data?: unknown;
  [field: string]: unknown;
}

/**
 * Driver operations (struct net_device_ops). Control operations return 0 (or nothing) on success
 * and a negative errno on failure, as in the kernel; they may also throw a KernelError.
 */
export interface NetDeviceOps<P = any> {
  /** ndo_init: called by registration before the device is listed. */
  init?(dev: NetDevice<P>): number | void;
  /** ndo_uninit: called when unregistering, after NETDEV_UNREGISTER. */
  uninit?(dev: NetDevice<P>): void;
  open?(dev: NetDevice<P>): number | void;
  stop?(dev: NetDevice<P>): number | void;
  /** ndo_start_xmit: owns `skb` unless it returns NETDEV_TX_BUSY. */
  startXmit(skb: SkBuff, dev: NetDevice<P>): number;
  /** ndo_siocdevprivate: SIOCDEVPRIVATE..SIOCDEVPRIVATE+15. */
  siocdevprivate?(dev: NetDevice<P>, ifr: IfReq, cmd: number, cred: Cred): number | void;
  /** ndo_eth_ioctl / legacy do_ioctl for other device ioctls. */
  doIoctl?(dev: NetDevice<P>, ifr: IfReq, cmd: number): number | void;
  /** ndo_set_config (SIOCSIFMAP). */
  setConfig?(dev: NetDevice<P>, map: Record<string, number>): number | void;
  getStats64?(dev: NetDevice<P>, stats: NetDeviceStats): void;
  changeMtu?(dev: NetDevice<P>, newMtu: number): number | void;
  setMacAddress?(dev: NetDevice<P>, addr: Uint8Array): number | void;
  txTimeout?(dev: NetDevice<P>, txqueue: number): void;
  changeRxFlags?(dev: NetDevice<P>, flags: number): void;
  setFeatures?(dev: NetDevice<P>, features: number): number | void;
  /** ndo_get_iflink: the ifindex of the link this device sits on (veth: its peer). */
  getIflink?(dev: NetDevice<P>): number;
  /** priv_destructor: frees driver state once the last reference is gone. */
  privDestructor?(dev: NetDevice<P>): void;
  /** ndo_add_slave: `ip link set SLAVE master DEV` (bridges, bonds). */
  addSlave?(dev: NetDevice<P>, slave: NetDevice): number | void;
  /** ndo_del_slave: `ip link set SLAVE nomaster`. */
  delSlave?(dev: NetDevice<P>, slave: NetDevice): number | void;
  /** ndo_get_peer_dev. */
  getPeerDev?(dev: NetDevice<P>): NetDevice | null;
}

/** struct ethtool_drvinfo. */
export interface EthtoolDrvinfo {
  driver: string;
  version: string;
  fwVersion: string;
  busInfo: string;
}

/** struct ethtool_link_ksettings, reduced. */
export interface EthtoolLinkSettings {
  /** Mb/s, or -1 for unknown. */
  speed: number;
  duplex: "half" | "full" | "unknown";
  port: "TP" | "AUI" | "BNC" | "MII" | "FIBRE" | "Other" | "None";
  autoneg: boolean;
  transceiver?: "internal" | "external" | undefined;
  phyad?: number | undefined;
  maxtxpkt?: number | undefined;
  maxrxpkt?: number | undefined;
}

/** Statistics sets (enum ethtool_stringset). */
export const ETH_SS_TEST = 0;
export const ETH_SS_STATS = 1;
export const ETH_SS_PRIV_FLAGS = 2;

/** struct ethtool_ops, the parts vnet drivers implement. */
export interface EthtoolOps<P = any> {
  getDrvinfo?(dev: NetDevice<P>): EthtoolDrvinfo;
  getLinkKsettings?(dev: NetDevice<P>): EthtoolLinkSettings;
  setLinkKsettings?(dev: NetDevice<P>, s: EthtoolLinkSettings): number | void;
  getLink?(dev: NetDevice<P>): boolean;
  getSsetCount?(dev: NetDevice<P>, sset: number): number;
  getStrings?(dev: NetDevice<P>, sset: number): string[];
  getEthtoolStats?(dev: NetDevice<P>): number[];
  getMsglevel?(dev: NetDevice<P>): number;
  setMsglevel?(dev: NetDevice<P>, level: number): void;
}

/** struct header_ops: builds and parses the link-level header. */
export interface HeaderOps {
  /** Pushes a header; returns its length, or a negative length if the destination is unknown. */
  create(skb: SkBuff, dev: NetDevice, type: number, daddr: Uint8Array | null, saddr: Uint8Array | null, len: number): number;
  /** Copies the source hardware address of the received frame into `haddr`; returns its length. */
  parse(skb: SkBuff, haddr: Uint8Array): number;
}

// Shared by every device until its first tap or NAPI context: keeps idle devices small.
const NONE: readonly never[] = Object.freeze([]);

let addrSlab = new Uint8Array(0);
let addrSlabUsed = 0;

/** A hardware-address buffer of MAX_ADDR_LEN bytes, carved from a slab to keep devices small. */
function addrBuf(): Uint8Array {
  if (addrSlabUsed + MAX_ADDR_LEN > addrSlab.length) {
    addrSlab = new Uint8Array(MAX_ADDR_LEN * 1024);
    addrSlabUsed = 0;
  }
  const b = addrSlab.subarray(addrSlabUsed, addrSlabUsed + MAX_ADDR_LEN);
  addrSlabUsed += MAX_ADDR_LEN;
  return b;
}

/** dev->core_stats: drops counted by the core rather than the driver. */
export class NetDeviceCoreStats {
  rxDropped = 0;
  txDropped = 0;
  rxNohandler = 0;
  /** Frames for another host dropped by ip_rcv. */
  rxOtherhostDropped = 0;
}

/**
 * A network device (struct net_device). Create with `allocNetdev`, register with
 * `registerNetdev`. `priv` is the driver's private area (netdev_priv).
 */
export class NetDevice<P = any> {
  name: string;
  ifindex = 0;
  net: Net;
  priv: P;
  ops: NetDeviceOps<P>;
  ethtoolOps: EthtoolOps<P> | null = null;
  headerOps: HeaderOps | null = null;
  /** The link type it was created by (`ip link add ... type KIND`), if any. */
  linkKind: RtnlLinkOps | null = null;
  /** The module that owns the device: open/close take and drop its use count. */
  owner: Module | null = null;

  type: number = ARPHRD_ETHER;
  /** IFF_* flags as stored (without the volatile RUNNING/LOWER_UP bits). */
  flags = 0;
  /** Flags the user asked for (IFF_PROMISC/IFF_ALLMULTI set by `ip link set ... promisc on`). */
  gflags = 0;
  privFlags = 0;
  features = 0;
  hwFeatures = 0;
  /** Features the user wants (wanted_features); `features` is what is in force. */
  wantedFeatures = 0;
  mtu = 1500;
  minMtu = 0;
  maxMtu = 0;
  hardHeaderLen = 0;
  neededHeadroom = 0;
  addrLen = 0;
  /** dev_addr: the first addrLen bytes are meaningful. */
  devAddr: Uint8Array = addrBuf();
  broadcast: Uint8Array = addrBuf();
  /** How the MAC address was assigned (NET_ADDR_*). */
  addrAssignType = 0;
  txQueueLen = 0;
  /** Jiffies of a stopped queue before the watchdog calls txTimeout. */
  watchdogTimeo = 0;
  ifalias = "";
  group = 0;

  stats: NetDeviceStats = new NetDeviceStats();
  /** Drops the core counted outside the driver (dev->core_stats): allocated on the first one. */
  coreStats: NetDeviceCoreStats | null = null;

  regState: number = NETREG_UNINITIALIZED;
  /** Reference count; 1 belongs to the registration itself. */
  refcnt = 1;
  operstate: number = IF_OPER_UNKNOWN;
  /** __LINK_STATE_* bits. */
  state = 0;
  promiscuity = 0;
  allmulti = 0;
  /** Jiffies of the last transmit (trans_start). */
  transStart = 0;
  /** The pfifo qdisc while the device is up with tx_queue_len > 0 (its qstats in the queue). */
  qdisc: SkbQueue | null = null;
  watchdogTimer: Timer<NetDevice> | null = null;
  napiList: readonly Napi[] = NONE;
  /** Packet taps bound to this device only (ptype_all with dev). */
  ptypeAll: readonly PacketType[] = NONE;
  /** rx_handler: sees frames before protocol handlers (bridge ports, macvlan...). */
  rxHandler: ((skb: SkBuff) => number) | null = null;
  rxHandlerData: unknown = null;
  /** The master this device is enslaved to (bridge), if any. */
  master: NetDevice | null = null;
  /** dev->ip_ptr: the IPv4 layer's per-device state (its in_device), opaque down here. */
  ipPtr: unknown = null;

  constructor(net: Net, name: string, priv: P, ops: NetDeviceOps<P>) {
    this.net = net;
    this.name = name;
    this.priv = priv;
    this.ops = ops;
  }

  /** The MAC address as a new array of addrLen bytes. */
  address(): Uint8Array {
    return this.devAddr.slice(0, this.addrLen);
  }

  toString(): string {
    return this.name;
  }
}



/** dev_core_stats(): the device's core drop counters, allocated when the first drop is counted. */
export function devCoreStats(dev: NetDevice): NetDeviceCoreStats {
  return (dev.coreStats ??= new NetDeviceCoreStats());
}
