// UDP (net/ipv4/udp.c): port table per namespace, bind/autobind/connect, udp_sendmsg with the
// connected-socket dst cache, __udp4_lib_rcv with lookup scoring and broadcast/multicast
// delivery, and __udp4_lib_err turning ICMP errors into socket errors.
import type { Net } from "../kernel/net.js";
import { NetGenericKey } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import {
  EADDRINUSE, EAFNOSUPPORT, EAGAIN, ECONNREFUSED, EDESTADDRREQ, EHOSTDOWN, EHOSTUNREACH, EINVAL, EMSGSIZE, ENETUNREACH,
  ENOBUFS, ENOPROTOOPT, ENOTCONN, EOPNOTSUPP, KernelError,
} from "../kernel/errno.js";
import { consumeSkb, copyView, kfreeSkb, type SkBuff } from "../netdevice/skbuff.js";
import { dropSkb, type DropReason } from "../netdevice/dev.js";
import { CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY, NETIF_F_CSUM_MASK, PACKET_HOST } from "../netdevice/constants.js";
import { copyBytes } from "../ipv4/csum.js";
import { readIpv4 } from "../wire/addr.js";
import { csumFold, csumPartialView, csumTcpudpNofold } from "../wire/checksum.js";
import { IPPROTO_UDP } from "../wire/ipv4.js";
import {
  ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_PARAMETERPROB, ICMP_PORT_UNREACH, ICMP_REDIRECT, ICMP_SOURCE_QUENCH,
} from "../wire/icmp.js";
import {
  ICMP_MIB_INERRORS, ipv4Net, UDP_MIB_CSUMERRORS, UDP_MIB_IGNOREDMULTI, UDP_MIB_INDATAGRAMS, UDP_MIB_INERRORS,
  UDP_MIB_NOPORTS, UDP_MIB_OUTDATAGRAMS, UDP_MIB_RCVBUFERRORS, UDP_MIB_SNDBUFERRORS,
} from "../ipv4/netns.js";
import { dstMtu, Rtable, RTCF_BROADCAST, RTCF_MULTICAST, rtCacheValid, skbRtable } from "../ipv4/route.js";
import { icmpSend } from "../ipv4/icmp.js";
import { inetAddProtocol } from "../ipv4/protocol.js";
import { ENONET, EPROTO } from "../kernel/errno.js";
import { IP_PMTUDISC_DONT } from "../ipv4/ip_output.js";
import { SOCK_DGRAM, SO_EE_ORIGIN_ICMP, SockAddrIn, type SockExtendedErr } from "./sock.js";
import { InetSock } from "./inet.js";

/** icmp_err_convert[]: errno and whether it is fatal ("hard") per destination-unreachable code. */
export const ICMP_ERR_CONVERT: ReadonlyArray<readonly [errno: number, fatal: boolean]> = [
  [ENETUNREACH, false], [EHOSTUNREACH, false], [ENOPROTOOPT, true], [ECONNREFUSED, true], [EMSGSIZE, false],
  [EOPNOTSUPP, false], [ENETUNREACH, true], [EHOSTDOWN, true], [ENONET, true], [ENETUNREACH, true], [EHOSTUNREACH, true],
  [ENETUNREACH, false], [EHOSTUNREACH, false], [EHOSTUNREACH, true], [EHOSTUNREACH, true], [EHOSTUNREACH, true],
];

/** Largest UDP payload over IPv4: 65535 - 20 - 8. */
export const UDP_MAX_PAYLOAD = 65507;

/** Slots of a namespace's UDP table (a power of two, as UDP_HTABLE_SIZE_MIN). */
const UDP_HTABLE_SIZE = 256;
const UDP_HTABLE_MASK = UDP_HTABLE_SIZE - 1;

/**
 * The UDP sockets of a namespace, hashed by local port (udp_table): slot `port & mask` holds the
 * sockets of every port that falls there, in bind order. A lookup is an array index and a short
 * scan, no Map. Slots are replaced, not edited, when a socket leaves, so a delivery walking one
 * is not disturbed by a socket closing under it.
 */
