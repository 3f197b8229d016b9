// Per-device IPv4 state and addresses (net/ipv4/devinet.c): in_device, in_ifaddr, the devconf
// sysctls with their all/default/device semantics, inet_select_addr, and the inetaddr chain the
// FIB listens on (fib_inetaddr_event).
import type { Net } from "../kernel/net.js";
import { NotifierChain, NOTIFY_DONE } from "../kernel/notifier.js";
import { EEXIST, EINVAL, KernelError } from "../kernel/errno.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import {
  IFF_BROADCAST, IFF_LOOPBACK, IFF_UP, NETDEV_CHANGEADDR, NETDEV_CHANGEMTU, NETDEV_CHANGENAME, NETDEV_DOWN,
  NETDEV_NOTIFY_PEERS, NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_UP,
} from "../netdevice/constants.js";
import { INADDR_LOOPBACK, inetMakeMask, ipv4IsLoopback } from "../wire/addr.js";
import type { NetdevNotifierInfo } from "../netdevice/dev.js";
import { inetAddrHash, ipv4Net, type NetnsIpv4 } from "./netns.js";
import type { InputRoutes } from "./route.js";
import { NeighParms } from "../neigh/neighbour.js";
import { arpGet, arpIfdown, arpSendGratuitous } from "../neigh/arp.js";


/** ifa_flags (IFA_F_*). */
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;

/** IPV4_DEVCONF_* indices (include/uapi/linux/ip.h), 1-based as in the uapi. */
export const IPV4_DEVCONF_FORWARDING = 1;
export const IPV4_DEVCONF_MC_FORWARDING = 2;
export const IPV4_DEVCONF_PROXY_ARP = 3;
export const IPV4_DEVCONF_ACCEPT_REDIRECTS = 4;
export const IPV4_DEVCONF_SECURE_REDIRECTS = 5;
export const IPV4_DEVCONF_SEND_REDIRECTS = 6;
export const IPV4_DEVCONF_SHARED_MEDIA = 7;
export const IPV4_DEVCONF_RP_FILTER = 8;
export const IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE = 9;
export const IPV4_DEVCONF_BOOTP_RELAY = 10;
export const IPV4_DEVCONF_LOG_MARTIANS = 11;
export const IPV4_DEVCONF_TAG = 12;
export const IPV4_DEVCONF_ARPFILTER = 13;
export const IPV4_DEVCONF_MEDIUM_ID = 14;
export const IPV4_DEVCONF_NOXFRM = 15;
export const IPV4_DEVCONF_NOPOLICY = 16;
export const IPV4_DEVCONF_FORCE_IGMP_VERSION = 17;
export const IPV4_DEVCONF_ARP_ANNOUNCE = 18;
export const IPV4_DEVCONF_ARP_IGNORE = 19;
export const IPV4_DEVCONF_PROMOTE_SECONDARIES = 20;
export const IPV4_DEVCONF_ARP_ACCEPT = 21;
export const IPV4_DEVCONF_ARP_NOTIFY = 22;
export const IPV4_DEVCONF_ACCEPT_LOCAL = 23;
export const IPV4_DEVCONF_SRC_VMARK = 24;
export const IPV4_DEVCONF_PROXY_ARP_PVLAN = 25;
export const IPV4_DEVCONF_ROUTE_LOCALNET = 26;
export const IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL = 27;
export const IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL = 28;
export const IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN = 29;
export const IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST = 30;
export const IPV4_DEVCONF_DROP_GRATUITOUS_ARP = 31;
export const IPV4_DEVCONF_BC_FORWARDING = 32;
export const IPV4_DEVCONF_ARP_EVICT_NOCARRIER = 33;
export const IPV4_DEVCONF_MAX = 33;

