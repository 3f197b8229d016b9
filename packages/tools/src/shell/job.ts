/** Small building blocks for jobs: a settable one, and `sleep` on the kernel's clock. */
import { Timer, type Kernel } from "@vnet/core";
import type { Job, JobSignal } from "./types.js";

/** A job finished by calling `finish`; signals end it with 128+N unless `onSignal` says otherwise. */
export class BasicJob implements Job {
  done = false;
  status = 0;
  /** Return true to say the signal was handled (and finish() was or will be called). */
  onSignal: ((sig: JobSignal) => boolean) | null = null;

  finish(status: number): void {
    if (this.done) return;
    this.done = true;
    this.status = status;
  }

  signal(sig: JobSignal): void {
    if (this.done) return;
    if (this.onSignal?.(sig) === true) return;
    this.finish(sig === "INT" ? 130 : 143);
  }
}

/** `sleep`: done after `ms` of kernel time; its timer is cancelled if it is killed. */
export function sleepJob(kernel: Kernel, ms: number): Job {
  const job = new BasicJob();
  const timer = new Timer<undefined>(() => job.finish(0), undefined);
  kernel.scheduler.arm(timer, kernel.scheduler.now + ms * 1e6);
  job.onSignal = () => {
    kernel.scheduler.cancel(timer);
    return false;
  };
  return job;
}

/** A job that is done when `pred` holds, checked each time the clock driver asks. */
export function untilJob(pred: () => boolean, status: () => number): Job {
  let forced: number | null = null;
  return {
    get done() {
      return forced !== null || pred();
    },
    get status() {
      return forced ?? status();
    },
    signal(sig: JobSignal) {
      if (!pred()) forced = sig === "INT" ? 130 : 143;
    },
  };
}
