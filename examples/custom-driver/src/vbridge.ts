/**
 * vbridge: a learning Ethernet bridge, net/bridge cut down to its core. `ip link add br0 type
 * vbridge` makes one; brAddIf (or `brctl addif br0 DEV`) turns an Ethernet device into a port.
 * What a port receives reaches the bridge's rx_handler, which learns where the sender lives and
 * then forwards the frame to one port, floods it to all, or passes it up through br0.
 */
import {
  allocNetdev, capable, consumeSkb, definePlugin, devGetByIndex, devHold, devPut, devQueueXmit, devSetPromiscuity,
  dropSkb, etherSetup, ethHwAddrRandom, KernelError, netifCarrierOff, netifCarrierOk, netifCarrierOn,
  netifReceiveSkb, netifRunning, netifStartQueue, netifStopQueue, registerNetdev, Timer,
  ARPHRD_ETHER, CAP_NET_ADMIN, EBUSY, EFAULT, EINVAL, ELOOP, EOPNOTSUPP, EPERM, ETH_ALEN, ETH_HLEN, IFF_BRIDGE_PORT,
  IFF_DONT_BRIDGE, IFF_LOOPBACK, IFF_NO_QUEUE, IFF_UP, NET_ADDR_SET, NETDEV_CHANGE, NETDEV_DOWN, NETDEV_TX_OK,
  NETDEV_UNREGISTER, NETDEV_UP, NOTIFY_DONE, PACKET_HOST, RX_HANDLER_CONSUMED, SIOCDEVPRIVATE,
  type Cred, type IfReq, type Module, type NetDevice, type NetdevNotifierBlock, type NetDeviceOps,
  type NewLinkRequest, type Plugin, type RtnlLinkOps, type SkBuff,
} from "@vnet/core";
import { brctl } from "./brctl.js";
import {
  BRCTL_ADD_IF, BRCTL_DEL_IF, BRCTL_GET_FDB_ENTRIES, BRCTL_SET_AGEING_TIME, USER_HZ, type BrctlArgs, type FdbEntryInfo,
} from "./uapi.js";

const DRV_VERSION = "0.1.0";

/** A port (struct net_bridge_port): an enslaved device and its number on the bridge. */
export interface VbrPort {
  readonly br: VbrDevice;
  readonly dev: NetDevice;
  readonly portNo: number;
}

/** A forwarding-table entry (struct net_bridge_fdb_entry). Local entries never age. */
interface FdbEntry {
  readonly addr: Uint8Array;
  /** Where the address lives; null for the bridge's own address. */
  port: VbrPort | null;
  readonly isLocal: boolean;
  /** Jiffies of the last frame seen from the address. */
  updated: number;
}

/** The bridge's private area (struct net_bridge). */
export class VbrPriv {
  readonly ports: VbrPort[] = [];
  /** The forwarding database, keyed by the 48-bit address as a number. */
  readonly fdb: Map<number, FdbEntry> = new Map();
  /** How long, in jiffies, an address is remembered without traffic from it. */
  ageingTime: number;
  /** Ageing garbage collection (br_fdb_cleanup), armed by vbrSetup. */
  gcTimer!: Timer<VbrDevice>;

  constructor(ageingTime: number) {
    this.ageingTime = ageingTime;
  }
}

export type VbrDevice = NetDevice<VbrPriv>;

/** The address at `h[at]` as a number: a Map key, made without allocating. */
function macKey(h: Uint8Array, at: number): number {
  return ((h[at]! << 8) | h[at + 1]!) * 0x100000000 + (((h[at + 2]! << 24) | (h[at + 3]! << 16) | (h[at + 4]! << 8) | h[at + 5]!) >>> 0);
}

/** The port `dev` is, if it belongs to a vbridge (br_port_get_rtnl). */
export function brPortOf(dev: NetDevice): VbrPort | null {
  return dev.rxHandler === vbrHandleFrame ? (dev.rxHandlerData as VbrPort) : null;
}

/** A port forwards while its device is up and has a carrier (BR_STATE_FORWARDING). */
function vbrPortUp(p: VbrPort): boolean {
  return netifRunning(p.dev) && netifCarrierOk(p.dev);
}

// ---- forwarding database -----------------------------------------------------------------

function vbrFdbAddLocal(br: VbrDevice, port: VbrPort | null, addr: Uint8Array): void {
  br.priv.fdb.set(macKey(addr, 0), { addr: addr.slice(0, ETH_ALEN), port, isLocal: true, updated: br.net.kernel.jiffies });
}

