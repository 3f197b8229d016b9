/**
 * The VXLAN device (drivers/net/vxlan): an Ethernet device whose "wire" is UDP. Transmit looks
 * the destination MAC up in the FDB (flooding unknown and broadcast frames to the all-zeros
 * entry's remotes), prepends the VXLAN header and hands the datagram to the transport, from a
 * source port hashed from the inner flow. Receive is in sock.ts.
 */
import {
  EEXIST, EINVAL, ENETDOWN, EOPNOTSUPP, ETH_HLEN, ETH_MIN_MTU, ETH_SS_STATS, IFF_BROADCAST, IFF_LIVE_ADDR_CHANGE,
  IFF_MULTICAST, IFF_NO_QUEUE, KernelError, allocSkb, NET_ADDR_SET, NETDEV_TX_OK, NUD_PERMANENT, NUD_REACHABLE, NETIF_F_LLTX, allocNetdev, consumeSkb, dropSkb,
  etherSetup, ethHwAddrRandom, ethMacAddr, ethtoolOpGetLink, ipv4ToString, netifStartQueue, netifStopQueue, registerNetdev,
  type EthtoolOps, type Module, type Net, type NetDevice, type NetDeviceOps, type NewLinkRequest, type RtnlLinkOps,
  type SkBuff,
} from "@vnet/core";
import { VXLAN_USAGE, vxlanConfig, vxlanParse } from "./config.js";
import { fdbAge, fdbAgeStart, fdbFlushDynamic, fdbLookup } from "./fdb.js";
import { flowHash, flowSrcPort } from "./hash.js";
import { ALL_ZEROS_KEY, FdbEntry, VxlanPriv, type VxlanDevice } from "./priv.js";
import { vxlanSockAdd, vxlanSockRelease, type VxlanSock } from "./sock.js";
import type { VxlanTransportFactory } from "./transport.js";
import { emitVxlanHeader, VXLAN_HEADROOM, VXLAN_HLEN } from "./wire.js";

export const DRV_NAME = "vxlan";
/** VXLAN_VERSION of the Linux driver. */
export const DRV_VERSION = "0.1";
/** What the tunnel takes from a 1500-byte underlay: 1500 - 50. */
export const VXLAN_DEFAULT_MTU: number = 1500 - VXLAN_HEADROOM;
/** The largest inner MTU whose datagram still fits an IPv4 packet: 65535 - 50. */
export const VXLAN_MAX_MTU: number = 65535 - VXLAN_HEADROOM;

// ---- transmit ----------------------------------------------------------------------------

/** ndo_start_xmit (vxlan_xmit + vxlan_xmit_one): one datagram per remote of the entry. */
function vxlanXmit(skb: SkBuff, dev: VxlanDevice): number {
  const priv = dev.priv;
  const vs = priv.sock;
  const len = skb.len;
  if (vs === null || vs.error !== null || len < ETH_HLEN) {
    // No socket (or its bind failed: the reason is in dmesg), or a runt.
    if (vs !== null && vs.error !== null) priv.counters.txTransportErrors++;
    dev.stats.txDropped++;
    dropSkb(skb, len < ETH_HLEN ? "PKT_TOO_SMALL" : "DEV_READY");
    return NETDEV_TX_OK;
  }
  const h = skb.head;
  const at = skb.data;
  const f = fdbLookup(priv, h, at);
  if (f === undefined) {
    priv.counters.txNoRemote++;
    dev.stats.txDropped++;
    dropSkb(skb, "NEIGH_FAILED");
    return NETDEV_TX_OK;
  }
  if (f.key !== ALL_ZEROS_KEY) f.used = dev.net.kernel.jiffies;
  const sport = flowSrcPort(flowHash(h, at, len), priv.portMin, priv.portMax);
  // The header goes in front of the frame (vxlan_build_skb); an skb without headroom is copied
  // into one with room first, as skb_cow_head() would.
  let out = skb;
  if (skb.headroom() < VXLAN_HLEN) out = withHeadroom(skb);
  emitVxlanHeader(out.head, out.push(VXLAN_HLEN), priv.cfg.vni);
  const remotes = f.remotes;
  const stats = dev.stats;
  for (let i = 0; i < remotes.length; i++) {
    const r = remotes[i]!;
    if (r.ip === 0) {
      stats.txDropped++;
      continue;
    }
    try {
      vs.transport.send(out, r.ip, r.port, sport);
      stats.txPackets++;
      stats.txBytes += len;
    } catch {
      priv.counters.txTransportErrors++;
      stats.txErrors++;
    }
  }
  if (out !== skb) consumeSkb(out);
  consumeSkb(skb);
  return NETDEV_TX_OK;
}

