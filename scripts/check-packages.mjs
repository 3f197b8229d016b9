#!/usr/bin/env node
// Checks what npm users would install: packs every non-private package under packages/ with pnpm
// (which applies publishConfig and rewrites workspace: ranges), then runs publint --strict and
// attw --profile esm-only on each tarball. Build first (`pnpm build`); this script does not build.
//
//   node scripts/check-packages.mjs [name ...]     (e.g. core driver-etun; default: all)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (name) => join(root, "node_modules", ".bin", name);
const PNPM = ["npx", "--yes", "pnpm@10.34.8"];
const filters = process.argv.slice(2);

/** Runs a command, echoing its output indented; returns { ok, out }. */
function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.replace(/^npm warn Unknown user config.*\n/gm, "").trimEnd();
  if (r.error) return { ok: false, out: `${cmd}: ${r.error.message}` };
  return { ok: r.status === 0, out };
}
const indent = (s) => (s ? `${s.replace(/^/gm, "    ")}\n` : "");

function packages() {
  const dirs = readdirSync(join(root, "packages"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, "packages", d.name, "package.json")))
    .map((d) => d.name)
    .sort();
  const unknown = filters.filter((f) => !dirs.includes(f) && !dirs.some((d) => `@vnet/${d}` === f));
  if (unknown.length > 0) {
    console.error(`check-packages: no package ${unknown.join(", ")} (have: ${dirs.join(", ")})`);
    process.exit(2);
  }
  return dirs
    .filter((d) => filters.length === 0 || filters.includes(d) || filters.includes(`@vnet/${d}`))
    .map((d) => ({ dir: join(root, "packages", d), pkg: JSON.parse(readFileSync(join(root, "packages", d, "package.json"), "utf8")) }))
    .filter((p) => p.pkg.private !== true);
}

/** The package.json inside the tarball, as published. */
function packedManifest(tarball) {
  const r = spawnSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot read package/package.json from ${tarball}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const outDir = mkdtempSync(join(tmpdir(), "vnet-pack-"));
const failures = [];
try {
  for (const { dir, pkg } of packages()) {
    const name = pkg.name;
    console.log(`\n== ${name} (${relative(root, dir)})`);
    const fail = (what, out = "") => {
      failures.push(`${name}: ${what}`);
      console.log(`  FAIL ${what}`);
      process.stdout.write(indent(out));
    };
    if (!existsSync(join(dir, "dist"))) {
      fail("no dist/ folder: run `pnpm build` first");
      continue;
    }

    const dest = join(outDir, name.replace(/[@/]/g, "_"));
    mkdirSync(dest);
    const pack = run(PNPM[0], [...PNPM.slice(1), "pack", "--pack-destination", dest], dir);
    const tarballs = readdirSync(dest).filter((f) => f.endsWith(".tgz"));
    if (!pack.ok || tarballs.length !== 1) {
      fail("pnpm pack", pack.out);
      continue;
    }
    const tarball = join(dest, tarballs[0]);
    console.log(`  packed ${tarballs[0]}`);

    // What pnpm must have rewritten: no private source condition, no workspace: ranges.
    const manifest = packedManifest(tarball);
    const text = JSON.stringify(manifest);
    if (text.includes("@vnet/source")) fail('packed package.json still has the private "@vnet/source" export condition');
    else if (text.includes('"workspace:')) fail("packed package.json still has a workspace: dependency range");
    else console.log("  ok   packed manifest (publishConfig applied, no workspace: ranges)");

    const publint = run(bin("publint"), ["run", tarball, "--strict"], dest);
    if (publint.ok) console.log("  ok   publint --strict");
    else fail("publint --strict", publint.out);

    const attw = run(bin("attw"), [tarball, "--profile", "esm-only", "--no-emoji", "--no-color"], dest);
    // attw exits 0 for a package without any types; ours must have them.
    if (attw.ok && /does not contain types/.test(attw.out)) fail("attw: the package has no types", attw.out);
    else if (attw.ok) console.log("  ok   attw --profile esm-only");
    else fail("attw --profile esm-only", attw.out);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\ncheck-packages: FAILED\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("\ncheck-packages: ok");
