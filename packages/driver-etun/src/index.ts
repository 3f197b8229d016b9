/**
 * etun: a pair of Ethernet devices joined back to back (Eric Biederman, 2007), the driver that
 * became Linux's veth. What one end transmits, the other receives.
 *
 * Control as the original: write `a,b` to /sys/module/etun/parameters/newif to create a pair and
 * `a` to .../delif to destroy it. As veth: `ip link add a type etun|veth peer name b [netns NS]`.
 */
import {
  allocNetdev, capable, devGetByName, dropSkb, etherSetup, ethHwAddrRandom, ethMacAddr, ethTypeTrans, skbScrubPacket,
  netifCarrierOff, netifCarrierOn, netifCarrierOk, netifRx, netifStartQueue, netifStopQueue, registerNetdev,
  unregisterNetdevMany, definePlugin, KernelError, NET_ADDR_SET,
  CAP_NET_ADMIN, CHECKSUM_NONE, CHECKSUM_UNNECESSARY, EADDRNOTAVAIL, EINVAL, ENODEV, ENOENT, ENOTCONN, EOPNOTSUPP, EPERM,
  ETH_SS_STATS, IFF_BROADCAST, IFF_MULTICAST, IFF_NO_QUEUE, IFF_PROMISC, IFF_UP,
  NETDEV_TX_OK, NETIF_F_CSUM_MASK, NETIF_F_FRAGLIST, NETIF_F_HIGHDMA, NETIF_F_HW_CSUM, NETIF_F_LLTX, NETIF_F_RXCSUM,
  NETIF_F_SG, NET_RX_SUCCESS,
  linkwatchFireEvent, type EthtoolOps, type Net, type NetDevice, type NetDeviceOps, type NewLinkRequest, type ParamContext, type ParamSpec,
  type Plugin, type RtnlLinkOps, type SkBuff,
} from "@vnet/core";

const DRV_NAME = "etun";
const DRV_VERSION = "1.0";
const ETH_HLEN = 14;
const ETH_ZLEN = 60;
const VLAN_HLEN = 4;
/** The patch's floor: a minimum-size frame's payload. */
const ETUN_MIN_MTU = ETH_ZLEN - ETH_HLEN;
/** veth's ceiling (ETH_MAX_MTU); the patch had none. */
const ETUN_MAX_MTU = 65535;

/** An end's private area: the device at the other end, null until the pair is tied. */
export interface EtunPriv {
  peer: NetDevice<EtunPriv> | null;
}

/** IFLA_INFO_DATA of `ip link add ... type etun peer name PEER [netns NS]`. */
export type EtunLinkData = {
  /** The peer's name (a "%d" template allowed); default veth%d. */
  peerName?: string | undefined;
  /** The peer's namespace, as resolved by the tools. */
  peerNet?: Net | undefined;
  /** The peer's namespace by name, when the tools left it unresolved. */
  peerNetns?: string | undefined;
};

type EtunDevice = NetDevice<EtunPriv>;

// ---- data path ---------------------------------------------------------------------------

/** ndo_start_xmit: the frame crosses to the peer and enters its stack through netif_rx. */
function etunXmit(skb: SkBuff, dev: EtunDevice): number {
  const rcv = dev.priv.peer;
  const len = skb.len;
  // dev_forward_skb's checks (peer up, frame within its MTU), plus a whole Ethernet header.
  if (rcv === null || len < ETH_HLEN || (rcv.flags & IFF_UP) === 0 || len > rcv.mtu + rcv.hardHeaderLen + VLAN_HLEN) {
    etunDrop(skb, dev, rcv, len);
    return NETDEV_TX_OK;
  }
  // The sender's socket and route mean nothing on the other side.
  skbScrubPacket(skb, rcv.net !== dev.net);
  skb.protocol = ethTypeTrans(skb, rcv);
  // Checksums are skipped only when both ends agreed to it through ethtool.
  skb.ipSummed = (dev.features & NETIF_F_CSUM_MASK) !== 0 && (rcv.features & NETIF_F_RXCSUM) !== 0
    ? CHECKSUM_UNNECESSARY
    : CHECKSUM_NONE;
  if (netifRx(skb) === NET_RX_SUCCESS) {
    dev.stats.txPackets++;
    dev.stats.txBytes += len;
    rcv.stats.rxPackets++;
    rcv.stats.rxBytes += len;
  } else {
    // The backlog was full: the core counted the receiver's drop, the sender counts its own.
    dev.stats.txDropped++;
  }
  return NETDEV_TX_OK;
}

