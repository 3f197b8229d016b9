import { describe, expect, it } from "vitest";
import {
  ETH_P_ALL, Kernel, NETDEV_TX_BUSY, NETDEV_TX_OK, NET_XMIT_DROP, NET_XMIT_SUCCESS, PACKET_BROADCAST, PACKET_HOST,
  PACKET_OTHERHOST, PACKET_OUTGOING, ROOT_CRED, allocSkb, devClose, devGetStats, devHardHeader, devOpen, devQueueXmit, kfreeSkb, napiCompleteDone,
  napiEnable, napiSchedule, netifNapiAdd, netifReceiveSkb, netifRx, netifStopQueue, netifWakeQueue, skbPoolStats,
  type NetDevice, type PacketType, type SkBuff,
} from "../index.js";
import { dummy, wirePair } from "../testing/dummy.js";

const ETH_P_TEST = 0x88b5;
const BCAST = new Uint8Array([255, 255, 255, 255, 255, 255]);

function frame(dev: NetDevice, dst: Uint8Array = BCAST, proto = ETH_P_TEST, payload = 46): SkBuff {
  const skb = allocSkb(128);
  skb.reserve(32);
  skb.head.fill(0xab, skb.put(payload), skb.tail);
  skb.dev = dev;
  devHardHeader(skb, dev, proto, dst, null, payload);
  return skb;
}

function sink(k: Kernel, type = ETH_P_TEST): { got: { dev: string; pkt: number; len: number }[]; pt: PacketType } {
  const got: { dev: string; pkt: number; len: number }[] = [];
  const pt: PacketType = {
    type,
    func(skb, dev) {
      got.push({ dev: dev.name, pkt: skb.pktType, len: skb.len });
      kfreeSkb(skb);
    },
  };
  k.addPack(pt);
  return { got, pt };
}

describe("transmit", () => {
  it("drops on a down device with ENETDOWN and counts it", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    expect(devQueueXmit(frame(a))).toBe(-100);
    expect(devGetStats(a).txDropped).toBe(1);
    expect(a.priv.sent).toBe(0);
  });

  it("queues in the pfifo qdisc up to tx_queue_len while the driver's queue is stopped, then drains on wake", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    a.txQueueLen = 3;
    devOpen(a);
    netifStopQueue(a);
    const rcs = [0, 1, 2, 3, 4].map(() => devQueueXmit(frame(a)));
    expect(rcs).toEqual([NET_XMIT_SUCCESS, NET_XMIT_SUCCESS, NET_XMIT_SUCCESS, NET_XMIT_DROP, NET_XMIT_DROP]);
    expect(a.qdisc!.drops).toBe(2);
    expect(a.priv.sent).toBe(0);
    netifWakeQueue(a);
    expect(a.priv.sent).toBe(0);
    k.run();
    expect(a.priv.sent).toBe(3);
  });

  it("requeues on NETDEV_TX_BUSY and retries when woken", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    devOpen(a);
    a.priv.busy = true;
    expect(devQueueXmit(frame(a))).toBe(NET_XMIT_SUCCESS);
    expect(a.qdisc!.requeues).toBe(1);
    expect(a.qdisc!.qlen).toBe(1);
    a.priv.busy = false;
    netifStopQueue(a);
    netifWakeQueue(a);
    k.run();
    expect(a.priv.sent).toBe(1);
    expect(a.qdisc!.qlen).toBe(0);
  });

  it("drops at once on a stopped queue without a qdisc (tx_queue_len 0)", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    a.txQueueLen = 0;
    devOpen(a);
    expect(a.qdisc).toBeNull();
    netifStopQueue(a);
    expect(devQueueXmit(frame(a))).toBe(NET_XMIT_DROP);
    expect(devGetStats(a).txDropped).toBe(1);
  });

  it("frees queued packets when the device goes down", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    devOpen(a);
    netifStopQueue(a);
    devQueueXmit(frame(a));
    expect(a.qdisc!.qlen).toBe(1);
    const cached = skbPoolStats().cached;
    devClose(a);
    expect(a.qdisc).toBeNull();
    expect(skbPoolStats().cached).toBe(cached + 1);
  });
});

