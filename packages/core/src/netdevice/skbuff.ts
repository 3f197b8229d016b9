import type { NetDevice } from "./netdevice.js";
import { CHECKSUM_NONE, NET_SKB_PAD, PACKET_HOST } from "./constants.js";

/** What an skb carries when the routing layer has resolved it (struct dst_entry, reduced). */
export interface DstEntry {
  readonly dev: NetDevice;
}

/** Shared part of a buffer: clones point at the same one (struct skb_shared_info). */
export interface SharedInfo {
  dataref: number;
}

/** Size of pooled buffers: an Ethernet frame with headroom fits. */
export const SKB_POOL_BUF_SIZE = 2048;
const POOL_MAX = 8192;
const pool: SkBuff[] = [];
let poolHits = 0;
let poolMisses = 0;

/**
 * A socket buffer (struct sk_buff): one linear buffer `head` with the packet between `data` and
 * `tail`. `reserve/put/push/pull/trim` move offsets and never copy. Freed buffers return to a
 * pool, so the data path allocates nothing in steady state.
 */
export class SkBuff {
  readonly head: Uint8Array;
  /**
   * A big-endian window on `head` (same bytes), made once per buffer and shared with clones:
   * 16- and 32-bit header fields and checksums read through it without allocating.
   */
  readonly view: DataView;
  data = 0;
  tail = 0;
  end: number;
  /** Offsets into head; -1 when unset. */
  macHeader = -1;
  networkHeader = -1;
  transportHeader = -1;
  /** Ethertype in host byte order (skb->protocol). */
  protocol = 0;
  pktType: number = PACKET_HOST;
  ipSummed: number = CHECKSUM_NONE;
  priority = 0;
  mark = 0;
  /** Receive timestamp in ns of kernel time. */
  tstamp = 0;
  /** ifindex the packet arrived on (inet_skb_parm.iif). */
  iif = 0;
  dev: NetDevice | null = null;
  dst: DstEntry | null = null;
  /** The owning socket, opaque to the device layer. */
  sk: object | null = null;
  /** Link for the intrusive queues (sk_buff_head). */
  next: SkBuff | null = null;
  /** Reference count (skb->users). */
  users = 1;
  /** Shared with clones. */
  shinfo: SharedInfo;

  constructor(head: Uint8Array, shinfo?: SharedInfo, view?: DataView) {
    this.head = head;
    this.view = view ?? new DataView(head.buffer, head.byteOffset, head.byteLength);
    this.end = head.length;
    this.shinfo = shinfo ?? { dataref: 1 };
  }

  /** Bytes of packet data (skb->len). */
  get len(): number {
    return this.tail - this.data;
  }

  headroom(): number {
    return this.data;
  }

  tailroom(): number {
    return this.end - this.tail;
  }

  /** skb_reserve: grows headroom of an empty buffer. */
  reserve(n: number): void {
    this.data += n;
    this.tail += n;
  }

  /** skb_put: extends the data at the tail; returns the offset of the new area. */
  put(n: number): number {
    const at = this.tail;
    if (at + n > this.end) throw new RangeError(`skb_over_panic: put ${n} with tailroom ${this.end - at}`);
    this.tail = at + n;
    return at;
  }

  /** skb_put_data: appends a copy of `src`. */
  putData(src: Uint8Array): number {
    const at = this.put(src.length);
    this.head.set(src, at);
    return at;
  }

  /** skb_push: extends the data at the head; returns the new data offset. */
  push(n: number): number {
    if (n > this.data) throw new RangeError(`skb_under_panic: push ${n} with headroom ${this.data}`);
    this.data -= n;
    return this.data;
  }

  /** skb_pull: removes n bytes from the start; returns the new data offset, or -1 if too short. */
  pull(n: number): number {
    if (n > this.tail - this.data) return -1;
    this.data += n;
    return this.data;
  }

  /** skb_trim: cuts the data to `len` bytes. */
  trim(len: number): void {
    if (len < this.tail - this.data) this.tail = this.data + len;
  }

  resetMacHeader(): void {
    this.macHeader = this.data;
  }

  resetNetworkHeader(): void {
    this.networkHeader = this.data;
  }

