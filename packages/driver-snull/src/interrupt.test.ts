import { describe, expect, it } from "vitest";
import { allocSkb, kfreeSkb, netifQueueStopped, type Napi, type SkBuff } from "@vnet/core";
import { afterInterrupt, boot, ipId, ipv4, sendIp, stats } from "./test-helpers.js";
import { SnullTxRing, type SnullPriv } from "./priv.js";

const packet = (id: number) => ipv4({ src: "192.168.0.1", dst: "192.168.0.2", id });

/** Records what the receive queue holds after each interrupt handled on `priv`'s device. */
function countInterrupts(priv: SnullPriv): number[] {
  const after: number[] = [];
  afterInterrupt(priv, () => after.push(priv.rxQueueLen));
  return after;
}

/** Counts the firings of `priv`'s interrupt line (scheduler events). */
function countFirings(priv: SnullPriv): { n: number } {
  const count = { n: 0 };
  const fire = priv.irq.fn;
  priv.irq.fn = (p) => {
    count.n++;
    fire(p);
  };
  return count;
}

/** Records the work each poll of `napi` reports. */
function countPolls(napi: Napi): number[] {
  const works: number[] = [];
  const poll = napi.poll;
  napi.poll = (n, budget) => {
    const w = poll(n, budget);
    works.push(w);
    return w;
  };
  return works;
}

