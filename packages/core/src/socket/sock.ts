// What every socket has (struct sock): owner namespace and credentials, a receive queue with a
// byte budget (sk_rcvbuf), the pending error (sk_err) and error queue (IP_RECVERR), and a
// readiness callback instead of blocking: the data path stays synchronous.
import type { Net } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { EBADF, KernelError } from "../kernel/errno.js";
import { SkbQueue, kfreeSkb, type SkBuff } from "../netdevice/skbuff.js";

/** Address families. */
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_PACKET = 17;

/** Socket types. */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;

/** poll(2) events. */
export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;

/** Origins of an extended error (SO_EE_ORIGIN_*). */
export const SO_EE_ORIGIN_NONE = 0;
export const SO_EE_ORIGIN_LOCAL = 1;
export const SO_EE_ORIGIN_ICMP = 2;

/** sysctl_rmem_default / wmem_default. */
export const SK_RMEM_DEFAULT = 212992;

/** A queued error (struct sock_extended_err plus what MSG_ERRQUEUE returns with it). */
export interface SockExtendedErr {
  /** ee_errno, positive. */
  errno: number;
  /** SO_EE_ORIGIN_ICMP or SO_EE_ORIGIN_LOCAL. */
  origin: number;
  /** ICMP type and code (origin ICMP). */
  type: number;
  code: number;
  /** ee_info: the MTU for fragmentation needed, the pointer for parameter problems. */
  info: number;
  /** Who sent the ICMP error (SO_EE_OFFENDER), 0 for local errors. */
  offender: number;
  /** The destination and port of the packet the error is about. */
  addr: number;
  port: number;
  /** Kernel time the error arrived, ns. */
  tstamp: number;
  /** The quoted payload (for ping: the ICMP echo data). */
  payload: Uint8Array;
}

/** An approximation of skb->truesize for receive-buffer accounting. */
export function skbTruesize(skb: SkBuff): number {
  return 576 + ((skb.tail + 63) & ~63);
}

/**
 * The common part of sockets. Subclasses add addressing and their protocol's operations.
 * Readiness is reported by `onReadable` (sk_data_ready) and `onError` (sk_error_report), which
 * run synchronously inside the kernel's processing: keep them short and do not re-enter
 * `kernel.run()` from them.
 */
export class Sock {
  readonly net: Net;
  readonly cred: Cred;
  readonly family: number;
  readonly type: number;
  readonly protocol: number;
  closed = false;
  /** sk_err: a pending asynchronous error (positive errno), reported once by the next call. */
  err = 0;
  /** IP_RECVERR: queue ICMP errors on the error queue. */
  recverr = false;
  readonly errQueue: SockExtendedErr[] = [];
  readonly rcvQueue: SkbQueue = new SkbQueue();
  /** sk_rmem_alloc. */
  rmemAlloc = 0;
  /** SO_RCVBUF. */
  rcvbuf: number = SK_RMEM_DEFAULT;
  /** sk_drops: datagrams dropped because the receive buffer was full. */
  drops = 0;
  /** SO_BINDTODEVICE ifindex, 0 for none. */
  boundDevIf = 0;
  /** SO_MARK, SO_PRIORITY. */
  mark = 0;
  priority = 0;
  /** Called when data is queued (sk_data_ready). */
  onReadable: ((sk: Sock) => void) | null = null;
  /** Called when an error is set or queued (sk_error_report). */
  onError: ((sk: Sock) => void) | null = null;

  constructor(net: Net, cred: Cred, family: number, type: number, protocol: number) {
    this.net = net;
    this.cred = cred;
    this.family = family;
    this.type = type;
    this.protocol = protocol;
  }

  /** Throws EBADF on a closed socket. */
  protected checkOpen(): void {
    if (this.closed) throw new KernelError(EBADF);
  }

  /** sock_error(): takes the pending error, if any (0 otherwise). */
  sockError(): number {
    const e = this.err;
    this.err = 0;
    return e;
  }

  /** Throws the pending error, if any, clearing it. */
  protected throwPendingError(): void {
    if (this.err !== 0) throw new KernelError(this.sockError());
  }

  /** poll(): POLLIN when data is queued, POLLERR with a pending or queued error; POLLOUT always. */
  poll(): number {
    if (this.closed) return POLLNVAL;
    let mask = POLLOUT;
    if (this.rcvQueue.qlen > 0) mask |= POLLIN;
    if (this.err !== 0 || this.errQueue.length > 0) mask |= POLLERR;
    return mask;
  }

  /**
   * MSG_ERRQUEUE: the oldest queued error, or null. As sock_dequeue_err_skb, sk_err then becomes
   * the next queued error's errno (0 when none is left).
   */
  recvErr(): SockExtendedErr | null {
    this.checkOpen();
    const e = this.errQueue.shift();
    if (e === undefined) return null;
    const next = this.errQueue[0];
    this.err = next === undefined ? 0 : next.errno;
    return e;
  }

  /** Datagrams waiting. */
  get queued(): number {
    return this.rcvQueue.qlen;
  }

  /**
   * __sock_queue_rcv_skb(): charges and queues an skb, or refuses it when the receive buffer is
   * full (returns false, the caller counts and frees).
   */
  queueRcv(skb: SkBuff): boolean {
    const size = skbTruesize(skb);
    if (this.rmemAlloc + size > this.rcvbuf && this.rmemAlloc > 0) {
      this.drops++;
      return false;
    }
    this.rmemAlloc += size;
    skb.sk = this;
    this.rcvQueue.enqueue(skb);
    const cb = this.onReadable;
    if (cb !== null) cb(this);
    return true;
  }

  /** Takes the next queued skb, uncharging it; null when empty. */
  dequeueRcv(): SkBuff | null {
    const skb = this.rcvQueue.dequeue();
    if (skb !== null) this.rmemAlloc -= skbTruesize(skb);
    return skb;
  }

  /** Sets sk_err and reports it. */
  setError(errno: number): void {
    this.err = errno;
    const cb = this.onError;
    if (cb !== null) cb(this);
  }

  /** Queues an extended error (and reports it); the queue keeps at most 64 entries. */
  queueError(e: SockExtendedErr): void {
    if (this.errQueue.length >= 64) this.errQueue.shift();
    this.errQueue.push(e);
    const cb = this.onError;
    if (cb !== null) cb(this);
  }

  /** Releases what the socket holds; subclasses unhash first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let skb = this.rcvQueue.dequeue(); skb !== null; skb = this.rcvQueue.dequeue()) kfreeSkb(skb);
    this.rmemAlloc = 0;
    this.errQueue.length = 0;
    this.onReadable = null;
    this.onError = null;
  }
}

/** Where a datagram came from (struct sockaddr_in), filled by recvfrom. Reuse one. */
export class SockAddrIn {
  addr = 0;
  port = 0;
}
