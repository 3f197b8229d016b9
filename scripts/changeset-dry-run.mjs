#!/usr/bin/env node
// What `changeset version` would do, without touching the repository: copies .changeset/, the root
// package.json, pnpm-workspace.yaml and every workspace package's package.json (and CHANGELOG.md)
// into a temp folder without git, runs `changeset version` there and prints the new versions and
// the head of each CHANGELOG. Fails (exit 1) when
//   - a private package (examples/*) would be versioned or get a CHANGELOG,
//   - a published package named in a changeset does not get at least the bump it asks for,
//   - a published package gets a bigger bump than its changesets ask for and that bigger bump
//     crosses a major line (0.x -> 1.0.0, or x.y -> x+1.0): that is a decision, never a side effect,
//   - `changeset version` fails, or the repository changed while we looked.
// Version literals in packages/*/src that still hold a bumped package's old version are listed as
// warnings: they would ship stale (a CLI's --version, a plugin's version or coreRange).
//
//   node scripts/changeset-dry-run.mjs [--keep]     --keep: leave the temp copy (path printed)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
if (args.includes("-h") || args.includes("--help")) {
  console.log("usage: node scripts/changeset-dry-run.mjs [--keep]");
  process.exit(0);
}
if (args.some((a) => a !== "--keep")) {
  console.error(`changeset-dry-run: unexpected argument ${args.find((a) => a !== "--keep")} (usage: node scripts/changeset-dry-run.mjs [--keep])`);
  process.exit(2);
}
const keep = args.includes("--keep");
const changesetBin = join(root, "node_modules", ".bin", "changeset");
const BUMPS = ["none", "patch", "minor", "major"];

const readJson = (p) => JSON.parse(readFileSync(p, "utf8"));

/** Workspace package folders, from pnpm-workspace.yaml's `packages:` globs (dir/* only). */
function workspaceDirs() {
  const yaml = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8");
  const globs = [];
  let inPackages = false;
  for (const line of yaml.split("\n")) {
    if (/^\S/.test(line)) inPackages = /^packages:\s*$/.test(line);
    else if (inPackages) {
      const m = /^\s+-\s+["']?([^"'#\s]+)["']?/.exec(line);
      if (m) globs.push(m[1]);
    }
  }
  const dirs = [];
  for (const g of globs) {
    if (!g.endsWith("/*") || g.slice(0, -2).includes("*")) throw new Error(`pnpm-workspace.yaml: unsupported glob ${g}`);
    const base = g.slice(0, -2);
    if (!existsSync(join(root, base))) continue;
    for (const d of readdirSync(join(root, base), { withFileTypes: true })) {
      if (d.isDirectory() && existsSync(join(root, base, d.name, "package.json"))) dirs.push(`${base}/${d.name}`);
    }
  }
  return dirs.sort();
}

/** The changesets: { file, releases: Map(name -> bump), summary }. */
function readChangesets(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md") && f !== "README.md")
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
      const releases = new Map();
      for (const line of (m?.[1] ?? "").split(/\r?\n/)) {
        const r = /^\s*["']?([^"':]+(?::[^"':]+)?)["']?\s*:\s*(patch|minor|major|none)\s*$/.exec(line);
        if (r) releases.set(r[1], r[2]);
      }
      return { file, releases, summary: (m?.[2] ?? "").trim() };
    });
}

/** The bump between two versions: major, minor, patch or none (prereleases are not used here). */
function bumpOf(from, to) {
  const a = from.split(/[.-]/).map(Number);
  const b = to.split(/[.-]/).map(Number);
  if (b[0] !== a[0]) return "major";
  if (b[1] !== a[1]) return "minor";
  if (b[2] !== a[2]) return "patch";
  return "none";
}

/** True when `to` starts a new breaking line for semver ranges (^): 0.x.y -> 1.0.0, 1.x -> 2.0. */
const crossesMajor = (from, to) => Number(to.split(".")[0]) > Number(from.split(".")[0]);

/** A digest of what we copy, to prove the repository was left as it was. */
function digest(files) {
  const h = createHash("sha256");
  for (const f of files) {
    h.update(f);
    h.update(existsSync(join(root, f)) ? readFileSync(join(root, f)) : "(absent)");
  }
  return h.digest("hex");
}

