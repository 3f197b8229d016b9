// The AF_INET socket common part (struct inet_sock): addresses, ports, cached route, TTL/TOS,
// PMTU discovery mode, and the IP output helper datagram protocols share (ip_make_skb +
// ip_send_skb for one fragmentable datagram).
import type { Net } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { capable, CAP_NET_BIND_SERVICE } from "../kernel/cred.js";
import { EACCES, EADDRNOTAVAIL, EINVAL, EMSGSIZE, ENETUNREACH, ENODEV, ENOPROTOOPT, KernelError } from "../kernel/errno.js";
import { allocSkb, type SkBuff } from "../netdevice/skbuff.js";
import { ipv4IsMulticast } from "../wire/addr.js";
import { IP_DF } from "../wire/ipv4.js";
import { Flowi4, inetAddrType, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST } from "../route/fib.js";
import { ipRouteOutputFlow, dstMtu, Rtable, RTCF_BROADCAST } from "../ipv4/route.js";
import { ipv4Net, IPSTATS_MIB_OUTNOROUTES, type NetnsIpv4 } from "../ipv4/netns.js";
import {
  IP_LL_RESERVE, IP_PMTUDISC_DO, IP_PMTUDISC_DONT, IP_PMTUDISC_OMIT, IP_PMTUDISC_PROBE, IP_PMTUDISC_WANT, ipLocalOut,
  ipSelectIdent, ipWriteHeaderView,
} from "../ipv4/ip_output.js";
import { AF_INET, Sock, SO_EE_ORIGIN_LOCAL } from "./sock.js";

/** setsockopt levels and options vnet supports (a subset of SOL_SOCKET / SOL_IP). */
export const SOL_SOCKET = 1;
export const SOL_IP = 0;
export const SO_REUSEADDR = 2;
export const SO_BROADCAST = 6;
export const SO_RCVBUF = 8;
export const SO_PRIORITY = 12;
export const SO_BINDTODEVICE = 25;
export const SO_MARK = 36;
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_RECVERR = 11;
export const IP_MTU_DISCOVER = 10;
export const IP_MULTICAST_TTL = 33;

/** A socket of the IPv4 family (struct inet_sock). */
export class InetSock extends Sock {
  /** inet_rcv_saddr: the bound address (0: any). */
  rcvSaddr = 0;
  /** inet_saddr: the source address used for sending. */
  saddr = 0;
  /** inet_num / inet_sport: the local port (or ping identifier). */
  num = 0;
  /** inet_daddr / inet_dport when connected. */
  daddr = 0;
  dport = 0;
  connected = false;
  /** SO_REUSEADDR, SO_BROADCAST. */
  reuse = false;
  broadcast = false;
  /** IP_TTL (-1: net.ipv4.ip_default_ttl), IP_MULTICAST_TTL, IP_TOS. */
  ttl = -1;
  mcTtl = 1;
  tos = 0;
  /** IP_MTU_DISCOVER. */
  pmtudisc: number = IP_PMTUDISC_WANT;
  /** inet_id: the IP ID counter of a connected socket. */
  inetId = 0;
  /** sk_dst_cache. */
  dst: Rtable | null = null;
  protected readonly fl: Flowi4 = new Flowi4();
  /** The namespace's IPv4 state (counters, sysctls). */
  readonly ns: NetnsIpv4;

  constructor(net: Net, cred: Cred, type: number, protocol: number) {
    super(net, cred, AF_INET, type, protocol);
    this.ns = ipv4Net(net);
    if (this.ns.ipNoPmtuDisc) this.pmtudisc = IP_PMTUDISC_DONT;
  }

  /** The TTL of unicast (or multicast) packets. */
  ttlFor(daddr: number): number {
    if (ipv4IsMulticast(daddr)) return this.mcTtl;
    return this.ttl >= 0 ? this.ttl : this.ns.ipDefaultTtl;
  }

