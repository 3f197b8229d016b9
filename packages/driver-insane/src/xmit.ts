import { NETDEV_TX_OK, consumeSkb, type NetDevice, type SkBuff } from "@vnet/core";
import { INSANE_PASS, INSANE_PERCENT } from "./uapi.js";
import {
  DROP_GEMODEL, DROP_LIMIT, DROP_NO_SLAVE, DROP_PERCENT, DROP_PURGED, DROP_TIME, STAT_CORRUPTED, STAT_DELAYED,
  STAT_DUPLICATED, STAT_REORDERED, type InsanePriv,
} from "./priv.js";
import { insaneDrop, insaneRelay } from "./relay.js";

/**
 * ndo_start_xmit. `pass` without impairments, the mode insane spends its life in, is one branch
 * and a relay: no draw, no clock, no queue. Anything else takes insaneXmitSlow.
 */
export function insaneXmit(skb: SkBuff, dev: NetDevice<InsanePriv>): number {
  const priv = dev.priv;
  const slave = priv.slave;
  if (slave !== null && priv.mode === INSANE_PASS && !priv.netem.active) insaneRelay(priv, skb, slave);
  else insaneXmitSlow(skb, dev, slave);
  return NETDEV_TX_OK;
}

/**
 * No slave, drop; then the mode decides (percent: the kernel's PRNG, time: the jiffies since
 * SET); what passes goes through the impairments, if any, to the slave.
 */
function insaneXmitSlow(skb: SkBuff, dev: NetDevice<InsanePriv>, slave: NetDevice | null): void {
  const priv = dev.priv;
  if (slave === null) {
    insaneDrop(priv, skb, DROP_NO_SLAVE);
  } else if (priv.mode !== INSANE_PASS && !insaneAccept(priv, dev)) {
    insaneDrop(priv, skb, priv.mode === INSANE_PERCENT ? DROP_PERCENT : DROP_TIME);
  } else if (priv.netem.active) {
    netemEnqueue(dev, skb, slave, true);
  } else {
    insaneRelay(priv, skb, slave);
  }
}

/** The article's policy: percent relays arg1 % of packets; time relays arg1 jiffies, drops arg2. */
function insaneAccept(priv: InsanePriv, dev: NetDevice<InsanePriv>): boolean {
  const k = dev.net.kernel;
  if (priv.mode === INSANE_PERCENT) return k.prng.below(100) < priv.arg1;
  return (k.jiffies - priv.epoch) % (priv.arg1 + priv.arg2) < priv.arg1;
}

/**
 * netem_enqueue(): duplicate, lose (Gilbert-Elliott), corrupt, check the limit, then either send
 * at once (reorder) or hold until the time to send (delay, jitter, rate). A duplicate goes through
 * the same steps first, without being duplicated again.
 */
function netemEnqueue(dev: NetDevice<InsanePriv>, skb: SkBuff, slave: NetDevice, mayDuplicate: boolean): void {
  const priv = dev.priv;
  const q = priv.netem;
  const prng = q.prng;
  let count = 1;
  if (mayDuplicate && q.duplicate !== 0 && q.duplicate >= prng.u32()) count++;
  if (q.geOn && q.geLoss()) count--;
  if (count === 0) {
    insaneDrop(priv, skb, DROP_GEMODEL);
    return;
  }
  if (count > 1) {
    priv.counters[STAT_DUPLICATED]!++;
    netemEnqueue(dev, skb.copy(), slave, false);
  }
  if (q.corrupt !== 0 && q.corrupt >= prng.u32()) skb = corruptOneBit(priv, skb);
  const tf = q.tfifo;
  if (tf.len >= q.limit) {
    insaneDrop(priv, skb, DROP_LIMIT);
    return;
  }
  if (q.gap !== 0 && q.counter >= q.gap - 1 && q.reorder >= prng.u32()) {
    // Reordered: out now, ahead of the packets still held.
    q.counter = 0;
    priv.counters[STAT_REORDERED]!++;
    insaneRelay(priv, skb, slave);
    return;
  }
  const now = dev.net.kernel.scheduler.now;
  let delay = q.delay();
  let from = now;
  if (q.rateBps !== 0) {
    // The last held packet is the reference: this one starts when that one is sent.
    if (tf.len > 0) {
      delay -= tf.lastTime - now;
      if (delay < 0) delay = 0;
      from = tf.lastTime;
    }
    delay += q.packetTime(skb.len);
  }
  q.counter++;
  const time = from + delay;
  if (time <= now && tf.len === 0) {
    insaneRelay(priv, skb, slave);
    return;
  }
  priv.counters[STAT_DELAYED]!++;
  tf.push(skb, time);
  const timer = priv.timer!;
  if (!timer.pending || time < timer.when) dev.net.kernel.scheduler.arm(timer, time);
}

/** Flips one random bit; a buffer shared with a clone is copied first (skb_unshare). */
function corruptOneBit(priv: InsanePriv, skb: SkBuff): SkBuff {
  if (skb.cloned) {
    const copy = skb.copy();
    consumeSkb(skb);
    skb = copy;
  }
  const prng = priv.netem.prng;
  const len = skb.len;
  if (len > 0) skb.head[skb.data + prng.below(len)]! ^= 1 << prng.below(8);
  priv.counters[STAT_CORRUPTED]!++;
  return skb;
}

/** The delay queue's timer: sends every packet whose time has come, then waits for the next. */
export function netemWatchdog(dev: NetDevice<InsanePriv>): void {
  const priv = dev.priv;
  const tf = priv.netem.tfifo;
  const sched = dev.net.kernel.scheduler;
  while (tf.len > 0 && tf.headTime() <= sched.now) {
    const skb = tf.pop();
    const slave = priv.slave;
    if (slave === null) insaneDrop(priv, skb, DROP_NO_SLAVE);
    else insaneRelay(priv, skb, slave);
  }
  if (tf.len > 0) sched.arm(priv.timer!, tf.headTime());
}

/** netem_reset(): drops whatever is held (device down, slave gone, device removed). */
export function netemPurge(dev: NetDevice<InsanePriv>): void {
  const priv = dev.priv;
  const tf = priv.netem.tfifo;
  if (priv.timer !== null) dev.net.kernel.scheduler.cancel(priv.timer);
  while (tf.len > 0) insaneDrop(priv, tf.pop(), DROP_PURGED);
}
