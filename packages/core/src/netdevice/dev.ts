import type { Kernel } from "../kernel/kernel.js";
import type { Net } from "../kernel/net.js";
import { Timer } from "../kernel/scheduler.js";
import {
  EADDRNOTAVAIL, EBUSY, EEXIST, EINVAL, ENETDOWN, ENFILE, ENODEV, EOPNOTSUPP, KernelError, check,
} from "../kernel/errno.js";
import { notifierToErrno, type NotifierBlock } from "../kernel/notifier.js";
import { tryModuleGet, modulePut } from "../kernel/module.js";
import {
  IFF_ALLMULTI, IFF_LOWER_UP, IFF_PROMISC, IFF_RUNNING, IFF_UP, IFF_VOLATILE, IFF_DORMANT, IFNAMSIZ,
  IF_OPER_DOWN, IF_OPER_UP, IF_OPER_LOWERLAYERDOWN,
  NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_CHANGEMTU, NETDEV_CHANGENAME, NETDEV_DOWN, NETDEV_FEAT_CHANGE,
  NETDEV_GOING_DOWN, NETDEV_PRECHANGEMTU, NETDEV_PRE_CHANGEADDR, NETDEV_PRE_UP, NETDEV_REGISTER,
  NETDEV_UNREGISTER, NETDEV_UP, NETDEV_TX_BUSY, NETDEV_TX_OK, NET_XMIT_DROP, NET_XMIT_SUCCESS,
  NETIF_F_NETNS_LOCAL, NETREG_REGISTERED, NETREG_RELEASED, NETREG_UNINITIALIZED, NETREG_UNREGISTERED,
  NETREG_UNREGISTERING, PACKET_OUTGOING, RX_HANDLER_ANOTHER, RX_HANDLER_CONSUMED, RX_HANDLER_EXACT,
  IFF_NO_QUEUE, IFF_LIVE_RENAME_OK, IFF_LIVE_ADDR_CHANGE,
} from "./constants.js";
import { devCoreStats, NetDevice, NetDeviceStats, type NetDeviceOps } from "./netdevice.js";
import { kfreeSkb, SkbQueue, type SkBuff } from "./skbuff.js";
import { Napi, NAPI_POLL_WEIGHT } from "./napi.js";
import type { PacketType } from "./packet.js";

/** __LINK_STATE_* bits and the single tx queue's XOFF bit, in dev.state. */
export const LINK_STATE_START = 0x1;
export const LINK_STATE_PRESENT = 0x2;
export const LINK_STATE_NOCARRIER = 0x4;
export const LINK_STATE_LINKWATCH_PENDING = 0x8;
export const LINK_STATE_DORMANT = 0x10;
export const QUEUE_STATE_DRV_XOFF = 0x100;
/** __QDISC_STATE_SCHED: the device is on the softirq's output queue already. */
export const QDISC_STATE_SCHED = 0x200;

/** What a netdevice notifier receives (struct netdev_notifier_info and its variants). */
export interface NetdevNotifierInfo {
  dev: NetDevice;
  /** PRECHANGEMTU: the new MTU; CHANGEMTU: the previous one. */
  mtu?: number | undefined;
  /** CHANGE: which IFF_* flags changed. */
  flagsChanged?: number | undefined;
  /** PRE_CHANGEADDR: the address about to be set. */
  addr?: Uint8Array | undefined;
}

export type NetdevNotifierBlock = NotifierBlock<NetdevNotifierInfo>;

/** Why a packet was dropped (a subset of enum skb_drop_reason). */
export type DropReason =
  | "NOT_SPECIFIED" | "DEV_READY" | "QDISC_DROP" | "CPU_BACKLOG" | "UNHANDLED_PROTO" | "PKT_TOO_SMALL"
  | "PKT_TOO_BIG" | "OTHERHOST" | "IP_CSUM" | "IP_INHDR" | "IP_INADDRERRORS" | "IP_RPFILTER" | "IP_NOPROTO"
  | "IP_OUTNOROUTES" | "IP_INNOROUTES" | "NEIGH_FAILED" | "NEIGH_QUEUEFULL" | "NO_SOCKET" | "SOCKET_RCVBUFF"
  | "UDP_CSUM" | "IP_FRAG_REASM_TIMEOUT" | "TTL_EXPIRED" | "NETFILTER_DROP" | "FRAG_TOO_FAR" | "NOMEM"
  | "TX_ERROR" | "DEV_HDR" | "MAC_INVALID" | "ARP_INVALID";

// ---------------------------------------------------------------------------------------------
// Names and lookup

/** dev_valid_name(): at most 15 characters, not "." or "..", no '/', ':' or white space. */
export function devValidName(name: string): boolean {
  if (name.length === 0 || name.length >= IFNAMSIZ) return false;
  if (name === "." || name === "..") return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2f || c === 0x3a || c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0) return false;
  }
  return true;
}

/** dev_alloc_name(): expands one "%d" to the lowest free index in `net`. */
export function devAllocName(net: Net, template: string): string {
  const pct = template.indexOf("%");
  if (pct < 0) {
    if (!devValidName(template)) throw new KernelError(EINVAL, `invalid device name '${template}'`);
    return template;
  }
  if (template.indexOf("%", pct + 1) >= 0 || template[pct + 1] !== "d") throw new KernelError(EINVAL, `invalid template '${template}'`);
  const prefix = template.slice(0, pct);
  const suffix = template.slice(pct + 2);
  const used = new Set<number>();
  for (const name of net.devices.keys()) {
    if (!name.startsWith(prefix) || !name.endsWith(suffix)) continue;
    const num = name.slice(prefix.length, name.length - suffix.length);
    if (/^(0|[1-9][0-9]*)$/.test(num)) used.add(Number(num));
  }
  for (let i = 0; i < 32768; i++) {
    if (used.has(i)) continue;
    const name = `${prefix}${i}${suffix}`;
    if (!devValidName(name)) throw new KernelError(EINVAL, `invalid device name '${name}'`);
    return name;
  }
  throw new KernelError(ENFILE, "no free device name");
}

/** __dev_get_by_name. */
export function devGetByName(net: Net, name: string): NetDevice | null {
  return net.devices.get(name) ?? null;
}

