// ICMP echo sockets (net/ipv4/ping.c): socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP). The socket's
// port is the echo identifier; replies with that identifier are queued to it; ICMP errors
// quoting its requests are reported (IP_RECVERR is on by default, as iputils ping sets it).
import type { Net } from "../kernel/net.js";
import { NetGenericKey } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { EADDRINUSE, EAGAIN, EDESTADDRREQ, EINVAL, EMSGSIZE, KernelError } from "../kernel/errno.js";
import { copyView, kfreeSkb, VIEW_COPY_MAX, type SkBuff } from "../netdevice/skbuff.js";
import { dropSkb } from "../netdevice/dev.js";
import { readIpv4 } from "../wire/addr.js";
import { csumFold, csumPartial, csumPartialView } from "../wire/checksum.js";
import { ICMP_ECHO } from "../wire/icmp.js";
import { IPPROTO_ICMP } from "../wire/ipv4.js";
import { ipv4Net, ICMP_MIB_OUTMSGS } from "../ipv4/netns.js";
import { inetSocketHooks } from "../ipv4/protocol.js";
import { copyBytes } from "../ipv4/csum.js";
import { SOCK_DGRAM } from "./sock.js";
import { InetSock } from "./inet.js";
import { icmpErrConvert, icmpExtendedErr } from "./udp.js";

/** Slots of a namespace's ping table (PING_HTABLE_SIZE). */
const PING_HTABLE_SIZE = 64;
const PING_HTABLE_MASK = PING_HTABLE_SIZE - 1;

/**
 * The ping sockets of a namespace, hashed by identifier (ping_table): slot `ident & mask` holds
 * the sockets of every identifier that falls there, in bind order; and the rover for new ones.
 * Slots are replaced, not edited, when a socket leaves.
 */
export class PingTable {
  readonly slots: (PingSocket[] | null)[] = new Array<PingSocket[] | null>(PING_HTABLE_SIZE).fill(null);
  rover = 0;
}

const PING_KEY: NetGenericKey<PingTable> = new NetGenericKey<PingTable>("ping", () => new PingTable());

/** An echo reply as `recv()` returns it, or as `recvEcho` fills it. */
export class EchoReply {
  /** The replying host. */
  from = 0;
  id = 0;
  seq = 0;
  /** TTL of the reply's IP header. */
  ttl = 0;
  /** ICMP message length (header + data). */
  len = 0;
  /** When the request was sent (kernel ns, from the first 8 data bytes), or -1. */
  sentAt = -1;
  /** When the reply arrived (kernel ns). */
  receivedAt = 0;

  /** Round-trip time in milliseconds, or NaN when the request carried no timestamp. */
  get rttMs(): number {
    return this.sentAt < 0 ? Number.NaN : (this.receivedAt - this.sentAt) / 1e6;
  }
}

/** The fill of echo data after the time stamp: byte i is i mod 256, as ping's pattern. */
const PATTERN: Uint8Array = Uint8Array.from({ length: 65536 }, (_, i) => i & 0xff);

const PATTERN_VIEW: DataView = new DataView(PATTERN.buffer, PATTERN.byteOffset, PATTERN.byteLength);

/** The pattern after the time stamp for the last size sent (bytes 8..size) and its partial sum. */
let patternSize = -1;
let patternView: Uint8Array = PATTERN.subarray(0, 0);
let patternSum = 0;

function setPattern(size: number): void {
  patternView = PATTERN.subarray(8, size);
  patternSum = csumPartial(PATTERN, 8, size - 8, 0);
  patternSize = size;
}

/** Default echo data size, as ping's -s 56. */
export const PING_DEFAULT_DATA = 56;

/** An ICMP echo ("ping") socket. */
export class PingSocket extends InetSock {
  constructor(net: Net, cred: Cred) {
    super(net, cred, SOCK_DGRAM, IPPROTO_ICMP);
    this.recverr = true;
  }

  /** The echo identifier (the socket's port); 0 until bound or first send. */
  get ident(): number {
    return this.num;
  }

  /** bind(): an address and an identifier (0: the next free one). */
  bind(addr = 0, ident = 0): void {
    this.checkOpen();
    if (this.num !== 0) throw new KernelError(EINVAL);
    addr >>>= 0;
    this.checkBindAddr(addr, 0);
    this.rcvSaddr = addr;
    this.saddr = addr;
    if (!pingGetPort(this, ident)) {
      this.rcvSaddr = 0;
      this.saddr = 0;
      throw new KernelError(EADDRINUSE);
    }
  }

