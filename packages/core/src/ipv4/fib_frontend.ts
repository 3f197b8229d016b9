// The FIB's reactions to addresses and devices (net/ipv4/fib_frontend.c): fib_magic,
// fib_add_ifaddr / fib_del_ifaddr, fib_inetaddr_event and fib_netdev_event.
import type { NetDevice } from "../netdevice/netdevice.js";
import { NOTIFY_DONE } from "../kernel/notifier.js";
import type { NetdevNotifierInfo } from "../netdevice/dev.js";
import { devGetFlags } from "../netdevice/dev.js";
import {
  IFF_LOOPBACK, IFF_LOWER_UP, IFF_RUNNING, IFF_UP, NETDEV_CHANGE, NETDEV_CHANGEMTU, NETDEV_DOWN, NETDEV_UNREGISTER,
  NETDEV_UP,
} from "../netdevice/constants.js";
import { ipv4IsZeronet } from "../wire/addr.js";
import {
  fibFlush, fibGet, fibSyncDownAddr, fibSyncDownDev, fibSyncMtu, fibSyncUp, inetAddrType, NLM_F_APPEND, NLM_F_CREATE,
  RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_TABLE_LOCAL, RT_TABLE_MAIN, RTN_BROADCAST, RTN_LOCAL, RTN_UNICAST,
  RTPROT_KERNEL,
} from "../route/fib.js";
import {
  IFA_F_NOPREFIXROUTE, IFA_F_SECONDARY, inDevGet, inetIfaByprefix, inetIfaMatch, type InIfaddr,
} from "./devinet.js";
import { arpIfdown, arpInvalidate } from "../neigh/arp.js";

/** fib_magic(): adds or deletes a kernel route for an address; errors (EEXIST, ESRCH) are ignored. */
function fibMagic(add: boolean, type: number, dst: number, dstLen: number, prim: InIfaddr, priority: number): void {
  const dev = prim.inDev.dev;
  const fib = fibGet(dev.net);
  const tbId = type === RTN_UNICAST ? RT_TABLE_MAIN : RT_TABLE_LOCAL;
  const cfg = {
    dst: dst >>> 0,
    dstLen,
    table: tbId,
    type,
    scope: type !== RTN_LOCAL ? RT_SCOPE_LINK : RT_SCOPE_HOST,
    protocol: RTPROT_KERNEL,
    priority,
    prefsrc: prim.local,
    oif: dev.ifindex,
    nlFlags: NLM_F_CREATE | NLM_F_APPEND,
  };
  try {
    if (add) fib.newTable(tbId).insert(cfg);
    else fib.getTable(tbId)?.delete(cfg);
  } catch {
    // fib_magic ignores failures: the route may exist already or be gone.
  }
}

/** fib_add_ifaddr(): the local route, then (device up) broadcast and the connected prefix route. */
export function fibAddIfaddr(ifa: InIfaddr): void {
  const idev = ifa.inDev;
  const dev = idev.dev;
  let prim = ifa;
  const mask = ifa.mask;
  const addr = ifa.local;
  const prefix = (ifa.address & mask) >>> 0;
  if (ifa.flags & IFA_F_SECONDARY) {
    const p = inetIfaByprefix(idev, prefix, mask);
    if (p === null) return;
    prim = p;
  }
  fibMagic(true, RTN_LOCAL, addr, 32, prim, 0);
  if (!(dev.flags & IFF_UP)) return;
  if (ifa.broadcast !== 0 && ifa.broadcast >>> 0 !== 0xffffffff) {
    fibMagic(true, RTN_BROADCAST, ifa.broadcast, 32, prim, 0);
    arpInvalidate(dev, ifa.broadcast, false);
  }
  if (!ipv4IsZeronet(prefix) && !(ifa.flags & IFA_F_SECONDARY) && (prefix !== addr || ifa.prefixLen < 32)) {
    if (!(ifa.flags & IFA_F_NOPREFIXROUTE)) {
      fibMagic(true, dev.flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST, prefix, ifa.prefixLen, prim, ifa.rtPriority);
    }
    if (ifa.prefixLen < 31) {
      const brd = (prefix | ~mask) >>> 0;
      fibMagic(true, RTN_BROADCAST, brd, 32, prim, 0);
      arpInvalidate(dev, brd, false);
    }
  }
}

/**
 * fib_del_ifaddr(): removes the routes the address brought, keeping local and broadcast routes
 * another address of the device still needs; a vanished local address kills routes using it as
 * preferred source.
 */