/** br_fdb_update(): the source address at h[at] lives behind `port`, as of now. */
function vbrFdbUpdate(br: VbrDevice, port: VbrPort, h: Uint8Array, at: number): void {
  const { fdb, gcTimer, ageingTime } = br.priv;
  const k = br.net.kernel;
  const f = fdb.get(macKey(h, at));
  if (f === undefined) {
    fdb.set(macKey(h, at), { addr: h.slice(at, at + ETH_ALEN), port, isLocal: false, updated: k.jiffies });
    if (!gcTimer.pending) k.modTimer(gcTimer, k.jiffies + ageingTime);
  } else if (!f.isLocal) {
    f.port = port; // a station that moved is found on its new port
    f.updated = k.jiffies;
  }
}

/** br_fdb_cleanup(): forgets addresses silent for ageing_time, then sleeps until the next expiry. */
function vbrFdbCleanup(br: VbrDevice): void {
  const priv = br.priv;
  const k = br.net.kernel;
  let next = Infinity;
  for (const [key, f] of priv.fdb) {
    if (f.isLocal) continue;
    const expires = f.updated + priv.ageingTime;
    if (expires <= k.jiffies) priv.fdb.delete(key);
    else next = Math.min(next, expires);
  }
  if (next !== Infinity) k.modTimer(priv.gcTimer, next);
}

function vbrFdbDelete(br: VbrDevice, doomed: (f: FdbEntry) => boolean): void {
  for (const [key, f] of br.priv.fdb) if (doomed(f)) br.priv.fdb.delete(key);
}

/** The table as BRCTL_GET_FDB_ENTRIES reports it (br_fdb_fillbuf). */
export function brFdbDump(br: VbrDevice): FdbEntryInfo[] {
  const k = br.net.kernel;
  return [...br.priv.fdb.values()].map((f) => ({
    macAddr: f.addr.slice(),
    portNo: f.port?.portNo ?? 0,
    isLocal: f.isLocal,
    ageingTimerValue: f.isLocal ? 0 : Math.round(((k.jiffies - f.updated) * USER_HZ) / k.hz),
  }));
}

/** br_set_ageing_time(): takes effect at once, on what is already learned too. */
export function brSetAgeingTime(br: VbrDevice, jiffies: number): void {
  const k = br.net.kernel;
  br.priv.ageingTime = jiffies;
  k.modTimer(br.priv.gcTimer, k.jiffies);
}

// ---- data path ---------------------------------------------------------------------------

/** br_pass_frame_up(): the frame enters the stack again, received by the bridge device. */
function vbrPassFrameUp(br: VbrDevice, skb: SkBuff): void {
  br.stats.rxPackets++;
  br.stats.rxBytes += skb.len;
  skb.dev = br;
  netifReceiveSkb(skb);
}

/** br_forward() + br_dev_queue_push_xmit(): out of one port, with its Ethernet header back on. */
function vbrForward(to: VbrPort, skb: SkBuff): void {
  if (!vbrPortUp(to) || skb.len > to.dev.mtu) {
    dropSkb(skb, vbrPortUp(to) ? "PKT_TOO_BIG" : "DEV_READY");
    return;
  }
  skb.push(ETH_HLEN);
  skb.dev = to.dev;
  devQueueXmit(skb);
}

/** br_flood(): a copy out of every forwarding port but the one it came in on; then maybe up. */
function vbrFlood(br: VbrDevice, skb: SkBuff, from: VbrPort | null, localRcv: boolean): void {
  let prev: VbrPort | null = null;
  for (const p of br.priv.ports) {
    if (p === from || !vbrPortUp(p)) continue;
    if (prev !== null) vbrForward(prev, skb.clone());
    prev = p;
  }
  if (localRcv) {
    if (prev !== null) vbrForward(prev, skb.clone());
    vbrPassFrameUp(br, skb);
  } else if (prev !== null) {
    vbrForward(prev, skb);
  } else {
    consumeSkb(skb);
  }
}

/** br_handle_frame(): every port's rx_handler. It consumes every frame it is given. */
function vbrHandleFrame(skb: SkBuff): number {
  const port = skb.dev!.rxHandlerData as VbrPort;
  const br = port.br;
  const h = skb.head;
  const mac = skb.macHeader;
  if ((br.flags & IFF_UP) === 0 || (h[mac + 6]! & 1) !== 0) {
    // A port of a bridge that is down is disabled; a group source address is forged.
    dropSkb(skb, (br.flags & IFF_UP) === 0 ? "DEV_READY" : "MAC_INVALID");
    return RX_HANDLER_CONSUMED;
  }
  vbrFdbUpdate(br, port, h, mac + 6);
  if ((h[mac]! & 1) !== 0) {
    // Broadcast and multicast are for everyone on the LAN, the bridge itself included.
    br.stats.multicast++;
    vbrFlood(br, skb, port, true);
    return RX_HANDLER_CONSUMED;
  }
  const dst = br.priv.fdb.get(macKey(h, mac));
  if (dst === undefined) {
    vbrFlood(br, skb, port, false);
  } else if (dst.isLocal) {
    // Addressed to us: the port saw another host's address, the bridge sees its own.
    skb.pktType = PACKET_HOST;
    vbrPassFrameUp(br, skb);
  } else if (dst.port !== port) {
    vbrForward(dst.port!, skb);
  } else {
    consumeSkb(skb); // both ends on the same segment: the destination has it already
  }
  return RX_HANDLER_CONSUMED;
}