  /** connect(): a fixed peer for sendEcho without an address. */
  connect(addr: number): void {
    this.checkOpen();
    if (this.num === 0 && !pingGetPort(this, 0)) throw new KernelError(EAGAIN);
    const rt = this.routeTo(addr >>> 0, 0, false);
    if (this.saddr === 0) this.saddr = this.fl.saddr;
    this.daddr = addr >>> 0;
    this.connected = true;
    this.dst = rt;
  }

  /**
   * Sends an echo request with `seq`: data starts with the kernel time (8 bytes, ns) so the
   * reply yields the RTT, then `size - 8` bytes of pattern (or `payload` after the stamp).
   */
  sendEcho(daddr: number | null, seq: number, size: number = PING_DEFAULT_DATA, payload: Uint8Array | null = null): number {
    this.checkOpen();
    if (size < 0 || size > 65507 - 8) throw new KernelError(EMSGSIZE);
    if (daddr === null && !this.connected) throw new KernelError(EDESTADDRREQ);
    if (this.num === 0 && !pingGetPort(this, 0)) throw new KernelError(EAGAIN);
    this.throwPendingError();
    const rt = daddr === null ? this.routeConnected() : this.routeTo(daddr >>> 0, 0, false);
    const len = 8 + size;
    const skb = this.allocTx(len);
    const h = skb.head;
    const v = skb.view;
    const ic = skb.transportHeader;
    v.setUint32(ic, ICMP_ECHO << 24);
    v.setUint32(ic + 4, ((this.num & 0xffff) << 16) | (seq & 0xffff));
    const d = ic + 8;
    let c: number;
    if (size >= 8 && payload === null) {
      // ping's own data: the time stamp, then the pattern, whose bytes and sum are kept for the size.
      const now = this.net.kernel.scheduler.now;
      const hi = Math.floor(now / 0x100000000) >>> 0;
      const lo = now >>> 0;
      v.setUint32(d, hi);
      v.setUint32(d + 4, lo);
      if (patternSize !== size) setPattern(size);
      if (size - 8 <= VIEW_COPY_MAX) copyView(h, v, d + 8, PATTERN, PATTERN_VIEW, 8, size - 8);
      else h.set(patternView, d + 8);
      const num = this.num & 0xffff;
      c = csumFold(
        (ICMP_ECHO << 8) + num + (seq & 0xffff) + (hi >>> 16) + (hi & 0xffff) + (lo >>> 16) + (lo & 0xffff) + patternSum,
      );
    } else {
      if (size >= 8) {
        writeStamp(h, d, this.net.kernel.scheduler.now);
        if (payload !== null) copyBytes(h, d + 8, payload, 0, Math.min(payload.length, size - 8));
        else copyBytes(h, d + 8, PATTERN, 8, size - 8);
      } else {
        copyBytes(h, d, PATTERN, 0, size);
      }
      c = csumFold(csumPartialView(v, ic, len));
    }
    v.setUint16(ic + 2, c);
    const ns = this.ns;
    ns.icmpMsgMib[0x100 + ICMP_ECHO]!++;
    ns.icmpMib[ICMP_MIB_OUTMSGS]!++;
    this.ipSend(rt, len, skb);
    return size;
  }

  /** Fills `out` with the next reply; returns false when none is queued. Throws a pending error. */
  recvEcho(out: EchoReply): boolean {
    this.checkOpen();
    this.throwPendingError();
    const skb = this.dequeueRcv();
    if (skb === null) return false;
    const h = skb.head;
    const ic = skb.data;
    const nh = skb.networkHeader;
    out.from = skb.view.getUint32(nh + 12);
    out.ttl = h[nh + 8]!;
    out.id = (h[ic + 4]! << 8) | h[ic + 5]!;
    out.seq = (h[ic + 6]! << 8) | h[ic + 7]!;
    out.len = skb.tail - ic;
    out.sentAt = out.len >= 16 ? readStamp(h, ic + 8) : -1;
    out.receivedAt = skb.tstamp;
    kfreeSkb(skb);
    return true;
  }

  /** The next reply, or null (allocates). */
  recv(): EchoReply | null {
    const r = new EchoReply();
    return this.recvEcho(r) ? r : null;
  }

  override close(): void {
    if (this.closed) return;
    pingUnhash(this);
    super.close();
  }
}

function writeStamp(h: Uint8Array, at: number, ns: number): void {
  const hi = Math.floor(ns / 0x100000000);
  const lo = ns >>> 0;
  h[at] = hi >>> 24;
  h[at + 1] = hi >>> 16;
  h[at + 2] = hi >>> 8;
  h[at + 3] = hi;
  h[at + 4] = lo >>> 24;
  h[at + 5] = lo >>> 16;
  h[at + 6] = lo >>> 8;
  h[at + 7] = lo;
}

function readStamp(h: Uint8Array, at: number): number {
  return readIpv4(h, at) * 0x100000000 + readIpv4(h, at + 4);
}

