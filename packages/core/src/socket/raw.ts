// Raw IPv4 sockets (net/ipv4/raw.c): socket(AF_INET, SOCK_RAW, protocol), CAP_NET_RAW only.
// They receive a copy of every packet of their protocol (IP header included), optionally
// filtered by ICMP type, and send datagrams with a kernel-built header or their own (IP_HDRINCL).
import type { Net } from "../kernel/net.js";
import { NetGenericKey } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { capable, CAP_NET_RAW } from "../kernel/cred.js";
import { EAGAIN, EDESTADDRREQ, EINVAL, EMSGSIZE, EPERM, EPROTONOSUPPORT, KernelError } from "../kernel/errno.js";
import { kfreeSkb, type SkBuff } from "../netdevice/skbuff.js";
import { dropSkb } from "../netdevice/dev.js";
import { readIpv4, writeIpv4 } from "../wire/addr.js";
import { IPPROTO_ICMP } from "../wire/ipv4.js";
import { ipv4Net, IPSTATS_MIB_OUTDISCARDS } from "../ipv4/netns.js";
import { inetSocketHooks } from "../ipv4/protocol.js";
import { ipLocalOut, ipSelectIdent, ipSendCheck } from "../ipv4/ip_output.js";
import { SOCK_RAW, SockAddrIn } from "./sock.js";
import { InetSock, IP_HDRINCL, SOL_IP } from "./inet.js";
import { icmpErrConvert, icmpExtendedErr } from "./udp.js";

/** IPPROTO_RAW: sending only, with the caller's header. */
export const IPPROTO_RAW = 255;
/** SOL_RAW / ICMP_FILTER. */
export const SOL_RAW = 255;
export const ICMP_FILTER = 1;

const RAW_KEY: NetGenericKey<Set<RawSocket>> = new NetGenericKey<Set<RawSocket>>("raw", () => new Set());
/** Open raw sockets in every namespace: none (the usual case) lets delivery skip the lookup. */
let rawOpen = 0;

/** A raw IPv4 socket. */
export class RawSocket extends InetSock {
  /** IP_HDRINCL. */
  hdrincl: boolean;
  /** ICMP_FILTER: bit t set drops ICMP type t. */
  icmpFilter = 0;

  constructor(net: Net, cred: Cred, protocol: number) {
    super(net, cred, SOCK_RAW, protocol);
    this.num = protocol;
    this.hdrincl = protocol === IPPROTO_RAW;
    net.gen(RAW_KEY).add(this);
    rawOpen++;
  }

  /** bind(): a local (or broadcast/multicast) address to receive on and send from. */
  bind(addr: number): void {
    this.checkOpen();
    this.checkBindAddr(addr >>> 0, 0);
    this.rcvSaddr = addr >>> 0;
    this.saddr = addr >>> 0;
  }

  /** connect(): only packets from `addr`; send() goes there. */
  connect(addr: number): void {
    this.checkOpen();
    this.daddr = addr >>> 0;
    this.connected = true;
  }

  override setsockopt(level: number, name: number, value: number | string): void {
    if (level === SOL_IP && name === IP_HDRINCL) {
      this.hdrincl = value !== 0;
      return;
    }
    if (level === SOL_RAW && name === ICMP_FILTER) {
      if (this.protocol !== IPPROTO_ICMP) throw new KernelError(EINVAL);
      this.icmpFilter = Number(value) >>> 0;
      return;
    }
    super.setsockopt(level, name, value);
  }

  /**
   * sendto(): `data` is the payload (the kernel adds the header), or with IP_HDRINCL the whole
   * packet (the kernel fills tot_len, the checksum, and id/saddr when 0).
   */
  sendto(data: Uint8Array, addr: number | null): number {
    this.checkOpen();
    let daddr: number;
    if (addr === null) {
      if (!this.connected) throw new KernelError(EDESTADDRREQ);
      daddr = this.daddr;
    } else {
      daddr = addr >>> 0;
    }
    if (data.length > 0xffff - (this.hdrincl ? 0 : 20)) throw new KernelError(EMSGSIZE);
    this.throwPendingError();
    const rt = this.routeTo(daddr, 0, false);
    const saddr = this.fl.saddr;
    if (!this.hdrincl) {
      const skb = this.allocTx(data.length);
      skb.head.set(data, skb.transportHeader);
      this.ipSend(rt, data.length, skb);
      return data.length;
    }
    if (data.length < 20) throw new KernelError(EINVAL);
    const skb = this.allocTx(data.length - 20);
    const h = skb.head;
    const nh = skb.networkHeader;
    h.set(data, nh);
    const ihl = (h[nh]! & 15) * 4;
    if (ihl < 20 || ihl > data.length) {
      kfreeSkb(skb);
      throw new KernelError(EINVAL);
    }
    h[nh + 2] = data.length >>> 8;
    h[nh + 3] = data.length;
    if (readIpv4(h, nh + 12) === 0) writeIpv4(h, nh + 12, saddr);
    if (h[nh + 4] === 0 && h[nh + 5] === 0) {
      const id = ipSelectIdent(this.net, daddr, saddr, h[nh + 9]!);
      h[nh + 4] = id >>> 8;
      h[nh + 5] = id;
    }
    ipSendCheck(h, nh);
    skb.transportHeader = nh + ihl;
    skb.dst = rt;
    skb.dev = rt.dev;
    if (ipLocalOut(this.net, skb) < 0) ipv4Net(this.net).ipMib[IPSTATS_MIB_OUTDISCARDS]!++;
    return data.length;
  }

