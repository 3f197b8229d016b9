import { describe, expect, it } from "vitest";
import { devClose, Kernel, pingSocket, ROOT_CRED, type EchoReply } from "@vnet/core";
import { MemoryUnderlay, RealtimeClock, type VxlanTransportFactory } from "./index.js";
import { boot, ip, linkAdd, up } from "./test-helpers.js";

const wall = (): number => performance.now();

/** A memory underlay whose endpoints say they are real sockets, so the kernels go real time. */
function realtimeHost(wire: MemoryUnderlay, addr: string): VxlanTransportFactory {
  const f = wire.host(addr);
  return (req) => Object.assign(f(req), { realtime: true });
}

describe("RealtimeClock", () => {
  it("fires kernel timers on time", async () => {
    const k = new Kernel();
    const clock = RealtimeClock.for(k).start();
    const t0 = wall();
    let firedAt = 0;
    k.after(150, () => (firedAt = wall()));
    expect(await clock.until(() => firedAt > 0, 2000)).toBe(true);
    expect(firedAt - t0).toBeGreaterThanOrEqual(145);
    // Kernel time followed: about 150 ms passed for the kernel too.
    expect(k.nowMs).toBeGreaterThanOrEqual(149);
    clock.stop();
    expect(clock.running).toBe(false);
  });

  it("never moves kernel time backwards when virtual time was run ahead", async () => {
    const k = new Kernel();
    const clock = RealtimeClock.for(k).start();
    k.runFor(60_000);
    const before = k.scheduler.now;
    let fired = false;
    k.after(50, () => (fired = true));
    expect(await clock.until(() => fired, 2000)).toBe(true);
    expect(k.scheduler.now).toBeGreaterThanOrEqual(before + 50e6);
    expect(k.scheduler.now).toBeLessThan(before + 1000e6);
    clock.stop();
  });

  it("is the shape of the tools' ClockDriver: settle() and wait(kernel, pred, ms)", async () => {
    const k = new Kernel();
    const clock = RealtimeClock.for(k);
    let n = 0;
    k.after(30, () => n++);
    expect(await clock.wait(k, () => n === 1, 1000)).toBe("done");
    expect(await clock.wait(k, () => false, 50)).toBe("timeout");
    // wait() held the clock only while waiting.
    expect(clock.running).toBe(false);
    clock.settle(k);
  });

  it("is woken by a timer armed from outside, without polling", async () => {
    const k = new Kernel();
    // A sleep this long means only the scheduler's wake-up can fire the timer in time.
    const clock = RealtimeClock.for(k, { maxSleepMs: 600_000 }).start();
    expect(k.scheduler.onWake).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    let fired = false;
    k.after(30, () => (fired = true));
    expect(await clock.until(() => fired, 3000)).toBe(true);
    clock.stop();
    expect(k.scheduler.onWake).toBeNull();
  });

  it("reads the wall clock before it runs: a late timer and an arrival see the time they happen", async () => {
    const k = new Kernel();
    let wall = 1000;
    const clock = RealtimeClock.for(k, { now: () => wall }).start();
    // A timer due at 100 ms whose host timer fires late, at 250 ms: it runs at 250, as a late
    // timer softirq sees the current jiffies.
    let seenAt = -1;
    k.after(100, () => (seenAt = k.nowMs));
    wall = 1250;
    clock.settle();
    expect(seenAt).toBe(250);
    await new Promise((resolve) => setImmediate(resolve));
    // A datagram arriving at 400 ms kicks the clock: kernel time is 400 before the driver queues it.
    wall = 1400;
    clock.kick();
    expect(k.nowMs).toBe(400);
    await new Promise((resolve) => setImmediate(resolve));
    clock.stop();
  });

  it("runs while a device with a real transport is up, and processes arrivals at once", async () => {
    const wire = new MemoryUnderlay();
    const a = boot(realtimeHost(wire, "192.0.2.1"), 1);
    const b = boot(realtimeHost(wire, "192.0.2.2"), 2);
    const va = linkAdd(a, "vx0", ["id", "42", "remote", "192.0.2.2"]);
    const vb = linkAdd(b, "vx0", ["id", "42", "remote", "192.0.2.1"]);
    up(va, "10.99.0.1/24");
    up(vb, "10.99.0.2/24");
    const ca = RealtimeClock.of(a)!;
    const cb = RealtimeClock.of(b)!;
    expect(ca.running && cb.running).toBe(true);

    // ping -i 1 -c 3: one echo per real second; replies arrive within milliseconds.
    const sk = pingSocket(a.initNet, ROOT_CRED);
    const replies: EchoReply[] = [];
    sk.onReadable = () => {
      for (let r = sk.recv(); r !== null; r = sk.recv()) replies.push(r);
    };
    const t0 = wall();
    for (let seq = 1; seq <= 3; seq++) {
      if (seq > 1) await ca.sleep(1000);
      sk.sendEcho(ip("10.99.0.2"), seq);
      ca.kick();
    }
    expect(await ca.until(() => replies.length === 3, 2000)).toBe(true);
    const elapsed = wall() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(1990);
    expect(replies.map((r) => r.seq)).toEqual([1, 2, 3]);
    // Kernel RTTs are real ones now: well under the interval.
    for (const r of replies) expect(r.rttMs).toBeLessThan(500);
    sk.close();
    devClose(va);
    devClose(vb);
    expect(ca.running || cb.running).toBe(false);
  });
});
