/** Transmit (snull_tx) and the transmit-timeout recovery (snull_tx_timeout). */
import {
  dropSkb, NETDEV_TX_BUSY, NETDEV_TX_OK, netifRunning, netifStopQueue, netifWakeQueue, type NetDevice, type SkBuff,
} from "@vnet/core";
import { ETH_FRAME_LEN, SNULL_TX_INTR } from "./constants.js";
import { snullHwTx } from "./hw.js";
import { snullRaise } from "./interrupt.js";
import { snullGetTxBuffer, snullResetPool } from "./pool.js";
import type { SnullPriv } from "./priv.js";

/**
 * ndo_start_xmit. Short frames are zero-padded to ETH_ZLEN in the buffer that carries them (never
 * in bytes a tap or a clone still sees). The transmission waits in txRing for its
 * transmit-complete interrupt; the core has already stamped trans_start.
 */
export function snullTx(skb: SkBuff, dev: NetDevice<SnullPriv>): number {
  const priv = dev.priv;
  const len = skb.len;
  if (len > ETH_FRAME_LEN) {
    // Larger than any buffer (the book would overrun its own): a transmit error, never a throw.
    if (priv.drv.ratelimit()) priv.drv.kernel.printk(`snull: ${dev.name}: packet too long (${len} octets)`);
    priv.stats.txErrors++;
    dropSkb(skb, "PKT_TOO_BIG");
    return NETDEV_TX_OK;
  }
  const dest = priv.peer;
  if (dest === null || !netifRunning(dest)) {
    // Nobody listens on the other end of the cable: the frame is lost.
    priv.stats.txDropped++;
    dropSkb(skb, "DEV_READY");
    return NETDEV_TX_OK;
  }
  const pkt = snullGetTxBuffer(priv);
  if (pkt === null) {
    // The queue should have been stopped (a device reopened while its buffers were away):
    // stop it now so the first buffer back wakes it, and let the core requeue the skb.
    netifStopQueue(dev);
    return NETDEV_TX_BUSY;
  }
  snullHwTx(priv, skb, pkt, dest);
  return NETDEV_TX_OK;
}

/**
 * ndo_tx_timeout: the watchdog saw the queue stopped too long. Deliver the lost transmit
 * interrupt, count the error, reset the pool and restart the queue.
 */
export function snullTxTimeout(dev: NetDevice<SnullPriv>, _txqueue: number): void {
  const priv = dev.priv;
  const k = priv.drv.kernel;
  k.printk(`snull: ${dev.name}: Transmit timeout at ${k.jiffies}, latency ${k.jiffies - dev.transStart}`);
  snullRaise(priv, SNULL_TX_INTR);
  priv.stats.txErrors++;
  snullResetPool(priv);
  netifWakeQueue(dev);
}