/** __dev_get_by_index. */
export function devGetByIndex(net: Net, ifindex: number): NetDevice | null {
  return net.devicesByIndex.get(ifindex) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Allocation and registration

const nullOps: NetDeviceOps = {
  startXmit(skb) {
    kfreeSkb(skb);
    return NETDEV_TX_OK;
  },
};

/** alloc_netdev(): a device in `net`, named `name` (may be a "%d" template), set up by `setup`. */
export function allocNetdev<P>(net: Net, name: string, setup: (dev: NetDevice<P>) => void, priv: P): NetDevice<P> {
  const dev = new NetDevice<P>(net, name, priv, nullOps);
  setup(dev);
  if (dev.wantedFeatures === 0) dev.wantedFeatures = dev.features;
  return dev;
}

/** Calls the netdevice notifier chain for `dev`; returns the chain's result. */
export function callNetdeviceNotifiers(event: number, dev: NetDevice, extra?: Omit<NetdevNotifierInfo, "dev">): number {
  const info: NetdevNotifierInfo = extra === undefined ? { dev } : { dev, ...extra };
  return dev.net.kernel.netdevChain.call(event, info).ret;
}

function callNetdeviceNotifiersErrno(event: number, dev: NetDevice, extra?: Omit<NetdevNotifierInfo, "dev">): number {
  return notifierToErrno(callNetdeviceNotifiers(event, dev, extra));
}

/**
 * register_netdevice(): validates the name, allocates an ifindex, lists the device in its
 * namespace and announces NETDEV_REGISTER. On any failure nothing is left behind.
 */
export function registerNetdev(dev: NetDevice): void {
  const net = dev.net;
  if (dev.regState !== NETREG_UNINITIALIZED) throw new KernelError(EINVAL, `register_netdevice: ${dev.name} registered twice`);
  if (net.dying) throw new KernelError(ENODEV, "namespace is being destroyed");
  const name = devAllocName(net, dev.name);
  if (net.devices.has(name)) throw new KernelError(EEXIST, `device ${name} already exists`);
  if (dev.mtu < 0 || (dev.maxMtu > 0 && dev.mtu > dev.maxMtu) || dev.mtu < dev.minMtu) throw new KernelError(EINVAL, "invalid MTU");
  dev.name = name;
  if (dev.ops.init !== undefined) check(dev.ops.init(dev), `${name}: ndo_init`);

  if (dev.ifindex === 0 || net.devicesByIndex.has(dev.ifindex)) dev.ifindex = net.allocIfindex();
  dev.state |= LINK_STATE_PRESENT;
  dev.regState = NETREG_REGISTERED;
  if (dev.wantedFeatures === 0) dev.wantedFeatures = dev.features;
  net.listDevice(dev);
  if (dev.state & LINK_STATE_NOCARRIER) dev.operstate = defaultOperstate(dev);

  const err = callNetdeviceNotifiersErrno(NETDEV_REGISTER, dev);
  if (err) {
    // Undo as rollback_registered does: the notifiers that saw REGISTER see UNREGISTER.
    dev.regState = NETREG_UNREGISTERING;
    net.unlistDevice(dev);
    callNetdeviceNotifiers(NETDEV_UNREGISTER, dev);
    dev.ops.uninit?.(dev);
    dev.regState = NETREG_UNINITIALIZED;
    dev.state &= ~LINK_STATE_PRESENT;
    dev.ifindex = 0;
    throw new KernelError(-err, `register_netdevice: ${name}`);
  }
  net.kernel.events.emitDevice("register", dev);
}

/** unregister_netdevice(): closes, unlists and announces; finishes when the last reference goes. */
export function unregisterNetdev(dev: NetDevice): void {
  unregisterNetdevMany([dev]);
}

/** unregister_netdevice_many(): the batched form, closing all, then announcing for each. */
export function unregisterNetdevMany(devs: readonly NetDevice[]): void {
  const list = devs.filter((d, i) => d.regState === NETREG_REGISTERED && devs.indexOf(d) === i);
  for (const dev of devs) {
    if (dev.regState === NETREG_UNINITIALIZED) throw new KernelError(EINVAL, `unregister_netdevice: ${dev.name} not registered`);
  }
  devCloseMany(list);
  for (const dev of list) {
    dev.regState = NETREG_UNREGISTERING;
    dev.net.unlistDevice(dev);
  }
  for (const dev of list) {
    deactivate(dev);
    callNetdeviceNotifiers(NETDEV_UNREGISTER, dev);
    dev.ops.uninit?.(dev);
    dev.net.kernel.events.emitDevice("unregister", dev);
  }
  for (const dev of list) netdevRunTodo(dev);
}

/** net_todo_list: unregistered devices waiting for their last reference, with their reminder timer. */
const netTodo = new WeakMap<NetDevice, Timer<NetDevice>>();

/** netdev_run_todo / netdev_wait_allrefs: frees now, or waits for the last devPut. */
function netdevRunTodo(dev: NetDevice): void {
  // linkwatch_sync_dev: a pending carrier event holds a reference; settle it before waiting.
  if (dev.state & LINK_STATE_LINKWATCH_PENDING) linkwatchSync(dev.net.kernel);
  if (dev.refcnt <= 1) {
    netdevFree(dev);
    return;
  }
  const k = dev.net.kernel;
  let seconds = 0;
  const t = new Timer<NetDevice>((d) => {
    if (d.regState !== NETREG_UNREGISTERING) return;
    seconds++;
    // Every second: tell the holders again, as the kernel rebroadcasts NETDEV_UNREGISTER.
    callNetdeviceNotifiers(NETDEV_UNREGISTER, d);
    if (d.regState !== NETREG_UNREGISTERING) return;
    if (seconds % 10 === 0) k.printk(`unregister_netdevice: waiting for ${d.name} to become free. Usage count = ${d.refcnt}`);
    k.scheduler.arm(t, k.scheduler.now + 1e9);
  }, dev);
  netTodo.set(dev, t);
  k.scheduler.arm(t, k.scheduler.now + 1e9);
}

function netdevFree(dev: NetDevice): void {
  const k = dev.net.kernel;
  const t = netTodo.get(dev);
  if (t !== undefined) {
    k.scheduler.cancel(t);
    netTodo.delete(dev);
  }
  dev.regState = NETREG_UNREGISTERED;
  dev.state &= ~LINK_STATE_PRESENT;
  dev.ops.privDestructor?.(dev);
  dev.regState = NETREG_RELEASED;
  k.events.emitDevice("free", dev);
}

/** dev_hold(): takes a reference that keeps an unregistered device from being freed. */
export function devHold(dev: NetDevice): void {
  dev.refcnt++;
}

/** dev_put(): drops a reference; the last one lets a pending unregister finish. */
export function devPut(dev: NetDevice): void {
  if (dev.refcnt <= 1) throw new Error(`dev_put: ${dev.name} reference count underflow`);
  dev.refcnt--;
  if (dev.refcnt === 1 && dev.regState === NETREG_UNREGISTERING && netTodo.has(dev)) netdevFree(dev);
}

// ---------------------------------------------------------------------------------------------
// Netdevice notifier chain

/** register_netdevice_notifier(): replays REGISTER (and UP) for every existing device. */
export function registerNetdeviceNotifier(kernel: Kernel, nb: NetdevNotifierBlock): void {
  kernel.netdevChain.register(nb);
  const done: NetDevice[] = [];
  for (const net of kernel.nets) {
    for (const dev of net.devices.values()) {
      let err = notifierToErrno(nb.notifierCall(NETDEV_REGISTER, { dev }));
      if (!err && dev.flags & IFF_UP) err = notifierToErrno(nb.notifierCall(NETDEV_UP, { dev }));
      if (err) {
        for (const d of done.reverse()) replayDown(nb, d);
        kernel.netdevChain.unregister(nb);
        throw new KernelError(-err, "register_netdevice_notifier");
      }
      done.push(dev);
    }
  }
}

/** unregister_netdevice_notifier(): replays GOING_DOWN/DOWN and UNREGISTER for every device. */
export function unregisterNetdeviceNotifier(kernel: Kernel, nb: NetdevNotifierBlock): void {
  kernel.netdevChain.unregister(nb);
  for (const net of kernel.nets) for (const dev of net.devices.values()) replayDown(nb, dev);
}

function replayDown(nb: NetdevNotifierBlock, dev: NetDevice): void {
  if (dev.flags & IFF_UP) {
    nb.notifierCall(NETDEV_GOING_DOWN, { dev });
    nb.notifierCall(NETDEV_DOWN, { dev });
  }
  nb.notifierCall(NETDEV_UNREGISTER, { dev });
}

// ---------------------------------------------------------------------------------------------
// Up and down

export function netifRunning(dev: NetDevice): boolean {
  return (dev.state & LINK_STATE_START) !== 0;
}

export function netifDevicePresent(dev: NetDevice): boolean {
  return (dev.state & LINK_STATE_PRESENT) !== 0;
}

/** dev_open(): brings the device up (NETDEV_PRE_UP may veto, ndo_open may fail). */
export function devOpen(dev: NetDevice): void {
  if (dev.flags & IFF_UP) return;
  if (!netifDevicePresent(dev)) throw new KernelError(ENODEV, `${dev.name}: not present`);
  const err = callNetdeviceNotifiersErrno(NETDEV_PRE_UP, dev);
  if (err) throw new KernelError(-err, `${dev.name}: NETDEV_PRE_UP`);
  if (dev.owner !== null && !tryModuleGet(dev.owner)) throw new KernelError(ENODEV, `${dev.name}: module unloading`);
  dev.state |= LINK_STATE_START;
  try {
    if (dev.ops.open !== undefined) check(dev.ops.open(dev), `${dev.name}: open`);
  } catch (e) {
    dev.state &= ~LINK_STATE_START;
    if (dev.owner !== null) modulePut(dev.owner);
    throw e;
  }
  dev.flags |= IFF_UP;
  activate(dev);
  callNetdeviceNotifiers(NETDEV_UP, dev);
  dev.net.kernel.events.emitDevice("up", dev);
}

/** dev_close(). */
export function devClose(dev: NetDevice): void {
  devCloseMany([dev]);
}

function devCloseMany(devs: readonly NetDevice[]): void {
  const up = devs.filter((d) => d.flags & IFF_UP);
  for (const dev of up) callNetdeviceNotifiers(NETDEV_GOING_DOWN, dev);
  for (const dev of up) {
    dev.state &= ~LINK_STATE_START;
    dev.ops.stop?.(dev);
    dev.flags &= ~IFF_UP;
    deactivate(dev);
    if (dev.owner !== null) modulePut(dev.owner);
  }
  for (const dev of up) {
    callNetdeviceNotifiers(NETDEV_DOWN, dev);
    dev.net.kernel.events.emitDevice("down", dev);
  }
}

/** dev_get_flags(): the stored flags plus RUNNING/LOWER_UP/DORMANT derived from state. */
export function devGetFlags(dev: NetDevice): number {
  let flags = (dev.flags & ~(IFF_PROMISC | IFF_ALLMULTI)) | (dev.gflags & (IFF_PROMISC | IFF_ALLMULTI));
  if (netifRunning(dev)) {
    if (netifOperUp(dev)) flags |= IFF_RUNNING;
    if (netifCarrierOk(dev)) flags |= IFF_LOWER_UP;
    if (dev.state & LINK_STATE_DORMANT) flags |= IFF_DORMANT;
  }
  return flags;
}

/** dev_change_flags(): what SIOCSIFFLAGS and `ip link set` do. */
export function devChangeFlags(dev: NetDevice, flags: number): void {
  const old = devGetFlags(dev);
  const settable = ~(IFF_VOLATILE | IFF_UP | IFF_PROMISC | IFF_ALLMULTI);
  dev.flags = (dev.flags & ~settable) | (flags & settable);
  if ((old ^ flags) & IFF_UP) {
    if (flags & IFF_UP) devOpen(dev);
    else devClose(dev);
  }
  if ((flags ^ dev.gflags) & IFF_PROMISC) {
    const inc = flags & IFF_PROMISC ? 1 : -1;
    dev.gflags ^= IFF_PROMISC;
    devSetPromiscuity(dev, inc);
  }
  if ((flags ^ dev.gflags) & IFF_ALLMULTI) {
    const inc = flags & IFF_ALLMULTI ? 1 : -1;
    dev.gflags ^= IFF_ALLMULTI;
    devSetAllmulti(dev, inc);
  }
  const changed = (old ^ devGetFlags(dev)) & ~(IFF_UP | IFF_VOLATILE);
  if (changed && dev.flags & IFF_UP) callNetdeviceNotifiers(NETDEV_CHANGE, dev, { flagsChanged: changed });
}

/** dev_set_promiscuity(): counts users of promiscuous mode; logs like the kernel when it flips. */
export function devSetPromiscuity(dev: NetDevice, inc: number): void {
  const old = dev.promiscuity;
  dev.promiscuity = Math.max(0, old + inc);
  if ((old === 0) !== (dev.promiscuity === 0)) {
    if (dev.promiscuity) dev.flags |= IFF_PROMISC;
    else dev.flags &= ~IFF_PROMISC;
    dev.net.kernel.printk(`device ${dev.name} ${dev.promiscuity ? "entered" : "left"} promiscuous mode`);
    dev.ops.changeRxFlags?.(dev, IFF_PROMISC);
  }
}

/** dev_set_allmulti(). */
export function devSetAllmulti(dev: NetDevice, inc: number): void {
  const old = dev.allmulti;
  dev.allmulti = Math.max(0, old + inc);
  if ((old === 0) !== (dev.allmulti === 0)) {
    if (dev.allmulti) dev.flags |= IFF_ALLMULTI;
    else dev.flags &= ~IFF_ALLMULTI;
    dev.ops.changeRxFlags?.(dev, IFF_ALLMULTI);
  }
}

// ---------------------------------------------------------------------------------------------
// Carrier, operstate (linkwatch) and queues

export function netifCarrierOk(dev: NetDevice): boolean {
  return (dev.state & LINK_STATE_NOCARRIER) === 0;
}

/** netif_carrier_on(): the link came up; operstate follows through linkwatch. */
export function netifCarrierOn(dev: NetDevice): void {
  if (dev.state & LINK_STATE_NOCARRIER) {
    dev.state &= ~LINK_STATE_NOCARRIER;
    if (dev.regState === NETREG_REGISTERED) linkwatchFireEvent(dev);
  }
}

/** netif_carrier_off(). */
export function netifCarrierOff(dev: NetDevice): void {
  if (!(dev.state & LINK_STATE_NOCARRIER)) {
    dev.state |= LINK_STATE_NOCARRIER;
    if (dev.regState === NETREG_REGISTERED) linkwatchFireEvent(dev);
  }
}

function netifOperUp(dev: NetDevice): boolean {
  return dev.operstate === IF_OPER_UP || dev.operstate === 0;
}

function defaultOperstate(dev: NetDevice): number {
  if (!netifCarrierOk(dev)) {
    const iflink = dev.ops.getIflink?.(dev) ?? dev.ifindex;
    return iflink !== dev.ifindex && iflink !== 0 ? IF_OPER_LOWERLAYERDOWN : IF_OPER_DOWN;
  }
  return IF_OPER_UP;
}

/** The operstate reported to users: DOWN whenever the device is not running. */
export function devOperstate(dev: NetDevice): number {
  return netifRunning(dev) ? dev.operstate : IF_OPER_DOWN;
}

/** linkwatch_fire_event(): state changes are applied from the kernel's work queue, not inline. */
export function linkwatchFireEvent(dev: NetDevice): void {
  if (dev.state & LINK_STATE_LINKWATCH_PENDING) return;
  dev.state |= LINK_STATE_LINKWATCH_PENDING;
  devHold(dev);
  const k = dev.net.kernel;
  k.linkwatchList.push(dev);
  if (k.linkwatchList.length === 1) k.scheduler.after(0, () => linkwatchRun(k));
}

function linkwatchRun(k: Kernel): void {
  const list = k.linkwatchList.splice(0);
  for (const dev of list) {
    dev.state &= ~LINK_STATE_LINKWATCH_PENDING;
    if (dev.regState === NETREG_REGISTERED) {
      dev.operstate = defaultOperstate(dev);
      if (netifRunning(dev)) {
        if (netifCarrierOk(dev)) activate(dev);
        callNetdeviceNotifiers(NETDEV_CHANGE, dev);
        k.events.emitDevice("change", dev);
      }
    }
    devPut(dev);
  }
}

/** Applies pending carrier changes now (linkwatch_sync_dev). */
export function linkwatchSync(k: Kernel): void {
  if (k.linkwatchList.length > 0) linkwatchRun(k);
}

export function netifQueueStopped(dev: NetDevice): boolean {
  return (dev.state & QUEUE_STATE_DRV_XOFF) !== 0;
}

/** netif_stop_queue(): the driver can take no more packets; the watchdog starts watching. */
export function netifStopQueue(dev: NetDevice): void {
  dev.state |= QUEUE_STATE_DRV_XOFF;
  const t = dev.watchdogTimer;
  if (t !== null && !t.pending) {
    const k = dev.net.kernel;
    k.scheduler.arm(t, k.scheduler.now + dev.watchdogTimeo * k.nsPerJiffy);
  }
}

/** netif_start_queue(): allow transmission (at open). */
export function netifStartQueue(dev: NetDevice): void {
  dev.state &= ~QUEUE_STATE_DRV_XOFF;
}

/** netif_wake_queue(): allow transmission and run the qdisc from the tx softirq. */
export function netifWakeQueue(dev: NetDevice): void {
  if (dev.state & QUEUE_STATE_DRV_XOFF) {
    dev.state &= ~QUEUE_STATE_DRV_XOFF;
    if (dev.qdisc !== null && dev.qdisc.qlen > 0) netifSchedule(dev);
  }
}

function netifSchedule(dev: NetDevice): void {
  const sd = dev.net.kernel.softnet;
  if ((dev.state & QDISC_STATE_SCHED) === 0) {
    dev.state |= QDISC_STATE_SCHED;
    sd.outputQueue[sd.outputLen++] = dev;
  }
  sd.pending = true;
}

/** dev_activate(): attaches the qdisc and starts the tx watchdog. */
function activate(dev: NetDevice): void {
  if (dev.qdisc === null && dev.txQueueLen > 0 && !(dev.privFlags & IFF_NO_QUEUE)) dev.qdisc = new SkbQueue();
  if (dev.ops.txTimeout !== undefined && dev.watchdogTimer === null) {
    // dev_watchdog_up: a driver that gave no timeout gets five seconds.
    if (dev.watchdogTimeo <= 0) dev.watchdogTimeo = 5 * dev.net.kernel.hz;
    dev.watchdogTimer = new Timer<NetDevice>(devWatchdog, dev);
    if (netifQueueStopped(dev)) netifStopQueue(dev);
  }
}

/** dev_deactivate(): frees what the qdisc held and stops the watchdog. */
function deactivate(dev: NetDevice): void {
  if (dev.qdisc !== null) {
    dev.qdisc.purge();
    dev.qdisc = null;
  }
  if (dev.watchdogTimer !== null) {
    dev.net.kernel.scheduler.cancel(dev.watchdogTimer);
    dev.watchdogTimer = null;
  }
}

/**
 * dev_watchdog(): a queue stopped for longer than watchdog_timeo calls ndo_tx_timeout. Linux's
 * timer runs while the device is up; vnet's runs only while the queue is stopped, so an idle
 * kernel has nothing pending and `run()` returns.
 */
function devWatchdog(dev: NetDevice): void {
  const k = dev.net.kernel;
  if (!netifRunning(dev) || dev.regState !== NETREG_REGISTERED || !netifQueueStopped(dev)) return;
  if (netifCarrierOk(dev) && k.jiffies - dev.transStart > dev.watchdogTimeo) {
    const ms = Math.round(((k.jiffies - dev.transStart) * 1000) / k.hz);
    const driver = dev.ethtoolOps?.getDrvinfo?.(dev).driver ?? dev.owner?.name ?? "";
    k.printk(`NETDEV WATCHDOG: ${dev.name} (${driver}): transmit queue 0 timed out ${ms} ms`);
    dev.ops.txTimeout!(dev, 0);
  }
  const t = dev.watchdogTimer;
  if (t !== null && !t.pending && netifQueueStopped(dev)) k.scheduler.arm(t, k.scheduler.now + dev.watchdogTimeo * k.nsPerJiffy);
}

// ---------------------------------------------------------------------------------------------
// Attribute changes

/** dev_set_mtu(): range-checked, vetoable by PRECHANGEMTU, rolled back if CHANGEMTU objects. */
export function devSetMtu(dev: NetDevice, mtu: number): void {
  if (mtu === dev.mtu) return;
  if (!Number.isInteger(mtu) || mtu < 0 || mtu < dev.minMtu) throw new KernelError(EINVAL, `${dev.name}: mtu less than device minimum`);
  if (dev.maxMtu > 0 && mtu > dev.maxMtu) throw new KernelError(EINVAL, `${dev.name}: mtu greater than device maximum`);
  if (!netifDevicePresent(dev)) throw new KernelError(ENODEV);
  let err = callNetdeviceNotifiersErrno(NETDEV_PRECHANGEMTU, dev, { mtu });
  if (err) throw new KernelError(-err, `${dev.name}: NETDEV_PRECHANGEMTU`);
  const orig = dev.mtu;
  setMtuRaw(dev, mtu);
  err = callNetdeviceNotifiersErrno(NETDEV_CHANGEMTU, dev, { mtu: orig });
  if (err) {
    setMtuRaw(dev, orig);
    callNetdeviceNotifiers(NETDEV_CHANGEMTU, dev, { mtu });
    throw new KernelError(-err, `${dev.name}: NETDEV_CHANGEMTU`);
  }
  dev.net.kernel.events.emitDevice("change", dev);
}

function setMtuRaw(dev: NetDevice, mtu: number): void {
  if (dev.ops.changeMtu !== undefined) check(dev.ops.changeMtu(dev, mtu), `${dev.name}: change_mtu`);
  else dev.mtu = mtu;
}

/** dev_set_mac_address(): through ndo_set_mac_address; EOPNOTSUPP when the driver has none. */
export function devSetMacAddress(dev: NetDevice, addr: Uint8Array): void {
  if (dev.ops.setMacAddress === undefined) throw new KernelError(EOPNOTSUPP, `${dev.name}: set_mac_address`);
  if (addr.length < dev.addrLen) throw new KernelError(EINVAL, `${dev.name}: address too short`);
  if (!netifDevicePresent(dev)) throw new KernelError(ENODEV);
  const err = callNetdeviceNotifiersErrno(NETDEV_PRE_CHANGEADDR, dev, { addr });
  if (err) throw new KernelError(-err, `${dev.name}: NETDEV_PRE_CHANGEADDR`);
  check(dev.ops.setMacAddress(dev, addr), `${dev.name}: set_mac_address`);
  callNetdeviceNotifiers(NETDEV_CHANGEADDR, dev);
  dev.net.kernel.events.emitDevice("change", dev);
}

/** eth_mac_addr(): the common ndo_set_mac_address for Ethernet devices. */
export function ethMacAddr(dev: NetDevice, addr: Uint8Array): number {
  if (netifRunning(dev) && !(dev.privFlags & IFF_LIVE_ADDR_CHANGE)) return -EBUSY;
  if ((addr[0]! & 1) !== 0 || addr.subarray(0, 6).every((b) => b === 0)) return -EADDRNOTAVAIL;
  dev.devAddr.set(addr.subarray(0, dev.addrLen));
  return 0;
}

/** dev_change_name(): not while up (EBUSY); "%d" templates expand; CHANGENAME may veto. */
export function devChangeName(dev: NetDevice, newName: string): void {
  if (dev.flags & IFF_UP && !(dev.privFlags & IFF_LIVE_RENAME_OK)) throw new KernelError(EBUSY, `${dev.name}: rename while up`);
  if (newName === dev.name) return;
  const net = dev.net;
  const name = devAllocName(net, newName);
  if (net.devices.has(name)) throw new KernelError(EEXIST, `device ${name} already exists`);
  const old = dev.name;
  net.renameDevice(dev, name);
  const err = callNetdeviceNotifiersErrno(NETDEV_CHANGENAME, dev);
  if (err) {
    net.renameDevice(dev, old);
    callNetdeviceNotifiers(NETDEV_CHANGENAME, dev);
    throw new KernelError(-err, `${old}: NETDEV_CHANGENAME`);
  }
  dev.net.kernel.events.emitDevice("change", dev);
}

/** dev_change_tx_queue_len(). */
export function devChangeTxQueueLen(dev: NetDevice, len: number): void {
  if (!Number.isInteger(len) || len < 0 || len > 0xffffffff) throw new KernelError(EINVAL, "txqueuelen");
  dev.txQueueLen = len;
}

/** netdev_update_features(): applies wanted features the hardware supports via ndo_set_features. */
export function devSetFeatures(dev: NetDevice, wanted: number): void {
  const fixed = dev.features & ~dev.hwFeatures;
  if ((wanted ^ dev.features) & fixed) throw new KernelError(EOPNOTSUPP, `${dev.name}: feature is fixed`);
  dev.wantedFeatures = wanted;
  const next = (wanted & dev.hwFeatures) | fixed;
  if (next === dev.features) return;
  if (dev.ops.setFeatures !== undefined) check(dev.ops.setFeatures(dev, next), `${dev.name}: set_features`);
  dev.features = next;
  callNetdeviceNotifiers(NETDEV_FEAT_CHANGE, dev);
}

/** dev_get_stats(): the driver's counters (ndo_get_stats64 or dev->stats) plus the core's drops. */
export function devGetStats(dev: NetDevice, out: NetDeviceStats = new NetDeviceStats()): NetDeviceStats {
  if (dev.ops.getStats64 !== undefined) {
    const fresh = new NetDeviceStats();
    dev.ops.getStats64(dev, fresh);
    out.assign(fresh);
  } else {
    out.assign(dev.stats);
  }
  const core = dev.coreStats;
  if (core !== null) {
    out.rxDropped += core.rxDropped;
    out.txDropped += core.txDropped;
    out.rxNohandler += core.rxNohandler;
  }
  return out;
}

/**
 * dev_change_net_namespace(): moves a device. Notifiers see UNREGISTER (the device is not freed:
 * regState stays REGISTERED), then REGISTER in the new namespace.
 */
export function devChangeNetNamespace(dev: NetDevice, net: Net, pattern?: string): void {
  if (dev.features & NETIF_F_NETNS_LOCAL) throw new KernelError(EINVAL, `${dev.name}: netns-local device`);
  if (dev.regState !== NETREG_REGISTERED) throw new KernelError(EINVAL);
  if (net.dying) throw new KernelError(ENODEV);
  if (dev.net === net) return;
  let name = dev.name;
  if (net.devices.has(name)) {
    if (pattern === undefined) throw new KernelError(EEXIST, `device ${name} already exists in the target namespace`);
    name = devAllocName(net, pattern);
  }
  devClose(dev);
  callNetdeviceNotifiers(NETDEV_UNREGISTER, dev);
  dev.net.kernel.events.emitDevice("unregister", dev);
  const from = dev.net;
  from.unlistDevice(dev);
  dev.net = net;
  dev.name = name;
  if (net.devicesByIndex.has(dev.ifindex)) dev.ifindex = net.allocIfindex();
  else net.reserveIfindex(dev.ifindex);
  net.listDevice(dev);
  callNetdeviceNotifiers(NETDEV_REGISTER, dev);
  net.kernel.events.emitDevice("register", dev);
}

// ---------------------------------------------------------------------------------------------
// Transmit

/**
 * dev_queue_xmit(): hands an skb (data at the link-level header, skb.dev set) to its device,
 * through the pfifo qdisc when tx_queue_len > 0. Consumes the skb in every case.
 */
export function devQueueXmit(skb: SkBuff): number {
  const dev = skb.dev!;
  skb.macHeader = skb.data;
  if ((dev.flags & IFF_UP) === 0) return xmitDrop(skb, dev, -ENETDOWN);
  const q = dev.qdisc;
  if (q === null) {
    // noqueue: straight to the driver, dropping what it cannot take now.
    if (dev.state & QUEUE_STATE_DRV_XOFF || xmitOne(skb, dev) === NETDEV_TX_BUSY) return xmitDrop(skb, dev, NET_XMIT_DROP);
    return NET_XMIT_SUCCESS;
  }
  return qdiscEnqueue(skb, dev, q);
}

/** __dev_xmit_skb(): through the pfifo qdisc. */
function qdiscEnqueue(skb: SkBuff, dev: NetDevice, q: SkbQueue): number {
  if (q.qlen === 0 && (dev.state & QUEUE_STATE_DRV_XOFF) === 0) {
    // TCQ_F_CAN_BYPASS: an empty work-conserving queue hands the packet straight to the driver
    // (sch_direct_xmit), as enqueue-then-dequeue would; a busy driver gets it queued back.
    if (xmitOne(skb, dev) === NETDEV_TX_BUSY) {
      q.enqueueHead(skb);
      q.requeues++;
    }
    return NET_XMIT_SUCCESS;
  }
  if (q.qlen >= (dev.txQueueLen || 1)) {
    q.drops++;
    dropSkb(skb, "QDISC_DROP");
    return NET_XMIT_DROP;
  }
  q.enqueue(skb);
  qdiscRun(dev, q);
  return NET_XMIT_SUCCESS;
}

/** A device down or a noqueue device that cannot take the packet: a tx drop, returning `ret`. */
function xmitDrop(skb: SkBuff, dev: NetDevice, ret: number): number {
  devCoreStats(dev).txDropped++;
  dropSkb(skb, "DEV_READY");
  return ret;
}

const DEV_TX_WEIGHT = 64;

function qdiscRun(dev: NetDevice, q: SkbQueue): void {
  let quota = DEV_TX_WEIGHT;
  while ((dev.state & QUEUE_STATE_DRV_XOFF) === 0) {
    const skb = q.dequeue();
    if (skb === null) return;
    if (xmitOne(skb, dev) === NETDEV_TX_BUSY) {
      q.enqueueHead(skb);
      q.requeues++;
      return;
    }
    if (--quota === 0) {
      if (q.qlen > 0) netifSchedule(dev);
      return;
    }
  }
}

function xmitOne(skb: SkBuff, dev: NetDevice): number {
  const k = dev.net.kernel;
  if (k.ptypeAll.length !== 0 || dev.ptypeAll.length !== 0) devQueueXmitNit(skb, dev);
  if (k.events.watchPackets) k.events.emitPacket("xmit", dev, skb);
  const rc = dev.ops.startXmit(skb, dev);
  // trans_start matters only to the watchdog: skip the clock read for devices without one.
  if (rc === NETDEV_TX_OK && dev.watchdogTimer !== null) dev.transStart = k.scheduler.jiffiesAt(k.nsPerJiffy);
  return rc;
}

/** dev_queue_xmit_nit(): shows an outgoing packet to the taps, as PACKET_OUTGOING. */
function devQueueXmitNit(skb: SkBuff, dev: NetDevice): void {
  const saved = skb.pktType;
  skb.pktType = PACKET_OUTGOING;
  deliverTaps(skb, dev, dev);
  skb.pktType = saved;
}

function deliverTaps(skb: SkBuff, dev: NetDevice, origDev: NetDevice): void {
  const data = skb.data;
  for (const pt of dev.net.kernel.ptypeAll) {
    pt.func(skb, dev, pt, origDev);
    skb.data = data;
  }
  for (const pt of dev.ptypeAll) {
    pt.func(skb, dev, pt, origDev);
    skb.data = data;
  }
}

/** Frees an skb that was dropped, telling observers why. */
export function dropSkb(skb: SkBuff, reason: DropReason): void {
  const dev = skb.dev;
  if (dev !== null && dev.net.kernel.events.watchDrops) dev.net.kernel.events.emitDrop(dev, skb, reason);
  kfreeSkb(skb);
}

/** dev_hard_header(): builds the link-level header through the device's header_ops. */
export function devHardHeader(skb: SkBuff, dev: NetDevice, type: number, daddr: Uint8Array | null, saddr: Uint8Array | null, len: number): number {
  if (dev.headerOps === null) return 0;
  return dev.headerOps.create(skb, dev, type, daddr, saddr, len);
}

// ---------------------------------------------------------------------------------------------
// Receive

export const NET_RX_SUCCESS = 0;
export const NET_RX_DROP = 1;

/** netif_rx(): queues a received skb (protocol and dev set) on the backlog for the rx softirq. */
export function netifRx(skb: SkBuff): number {
  const dev = skb.dev!;
  const k = dev.net.kernel;
  const sd = k.softnet;
  if (sd.backlog.qlen >= k.netdevMaxBacklog) return backlogDrop(skb, dev, sd);
  skb.tstamp = k.scheduler.now;
  sd.backlog.enqueue(skb);
  if (!sd.backlogNapi.scheduled) sd.scheduleBacklog();
  return NET_RX_SUCCESS;
}

/** The backlog is full (netdev_max_backlog): counted in softnet and the device, then dropped. */
function backlogDrop(skb: SkBuff, dev: NetDevice, sd: Softnet): number {
  sd.dropped++;
  devCoreStats(dev).rxDropped++;
  dropSkb(skb, "CPU_BACKLOG");
  return NET_RX_DROP;
}

/** netif_receive_skb(): delivers now (from a NAPI poll). */
export function netifReceiveSkb(skb: SkBuff): number {
  if (skb.tstamp === 0) skb.tstamp = skb.dev!.net.kernel.scheduler.now;
  receiveSkbCore(skb);
  return NET_RX_SUCCESS;
}

/**
 * __netif_receive_skb_core(): taps, rx_handler, then the protocol handlers by ethertype. The
 * common case (no tap, no rx_handler, no observer, one handler for the type) is kept small so
 * that it compiles tight; anything else takes receiveSkbCoreFull.
 */
function receiveSkbCore(skb: SkBuff): void {
  const dev = skb.dev!;
  const k = dev.net.kernel;
  if (k.events.watchPackets || k.ptypeAll.length !== 0 || dev.ptypeAll.length !== 0 || dev.rxHandler !== null) {
    receiveSkbCoreFull(skb);
    return;
  }
  skb.iif = dev.ifindex;
  if (skb.networkHeader < 0) skb.networkHeader = skb.data;
  const type = skb.protocol;
  const list = k.ptypeBase[type & PTYPE_HASH_MASK]!;
  if (list.length === 1) {
    const pt = list[0]!;
    if (pt.type === type && (pt.dev == null || pt.dev === dev)) {
      pt.func(skb, dev, pt, dev);
      return;
    }
  }
  deliverPtypeBase(skb, dev, dev, list, type, false);
}

function receiveSkbCoreFull(skb: SkBuff): void {
  let dev = skb.dev!;
  const k = dev.net.kernel;
  const origDev = dev;
  skb.iif = dev.ifindex;
  if (skb.networkHeader < 0) skb.networkHeader = skb.data;
  if (k.events.watchPackets) k.events.emitPacket("receive", dev, skb);
  let exact = false;
  for (;;) {
    if (k.ptypeAll.length !== 0 || dev.ptypeAll.length !== 0) deliverTaps(skb, dev, origDev);
    const handler = dev.rxHandler;
    if (handler === null) break;
    const res = handler(skb);
    if (res === RX_HANDLER_CONSUMED) return;
    if (res === RX_HANDLER_ANOTHER) {
      dev = skb.dev!;
      continue;
    }
    if (res === RX_HANDLER_EXACT) exact = true;
    break;
  }
  const type = skb.protocol;
  deliverPtypeBase(skb, dev, origDev, k.ptypeBase[type & PTYPE_HASH_MASK]!, type, exact);
}

/** The protocol handlers of `type` (list: its ptype_base bucket) get the skb; nobody means a drop. */
function deliverPtypeBase(skb: SkBuff, dev: NetDevice, origDev: NetDevice, list: readonly PacketType[], type: number, exact: boolean): void {
  if (list.length === 1) {
    const pt = list[0]!;
    if (pt.type === type && !exact && (pt.dev == null || pt.dev === dev)) {
      pt.func(skb, dev, pt, origDev);
      return;
    }
  } else if (list.length > 1) {
    let prev: PacketType | null = null;
    for (const pt of list) {
      if (pt.type !== type || (exact ? pt.dev !== dev : pt.dev != null && pt.dev !== dev)) continue;
      if (prev !== null) prev.func(skb.get(), dev, prev, origDev);
      prev = pt;
    }
    if (prev !== null) {
      prev.func(skb, dev, prev, origDev);
      return;
    }
  }
  if (exact) devCoreStats(dev).rxNohandler++;
  else devCoreStats(dev).rxDropped++;
  dropSkb(skb, "UNHANDLED_PROTO");
}

/** Protocol handlers hash on the low bits of the ethertype (ptype_base[PTYPE_HASH_SIZE]). */
export const PTYPE_HASH_SIZE = 16;
const PTYPE_HASH_MASK = PTYPE_HASH_SIZE - 1;
const ETH_P_ALL = 0x0003;

/**
 * dev_add_pack(): registers a protocol handler (by ethertype) or a tap (ETH_P_ALL). Lists are
 * replaced, never mutated, so a handler may add or remove handlers while packets are delivered.
 */
export function devAddPack(kernel: Kernel, pt: PacketType): void {
  if (pt.type === ETH_P_ALL) {
    if (pt.dev != null) pt.dev.ptypeAll = [...pt.dev.ptypeAll, pt];
    else kernel.ptypeAll = [...kernel.ptypeAll, pt];
    return;
  }
  const h = pt.type & PTYPE_HASH_MASK;
  kernel.ptypeBase[h] = [...kernel.ptypeBase[h]!, pt];
}

/** dev_remove_pack(). */
export function devRemovePack(kernel: Kernel, pt: PacketType): void {
  const without = (list: readonly PacketType[]): PacketType[] => list.filter((p) => p !== pt);
  if (pt.type !== ETH_P_ALL) {
    const h = pt.type & PTYPE_HASH_MASK;
    kernel.ptypeBase[h] = without(kernel.ptypeBase[h]!);
  } else if (pt.dev != null) {
    pt.dev.ptypeAll = without(pt.dev.ptypeAll);
  } else {
    kernel.ptypeAll = without(kernel.ptypeAll);
  }
}

// ---------------------------------------------------------------------------------------------
// NAPI and the network softirqs

/** netif_napi_add(): attaches a poll function to the device (disabled until napiEnable). */
export function netifNapiAdd(dev: NetDevice, poll: (napi: Napi, budget: number) => number, weight: number = NAPI_POLL_WEIGHT): Napi {
  const napi = new Napi(dev, poll, weight);
  dev.napiList = [...dev.napiList, napi];
  return napi;
}

/** netif_napi_del(). */
export function netifNapiDel(napi: Napi): void {
  napiDisable(napi);
  napi.dev.napiList = napi.dev.napiList.filter((n) => n !== napi);
}

export function napiEnable(napi: Napi): void {
  napi.disabled = false;
  napi.scheduled = false;
}

/** napi_disable(): waits out a pending poll (here: removes it from the poll list). */
export function napiDisable(napi: Napi): void {
  napi.disabled = true;
  if (napi.scheduled) {
    const sd = napi.dev.net.kernel.softnet;
    const i = sd.pollList.indexOf(napi);
    if (i >= 0) sd.pollList.splice(i, 1);
    napi.scheduled = false;
  }
}

/** napi_schedule(): puts the NAPI context on the poll list and raises NET_RX. */
export function napiSchedule(napi: Napi): boolean {
  if (napi.scheduled || napi.disabled) return false;
  napi.scheduled = true;
  const sd = napi.dev.net.kernel.softnet;
  sd.pollList.push(napi);
  sd.pending = true;
  return true;
}

/** napi_complete_done(): the poll finished under budget; interrupts may be re-enabled. */
export function napiCompleteDone(napi: Napi, _workDone: number): boolean {
  napi.scheduled = false;
  napi.completed = true;
  return true;
}

/** Per-CPU receive state (struct softnet_data); vnet models one CPU per kernel. */
export class Softnet {
  readonly kernel: Kernel;
  backlog: SkbQueue = new SkbQueue();
  backlogNapi: Napi;
  pollList: Napi[] = [];
  /**
   * Devices whose qdisc waits for net_tx_action (output_queue): the first `outputLen` entries.
   * The two lists take turns and keep their room, so scheduling a queue allocates nothing.
   */
  outputQueue: (NetDevice | null)[] = [];
  outputLen = 0;
  private txSpare: (NetDevice | null)[] = [];
  pending = false;
  processed = 0;
  dropped = 0;
  timeSqueeze = 0;

  constructor(kernel: Kernel) {
    this.kernel = kernel;
    // The backlog belongs to no device: its NAPI context is owned by the softnet itself.
    this.backlogNapi = new Napi(null as unknown as NetDevice, (napi, quota) => this.processBacklog(napi, quota), NAPI_POLL_WEIGHT);
    this.backlogNapi.disabled = false;
  }

  /** Raises NET_RX for the backlog (____napi_schedule on the backlog's NAPI). */
  scheduleBacklog(): void {
    this.backlogNapi.scheduled = true;
    this.pollList.push(this.backlogNapi);
    this.pending = true;
  }

  /** do_softirq(): NET_TX then NET_RX. */
  run(): void {
    if (this.outputLen > 0) this.netTxAction();
    if (this.pollList.length > 0) this.netRxAction();
    this.pending = this.pollList.length > 0 || this.outputLen > 0;
  }

  /** net_tx_action(): runs the qdisc of every scheduled device; the two lists take turns. */
  private netTxAction(): void {
    const devs = this.outputQueue;
    const n = this.outputLen;
    this.outputQueue = this.txSpare;
    this.outputLen = 0;
    for (let i = 0; i < n; i++) {
      const dev = devs[i]!;
      devs[i] = null;
      dev.state &= ~QDISC_STATE_SCHED;
      if (dev.qdisc !== null && dev.flags & IFF_UP) qdiscRun(dev, dev.qdisc);
    }
    this.txSpare = devs;
  }

  private netRxAction(): void {
    let budget = this.kernel.netdevBudget;
    while (this.pollList.length > 0) {
      const napi = this.pollList.shift()!;
      napi.completed = false;
      const work = napi.poll(napi, napi.weight);
      budget -= work;
      if (work >= napi.weight && napi.scheduled && !napi.completed && !napi.disabled) this.pollList.push(napi);
      if (budget <= 0) {
        if (this.pollList.length > 0) this.timeSqueeze++;
        return;
      }
    }
  }

  private processBacklog(napi: Napi, quota: number): number {
    let work = 0;
    while (work < quota) {
      const skb = this.backlog.dequeue();
      if (skb === null) {
        napi.scheduled = false;
        napi.completed = true;
        break;
      }
      receiveSkbCore(skb);
      work++;
    }
    this.processed += work;
    return work;
  }
}
