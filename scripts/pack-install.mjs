#!/usr/bin/env node
// Installs the packages as npm users get them and runs them. Packs every published package under
// packages/ with pnpm (publishConfig applied, workspace: ranges rewritten), then, in a fresh folder
// per case, installs with npm from those tarballs only (an unreachable registry is configured for
// the @vnet scope; eventemitter3 comes from the npm registry) and runs plain Node ESM scenarios:
//
//   etun    @vnet/core + @vnet/driver-etun                      two namespaces ping over a pair
//   snull   @vnet/core + @vnet/driver-snull                     LDD3's sn0/sn1 loop
//   insane  @vnet/core + @vnet/driver-insane + @vnet/driver-etun insane relaying over a pair
//   tools   @vnet/tools with every driver                       the three scenarios, then the `vnet` CLI
//
// Each case's output must pass the checks in scripts/fixtures/scenarios/expect.mjs and equal what
// the same scenario prints when run on the workspace's source (so a stale dist/ is caught too).
// Build first (`pnpm build`); this script does not build.
//
//   node scripts/pack-install.mjs [--keep] [case ...]     (default: every case)
//     --keep   leave the temp folders (their paths are printed)
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const fixtures = join(root, "scripts", "fixtures", "scenarios");
const PNPM = ["npx", "--yes", "pnpm@10.34.8"];
const args = process.argv.slice(2);
if (args.includes("-h") || args.includes("--help")) {
  console.log("usage: node scripts/pack-install.mjs [--keep] [etun|snull|insane|tools ...]");
  process.exit(0);
}
const badFlag = args.find((a) => a.startsWith("-") && a !== "--keep");
if (badFlag !== undefined) {
  console.error(`pack-install: unknown option ${badFlag} (usage: node scripts/pack-install.mjs [--keep] [case ...])`);
  process.exit(2);
}
const keep = args.includes("--keep");
const wanted = args.filter((a) => !a.startsWith("-"));

/** Scenario fixtures: file, exported function. */
const SCENARIO_FILES = { etunPing: "etun-ping.mjs", snullLoop: "snull-loop.mjs", insaneRelay: "insane-relay.mjs" };

const CASES = [
  { id: "etun", packages: ["@vnet/core", "@vnet/driver-etun"], scenarios: ["etunPing"] },
  { id: "snull", packages: ["@vnet/core", "@vnet/driver-snull"], scenarios: ["snullLoop"] },
  { id: "insane", packages: ["@vnet/core", "@vnet/driver-insane", "@vnet/driver-etun"], scenarios: ["insaneRelay"] },
  // Every driver, plus whatever else of ours @vnet/tools depends on (filled in from its manifest).
  { id: "tools", packages: ["@vnet/tools"], allDrivers: true, scenarios: ["etunPing", "snullLoop", "insaneRelay"], cli: true },
];

const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", npm_config_update_notifier: "false" };

/** Runs a command; returns { ok, status, stdout, stderr, out }. Never throws. */
function run(cmd, argv, cwd, input) {
  const r = spawnSync(cmd, argv, { cwd, env, encoding: "utf8", input, timeout: 300_000, maxBuffer: 64 << 20 });
  const stdout = r.stdout ?? "";
  const stderr = (r.stderr ?? "").replace(/^npm warn Unknown user config.*\n/gm, "");
  const out = `${stdout}${stderr}`.trimEnd();
  // Ctrl-C reaches the child too: stop here, and let `finally` remove the temp folders.
  if (r.signal === "SIGINT" || r.signal === "SIGTERM") throw new Interrupted(r.signal);
  if (r.error) return { ok: false, status: -1, stdout, stderr, out: `${cmd}: ${r.error.message}` };
  return { ok: r.status === 0, status: r.status, stdout, stderr, out };
}

class Interrupted extends Error {}

const indent = (s) => (s ? `${s.replace(/^/gm, "      ")}\n` : "");
const failures = [];
function fail(where, what, out = "") {
  failures.push(`${where}: ${what}`);
  console.log(`  FAIL ${what}`);
  process.stdout.write(indent(out));
}
const ok = (what) => console.log(`  ok   ${what}`);

