import { describe, expect, it } from "vitest";
import {
  ETH_SS_STATS, Prng, ROOT_CRED, devClose, devGetStats, skbPoolStats, unregisterNetdev, type NetDevice,
} from "@vnet/core";
import { insanelyGet, insanelySet, type InsaneNetemOptions } from "./index.js";
import { boot, expectedFrame, send, seqOf, type SinkPriv } from "./test-helpers.js";
import type { InsanePriv } from "./priv.js";

const MS = 1e6;
const u32 = (percent: number): number => Math.round((percent / 100) * 0xffffffff);

function ethtool(dev: NetDevice<InsanePriv>): Record<string, number> {
  const ops = dev.ethtoolOps!;
  const values = ops.getEthtoolStats!(dev);
  return Object.fromEntries(ops.getStrings!(dev, ETH_SS_STATS).map((n, i) => [n, values[i]!]));
}

/** Boots, configures pass + `netem`, sends `n` numbered frames `gapMs` apart, runs until idle. */
function run(netem: InsaneNetemOptions, n: number, gapMs = 0, payload = 46): {
  eth0: NetDevice<SinkPriv>;
  dev: NetDevice<InsanePriv>;
  seqs: number[];
  ms: number[];
  stats: Record<string, number>;
} {
  const { k, net, eth0, dev } = boot();
  insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass", netem });
  send(k, dev, n, gapMs, payload);
  k.run();
  return { eth0, dev, seqs: eth0.priv.frames.map(seqOf), ms: eth0.priv.times.map((t) => t / MS), stats: ethtool(dev) };
}

describe("delay", () => {
  it("holds every packet for the latency and releases them in order from one timer", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass", netem: { latencyNs: 100 * MS } });
    k.run();
    const timers = k.scheduler.pendingTimers;
    send(k, dev, 5, 10);
    expect(eth0.priv.count).toBe(0);
    expect(k.scheduler.pendingTimers).toBe(timers + 1);
    expect(ethtool(dev)["tx_queued"]).toBe(5);
    k.run();
    expect(eth0.priv.times.map((t) => t / MS)).toEqual([100, 110, 120, 130, 140]);
    expect(eth0.priv.frames.map(seqOf)).toEqual([0, 1, 2, 3, 4]);
    expect(ethtool(dev)).toMatchObject({ tx_delayed: 5, tx_queued: 0, tx_relayed: 5 });
  });

  it("with jitter, draws each delay uniformly in [latency - jitter, latency + jitter) and sends by time (seed 7)", () => {
    const r = run({ latencyNs: 100 * MS, jitterNs: 50 * MS, seed: 7 }, 200, 1);
    // Reference: tabledist() without a table, one draw per packet, then a time-ordered release.
    const p = new Prng(7);
    const due = Array.from({ length: 200 }, (_, i) => ({ i, t: i * MS + (p.u32() % (100 * MS)) - 50 * MS + 100 * MS }));
    due.sort((a, b) => a.t - b.t || a.i - b.i);
    expect(r.seqs).toEqual(due.map((d) => d.i));
    expect(r.ms).toEqual(due.map((d) => d.t / MS));
    for (let j = 0; j < 200; j++) {
      const delay = r.ms[j]! - r.seqs[j]!;
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThan(150);
    }
    let descents = 0;
    for (let j = 1; j < r.seqs.length; j++) if (r.seqs[j]! < r.seqs[j - 1]!) descents++;
    expect(descents).toBe(93);
  });
});