/** The cold side of etunXmit, kept apart so the hot path stays small. */
function etunDrop(skb: SkBuff, dev: EtunDevice, rcv: EtunDevice | null, len: number): void {
  dev.stats.txDropped++;
  if (rcv === null) {
    dropSkb(skb, "DEV_READY");
  } else if (len < ETH_HLEN) {
    // A runt cannot carry an Ethernet header: nothing to classify on the other side.
    dropSkb(skb, "PKT_TOO_SMALL");
  } else {
    // Refused by the peer, as veth counts it: a tx drop here and an rx drop there.
    rcv.stats.rxDropped++;
    dropSkb(skb, (rcv.flags & IFF_UP) === 0 ? "DEV_READY" : "PKT_TOO_BIG");
  }
}

// ---- control path ------------------------------------------------------------------------

function etunOpen(dev: EtunDevice): number {
  const peer = dev.priv.peer;
  // Up in the window before the pair is tied: there is nobody to talk to yet.
  if (peer === null) return -ENOTCONN;
  if (peer.flags & IFF_UP) {
    netifCarrierOn(dev);
    netifCarrierOn(peer);
  }
  netifStartQueue(dev);
  return 0;
}

function etunStop(dev: EtunDevice): number {
  netifStopQueue(dev);
  // The cable has two ends: when one goes down, neither has a link.
  netifCarrierOff(dev);
  if (dev.priv.peer !== null) netifCarrierOff(dev.priv.peer);
  return 0;
}

function etunChangeMtu(dev: EtunDevice, mtu: number): number {
  // Tiny MTUs make no sense; the core already enforced min/max for `ip link set mtu`.
  if (mtu < ETUN_MIN_MTU) return -EINVAL;
  dev.mtu = mtu;
  return 0;
}

function etunUninit(dev: EtunDevice): void {
  // Unregistered alone (not through dellink): the survivor drops what it sends from now on.
  const peer = dev.priv.peer;
  if (peer !== null) peer.priv.peer = null;
  dev.priv.peer = null;
}

const etunNetdevOps: NetDeviceOps<EtunPriv> = {
  open: etunOpen,
  stop: etunStop,
  uninit: etunUninit,
  startXmit: etunXmit,
  changeMtu: etunChangeMtu,
  setMacAddress: ethMacAddr,
  // No private ioctls: creation and removal go through sysfs and rtnetlink.
  siocdevprivate: () => -EOPNOTSUPP,
  getIflink: (dev) => dev.priv.peer?.ifindex ?? 0,
  getPeerDev: (dev) => dev.priv.peer,
};

// ---- ethtool -----------------------------------------------------------------------------

/** veth's name for it; the original patch called this counter partner_ifindex. */
const ETUN_STATS_KEYS: readonly string[] = ["peer_ifindex"];

const etunEthtoolOps: EthtoolOps<EtunPriv> = {
  // Nothing to negotiate: the "wire" is memory, so claim the fastest common Ethernet.
  getLinkKsettings: () => ({
    speed: 10000, duplex: "full", port: "TP", autoneg: false, transceiver: "internal", phyad: 0, maxtxpkt: 0, maxrxpkt: 0,
  }),
  getDrvinfo: () => ({ driver: DRV_NAME, version: DRV_VERSION, fwVersion: "N/A", busInfo: "" }),
  // ethtool_op_get_link: the link is the carrier.
  getLink: (dev) => netifCarrierOk(dev),
  getSsetCount: (_dev, sset) => (sset === ETH_SS_STATS ? ETUN_STATS_KEYS.length : -EOPNOTSUPP),
  getStrings: (_dev, sset) => (sset === ETH_SS_STATS ? [...ETUN_STATS_KEYS] : []),
  getEthtoolStats: (dev) => [dev.priv.peer?.ifindex ?? 0],
};

