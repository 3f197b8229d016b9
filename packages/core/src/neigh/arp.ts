// ARP (net/ipv4/arp.c): the per-namespace arp_tbl, arp_rcv/arp_process with arp_ignore and
// arp_announce, solicitation, gratuitous ARP, the netdevice reactions and /proc/net/arp.
import type { Net } from "../kernel/net.js";
import { NetGenericKey } from "../kernel/net.js";
import { NOTIFY_DONE } from "../kernel/notifier.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import type { PacketType } from "../netdevice/packet.js";
import { allocSkb, consumeSkb, type SkBuff } from "../netdevice/skbuff.js";
import { devHardHeader, devQueueXmit, dropSkb, netifCarrierOk, type NetdevNotifierInfo } from "../netdevice/dev.js";
import {
  ARPHRD_ETHER, IFF_LOOPBACK, IFF_NOARP, IFF_POINTOPOINT, NETDEV_CHANGE, NETDEV_CHANGEADDR, PACKET_HOST,
  PACKET_LOOPBACK, PACKET_OTHERHOST, NET_SKB_PAD,
} from "../netdevice/constants.js";
import { ARPOP_REPLY, ARPOP_REQUEST, ARP_PACKET_LEN, emitArp } from "../wire/arp.js";
import { ETH_P_ARP, ETH_P_IP } from "../wire/ethernet.js";
import { ipv4IsLoopback, ipv4IsMulticast, readIpv4 } from "../wire/addr.js";
import {
  neighEventNs, neighIfdown, neighLookupCreate, neighRemove, neighUpdate, NeighTable, Neighbour, NEIGH_OUTPUT_DIRECT,
  NEIGH_OUTPUT_RESOLVE, NEIGH_UPDATE_F_OVERRIDE, NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE, NUD_STALE, NUD_VALID,
  type NeighOps,
} from "./neighbour.js";
import { inetAddrType, RT_SCOPE_HOST, RT_SCOPE_LINK, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_UNICAST } from "../route/fib.js";
import {
  inDevArpParms, inDevForward, inDevGet, inDevMaxConf, inDevOrConf, inetConfirmAddr, inetSelectAddr, IPV4_DEVCONF_ARP_ACCEPT,
  IPV4_DEVCONF_ARP_ANNOUNCE, IPV4_DEVCONF_ARP_EVICT_NOCARRIER, IPV4_DEVCONF_ARP_IGNORE, IPV4_DEVCONF_DROP_GRATUITOUS_ARP,
  IPV4_DEVCONF_PROXY_ARP, IPV4_DEVCONF_ROUTE_LOCALNET, type InDevice,
} from "../ipv4/devinet.js";
import { arpRouteType, inetAddrOnlink, skbRtable, rtCacheFlush } from "../ipv4/route.js";
import { ipv4LinkFailure } from "../ipv4/icmp.js";

/**
 * ARP counters of a namespace. Linux keeps none in /proc/net/snmp; vnet counts every received
 * ARP frame in exactly one of inRequests, inReplies, inIgnored or inErrors.
 */
export class ArpStats {
  /** Requests processed (answered or not). */
  inRequests = 0;
  /** Replies processed. */
  inReplies = 0;
  /** Consumed unprocessed: NOARP device, frame for another host, looped back. */
  inIgnored = 0;
  /** Dropped as malformed or unsupported (wrong sizes, types, opcode, target). */
  inErrors = 0;
  outRequests = 0;
  outReplies = 0;
}

/** The ARP table and counters of a namespace. */
export class ArpNet {
  readonly tbl: NeighTable;
  readonly stats: ArpStats = new ArpStats();

  constructor(net: Net) {
    this.tbl = new NeighTable(net, "arp_cache", arpOps);
  }
}

const ARP_KEY: NetGenericKey<ArpNet> = new NetGenericKey<ArpNet>("arp", (net) => new ArpNet(net));

/** The namespace's ARP table (arp_tbl). */
export function arpGet(net: Net): NeighTable {
  return net.gen(ARP_KEY).tbl;
}

/** The namespace's ARP counters. */
export function arpStats(net: Net): ArpStats {
  return net.gen(ARP_KEY).stats;
}

/** Stops the table's timers when the namespace goes away. */
export function arpNetExit(net: Net): void {
  if (net.hasGen(ARP_KEY)) net.gen(ARP_KEY).tbl.destroy();
}

/** The key an IPv4 neighbour is filed under: 0 on loopback and point-to-point devices. */
export function arpKey(dev: NetDevice, addr: number): number {
  return dev.flags & (IFF_LOOPBACK | IFF_POINTOPOINT) ? 0 : addr >>> 0;
}