/** The cold path for an skb without headroom: a copy of its frame in a new skb with room. */
function withHeadroom(skb: SkBuff): SkBuff {
  const len = skb.len;
  const n = allocSkb(VXLAN_HLEN + len);
  n.reserve(VXLAN_HLEN);
  n.head.set(skb.head.subarray(skb.data, skb.tail), n.put(len));
  n.dev = skb.dev;
  return n;
}

// ---- control path ------------------------------------------------------------------------

/** vxlan_open(): joins (or opens) the socket; a bind failure fails the open, naming address and port. */
function vxlanOpen(dev: VxlanDevice): number {
  const priv = dev.priv;
  const vs = vxlanSockAdd(dev, priv.factory);
  priv.sock = vs;
  priv.lastSock = vs;
  fdbAgeStart(dev);
  netifStartQueue(dev);
  return 0;
}

/** vxlan_stop(): learned entries go, the socket is left (closed with its last device). */
function vxlanStop(dev: VxlanDevice): number {
  const priv = dev.priv;
  netifStopQueue(dev);
  fdbFlushDynamic(dev);
  const vs = priv.sock;
  priv.sock = null;
  if (vs !== null) vxlanSockRelease(dev, vs);
  return 0;
}

function vxlanUninit(dev: VxlanDevice): void {
  dev.net.kernel.delTimer(dev.priv.ageTimer);
  dev.priv.fdb.clear();
}

function vxlanChangeMtu(dev: VxlanDevice, mtu: number): number {
  if (mtu < ETH_MIN_MTU || mtu > VXLAN_MAX_MTU) return -EINVAL;
  dev.mtu = mtu;
  return 0;
}

const vxlanNetdevOps: NetDeviceOps<VxlanPriv> = {
  open: vxlanOpen,
  stop: vxlanStop,
  uninit: vxlanUninit,
  startXmit: vxlanXmit,
  changeMtu: vxlanChangeMtu,
  setMacAddress: ethMacAddr,
  siocdevprivate: () => -EOPNOTSUPP,
};

// ---- ethtool -----------------------------------------------------------------------------

/** `ethtool -S`: drops by reason (the first three counted on the shared socket), then the FDB. */
export const VXLAN_STATS_KEYS: readonly string[] = [
  "rx_short", "rx_bad_flags", "rx_unknown_vni", "rx_truncated", "rx_oversize", "rx_loop", "rx_bad_src_mac",
  "rx_fdb_conflict", "tx_no_remote", "tx_transport_errors", "fdb_entries", "fdb_learned", "fdb_migrated", "fdb_aged",
];

function vxlanStats(dev: VxlanDevice): number[] {
  const p = dev.priv;
  const c = p.counters;
  const s = p.lastSock?.counters;
  return [
    s?.rxShort ?? 0, s?.rxBadFlags ?? 0, s?.rxUnknownVni ?? 0, c.rxTruncated, c.rxOversize, c.rxLoop, c.rxBadSrcMac,
    c.rxFdbConflict, c.txNoRemote, c.txTransportErrors, p.fdb.size, c.fdbLearned, c.fdbMigrated, c.fdbAged,
  ];
}

const vxlanEthtoolOps: EthtoolOps<VxlanPriv> = {
  getDrvinfo: () => ({ driver: DRV_NAME, version: DRV_VERSION, fwVersion: "", busInfo: "" }),
  // No lower device to ask: speed and duplex are unknown, as Linux reports without `dev`.
  getLinkKsettings: () => ({ speed: -1, duplex: "unknown", port: "Other", autoneg: false }),
  getLink: ethtoolOpGetLink,
  getSsetCount: (_dev, sset) => (sset === ETH_SS_STATS ? VXLAN_STATS_KEYS.length : -EOPNOTSUPP),
  getStrings: (_dev, sset) => (sset === ETH_SS_STATS ? [...VXLAN_STATS_KEYS] : []),
  getEthtoolStats: vxlanStats,
};

// ---- creation: ip link add NAME type vxlan id VNI ... -------------------------------------

function vxlanSetup(dev: VxlanDevice): void {
  etherSetup(dev);
  dev.ops = vxlanNetdevOps;
  dev.ethtoolOps = vxlanEthtoolOps;
  dev.mtu = VXLAN_DEFAULT_MTU;
  dev.minMtu = ETH_MIN_MTU;
  dev.maxMtu = VXLAN_MAX_MTU;
  dev.flags = IFF_BROADCAST | IFF_MULTICAST;
  // No qdisc (Linux's IFF_NO_QUEUE) though tx_queue_len stays 1000, as `ip link` shows it.
  dev.privFlags |= IFF_NO_QUEUE | IFF_LIVE_ADDR_CHANGE;
  dev.features = NETIF_F_LLTX;
  dev.neededHeadroom = VXLAN_HLEN;
  ethHwAddrRandom(dev);
}

/** The module-wide part a device needs: defaults and the owner. */
export interface VxlanDriver {
  readonly module: Module;
  /** The `udp_port` module parameter: dstport when none is given. */
  defaultPort(): number;
  readonly transport: VxlanTransportFactory;
}