// ---- pairs -------------------------------------------------------------------------------

function etunSetup(dev: EtunDevice): void {
  etherSetup(dev);
  dev.ops = etunNetdevOps;
  dev.ethtoolOps = etunEthtoolOps;
  // Frames are handed over at once: a queue in front of a memory copy only adds latency.
  dev.txQueueLen = 0;
  dev.privFlags |= IFF_NO_QUEUE;
  dev.flags = IFF_BROADCAST | IFF_MULTICAST | IFF_PROMISC;
  dev.minMtu = ETUN_MIN_MTU;
  dev.maxMtu = ETUN_MAX_MTU;
  // Checksum offload and SG stay off until both ends opt in with ethtool -K (see etunXmit).
  dev.features = NETIF_F_FRAGLIST | NETIF_F_HIGHDMA | NETIF_F_LLTX;
  dev.hwFeatures = NETIF_F_RXCSUM | NETIF_F_HW_CSUM | NETIF_F_SG;
  ethHwAddrRandom(dev);
  // Carrier comes with the peer being up, never before.
  netifCarrierOff(dev);
}

function etunAlloc(net: Net, name: string): EtunDevice {
  const dev = allocNetdev<EtunPriv>(net, name, etunSetup, { peer: null });
  dev.linkKind = etunLinkOps;
  return dev;
}

/** Registers both ends, then ties them; a failure on the second end removes the first. */
function etunRegisterPair(first: EtunDevice, second: EtunDevice): void {
  registerNetdev(first);
  try {
    registerNetdev(second);
  } catch (e) {
    unregisterNetdevMany([first]);
    throw e;
  }
  first.priv.peer = second;
  second.priv.peer = first;
  // Registration computed operstate before the pair was tied: let linkwatch see the peer link.
  linkwatchFireEvent(first);
  linkwatchFireEvent(second);
}

/** rtnl dellink: an end never dies alone. */
function etunDellink(dev: NetDevice, dying: NetDevice[]): void {
  const priv = dev.priv as EtunPriv;
  const peer = priv.peer;
  priv.peer = null;
  if (!dying.includes(dev)) dying.push(dev);
  if (peer !== null) {
    peer.priv.peer = null;
    if (!dying.includes(peer)) dying.push(peer);
  }
}

// ---- rtnetlink: ip link add ... type etun|veth peer name X [netns NS] --------------------

function etunParse(args: readonly string[]): Record<string, unknown> {
  const data: EtunLinkData = {};
  if (args.length === 0) return data;
  if (args[0] !== "peer") throw new KernelError(EINVAL, `etun: unknown argument "${args[0]}"; ${etunLinkOps.usage}`);
  for (let i = 1; i < args.length; i++) {
    const word = args[i]!;
    const value = args[i + 1];
    if ((word === "name" || word === "dev" || word === "netns") && value === undefined) {
      throw new KernelError(EINVAL, `etun: "${word}" needs an argument`);
    }
    if (word === "name" || word === "dev") data.peerName = args[++i]!;
    else if (word === "netns") data.peerNetns = args[++i]!;
    else if (data.peerName === undefined) data.peerName = word;
    else throw new KernelError(EINVAL, `etun: unknown peer argument "${word}"`);
  }
  return data;
}

function peerNetOf(req: NewLinkRequest, data: EtunLinkData): Net {
  if (data.peerNet !== undefined) return data.peerNet;
  if (data.peerNetns === undefined) return req.net;
  const net = req.net.kernel.getNet(data.peerNetns);
  if (net === null) throw new KernelError(ENOENT, `Cannot open network namespace "${data.peerNetns}"`);
  return net;
}

