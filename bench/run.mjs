#!/usr/bin/env node
// Benchmark harness: runs each bench/cases/*.ts in fresh processes, several times, and reports
// median/min/max per metric, ratios to baseline metrics measured in the same run, and targets.
//
//   node bench/run.mjs [case ...] [--runs N] [--json] [--check] [--timeout S] [--tsx]
//
// Each case runs as shipped code: bundled from source by esbuild the way tsup builds the packages
// (target node20, no keepNames) into bench/.build/. `--tsx` runs the TypeScript through tsx
// instead, for debugging: tsx keeps function names (esbuild keepNames), which costs the data path
// about a fifth of its speed, so its figures are not the ones users get.
//
// A case prints JSON lines on stdout:
//   {"name":"fib.lookup","value":123,"unit":"ops/s"}
//   {"name":"x","value":1,"unit":"ops/s","baseline":"other.metric","target":{"min":5e6}}
//   {"name":"x","target":{"max":200}}            (a target alone, for a metric printed elsewhere)
// Other stdout lines go to stderr; the case's stderr passes through.
// Exit status: 1 if a case process fails (or, with --check, if a target is missed), 2 on bad usage.
import { spawn } from "node:child_process";
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const casesDir = join(root, "bench", "cases");
// A sibling of cases/, so paths a case computes from import.meta.url stay right.
const buildDir = join(root, "bench", ".build");

function usage(message) {
  if (message) process.stderr.write(`bench: ${message}\n`);
  process.stderr.write("usage: node bench/run.mjs [case ...] [--runs N] [--json] [--check] [--timeout SECONDS] [--tsx]\n");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { runs: 5, json: false, check: false, timeoutMs: 300_000, tsx: false, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (v === undefined) usage(`${arg} needs a value`);
      return v;
    };
    if (arg === "--runs" || arg.startsWith("--runs=")) {
      opts.runs = Number(value());
      if (!Number.isInteger(opts.runs) || opts.runs < 1) usage("--runs must be a positive integer");
    } else if (arg === "--timeout" || arg.startsWith("--timeout=")) {
      const s = Number(value());
      if (!(s > 0)) usage("--timeout must be a positive number of seconds");
      opts.timeoutMs = s * 1000;
    } else if (arg === "--json") opts.json = true;
    else if (arg === "--check") opts.check = true;
    else if (arg === "--tsx") opts.tsx = true;
    else if (arg === "-h" || arg === "--help") usage();
    else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
    else opts.filters.push(arg.replace(/\.ts$/, ""));
  }
  return opts;
}

function listCases(filters) {
  const all = readdirSync(casesDir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
    .map((f) => basename(f, ".ts"))
    .sort();
  if (filters.length === 0) return all;
  const picked = new Set();
  for (const f of filters) {
    // An exact name wins; otherwise every case whose name contains the argument.
    const hits = all.includes(f) ? [f] : all.filter((c) => c.includes(f));
    if (hits.length === 0) usage(`no case matches "${f}" (cases: ${all.join(", ") || "none"})`);
    for (const h of hits) picked.add(h);
  }
  return all.filter((c) => picked.has(c));
}

/** Bundles one case (workspace packages from source, esbuild itself left outside); returns the file. */
async function buildCase(name) {
  const outfile = join(buildDir, `${name}.mjs`);
  await build({
    entryPoints: [join(casesDir, `${name}.ts`)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@vnet/source"],
    external: ["esbuild"],
    logLevel: "error",
  });
  return outfile;
}

/** Runs one case once; resolves to { ok, code, signal, lines } where lines are parsed JSON objects. */
function runCase(name, timeoutMs, built) {
  const args = built === undefined
    ? ["--expose-gc", "--import", "tsx", "--conditions=@vnet/source", relative(root, join(casesDir, `${name}.ts`))]
    : ["--expose-gc", relative(root, built)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    const lines = [];
    let buffered = "";
    const take = (line) => {
      const trimmed = line.trim();
      if (trimmed === "") return;
      let parsed;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        parsed = undefined;
      }
      if (parsed !== null && typeof parsed === "object" && typeof parsed.name === "string") lines.push(parsed);
      else process.stderr.write(`[${name}] ${line}\n`);
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf("\n")) !== -1) {
        take(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, code: null, signal: null, error: err.message, lines });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      take(buffered);
      const error = timedOut ? `timed out after ${timeoutMs / 1000} s` : undefined;
      resolve({ ok: code === 0 && !timedOut, code, signal, error, lines });
    });
  });
}

function median(sorted) {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmtNumber = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 });
function fmt(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return "";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e12 || a < 1e-3)) return v.toExponential(3);
  return fmtNumber.format(v);
}

function fmtTarget(t) {
  if (!t) return "";
  const parts = [];
  if (typeof t.min === "number") parts.push(`>= ${fmt(t.min)}`);
  if (typeof t.max === "number") parts.push(`<= ${fmt(t.max)}`);
  return parts.join(", ");
}

