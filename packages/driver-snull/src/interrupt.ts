/**
 * Simulated interrupts. Each device has one interrupt line, a timer armed at the current instant
 * when an interrupt is raised, so handlers run from the kernel's scheduler, never from inside the
 * transmit call. Interrupts raised while the line is asserted join it, as status bits do on real
 * hardware: a burst of frames costs one scheduler event per device. Each raise is still one
 * interrupt (the book's handlers run once per frame); a receive and a transmit-complete interrupt
 * pending together are delivered in one status word.
 */
import { napiSchedule } from "@vnet/core";
import { ETH_ZLEN, SNULL_RX_INTR, SNULL_TX_INTR } from "./constants.js";
import { snullDequeueBuf, snullReleaseBuffer, type SnullPacket } from "./pool.js";
import type { SnullPriv } from "./priv.js";
import { snullRx } from "./rx.js";

/** Raises SNULL_RX_INTR and/or SNULL_TX_INTR on a device. */
export function snullRaise(priv: SnullPriv, bits: number): void {
  if (bits & SNULL_RX_INTR) priv.rxIrqs++;
  if (bits & SNULL_TX_INTR) priv.txIrqs++;
  if (!priv.irq.pending) {
    const k = priv.drv.kernel;
    k.modTimer(priv.irq, k.jiffies);
  }
}

/**
 * The line fires. It stays asserted while interrupts are pending, so the handler runs back to back,
 * each time with one status word (at most one receive and one transmit-complete interrupt
 * latched), until none is left.
 */
export function snullIrqFire(priv: SnullPriv): void {
  const handler = priv.drv.interrupt;
  while (priv.rxIrqs > 0 || priv.txIrqs > 0) {
    if (priv.rxIrqs > 0) {
      priv.rxIrqs--;
      // Spurious once a poll has taken its frame: the status register would read clear.
      if (priv.rxQueueLen > 0) priv.status |= SNULL_RX_INTR;
    }
    if (priv.txIrqs > 0) {
      priv.txIrqs--;
      priv.status |= SNULL_TX_INTR;
    }
    handler(priv);
  }
}

/** Forgets pending interrupts (the device stops). */
export function snullIrqReset(priv: SnullPriv): void {
  priv.drv.kernel.delTimer(priv.irq);
  priv.rxIrqs = 0;
  priv.txIrqs = 0;
  priv.status = 0;
}

/** snull_regular_interrupt(): one received packet per receive interrupt. */
export function snullRegularInterrupt(priv: SnullPriv): void {
  const statusword = priv.status;
  priv.status = 0;
  let pkt: SnullPacket | null = null;
  if (statusword & SNULL_RX_INTR) {
    pkt = snullDequeueBuf(priv);
    if (pkt !== null) snullRx(priv, pkt);
  }
  if (statusword & SNULL_TX_INTR) snullTxDone(priv);
  if (pkt !== null) snullReleaseBuffer(pkt);
}

/** snull_napi_interrupt(): masks receive interrupts and lets snull_poll do the work. */
export function snullNapiInterrupt(priv: SnullPriv): void {
  const statusword = priv.status;
  priv.status = 0;
  // A receive interrupt raised before the mask went on is masked too: the poll will see its packet.
  if (statusword & SNULL_RX_INTR && priv.rxIntEnabled && priv.napi !== null) {
    priv.rxInts(false);
    napiSchedule(priv.napi);
  }
  if (statusword & SNULL_TX_INTR) snullTxDone(priv);
}

/** A transmission is over: count the oldest and free its skb if the driver kept it. */
function snullTxDone(priv: SnullPriv): void {
  const len = priv.txRing.complete();
  if (len < 0) return;
  priv.stats.txPackets++;
  priv.stats.txBytes += len < ETH_ZLEN ? ETH_ZLEN : len;
}