/** The link kind of a loaded module. */
export function vxlanLinkOps(drv: VxlanDriver): RtnlLinkOps {
  const ops: RtnlLinkOps = {
    kind: DRV_NAME,
    parse: vxlanParse,
    newlink: (req) => vxlanNewlink(drv, ops, req),
    dellink: (dev, dying) => {
      if (!dying.includes(dev)) dying.push(dev);
    },
    fillInfo: vxlanFillInfo,
    usage: VXLAN_USAGE,
  };
  return ops;
}

function vxlanNewlink(drv: VxlanDriver, ops: RtnlLinkOps, req: NewLinkRequest): NetDevice {
  const data = req.data;
  const cfg = vxlanConfig(data, drv.defaultPort());
  const t = data["transport"];
  if (t !== undefined && typeof t !== "function") throw new KernelError(EINVAL, "vxlan: transport must be a VxlanTransportFactory");
  const factory = (t as VxlanTransportFactory | undefined) ?? drv.transport;
  if (req.mtu !== undefined && !(Number.isInteger(req.mtu) && req.mtu >= ETH_MIN_MTU && req.mtu <= VXLAN_MAX_MTU)) {
    throw new KernelError(EINVAL, "vxlan: mtu");
  }
  // vxlan_vni_in_use(): one device per VNI on a port and local address of the namespace.
  for (const d of vxlanDevices(req.net)) {
    const c = d.priv.cfg;
    if (d.priv.srcNet === req.net && c.vni === cfg.vni && c.dstPort === cfg.dstPort && c.local === cfg.local) {
      throw new KernelError(EEXIST, "Error: A VXLAN device with the specified VNI already exists");
    }
  }
  const priv = new VxlanPriv(cfg, req.net, factory, fdbAge);
  const dev = allocNetdev<VxlanPriv>(req.net, req.name ?? "vxlan%d", vxlanSetup, priv);
  priv.ageTimer.data = dev;
  dev.owner = drv.module;
  dev.linkKind = ops;
  if (req.mtu !== undefined) dev.mtu = req.mtu;
  if (req.txQueueLen !== undefined) dev.txQueueLen = req.txQueueLen;
  if (req.address !== undefined) {
    if (req.address.length !== 6 || (req.address[0]! & 1) !== 0 || req.address.every((b) => b === 0)) {
      throw new KernelError(EINVAL, "vxlan: address");
    }
    dev.devAddr.set(req.address);
    dev.addrAssignType = NET_ADDR_SET;
  }
  // `remote`: the default destination, an all-zeros entry that never ages.
  if (cfg.remote !== 0) {
    const e = new FdbEntry(new Uint8Array(6), ALL_ZEROS_KEY, NUD_PERMANENT | NUD_REACHABLE, 0);
    e.remotes.push({ ip: cfg.remote, port: cfg.dstPort });
    priv.fdb.set(ALL_ZEROS_KEY, e);
  }
  registerNetdev(dev);
  return dev;
}

/** The VXLAN devices created in `net` or living there. */
export function vxlanDevices(net: Net): VxlanDevice[] {
  const out: VxlanDevice[] = [];
  for (const n of net.kernel.nets) {
    for (const d of n.devices.values()) {
      if (d.priv instanceof VxlanPriv && (d.priv.srcNet === net || d.net === net)) out.push(d as VxlanDevice);
    }
  }
  return out;
}

/** IFLA_INFO_DATA for `ip -d link`: `vxlan id 42 remote 10.0.0.2 srcport 0 0 dstport 4789 ...`. */
function vxlanFillInfo(dev: NetDevice): Record<string, unknown> {
  const c = (dev.priv as VxlanPriv).cfg;
  const info: Record<string, unknown> = { id: c.vni };
  if (c.remote !== 0) info["remote"] = ipv4ToString(c.remote);
  if (c.local !== 0) info["local"] = ipv4ToString(c.local);
  info["srcport"] = `${c.portMin} ${c.portMax}`;
  info["dstport"] = c.dstPort;
  // iproute2 prints only the exception ("nolearning"; JSON "learning": false).
  if (!c.learning) info["learning"] = false;
  info["ageing"] = c.ageing;
  return info;
}

/**
 * Settles when the device's socket is bound; rejects with the bind error (naming the address and
 * port) for transports that bind asynchronously, and with ENETDOWN when the device is down.
 */
export function vxlanReady(dev: NetDevice): Promise<void> {
  const priv = dev.priv as VxlanPriv;
  const vs: VxlanSock | null = priv instanceof VxlanPriv ? priv.sock : null;
  if (vs === null) return Promise.reject(new KernelError(ENETDOWN, `${dev.name}: not up`));
  if (vs.error !== null) return Promise.reject(vs.error);
  return vs.transport.ready ?? Promise.resolve();
}