describe("receive", () => {
  it("delivers through the backlog in the softirq, classifying pkt_type", () => {
    const k = new Kernel();
    const [a, b] = [dummy(k.initNet), dummy(k.initNet)];
    wirePair(a, b);
    devOpen(a);
    devOpen(b);
    const { got } = sink(k);
    devQueueXmit(frame(a));
    devQueueXmit(frame(a, b.devAddr.slice(0, 6)));
    devQueueXmit(frame(a, new Uint8Array([2, 9, 9, 9, 9, 9])));
    expect(got).toEqual([]);
    k.run();
    expect(got.map((g) => [g.dev, g.pkt, g.len])).toEqual([
      [b.name, PACKET_BROADCAST, 46],
      [b.name, PACKET_HOST, 46],
      [b.name, PACKET_OTHERHOST, 46],
    ]);
  });

  it("drops beyond netdev_max_backlog and counts it in rx_dropped", () => {
    const k = new Kernel();
    k.netdevMaxBacklog = 10;
    const [a, b] = [dummy(k.initNet), dummy(k.initNet)];
    wirePair(a, b);
    devOpen(a);
    devOpen(b);
    const { got } = sink(k);
    for (let i = 0; i < 25; i++) devQueueXmit(frame(a));
    k.run();
    expect(got).toHaveLength(10);
    expect(devGetStats(b).rxDropped).toBe(15);
    expect(k.softnet.dropped).toBe(15);
  });

  it("counts frames no handler wants in rx_dropped", () => {
    const k = new Kernel();
    const [a, b] = [dummy(k.initNet), dummy(k.initNet)];
    wirePair(a, b);
    devOpen(a);
    devOpen(b);
    devQueueXmit(frame(a, BCAST, 0x1234));
    k.run();
    expect(devGetStats(b).rxDropped).toBe(1);
  });

  it("shows taps both directions, outgoing marked PACKET_OUTGOING, without consuming", () => {
    const k = new Kernel();
    const [a, b] = [dummy(k.initNet), dummy(k.initNet)];
    wirePair(a, b);
    devOpen(a);
    devOpen(b);
    const seen: string[] = [];
    k.addPack({ type: ETH_P_ALL, func: (skb, dev) => void seen.push(`${dev.name}:${skb.pktType}:${skb.tail - skb.macHeader}`) });
    const { got } = sink(k);
    devQueueXmit(frame(a));
    k.run();
    expect(seen).toEqual([`${a.name}:${PACKET_OUTGOING}:60`, `${b.name}:${PACKET_BROADCAST}:60`]);
    expect(got).toHaveLength(1);
  });

  it("polls NAPI within its weight and the softirq budget", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    devOpen(a);
    const { got } = sink(k);
    let pending = 5;
    const polls: number[] = [];
    const napi = netifNapiAdd(a, (n, budget) => {
      let work = 0;
      while (work < budget && pending > 0) {
        const skb = frame(a);
        skb.pull(14);
        skb.protocol = ETH_P_TEST;
        netifReceiveSkb(skb);
        pending--;
        work++;
      }
      polls.push(work);
      if (work < budget) napiCompleteDone(n, work);
      return work;
    }, 2);
    expect(napiSchedule(napi)).toBe(false);
    napiEnable(napi);
    expect(napiSchedule(napi)).toBe(true);
    expect(napiSchedule(napi)).toBe(false);
    k.run();
    expect(polls).toEqual([2, 2, 1]);
    expect(got).toHaveLength(5);
    expect(napi.scheduled).toBe(false);
  });

  it("stops a softirq round at netdev_budget and finishes later", () => {
    const k = new Kernel();
    k.netdevBudget = 4;
    k.vfs.write("/proc/sys/net/core/dev_weight", "2", { net: k.initNet, cred: ROOT_CRED });
    const a = dummy(k.initNet);
    devOpen(a);
    const { got } = sink(k);
    for (let i = 0; i < 10; i++) {
      const skb = frame(a);
      skb.pull(14);
      skb.protocol = ETH_P_TEST;
      netifRx(skb);
    }
    k.run();
    expect(got).toHaveLength(10);
    expect(k.softnet.timeSqueeze).toBeGreaterThan(0);
  });
});

describe("watchdog", () => {
  it("calls tx_timeout after watchdog_timeo jiffies of a stopped queue", () => {
    const k = new Kernel();
    const a = dummy(k.initNet, "wd0");
    const timeouts: number[] = [];
    a.watchdogTimeo = 5;
    a.ops = { ...a.ops, txTimeout: (dev) => (timeouts.push(k.jiffies), netifWakeQueue(dev)) };
    devOpen(a);
    devQueueXmit(frame(a));
    netifStopQueue(a);
    k.runFor(200);
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toBeGreaterThan(5);
    expect(timeouts[0]).toBeLessThanOrEqual(12);
    expect(k.log.some((l) => /NETDEV WATCHDOG: wd0 .*transmit queue 0 timed out/.test(l))).toBe(true);
  });
});

describe("observers", () => {
  it("build no packet events unless someone listens", () => {
    const k = new Kernel();
    expect(k.events.watchPackets).toBe(false);
    const [a, b] = [dummy(k.initNet), dummy(k.initNet)];
    wirePair(a, b);
    devOpen(a);
    devOpen(b);
    const seen: string[] = [];
    const fn = (dev: NetDevice): void => void seen.push(dev.name);
    k.events.on("xmit", fn);
    k.events.on("drop", (dev, _skb, reason) => seen.push(`drop ${dev.name} ${reason}`));
    expect(k.events.watchPackets).toBe(true);
    devQueueXmit(frame(a));
    k.run();
    expect(seen).toEqual([a.name, `drop ${b.name} UNHANDLED_PROTO`]);
    k.events.off("xmit", fn);
    expect(k.events.watchPackets).toBe(false);
    expect(NETDEV_TX_OK + NETDEV_TX_BUSY).toBe(0x10);
  });
});