export class UdpTable {
  readonly slots: (UdpSocket[] | null)[] = new Array<UdpSocket[] | null>(UDP_HTABLE_SIZE).fill(null);

  /** Every socket of the table. */
  all(): UdpSocket[] {
    const out: UdpSocket[] = [];
    for (const slot of this.slots) if (slot !== null) out.push(...slot);
    return out;
  }
}

const UDP_KEY: NetGenericKey<UdpTable> = new NetGenericKey<UdpTable>("udp", () => new UdpTable());

/** The namespace's UDP port table. */
export function udpTable(net: Net): UdpTable {
  return net.gen(UDP_KEY);
}

/** A received datagram as `recv()` returns it. */
export interface UdpDatagramInfo {
  data: Uint8Array;
  addr: number;
  port: number;
  /** The local address it was sent to. */
  local: number;
  ttl: number;
  /** Kernel time of reception, ns. */
  tstamp: number;
  ifindex: number;
}

/**
 * A zero-copy receive callback: the payload is `buf[off, off + len)`, a view of the packet
 * buffer valid only during the call; `from` is reused between calls.
 */
export type UdpMessageHandler = (sk: UdpSocket, buf: Uint8Array, off: number, len: number, from: SockAddrIn) => void;

/** A UDP socket (SOCK_DGRAM, IPPROTO_UDP). */
export class UdpSocket extends InetSock {
  /** sk_rx_dst: the input route of the peer's packets, for early demux. */
  rxDst: Rtable | null = null;
  /**
   * When set, datagrams are handed to it as they arrive (counted as read: InDatagrams) instead
   * of being queued for recvfrom: no copy, no receive-buffer limit.
   */
  onMessage: UdpMessageHandler | null = null;
  private readonly msgFrom: SockAddrIn = new SockAddrIn();
  /** The buffer recvfrom last filled and a DataView of it; the array last sent and its view. */
  private userBuf: Uint8Array | null = null;
  private userView: DataView | null = null;
  private txData: Uint8Array | null = null;
  private txView: DataView | null = null;

  /** Delivers a datagram (skb.data at the UDP header) to onMessage and frees it. */
  deliver(skb: SkBuff): void {
    const h = skb.head;
    const u = skb.data;
    const from = this.msgFrom;
    from.addr = skb.view.getUint32(skb.networkHeader + 12);
    from.port = (h[u]! << 8) | h[u + 1]!;
    this.ns.udpMib[UDP_MIB_INDATAGRAMS]!++;
    this.onMessage!(this, h, u + 8, skb.tail - u - 8, from);
    kfreeSkb(skb);
  }

  constructor(net: Net, cred: Cred) {
    super(net, cred, SOCK_DGRAM, IPPROTO_UDP);
  }

  /** bind(): `port` 0 picks an ephemeral port. EADDRINUSE, EADDRNOTAVAIL, EACCES, EINVAL (bound). */
  bind(addr = 0, port = 0): void {
    this.checkOpen();
    if (this.num !== 0) throw new KernelError(EINVAL);
    addr >>>= 0;
    this.checkBindAddr(addr, port);
    this.rcvSaddr = addr;
    this.saddr = addr;
    if (!udpGetPort(this, port)) {
      this.rcvSaddr = 0;
      this.saddr = 0;
      throw new KernelError(EADDRINUSE);
    }
  }

  /** inet_autobind(): an ephemeral port before the first send/connect. EAGAIN when none is free. */
  private autobind(): void {
    if (this.num === 0 && !udpGetPort(this, 0)) throw new KernelError(EAGAIN);
  }