/** __ipv4_neigh_lookup_noref + __neigh_create: the entry for next hop `addr` on `dev`. */
export function ipNeighForGw(dev: NetDevice, addr: number): Neighbour {
  const tbl = arpGet(dev.net);
  const key = arpKey(dev, addr);
  return tbl.lookup(key, dev) ?? neighLookupCreate(tbl, key, dev);
}

/** arp_mc_map() for Ethernet: 01:00:5e plus the low 23 bits of the group. */
function arpMcMap(addr: number, ha: Uint8Array): void {
  ha[0] = 0x01;
  ha[1] = 0x00;
  ha[2] = 0x5e;
  ha[3] = (addr >>> 16) & 0x7f;
  ha[4] = (addr >>> 8) & 0xff;
  ha[5] = addr & 0xff;
}

const arpOps: NeighOps = {
  protocol: ETH_P_IP,
  /** arp_constructor(). */
  construct(n: Neighbour): void {
    const dev = n.dev;
    const addr = n.key;
    n.type = inetAddrType(dev.net, addr);
    const idev = inDevGet(dev);
    if (idev !== null) n.parms = inDevArpParms(idev);
    if (dev.headerOps === null) {
      n.nudState = NUD_NOARP;
      n.output = NEIGH_OUTPUT_DIRECT;
      return;
    }
    if (n.type === RTN_MULTICAST) {
      n.nudState = NUD_NOARP;
      arpMcMap(addr, n.ha);
    } else if (dev.flags & (IFF_NOARP | IFF_LOOPBACK)) {
      n.nudState = NUD_NOARP;
      n.ha.set(dev.devAddr.subarray(0, dev.addrLen));
    } else if (n.type === RTN_BROADCAST || dev.flags & IFF_POINTOPOINT) {
      n.nudState = NUD_NOARP;
      n.ha.set(dev.broadcast.subarray(0, dev.addrLen));
    }
    n.output = NEIGH_OUTPUT_RESOLVE;
  },
  /** arp_solicit(). */
  solicit(n: Neighbour, skb: SkBuff | null): void {
    const dev = n.dev;
    const target = n.key;
    const idev = inDevGet(dev);
    if (idev === null) return;
    let saddr = 0;
    const packetSaddr = skb !== null && skb.networkHeader >= 0 ? readIpv4(skb.head, skb.networkHeader + 12) : 0;
    switch (inDevMaxConf(idev, IPV4_DEVCONF_ARP_ANNOUNCE)) {
      case 1:
        if (skb !== null && inetAddrType(dev.net, packetSaddr) === RTN_LOCAL && inetAddrOnlink(idev, target, packetSaddr)) saddr = packetSaddr;
        break;
      case 2:
        break;
      default:
        if (skb !== null && inetAddrType(dev.net, packetSaddr) === RTN_LOCAL) saddr = packetSaddr;
    }
    if (saddr === 0) saddr = inetSelectAddr(dev, target, RT_SCOPE_LINK);
    let probes = n.probes - n.parms.ucastProbes;
    let dstHw: Uint8Array | null = null;
    if (probes < 0) {
      dstHw = n.ha;
    } else {
      probes -= n.parms.appProbes;
      if (probes < 0) return;
    }
    arpSend(ARPOP_REQUEST, target, dev, saddr, dstHw, null, null);
  },
  /** arp_error_report(): dst_link_failure, then the caller frees the packet. */
  errorReport(_n: Neighbour, skb: SkBuff): void {
    ipv4LinkFailure(skb);
  },
};

/**
 * arp_send_dst(): builds and transmits an ARP packet. Null `destHw` is the device's broadcast
 * address, null `srcHw` the device's own, null `targetHw` zeros. Nothing on IFF_NOARP devices.
 */
export function arpSend(
  op: number, destIp: number, dev: NetDevice, srcIp: number, destHw: Uint8Array | null, srcHw: Uint8Array | null,
  targetHw: Uint8Array | null,
): void {
  if (dev.flags & IFF_NOARP) return;
  const skb = allocSkb(ARP_PACKET_LEN + NET_SKB_PAD + dev.hardHeaderLen + 16);
  skb.reserve(NET_SKB_PAD + ((dev.hardHeaderLen + 15) & ~15));
  skb.networkHeader = skb.data;
  const at = skb.put(ARP_PACKET_LEN);
  skb.dev = dev;
  skb.protocol = ETH_P_ARP;
  const sha = srcHw ?? dev.devAddr;
  emitArp(skb.head, at, op, sha, srcIp, targetHw, destIp);
  if (devHardHeader(skb, dev, ETH_P_ARP, destHw ?? dev.broadcast, sha, skb.len) < 0) {
    dropSkb(skb, "DEV_HDR");
    return;
  }
  const st = arpStats(dev.net);
  if (op === ARPOP_REQUEST) st.outRequests++;
  else st.outReplies++;
  devQueueXmit(skb);
}

