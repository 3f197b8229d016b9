/**
 * How the shell moves the kernel's clock while it waits for a job or a `sleep`. The kernel's data
 * path is synchronous; only this edge awaits, between slices, so Ctrl-C and the terminal get in.
 */
import type { Kernel } from "@vnet/core";
import { RealtimeClock as KernelRealtimeClock } from "@vnet/driver-vxlan";

/** What `wait` ended on. */
export type WaitResult = "done" | "idle" | "timeout";

export interface ClockDriver {
  /**
   * Runs the kernel until `pred` holds, `ms` of kernel time pass (Infinity: no limit), or nothing
   * is left to happen ("idle", virtual time only).
   */
  wait(kernel: Kernel, pred: () => boolean, ms: number): Promise<WaitResult>;
  /** Runs what is due now (after each command; in real time, catches up with the wall clock). */
  settle(kernel: Kernel): void;
}

/** Wall time a slice may take before the driver yields to the event loop. */
const SLICE_MS = 20;

const now: () => number = typeof performance !== "undefined" ? () => performance.now() : () => Date.now();

// setImmediate where there is one (Node): setTimeout(0) costs a millisecond per slice.
const yieldToLoop = (): Promise<void> =>
  new Promise((resolve) => {
    const g = globalThis as { setImmediate?: ((fn: () => void) => unknown) | undefined };
    if (g.setImmediate !== undefined) g.setImmediate(resolve);
    else setTimeout(resolve, 0);
  });

/** Virtual time (the default): as fast as the CPU goes, deterministic. */
export class VirtualClock implements ClockDriver {
  settle(kernel: Kernel): void {
    kernel.runFor(0);
  }

  async wait(kernel: Kernel, pred: () => boolean, ms: number): Promise<WaitResult> {
    const sched = kernel.scheduler;
    const until = ms === Infinity ? Infinity : sched.now + ms * 1e6;
    for (;;) {
      if (pred()) return "done";
      const deadline = now() + SLICE_MS;
      let n = 0;
      let sliced = false;
      // The predicate runs after every event; the wall clock is read only every 256 events.
      const stop = (): boolean => {
        if (pred()) return true;
        if ((++n & 0xff) === 0 && now() > deadline) return (sliced = true);
        return false;
      };
      const stopped = until === Infinity ? sched.runIdle(stop) : sched.runUntil(until, stop);
      if (pred()) return "done";
      if (!stopped) return until === Infinity ? "idle" : "timeout";
      if (sliced) await yieldToLoop();
    }
  }
}

/**
 * Real time: kernel time follows the wall clock while the shell waits. It is the kernel's own
 * RealtimeClock (the one a real VXLAN socket starts), so there is one notion of real time; to keep
 * it running between commands too, start it: `KernelRealtimeClock.for(kernel).start()`.
 */
export class RealtimeClock implements ClockDriver {
  settle(kernel: Kernel): void {
    KernelRealtimeClock.for(kernel).settle();
  }

  wait(kernel: Kernel, pred: () => boolean, ms: number): Promise<WaitResult> {
    return KernelRealtimeClock.for(kernel).wait(kernel, pred, ms);
  }
}