/** The sysctl name of each devconf entry, as /proc/sys/net/ipv4/conf/DEV/ lists them. */
export const DEVCONF_NAMES: ReadonlyMap<string, number> = new Map<string, number>([
  ["forwarding", IPV4_DEVCONF_FORWARDING],
  ["mc_forwarding", IPV4_DEVCONF_MC_FORWARDING],
  ["accept_redirects", IPV4_DEVCONF_ACCEPT_REDIRECTS],
  ["secure_redirects", IPV4_DEVCONF_SECURE_REDIRECTS],
  ["shared_media", IPV4_DEVCONF_SHARED_MEDIA],
  ["rp_filter", IPV4_DEVCONF_RP_FILTER],
  ["send_redirects", IPV4_DEVCONF_SEND_REDIRECTS],
  ["accept_source_route", IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE],
  ["accept_local", IPV4_DEVCONF_ACCEPT_LOCAL],
  ["src_valid_mark", IPV4_DEVCONF_SRC_VMARK],
  ["proxy_arp", IPV4_DEVCONF_PROXY_ARP],
  ["medium_id", IPV4_DEVCONF_MEDIUM_ID],
  ["bootp_relay", IPV4_DEVCONF_BOOTP_RELAY],
  ["log_martians", IPV4_DEVCONF_LOG_MARTIANS],
  ["tag", IPV4_DEVCONF_TAG],
  ["arp_filter", IPV4_DEVCONF_ARPFILTER],
  ["arp_announce", IPV4_DEVCONF_ARP_ANNOUNCE],
  ["arp_ignore", IPV4_DEVCONF_ARP_IGNORE],
  ["arp_accept", IPV4_DEVCONF_ARP_ACCEPT],
  ["arp_notify", IPV4_DEVCONF_ARP_NOTIFY],
  ["arp_evict_nocarrier", IPV4_DEVCONF_ARP_EVICT_NOCARRIER],
  ["proxy_arp_pvlan", IPV4_DEVCONF_PROXY_ARP_PVLAN],
  ["force_igmp_version", IPV4_DEVCONF_FORCE_IGMP_VERSION],
  ["igmpv2_unsolicited_report_interval", IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL],
  ["igmpv3_unsolicited_report_interval", IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL],
  ["ignore_routes_with_linkdown", IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN],
  ["drop_gratuitous_arp", IPV4_DEVCONF_DROP_GRATUITOUS_ARP],
  ["bc_forwarding", IPV4_DEVCONF_BC_FORWARDING],
  ["disable_xfrm", IPV4_DEVCONF_NOXFRM],
  ["disable_policy", IPV4_DEVCONF_NOPOLICY],
  ["promote_secondaries", IPV4_DEVCONF_PROMOTE_SECONDARIES],
  ["route_localnet", IPV4_DEVCONF_ROUTE_LOCALNET],
  ["drop_unicast_in_l2_multicast", IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST],
]);

/** ipv4_devconf: compiled defaults of conf/all. */
export function devconfAllDefaults(): Int32Array {
  const c = new Int32Array(IPV4_DEVCONF_MAX + 1);
  c[IPV4_DEVCONF_ACCEPT_REDIRECTS] = 1;
  c[IPV4_DEVCONF_SEND_REDIRECTS] = 1;
  c[IPV4_DEVCONF_SECURE_REDIRECTS] = 1;
  c[IPV4_DEVCONF_SHARED_MEDIA] = 1;
  c[IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL] = 10000;
  c[IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL] = 1000;
  c[IPV4_DEVCONF_ARP_EVICT_NOCARRIER] = 1;
  return c;
}

/** ipv4_devconf_dflt: compiled defaults of conf/default (and so of new devices). */
export function devconfDefaultDefaults(): Int32Array {
  const c = devconfAllDefaults();
  c[IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE] = 1;
  return c;
}

/** An IPv4 address on a device (struct in_ifaddr). */
export class InIfaddr {
  /** ifa_local: the address itself. */
  local = 0;
  /** ifa_address: the peer on point-to-point links, else equal to local. */
  address = 0;
  mask = 0;
  prefixLen = 0;
  broadcast = 0;
  label = "";
  scope = 0;
  flags = 0;
  rtPriority = 0;
  inDev: InDevice;
  /** Next address in the same bucket of the namespace hash (inet_addr_lst). */
  hnext: InIfaddr | null = null;