/** ndo_start_xmit (br_dev_xmit): what the bridge itself sends goes where the table says, or everywhere. */
function vbrXmit(skb: SkBuff, br: VbrDevice): number {
  br.stats.txPackets++;
  br.stats.txBytes += skb.len;
  const h = skb.head;
  const mac = skb.data;
  skb.macHeader = mac;
  skb.pull(ETH_HLEN); // as on receive: vbrForward puts the header back
  const dst = (h[mac]! & 1) !== 0 ? undefined : br.priv.fdb.get(macKey(h, mac));
  if (dst === undefined) vbrFlood(br, skb, null, false);
  else if (dst.port !== null) vbrForward(dst.port, skb);
  else consumeSkb(skb);
  return NETDEV_TX_OK;
}

// ---- ports -------------------------------------------------------------------------------

/** The bridge has a carrier while one of its ports can carry frames. */
function vbrCarrierCheck(br: VbrDevice): void {
  if (br.priv.ports.some(vbrPortUp)) netifCarrierOn(br);
  else netifCarrierOff(br);
}

/** br_add_if(): `dev` becomes a port; it stays referenced (devHold) until brDelIf. */
export function brAddIf(br: VbrDevice, dev: NetDevice): void {
  if (dev.flags & IFF_LOOPBACK || dev.type !== ARPHRD_ETHER || dev.addrLen !== ETH_ALEN || dev.net !== br.net) {
    throw new KernelError(EINVAL, `${br.name}: cannot enslave ${dev.name}`);
  }
  if (dev.ops === vbrOps) throw new KernelError(ELOOP, `${br.name}: ${dev.name} is a bridge`);
  if (dev.master !== null || dev.rxHandler !== null) throw new KernelError(EBUSY, `${br.name}: ${dev.name} is taken`);
  if (dev.privFlags & IFF_DONT_BRIDGE) throw new KernelError(EOPNOTSUPP, `${br.name}: ${dev.name} cannot be bridged`);
  const ports = br.priv.ports;
  let portNo = 1;
  while (ports.some((p) => p.portNo === portNo)) portNo++;
  const port: VbrPort = { br, dev, portNo };
  devHold(dev);
  devSetPromiscuity(dev, 1); // frames for the other hosts must reach us too
  dev.rxHandlerData = port;
  dev.rxHandler = vbrHandleFrame;
  dev.master = br;
  dev.privFlags |= IFF_BRIDGE_PORT;
  ports.push(port);
  vbrFdbAddLocal(br, port, dev.devAddr);
  vbrCarrierCheck(br);
}

/** br_del_if(): the port is let go; what was learned on it is forgotten. EINVAL if not ours. */
export function brDelIf(br: VbrDevice, dev: NetDevice): void {
  const port = brPortOf(dev);
  if (port === null || port.br !== br) throw new KernelError(EINVAL, `${dev.name} is not a port of ${br.name}`);
  br.priv.ports.splice(br.priv.ports.indexOf(port), 1);
  vbrFdbDelete(br, (f) => f.port === port);
  dev.rxHandler = null;
  dev.rxHandlerData = null;
  dev.master = null;
  dev.privFlags &= ~IFF_BRIDGE_PORT;
  devSetPromiscuity(dev, -1);
  vbrCarrierCheck(br);
  devPut(dev);
}

/** br_device_event(): ports follow their devices; an unregistered (or moved) device leaves. */
const vbrNotifier: NetdevNotifierBlock = {
  notifierCall(event, { dev }) {
    const port = brPortOf(dev);
    if (port === null) return NOTIFY_DONE;
    if (event === NETDEV_UNREGISTER) {
      brDelIf(port.br, dev);
    } else if (event === NETDEV_UP || event === NETDEV_DOWN || event === NETDEV_CHANGE) {
      if (!vbrPortUp(port)) vbrFdbDelete(port.br, (f) => f.port === port && !f.isLocal);
      vbrCarrierCheck(port.br);
    }
    return NOTIFY_DONE;
  },
};

// ---- the bridge device -------------------------------------------------------------------