/** Gratuitous ARP for `addr` on `dev` (inetdev_send_gratuitous_arp): a broadcast request sip == tip. */
export function arpSendGratuitous(dev: NetDevice, addr: number): void {
  arpSend(ARPOP_REQUEST, addr, dev, addr, null, dev.devAddr, null);
}

/** arp_ignore(): 0 to reply, 1 to stay silent, per net.ipv4.conf.*.arp_ignore. */
function arpIgnore(idev: InDevice, sip: number, tip: number): boolean {
  let scope: number;
  let dev: InDevice | null = idev;
  switch (inDevMaxConf(idev, IPV4_DEVCONF_ARP_IGNORE)) {
    case 0:
      return false;
    case 1:
      sip = 0;
      scope = RT_SCOPE_HOST;
      break;
    case 2:
      scope = RT_SCOPE_HOST;
      break;
    case 3:
      sip = 0;
      scope = RT_SCOPE_LINK;
      dev = null;
      break;
    case 8:
      return true;
    default:
      return false;
  }
  return inetConfirmAddr(idev.dev.net, dev, sip, tip, scope) === 0;
}

const sha = new Uint8Array(6);
const tha = new Uint8Array(6);

/** arp_rcv(): the ETH_P_ARP protocol handler. */
export const arpPacketType: PacketType = {
  type: ETH_P_ARP,
  dev: null,
  func(skb: SkBuff, dev: NetDevice): void {
    const st = arpStats(dev.net);
    if (dev.flags & IFF_NOARP || skb.pktType === PACKET_OTHERHOST || skb.pktType === PACKET_LOOPBACK) {
      st.inIgnored++;
      consumeSkb(skb);
      return;
    }
    const h = skb.head;
    const at = skb.data;
    if (skb.len < 8 + 2 * (dev.addrLen + 4) || h[at + 4] !== dev.addrLen || h[at + 5] !== 4) {
      st.inErrors++;
      dropSkb(skb, "ARP_INVALID");
      return;
    }
    skb.networkHeader = at;
    arpProcess(dev.net, skb, dev, st);
  },
};

function arpProcess(net: Net, skb: SkBuff, dev: NetDevice, st: ArpStats): void {
  const idev = inDevGet(dev);
  const h = skb.head;
  const at = skb.data;
  const hrd = (h[at]! << 8) | h[at + 1]!;
  const pro = (h[at + 2]! << 8) | h[at + 3]!;
  const op = (h[at + 6]! << 8) | h[at + 7]!;
  if (idev === null || pro !== ETH_P_IP) return arpDrop(skb, st);
  if (dev.type === ARPHRD_ETHER ? hrd !== 1 && hrd !== 6 : hrd !== dev.type) return arpDrop(skb, st);
  if (op !== ARPOP_REPLY && op !== ARPOP_REQUEST) return arpDrop(skb, st);
  sha.set(h.subarray(at + 8, at + 14));
  const sip = readIpv4(h, at + 14);
  tha.set(h.subarray(at + 18, at + 24));
  const tip = readIpv4(h, at + 24);
  if (ipv4IsMulticast(tip) || (!inDevOrConf(idev, IPV4_DEVCONF_ROUTE_LOCALNET) && ipv4IsLoopback(tip))) return arpDrop(skb, st);
  if (sip === tip && inDevOrConf(idev, IPV4_DEVCONF_DROP_GRATUITOUS_ARP)) return arpDrop(skb, st);
  if (op === ARPOP_REQUEST) st.inRequests++;
  else st.inReplies++;
  const tbl = arpGet(net);
  // RFC 2131 duplicate address detection: a probe from 0.0.0.0.
  if (sip === 0) {
    if (op === ARPOP_REQUEST && inetAddrType(net, tip, dev) === RTN_LOCAL && !arpIgnore(idev, sip, tip)) {
      arpSend(ARPOP_REPLY, sip, dev, tip, sha, dev.devAddr, sha);
    }
    consumeSkb(skb);
    return;
  }
  if (op === ARPOP_REQUEST) {
    const addrType = arpRouteType(skb, tip, sip, dev);
    if (addrType === RTN_LOCAL) {
      if (!arpIgnore(idev, sip, tip)) {
        const n = neighEventNs(tbl, sha, arpKey(dev, sip), dev);
        if (n !== null) arpSend(ARPOP_REPLY, sip, dev, tip, sha, dev.devAddr, sha);
      }
      consumeSkb(skb);
      return;
    }
    if (addrType >= 0 && inDevForward(idev)) {
      if (addrType === RTN_UNICAST && inDevOrConf(idev, IPV4_DEVCONF_PROXY_ARP)) {
        // Proxy ARP: answer for a destination routed through another device.
        const rt = skbRtable(skb);
        if (rt === null || rt.dev !== dev) {
          neighEventNs(tbl, sha, arpKey(dev, sip), dev);
          arpSend(ARPOP_REPLY, sip, dev, tip, sha, dev.devAddr, sha);
        }
      }
      consumeSkb(skb);
      return;
    }
  }
  // Update our table: only for entries we have, unless arp_accept.
  let n = tbl.lookup(arpKey(dev, sip), dev);
  let isGarp = false;
  const accept = inDevMaxConf(idev, IPV4_DEVCONF_ARP_ACCEPT);
  if (n !== null || accept) {
    isGarp = tip === sip && (op !== ARPOP_REPLY || shaEqualsTha()) && inetAddrType(net, sip) === RTN_UNICAST;
  }
  if (accept && n === null) {
    if (isGarp || (op === ARPOP_REPLY && inetAddrType(net, sip) === RTN_UNICAST)) {
      try {
        n = neighLookupCreate(tbl, arpKey(dev, sip), dev);
      } catch {
        n = null;
      }
    }
  }
  if (n !== null) {
    let state = NUD_REACHABLE;
    const override = tbl.jiffies > n.updated + n.parms.locktime || isGarp;
    if (op !== ARPOP_REPLY || skb.pktType !== PACKET_HOST) state = NUD_STALE;
    neighUpdate(n, sha, state, override ? NEIGH_UPDATE_F_OVERRIDE : 0);
  }
  consumeSkb(skb);
}