  constructor(inDev: InDevice) {
    this.inDev = inDev;
  }
}

/** Shared by every in_device without addresses or groups (both lists are copy-on-write). */
const NO_IFA: readonly InIfaddr[] = Object.freeze([]);
const NO_GROUPS: readonly number[] = Object.freeze([]);

/**
 * Per-device IPv4 state (struct in_device). Kept small, as every registered device has one:
 * `cnf` is the namespace's conf/default array itself until the device's own conf is first
 * written (then a copy, with `cnfSet` marking the entries written), and `arpParms` is null while
 * the device uses the ARP table's default parameters. Both give what Linux's copy-on-register
 * plus devinet_copy_dflt_conf / neigh_copy_dflt_parms give: defaults reach every entry not set.
 */
export class InDevice {
  readonly dev: NetDevice;
  /** Primaries first (ordered by scope), then secondaries: ifa_list. Replaced, never mutated. */
  ifaList: readonly InIfaddr[] = NO_IFA;
  /** IPV4_DEVCONF values, index 1..IPV4_DEVCONF_MAX: read freely, write with inDevConfSet. */
  cnf: Int32Array;
  /** Entries written explicitly (cnf.state), or null while `cnf` is still conf/default. */
  cnfSet: Uint8Array | null = null;
  /** The device's own neigh_parms, or null while it uses the ARP table's (see inDevArpParms). */
  arpParms: NeighParms | null = null;
  dead = false;
  /** Multicast groups joined (ip_mc_list): 224.0.0.1 while up. Replaced, never mutated. */
  mcList: readonly number[] = NO_GROUPS;
  /** Input dsts kept for packets received here (route.ts), made on first use. */
  routes: InputRoutes | null = null;

  constructor(dev: NetDevice) {
    this.dev = dev;
    this.cnf = ipv4Net(dev.net).devconfDflt;
  }
}

/** IN_DEV_CONF_SET / ipv4_devconf_set(): writes one entry of the device's own conf. */
export function inDevConfSet(idev: InDevice, i: number, value: number): void {
  if (idev.cnfSet === null) {
    idev.cnf = idev.cnf.slice();
    idev.cnfSet = new Uint8Array(IPV4_DEVCONF_MAX + 1);
  }
  idev.cnf[i] = value;
  idev.cnfSet[i] = 1;
}

/** The device's ARP parameters (in_dev->arp_parms). */
export function inDevArpParms(idev: InDevice): NeighParms {
  return idev.arpParms ?? arpGet(idev.dev.net).parms;
}

/**
 * The device's own ARP parameters, cloned from the table's on first use (neigh_parms_alloc): for
 * a write to net.ipv4.neigh.DEV.*. Entries already on the device follow them from now on.
 */
export function inDevOwnArpParms(idev: InDevice): NeighParms {
  if (idev.arpParms !== null) return idev.arpParms;
  const tbl = arpGet(idev.dev.net);
  const parms = tbl.parmsAlloc(idev.dev);
  idev.arpParms = parms;
  for (const n of tbl.all) if (n.dev === idev.dev && n.parms === tbl.parms) n.parms = parms;
  return parms;
}

/** __in_dev_get_rcu(): the device's in_device, or null when IPv4 is off on it. */
export function inDevGet(dev: NetDevice): InDevice | null {
  return dev.ipPtr as InDevice | null;
}

/** conf/all of the device's namespace (an in_device never moves: a device that does gets a new one). */
function devconfAll(idev: InDevice): Int32Array {
  return ipv4Net(idev.dev.net).devconfAll;
}

/** IN_DEV_CONF_GET. */
export function inDevConf(idev: InDevice, i: number): number {
  return idev.cnf[i]!;
}