  /**
   * connect(): fixes the peer, picks the source address by routing and caches the route.
   * EACCES for a broadcast peer without SO_BROADCAST, ENETUNREACH when unroutable.
   */
  connect(addr: number, port: number): void {
    this.checkOpen();
    this.autobind();
    this.dst = null;
    const rt = this.routeTo(addr >>> 0, port, false);
    const fl = this.fl;
    if (this.saddr === 0) this.saddr = fl.saddr;
    if (this.rcvSaddr === 0) this.rcvSaddr = fl.saddr;
    this.daddr = fl.daddr;
    this.dport = port;
    this.connected = true;
    this.inetId = this.net.kernel.prng.below(0x10000);
    this.dst = rt;
  }

  /** connect(AF_UNSPEC): forgets the peer (udp_disconnect). */
  disconnect(): void {
    this.checkOpen();
    this.rxDst = null;
    this.connected = false;
    this.daddr = 0;
    this.dport = 0;
    this.dst = null;
  }

  /** sendto(): one datagram of `data[off, off+len)` to (addr, port). Returns the bytes sent. */
  sendto(data: Uint8Array, addr: number, port: number, off = 0, len: number = data.length - off): number {
    this.checkOpen();
    if (port <= 0 || port > 0xffff) throw new KernelError(EINVAL);
    return this.sendmsg(data, off, len, addr >>> 0, port, false);
  }

  /** send() on a connected socket. EDESTADDRREQ when not connected. */
  send(data: Uint8Array, off = 0, len: number = data.length - off): number {
    this.checkOpen();
    if (!this.connected) throw new KernelError(EDESTADDRREQ);
    return this.sendmsg(data, off, len, 0, 0, true);
  }

  /** udp_sendmsg(): to (addr, port), or to the connected peer. */
  private sendmsg(data: Uint8Array, off: number, len: number, addr: number, port: number, connected: boolean): number {
    if (len > UDP_MAX_PAYLOAD || len < 0) throw new KernelError(EMSGSIZE);
    this.autobind();
    this.throwPendingError();
    const rt = connected ? this.routeConnected() : this.routeTo(addr, port, false);
    const dport = connected ? this.dport : port;
    const saddr = this.fl.saddr;
    const daddr = this.fl.daddr;
    const ulen = 8 + len;
    const skb = this.allocTx(ulen);
    const u = skb.transportHeader;
    const v = skb.view;
    v.setUint32(u, ((this.num & 0xffff) << 16) | (dport & 0xffff));
    if (len > 0) {
      const dv = this.txViewOf(data);
      if (dv !== null) copyView(skb.head, v, u + 8, data, dv, off, len);
      else copyBytes(skb.head, u + 8, data, off, len);
    }
    if (rt.dev.features & NETIF_F_CSUM_MASK && 20 + ulen <= dstMtu(rt)) {
      // The device completes the checksum (udp4_hwcsum with CHECKSUM_PARTIAL), as veth does: the
      // field holds the folded pseudo-header sum, not complemented.
      let p = (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff) + IPPROTO_UDP + ulen;
      p = (p & 0xffff) + (p >>> 16);
      p = (p & 0xffff) + (p >>> 16);
      v.setUint32(u + 4, (ulen << 16) | p);
      skb.ipSummed = CHECKSUM_PARTIAL;
    } else {
      v.setUint32(u + 4, ulen << 16);
      udpSoftwareChecksum(skb, u, ulen, saddr, daddr);
    }
    const ret = this.ipSend(rt, ulen, skb);
    const mib = this.ns.udpMib;
    if (ret === -ENOBUFS && !this.recverr) mib[UDP_MIB_SNDBUFERRORS]!++;
    else mib[UDP_MIB_OUTDATAGRAMS]!++;
    return len;
  }

  /**
   * recvfrom(): copies the next datagram's payload into `buf` (truncating), fills `from`, and
   * returns its length; -EAGAIN when nothing is queued. A pending error is thrown first.
   */
  recvfrom(buf: Uint8Array, from: SockAddrIn | null = null): number {
    this.checkOpen();
    this.throwPendingError();
    const skb = this.dequeueRcv();
    if (skb === null) return -EAGAIN;
    this.ns.udpMib[UDP_MIB_INDATAGRAMS]!++;
    const h = skb.head;
    const u = skb.data;
    const plen = skb.tail - u - 8;
    const n = plen < buf.length ? plen : buf.length;
    if (n > 0) {
      const dv = this.viewOf(buf);
      if (dv !== null) copyView(buf, dv, 0, h, skb.view, u + 8, n);
      else copyBytes(buf, 0, h, u + 8, n);
    }
    if (from !== null) {
      from.addr = skb.view.getUint32(skb.networkHeader + 12);
      from.port = skb.view.getUint16(u);
    }
    kfreeSkb(skb);
    return n;
  }