function shaEqualsTha(): boolean {
  for (let i = 0; i < 6; i++) if (sha[i] !== tha[i]) return false;
  return true;
}

function arpDrop(skb: SkBuff, st: ArpStats): void {
  st.inErrors++;
  dropSkb(skb, "ARP_INVALID");
}

/** arp_ifdown(): the device went down: all its entries go, permanent ones too. */
export function arpIfdown(dev: NetDevice): void {
  neighIfdown(arpGet(dev.net), dev, false);
}

/** arp_invalidate(): drops a non-permanent entry for `ip` on `dev` (or any entry with `force`). */
export function arpInvalidate(dev: NetDevice, ip: number, force: boolean): void {
  const tbl = arpGet(dev.net);
  const n = tbl.lookup(arpKey(dev, ip), dev);
  if (n === null) return;
  if (n.nudState & NUD_PERMANENT && !force) return;
  neighRemove(n);
}

/** arp_netdev_event(): address changes flush the device's entries; carrier loss evicts them. */
export function arpNetdevEvent(event: number, info: NetdevNotifierInfo): number {
  const dev = info.dev;
  switch (event) {
    case NETDEV_CHANGEADDR:
      neighIfdown(arpGet(dev.net), dev, false);
      rtCacheFlush(dev.net);
      break;
    case NETDEV_CHANGE: {
      if ((info.flagsChanged ?? 0) & IFF_NOARP) neighIfdown(arpGet(dev.net), dev, false);
      const idev = inDevGet(dev);
      const evict = idev === null ? true : inDevOrConf(idev, IPV4_DEVCONF_ARP_EVICT_NOCARRIER) !== 0;
      if (evict && !netifCarrierOk(dev)) neighIfdown(arpGet(dev.net), dev, true);
      break;
    }
  }
  return NOTIFY_DONE;
}

/** ATF_* flags of /proc/net/arp. */
export const ATF_COM = 0x02;
export const ATF_PERM = 0x04;

/** /proc/net/arp (arp_seq_show): every entry but NOARP and NONE ones, in the kernel's columns. */
export function procNetArp(net: Net): string {
  let out = "IP address       HW type     Flags       HW address            Mask     Device\n";
  for (const n of arpGet(net).all) {
    if (!(n.nudState & ~NUD_NOARP)) continue;
    const dev = n.dev;
    const parts: string[] = [];
    for (let i = 0; i < dev.addrLen; i++) parts.push(n.ha[i]!.toString(16).padStart(2, "0"));
    const hw = parts.join(":");
    const flags = n.nudState & NUD_PERMANENT ? ATF_PERM | ATF_COM : n.nudState & NUD_VALID ? ATF_COM : 0;
    const ip = `${n.key >>> 24}.${(n.key >>> 16) & 0xff}.${(n.key >>> 8) & 0xff}.${n.key & 0xff}`;
    out += `${ip.padEnd(16)} 0x${dev.type.toString(16).padEnd(10)}0x${flags.toString(16).padEnd(10)}${hw.padEnd(17)}     *        ${dev.name}\n`;
  }
  return out;
}
