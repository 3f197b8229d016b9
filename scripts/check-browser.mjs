#!/usr/bin/env node
// Proves @vnet/core and every driver package bundle for a browser: esbuild, platform "browser",
// source condition. Fails (exit 1) when a file imports a Node built-in (`node:*`, `fs`, `buffer`, ...)
// or uses the global `Buffer` (also `global`, `__dirname`, `__filename`). Prints bundle sizes.
//
//   node scripts/check-browser.mjs [--keep] [file.ts ...]
//     --keep      leave the bundles in the temp dir
//     file.ts     check these entry files instead of the packages' src/index.ts
import { build } from "esbuild";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const keep = args.includes("--keep");
const files = args.filter((a) => !a.startsWith("--"));

// Global identifiers that do not exist in a browser. esbuild `define` swaps each global reference
// (never a property access, a local binding, a string or a comment) for a marker we then look for.
const forbiddenGlobals = ["Buffer", "globalThis.Buffer", "global", "__dirname", "__filename"];
const marker = (name) => `__VNET_FORBIDDEN_GLOBAL_${name.replace(".", "_")}__`;

const builtins = new Set(builtinModules.filter((m) => !m.startsWith("_")));
function isBuiltin(path) {
  if (path.startsWith("node:")) return true;
  const [top] = path.split("/");
  return builtins.has(path) || builtins.has(top);
}

/** esbuild plugin: every import of a Node built-in becomes a build error naming the importer. */
function rejectNodeBuiltins(found) {
  return {
    name: "reject-node-builtins",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point" || !isBuiltin(args.path)) return undefined;
        found.push(`${relative(root, args.importer) || args.importer} imports Node built-in "${args.path}"`);
        // Keep going so one run reports every offending import.
        return { path: args.path, external: true };
      });
    },
  };
}

/** The "// path" comment esbuild puts before each module in an unminified bundle. */
function moduleAt(code, index) {
  const before = code.slice(0, index);
  const m = [...before.matchAll(/^\/\/ (\S+)$/gm)].pop();
  return m ? m[1] : "(unknown module)";
}

function entries() {
  if (files.length > 0) return files.map((f) => ({ name: f, file: join(process.cwd(), f), driver: false }));
  const list = [{ name: "@vnet/core", file: join(root, "packages", "core", "src", "index.ts"), driver: false }];
  for (const d of readdirSync(join(root, "packages"), { withFileTypes: true })) {
    if (!d.isDirectory() || !d.name.startsWith("driver-")) continue;
    const dir = join(root, "packages", d.name);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    list.push({ name: pkg.name, file: join(dir, "src", "index.ts"), driver: true });
  }
  return list.filter((e) => existsSync(e.file));
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const outDir = mkdtempSync(join(tmpdir(), "vnet-browser-"));
const failures = [];
const rows = [];

try {
  for (const entry of entries()) {
    const found = [];
    const isDriver = entry.driver;
    const outfile = join(outDir, `${entry.name.replace("@vnet/", "").replace(/[^\w.-]+/g, "_")}.js`);
    // Check build: no tree shaking, so code that is unused today cannot hide a Node dependency.
    const options = {
      entryPoints: [entry.file],
      absWorkingDir: root,
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      conditions: ["@vnet/source"],
      // A driver's size is its own: @vnet/core is checked (and sized) by the first entry.
      external: isDriver ? ["@vnet/*"] : [],
      plugins: [rejectNodeBuiltins(found)],
      logLevel: "silent",
      legalComments: "none",
    };
    let result;
    try {
      result = await build({
        ...options,
        outfile,
        treeShaking: false,
        define: Object.fromEntries(forbiddenGlobals.map((g) => [g, marker(g)])),
      });
    } catch (err) {
      const messages = err.errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`);
      failures.push(`${entry.name}: build failed:\n    ${(messages ?? [String(err)]).join("\n    ")}`);
      continue;
    }
    for (const w of result.warnings) process.stderr.write(`${entry.name}: warning: ${w.text}\n`);
    for (const f of new Set(found)) failures.push(`${entry.name}: ${f}`);

    const code = readFileSync(outfile, "utf8");
    for (const g of forbiddenGlobals) {
      const re = new RegExp(marker(g), "g");
      for (const m of code.matchAll(re)) failures.push(`${entry.name}: ${moduleAt(code, m.index)} uses the Node global \`${g}\``);
    }

    // Size build: what a browser app would ship (tree-shaken, minified).
    const shipped = await build({ ...options, plugins: [rejectNodeBuiltins([])], write: false, minify: true, outfile });
    const min = shipped.outputFiles[0].contents;
    rows.push([entry.name, kb(Buffer.byteLength(code)), kb(min.length), kb(gzipSync(min).length), isDriver ? "without @vnet/core" : ""]);
  }

  const headers = ["package", "unminified", "minified", "min+gzip", ""];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((v, i) => (i === 0 || i === 4 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ").trimEnd();
  console.log(line(headers));
  for (const r of rows) console.log(line(r));
} finally {
  if (keep) console.log(`bundles kept in ${outDir}`);
  else rmSync(outDir, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\ncheck-browser: FAILED, these packages must stay platform-neutral (Uint8Array/DataView, no node:*):`);
  for (const f of failures) console.error(`  - ${f}`);
  process.exit(1);
}
console.log("\ncheck-browser: ok, no Node built-ins and no global Buffer");
