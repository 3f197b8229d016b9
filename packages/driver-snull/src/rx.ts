/** Receive: wrap a buffer from the queue in an skb and pass it up, by interrupt or by NAPI poll. */
import {
  CHECKSUM_UNNECESSARY, ethTypeTrans, napiCompleteDone, netdevAllocSkb, netifReceiveSkb, netifRx,
  type Napi, type NetDevice, type SkBuff,
} from "@vnet/core";
import { NET_IP_ALIGN } from "./constants.js";
import { copyBytes, snullDequeueBuf, snullReleaseBuffer, type SnullPacket } from "./pool.js";
import type { SnullPriv } from "./priv.js";

/**
 * dev_alloc_skb() for a received frame. vnet's allocator never fails, so `rx_nomem=N` makes every
 * Nth allocation fail to show the rx_dropped path.
 */
function snullAllocRxSkb(priv: SnullPriv, len: number): SkBuff | null {
  const n = priv.drv.config.rxNomem;
  if (n > 0 && ++priv.rxAllocs % n === 0) return null;
  const skb = netdevAllocSkb(priv.dev, len + NET_IP_ALIGN);
  skb.reserve(NET_IP_ALIGN);
  return skb;
}

/** Copies the frame in and sets the metadata: protocol, pkt_type, and a checksum not to check. */
function snullFillSkb(dev: NetDevice<SnullPriv>, skb: SkBuff, pkt: SnullPacket): void {
  const at = skb.put(pkt.datalen);
  copyBytes(skb.head, at, pkt.data, 0, pkt.datalen);
  skb.protocol = ethTypeTrans(skb, dev);
  skb.ipSummed = CHECKSUM_UNNECESSARY;
}

/** snull_rx(): one packet to the backlog (the caller gives the buffer back). */
export function snullRx(priv: SnullPriv, pkt: SnullPacket): void {
  const skb = snullAllocRxSkb(priv, pkt.datalen);
  if (skb === null) {
    if (priv.drv.ratelimit()) priv.drv.kernel.printk("snull rx: low on mem - packet dropped");
    priv.stats.rxDropped++;
    return;
  }
  snullFillSkb(priv.dev, skb, pkt);
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
    const skb = snullAllocRxSkb(priv, pkt.datalen);
    if (skb === null) {
      if (priv.drv.ratelimit()) priv.drv.kernel.printk("snull: packet dropped");
      priv.stats.rxDropped++;
      npackets++;
      snullReleaseBuffer(pkt);
      continue;
    }
    snullFillSkb(priv.dev, skb, pkt);
    netifReceiveSkb(skb);
    npackets++;
    priv.stats.rxPackets++;
    priv.stats.rxBytes += pkt.datalen;
    snullReleaseBuffer(pkt);
  }
  if (npackets < budget && napiCompleteDone(napi, npackets)) priv.rxInts(true);
  return npackets;
}