describe("loss gemodel (Gilbert-Elliott)", () => {
  it("loses 1263 of 10000 with p 5 %, r 30 %, 1-h 80 %, 1-k 1 % and seed 11, exactly as netem's loss_gilb_ell", () => {
    const r = run({ lossP: 5, lossR: 30, loss1H: 80, loss1K: 1, seed: 11 }, 10000);
    const p = new Prng(11);
    let bad = false;
    const kept: number[] = [];
    for (let i = 0; i < 10000; i++) {
      let lost: boolean;
      if (!bad) {
        if (p.u32() < u32(5)) bad = true;
        lost = p.u32() < u32(1);
      } else {
        if (p.u32() < u32(30)) bad = false;
        lost = p.u32() > 0xffffffff - u32(80);
      }
      if (!lost) kept.push(i);
    }
    expect(r.seqs).toEqual(kept);
    expect(r.stats["tx_drop_gemodel"]).toBe(1263);
    expect(devGetStats(r.dev).txDropped).toBe(1263);
    // Losses come in bursts: more runs of two or more than independent losses at this rate would give.
    const keptSet = new Set(kept);
    const lostSet = new Set(Array.from({ length: 10000 }, (_, i) => i).filter((i) => !keptSet.has(i)));
    let pairs = 0;
    for (const i of lostSet) if (lostSet.has(i + 1)) pairs++;
    expect(pairs).toBeGreaterThan(1263 * 0.1263 * 3);
  });

  it("takes tc's defaults when only p is given: r = 100 - p, 1-h = 100 %, 1-k = 0", () => {
    const { net } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass", netem: { lossP: 2, seed: 1 } });
    expect(insanelyGet(net, ROOT_CRED, "insane").netem).toMatchObject({ lossP: 2, lossR: 98, loss1H: 100, loss1K: 0 });
  });
});

describe("duplicate", () => {
  it("sends 81 of 1000 packets twice at 10 % with seed 5, the copy first", () => {
    const r = run({ duplicate: 10, seed: 5 }, 1000);
    const p = new Prng(5);
    const expected: number[] = [];
    for (let i = 0; i < 1000; i++) {
      if (p.u32() <= u32(10)) expected.push(i);
      expected.push(i);
    }
    expect(r.seqs).toEqual(expected);
    expect(r.stats["tx_duplicated"]).toBe(81);
    expect(r.eth0.priv.count).toBe(1081);
    expect(devGetStats(r.dev).txPackets).toBe(1081);
  });
});

describe("corrupt", () => {
  it("flips exactly one random bit in 70 of 1000 packets at 5 % with seed 9", () => {
    const r = run({ corrupt: 5, seed: 9 }, 1000);
    const p = new Prng(9);
    const src = r.eth0.address();
    let corrupted = 0;
    for (let i = 0; i < 1000; i++) {
      const want = expectedFrame(src, i);
      if (p.u32() <= u32(5)) {
        want[p.below(60)]! ^= 1 << p.below(8);
        corrupted++;
      }
      expect(r.eth0.priv.frames[i]).toEqual(want);
    }
    expect(corrupted).toBe(70);
    expect(r.stats["tx_corrupted"]).toBe(70);
    let flipped = 0;
    for (let i = 0; i < 1000; i++) {
      const want = expectedFrame(src, i);
      const got = r.eth0.priv.frames[i]!;
      let bits = 0;
      for (let j = 0; j < got.length; j++) for (let x = got[j]! ^ want[j]!; x !== 0; x &= x - 1) bits++;
      expect(bits).toBeLessThanOrEqual(1);
      flipped += bits;
    }
    expect(flipped).toBe(70);
  });
});

describe("reorder", () => {
  it("sends 28 of 100 at once and delays the rest, with reorder 25 % and delay 10 ms (seed 3)", () => {
    const r = run({ latencyNs: 10 * MS, reorder: 25, seed: 3 }, 100, 1);
    const p = new Prng(3);
    const now = new Set<number>();
    for (let i = 0; i < 100; i++) if (u32(25) >= p.u32()) now.add(i);
    expect(now.size).toBe(28);
    expect(r.stats).toMatchObject({ tx_reordered: 28, tx_delayed: 72 });
    for (let j = 0; j < 100; j++) {
      const seq = r.seqs[j]!;
      expect(r.ms[j]).toBe(now.has(seq) ? seq : seq + 10);
    }
    // A packet sent at once overtakes those still held: 6 leaves before 0..5.
    expect(r.seqs.slice(0, 3)).toEqual([6, 9, 0]);
  });

  it("lets one packet in `gap` skip the delay (reorder 100 % gap 5: every fifth)", () => {
    const r = run({ latencyNs: 10 * MS, reorder: 100, gap: 5 }, 20);
    expect(r.ms.filter((t) => t === 0)).toHaveLength(4);
    expect(r.seqs.slice(0, 4)).toEqual([4, 9, 14, 19]);
  });
});