/** IN_DEV_ORCONF: set on the device or in conf/all. */
export function inDevOrConf(idev: InDevice, i: number): number {
  return devconfAll(idev)[i]! || idev.cnf[i]!;
}

/** IN_DEV_MAXCONF: the larger of conf/all and the device. */
export function inDevMaxConf(idev: InDevice, i: number): number {
  const a = devconfAll(idev)[i]!;
  const d = idev.cnf[i]!;
  return a > d ? a : d;
}

/** IN_DEV_ANDCONF: set on both. */
export function inDevAndConf(idev: InDevice, i: number): number {
  return devconfAll(idev)[i]! && idev.cnf[i]!;
}

/** IN_DEV_FORWARD. */
export function inDevForward(idev: InDevice): boolean {
  return idev.cnf[IPV4_DEVCONF_FORWARDING]! !== 0;
}

/** IN_DEV_RPFILTER: max(all, dev). */
export function inDevRpFilter(idev: InDevice): number {
  return inDevMaxConf(idev, IPV4_DEVCONF_RP_FILTER);
}

/** inet_ifa_match(). */
export function inetIfaMatch(addr: number, ifa: InIfaddr): boolean {
  return ((addr ^ ifa.address) & ifa.mask) === 0;
}

/** inetdev_valid_mtu(): IPv4 needs an MTU of at least 68. */
export function inetdevValidMtu(mtu: number): boolean {
  return mtu >= 68;
}

/** What the FIB (and anyone else) hears about addresses: NETDEV_UP on add, NETDEV_DOWN on delete. */
export const inetaddrChain: NotifierChain<InIfaddr> = new NotifierChain<InIfaddr>();

// ---------------------------------------------------------------------------------------------
// The namespace's address hash (inet_addr_lst)

function hashInsert(net: Net, ifa: InIfaddr): void {
  const buckets = ipv4Net(net).addrHash;
  const i = inetAddrHash(ifa.local);
  ifa.hnext = buckets[i]!;
  buckets[i] = ifa;
}

function hashRemove(net: Net, ifa: InIfaddr): void {
  const buckets = ipv4Net(net).addrHash;
  const i = inetAddrHash(ifa.local);
  let p: InIfaddr | null = buckets[i]!;
  if (p === ifa) {
    buckets[i] = ifa.hnext;
  } else {
    while (p !== null && p.hnext !== ifa) p = p.hnext;
    if (p !== null) p.hnext = ifa.hnext;
  }
  ifa.hnext = null;
}

/** inet_lookup_ifaddr_rcu(): an address of the namespace equal to `addr`, or null. */
export function inetLookupIfaddr(net: Net, addr: number): InIfaddr | null {
  const key = addr | 0;
  for (let ifa: InIfaddr | null = ipv4Net(net).addrHash[inetAddrHash(key)]!; ifa !== null; ifa = ifa.hnext) {
    if ((ifa.local | 0) === key) return ifa;
  }
  return null;
}

/** __ip_dev_find(): the device that owns `addr`, or null. */
export function ipDevFind(net: Net, addr: number): NetDevice | null {
  const ifa = inetLookupIfaddr(net, addr);
  return ifa === null ? null : ifa.inDev.dev;
}

// ---------------------------------------------------------------------------------------------
// Creation and destruction (inetdev_init, inetdev_destroy)

/** inetdev_init(): gives the device its in_device, following conf/default. */
export function inetdevInit(dev: NetDevice): InDevice {
  const idev = new InDevice(dev);
  dev.ipPtr = idev;
  if (dev.flags & IFF_UP) ipMcUp(idev);
  return idev;
}

/** inetdev_destroy(): deletes every address, then IPv4 state, then the ARP entries. */
export function inetdevDestroy(idev: InDevice): void {
  const dev = idev.dev;
  idev.dead = true;
  idev.mcList = NO_GROUPS;
  while (idev.ifaList.length > 0) inetDelIfa(idev, idev.ifaList[0]!, false);
  dev.ipPtr = null;
  if (idev.arpParms !== null) arpGet(dev.net).parmsRelease(idev.arpParms);
  arpIfdown(dev);
}

