/**
 * The packet pool: each device owns pool_size buffers. A transmitted frame travels in one of the
 * sender's buffers to the receiver's queue and goes back to the sender's pool once received.
 */
import { kfreeSkb, netdevAllocSkb, netifQueueStopped, netifStopQueue, netifWakeQueue, type NetDevice, type SkBuff } from "@vnet/core";
import { ETH_FRAME_LEN, NET_IP_ALIGN } from "./constants.js";
import type { SnullPriv } from "./priv.js";

/** struct snull_packet: a frame in flight, in a buffer owned by the device that sent it. */
export class SnullPacket {
  next: SnullPacket | null = null;
  /** The device whose pool the buffer belongs to. */
  readonly owner: SnullPriv;
  datalen = 0;
  /** Taken from the pool and not yet given back. */
  inFlight = false;
  /**
   * The packet's own buffer: a copied frame is at `skb.data`. The receiver hands this skb to the
   * stack and puts a fresh one in its place, as a driver refills its receive ring, where the book
   * copies the frame again into a new skb.
   */
  skb: SkBuff;
  /** The skb the frame travels in when it was not copied (see snullHwTx); null otherwise. */
  sent: SkBuff | null = null;

  constructor(owner: SnullPriv) {
    this.owner = owner;
    this.skb = snullAllocBuf(null);
  }
}

/**
 * An empty buffer with room for the largest frame (the book's ETH_DATA_LEN buffer overflowed on
 * 1514-byte frames), reserved so that the IPv4 header after the Ethernet one is aligned.
 */
export function snullAllocBuf(dev: NetDevice | null): SkBuff {
  const skb = netdevAllocSkb(dev, ETH_FRAME_LEN + NET_IP_ALIGN);
  skb.reserve(NET_IP_ALIGN);
  return skb;
}

/** snull_setup_pool(). */
export function snullSetupPool(priv: SnullPriv, size: number): void {
  for (let i = 0; i < size; i++) {
    const pkt = new SnullPacket(priv);
    priv.buffers.push(pkt);
    pkt.next = priv.ppool;
    priv.ppool = pkt;
    priv.poolFree++;
  }
}

/**
 * The book's teardown + setup of the pool at tx timeout. vnet knows every buffer it owns, so the
 * free list is rebuilt from those not in flight: nothing leaks and the pool never grows.
 */
export function snullResetPool(priv: SnullPriv): void {
  priv.ppool = null;
  priv.poolFree = 0;
  for (const pkt of priv.buffers) {
    if (pkt.inFlight) continue;
    pkt.next = priv.ppool;
    priv.ppool = pkt;
    priv.poolFree++;
  }
}

/**
 * snull_get_tx_buffer(): taking the last buffer stops the queue. The book's "Pool empty" is
 * rate-limited (net_ratelimit), as data-path messages are: under load the pool runs dry every
 * pool_size frames.
 */
export function snullGetTxBuffer(priv: SnullPriv): SnullPacket | null {
  const pkt = priv.ppool;
  if (pkt === null) return null;
  priv.ppool = pkt.next;
  priv.poolFree--;
  pkt.next = null;
  pkt.inFlight = true;
  if (priv.ppool === null) {
    if (priv.drv.netRatelimit()) priv.drv.kernel.printk(`${priv.dev.name}: Pool empty`);
    netifStopQueue(priv.dev);
  }
  return pkt;
}

/** snull_release_buffer(): back to the owner's pool; the first buffer back wakes its queue. */
export function snullReleaseBuffer(pkt: SnullPacket): void {
  const priv = pkt.owner;
  if (pkt.sent !== null) {
    // A frame that never went up (dropped, or purged with the queue) dies with its skb.
    kfreeSkb(pkt.sent);
    pkt.sent = null;
  }
  pkt.inFlight = false;
  pkt.next = priv.ppool;
  priv.ppool = pkt;
  priv.poolFree++;
  if (netifQueueStopped(priv.dev) && pkt.next === null) netifWakeQueue(priv.dev);
}

/** snull_enqueue_buf(): FIFO, or the book's LIFO (its "FIXME - misorders packets") with rx_lifo. */
export function snullEnqueueBuf(priv: SnullPriv, pkt: SnullPacket): void {
  if (priv.drv.config.rxLifo) {
    pkt.next = priv.rxHead;
    priv.rxHead = pkt;
    if (priv.rxTail === null) priv.rxTail = pkt;
  } else {
    pkt.next = null;
    if (priv.rxTail === null) priv.rxHead = pkt;
    else priv.rxTail.next = pkt;
    priv.rxTail = pkt;
  }
  priv.rxQueueLen++;
}

/** snull_dequeue_buf(). */
export function snullDequeueBuf(priv: SnullPriv): SnullPacket | null {
  const pkt = priv.rxHead;
  if (pkt === null) return null;
  priv.rxHead = pkt.next;
  if (priv.rxHead === null) priv.rxTail = null;
  pkt.next = null;
  priv.rxQueueLen--;
  return pkt;
}

/** Gives every queued buffer back to its owner (the device stops receiving). */
export function snullPurgeRx(priv: SnullPriv): void {
  for (let pkt = snullDequeueBuf(priv); pkt !== null; pkt = snullDequeueBuf(priv)) snullReleaseBuffer(pkt);
}