/** ndo_siocdevprivate (old_dev_ioctl): the legacy interface `brctl` talks to. */
function vbrSiocdevprivate(br: VbrDevice, ifr: IfReq, cmd: number, cred: Cred): number {
  const args = ifr.data as BrctlArgs | undefined;
  if (cmd !== SIOCDEVPRIVATE) return -EOPNOTSUPP;
  if (!Array.isArray(args)) return -EFAULT;
  const [what, arg1, arg2, arg3] = args;
  if (what !== BRCTL_GET_FDB_ENTRIES && !capable(cred, CAP_NET_ADMIN)) return -EPERM;
  switch (what) {
    case BRCTL_ADD_IF:
    case BRCTL_DEL_IF: {
      const dev = devGetByIndex(br.net, Number(arg1));
      if (dev === null) return -EINVAL;
      if (what === BRCTL_ADD_IF) brAddIf(br, dev);
      else brDelIf(br, dev);
      return 0;
    }
    case BRCTL_SET_AGEING_TIME:
      brSetAgeingTime(br, Math.round((Number(arg1) * br.net.kernel.hz) / USER_HZ));
      return 0;
    case BRCTL_GET_FDB_ENTRIES:
      if (!Array.isArray(arg1)) return -EFAULT;
      arg1.push(...brFdbDump(br).slice(arg3, arg3 + arg2));
      return 0;
  }
  return -EOPNOTSUPP;
}

const vbrOps: NetDeviceOps<VbrPriv> = {
  open(br) {
    netifStartQueue(br);
    vbrCarrierCheck(br);
  },
  stop(br) {
    // Every port stops forwarding: what the bridge learned is forgotten.
    netifStopQueue(br);
    br.net.kernel.delTimer(br.priv.gcTimer);
    vbrFdbDelete(br, (f) => !f.isLocal);
  },
  uninit(br) {
    for (const p of [...br.priv.ports]) brDelIf(br, p.dev);
    br.net.kernel.delTimer(br.priv.gcTimer);
    br.priv.fdb.clear();
  },
  startXmit: vbrXmit,
  siocdevprivate: vbrSiocdevprivate,
  // `ip link set DEV master br0` / `nomaster`
  addSlave: (br, dev) => brAddIf(br, dev),
  delSlave: (br, dev) => brDelIf(br, dev),
};

/** br_dev_setup(): an Ethernet device with a random address, no queue, no carrier yet. */
function vbrSetup(br: VbrDevice): void {
  etherSetup(br);
  br.ops = vbrOps;
  br.txQueueLen = 0;
  br.privFlags |= IFF_NO_QUEUE;
  ethHwAddrRandom(br);
  br.priv.gcTimer = new Timer(vbrFdbCleanup, br);
  br.priv.gcTimer.deferrable = true; // ageing alone never keeps kernel.run() going
  netifCarrierOff(br);
}

/** `ip link add NAME type vbridge`: a bridge with the module's ageing time, and no ports yet. */
function vbrLinkOps(owner: Module, ageingSeconds: number): RtnlLinkOps {
  return {
    kind: "vbridge",
    newlink(req: NewLinkRequest): NetDevice {
      const br = allocNetdev(req.net, req.name ?? "br%d", vbrSetup, new VbrPriv(ageingSeconds * req.net.kernel.hz));
      br.owner = owner;
      if (req.mtu !== undefined) br.mtu = req.mtu;
      if (req.address !== undefined) {
        br.devAddr.set(req.address.subarray(0, ETH_ALEN));
        br.addrAssignType = NET_ADDR_SET;
      }
      vbrFdbAddLocal(br, null, br.devAddr);
      registerNetdev(br);
      return br;
    },
    dellink: (br, dying) => void dying.push(br),
    // What `ip -d link show` prints, in clock_t as iproute2's bridge does.
    fillInfo: (br) => ({ ageing_time: Math.round(((br.priv as VbrPriv).ageingTime * USER_HZ) / br.net.kernel.hz) }),
  };
}

const params = {
  ageing_time: { type: "int", default: 300, perm: 0o444, description: "Ageing time of new bridges, in seconds" },
} as const;

/** The module: the link kind, the notifier that watches ports, and the brctl tool. */
export const vbridge: Plugin<typeof params> = definePlugin({
  name: "vbridge",
  version: DRV_VERSION,
  coreRange: ">=0.1.0 <1.0.0",
  description: "A learning Ethernet bridge",
  license: "MIT",
  params,
  setup(ctx) {
    if (ctx.params.ageing_time < 0) throw new KernelError(EINVAL, "vbridge: ageing_time");
    ctx.registerNetdeviceNotifier(vbrNotifier);
    ctx.registerLinkKind(vbrLinkOps(ctx.module, ctx.params.ageing_time));
    ctx.registerCommand(brctl);
  },
});

export default vbridge;