function ipMcUp(idev: InDevice): void {
  // Every IPv4 interface that is up belongs to the all-hosts group (ip_mc_up / igmp).
  if (!idev.mcList.includes(0xe0000001)) idev.mcList = [...idev.mcList, 0xe0000001];
}

// ---------------------------------------------------------------------------------------------
// Inserting and deleting addresses

/**
 * __inet_insert_ifa(): links an address into its device's list (a second address of the same
 * subnet becomes secondary), hashes it, and announces NETDEV_UP on the inetaddr chain.
 * EEXIST when the same address and mask are there; EINVAL for a scope mismatch in a subnet.
 */
export function inetInsertIfa(ifa: InIfaddr): void {
  const idev = ifa.inDev;
  if (ifa.local === 0) return;
  ifa.flags &= ~IFA_F_SECONDARY;
  let lastPrimary = 0;
  const list = idev.ifaList;
  for (let i = 0; i < list.length; i++) {
    const ifa1 = list[i]!;
    if (!(ifa1.flags & IFA_F_SECONDARY) && ifa.scope <= ifa1.scope) lastPrimary = i + 1;
    if (ifa1.mask === ifa.mask && inetIfaMatch(ifa1.address, ifa)) {
      if (ifa1.local === ifa.local) throw new KernelError(EEXIST);
      if (ifa1.scope !== ifa.scope) throw new KernelError(EINVAL, "ipv4: Invalid scope value");
      ifa.flags |= IFA_F_SECONDARY;
    }
  }
  const at = ifa.flags & IFA_F_SECONDARY ? list.length : lastPrimary;
  idev.ifaList = [...list.slice(0, at), ifa, ...list.slice(at)];
  hashInsert(idev.dev.net, ifa);
  ipv4Net(idev.dev.net).addrGenBump();
  inetaddrChain.call(NETDEV_UP, ifa);
  if (idev.dev.flags & IFF_UP && inDevMaxConf(idev, IPV4_DEVCONF_ARP_NOTIFY)) arpSendGratuitous(idev.dev, ifa.local);
}

/**
 * __inet_del_ifa(): unlinks an address. Deleting a primary deletes its secondaries, unless
 * promote_secondaries is set, in which case the first secondary becomes primary. `destroy`
 * says whether the caller is done with the object (the ioctls reuse it).
 */
export function inetDelIfa(idev: InDevice, ifa1: InIfaddr, _destroy = true): void {
  const net = idev.dev.net;
  const doPromote = inDevOrConf(idev, IPV4_DEVCONF_PROMOTE_SECONDARIES) !== 0;
  let promote: InIfaddr | null = null;
  if (!(ifa1.flags & IFA_F_SECONDARY)) {
    for (const ifa of idev.ifaList) {
      if (!(ifa.flags & IFA_F_SECONDARY) || ifa.mask !== ifa1.mask || !inetIfaMatch(ifa1.address, ifa)) continue;
      if (!doPromote) {
        removeFromList(idev, ifa);
        hashRemove(net, ifa);
        inetaddrChain.call(NETDEV_DOWN, ifa);
      } else if (promote === null) {
        promote = ifa;
      }
    }
  }
  removeFromList(idev, ifa1);
  hashRemove(net, ifa1);
  ipv4Net(net).addrGenBump();
  inetaddrChain.call(NETDEV_DOWN, ifa1);
  if (promote !== null) {
    promote.flags &= ~IFA_F_SECONDARY;
    // The promoted address moves to the end of the primaries and its routes come back.
    removeFromList(idev, promote);
    let at = 0;
    while (at < idev.ifaList.length && !(idev.ifaList[at]!.flags & IFA_F_SECONDARY)) at++;
    idev.ifaList = [...idev.ifaList.slice(0, at), promote, ...idev.ifaList.slice(at)];
    inetaddrChain.call(NETDEV_UP, promote);
    for (const ifa of idev.ifaList) {
      if (ifa !== promote && ifa.flags & IFA_F_SECONDARY && ifa.mask === promote.mask && inetIfaMatch(ifa.address, promote)) {
        inetaddrChain.call(NETDEV_UP, ifa);
      }
    }
  }
}