/** Closes every ping socket of a namespace that is going away. */
export function pingNetExit(net: Net): void {
  if (!net.hasGen(PING_KEY)) return;
  for (const slot of [...net.gen(PING_KEY).slots]) if (slot !== null) for (const sk of slot) sk.close();
}

/** socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP). */
export function pingSocket(net: Net, cred: Cred): PingSocket {
  return new PingSocket(net, cred);
}

/** ping_get_port(): a given identifier if free, else the next one after the rover (never 0). */
function pingGetPort(sk: PingSocket, ident: number): boolean {
  const tbl = sk.net.gen(PING_KEY);
  if (ident === 0) {
    let r = tbl.rover;
    for (let i = 0; i < 0x10000; i++) {
      r = (r + 1) & 0xffff;
      if (r === 0) continue;
      if (!inUse(tbl, r, sk)) {
        tbl.rover = r;
        pingHash(tbl, sk, r);
        return true;
      }
    }
    return false;
  }
  if (inUse(tbl, ident, sk)) return false;
  pingHash(tbl, sk, ident);
  return true;
}

function inUse(tbl: PingTable, ident: number, sk: PingSocket): boolean {
  const list = tbl.slots[ident & PING_HTABLE_MASK]!;
  if (list === null) return false;
  for (const s of list) {
    if (s.num !== ident) continue;
    if (s.reuse && sk.reuse) continue;
    if (s.rcvSaddr === 0 || sk.rcvSaddr === 0 || s.rcvSaddr === sk.rcvSaddr) return true;
  }
  return false;
}

function pingHash(tbl: PingTable, sk: PingSocket, ident: number): void {
  sk.num = ident;
  const i = ident & PING_HTABLE_MASK;
  const slot = tbl.slots[i]!;
  tbl.slots[i] = slot === null ? [sk] : [...slot, sk];
}

function pingUnhash(sk: PingSocket): void {
  if (sk.num === 0) return;
  const tbl = sk.net.gen(PING_KEY);
  const i = sk.num & PING_HTABLE_MASK;
  const slot = tbl.slots[i]!;
  if (slot !== null) {
    const rest = slot.filter((s) => s !== sk);
    tbl.slots[i] = rest.length === 0 ? null : rest;
  }
  sk.num = 0;
}

/** ping_lookup(): the socket with identifier `ident` that accepts packets to `daddr` on `dif`. */
function pingLookup(net: Net, ident: number, daddr: number, dif: number): PingSocket | null {
  if (!net.hasGen(PING_KEY)) return null;
  const list = net.gen(PING_KEY).slots[ident & PING_HTABLE_MASK]!;
  if (list === null) return null;
  for (let i = 0; i < list.length; i++) {
    const sk = list[i]!;
    if (sk.num !== ident) continue;
    if (sk.rcvSaddr !== 0 && sk.rcvSaddr !== daddr) continue;
    if (sk.boundDevIf !== 0 && sk.boundDevIf !== dif) continue;
    return sk;
  }
  return null;
}

/** ping_rcv(): an echo reply (skb.data at the ICMP header) for one of our sockets. */
function pingRcv(skb: SkBuff): void {
  const h = skb.head;
  const ic = skb.data;
  const net = skb.dev!.net;
  const ident = (h[ic + 4]! << 8) | h[ic + 5]!;
  const sk = pingLookup(net, ident, readIpv4(h, skb.networkHeader + 16), skb.iif);
  if (sk === null || !sk.queueRcv(skb)) dropSkb(skb, "NO_SOCKET");
}

/** ping_err(): an ICMP error quoting one of our echo requests (skb.data at the quoted IP header). */
function pingErr(skb: SkBuff, info: number): void {
  const h = skb.head;
  const q = skb.data;
  const ihl = (h[q]! & 15) * 4;
  const inner = q + ihl;
  const ident = (h[inner + 4]! << 8) | h[inner + 5]!;
  const net = skb.dev!.net;
  const sk = pingLookup(net, ident, readIpv4(h, q + 12), skb.iif);
  if (sk === null) return;
  const ic = skb.transportHeader;
  const conv = icmpErrConvert(h[ic]!, h[ic + 1]!, sk.pmtudisc);
  if (conv === null) return;
  const [err, harderr] = conv;
  if (!sk.recverr) {
    if (!harderr || !sk.connected) return;
  } else {
    sk.queueError(icmpExtendedErr(skb, err, 0, info, inner));
  }
  sk.setError(err);
}

let registered = false;

/** ping_init(): hooks echo replies and errors from IPv4 to ping sockets. */
export function pingInit(): void {
  if (registered) return;
  registered = true;
  inetSocketHooks.pingRcv = pingRcv;
  inetSocketHooks.pingErr = pingErr;
}