function etunNewlink(req: NewLinkRequest): NetDevice {
  const data = req.data as EtunLinkData;
  if (data.peerName !== undefined && typeof data.peerName !== "string") throw new KernelError(EINVAL, "etun: peer name");
  // veth_validate: refuse bad attributes before anything exists.
  if (req.mtu !== undefined && !(Number.isInteger(req.mtu) && req.mtu >= ETUN_MIN_MTU && req.mtu <= ETUN_MAX_MTU)) {
    throw new KernelError(EINVAL, "etun: mtu");
  }
  if (req.address !== undefined) {
    if (req.address.length !== 6) throw new KernelError(EINVAL, "etun: address");
    if ((req.address[0]! & 1) !== 0 || req.address.every((b) => b === 0)) throw new KernelError(EADDRNOTAVAIL, "etun: address");
  }
  const peerNet = peerNetOf(req, data);
  // The peer is registered first, as veth does, so `ip link add type veth` gives veth1@veth0.
  const peer = etunAlloc(peerNet, data.peerName ?? "veth%d");
  const dev = etunAlloc(req.net, req.name ?? "veth%d");
  if (req.mtu !== undefined) dev.mtu = req.mtu;
  if (req.txQueueLen !== undefined) dev.txQueueLen = req.txQueueLen;
  if (req.address !== undefined) {
    dev.devAddr.set(req.address);
    dev.addrAssignType = NET_ADDR_SET;
  }
  etunRegisterPair(peer, dev);
  return dev;
}

const etunLinkOps: RtnlLinkOps = {
  kind: DRV_NAME,
  aliases: ["veth"],
  parse: etunParse,
  newlink: etunNewlink,
  dellink: etunDellink,
  usage: "Usage: ip link <options> type etun|veth [peer [name] NAME [netns NS]]",
};

// ---- module parameters: the patch's sysfs control files ----------------------------------

/** Only letters and digits, as the patch allowed (and short enough for IFNAMSIZ). */
function etunValidName(name: string): boolean {
  return /^[A-Za-z0-9]{1,15}$/.test(name);
}

/** newif: "a,b" creates the pair a <-> b. */
function etunNewif(value: string, ctx: ParamContext): void {
  if (!capable(ctx.cred, CAP_NET_ADMIN)) throw new KernelError(EPERM);
  // `echo` adds a newline; forgive trailing white space.
  const text = value.trimEnd();
  const comma = text.indexOf(",");
  if (comma < 0) throw new KernelError(EINVAL, "etun: newif wants NAME0,NAME1");
  const name0 = text.slice(0, comma);
  const name1 = text.slice(comma + 1);
  if (!etunValidName(name0) || !etunValidName(name1)) throw new KernelError(EINVAL, "etun: names are letters and digits");
  const net = ctx.net;
  etunRegisterPair(etunAlloc(net, name0), etunAlloc(net, name1));
}

/** delif: "a" destroys the pair a belongs to. */
function etunDelif(value: string, ctx: ParamContext): void {
  if (!capable(ctx.cred, CAP_NET_ADMIN)) throw new KernelError(EPERM);
  const name = value.trimEnd();
  if (!etunValidName(name)) throw new KernelError(EINVAL, "etun: names are letters and digits");
  const dev = devGetByName(ctx.net, name);
  if (dev === null || dev.ops !== etunNetdevOps) throw new KernelError(ENODEV, `etun: no etun device ${name}`);
  const dying: NetDevice[] = [];
  etunDellink(dev, dying);
  unregisterNetdevMany(dying);
}

/** The module parameters: both write-only, root only (S_IWUSR), read back empty. */
export interface EtunParams extends Record<string, ParamSpec> {
  newif: ParamSpec;
  delif: ParamSpec;
}

/** The etun module: insmod it, then create pairs through sysfs or `ip link add`. */
export const etun: Plugin<EtunParams> = definePlugin<EtunParams>({
  name: DRV_NAME,
  version: "0.1.0",
  coreRange: ">=0.1.0 <1.0.0",
  description: "Ethernet tunnel pair (the ancestor of veth)",
  license: "MIT",
  params: {
    newif: { type: "charp", perm: 0o200, description: "create a pair: NAME0,NAME1", set: etunNewif },
    delif: { type: "charp", perm: 0o200, description: "destroy the pair NAME belongs to", set: etunDelif },
  },
  setup(ctx) {
    ctx.kernel.printk(`etun: Ethernet tunnel pair driver, version ${DRV_VERSION}`);
    // Unregistering the link kind at rmmod deletes every pair, sysfs-made ones included.
    ctx.registerLinkKind(etunLinkOps);
  },
});

export default etun;