function removeFromList(idev: InDevice, ifa: InIfaddr): void {
  idev.ifaList = idev.ifaList.filter((x) => x !== ifa);
}

/** inet_ifa_byprefix(): the primary address of a subnet on the device. */
export function inetIfaByprefix(idev: InDevice, prefix: number, mask: number): InIfaddr | null {
  for (const ifa of idev.ifaList) if (ifa.mask === mask && inetIfaMatch(prefix, ifa)) return ifa;
  return null;
}

/** A fresh address for `idev` with defaults as inet_rtm_newaddr fills them. */
export function inetAllocIfa(idev: InDevice): InIfaddr {
  return new InIfaddr(idev);
}

/** Fills an address's mask fields from a prefix length. */
export function ifaSetPrefix(ifa: InIfaddr, prefixLen: number): void {
  ifa.prefixLen = prefixLen;
  ifa.mask = inetMakeMask(prefixLen);
}

// ---------------------------------------------------------------------------------------------
// Source address selection

/**
 * inet_select_addr(): a primary address of `dev` with scope at most `scope`, preferably on the
 * subnet of `dst`; else the first suitable address of any device (loopback first).
 */
export function inetSelectAddr(dev: NetDevice, dst: number, scope: number): number {
  let addr = 0;
  const idev = inDevGet(dev);
  if (idev !== null) {
    const localnetScope = inDevOrConf(idev, IPV4_DEVCONF_ROUTE_LOCALNET) ? 253 : 254;
    for (const ifa of idev.ifaList) {
      if (ifa.flags & IFA_F_SECONDARY) continue;
      if (Math.min(ifa.scope, localnetScope) > scope) continue;
      if (dst === 0 || inetIfaMatch(dst, ifa)) return ifa.local;
      if (addr === 0) addr = ifa.local;
    }
    if (addr !== 0) return addr;
  }
  for (const d of dev.net.devList()) {
    const id = inDevGet(d);
    if (id === null) continue;
    addr = inDevSelectAddr(id, scope);
    if (addr !== 0) return addr;
  }
  return 0;
}

function inDevSelectAddr(idev: InDevice, scope: number): number {
  const localnetScope = inDevOrConf(idev, IPV4_DEVCONF_ROUTE_LOCALNET) ? 253 : 254;
  for (const ifa of idev.ifaList) {
    if (Math.min(ifa.scope, localnetScope) > scope) continue;
    if (!(ifa.flags & IFA_F_SECONDARY) && ifa.scope !== 253) return ifa.local;
  }
  return 0;
}

/**
 * inet_confirm_addr(): is `local` (0: any) an address of `dev` (or of any device when null)
 * on the subnet of `dst` (0: any) within `scope`? Used by arp_ignore and arp_announce.
 */
export function inetConfirmAddr(net: Net, idev: InDevice | null, dst: number, local: number, scope: number): number {
  const devs = idev !== null ? [idev] : net.devList().map(inDevGet).filter((x): x is InDevice => x !== null);
  for (const id of devs) {
    const addr = confirmAddrIndev(id, dst, local, scope);
    if (addr !== 0) return addr;
  }
  return 0;
}

