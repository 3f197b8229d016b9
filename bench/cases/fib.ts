// FIB longest-prefix match: LpmTable holding 1,000,000 distinct random prefixes (/8../32),
// against the naive Map<"prefix/len"> that tries lengths 32..0, measured in the same run.
//
//   node --expose-gc --import tsx --conditions=@vnet/source bench/cases/fib.ts
//
// Metrics: fib.insert, fib.lookup, fib.baseline_lookup (ops/s), fib.bytes_per_route (heap +
// array buffers per stored prefix), fib.oracle_mismatches (10,000 lookups checked against a
// scan of every route; the process exits 1 if any differ).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { LpmTable } from "../../packages/core/src/route/lpm.js";
import { consume, emit, heapBytes, opsPerSec } from "../lib.js";

const ROUTES = 1_000_000;
const SAMPLE = 10_000;

// Without --expose-gc, borrow a gc function so that memory figures stay meaningful.
if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
  setFlagsFromString("--expose-gc");
  (globalThis as { gc?: unknown }).gc = runInNewContext("gc");
}

/** mulberry32: seeded, so every run measures the same table. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const MASK = Array.from({ length: 33 }, (_, l) => (l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0));
const mask = (plen: number): number => MASK[plen]!;

const rand = prng(20240601);
const prefixes = new Uint32Array(ROUTES);
const plens = new Uint8Array(ROUTES);
{
  // Distinct prefixes, so the table ends up holding ROUTES routes.
  const seen = new Set<number>();
  for (let i = 0; i < ROUTES; ) {
    const plen = 8 + (rand() % 25);
    const prefix = (rand() & mask(plen)) >>> 0;
    if (seen.has(prefix * 64 + plen)) continue;
    seen.add(prefix * 64 + plen);
    plens[i] = plen;
    prefixes[i++] = prefix;
  }
}
const addrs = new Uint32Array(1 << 20);
for (let i = 0; i < addrs.length; i++) addrs[i] = rand();

function memory(): number {
  return heapBytes() + process.memoryUsage().arrayBuffers;
}

// Warm the insert path on a throwaway table, then time the build of the measured one.
{
  const warm = new LpmTable<number>();
  for (let i = 0; i < 200_000; i++) warm.set(prefixes[i]!, plens[i]!, i);
  consume(warm.size);
}
const before = memory();
const table = new LpmTable<number>();
const t0 = process.hrtime.bigint();
for (let i = 0; i < ROUTES; i++) table.set(prefixes[i]!, plens[i]!, i);
const insertNs = Number(process.hrtime.bigint() - t0);
const bytesPerRoute = (memory() - before) / table.size;
process.stderr.write(`fib: ${ROUTES} inserts, ${table.size} distinct prefixes\n`);

emit("fib.insert", (ROUTES * 1e9) / insertNs, "ops/s", { target: { min: 500_000 } });
emit("fib.bytes_per_route", bytesPerRoute, "bytes", { target: { max: 200 } });

const LOOKUPS_PER_CALL = 1024;
let next = 0;
let hits = 0;
const lookup = (): number => {
  let i = next;
  for (let k = 0; k < LOOKUPS_PER_CALL; k++) {
    if (table.lookup(addrs[i]!) !== undefined) hits++;
    i = (i + 1) & (addrs.length - 1);
  }
  next = i;
  return hits;
};
emit("fib.lookup", opsPerSec(lookup, { batch: 16, opsPerCall: LOOKUPS_PER_CALL }), "ops/s", {
  baseline: "fib.baseline_lookup",
  target: { min: 5_000_000 },
});

// Baseline: one Map entry per "prefix/len", lookups probing every length from 32 down to 0.
const naive = new Map<string, number>();
for (let i = 0; i < ROUTES; i++) naive.set(`${prefixes[i]}/${plens[i]}`, i);
function naiveLookup(addr: number): number | undefined {
  for (let l = 32; l >= 0; l--) {
    const v = naive.get(`${(addr & mask(l)) >>> 0}/${l}`);
    if (v !== undefined) return v;
  }
  return undefined;
}
const naiveBatch = (): number => {
  let i = next;
  for (let k = 0; k < 64; k++) {
    if (naiveLookup(addrs[i]!) !== undefined) hits++;
    i = (i + 1) & (addrs.length - 1);
  }
  next = i;
  return hits;
};
emit("fib.baseline_lookup", opsPerSec(naiveBatch, { batch: 4, opsPerCall: 64 }), "ops/s");

// Oracle: sort the sample, then scan every route once and record, for each sample address it
// contains, the longest so far. Independent of the table: no trie, no Map.
const sample = new Uint32Array(SAMPLE);
for (let j = 0; j < SAMPLE; j++) {
  // Half inside a stored route (so long prefixes are exercised), half anywhere.
  const i = rand() % ROUTES;
  sample[j] = j % 2 === 0 ? rand() : (prefixes[i]! | (rand() & ~mask(plens[i]!))) >>> 0;
}
sample.sort();
const bestLen = new Int8Array(SAMPLE).fill(-1);
const bestVal = new Int32Array(SAMPLE);
const lowerBound = (x: number): number => {
  let lo = 0;
  let hi = SAMPLE;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sample[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
for (let i = 0; i < ROUTES; i++) {
  const plen = plens[i]!;
  const end = lowerBound(prefixes[i]! + 2 ** (32 - plen));
  for (let j = lowerBound(prefixes[i]!); j < end; j++) {
    if (plen > bestLen[j]!) {
      bestLen[j] = plen;
      bestVal[j] = i;
    }
  }
}
let mismatches = 0;
let naiveMismatches = 0;
for (let j = 0; j < SAMPLE; j++) {
  const want = bestLen[j]! < 0 ? undefined : bestVal[j];
  const got = table.lookup(sample[j]!);
  if (got !== want || table.matchedLen !== bestLen[j]) mismatches++;
  if (naiveLookup(sample[j]!) !== want) naiveMismatches++;
}
emit("fib.oracle_mismatches", mismatches, "count", { target: { max: 0 } });
if (naiveMismatches > 0) process.stderr.write(`fib: baseline disagrees with the oracle on ${naiveMismatches} lookups\n`);
if (mismatches > 0) {
  process.stderr.write(`fib: ${mismatches} of ${SAMPLE} lookups disagree with the oracle\n`);
  process.exitCode = 1;
}