/** The published packages under packages/: { name, version, dir, manifest }. */
function publishedPackages() {
  return readdirSync(join(root, "packages"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, "packages", d.name, "package.json")))
    .map((d) => {
      const dir = join(root, "packages", d.name);
      return { dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) };
    })
    .filter((p) => p.manifest.private !== true)
    .map((p) => ({ ...p, name: p.manifest.name, version: p.manifest.version }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The package.json inside a tarball, as published. */
function packedManifest(tarball) {
  const r = spawnSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot read package/package.json from ${tarball}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** @vnet/* names a packed manifest needs installed beside it (dependencies and peers). */
function ourDeps(manifest) {
  return Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter((n) => n.startsWith("@vnet/"));
}

/** Runs the scenarios on the workspace's source (tsx + the @vnet/source condition). */
function referenceLines(names) {
  const tsx = import.meta.resolve("tsx");
  const code = names
    .map((n) => `import { ${n} } from ${JSON.stringify(new URL(SCENARIO_FILES[n], `file://${fixtures}/`).href)};\nfor (const l of ${n}()) console.log(l);`)
    .join("\n");
  const r = run(process.execPath, ["--import", tsx, "--conditions=@vnet/source", "--input-type=module", "-e", code], root);
  return r.ok ? { lines: r.stdout.trimEnd().split("\n") } : { error: r.out };
}

const { checkScenarioLines } = await import(new URL("fixtures/scenarios/expect.mjs", import.meta.url).href);

const cases = wanted.length === 0 ? CASES : CASES.filter((c) => wanted.includes(c.id));
const unknown = wanted.filter((w) => !CASES.some((c) => c.id === w));
if (unknown.length > 0) {
  console.error(`pack-install: no case ${unknown.join(", ")} (have: ${CASES.map((c) => c.id).join(", ")})`);
  process.exit(2);
}

const temps = [];
const tmp = (prefix) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};

try {
  // ---- pack ------------------------------------------------------------------------------
  console.log("== pack");
  const packDir = tmp("vnet-pack-");
  /** name -> { tarball, manifest } */
  const packed = new Map();
  const unbuilt = new Set();
  for (const p of publishedPackages()) {
    if (!existsSync(join(p.dir, "dist"))) {
      // Only a failure when a case needs it (checked below): a package still being written may
      // have no build yet.
      console.log(`  skip ${p.name}: no dist/ in ${relative(root, p.dir)} (run \`pnpm build\`)`);
      unbuilt.add(p.name);
      continue;
    }
    const dest = join(packDir, p.name.replace(/[@/]/g, "_"));
    mkdirSync(dest);
    const r = run(PNPM[0], [...PNPM.slice(1), "pack", "--pack-destination", dest], p.dir);
    const tgz = readdirSync(dest).filter((f) => f.endsWith(".tgz"));
    if (!r.ok || tgz.length !== 1) {
      fail(p.name, "pnpm pack", r.out);
      continue;
    }
    const tarball = join(dest, tgz[0]);
    const manifest = packedManifest(tarball);
    if (JSON.stringify(manifest).includes('"workspace:')) fail(p.name, "packed package.json has a workspace: range");
    packed.set(p.name, { tarball, manifest });
    ok(`${p.name}@${manifest.version} -> ${tgz[0]}`);
  }
  const drivers = [...packed.keys()].filter((n) => n.startsWith("@vnet/driver-"));

  // ---- reference output on source ----------------------------------------------------------
  console.log("\n== reference: the scenarios on the workspace's source");
  const reference = new Map();
  for (const name of Object.keys(SCENARIO_FILES)) {
    if (!cases.some((c) => c.scenarios.includes(name))) continue;
    const r = referenceLines([name]);
    if (r.error !== undefined) {
      fail(`reference ${name}`, "the scenario fails on source", r.error);
      continue;
    }
    const problems = checkScenarioLines([name], r.lines);
    if (problems.length > 0) fail(`reference ${name}`, "the scenario's output on source is wrong", [...problems, "--", ...r.lines].join("\n"));
    else ok(`${name} (${r.lines.length} lines)`);
    reference.set(name, r.lines);
  }

  // ---- cases ---------------------------------------------------------------------------------
  for (const c of cases) {
    console.log(`\n== ${c.id}`);
    const where = `case ${c.id}`;
    // What to install: the case's packages, every driver if asked, and their @vnet closure.
    const want = new Set([...c.packages, ...(c.allDrivers ? drivers : [])]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const n of [...want]) {
        for (const d of ourDeps(packed.get(n)?.manifest ?? {})) {
          if (!want.has(d)) {
            want.add(d);
            grew = true;
          }
        }
      }
    }
    const missing = [...want].filter((n) => !packed.has(n));
    if (missing.length > 0) {
      fail(where, `needs ${missing.map((n) => (unbuilt.has(n) ? `${n} (no dist/: run pnpm build)` : n)).join(", ")}, not packed`);
      continue;
    }
    // A driver case must be complete with exactly its packages: nothing of ours pulled in besides.
    const extra = [...want].filter((n) => !c.packages.includes(n) && !c.allDrivers);
    if (extra.length > 0) fail(where, `needs ${extra.join(", ")} as well (from dependencies or peerDependencies)`);

    const dir = tmp(`vnet-install-${c.id}-`);
    writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: `vnet-pack-install-${c.id}`, private: true, type: "module" }, null, 2)}\n`);
    // Our scope resolves nowhere: only the tarballs can satisfy @vnet/*.
    writeFileSync(join(dir, ".npmrc"), "@vnet:registry=http://127.0.0.1:9/\nfetch-retries=0\naudit=false\nfund=false\n");
    const tarballs = [...want].sort().map((n) => packed.get(n).tarball);
    const inst = run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], dir);
    if (!inst.ok) {
      fail(where, "npm install from the tarballs", inst.out);
      continue;
    }
    const present = existsSync(join(dir, "node_modules", "@vnet"))
      ? readdirSync(join(dir, "node_modules", "@vnet")).map((n) => `@vnet/${n}`).sort()
      : [];
    const expected = [...want].sort();
    if (JSON.stringify(present) !== JSON.stringify(expected)) fail(where, `node_modules/@vnet has ${present.join(", ") || "nothing"}, expected ${expected.join(", ")}`);
    else if (!existsSync(join(dir, "node_modules", "eventemitter3", "package.json"))) fail(where, "eventemitter3 (a dependency of @vnet/core) was not installed");
    else {
      const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"));
      const notFile = expected.filter((n) => !String(lock.packages?.[`node_modules/${n}`]?.resolved ?? "").startsWith("file:"));
      if (notFile.length > 0) fail(where, `not installed from the tarballs: ${notFile.join(", ")}`);
      else ok(`npm install ${expected.map((n) => `${n}@${packed.get(n).manifest.version}`).join(" ")} (+ eventemitter3 from the registry)`);
    }

    // The scenarios, as a user's plain ESM file would import the packages.
    for (const f of [...new Set(c.scenarios.map((n) => SCENARIO_FILES[n])), "expect.mjs"]) copyFileSync(join(fixtures, f), join(dir, f));
    const main = [
      ...c.scenarios.map((n) => `import { ${n} } from "./${SCENARIO_FILES[n]}";`),
      // Resolution must land in node_modules' dist, not in a workspace or on a source file.
      `for (const p of ${JSON.stringify(c.packages)}) console.error("resolved", p, import.meta.resolve(p));`,
      ...c.scenarios.map((n) => `for (const l of ${n}()) console.log(l);`),
    ].join("\n");
    writeFileSync(join(dir, "main.mjs"), `${main}\n`);
    const r = run(process.execPath, ["main.mjs"], dir);
    if (!r.ok) {
      fail(where, `node main.mjs exited with ${r.status}`, r.out);
    } else {
      const lines = r.stdout.trimEnd().split("\n");
      const badResolve = r.stderr
        .split("\n")
        .filter((l) => l.startsWith("resolved "))
        .filter((l) => !l.includes(`file://${dir}/node_modules/@vnet/`) || !l.endsWith("/dist/index.js"));
      const problems = checkScenarioLines(c.scenarios, lines);
      const ref = c.scenarios.flatMap((n) => reference.get(n) ?? []);
      if (badResolve.length > 0) fail(where, "packages resolved outside node_modules/*/dist", badResolve.join("\n"));
      else if (problems.length > 0) fail(where, "scenario output", [...problems, "--", ...lines].join("\n"));
      else if (JSON.stringify(lines) !== JSON.stringify(ref)) fail(where, "output differs from the same scenario on source (stale dist/? run pnpm build)", `installed:\n${lines.join("\n")}\nsource:\n${ref.join("\n")}`);
      else ok(`node main.mjs: ${c.scenarios.join(", ")} (${lines.length} lines, same as on source)`);
    }

    if (c.cli) cliChecks(dir, where, packed.get("@vnet/tools").manifest.version);
  }
} catch (e) {
  if (!(e instanceof Interrupted)) throw e;
  failures.push(`interrupted (${e.message})`);
} finally {
  if (keep) console.log(`\nkept: ${temps.join(" ")}`);
  else for (const d of temps) rmSync(d, { recursive: true, force: true });
}