function confirmAddrIndev(idev: InDevice, dst: number, local: number, scope: number): number {
  const localnetScope = inDevOrConf(idev, IPV4_DEVCONF_ROUTE_LOCALNET) ? 253 : 254;
  let addr = 0;
  let same = false;
  for (const ifa of idev.ifaList) {
    const minScope = Math.min(ifa.scope, localnetScope);
    if (addr === 0 && (local === ifa.local || local === 0) && minScope <= scope) {
      addr = ifa.local;
      if (same) break;
    }
    if (!same) {
      same = (local === 0 || inetIfaMatch(local, ifa)) && (dst === 0 || inetIfaMatch(dst, ifa));
      if (same && addr !== 0) {
        if (local !== 0 || dst === 0) break;
        // Is the selected address on dst's subnet? Else can this one be used?
        if (inetIfaMatch(addr, ifa)) break;
        if (minScope <= scope) {
          addr = ifa.local;
          break;
        }
        same = false;
      }
    }
  }
  return same ? addr : 0;
}

// ---------------------------------------------------------------------------------------------
// inetdev_event: the netdevice notifier

/** inetdev_event(). */
export function inetdevEvent(event: number, info: NetdevNotifierInfo): number {
  const dev = info.dev;
  let idev = inDevGet(dev);
  if (idev === null) {
    if (event === NETDEV_REGISTER) {
      if (inetdevValidMtu(dev.mtu) || dev.flags & IFF_LOOPBACK) {
        idev = inetdevInit(dev);
        if (dev.flags & IFF_LOOPBACK) {
          inDevConfSet(idev, IPV4_DEVCONF_NOXFRM, 1);
          inDevConfSet(idev, IPV4_DEVCONF_NOPOLICY, 1);
        }
      }
    } else if (event === NETDEV_CHANGEMTU && inetdevValidMtu(dev.mtu)) {
      inetdevInit(dev);
    }
    return NOTIFY_DONE;
  }
  switch (event) {
    case NETDEV_UP: {
      if (!inetdevValidMtu(dev.mtu)) break;
      if (dev.flags & IFF_LOOPBACK) {
        const ifa = new InIfaddr(idev);
        ifa.local = ifa.address = INADDR_LOOPBACK;
        ifaSetPrefix(ifa, 8);
        ifa.scope = 254;
        ifa.label = dev.name;
        ifa.flags = IFA_F_PERMANENT;
        try {
          inetInsertIfa(ifa);
        } catch {
          // already there from an earlier up
        }
      }
      ipMcUp(idev);
      if (inDevMaxConf(idev, IPV4_DEVCONF_ARP_NOTIFY)) for (const ifa of idev.ifaList) arpSendGratuitous(dev, ifa.local);
      break;
    }
    case NETDEV_CHANGEADDR:
    case NETDEV_NOTIFY_PEERS:
      if (event === NETDEV_NOTIFY_PEERS || inDevMaxConf(idev, IPV4_DEVCONF_ARP_NOTIFY)) {
        for (const ifa of idev.ifaList) arpSendGratuitous(dev, ifa.local);
      }
      break;
    case NETDEV_DOWN:
      idev.mcList = NO_GROUPS;
      break;
    case NETDEV_CHANGEMTU:
      if (inetdevValidMtu(dev.mtu)) break;
      inetdevDestroy(idev);
      break;
    case NETDEV_UNREGISTER:
      inetdevDestroy(idev);
      break;
    case NETDEV_CHANGENAME:
      inetdevChangename(dev, idev);
      break;
  }
  return NOTIFY_DONE;
}

/** inetdev_changename(): labels follow the device name, keeping their ":alias" suffix. */
function inetdevChangename(dev: NetDevice, idev: InDevice): void {
  let named = 0;
  for (const ifa of idev.ifaList) {
    const colon = ifa.label.indexOf(":");
    const suffix = colon >= 0 ? ifa.label.slice(colon) : named++ === 0 ? "" : `:${named - 1}`;
    ifa.label = (dev.name + suffix).slice(0, 15);
  }
}

/** Does `addr` belong to a loopback-only range that needs route_localnet on this device? */
export function needsLocalnet(addr: number): boolean {
  return ipv4IsLoopback(addr);
}

/** IFF_BROADCAST devices get a broadcast address on ioctl-configured addresses. */
export function devHasBroadcast(dev: NetDevice): boolean {
  return (dev.flags & IFF_BROADCAST) !== 0;
}
