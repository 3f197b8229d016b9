import { describe, expect, it } from "vitest";
import { Kernel, Prng, Timer } from "../index.js";

describe("kernel clock", () => {
  it("fires timers in time order, same-time ones in arming order", () => {
    const k = new Kernel();
    const log: string[] = [];
    k.after(20, () => log.push("b"));
    k.after(10, () => log.push("a"));
    k.after(20, () => log.push("c"));
    k.run();
    expect(log).toEqual(["a", "b", "c"]);
    expect(k.nowMs).toBe(20);
  });

  it("keeps the cached jiffies equal to the kernel's as time moves", () => {
    const k = new Kernel({ hz: 250 });
    const s = k.scheduler;
    for (const ms of [0, 1, 3, 4, 5, 999, 1000, 1001, 4003]) {
      k.runFor(ms);
      expect(s.jiffiesAt(k.nsPerJiffy)).toBe(k.jiffies);
      expect(s.jiffiesAt(k.nsPerJiffy)).toBe(k.jiffies);
    }
    // Another tick length, and a clock moved from outside, are honoured at once.
    expect(s.jiffiesAt(1e6)).toBe(Math.floor(s.now / 1e6));
    s.now += 123_456_789;
    expect(s.jiffiesAt(k.nsPerJiffy)).toBe(k.jiffies);
  });

  it("counts jiffies at HZ and re-arms with modTimer, cancels with delTimer", () => {
    const k = new Kernel({ hz: 250 });
    const fired: number[] = [];
    const t = new Timer<number>((n) => fired.push(n + k.jiffies), 0);
    k.modTimer(t, 10);
    k.modTimer(t, 25);
    k.run();
    expect(fired).toEqual([25]);
    expect(k.nowMs).toBe(100);
    k.modTimer(t, k.jiffies + 5);
    expect(k.delTimer(t)).toBe(true);
    expect(k.delTimer(t)).toBe(false);
    k.run();
    expect(fired).toEqual([25]);
  });

  it("runFor advances exactly, runUntil stops on the predicate", () => {
    const k = new Kernel();
    let n = 0;
    const tick = (): void => {
      n++;
      k.after(100, tick);
    };
    k.after(100, tick);
    k.runFor(1000);
    expect(n).toBe(10);
    expect(k.nowMs).toBe(1000);
    expect(k.runUntil(() => n === 15)).toBe(true);
    expect(k.nowMs).toBe(1500);
    expect(k.runUntil(() => false, 250)).toBe(false);
    expect(k.nowMs).toBe(1750);
  });

  it("run() ignores deferrable timers", () => {
    const k = new Kernel();
    const t = new Timer(() => {}, null);
    t.deferrable = true;
    k.modTimer(t, 1000);
    k.run();
    expect(t.pending).toBe(true);
    expect(k.nowMs).toBe(0);
  });

  it("wakes its host loop when a timer armed outside a run becomes the earliest", () => {
    const k = new Kernel();
    const s = k.scheduler;
    expect(s.onWake).toBeNull();
    const wakes: number[] = [];
    s.onWake = () => wakes.push(s.nextTime());
    const late = k.after(50, () => {});
    k.after(80, () => {}); // not the earliest: the host loop already sleeps less than that
    const early = k.after(20, () => {
      // Inside a run the runner looks at nextTime() itself: no wake-up.
      k.after(1, () => {});
    });
    expect(wakes).toEqual([50e6, 20e6]);
    k.runFor(25);
    expect(wakes).toEqual([50e6, 20e6]);
    expect(early.pending).toBe(false);
    // Re-arming the pending timer earlier is a new earliest; cancelling one wakes nobody.
    k.scheduler.arm(late, s.now + 10e6);
    expect(wakes).toEqual([50e6, 20e6, 35e6]);
    k.delTimer(late);
    expect(wakes.length).toBe(3);
    // A run that ended by an exception still counts as over.
    k.after(1, () => {
      throw new Error("timer bug");
    });
    wakes.length = 0;
    expect(() => k.runFor(5)).toThrow("timer bug");
    k.after(1, () => {});
    expect(wakes.length).toBe(1);
    s.onWake = null;
    k.after(0, () => {});
    expect(wakes.length).toBe(1);
  });

  it("gives the same random sequence for the same seed", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const sa = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.u32())).not.toEqual(sa);
    const r = new Prng(7);
    for (let i = 0; i < 1000; i++) {
      const v = r.below(10);
      expect(v >= 0 && v < 10 && Number.isInteger(v)).toBe(true);
    }
  });
});
