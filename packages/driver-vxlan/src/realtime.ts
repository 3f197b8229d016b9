/**
 * Real time for a kernel that talks to the outside. The kernel's scheduler is virtual (time
 * moves only when someone runs it); a peer on a real network expects an ARP reply now and a
 * `ping -i 1` to wait one real second. A RealtimeClock runs the scheduler from the host's
 * timers, keeping kernel time equal to wall time since start:
 *
 * - it sleeps until the next kernel timer is due, then runs everything due by now. A timer armed
 *   from outside a run that becomes the earliest wakes it at once (the scheduler's `onWake`);
 * - `kick()` runs the kernel as soon as the current host callback returns: drivers call it when a
 *   datagram arrives, so received packets are processed in microseconds, in batches. Work queued
 *   from the host without a kick (a packet sent from a host callback) is picked up within
 *   `maxSleepMs`, the longest the clock ever sleeps;
 * - it never moves kernel time backwards: if someone ran virtual time ahead, the clock continues
 *   from there.
 *
 * Devices whose transport is `realtime` acquire the kernel's clock while open, so a kernel with a
 * real socket follows the wall clock without anyone asking. The same clock is what `vnet
 * --realtime` and `vnet up` run the kernel on. Platform-neutral (host `setTimeout`).
 */
import type { Kernel } from "@vnet/core";

export interface RealtimeClockOptions {
  /** The wall clock, in milliseconds (default `performance.now`). */
  now?: (() => number) | undefined;
  /**
   * The longest host sleep between two looks at the scheduler, in ms (default 100): a safety net
   * for work queued from the host without `kick()`. Timers and arrivals wake the clock anyway.
   */
  maxSleepMs?: number | undefined;
}

/** What a wait ended on (the shape of @vnet/tools' ClockDriver). */
export type WaitResult = "done" | "idle" | "timeout";

interface HostTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate?: ((fn: () => void) => unknown) | undefined;
}

const host = globalThis as unknown as HostTimers;

const wallNow: () => number =
  typeof (globalThis as { performance?: { now(): number } }).performance !== "undefined"
    ? () => (globalThis as unknown as { performance: { now(): number } }).performance.now()
    : () => Date.now();

// setImmediate runs after the host has queued every datagram of this poll: one kernel run per batch.
const defer: (fn: () => void) => void = host.setImmediate !== undefined
  ? (fn) => void host.setImmediate!(fn)
  : (fn) => void host.setTimeout(fn, 0);

const clocks = new WeakMap<Kernel, RealtimeClock>();

interface Waiter {
  pred: () => boolean;
  done: (ok: boolean) => void;
}

/** Runs a kernel's scheduler in step with the wall clock. One per kernel: `RealtimeClock.for(kernel)`. */
export class RealtimeClock {
  readonly kernel: Kernel;
  private readonly now: () => number;
  private readonly maxSleepMs: number;
  /** Wall ms and kernel ns of the same instant: kernel = kernel0 + (wall - wall0) * 1e6. */
  private wall0 = 0;
  private kernel0 = 0;
  private handle: unknown = null;
  /** Wall ms the host timer fires at, while `handle` is armed. */
  private handleAt = 0;
  private kickPending = false;
  private active = false;
  private explicit = false;
  private users = 0;
  private readonly waiters: Set<Waiter> = new Set();
  /** Host wake-ups so far (timer, kick or settle): for tests and benchmarks. */
  ticks = 0;

  constructor(kernel: Kernel, opts: RealtimeClockOptions = {}) {
    this.kernel = kernel;
    this.now = opts.now ?? wallNow;
    this.maxSleepMs = opts.maxSleepMs ?? 100;
  }

  /** The kernel's clock (created on first use). Options apply only when it is created. */
  static for(kernel: Kernel, opts?: RealtimeClockOptions): RealtimeClock {
    let c = clocks.get(kernel);
    if (c === undefined) {
      c = new RealtimeClock(kernel, opts);
      clocks.set(kernel, c);
    }
    return c;
  }

  /** The kernel's clock if it has one. */
  static of(kernel: Kernel): RealtimeClock | undefined {
    return clocks.get(kernel);
  }

  /** Whether the scheduler is following the wall clock. */
  get running(): boolean {
    return this.active;
  }

  /** Starts following the wall clock (until `stop()`). */
  start(): this {
    this.explicit = true;
    this.resume();
    return this;
  }

  /** Stops, unless an open device with a real transport still needs real time. */
  stop(): void {
    this.explicit = false;
    if (this.users === 0) this.pause();
  }

  /** A user that needs real time (a device with a real socket): starts the clock with the first. */
  acquire(): void {
    this.users++;
    this.resume();
  }

  /** Drops a user; the clock stops with the last unless started explicitly. */
  release(): void {
    if (this.users > 0) this.users--;
    if (this.users === 0 && !this.explicit) this.pause();
  }

