// The impairment models, after Linux's sch_netem: probabilities become 32-bit thresholds compared
// with draws of the instance's own seeded PRNG, exactly as netem compares them with prandom.
import { Prng } from "@vnet/core";
import { NETEM_DEFAULTS, type InsaneNetemInfo } from "./uapi.js";
import { Tfifo } from "./tfifo.js";

const U32_MAX = 0xffffffff;

/** A percentage as netem's u32 probability (tc's set_percent): 0 never, 0xffffffff always. */
export function percentToU32(percent: number): number {
  return Math.round((percent / 100) * U32_MAX);
}

/** netem state of one insane device: configuration, Gilbert-Elliott state, PRNG and held packets. */
export class Netem {
  /** The configuration as set, for GET (seed resolved when active). */
  info: InsaneNetemInfo = { ...NETEM_DEFAULTS };
  /** Anything configured: packets take the netem path. */
  active = false;
  latency = 0;
  jitter = 0;
  /** Gilbert-Elliott thresholds: a1 = p, a2 = r, a3 = h, a4 = 1-k (netem's clgstate). */
  geOn = false;
  geBad = false;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  a4 = 0;
  duplicate = 0;
  corrupt = 0;
  reorder = 0;
  gap = 0;
  /** Packets delayed since the last reordered one. */
  counter = 0;
  rateBps = 0;
  limit = 1000;
  readonly prng: Prng = new Prng(0);
  readonly tfifo: Tfifo = new Tfifo();

  /** Applies a checked configuration; a seed of -1 takes one from `kernelPrng`. */
  configure(info: InsaneNetemInfo, kernelPrng: Prng): void {
    this.latency = info.latencyNs;
    this.jitter = info.jitterNs;
    this.geOn = info.lossP !== 0 || info.loss1K !== 0;
    this.geBad = false;
    this.a1 = percentToU32(info.lossP);
    this.a2 = percentToU32(info.lossR);
    this.a3 = U32_MAX - percentToU32(info.loss1H);
    this.a4 = percentToU32(info.loss1K);
    this.duplicate = percentToU32(info.duplicate);
    this.corrupt = percentToU32(info.corrupt);
    this.reorder = percentToU32(info.reorder);
    this.gap = info.gap;
    this.counter = 0;
    this.rateBps = info.rateBps;
    this.limit = info.limit;
    this.active = this.latency !== 0 || this.jitter !== 0 || this.geOn || this.duplicate !== 0 || this.corrupt !== 0 || this.rateBps !== 0;
    // Only an active configuration takes a seed from the kernel, so plain modes leave its PRNG alone.
    const seed = info.seed >= 0 || !this.active ? info.seed : kernelPrng.u32();
    this.info = { ...info, seed };
    this.prng.seed(seed);
  }

  /**
   * loss_gilb_ell(): one draw may change the state, a second decides the loss with the loss
   * probability of the state the packet found (1-k good, 1-h bad).
   */
  geLoss(): boolean {
    const prng = this.prng;
    if (!this.geBad) {
      if (prng.u32() < this.a1) this.geBad = true;
      return prng.u32() < this.a4;
    }
    if (prng.u32() < this.a2) this.geBad = false;
    return prng.u32() > this.a3;
  }

  /** tabledist() without a table: latency plus a uniform draw in [-jitter, jitter). */
  delay(): number {
    const sigma = this.jitter;
    if (sigma === 0) return this.latency;
    return (this.prng.u32() % (2 * sigma)) - sigma + this.latency;
  }

  /** Time the rate limit needs to send `len` bytes, in ns (packet_time_ns). */
  packetTime(len: number): number {
    return Math.floor((len * 8e9) / this.rateBps);
  }
}

function isNum(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= min && v <= max;
}

function isInt(v: unknown, min: number, max: number): v is number {
  return isNum(v, min, max) && Number.isInteger(v);
}

/** Checks an ioctl netem block (copy_from_user plus netem's checks); null when invalid. */
export function netemCheck(v: unknown): InsaneNetemInfo | null {
  if (v === undefined) return { ...NETEM_DEFAULTS };
  if (typeof v !== "object" || v === null) return null;
  const n = v as Record<keyof InsaneNetemInfo, unknown>;
  const ns = 2 ** 52;
  if (!isInt(n.latencyNs, 0, ns) || !isInt(n.jitterNs, 0, ns) || !isNum(n.rateBps, 0, ns)) return null;
  for (const p of [n.lossP, n.lossR, n.loss1H, n.loss1K, n.duplicate, n.corrupt, n.reorder]) if (!isNum(p, 0, 100)) return null;
  if (!isInt(n.gap, 0, U32_MAX) || !isInt(n.limit, 1, U32_MAX) || !isInt(n.seed, -1, U32_MAX)) return null;
  // As tc says: "reordering not possible without specifying some delay".
  if ((n.reorder as number) > 0 && n.gap > 0 && n.latencyNs === 0) return null;
  return {
    latencyNs: n.latencyNs, jitterNs: n.jitterNs, lossP: n.lossP as number, lossR: n.lossR as number, loss1H: n.loss1H as number,
    loss1K: n.loss1K as number, duplicate: n.duplicate as number, corrupt: n.corrupt as number, reorder: n.reorder as number,
    gap: n.gap, rateBps: n.rateBps, limit: n.limit, seed: n.seed,
  };
}
