// Helpers for bench/cases/*.ts. Each case prints one JSON line per metric; bench/run.mjs
// runs every case in fresh processes and reports medians, ratios and target checks.
// Rates are per second of the process's CPU time unless a case asks for wall time: on a shared
// two-core machine, wall time measures the neighbours as much as the code.

/** Pass/fail bounds checked by the harness against a metric's median. */
export interface Target {
  min?: number | undefined;
  max?: number | undefined;
}

/** Optional fields of a metric line. */
export interface EmitExtra {
  /** Report this metric's median as a ratio to that metric's median from the same harness run. */
  baseline?: string | undefined;
  target?: Target | undefined;
}

/** Print one metric line: `{"name":"fib.lookup","value":123,"unit":"ops/s"}`. */
export function emit(name: string, value: number, unit: string, extra: EmitExtra = {}): void {
  const line: Record<string, unknown> = { name, value, unit };
  if (extra.baseline !== undefined) line["baseline"] = extra.baseline;
  if (extra.target !== undefined) line["target"] = extra.target;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export interface OpsOptions {
  /** Measured time, after warmup (default 1000 ms). */
  minMs?: number | undefined;
  /** Untimed warmup so the JIT settles (default 200 ms). */
  warmupMs?: number | undefined;
  /** Calls between the first clock reads (default 1000; doubled while that is under 1 ms). */
  batch?: number | undefined;
  /** Operations performed by one call of fn (default 1), e.g. packets per burst. */
  opsPerCall?: number | undefined;
  /**
   * What a second is (default "cpu"): the CPU time of this process (user + system, every thread,
   * so the JIT's and GC's helper threads count against the case), i.e. seconds on one core for
   * the single-threaded data path, unaffected by other processes sharing the machine; or "wall".
   */
  clock?: "cpu" | "wall" | undefined;
}

/** Nanoseconds of CPU time used by this process so far. */
function cpuNs(): bigint {
  const u = process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
}

function wallNs(): bigint {
  return process.hrtime.bigint();
}

// Results land here so the JIT cannot drop the measured call as dead code.
let sink: unknown;

/** Calls fn repeatedly for at least minMs (after warmupMs) and returns operations per second. */
export function opsPerSec(fn: () => unknown, options: OpsOptions = {}): number {
  const minNs = BigInt(Math.round((options.minMs ?? 1000) * 1e6));
  const warmupNs = BigInt(Math.round((options.warmupMs ?? 200) * 1e6));
  const batch = Math.max(1, Math.floor(options.batch ?? 1000));
  const opsPerCall = options.opsPerCall ?? 1;
  const now = options.clock === "wall" ? wallNs : cpuNs;

  // Calls between clock reads start at `batch` and double while a batch takes under a
  // millisecond: reading the CPU clock is a system call, and its cost stays out of the figure.
  let n = batch;
  const runFor = (budgetNs: bigint): { calls: number; ns: bigint } => {
    let calls = 0;
    const start = now();
    let last = start;
    let elapsed = 0n;
    do {
      for (let i = 0; i < n; i++) sink = fn();
      calls += n;
      const t = now();
      if (t - last < 1_000_000n) n *= 2;
      last = t;
      elapsed = t - start;
    } while (elapsed < budgetNs);
    return { calls, ns: elapsed };
  };

  if (warmupNs > 0n) runFor(warmupNs);
  const { calls, ns } = runFor(minNs);
  return (calls * opsPerCall * 1e9) / Number(ns);
}

/** Heap in use after a full collection when run with --expose-gc (the harness does), else as is. */
export function heapBytes(): number {
  const gc = (globalThis as { gc?: (() => void) | undefined }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Keeps a value alive and observable; use it for results computed outside opsPerSec. */
export function consume(value: unknown): void {
  sink = value;
}