  /**
   * Runs the kernel as soon as the current host callback returns (a datagram arrived). The first
   * kick of a batch also brings kernel time up to now, so that what arrives is stamped with the
   * time it arrived (skb->tstamp, a ping's round trip), not with the end of the last run.
   */
  kick(): void {
    if (!this.active || this.kickPending) return;
    this.kickPending = true;
    this.catchUp();
    defer(this.onKick);
  }

  /** Runs what is due by now, at once (tools call it after each command). */
  settle(_kernel: Kernel = this.kernel): void {
    if (this.active) this.tick();
    else this.kernel.runFor(0);
  }

  /**
   * Waits until `pred` holds (checked after every run) or `ms` of real time pass, the clock
   * running meanwhile. The same contract as @vnet/tools' ClockDriver.wait.
   */
  wait(_kernel: Kernel, pred: () => boolean, ms: number): Promise<WaitResult> {
    return this.until(pred, ms).then((ok) => (ok ? "done" : "timeout"));
  }

  /** Resolves true when `pred` holds, false after `timeoutMs` of real time (Infinity: never). */
  until(pred: () => boolean, timeoutMs: number = Infinity): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    this.acquire();
    return new Promise<boolean>((resolve) => {
      let timer: unknown = null;
      const w: Waiter = {
        pred,
        done: (ok) => {
          if (!this.waiters.delete(w)) return;
          if (timer !== null) host.clearTimeout(timer);
          this.release();
          resolve(ok);
        },
      };
      this.waiters.add(w);
      if (timeoutMs !== Infinity) timer = host.setTimeout(() => w.done(pred()), Math.max(0, timeoutMs));
      // Whoever waits has usually just queued work from outside (a ping's first echo): run it now.
      this.kick();
    });
  }

  /** Resolves after `ms` of kernel time (a kernel timer), the clock running meanwhile. */
  sleep(ms: number): Promise<void> {
    this.acquire();
    return new Promise<void>((resolve) => {
      // Armed outside a run, the timer wakes the clock through the scheduler's onWake.
      this.kernel.after(ms, () => {
        this.release();
        resolve();
      });
    });
  }

  /** Kernel time (ns) that corresponds to now on the wall clock; never behind the kernel. */
  private target(): number {
    const sched = this.kernel.scheduler;
    let t = this.kernel0 + (this.now() - this.wall0) * 1e6;
    if (sched.now > t) {
      // Someone ran virtual time ahead: carry on from there rather than stall until wall time catches up.
      this.kernel0 += sched.now - t;
      t = sched.now;
    }
    return t;
  }

  /** Moves kernel time up to the wall clock (timers due meanwhile run at the next tick); returns it. */
  private catchUp(): number {
    const sched = this.kernel.scheduler;
    const now = this.target();
    if (now > sched.now) sched.now = now;
    return now;
  }

  private resume(): void {
    if (this.active) return;
    this.active = true;
    this.wall0 = this.now();
    this.kernel0 = this.kernel.scheduler.now;
    this.kernel.scheduler.onWake = this.onWake;
    this.rearm();
  }

  private pause(): void {
    if (!this.active) return;
    this.active = false;
    const sched = this.kernel.scheduler;
    if (sched.onWake === this.onWake) sched.onWake = null;
    if (this.handle !== null) host.clearTimeout(this.handle);
    this.handle = null;
  }

  private readonly onWake = (): void => this.kick();

  private readonly onKick = (): void => {
    this.kickPending = false;
    if (this.active) this.tick();
  };

  private readonly onTimer = (): void => {
    this.handle = null;
    if (this.active) this.tick();
  };

  private tick(): void {
    this.ticks++;
    // The clock is read first, as a late timer softirq sees the current jiffies: what a timer
    // sends is stamped with the time it really left, not with when the timer was due.
    this.kernel.scheduler.runUntil(this.catchUp());
    if (this.waiters.size > 0) for (const w of [...this.waiters]) if (w.pred()) w.done(true);
    if (this.active) this.rearm();
  }

  /**
   * Sleeps until the next kernel timer is due (at once with softirq work pending), at most
   * maxSleepMs. A host timer already due no later is kept: waking early only re-arms, while a
   * setTimeout per kick would cost more than the batch it runs.
   */
  private rearm(): void {
    const k = this.kernel;
    const now = this.now();
    let at = now;
    if (!k.softnet.pending) {
      at = now + this.maxSleepMs;
      const next = k.scheduler.nextTime();
      if (next !== Infinity) at = Math.min(at, this.wall0 + (next - this.kernel0) / 1e6);
    }
    if (this.handle !== null) {
      if (this.handleAt <= at) return;
      host.clearTimeout(this.handle);
    }
    this.handleAt = at;
    // Rounded up: a host timer that fires before the kernel timer is due would only re-arm.
    this.handle = host.setTimeout(this.onTimer, Math.max(0, Math.ceil(at - now)));
  }
}
