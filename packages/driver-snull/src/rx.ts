/** Receive: pass a frame from the queue up in an skb, by interrupt or by NAPI poll. */
import {
  CHECKSUM_UNNECESSARY, ethTypeTrans, napiCompleteDone, netifReceiveSkb, netifRx, skbScrubPacket, type Napi, type NetDevice,
  type SkBuff,
} from "@vnet/core";
import { snullAllocBuf, snullDequeueBuf, snullReleaseBuffer, type SnullPacket } from "./pool.js";
import type { SnullPriv } from "./priv.js";

/**
 * Whether dev_alloc_skb() fails for this received frame. vnet's allocator never fails, so
 * `rx_nomem=N` makes every Nth receive fail to show the rx_dropped path (a frame that travels in
 * its own skb needs no allocation, but counts as one).
 */
function snullRxNomem(priv: SnullPriv): boolean {
  const n = priv.drv.config.rxNomem;
  return n > 0 && ++priv.rxAllocs % n === 0;
}

/**
 * The skb for the frame in `pkt`, or null when no buffer can be had (the frame stays behind and is
 * lost). A frame that travelled in its own skb goes up in it, with nothing of the sender's side
 * left (skb_scrub_packet). A copied frame goes up in the packet's buffer, and a fresh buffer takes
 * its place. The metadata is set: protocol, pkt_type, and a checksum not to check.
 */
function snullFillSkb(priv: SnullPriv, pkt: SnullPacket): SkBuff | null {
  if (snullRxNomem(priv)) return null;
  let skb = pkt.sent;
  if (skb !== null) {
    pkt.sent = null;
    skbScrubPacket(skb, true);
    skb.dev = priv.dev;
    skb.tail = skb.data + pkt.datalen;
  } else {
    skb = pkt.skb;
    pkt.skb = snullAllocBuf(priv.dev);
    skb.dev = priv.dev;
    skb.put(pkt.datalen);
  }
  skb.protocol = ethTypeTrans(skb, priv.dev);
  skb.ipSummed = CHECKSUM_UNNECESSARY;
  return skb;
}

/** snull_rx(): one packet to the backlog (the caller gives the buffer back). */
export function snullRx(priv: SnullPriv, pkt: SnullPacket): void {
  const skb = snullFillSkb(priv, pkt);
  if (skb === null) {
    if (priv.drv.ratelimit()) priv.drv.kernel.printk("snull rx: low on mem - packet dropped");
    priv.stats.rxDropped++;
    return;
  }
  priv.stats.rxPackets++;
  priv.stats.rxBytes += pkt.datalen;
  netifRx(skb);
}

/** snull_poll(): up to `budget` packets straight into the stack; unmasks interrupts when done. */
export function snullPoll(napi: Napi, budget: number): number {
  const priv = (napi.dev as NetDevice<SnullPriv>).priv;
  let npackets = 0;
  while (npackets < budget) {
    const pkt = snullDequeueBuf(priv);
    if (pkt === null) break;
    const skb = snullFillSkb(priv, pkt);
    if (skb === null) {
      if (priv.drv.ratelimit()) priv.drv.kernel.printk("snull: packet dropped");
      priv.stats.rxDropped++;
      npackets++;
      snullReleaseBuffer(pkt);
      continue;
    }
    netifReceiveSkb(skb);
    npackets++;
    priv.stats.rxPackets++;
    priv.stats.rxBytes += pkt.datalen;
    snullReleaseBuffer(pkt);
  }
  if (npackets < budget && napiCompleteDone(napi, npackets)) priv.rxInts(true);
  return npackets;
}