  /**
   * A DataView of the array the caller sends, made the second time in a row the same array
   * comes (then kept): null the first time, so a caller with a fresh array per datagram costs
   * no view at all.
   */
  private txViewOf(data: Uint8Array): DataView | null {
    if (this.txData !== data) {
      this.txData = data;
      this.txView = null;
      return null;
    }
    return (this.txView ??= new DataView(data.buffer, data.byteOffset, data.byteLength));
  }

  /** The same for the buffer recvfrom fills. */
  private viewOf(buf: Uint8Array): DataView | null {
    if (this.userBuf !== buf) {
      this.userBuf = buf;
      this.userView = null;
      return null;
    }
    return (this.userView ??= new DataView(buf.buffer, buf.byteOffset, buf.byteLength));
  }

  /** recv(): the next datagram with its addresses, or null. Allocates: not for hot loops. */
  recv(): UdpDatagramInfo | null {
    this.checkOpen();
    this.throwPendingError();
    const skb = this.dequeueRcv();
    if (skb === null) return null;
    ipv4Net(this.net).udpMib[UDP_MIB_INDATAGRAMS]!++;
    const h = skb.head;
    const u = skb.data;
    const nh = skb.networkHeader;
    const info: UdpDatagramInfo = {
      data: h.slice(u + 8, skb.tail),
      addr: readIpv4(h, nh + 12),
      port: (h[u]! << 8) | h[u + 1]!,
      local: readIpv4(h, nh + 16),
      ttl: h[nh + 8]!,
      tstamp: skb.tstamp,
      ifindex: skb.iif,
    };
    kfreeSkb(skb);
    return info;
  }

  /** getsockname(). */
  getsockname(): { addr: number; port: number } {
    return { addr: this.rcvSaddr, port: this.num };
  }

  /** getpeername(): ENOTCONN unless connected. */
  getpeername(): { addr: number; port: number } {
    if (!this.connected) throw new KernelError(ENOTCONN);
    return { addr: this.daddr, port: this.dport };
  }

  override close(): void {
    if (this.closed) return;
    udpUnhash(this);
    super.close();
    this.dst = null;
  }
}

/** Closes every UDP socket of a namespace that is going away. */
export function udpNetExit(net: Net): void {
  if (!net.hasGen(UDP_KEY)) return;
  for (const sk of udpTable(net).all()) sk.close();
}

/** udp4_hwcsum's software twin: the datagram's checksum, its field zero until now. */
function udpSoftwareChecksum(skb: SkBuff, u: number, ulen: number, saddr: number, daddr: number): void {
  const c = csumFold(csumTcpudpNofold(saddr, daddr, ulen, IPPROTO_UDP, csumPartialView(skb.view, u, ulen, 0)));
  skb.view.setUint16(u + 6, c === 0 ? 0xffff : c);
}

/** socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP) in `net`. */
export function udpSocket(net: Net, cred: Cred): UdpSocket {
  return new UdpSocket(net, cred);
}

/** Is another socket using (addr, port) in a way that conflicts? (udp_lib_lport_inuse) */
function lportInuse(tbl: UdpTable, port: number, sk: UdpSocket): boolean {
  const slot = tbl.slots[port & UDP_HTABLE_MASK]!;
  if (slot === null) return false;
  for (const sk2 of slot) {
    if (sk2 === sk || sk2.num !== port) continue;
    if (sk2.reuse && sk.reuse) continue;
    if (sk2.boundDevIf !== 0 && sk.boundDevIf !== 0 && sk2.boundDevIf !== sk.boundDevIf) continue;
    if (sk2.rcvSaddr === 0 || sk.rcvSaddr === 0 || sk2.rcvSaddr === sk.rcvSaddr) return true;
  }
  return false;
}