  resetTransportHeader(): void {
    this.transportHeader = this.data;
  }

  /** A view of the packet data (allocates a view: not for the per-packet path). */
  bytes(): Uint8Array {
    return this.head.subarray(this.data, this.tail);
  }

  /** skb_cloned: does another skb share this data? */
  get cloned(): boolean {
    return this.shinfo.dataref > 1;
  }

  /** skb_clone: a new header sharing this buffer. */
  clone(): SkBuff {
    const c = new SkBuff(this.head, this.shinfo, this.view);
    this.shinfo.dataref++;
    copyHeader(c, this);
    return c;
  }

  /** skb_copy: a private copy of header and data. */
  copy(): SkBuff {
    const c = allocSkb(this.end);
    c.head.set(this.head.subarray(0, this.tail));
    copyHeader(c, this);
    return c;
  }

  /** skb_get: takes another reference. */
  get(): this {
    this.users++;
    return this;
  }
}

function copyHeader(to: SkBuff, from: SkBuff): void {
  to.data = from.data;
  to.tail = from.tail;
  to.macHeader = from.macHeader;
  to.networkHeader = from.networkHeader;
  to.transportHeader = from.transportHeader;
  to.protocol = from.protocol;
  to.pktType = from.pktType;
  to.ipSummed = from.ipSummed;
  to.priority = from.priority;
  to.mark = from.mark;
  to.tstamp = from.tstamp;
  to.iif = from.iif;
  to.dev = from.dev;
  to.dst = from.dst;
}

/** Up to this many bytes, copyView moves 32-bit words; longer copies take set(). */
export const VIEW_COPY_MAX = 128;

/**
 * Copies `len` bytes from src[srcOff..] to dst[dstOff..] through their DataViews `sv` and `dv`
 * (an skb's `view`, a socket's cached view of a user buffer): 64 bits at a time and nothing
 * allocated for the short copies of the data path. The arrays themselves serve the last few
 * bytes and copies longer than VIEW_COPY_MAX (one set()).
 *
 * The 64-bit moves are float64 loads and stores, little-endian on both sides: they carry any bit
 * pattern, NaNs included, unchanged (no arithmetic touches the value), and take half the
 * operations of 32-bit moves.
 */
export function copyView(dst: Uint8Array, dv: DataView, dstOff: number, src: Uint8Array, sv: DataView, srcOff: number, len: number): void {
  if (len > VIEW_COPY_MAX || (len & 7) !== 0) {
    copyViewRest(dst, dv, dstOff, src, sv, srcOff, len);
    return;
  }
  // Whole words (a 64-byte payload, a 16-byte cached link header): this loop is all, and it is
  // small enough for the JIT to inline into the data path.
  for (let i = 0; i < len; i += 8) dv.setFloat64(dstOff + i, sv.getFloat64(srcOff + i, true), true);
}

/** copyView for long copies (one set()) and for lengths that are not whole words. */
function copyViewRest(dst: Uint8Array, dv: DataView, dstOff: number, src: Uint8Array, sv: DataView, srcOff: number, len: number): void {
  if (len > VIEW_COPY_MAX) {
    copyLong(dst, dstOff, src, srcOff, len);
    return;
  }
  let i = 0;
  for (; i + 8 <= len; i += 8) dv.setFloat64(dstOff + i, sv.getFloat64(srcOff + i, true), true);
  if (i + 4 <= len) {
    dv.setUint32(dstOff + i, sv.getUint32(srcOff + i));
    i += 4;
  }
  if (i + 2 <= len) {
    // An Ethernet header (14 bytes) ends here.
    dv.setUint16(dstOff + i, sv.getUint16(srcOff + i));
    i += 2;
  }
  if (i < len) dst[dstOff + i] = src[srcOff + i]!;
}

/** One memmove; a view of the source only when it is not the whole array. */
function copyLong(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  dst.set(srcOff === 0 && len === src.length ? src : src.subarray(srcOff, srcOff + len), dstOff);
}

/** alloc_skb: a buffer of at least `size` bytes, data and tail at offset 0. */
export function allocSkb(size: number): SkBuff {
  if (size <= SKB_POOL_BUF_SIZE && pool.length !== 0) {
    // Pooled buffers wait with users 0 (a second free still throws) and their dataref reset.
    const skb = pool.pop()!;
    poolHits++;
    skb.users = 1;
    return skb;
  }
  return allocSkbSlow(size);
}

