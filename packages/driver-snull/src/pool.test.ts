import { describe, expect, it } from "vitest";
import { devClose, devOpen, kfreeSkb, netifQueueStopped, skbPoolStats, type SkBuff } from "@vnet/core";
import { afterInterrupt, boot, ipId, ipv4, sendIp, stats } from "./test-helpers.js";

const packet = (id: number) => ipv4({ src: "192.168.0.1", dst: "192.168.0.2", id });

describe("the packet pool", () => {
  it("stops the queue with \"Pool empty\" when the last buffer goes, and wakes it when one comes back", () => {
    const { k, sn0, sn1, ip } = boot({ pool_size: 4 });
    for (let i = 0; i < 10; i++) sendIp(sn0, packet(i));
    // Four frames went to the hardware; six wait in the qdisc. No interrupt has run yet.
    expect(sn0.priv.poolFree).toBe(0);
    expect(netifQueueStopped(sn0)).toBe(true);
    expect(sn0.qdisc!.qlen).toBe(6);
    expect(sn1.priv.rxQueueLen).toBe(4);
    expect(ip).toHaveLength(0);
    expect(k.log.filter((l) => l.endsWith("sn0: Pool empty"))).toHaveLength(1);

    // Each receive interrupt on sn1 gives a buffer back to sn0; the first one wakes its queue.
    const after: [number, boolean][] = [];
    afterInterrupt(sn1.priv, () => after.push([sn0.priv.poolFree, netifQueueStopped(sn0)]));
    k.runUntil(() => after.length === 4);
    expect(after).toEqual([[1, false], [2, false], [3, false], [4, false]]);

    // The woken queue sends four more and runs dry again; then the last two go.
    k.runFor(1);
    expect(k.log.filter((l) => l.endsWith("sn0: Pool empty"))).toHaveLength(2);
    expect(ip.map(ipId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sn0.priv.poolFree).toBe(4);
    expect(netifQueueStopped(sn0)).toBe(false);
    expect(stats(sn0).txPackets).toBe(10);
    expect(stats(sn1).rxPackets).toBe(10);
  });

  it("logs \"Pool empty\" rate-limited (net_ratelimit: 10 per 5 seconds)", () => {
    const { k, sn0, ip } = boot({ pool_size: 1 });
    for (let i = 0; i < 30; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    expect(ip).toHaveLength(30);
    expect(k.log.filter((l) => l.endsWith("sn0: Pool empty"))).toHaveLength(10);
    k.runFor(5000);
    sendIp(sn0, packet(99));
    k.runFor(1);
    expect(k.log.filter((l) => l.endsWith("sn0: Pool empty"))).toHaveLength(11);
  });

  it("lends the sender's buffer to the receiver until the frame is consumed", () => {
    const { k, sn0, sn1 } = boot();
    sendIp(sn0, packet(1));
    expect(sn0.priv.poolFree).toBe(7);
    expect(sn1.priv.poolFree).toBe(8);
    expect(sn1.priv.rxHead!.owner).toBe(sn0.priv);
    k.runFor(1);
    expect(sn0.priv.poolFree).toBe(8);
    expect(sn1.priv.rxHead).toBeNull();
  });

  it("passes a copied frame up in the buffer it was written into and refills the packet (one copy)", () => {
    const { k, sn0, sn1 } = boot({ pool_size: 1 });
    const pkt = sn0.priv.buffers[0]!;
    const written = pkt.skb;
    // A tap on sn0 keeps a clone, so the frame's bytes are shared and get copied.
    const held: SkBuff[] = [];
    k.addPack({ type: 0x0003, dev: sn0, func: (skb) => void held.push(skb.clone()) });
    const up: SkBuff[] = [];
    k.addPack({ type: 0x0003, dev: sn1, func: (skb) => void up.push(skb) });
    sendIp(sn0, packet(1));
    k.runFor(1);
    expect(up).toEqual([written]);
    expect(pkt.skb).not.toBe(written);
    expect(pkt.skb.len).toBe(0);
    expect(sn0.priv.poolFree).toBe(1);
    expect(held).toHaveLength(1);
    for (const c of held) kfreeSkb(c);
  });

  it("lets a frame nobody else holds travel in its own skb: the packet's buffer stays unused", () => {
    const { k, sn0, sn1, ip } = boot({ pool_size: 1 });
    const pkt = sn0.priv.buffers[0]!;
    const own = pkt.skb;
    const pooled = skbPoolStats().cached;
    sendIp(sn0, packet(1));
    expect(pkt.sent).not.toBeNull();
    expect(sn0.priv.txRing.qlen).toBe(1);
    k.runFor(1);
    expect(pkt.sent).toBeNull();
    expect(pkt.skb).toBe(own);
    expect(ip.map(ipId)).toEqual([1]);
    expect([stats(sn0).txPackets, stats(sn1).rxPackets, sn0.priv.txRing.qlen, sn0.priv.poolFree]).toEqual([1, 1, 0, 1]);
    // The frame's skb went up and the stack freed it: back in the pool, and no refill was taken.
    expect(skbPoolStats().cached).toBe(pooled);
  });

  it("frees a travelling skb whose frame is purged before it is received", () => {
    const { sn0, sn1 } = boot({ pool_size: 2 });
    const pooled = skbPoolStats().cached;
    sendIp(sn0, packet(1));
    sendIp(sn0, packet(2));
    expect(sn1.priv.rxQueueLen).toBe(2);
    devClose(sn1);
    expect(sn0.priv.buffers.every((p) => p.sent === null)).toBe(true);
    expect(skbPoolStats().cached).toBe(pooled);
    devClose(sn0);
    expect(sn0.priv.txRing.qlen).toBe(0);
  });

  it("keeps the buffer in the packet when no fresh one can be had", () => {
    const { k, sn0, sn1 } = boot({ pool_size: 1, rx_nomem: 1 });
    const pkt = sn0.priv.buffers[0]!;
    const written = pkt.skb;
    sendIp(sn0, packet(1));
    k.runFor(1);
    expect(stats(sn1).rxDropped).toBe(1);
    expect(pkt.skb).toBe(written);
    expect(pkt.skb.len).toBe(0);
    sendIp(sn0, packet(2));
    k.runFor(1);
    expect(stats(sn1).rxDropped).toBe(2);
    expect(sn0.priv.poolFree).toBe(1);
  });

  it("gives queued buffers back to the sender when the receiver goes down", () => {
    const { k, sn0, sn1, ip } = boot({ pool_size: 2 });
    sendIp(sn0, packet(1));
    sendIp(sn0, packet(2));
    expect(netifQueueStopped(sn0)).toBe(true);
    devClose(sn1);
    expect(sn0.priv.poolFree).toBe(2);
    expect(netifQueueStopped(sn0)).toBe(false);
    k.runFor(1);
    expect(ip).toHaveLength(0);
    devOpen(sn1);
    sendIp(sn0, packet(3));
    k.runFor(1);
    expect(ip.map(ipId)).toEqual([3]);
  });
});

describe("receive queue order", () => {
  it("is FIFO by default", () => {
    const { k, sn0, ip } = boot();
    for (let i = 0; i < 4; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    expect(ip.map(ipId)).toEqual([0, 1, 2, 3]);
  });

  it("is the book's LIFO with rx_lifo=1, which reorders a burst", () => {
    const { k, sn0, ip } = boot({ rx_lifo: 1 });
    for (let i = 0; i < 4; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    expect(ip.map(ipId)).toEqual([3, 2, 1, 0]);
  });

  it("is LIFO in NAPI mode too", () => {
    const { k, sn0, ip } = boot({ rx_lifo: 1, use_napi: 1 });
    for (let i = 0; i < 4; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    expect(ip.map(ipId)).toEqual([3, 2, 1, 0]);
  });
});

describe("no skb for a received frame", () => {
  it("counts rx_dropped and still returns the buffer (rx_nomem=2: every second allocation fails)", () => {
    const { k, sn0, sn1, ip } = boot({ rx_nomem: 2 });
    for (let i = 0; i < 4; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    expect(ip.map(ipId)).toEqual([0, 2]);
    expect(stats(sn1)).toMatchObject({ rxPackets: 2, rxDropped: 2, rxBytes: 120 });
    expect(sn0.priv.poolFree).toBe(8);
    expect(stats(sn0).txPackets).toBe(4);
    expect(k.log.filter((l) => l.endsWith("snull rx: low on mem - packet dropped"))).toHaveLength(2);
  });

  it("does the same in the NAPI poll", () => {
    const { k, sn0, sn1, ip } = boot({ rx_nomem: 3, use_napi: 1 });
    for (let i = 0; i < 6; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    expect(ip.map(ipId)).toEqual([0, 1, 3, 4]);
    expect(stats(sn1)).toMatchObject({ rxPackets: 4, rxDropped: 2 });
    expect(k.log.filter((l) => l.endsWith("snull: packet dropped"))).toHaveLength(2);
  });

  it("rate-limits the message like printk_ratelimit (10 per 5 seconds)", () => {
    const { k, sn0, sn1 } = boot({ rx_nomem: 1 });
    for (let i = 0; i < 30; i++) sendIp(sn0, packet(i));
    k.runFor(1);
    expect(stats(sn1).rxDropped).toBe(30);
    expect(k.log.filter((l) => l.includes("low on mem"))).toHaveLength(10);
    k.runFor(5000);
    sendIp(sn0, packet(99));
    k.runFor(1);
    expect(k.log.filter((l) => l.includes("low on mem"))).toHaveLength(11);
  });
});