/** udp_lib_get_port(): a given port if free, else (0) a free one from a random start in ip_local_port_range. */
function udpGetPort(sk: UdpSocket, port: number): boolean {
  const tbl = udpTable(sk.net);
  if (port === 0) {
    const ns = ipv4Net(sk.net);
    const low = ns.ipLocalPortLow;
    const high = ns.ipLocalPortHigh;
    const remaining = high - low + 1;
    const start = sk.net.kernel.prng.below(remaining);
    for (let i = 0; i < remaining; i++) {
      const p = low + ((start + i) % remaining);
      if (!lportInuse(tbl, p, sk)) {
        hash(tbl, sk, p);
        return true;
      }
    }
    return false;
  }
  if (lportInuse(tbl, port, sk)) return false;
  hash(tbl, sk, port);
  return true;
}

function hash(tbl: UdpTable, sk: UdpSocket, port: number): void {
  sk.num = port;
  const i = port & UDP_HTABLE_MASK;
  const slot = tbl.slots[i]!;
  tbl.slots[i] = slot === null ? [sk] : [...slot, sk];
}

function udpUnhash(sk: UdpSocket): void {
  if (sk.num === 0) return;
  const tbl = udpTable(sk.net);
  const i = sk.num & UDP_HTABLE_MASK;
  const slot = tbl.slots[i]!;
  if (slot !== null) {
    const rest = slot.filter((s) => s !== sk);
    tbl.slots[i] = rest.length === 0 ? null : rest;
  }
  sk.num = 0;
}

/**
 * __udp4_lib_lookup(): the best socket for a datagram (saddr:sport -> daddr:dport arriving on
 * dif). An exact local address beats a wildcard; each matching connected peer or bound device
 * scores as compute_score does.
 */
export function udpLookup(net: Net, saddr: number, sport: number, daddr: number, dport: number, dif: number): UdpSocket | null {
  const list = udpTable(net).slots[dport & UDP_HTABLE_MASK]!;
  if (list === null) return null;
  let best: UdpSocket | null = null;
  let bestScore = -1;
  for (let i = 0; i < list.length; i++) {
    const sk = list[i]!;
    if (sk.num !== dport) continue;
    let score: number;
    if (sk.rcvSaddr === daddr) score = 16;
    else if (sk.rcvSaddr === 0) score = 0;
    else continue;
    score += 2;
    if (sk.connected) {
      if (sk.daddr !== saddr) continue;
      score += 4;
      if (sk.dport !== sport) continue;
      score += 4;
    }
    if (sk.boundDevIf !== 0) {
      if (sk.boundDevIf !== dif) continue;
      score += 4;
    }
    if (score > bestScore) {
      best = sk;
      bestScore = score;
    }
  }
  return best;
}

