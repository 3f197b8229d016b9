#!/usr/bin/env node
// What V8's optimizing compiler inlined where, for a built case: for each function it compiled
// (a root), the calls it inlined and the candidates it turned down (over the per-function size
// limit, or past the cumulative budget of the root). Compilation is made synchronous so that
// the log reads in order; a case may run a little slower than under the harness.
//
//   node bench/inlining.mjs bench/.build/CASE.mjs [ROOT ...]
//
// With ROOT names, only those roots are shown. Build the case first (node bench/run.mjs CASE).
import { spawnSync } from "node:child_process";

const [file, ...roots] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write("usage: node bench/inlining.mjs bench/.build/CASE.mjs [ROOT ...]\n");
  process.exit(2);
}
const run = spawnSync(process.execPath, ["--expose-gc", "--no-concurrent-recompilation", "--trace-opt", "--trace-turbo-inlining", file], {
  encoding: "utf8",
  maxBuffer: 1 << 30,
});
if (run.status !== 0) {
  process.stderr.write(run.stderr);
  process.exit(1);
}

// The last compilation of each root wins: the code that ran at the end.
const last = new Map();
let root = null;
let inlined = [];
let rejected = [];
let candidates = [];
let inlinedNow = new Set();
const flushCandidates = () => {
  for (const c of candidates) if (!inlinedNow.has(c.name)) rejected.push(`${c.name}(${c.size})`);
  candidates = [];
  inlinedNow = new Set();
};
const flushRoot = () => {
  flushCandidates();
  if (root !== null) last.set(root, { inlined, rejected: [...new Set(rejected)] });
  inlined = [];
  rejected = [];
};
for (const line of run.stdout.split("\n")) {
  let m;
  if ((m = line.match(/^\[compiling method .*JSFunction ([^ ]+) .*target TURBOFAN/))) {
    flushRoot();
    root = m[1];
  } else if (/candidate\(s\) for inlining/.test(line)) {
    flushCandidates();
  } else if (/- candidate: JSCall/.test(line)) {
    candidates.push({ name: null, size: 0 });
  } else if ((m = line.match(/- target: .*SharedFunctionInfo ([^>]+)>}, bytecode size: (\d+)/)) && candidates.at(-1)?.name === null) {
    candidates.at(-1).name = m[1];
    candidates.at(-1).size = Number(m[2]);
  } else if ((m = line.match(/^Inlining .*SharedFunctionInfo ([^>]+)>} into .*SharedFunctionInfo ([^>]+)>}/))) {
    inlinedNow.add(m[1]);
    inlined.push(`${m[2]}>${m[1]}`);
  }
}
flushRoot();
for (const [name, r] of last) {
  if (roots.length > 0 && !roots.includes(name)) continue;
  process.stdout.write(`${name}\n  inlined: ${r.inlined.join(" ") || "-"}\n  turned down: ${r.rejected.join(" ") || "-"}\n`);
}