describe("interrupts", () => {
  it("are delivered by the kernel's scheduler, never from inside the transmit call", () => {
    const { k, sn0, sn1, ip } = boot();
    sendIp(sn0, packet(1));
    expect(ip).toHaveLength(0);
    expect(sn1.priv.rxIrqs).toBe(1);
    expect(sn0.priv.txIrqs).toBe(1);
    expect(sn0.priv.txRing.qlen).toBe(1); // the skb waits for transmit-done
    expect(stats(sn0).txPackets).toBe(0);
    k.runFor(0); // same instant: virtual time does not move
    expect(k.nowMs).toBe(0);
    expect(ip).toHaveLength(1);
    expect(sn0.priv.txRing.qlen).toBe(0);
    expect(stats(sn0)).toMatchObject({ txPackets: 1, txBytes: 60 });
  });

  it("regular mode: one frame per receive interrupt", () => {
    const { k, sn0, sn1, ip } = boot();
    const queued = countInterrupts(sn1.priv);
    for (let i = 0; i < 3; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    expect(queued).toEqual([2, 1, 0]);
    expect(ip.map(ipId)).toEqual([0, 1, 2]);
  });

  it("raised while the line is asserted, join it: a burst is one scheduler event, still one handler run per interrupt", () => {
    const { k, sn0, sn1, ip } = boot();
    const rxLine = countFirings(sn1.priv);
    const txLine = countFirings(sn0.priv);
    const rxRuns = countInterrupts(sn1.priv);
    const txRuns = countInterrupts(sn0.priv);
    for (let i = 0; i < 3; i++) sendIp(sn0, packet(i));
    expect(sn1.priv.rxIrqs).toBe(3);
    expect(sn0.priv.txIrqs).toBe(3);
    k.runFor(0);
    expect(rxLine.n).toBe(1);
    expect(txLine.n).toBe(1);
    expect(rxRuns).toEqual([2, 1, 0]);
    expect(txRuns).toHaveLength(3);
    expect(ip.map(ipId)).toEqual([0, 1, 2]);
    expect(stats(sn0)).toMatchObject({ txPackets: 3, txBytes: 180 });
  });

  it("NAPI mode: interrupts masked, polls of weight 2, unmasked when a poll ends under budget", () => {
    const { k, sn0, sn1, ip } = boot({ use_napi: 1 });
    const napi = sn1.napiList[0]!;
    expect(napi.weight).toBe(2);
    const works = countPolls(napi);
    const masked: boolean[] = [];
    k.addPack({ type: 0x0003, dev: sn1, func: () => void masked.push(!sn1.priv.rxIntEnabled) });

    for (let i = 0; i < 5; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    expect(works).toEqual([2, 2, 1]);
    expect(masked).toEqual([true, true, true, true, true]);
    expect(sn1.priv.rxIntEnabled).toBe(true);
    expect(ip.map(ipId)).toEqual([0, 1, 2, 3, 4]);
    expect(stats(sn1)).toMatchObject({ rxPackets: 5, rxBytes: 300 });

    // A poll that takes exactly its weight is not the end: the next one finds nothing and completes.
    sendIp(sn0, packet(5));
    sendIp(sn0, packet(6));
    k.runFor(1);
    expect(works).toEqual([2, 2, 1, 2, 0]);
    expect(sn1.priv.rxIntEnabled).toBe(true);
  });

  it("NAPI mode: a frame that arrives while interrupts are masked raises none and joins the poll", () => {
    const { k, sn0, sn1, ip } = boot({ use_napi: 1 });
    const works = countPolls(sn1.napiList[0]!);
    const irqs: number[] = [];
    k.addPack({
      type: 0x0003,
      dev: sn1,
      func(skb) {
        if (skb.head[skb.data + 5] !== 0) return; // IPv4 id 0 only
        sendIp(sn0, packet(1)); // from inside the poll
        irqs.push(sn1.priv.rxIrqs);
      },
    });
    sendIp(sn0, packet(0));
    k.runFor(1);
    expect(irqs).toEqual([0]);
    expect(works).toEqual([2, 0]);
    expect(ip.map(ipId)).toEqual([0, 1]);
  });
});

describe("lockup and the transmit watchdog", () => {
  it("stalls on the lost interrupt, then the watchdog's tx_timeout recovers", () => {
    const { k, sn0, sn1, ip } = boot({ lockup: 3 });
    for (let i = 0; i < 5; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    // The third frame was delivered but its transmit-complete interrupt was lost.
    expect(netifQueueStopped(sn0)).toBe(true);
    expect(ip.map(ipId)).toEqual([0, 1, 2]);
    expect(stats(sn0)).toMatchObject({ txPackets: 2, txErrors: 0 });
    expect(sn0.priv.txRing.qlen).toBe(1);
    expect(sn0.qdisc!.qlen).toBe(2);

    // Still stuck just before the watchdog (timeout = 5 jiffies at HZ=100, checked every 50 ms).
    k.runFor(97);
    expect(netifQueueStopped(sn0)).toBe(true);
    expect(k.log.some((l) => l.includes("NETDEV WATCHDOG"))).toBe(false);

    k.runFor(3);
    expect(k.log.some((l) => /NETDEV WATCHDOG: sn0 \(snull\): transmit queue 0 timed out 100 ms/.test(l))).toBe(true);
    expect(k.log.some((l) => l.includes("snull: sn0: Transmit timeout at 10, latency 10"))).toBe(true);
    expect(netifQueueStopped(sn0)).toBe(false);
    expect(ip.map(ipId)).toEqual([0, 1, 2, 3, 4]);
    // The lost frame is counted as sent (the simulated interrupt) and as an error, like the book.
    expect(stats(sn0)).toMatchObject({ txPackets: 5, txErrors: 1 });
    expect(stats(sn1).rxPackets).toBe(5);
    expect(sn0.priv.txRing.qlen).toBe(0);
    expect(sn0.priv.poolFree).toBe(8);
    expect(sn0.priv.buffers).toHaveLength(8);
  });

  it("keeps recovering, every Nth frame, in NAPI mode too", () => {
    const { k, sn0, ip } = boot({ lockup: 2, use_napi: 1 });
    for (let i = 0; i < 7; i++) sendIp(sn0, packet(i));
    k.runFor(2000);
    expect(ip.map(ipId)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(stats(sn0)).toMatchObject({ txPackets: 7, txErrors: 3 });
    expect(k.log.filter((l) => l.includes("NETDEV WATCHDOG: sn0"))).toHaveLength(3);
    expect(netifQueueStopped(sn0)).toBe(false);
  });

  it("resets the pool without growing it when frames are still in flight (the book's FIXME)", () => {
    const { k, sn0, ip } = boot({ pool_size: 4 });
    sendIp(sn0, packet(0));
    sendIp(sn0, packet(1));
    sn0.ops.txTimeout!(sn0, 0);
    expect(sn0.priv.poolFree).toBe(2);
    expect(stats(sn0).txErrors).toBe(1);
    k.runFor(1);
    expect(ip.map(ipId)).toEqual([0, 1]);
    expect(sn0.priv.poolFree).toBe(4);
    expect(sn0.priv.buffers).toHaveLength(4);
  });

  it("does nothing without lockup: the watchdog never fires", () => {
    const { k, sn0 } = boot();
    for (let i = 0; i < 50; i++) sendIp(sn0, packet(i));
    k.runFor(2000);
    expect(stats(sn0)).toMatchObject({ txPackets: 50, txErrors: 0 });
    expect(k.log.some((l) => l.includes("NETDEV WATCHDOG"))).toBe(false);
  });
});

describe("the transmit ring", () => {
  it("completes transmissions oldest first while it wraps and grows, freeing only the skbs it kept", () => {
    const ring = new SnullTxRing();
    const kept: SkBuff[] = [];
    let next = 100;
    const done: number[] = [];
    for (let round = 0; round < 50; round++) {
      // Push more than the ring holds every few rounds, complete a little less.
      for (let i = 0; i < (round % 7) + 3; i++) {
        const skb = i % 2 === 0 ? allocSkb(64) : null;
        if (skb !== null) kept.push(skb);
        ring.push(next++, skb);
      }
      for (let i = 0; i < (round % 5) + 2 && ring.qlen > 0; i++) done.push(ring.complete());
    }
    const pending = ring.qlen;
    expect(ring.purge()).toBe(pending);
    expect([ring.qlen, ring.complete()]).toEqual([0, -1]);
    expect(done).toEqual(Array.from({ length: done.length }, (_, i) => 100 + i));
    expect(done.length + pending).toBe(next - 100);
    // Every kept skb was freed exactly once: a second free throws.
    for (const skb of kept) expect(() => kfreeSkb(skb)).toThrow(/freed twice/);
  });
});