/** __udp4_lib_rcv(): the IPPROTO_UDP handler; skb.data at the UDP header. */
function udpRcv(skb: SkBuff): void {
  const rt = skbRtable(skb)!;
  const v = skb.view;
  const u = skb.data;
  const avail = skb.tail - u;
  const ulen = avail < 8 ? 0 : v.getUint16(u + 4);
  if (ulen > avail || ulen < 8) {
    udpRcvDrop(skb, rt, -1, "PKT_TOO_SMALL");
    return;
  }
  skb.tail = u + ulen;
  // The addresses are read where they are used: a socket early demux found needs neither.
  const nh = skb.networkHeader;
  const summed = skb.ipSummed;
  if (v.getUint16(u + 6) !== 0 && summed !== CHECKSUM_UNNECESSARY && summed !== CHECKSUM_PARTIAL) {
    if (csumFold(csumTcpudpNofold(v.getUint32(nh + 12), v.getUint32(nh + 16), ulen, IPPROTO_UDP, csumPartialView(v, u, ulen, 0))) !== 0) {
      udpRcvDrop(skb, rt, UDP_MIB_CSUMERRORS, "UDP_CSUM");
      return;
    }
    skb.ipSummed = CHECKSUM_UNNECESSARY;
  }
  const ports = v.getUint32(u);
  const sport = ports >>> 16;
  const dport = ports & 0xffff;
  if (rt.flags & (RTCF_BROADCAST | RTCF_MULTICAST)) {
    udpMcastDeliver(rt.net, skb, v.getUint32(nh + 12), sport, v.getUint32(nh + 16), dport);
    return;
  }
  // A socket early demux found (skb.sk) is used directly; a connected one caches the input route.
  const stolen = skb.sk;
  const sk = stolen instanceof UdpSocket && !stolen.closed
    ? stolen
    : udpLookup(rt.net, v.getUint32(nh + 12), sport, v.getUint32(nh + 16), dport, skb.iif);
  if (sk === null) {
    udpNoPort(skb, rt);
    return;
  }
  if (sk.connected && sk.rxDst !== rt) sk.rxDst = rt;
  if (sk.onMessage !== null && sk.err === 0) {
    sk.deliver(skb);
    return;
  }
  if (!sk.queueRcv(skb)) udpRcvDrop(skb, rt, UDP_MIB_RCVBUFERRORS, "SOCKET_RCVBUFF");
}

/** A datagram udpRcv refuses: InErrors (and `counter` when >= 0), then dropped for `reason`. */
function udpRcvDrop(skb: SkBuff, rt: Rtable, counter: number, reason: DropReason): void {
  const mib = ipv4Net(rt.net).udpMib;
  if (counter >= 0) mib[counter]!++;
  mib[UDP_MIB_INERRORS]!++;
  dropSkb(skb, reason);
}

