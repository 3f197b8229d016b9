// IPv4 FIB through its API: 1,000,000 distinct random prefixes (/8../32) inserted into table
// main of a namespace as gateway routes (FibTable.insert with a FibConfig, as `ip route add`
// does after parsing), then fib_lookup (local table, then main) on random addresses.
//
//   node --expose-gc --import tsx --conditions=@vnet/source bench/cases/route.ts
//
// Metrics: route.insert (routes/s, target >= 5e5), route.lookup (lookups/s through fibLookup,
// target >= 5e6), route.bytes_per_route (heap + array buffers per route, target <= 200),
// route.oracle_mismatches (10,000 lookups checked against a scan of every route, target 0; the
// process exits 1 on any mismatch).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Kernel } from "../../packages/core/src/kernel/kernel.js";
import { ROOT_CRED } from "../../packages/core/src/kernel/cred.js";
import {
  FibResult, fibGet, fibLookup, Flowi4, NLM_F_CREATE, NLM_F_EXCL, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, RTN_UNICAST, RTPROT_BOOT,
  type FibConfig,
} from "../../packages/core/src/route/index.js";
import { ipAddrAdd } from "../../packages/core/src/ipv4/index.js";
import { makeSink } from "../../packages/core/src/ipv4/testing.js";
import { consume, emit, heapBytes, opsPerSec } from "../lib.js";

const ROUTES = 1_000_000;
const SAMPLE = 10_000;

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

// A host with one device and a gateway on its subnet (198.18.0.0/15, the benchmarking range).
const k = new Kernel({ seed: 1 });
const net = k.initNet;
makeSink(net, "eth0");
ipAddrAdd(net, ROOT_CRED, { dev: "eth0", local: 0xc6120001, prefixLen: 15 });
const GW = 0xc61200fe;
const fib = fibGet(net);
const main = fib.main;

const rand = prng(20240601);
const prefixes = new Uint32Array(ROUTES);
const plens = new Uint8Array(ROUTES);
{
  const seen = new Set<number>();
  for (let i = 0; i < ROUTES; ) {
    const plen = 8 + (rand() % 25);
    const prefix = (rand() & MASK[plen]!) >>> 0;
    // Keep clear of the local routes (127/8, 198.18/15) so main alone decides.
    if (prefix >>> 24 === 127 || prefix >>> 17 === 0xc612 >>> 1) continue;
    if (seen.has(prefix * 64 + plen)) continue;
    seen.add(prefix * 64 + plen);
    plens[i] = plen;
    prefixes[i++] = prefix;
  }
}

// One config object, refilled per route (what rtm_to_fib_config produces).
const cfg: FibConfig = {
  dst: 0, dstLen: 0, table: RT_TABLE_MAIN, type: RTN_UNICAST, scope: RT_SCOPE_UNIVERSE, protocol: RTPROT_BOOT, priority: 0,
  prefsrc: 0, oif: 0, gw: GW, nlFlags: NLM_F_CREATE | NLM_F_EXCL,
};

// Warm the insert path on a throwaway namespace's table.
{
  const wk = new Kernel({ seed: 2 });
  makeSink(wk.initNet, "eth0");
  ipAddrAdd(wk.initNet, ROOT_CRED, { dev: "eth0", local: 0xc6120001, prefixLen: 15 });
  const wt = fibGet(wk.initNet).main;
  for (let i = 0; i < 200_000; i++) {
    cfg.dst = prefixes[i]!;
    cfg.dstLen = plens[i]!;
    wt.insert(cfg);
  }
  consume(wt.count);
}

function memory(): number {
  return heapBytes() + process.memoryUsage().arrayBuffers;
}

const before = memory();
const t0 = process.hrtime.bigint();
for (let i = 0; i < ROUTES; i++) {
  cfg.dst = prefixes[i]!;
  cfg.dstLen = plens[i]!;
  main.insert(cfg);
}
const insertNs = Number(process.hrtime.bigint() - t0);
const bytesPerRoute = (memory() - before) / ROUTES;
if (main.count !== ROUTES + 1) throw new Error(`expected ${ROUTES + 1} routes, have ${main.count}`);
emit("route.insert", (ROUTES * 1e9) / insertNs, "routes/s", { target: { min: 500_000 } });
emit("route.bytes_per_route", bytesPerRoute, "bytes", { target: { max: 200 } });

const addrs = new Uint32Array(1 << 20);
for (let i = 0; i < addrs.length; i++) addrs[i] = rand();
const fl = new Flowi4();
const res = new FibResult();
const LOOKUPS_PER_CALL = 64;
let next = 0;
let hits = 0;
const lookup = (): number => {
  let i = next;
  for (let n = 0; n < LOOKUPS_PER_CALL; n++) {
    fl.daddr = addrs[i]!;
    if (fibLookup(net, fl, res, 0) === 0) hits++;
    i = (i + 1) & (addrs.length - 1);
  }
  next = i;
  return hits;
};
emit("route.lookup", opsPerSec(lookup, { batch: 16, opsPerCall: LOOKUPS_PER_CALL }), "lookups/s", {
  baseline: "fib.lookup",
  target: { min: 5_000_000 },
});

// Oracle: the longest stored prefix containing each sample address, by one scan of every route.
const sample = new Uint32Array(SAMPLE);
for (let j = 0; j < SAMPLE; j++) {
  const i = rand() % ROUTES;
  sample[j] = j % 2 === 0 ? rand() : (prefixes[i]! | (rand() & ~MASK[plens[i]!]!)) >>> 0;
}
sample.sort();
const bestLen = new Int8Array(SAMPLE).fill(-1);
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
const all: [number, number][] = [[0xc6120000, 15]];
for (let i = 0; i < ROUTES; i++) all.push([prefixes[i]!, plens[i]!]);
for (const [p, l] of all) {
  const end = lowerBound(p + 2 ** (32 - l));
  for (let j = lowerBound(p); j < end; j++) if (l > bestLen[j]!) bestLen[j] = l;
}
let mismatches = 0;
let checked = 0;
res.wantPrefix = true;
for (let j = 0; j < SAMPLE; j++) {
  const a = sample[j]!;
  if (a >>> 24 === 127 || a >>> 17 === 0xc612 >>> 1) continue;
  fl.daddr = a;
  const err = fibLookup(net, fl, res.reset(), 0);
  const want = bestLen[j]!;
  const got = err === 0 ? res.prefixLen : -1;
  if (got !== want || (err === 0 && res.prefix !== ((a & MASK[want]!) >>> 0))) mismatches++;
  checked++;
}
emit("route.oracle_mismatches", mismatches, "count", { target: { max: 0 } });
process.stderr.write(`route: ${main.count} routes in main, ${checked} lookups checked against the scan\n`);
if (mismatches > 0) {
  process.stderr.write(`route: ${mismatches} lookups disagree with the oracle\n`);
  process.exitCode = 1;
}