function table(rows, headers, alignRight) {
  const cells = [headers, ...rows];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => String(r[c]).length)));
  const line = (r) =>
    r.map((v, c) => (alignRight[c] ? String(v).padStart(widths[c]) : String(v).padEnd(widths[c]))).join("  ").trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const cases = listCases(opts.filters);
  if (opts.runs < 5) process.stderr.write(`bench: only ${opts.runs} run(s) per case; use 5 or more for figures worth comparing\n`);
  if (cases.length === 0) usage(`no cases in ${relative(root, casesDir)}`);

  /** metric name -> { name, case, unit, samples[], baseline?, target? } in first-seen order */
  const metrics = new Map();
  const caseResults = new Map(cases.map((c) => [c, { case: c, ok: true, runs: 0, failures: [] }]));
  const built = new Map();
  if (!opts.tsx) for (const c of cases) built.set(c, await buildCase(c));

  // Rounds interleave the cases (round 1 of every case, then round 2, ...) so slow drift of the
  // machine (thermal, other load) spreads over all metrics instead of biasing one against its baseline.
  for (let round = 1; round <= opts.runs; round++) {
    for (const name of cases) {
      const result = caseResults.get(name);
      if (!result.ok) continue;
      process.stderr.write(`bench: ${name} run ${round}/${opts.runs}\n`);
      const run = await runCase(name, opts.timeoutMs, built.get(name));
      result.runs++;
      if (!run.ok) {
        const why = run.error ?? (run.signal ? `killed by ${run.signal}` : `exit code ${run.code}`);
        result.ok = false;
        result.failures.push(`run ${round}: ${why}`);
        process.stderr.write(`bench: case ${name} FAILED (${why}); skipping its remaining runs\n`);
        continue;
      }
      for (const line of run.lines) {
        let m = metrics.get(line.name);
        if (!m) {
          m = { name: line.name, case: name, unit: "", samples: [] };
          metrics.set(line.name, m);
        }
        if (typeof line.unit === "string") m.unit = line.unit;
        if (typeof line.baseline === "string") m.baseline = line.baseline;
        if (line.target && typeof line.target === "object") m.target = line.target;
        if (typeof line.value === "number" && Number.isFinite(line.value)) m.samples.push(line.value);
        else if ("value" in line) process.stderr.write(`bench: ${name}: ignoring non-finite value for ${line.name}\n`);
      }
    }
  }

  const summary = [];
  for (const m of metrics.values()) {
    const sorted = [...m.samples].sort((a, b) => a - b);
    summary.push({
      name: m.name,
      case: m.case,
      unit: m.unit,
      runs: sorted.length,
      median: sorted.length ? median(sorted) : null,
      min: sorted.length ? sorted[0] : null,
      max: sorted.length ? sorted[sorted.length - 1] : null,
      samples: m.samples,
      baseline: m.baseline,
      target: m.target,
    });
  }
  const byName = new Map(summary.map((s) => [s.name, s]));
  let targetsMissed = 0;
  for (const s of summary) {
    if (s.baseline !== undefined) {
      const b = byName.get(s.baseline);
      s.ratio = b && b.median && s.median !== null ? s.median / b.median : null;
      if (!b) s.ratioNote = `baseline ${s.baseline} not measured`;
    }
    if (s.target) {
      const v = s.median;
      const okMin = typeof s.target.min !== "number" || (v !== null && v >= s.target.min);
      const okMax = typeof s.target.max !== "number" || (v !== null && v <= s.target.max);
      s.pass = okMin && okMax;
      if (!s.pass) targetsMissed++;
    }
  }

  const failedCases = [...caseResults.values()].filter((r) => !r.ok);
  const ok = failedCases.length === 0 && (!opts.check || targetsMissed === 0);

  const rows = summary.map((s) => [
    s.name,
    s.unit,
    fmt(s.median),
    fmt(s.min),
    fmt(s.max),
    s.runs,
    s.baseline === undefined ? "" : s.ratio == null ? `? (${s.baseline})` : `${s.ratio.toFixed(3)}x ${s.baseline}`,
    fmtTarget(s.target),
    s.target ? (s.pass ? "pass" : "FAIL") : "",
  ]);
  const headers = ["metric", "unit", "median", "min", "max", "n", "ratio", "target", "check"];
  let text = rows.length ? table(rows, headers, [false, false, true, true, true, true, false, false, false]) : "(no metrics)";
  for (const r of failedCases) text += `\nFAILED case ${r.case}: ${r.failures.join("; ")}`;
  for (const s of summary) if (s.ratioNote) text += `\nnote: ${s.name}: ${s.ratioNote}`;
  if (targetsMissed) text += `\n${targetsMissed} target(s) missed${opts.check ? "" : " (not fatal without --check)"}`;

  if (opts.json) {
    process.stderr.write(`${text}\n`);
    const out = { ok, runs: opts.runs, cases: [...caseResults.values()], metrics: summary };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(`${text}\n`);
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