/** No socket: NoPorts and a port unreachable. */
function udpNoPort(skb: SkBuff, rt: Rtable): void {
  ipv4Net(rt.net).udpMib[UDP_MIB_NOPORTS]!++;
  icmpSend(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
  dropSkb(skb, "NO_SOCKET");
}

/** __udp4_lib_mcast_deliver(): a copy to every matching socket; none means IgnoredMulti. */
function udpMcastDeliver(net: Net, skb: SkBuff, saddr: number, sport: number, daddr: number, dport: number): void {
  const mib = ipv4Net(net).udpMib;
  const list = udpTable(net).slots[dport & UDP_HTABLE_MASK]!;
  const targets: UdpSocket[] = [];
  if (list !== null) {
    for (const sk of list) {
      if (sk.num !== dport) continue;
      if (sk.rcvSaddr !== 0 && sk.rcvSaddr !== daddr) continue;
      if (sk.connected && (sk.daddr !== saddr || sk.dport !== sport)) continue;
      if (sk.boundDevIf !== 0 && sk.boundDevIf !== skb.iif) continue;
      targets.push(sk);
    }
  }
  if (targets.length === 0) {
    mib[UDP_MIB_IGNOREDMULTI]!++;
    consumeSkb(skb);
    return;
  }
  for (let i = 0; i < targets.length; i++) {
    const one = i === targets.length - 1 ? skb : skb.copy();
    if (!targets[i]!.queueRcv(one)) {
      mib[UDP_MIB_RCVBUFERRORS]!++;
      mib[UDP_MIB_INERRORS]!++;
      dropSkb(one, "SOCKET_RCVBUFF");
    }
  }
}

/** icmp_err_convert for one ICMP error: [errno, hard], or null when the error is ignored. */
export function icmpErrConvert(type: number, code: number, pmtudisc: number): [number, boolean] | null {
  switch (type) {
    case ICMP_SOURCE_QUENCH:
    case ICMP_REDIRECT:
      return null;
    case ICMP_PARAMETERPROB:
      return [EPROTO, true];
    case ICMP_DEST_UNREACH: {
      if (code === ICMP_FRAG_NEEDED) return pmtudisc !== IP_PMTUDISC_DONT ? [EMSGSIZE, true] : null;
      if (code <= 15) {
        const c = ICMP_ERR_CONVERT[code]!;
        return [c[0], c[1]];
      }
      return [EHOSTUNREACH, false];
    }
    default:
      return [EHOSTUNREACH, false];
  }
}

/** Builds the error-queue entry for an ICMP error quoting one of our packets (ip_icmp_error). */
export function icmpExtendedErr(skb: SkBuff, errno: number, port: number, info: number, payloadOff: number): SockExtendedErr {
  const h = skb.head;
  const ic = skb.transportHeader;
  const q = skb.data;
  return {
    errno,
    origin: SO_EE_ORIGIN_ICMP,
    type: h[ic]!,
    code: h[ic + 1]!,
    info,
    offender: readIpv4(h, skb.networkHeader + 12),
    addr: readIpv4(h, q + 16),
    port,
    tstamp: skb.tstamp,
    payload: h.slice(Math.min(payloadOff, skb.tail), skb.tail),
  };
}

/** __udp4_lib_err(): an ICMP error about a datagram we sent. */
function udpErr(skb: SkBuff, info: number): void {
  const h = skb.head;
  const q = skb.data;
  const ihl = (h[q]! & 15) * 4;
  const uh = q + ihl;
  const net = skb.dev!.net;
  const qsaddr = readIpv4(h, q + 12);
  const qdaddr = readIpv4(h, q + 16);
  const sport = (h[uh]! << 8) | h[uh + 1]!;
  const dport = (h[uh + 2]! << 8) | h[uh + 3]!;
  const sk = udpLookup(net, qdaddr, dport, qsaddr, sport, skb.iif);
  if (sk === null) {
    ipv4Net(net).icmpMib[ICMP_MIB_INERRORS]!++;
    return;
  }
  const ic = skb.transportHeader;
  const conv = icmpErrConvert(h[ic]!, h[ic + 1]!, sk.pmtudisc);
  if (conv === null) return;
  const [err, harderr] = conv;
  if (!sk.recverr) {
    if (!harderr || !sk.connected) return;
  } else {
    sk.queueError(icmpExtendedErr(skb, err, dport, info, uh + 8));
  }
  sk.setError(err);
}

/**
 * udp_v4_early_demux(): a unicast datagram for a connected socket (exact four-tuple) takes the
 * socket and, when still valid, the input route it cached (skipping route input).
 */
function udpEarlyDemux(skb: SkBuff): void {
  if (skb.pktType !== PACKET_HOST) return;
  const h = skb.head;
  const nh = skb.networkHeader;
  const u = nh + (h[nh]! & 15) * 4;
  if (skb.tail - u < 8) return;
  const net = skb.dev!.net;
  if (!ipv4Net(net).udpEarlyDemux) return;
  const v = skb.view;
  const ports = v.getUint32(u);
  const dport = ports & 0xffff;
  const list = udpTable(net).slots[dport & UDP_HTABLE_MASK]!;
  if (list === null) return;
  const saddr = v.getUint32(nh + 12);
  const daddr = v.getUint32(nh + 16);
  const sport = ports >>> 16;
  for (let i = 0; i < list.length; i++) {
    const sk = list[i]!;
    if (sk.num !== dport || !sk.connected || sk.daddr !== saddr || sk.dport !== sport || sk.rcvSaddr !== daddr) continue;
    if (sk.boundDevIf !== 0 && sk.boundDevIf !== skb.dev!.ifindex) continue;
    skb.sk = sk;
    const dst = sk.rxDst;
    if (rtCacheValid(dst)) skb.dst = dst;
    return;
  }
}

let registered = false;

/** udp_init(): registers IPPROTO_UDP with IPv4. */
export function udpInit(): void {
  if (registered) return;
  registered = true;
  inetAddProtocol(IPPROTO_UDP, { handler: udpRcv, errHandler: udpErr, earlyDemux: udpEarlyDemux });
}