/** The installed `vnet` command: bundled and own scripts, a module topology, -c, errors. */
function cliChecks(dir, where, version) {
  const vnet = join(dir, "node_modules", ".bin", "vnet");
  if (!existsSync(vnet)) {
    fail(where, "node_modules/.bin/vnet is missing");
    return;
  }
  writeFileSync(
    join(dir, "pair.vnet"),
    [
      "# two namespaces over an etun pair",
      "insmod etun",
      "ip netns add left",
      "ip netns add right",
      "ip link add eth0 netns left type etun peer name eth0 netns right",
      "ip -n left addr add 10.0.0.1/24 dev eth0",
      "ip -n right addr add 10.0.0.2/24 dev eth0",
      "ip -n left link set eth0 up",
      "ip -n right link set eth0 up",
      "ip -n left -br link",
      "ip netns exec left ping -c 2 10.0.0.2",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "fail.vnet"), "insmod snull\n-ip link set nosuch up\nip link set sn9 up\necho not reached\n");
  writeFileSync(
    join(dir, "topology.mjs"),
    'import { devGetByName } from "@vnet/core";\n' +
      "export default async (kernel, sh) => {\n" +
      '  await sh.run("insmod snull");\n' +
      '  await sh.run("ip link set sn0 up");\n' +
      '  console.log(`module: sn0 ifindex ${devGetByName(kernel.initNet, "sn0").ifindex}`);\n' +
      "  return 0;\n" +
      "};\n",
  );
  const checks = [
    { argv: ["--version"], status: 0, out: [new RegExp(`^vnet ${version.replace(/\./g, "\\.")}$`, "m")], why: "reports the package version" },
    { argv: ["run", "--list"], status: 0, out: [/^etun$/m, /^ping$/m, /^snull$/m] },
    {
      argv: ["run", "pair.vnet"],
      status: 0,
      out: [/^eth0(@if\d+)?\s+UP\s/m, /^64 bytes from 10\.0\.0\.2: icmp_seq=1 ttl=64 time=/m, /^2 packets transmitted, 2 received, 0% packet loss/m],
    },
    { argv: ["run", "ping"], status: 0, out: [/2 packets transmitted, 2 received, 0% packet loss/] },
    { argv: ["-c", "insmod snull; insmod insane; lsmod"], status: 0, out: [/^snull\s+\d+\s+0/m, /^insane\s+\d+\s+0/m] },
    { argv: ["run", "topology.mjs"], status: 0, out: [/^module: sn0 ifindex 2$/m] },
    {
      argv: ["run", "fail.vnet"],
      status: 1,
      out: [/Cannot find device "nosuch"/, /^fail\.vnet:3: `ip link set sn9 up' failed with exit status 1$/m],
      not: [/not reached/],
    },
  ];
  for (const t of checks) {
    const r = run(vnet, t.argv, dir);
    const shown = `vnet ${t.argv.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(" ")}`;
    const missing = t.out.filter((re) => !re.test(r.out));
    const unwanted = (t.not ?? []).filter((re) => re.test(r.out));
    if (r.status !== t.status) fail(where, `${shown}: exit status ${r.status}, expected ${t.status}`, r.out);
    else if (missing.length > 0) fail(where, `${shown}: output lacks ${missing.join(", ")}${t.why ? ` (${t.why})` : ""}`, r.out);
    else if (unwanted.length > 0) fail(where, `${shown}: output has ${unwanted.join(", ")}`, r.out);
    else ok(shown);
  }
}

if (failures.length > 0) {
  console.error(`\npack-install: FAILED\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("\npack-install: ok");