const failures = [];
const warnings = [];
const dirs = workspaceDirs();
const changesetDir = join(root, ".changeset");
if (!existsSync(changesetDir)) {
  console.error("changeset-dry-run: no .changeset folder");
  process.exit(1);
}
const watched = [
  "package.json",
  "pnpm-workspace.yaml",
  ...readdirSync(changesetDir).map((f) => `.changeset/${f}`),
  ...dirs.flatMap((d) => [`${d}/package.json`, `${d}/CHANGELOG.md`]),
];
const before = digest(watched);

const tmp = mkdtempSync(join(tmpdir(), "vnet-changeset-"));
try {
  // ---- the copy ------------------------------------------------------------------------------
  copyFileSync(join(root, "package.json"), join(tmp, "package.json"));
  copyFileSync(join(root, "pnpm-workspace.yaml"), join(tmp, "pnpm-workspace.yaml"));
  mkdirSync(join(tmp, ".changeset"));
  for (const f of readdirSync(changesetDir)) copyFileSync(join(changesetDir, f), join(tmp, ".changeset", f));
  // No git here: never let the tool try to commit.
  const config = readJson(join(tmp, ".changeset", "config.json"));
  config.commit = false;
  writeFileSync(join(tmp, ".changeset", "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  for (const d of dirs) {
    mkdirSync(join(tmp, d), { recursive: true });
    copyFileSync(join(root, d, "package.json"), join(tmp, d, "package.json"));
    if (existsSync(join(root, d, "CHANGELOG.md"))) copyFileSync(join(root, d, "CHANGELOG.md"), join(tmp, d, "CHANGELOG.md"));
  }
  // The changelog generator (@changesets/cli/changelog) is resolved from here.
  symlinkSync(join(root, "node_modules"), join(tmp, "node_modules"), "dir");

  const pkgs = dirs.map((d) => {
    const m = readJson(join(root, d, "package.json"));
    return { dir: d, name: m.name, private: m.private === true, version: m.version, manifest: m };
  });
  const byName = new Map(pkgs.map((p) => [p.name, p]));
  const changesets = readChangesets(changesetDir);
  console.log(`${changesets.length} changesets:`);
  for (const c of changesets) console.log(`  ${c.file}: ${[...c.releases].map(([n, t]) => `${n} ${t}`).join(", ")}`);
  /** name -> the biggest bump its changesets ask for */
  const requested = new Map();
  for (const c of changesets) {
    for (const [name, type] of c.releases) {
      if (!byName.has(name)) failures.push(`${c.file} names ${name}, which is not a workspace package`);
      else if (byName.get(name).private) failures.push(`${c.file} asks to version ${name}, a private package`);
      if (BUMPS.indexOf(type) > BUMPS.indexOf(requested.get(name) ?? "none")) requested.set(name, type);
    }
  }

  // ---- changeset version -----------------------------------------------------------------------
  const r = spawnSync(changesetBin, ["version"], { cwd: tmp, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", CI: "1" } });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
  console.log(`\n$ changeset version   (in ${keep ? tmp : "a temp copy"})\n${out.replace(/^/gm, "  ")}`);
  if (r.error || r.status !== 0) {
    failures.push(`changeset version failed (${r.error?.message ?? `exit ${r.status}`})`);
  } else {
    const left = readdirSync(join(tmp, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md");
    if (left.length > 0) failures.push(`changesets not consumed: ${left.join(", ")}`);

    // ---- versions ----------------------------------------------------------------------------
    const rows = [];
    const released = new Map();
    for (const p of pkgs) {
      const after = readJson(join(tmp, p.dir, "package.json"));
      const bump = p.version === undefined || after.version === undefined ? (after.version === p.version ? "none" : "new") : bumpOf(p.version, after.version);
      const want = requested.get(p.name) ?? "none";
      let verdict = "ok";
      if (p.private) {
        const changed = JSON.stringify(after) !== JSON.stringify(p.manifest);
        const log = existsSync(join(tmp, p.dir, "CHANGELOG.md")) && !existsSync(join(root, p.dir, "CHANGELOG.md"));
        if (changed || log) {
          verdict = "FAIL";
          failures.push(`${p.name} (private) was ${[changed && "rewritten", log && "given a CHANGELOG.md"].filter(Boolean).join(" and ")}`);
        } else verdict = "private, untouched";
      } else {
        if (bump !== "none") released.set(p.name, { from: p.version, to: after.version });
        if (BUMPS.indexOf(bump) < BUMPS.indexOf(want)) {
          verdict = "FAIL";
          failures.push(`${p.name}: its changesets ask for ${want}, it got ${bump} (${p.version} -> ${after.version})`);
        } else if (BUMPS.indexOf(bump) > BUMPS.indexOf(want) && crossesMajor(p.version, after.version)) {
          verdict = "FAIL";
          failures.push(`${p.name}: ${p.version} -> ${after.version} (${bump}) although its changesets ask for ${want === "none" ? "nothing" : want}${why(p, after)}`);
        } else if (bump !== want) verdict = `ok (${bump} from a dependency)`;
        const log = join(tmp, p.dir, "CHANGELOG.md");
        if (bump !== "none" && (!existsSync(log) || !readFileSync(log, "utf8").includes(`## ${after.version}\n`))) {
          verdict = "FAIL";
          failures.push(`${p.name}: CHANGELOG.md has no "## ${after.version}" section`);
        }
      }
      rows.push([p.name, p.version ?? "-", after.version ?? "-", bump, p.private ? "-" : want, verdict]);
    }
    printTable(["package", "now", "after", "bump", "asked", ""], rows);

    // ---- CHANGELOG heads -----------------------------------------------------------------------
    for (const p of pkgs) {
      const log = join(tmp, p.dir, "CHANGELOG.md");
      if (p.private || !released.has(p.name) || !existsSync(log)) continue;
      const lines = readFileSync(log, "utf8").split("\n");
      const next = lines.findIndex((l, i) => i > 2 && /^## /.test(l));
      const head = lines.slice(0, next > 0 ? next : lines.length).join("\n").trimEnd();
      const shown = head.split("\n").map((l) => (l.length > 140 ? `${l.slice(0, 137)}...` : l));
      console.log(`\n---- ${p.dir}/CHANGELOG.md (head)\n${shown.slice(0, 24).join("\n")}${shown.length > 24 ? `\n... (${shown.length - 24} more lines)` : ""}`);
    }

    // ---- version literals that would ship stale ------------------------------------------------
    for (const p of pkgs) {
      if (p.private) continue;
      const srcDir = join(root, p.dir, "src");
      if (!existsSync(srcDir)) continue;
      for (const file of listTs(srcDir)) {
        const text = readFileSync(file, "utf8");
        text.split("\n").forEach((line, i) => {
          for (const [name, { from, to }] of released) {
            // The package's own version, or a range on a released package (coreRange: "^0.1.0").
            const own = name === p.name && new RegExp(`["'\`](vnet )?${esc(from)}(\\\\n)?["'\`]`).test(line);
            const range = name === "@vnet/core" && new RegExp(`coreRange[^\\n]*["'][\\^~]?${esc(from)}["']`).test(line);
            const core = name === "@vnet/core" && p.name === "@vnet/core" && /CORE_VERSION/.test(line) && line.includes(from);
            if (own || range || core) warnings.push(`${file.slice(root.length + 1)}:${i + 1}: ${line.trim()}   (${name} goes ${from} -> ${to})`);
          }
        });
      }
    }
  }
} finally {
  if (keep) console.log(`\nkept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

if (digest(watched) !== before) failures.push("the repository's package.json, CHANGELOG or .changeset files changed during the run");

if (warnings.length > 0) {
  console.log(`\nwarning: version literals that \`changeset version\` does not update (they would ship stale):`);
  for (const w of [...new Set(warnings)]) console.log(`  ${w}`);
}
if (failures.length > 0) {
  console.error(`\nchangeset-dry-run: FAILED\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("\nchangeset-dry-run: ok (the repository was not modified)");

/** Why a package got more than it asked: a peer dependency that leaves its range. */
function why(p, after) {
  const peers = Object.entries(p.manifest.peerDependencies ?? {}).filter(([n]) => n.startsWith("@vnet/"));
  const reasons = peers.map(([n, range]) => `peer dependency ${n} ${range} (changesets bumps the dependents of a peer to a new major)`);
  return reasons.length > 0 ? `: ${reasons.join("; ")}` : "";
}

function listTs(dir) {
  const out = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...listTs(p));
    else if (/\.ts$/.test(d.name) && !/\.test(-d)?\.ts$/.test(d.name) && !d.name.startsWith("test-helpers")) out.push(p);
  }
  return out.sort();
}

function esc(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function printTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((v, i) => String(v).padEnd(widths[i])).join("  ").trimEnd();
  console.log(`\n${line(headers)}`);
  for (const r of rows) console.log(line(r));
}