  /** setsockopt() for the options every inet socket has. */
  setsockopt(level: number, name: number, value: number | string): void {
    this.checkOpen();
    const n = typeof value === "number" ? value : Number.NaN;
    if (level === SOL_SOCKET) {
      switch (name) {
        case SO_REUSEADDR:
          this.reuse = n !== 0;
          return;
        case SO_BROADCAST:
          this.broadcast = n !== 0;
          return;
        case SO_RCVBUF:
          if (!Number.isFinite(n)) throw new KernelError(EINVAL);
          this.rcvbuf = Math.max(2304, Math.min(2 * n, 2 * 212992));
          return;
        case SO_PRIORITY:
          this.priority = n | 0;
          return;
        case SO_MARK:
          this.mark = n >>> 0;
          return;
        case SO_BINDTODEVICE: {
          if (value === "" || value === 0) {
            this.boundDevIf = 0;
            return;
          }
          const dev = typeof value === "string" ? this.net.devices.get(value) : this.net.devicesByIndex.get(n);
          if (dev === undefined) throw new KernelError(ENODEV);
          this.boundDevIf = dev.ifindex;
          this.dst = null;
          return;
        }
      }
    } else if (level === SOL_IP) {
      switch (name) {
        case IP_TTL:
          if (n !== -1 && (n < 1 || n > 255)) throw new KernelError(EINVAL);
          this.ttl = n;
          return;
        case IP_MULTICAST_TTL:
          if (n < 0 || n > 255) throw new KernelError(EINVAL);
          this.mcTtl = n;
          return;
        case IP_TOS:
          this.tos = n & 0xff;
          return;
        case IP_RECVERR:
          this.recverr = n !== 0;
          if (!this.recverr) this.errQueue.length = 0;
          return;
        case IP_MTU_DISCOVER:
          if (n < IP_PMTUDISC_DONT || n > IP_PMTUDISC_OMIT) throw new KernelError(EINVAL);
          this.pmtudisc = n;
          return;
      }
    }
    throw new KernelError(ENOPROTOOPT);
  }

  /** The bound device's ifindex, for route lookups. */
  protected oif(): number {
    return this.boundDevIf;
  }

  /**
   * Checks an address to bind (inet_bind): local, any, broadcast or multicast; and a privileged
   * port needs CAP_NET_BIND_SERVICE. Throws EADDRNOTAVAIL / EACCES.
   */
  protected checkBindAddr(addr: number, port: number): void {
    const ns = ipv4Net(this.net);
    const type = inetAddrType(this.net, addr);
    if (addr !== 0 && !ns.ipNonlocalBind && type !== RTN_LOCAL && type !== RTN_MULTICAST && type !== RTN_BROADCAST) {
      throw new KernelError(EADDRNOTAVAIL);
    }
    if (port !== 0 && port < ns.ipUnprivilegedPortStart && !capable(this.cred, CAP_NET_BIND_SERVICE)) throw new KernelError(EACCES);
  }

  /**
   * The route to (daddr, dport): the cached one when connected and still valid, else a fresh
   * lookup (cached again when connected). Throws ENETUNREACH & co (counting OutNoRoutes), and
   * EACCES for a broadcast without SO_BROADCAST.
   */
  protected routeTo(daddr: number, dport: number, useCache: boolean): Rtable {
    return useCache ? this.routeConnected() : this.routeLookup(daddr, dport, false);
  }

  /**
   * routeTo for the connected peer (this.daddr, this.dport). The address is read here rather than
   * passed: one at or above 128.0.0.0 is not a small integer, and would be boxed at every call.
   */
  protected routeConnected(): Rtable {
    const cached = this.dst;
    if (cached !== null && !cached.dead && cached.genid === cached.fib.genid) {
      const fl = this.fl;
      fl.saddr = this.saddr;
      fl.daddr = this.daddr;
      return cached;
    }
    return this.routeLookup(this.daddr, this.dport, true);
  }

