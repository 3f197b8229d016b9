import { describe, expect, it } from "vitest";
import { Kernel, Prng, ROOT_CRED, devGetStats, devOpen, devQueueXmit, type NetDevice } from "@vnet/core";
import insane, { insanelySet } from "./index.js";
import { boot, frame, send, sink } from "./test-helpers.js";
import type { InsanePriv } from "./priv.js";

describe("pass", () => {
  it("relays every packet", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    send(k, dev, 500);
    expect(eth0.priv.count).toBe(500);
    expect(devGetStats(dev).txDropped).toBe(0);
  });
});

describe("percent N", () => {
  it("relays N percent of packets, chosen by the kernel's seeded PRNG: exactly 813 of 1000 at 80 % with seed 42", () => {
    const { k, net, eth0, dev } = boot({ seed: 42 });
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "percent", arg1: 80 });
    send(k, dev, 1000);
    expect(eth0.priv.count).toBe(813);
    expect(devGetStats(dev).txDropped).toBe(187);
    // The same draws, made independently: one prandom_u32_max(100) per packet.
    const p = new Prng(42);
    let relayed = 0;
    for (let i = 0; i < 1000; i++) if (p.below(100) < 80) relayed++;
    expect(relayed).toBe(813);
  });

  it("is reproducible with the same seed and differs with another", () => {
    const run = (seed: number): number => {
      const { k, net, eth0, dev } = boot({ seed });
      insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "percent", arg1: 60 });
      send(k, dev, 1000);
      return eth0.priv.count;
    };
    expect(run(42)).toBe(622);
    expect(run(42)).toBe(622);
    expect(run(7)).not.toBe(622);
  });

  it("relays nothing at 0 and everything at 100", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "percent", arg1: 0 });
    send(k, dev, 100);
    expect(eth0.priv.count).toBe(0);
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "percent", arg1: 100 });
    send(k, dev, 100);
    expect(eth0.priv.count).toBe(100);
  });
});

describe("time ON OFF", () => {
  /** Sends one packet per jiffy for `n` jiffies; returns which jiffies (since the first) got through. */
  function onJiffies(k: Kernel, dev: NetDevice<InsanePriv>, eth0: NetDevice, n: number): number[] {
    const msPerJiffy = 1000 / k.hz;
    const start = k.jiffies;
    const got: number[] = [];
    for (let i = 0; i < n; i++) {
      const before = eth0.stats.txPackets;
      devQueueXmit(frame(dev));
      if (eth0.stats.txPackets > before) got.push(k.jiffies - start);
      k.runFor(msPerJiffy);
    }
    return got;
  }

  const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

  it("relays for ON jiffies, then drops for OFF jiffies, repeating from the SET (time 50 100 at HZ 100)", () => {
    const { k, net, eth0, dev } = boot();
    k.runFor(1234);
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "time", arg1: 50, arg2: 100 });
    const got = onJiffies(k, dev, eth0, 300);
    expect(got).toEqual([...range(0, 50), ...range(150, 200)]);
    expect(devGetStats(dev).txDropped).toBe(200);
  });

  it("counts in jiffies of the kernel's HZ (time 5 15 at HZ 1000: 5 ms on, 15 ms off)", () => {
    const k = new Kernel({ hz: 1000 });
    k.insmod(insane);
    const eth0 = sink(k.initNet);
    const dev = k.initNet.devices.get("insane") as NetDevice<InsanePriv>;
    devOpen(dev);
    insanelySet(k.initNet, ROOT_CRED, "insane", { slave: "eth0", mode: "time", arg1: 5, arg2: 15 });
    expect(onJiffies(k, dev, eth0, 40)).toEqual([0, 1, 2, 3, 4, 20, 21, 22, 23, 24]);
  });

  it("drops everything with time 0 N and relays everything with time N 0", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "time", arg1: 0, arg2: 3 });
    expect(onJiffies(k, dev, eth0, 10)).toEqual([]);
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "time", arg1: 3, arg2: 0 });
    expect(onJiffies(k, dev, eth0, 10)).toEqual(range(0, 10));
  });
});
