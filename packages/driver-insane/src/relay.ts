import { devQueueXmit, dropSkb, type NetDevice, type SkBuff } from "@vnet/core";
import { DROP_LIMIT, DROP_PURGED, type InsanePriv } from "./priv.js";

/** Hands a packet to the slave, counting it as ours: the article's two-line transmit. */
export function insaneRelay(priv: InsanePriv, skb: SkBuff, slave: NetDevice): void {
  priv.stats.txPackets++;
  priv.stats.txBytes += skb.len;
  skb.dev = slave;
  devQueueXmit(skb);
}

/** Drops and frees a packet (the 2000 driver leaked it when it had no slave), counting why. */
export function insaneDrop(priv: InsanePriv, skb: SkBuff, reason: number): void {
  priv.stats.txDropped++;
  priv.stats.txErrors++;
  priv.counters[reason]!++;
  dropSkb(skb, reason === DROP_LIMIT || reason === DROP_PURGED ? "QDISC_DROP" : "TX_ERROR");
}
