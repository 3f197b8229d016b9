// What user space shares with the driver (the article's insane.h): ioctl numbers, modes and the
// structure that ifr.data carries, plus vnet's netem-style extension of that structure.
import { SIOCDEVPRIVATE } from "@vnet/core";

/** Sets slave, mode and arguments; needs CAP_NET_ADMIN. */
export const SIOCINSANESETINFO: number = SIOCDEVPRIVATE;
/** Reads them back; anyone may. */
export const SIOCINSANEGETINFO: number = SIOCDEVPRIVATE + 1;

/** Dropping modes (enum insane_mode). */
export const INSANE_PASS = 0;
export const INSANE_PERCENT = 1;
export const INSANE_TIME = 2;

export type InsaneMode = "pass" | "percent" | "time";

/** Mode names by number, as insanely prints them. */
export const INSANE_MODE_NAMES: readonly InsaneMode[] = ["pass", "percent", "time"];

/** Size of the name field, NUL included (INSANE_NAMELEN): longer names are cut to 15 characters. */
export const INSANE_NAMELEN = 16;

/**
 * netem-style impairments applied after the mode (vnet extension). Times in nanoseconds,
 * probabilities in percent (0..100, fractions allowed), as `tc qdisc ... netem` takes them.
 */
export interface InsaneNetemInfo {
  /** Added delay. */
  latencyNs: number;
  /** Uniform jitter: each delay is drawn from [latency - jitter, latency + jitter). */
  jitterNs: number;
  /** Gilbert-Elliott loss: P(good -> bad). The model is off while lossP and loss1K are both 0. */
  lossP: number;
  /** P(bad -> good). */
  lossR: number;
  /** 1-h: loss probability in the bad state. */
  loss1H: number;
  /** 1-k: loss probability in the good state. */
  loss1K: number;
  /** Probability that a packet is sent twice. */
  duplicate: number;
  /** Probability that one random bit of a packet is flipped. */
  corrupt: number;
  /** Probability that a packet (one in `gap`) skips the delay and goes out at once. */
  reorder: number;
  /** Reorder gap: at most one packet in `gap` may skip the delay; 0 turns reordering off. */
  gap: number;
  /** Rate limit in bits per second; 0 for none. */
  rateBps: number;
  /** Most packets held in the delay queue; more are dropped. */
  limit: number;
  /** Seed of the impairments' own PRNG; -1 on SET draws one from the kernel's PRNG (if any impairment is on). */
  seed: number;
}

/** The ioctl payload in ifr.data (struct insane_userinfo). */
export interface InsaneUserinfo {
  /** The slave's name; empty when there is none (GET). */
  name: string;
  /** INSANE_PASS, INSANE_PERCENT or INSANE_TIME. */
  mode: number;
  /** percent: the share of packets relayed; time: jiffies on. */
  arg1: number;
  /** time: jiffies off. */
  arg2: number;
  /** vnet extension; absent on SET means no impairments. */
  netem?: InsaneNetemInfo | undefined;
}

/** netem's defaults: nothing impaired, a queue of 1000 packets. */
export const NETEM_DEFAULTS: Readonly<InsaneNetemInfo> = Object.freeze({
  latencyNs: 0,
  jitterNs: 0,
  lossP: 0,
  lossR: 0,
  loss1H: 0,
  loss1K: 0,
  duplicate: 0,
  corrupt: 0,
  reorder: 0,
  gap: 0,
  rateBps: 0,
  limit: 1000,
  seed: -1,
});
