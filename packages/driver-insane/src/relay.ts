import {
  ETH_P_IP, devQueueXmit, dropSkb, ipNeighForGw, neighOutput, readIpv4, rtNexthop, skbRtable, type NetDevice, type SkBuff,
} from "@vnet/core";
import { DROP_LIMIT, DROP_PURGED, type InsanePriv } from "./priv.js";

/**
 * Hands a packet to the slave, counting it as ours: the article's two-line transmit. An IPv4
 * packet's next hop is resolved in the slave's ARP table, as the 2000 driver's rebuild_header did
 * through the slave's (arp_find with skb->dev = slave): the ARP reply arrives on the slave, never
 * on insane, so only the slave's neighbour entry can learn the address.
 */
export function insaneRelay(priv: InsanePriv, skb: SkBuff, slave: NetDevice): void {
  priv.stats.txPackets++;
  priv.stats.txBytes += skb.len;
  skb.dev = slave;
  if (skb.protocol === ETH_P_IP && skb.networkHeader >= skb.data) {
    const rt = skbRtable(skb);
    const daddr = readIpv4(skb.head, skb.networkHeader + 16);
    let n;
    try {
      n = ipNeighForGw(slave, rt === null ? daddr : rtNexthop(rt, daddr));
    } catch {
      dropSkb(skb, "NEIGH_FAILED");
      return;
    }
    // Our link header goes: the slave's neighbour writes the slave's own.
    skb.pull(skb.networkHeader - skb.data);
    neighOutput(n, skb);
    return;
  }
  devQueueXmit(skb);
}

/** Drops and frees a packet (the 2000 driver leaked it when it had no slave), counting why. */
export function insaneDrop(priv: InsanePriv, skb: SkBuff, reason: number): void {
  priv.stats.txDropped++;
  priv.stats.txErrors++;
  priv.counters[reason]!++;
  dropSkb(skb, reason === DROP_LIMIT || reason === DROP_PURGED ? "QDISC_DROP" : "TX_ERROR");
}
