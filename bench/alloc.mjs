#!/usr/bin/env node
// Where a bundled case allocates: runs it once under V8's sampling heap profiler, counting the
// objects minor and major GCs collected too (the short-lived ones a data path should not make),
// and prints the functions that allocated most. Build the bundle first with the harness:
//
//   node bench/run.mjs pairs-snull --runs 1
//   node bench/alloc.mjs bench/.build/pairs-snull.mjs [--top N] [--interval BYTES] [--no-inline]
//
// --no-inline re-runs the case with V8's inlining off, so each allocation is charged to the
// function that makes it rather than to the caller it was inlined into (rates are then slower and
// the shares differ from the real run; use it to find sites, not to size them).
import { spawnSync } from "node:child_process";
import { Session } from "node:inspector/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!(v > 0)) usage(`${name} needs a positive number`);
  args.splice(i, 2);
  return v;
};
function usage(message) {
  if (message) process.stderr.write(`alloc: ${message}\n`);
  process.stderr.write("usage: node bench/alloc.mjs BUNDLE.mjs [--top N] [--interval BYTES] [--no-inline]\n");
  process.exit(2);
}

const top = opt("--top", 15);
const interval = opt("--interval", 256);
const noInline = args.includes("--no-inline");
const file = args.find((a) => !a.startsWith("--"));
if (file === undefined) usage();

if (noInline && !process.execArgv.includes("--max-inlined-bytecode-size=0")) {
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-inlined-bytecode-size=0", ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const session = new Session();
session.connect();
await session.post("HeapProfiler.enable");
await session.post("HeapProfiler.startSampling", {
  samplingInterval: interval,
  includeObjectsCollectedByMinorGC: true,
  includeObjectsCollectedByMajorGC: true,
});
// The case's own output (its metrics) goes to stderr, so this report stays readable on stdout.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => process.stderr.write(chunk, ...rest);
await import(pathToFileURL(resolve(file)).href);
process.stdout.write = write;
const { profile } = await session.post("HeapProfiler.stopSampling");

const bySite = new Map();
let total = 0;
(function walk(node) {
  const { functionName, lineNumber } = node.callFrame;
  if (node.selfSize > 0) {
    const key = `${functionName || "(anonymous)"}:${lineNumber + 1}`;
    bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  for (const child of node.children ?? []) walk(child);
})(profile.head);

console.log(`${(total / 1e6).toFixed(1)} MB allocated (sampled every ${interval} bytes)`);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${(bytes / 1e6).toFixed(1).padStart(8)} MB  ${site}`);
}