describe("rate", () => {
  it("sends 1000-bit frames at 1 Mbit/s one per millisecond", () => {
    const r = run({ rateBps: 1e6 }, 10, 0, 111);
    expect(r.ms).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("adds the latency once, then spaces by the rate", () => {
    const r = run({ rateBps: 1e6, latencyNs: 10 * MS }, 3, 0, 111);
    expect(r.ms).toEqual([11, 12, 13]);
  });

  it("drops what does not fit in the queue (limit 5)", () => {
    const r = run({ rateBps: 1e6, limit: 5 }, 10, 0, 111);
    expect(r.seqs).toEqual([0, 1, 2, 3, 4]);
    expect(r.stats).toMatchObject({ tx_drop_limit: 5, tx_relayed: 5 });
    expect(devGetStats(r.dev).txDropped).toBe(5);
  });
});

describe("held packets", () => {
  it("are dropped and freed when insane goes down", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass", netem: { latencyNs: 50 * MS } });
    send(k, dev, 3);
    const cached = skbPoolStats().cached;
    devClose(dev);
    expect(skbPoolStats().cached).toBe(cached + 3);
    k.run();
    expect(eth0.priv.count).toBe(0);
    expect(ethtool(dev)).toMatchObject({ tx_drop_purged: 3, tx_queued: 0 });
  });

  it("are dropped when the slave goes away", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass", netem: { latencyNs: 50 * MS } });
    send(k, dev, 4);
    unregisterNetdev(eth0);
    k.runFor(1000);
    expect(eth0.priv.count).toBe(0);
    expect(ethtool(dev)["tx_drop_purged"]).toBe(4);
  });
});

describe("impairments together", () => {
  const all: InsaneNetemOptions = {
    latencyNs: 20 * MS, jitterNs: 5 * MS, lossP: 3, lossR: 40, duplicate: 5, corrupt: 2, reorder: 10, rateBps: 10e6, seed: 1234,
  };

  it("are deterministic: the same seed gives the same frames at the same times", () => {
    const a = run(all, 500, 1);
    const b = run(all, 500, 1);
    expect(a.eth0.priv.frames).toEqual(b.eth0.priv.frames);
    expect(a.ms).toEqual(b.ms);
    const c = run({ ...all, seed: 4321 }, 500, 1);
    expect(c.eth0.priv.frames).not.toEqual(a.eth0.priv.frames);
  });

  it("account for every packet: relayed = sent + duplicated - dropped", () => {
    const r = run(all, 500, 1);
    const s = r.stats;
    expect(s["tx_relayed"]).toBe(500 + s["tx_duplicated"]! - s["tx_drop_gemodel"]! - s["tx_drop_limit"]!);
    expect(s["tx_relayed"]).toBe(r.eth0.priv.count);
    expect(s["tx_drop_gemodel"]).toBeGreaterThan(0);
    expect(s["tx_duplicated"]).toBeGreaterThan(0);
    expect(s["tx_corrupted"]).toBeGreaterThan(0);
    expect(s["tx_reordered"]).toBeGreaterThan(0);
  });

  it("come after the mode: percent drops first, the rest is impaired", () => {
    const { k, net, eth0, dev } = boot({ seed: 42 });
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "percent", arg1: 80, netem: { latencyNs: 5 * MS } });
    send(k, dev, 1000);
    expect(eth0.priv.count).toBe(0);
    k.run();
    expect(eth0.priv.count).toBe(813);
    expect(ethtool(dev)).toMatchObject({ tx_drop_percent: 187, tx_delayed: 813 });
  });
});