export function fibDelIfaddr(ifa: InIfaddr): void {
  const idev = ifa.inDev;
  const dev = idev.dev;
  let prim = ifa;
  const brd = (ifa.address | ~ifa.mask) >>> 0;
  const any = (ifa.address & ifa.mask) >>> 0;
  const LOCAL_OK = 1;
  const BRD_OK = 2;
  const BRD0_OK = 4;
  const BRD1_OK = 8;
  let ok = 0;
  let subnet = false;
  let gone = true;
  if (ifa.flags & IFA_F_SECONDARY) {
    const p = inetIfaByprefix(idev, any, ifa.mask);
    if (p === null) return;
    prim = p;
  } else if (!ipv4IsZeronet(any) && (any !== ifa.local || ifa.prefixLen < 32)) {
    if (!(ifa.flags & IFA_F_NOPREFIXROUTE)) fibMagic(false, dev.flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST, any, ifa.prefixLen, prim, 0);
    subnet = true;
  }
  if (!idev.dead) {
    for (const ifa1 of idev.ifaList) {
      if (ifa1 === ifa) {
        gone = false;
        continue;
      }
      // Only addresses with the same preferred source matter.
      let prim1: InIfaddr | null;
      if (ifa1.flags & IFA_F_SECONDARY) prim1 = inetIfaByprefix(idev, ifa1.address, ifa1.mask);
      else prim1 = ifa1;
      if (prim1 === null || prim1.local !== prim.local) continue;
      if (ifa.local === ifa1.local) ok |= LOCAL_OK;
      if (ifa.broadcast === ifa1.broadcast) ok |= BRD_OK;
      if (brd === ifa1.broadcast) ok |= BRD1_OK;
      if (any === ifa1.broadcast) ok |= BRD0_OK;
      if (prim1 === ifa1 && ifa1.prefixLen < 31) {
        const brd1 = (ifa1.address | ~ifa1.mask) >>> 0;
        const any1 = (ifa1.address & ifa1.mask) >>> 0;
        if (!ipv4IsZeronet(any1)) {
          if (ifa.broadcast === brd1 || ifa.broadcast === any1) ok |= BRD_OK;
          if (brd === brd1 || brd === any1) ok |= BRD1_OK;
          if (any === brd1 || any === any1) ok |= BRD0_OK;
        }
      }
    }
  }
  if (!(ok & BRD_OK) && ifa.broadcast !== 0) fibMagic(false, RTN_BROADCAST, ifa.broadcast, 32, prim, 0);
  if (subnet && ifa.prefixLen < 31) {
    if (!(ok & BRD1_OK)) fibMagic(false, RTN_BROADCAST, brd, 32, prim, 0);
    if (!(ok & BRD0_OK)) fibMagic(false, RTN_BROADCAST, any, 32, prim, 0);
  }
  if (!(ok & LOCAL_OK)) {
    fibMagic(false, RTN_LOCAL, ifa.local, 32, prim, 0);
    if (gone && inetAddrType(dev.net, ifa.local, null, RT_TABLE_LOCAL) !== RTN_LOCAL) {
      if (fibSyncDownAddr(dev.net, dev, ifa.local)) fibFlush(dev.net);
    }
  }
}

/** fib_disable_ip(): kills routes through the device and flushes its ARP entries. */
function fibDisableIp(dev: NetDevice, event: "down" | "unregister", force: boolean): void {
  const net = dev.net;
  if (fibSyncDownDev(net, dev, event, force)) fibFlush(net);
  else fibGet(net).flushCache();
  arpIfdown(dev);
}

/** fib_inetaddr_event(): an address came (routes added) or went (routes removed). */
export function fibInetaddrEvent(event: number, ifa: InIfaddr): number {
  const dev = ifa.inDev.dev;
  const fib = fibGet(dev.net);
  if (event === NETDEV_UP) {
    fibAddIfaddr(ifa);
    fib.addrGenid++;
    fib.flushCache();
  } else if (event === NETDEV_DOWN) {
    fibDelIfaddr(ifa);
    fib.addrGenid++;
    if (ifa.inDev.ifaList.length === 0) fibDisableIp(dev, "unregister", true);
    else fib.flushCache();
  }
  return NOTIFY_DONE;
}

/** fib_netdev_event(). */
export function fibNetdevEvent(event: number, info: NetdevNotifierInfo): number {
  const dev = info.dev;
  const net = dev.net;
  if (event === NETDEV_UNREGISTER) {
    fibDisableIp(dev, "unregister", true);
    return NOTIFY_DONE;
  }
  const idev = inDevGet(dev);
  if (idev === null) return NOTIFY_DONE;
  const fib = fibGet(net);
  switch (event) {
    case NETDEV_UP:
      for (const ifa of idev.ifaList) fibAddIfaddr(ifa);
      fib.addrGenid++;
      fib.flushCache();
      break;
    case NETDEV_DOWN:
      fibDisableIp(dev, "down", false);
      break;
    case NETDEV_CHANGE: {
      const flags = devGetFlags(dev);
      if (flags & (IFF_RUNNING | IFF_LOWER_UP)) fibSyncUp(net, dev);
      else fibSyncDownDev(net, dev, "change", false);
      fib.flushCache();
      break;
    }
    case NETDEV_CHANGEMTU:
      fibSyncMtu(net, dev);
      fib.flushCache();
      break;
  }
  return NOTIFY_DONE;
}

