import type { NetDevice } from "./netdevice.js";

/** NAPI default weight (NAPI_POLL_WEIGHT). */
export const NAPI_POLL_WEIGHT = 64;

/** A NAPI context (struct napi_struct): the driver's poll, run from the receive softirq. */
export class Napi {
  dev: NetDevice;
  /** Returns how many packets it processed, at most `budget`. */
  poll: (napi: Napi, budget: number) => number;
  weight: number;
  /** NAPI_STATE_SCHED: on the poll list or being polled. */
  scheduled = false;
  /** NAPI_STATE_DISABLE. */
  disabled = true;
  /** Set by napiCompleteDone during a poll. */
  completed = false;

  constructor(dev: NetDevice, poll: (napi: Napi, budget: number) => number, weight: number) {
    this.dev = dev;
    this.poll = poll;
    this.weight = weight;
  }
}