  /** recvfrom(): the next packet, IP header included; -EAGAIN when none. */
  recvfrom(buf: Uint8Array, from: SockAddrIn | null = null): number {
    this.checkOpen();
    this.throwPendingError();
    const skb = this.dequeueRcv();
    if (skb === null) return -EAGAIN;
    const h = skb.head;
    const nh = skb.networkHeader;
    const len = skb.tail - nh;
    const n = Math.min(len, buf.length);
    buf.set(h.subarray(nh, nh + n));
    if (from !== null) {
      from.addr = readIpv4(h, nh + 12);
      from.port = 0;
    }
    kfreeSkb(skb);
    return n;
  }

  /** The next packet (IP header included), or null. */
  recv(): Uint8Array | null {
    this.checkOpen();
    this.throwPendingError();
    const skb = this.dequeueRcv();
    if (skb === null) return null;
    const out = skb.head.slice(skb.networkHeader, skb.tail);
    kfreeSkb(skb);
    return out;
  }

  override close(): void {
    if (this.closed) return;
    if (this.net.gen(RAW_KEY).delete(this)) rawOpen--;
    super.close();
  }
}

/** Closes every raw socket of a namespace that is going away. */
export function rawNetExit(net: Net): void {
  if (!net.hasGen(RAW_KEY)) return;
  for (const sk of [...net.gen(RAW_KEY)]) sk.close();
}

/** socket(AF_INET, SOCK_RAW, protocol): EPERM without CAP_NET_RAW. */
export function rawSocket(net: Net, cred: Cred, protocol: number): RawSocket {
  if (!capable(cred, CAP_NET_RAW)) throw new KernelError(EPERM);
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) throw new KernelError(EPROTONOSUPPORT);
  return new RawSocket(net, cred, protocol);
}

function rawMatch(sk: RawSocket, protocol: number, raddr: number, laddr: number, dif: number): boolean {
  return (
    sk.num === protocol &&
    !(sk.daddr !== 0 && sk.daddr !== raddr) &&
    !(sk.rcvSaddr !== 0 && sk.rcvSaddr !== laddr) &&
    (sk.boundDevIf === 0 || sk.boundDevIf === dif)
  );
}

/** raw_local_deliver(): a copy to each matching raw socket; true if any matched. */
function rawDeliver(skb: SkBuff, protocol: number): boolean {
  return rawOpen !== 0 && rawDeliverNet(skb, protocol);
}

function rawDeliverNet(skb: SkBuff, protocol: number): boolean {
  const net = skb.dev!.net;
  if (!net.hasGen(RAW_KEY)) return false;
  const set = net.gen(RAW_KEY);
  if (set.size === 0) return false;
  const h = skb.head;
  const nh = skb.networkHeader;
  const saddr = readIpv4(h, nh + 12);
  const daddr = readIpv4(h, nh + 16);
  let delivered = false;
  for (const sk of set) {
    if (!rawMatch(sk, protocol, saddr, daddr, skb.iif)) continue;
    delivered = true;
    if (protocol === IPPROTO_ICMP && skb.tail > skb.transportHeader) {
      const type = h[skb.transportHeader]!;
      if (type < 32 && (sk.icmpFilter >>> type) & 1) continue;
    }
    const copy = skb.copy();
    if (!sk.queueRcv(copy)) dropSkb(copy, "SOCKET_RCVBUFF");
  }
  return delivered;
}

/** raw_icmp_error(): raw sockets of the quoted protocol hear about errors for their packets. */
function rawIcmpError(skb: SkBuff, protocol: number, info: number): void {
  if (rawOpen === 0) return;
  const net = skb.dev!.net;
  if (!net.hasGen(RAW_KEY)) return;
  const h = skb.head;
  const q = skb.data;
  const raddr = readIpv4(h, q + 16);
  const laddr = readIpv4(h, q + 12);
  const ic = skb.transportHeader;
  for (const sk of net.gen(RAW_KEY)) {
    if (!rawMatch(sk, protocol, raddr, laddr, skb.iif)) continue;
    if (!sk.recverr && !sk.connected) continue;
    const conv = icmpErrConvert(h[ic]!, h[ic + 1]!, sk.pmtudisc);
    if (conv === null) continue;
    const [err, hard] = conv;
    if (sk.recverr) sk.queueError(icmpExtendedErr(skb, err, 0, info, sk.hdrincl ? q : q + (h[q]! & 15) * 4));
    if (sk.recverr || hard) sk.setError(err);
  }
}

let registered = false;

/** raw_init(): hooks raw delivery into IPv4 input. */
export function rawInit(): void {
  if (registered) return;
  registered = true;
  inetSocketHooks.rawDeliver = rawDeliver;
  inetSocketHooks.rawIcmpError = rawIcmpError;
}

