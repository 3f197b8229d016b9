import {
  ETH_P_IP, arpKey, devQueueXmit, dropSkb, ipNeighForGw, neighOutput, readIpv4, rtNexthop, skbRtable, type NetDevice, type SkBuff,
} from "@vnet/core";
import { DROP_LIMIT, DROP_PURGED, type InsanePriv } from "./priv.js";

/** Hands a packet to the slave, counting it as ours: the article's two-line transmit. */
export function insaneRelay(priv: InsanePriv, skb: SkBuff, slave: NetDevice): void {
  priv.stats.txPackets++;
  priv.stats.txBytes += skb.len;
  skb.dev = slave;
  if (skb.protocol === ETH_P_IP && skb.networkHeader >= skb.data) insaneNeighOutput(priv, skb, slave);
  else devQueueXmit(skb);
}

/**
 * An IPv4 packet's next hop is resolved in the slave's ARP table, as the 2000 driver's
 * rebuild_header did through the slave's (arp_find with skb->dev = slave): the ARP reply arrives
 * on the slave, never on insane, so only the slave's neighbour entry can learn the address. The
 * last entry is kept, as a route keeps its own (rt.neigh), so a flow costs no table lookup.
 */
function insaneNeighOutput(priv: InsanePriv, skb: SkBuff, slave: NetDevice): void {
  const rt = skbRtable(skb);
  const daddr = readIpv4(skb.head, skb.networkHeader + 16);
  const nexthop = rt === null ? daddr : rtNexthop(rt, daddr);
  let n = priv.neigh;
  if (n === null || n.dead || n.dev !== slave || n.key !== arpKey(slave, nexthop)) {
    try {
      n = ipNeighForGw(slave, nexthop);
    } catch {
      dropSkb(skb, "NEIGH_FAILED");
      return;
    }
    priv.neigh = n;
  }
  // Our link header goes: the slave's neighbour writes the slave's own.
  skb.pull(skb.networkHeader - skb.data);
  neighOutput(n, skb);
}

/** Drops and frees a packet (the 2000 driver leaked it when it had no slave), counting why. */
export function insaneDrop(priv: InsanePriv, skb: SkBuff, reason: number): void {
  priv.stats.txDropped++;
  priv.stats.txErrors++;
  priv.counters[reason]!++;
  dropSkb(skb, reason === DROP_LIMIT || reason === DROP_PURGED ? "QDISC_DROP" : "TX_ERROR");
}