function allocSkbSlow(size: number): SkBuff {
  poolMisses++;
  return new SkBuff(new Uint8Array(size <= SKB_POOL_BUF_SIZE ? SKB_POOL_BUF_SIZE : size));
}

/** netdev_alloc_skb: a receive buffer of `len` bytes with NET_SKB_PAD headroom, tied to `dev`. */
export function netdevAllocSkb(dev: NetDevice | null, len: number): SkBuff {
  const skb = allocSkb(len + NET_SKB_PAD);
  skb.reserve(NET_SKB_PAD);
  skb.dev = dev;
  return skb;
}

/** kfree_skb / consume_skb: drops a reference; the last one returns the buffer to the pool. */
export function kfreeSkb(skb: SkBuff): void {
  const users = --skb.users;
  if (users !== 0) {
    if (users < 0) throw new Error("kfree_skb: buffer freed twice");
    return;
  }
  skbRelease(skb);
}

/** The last reference is gone: drop what the header points at and pool the buffer when it is ours. */
function skbRelease(skb: SkBuff): void {
  const reuse = --skb.shinfo.dataref === 0 && skb.end === SKB_POOL_BUF_SIZE && pool.length < POOL_MAX;
  skb.dev = null;
  skb.dst = null;
  skb.sk = null;
  skb.next = null;
  if (!reuse) return;
  skb.data = 0;
  skb.tail = 0;
  skb.macHeader = -1;
  skb.networkHeader = -1;
  skb.transportHeader = -1;
  skb.protocol = 0;
  skb.pktType = PACKET_HOST;
  skb.ipSummed = CHECKSUM_NONE;
  skb.priority = 0;
  skb.mark = 0;
  skb.tstamp = 0;
  skb.iif = 0;
  skb.shinfo.dataref = 1;
  pool.push(skb);
}

/** consume_skb: a successful end of life (same as kfree_skb but not a drop). */
export const consumeSkb: (skb: SkBuff) => void = kfreeSkb;

/** Pool statistics, for tests and benchmarks. */
export function skbPoolStats(): { cached: number; hits: number; misses: number } {
  return { cached: pool.length, hits: poolHits, misses: poolMisses };
}

/** An intrusive FIFO of skbs (struct sk_buff_head). */
export class SkbQueue {
  head: SkBuff | null = null;
  tail: SkBuff | null = null;
  qlen = 0;
  /** Packets refused for lack of room (qstats.drops), when the queue is a qdisc. */
  drops = 0;
  /** Packets handed back by a busy driver and queued again (qstats.requeues). */
  requeues = 0;

  enqueue(skb: SkBuff): void {
    skb.next = null;
    if (this.tail === null) this.head = skb;
    else this.tail.next = skb;
    this.tail = skb;
    this.qlen++;
  }

  /** __skb_queue_head: puts an skb back at the front (requeue). */
  enqueueHead(skb: SkBuff): void {
    skb.next = this.head;
    this.head = skb;
    if (this.tail === null) this.tail = skb;
    this.qlen++;
  }

  dequeue(): SkBuff | null {
    const skb = this.head;
    if (skb === null) return null;
    this.head = skb.next;
    if (this.head === null) this.tail = null;
    skb.next = null;
    this.qlen--;
    return skb;
  }

  /** skb_queue_purge: frees everything queued; returns how many. */
  purge(): number {
    let n = 0;
    for (let skb = this.dequeue(); skb !== null; skb = this.dequeue()) {
      kfreeSkb(skb);
      n++;
    }
    return n;
  }
}

/**
 * skb_scrub_packet(): forgets what belonged to the sender's side when a packet crosses to another
 * device (a veth pair, a tunnel): its route, owner and priority; the mark too across namespaces.
 */
export function skbScrubPacket(skb: SkBuff, xnet: boolean): void {
  skb.dst = null;
  skb.sk = null;
  skb.tstamp = 0;
  skb.iif = 0;
  if (xnet) {
    skb.mark = 0;
    skb.priority = 0;
  }
}