  /** routeTo without a valid cached route: a lookup (kept apart so routeTo stays small). */
  private routeLookup(daddr: number, dport: number, useCache: boolean): Rtable {
    const fl = this.fl.reset();
    fl.daddr = daddr;
    fl.saddr = this.saddr;
    fl.oif = this.oif();
    fl.tos = this.tos & 0xfc;
    fl.proto = this.protocol;
    fl.sport = this.num;
    fl.dport = dport;
    fl.mark = this.mark;
    fl.uid = this.cred.uid;
    const rt = ipRouteOutputFlow(this.net, fl);
    if (typeof rt === "number") {
      if (rt === -ENETUNREACH) ipv4Net(this.net).ipMib[IPSTATS_MIB_OUTNOROUTES]!++;
      throw new KernelError(-rt);
    }
    if (rt.flags & RTCF_BROADCAST && !this.broadcast) throw new KernelError(EACCES);
    if (useCache) {
      this.dst = rt;
      if (this.saddr === 0) this.saddr = fl.saddr;
    }
    return rt;
  }

  /**
   * Builds and sends one datagram on the flow routeTo just routed (its saddr and daddr): IP
   * header (TTL, TOS, ID, DF as ip_make_skb decides) in front of the `transportLen` bytes at the
   * transport header. Oversized datagrams go out fragmented unless IP_PMTUDISC_DO/PROBE
   * (EMSGSIZE). Returns ip_local_out's result.
   */
  protected ipSend(rt: Rtable, transportLen: number, skb: SkBuff): number {
    // The addresses as int32: only their bits are used below, and an int32 stays a small integer
    // across the calls where an address at or above 128.0.0.0 would be boxed.
    const fl = this.fl;
    const saddr = fl.saddr | 0;
    const daddr = fl.daddr | 0;
    const mtu = dstMtu(rt);
    const totLen = 20 + transportLen;
    const pmtu = this.pmtudisc;
    if (totLen > 0xffff || ((pmtu === IP_PMTUDISC_DO || pmtu === IP_PMTUDISC_PROBE) && totLen > mtu)) this.sendTooBig(totLen, fl.daddr, mtu);
    let df = 0;
    if (pmtu === IP_PMTUDISC_DO || pmtu === IP_PMTUDISC_PROBE || (totLen <= mtu && pmtu === IP_PMTUDISC_WANT && !rt.mtuLocked)) df = IP_DF;
    let id: number;
    if (this.connected && this.daddr !== 0) {
      id = this.inetId & 0xffff;
      this.inetId = (this.inetId + 1) & 0xffff;
    } else {
      id = df !== 0 ? 0 : ipSelectIdent(this.net, daddr, saddr, this.protocol);
    }
    ipWriteHeaderView(skb.view, skb.networkHeader, this.tos, totLen, id, df, this.ttlFor(daddr), this.protocol, saddr, daddr);
    skb.dst = rt;
    skb.dev = rt.dev;
    skb.priority = this.priority;
    skb.mark = this.mark;
    return ipLocalOut(this.net, skb);
  }

  /** The datagram cannot go: EMSGSIZE (queued too with IP_RECVERR for a PMTU refusal). Throws. */
  private sendTooBig(totLen: number, daddr: number, mtu: number): never {
    if (totLen <= 0xffff) this.localError(EMSGSIZE, daddr, this.dport, mtu);
    throw new KernelError(EMSGSIZE);
  }

  /** Allocates an skb with room for link and IP headers; networkHeader set, transport ready at +20. */
  protected allocTx(transportLen: number): SkBuff {
    // A fresh buffer holds the whole request (allocSkb's contract): reserve and put by hand.
    const skb = allocSkb(IP_LL_RESERVE + 20 + transportLen);
    skb.data = IP_LL_RESERVE;
    skb.networkHeader = IP_LL_RESERVE;
    skb.transportHeader = IP_LL_RESERVE + 20;
    skb.tail = IP_LL_RESERVE + 20 + transportLen;
    return skb;
  }

  /** ip_local_error(): a local EMSGSIZE goes on the error queue with IP_RECVERR. */
  protected localError(errno: number, daddr: number, port: number, info: number): void {
    if (!this.recverr) return;
    this.queueError({
      errno, origin: SO_EE_ORIGIN_LOCAL, type: 0, code: 0, info, offender: 0, addr: daddr, port,
      tstamp: this.net.kernel.scheduler.now, payload: new Uint8Array(0),
    });
  }
}

