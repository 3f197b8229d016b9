#!/usr/bin/env node
// Runs vnet in a real browser. Bundles scripts/fixtures/browser-page.mjs (the etun, snull and
// insane scenarios of scripts/fixtures/scenarios, on @vnet/core and the three drivers) with esbuild
// for the browser on source (the "@vnet/source" condition), puts it in a temp HTML page, loads the
// page from a file:// URL in headless Chromium and reads back what the page wrote. The page must
// report success, and print exactly what the same scenarios print in Node (same seed, same bytes).
// No build needed.
//
//   node scripts/browser-run.mjs [--keep]
//     --keep   leave the page and the browser profile in the temp folder
//   CHROMIUM=/path/to/chrome   another browser binary (default /usr/bin/chromium)
//
// Without Chromium it says so and exits 0, or 1 when VNET_REQUIRE_ROOT_TESTS=1 (CI).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const fixtures = join(root, "scripts", "fixtures");
const args = process.argv.slice(2);
if (args.includes("-h") || args.includes("--help")) {
  console.log("usage: node scripts/browser-run.mjs [--keep]   (CHROMIUM=/path/to/chrome to use another browser)");
  process.exit(0);
}
if (args.some((a) => a !== "--keep")) {
  console.error(`browser-run: unexpected argument ${args.find((a) => a !== "--keep")} (usage: node scripts/browser-run.mjs [--keep])`);
  process.exit(2);
}
const keep = args.includes("--keep");
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
const required = process.env.VNET_REQUIRE_ROOT_TESTS === "1";
const TIMEOUT_MS = 120_000;

if (!existsSync(chromium)) {
  const msg = `browser-run: ${chromium} not found (apt-get install -y chromium, or set CHROMIUM)`;
  if (required) {
    console.error(`${msg}; VNET_REQUIRE_ROOT_TESTS=1, so this is a failure`);
    process.exit(1);
  }
  console.log(`${msg}; skipped`);
  process.exit(0);
}

const { SCENARIOS, checkScenarioLines } = await import(pathToFileURL(join(fixtures, "scenarios", "expect.mjs")).href);
const failures = [];
const dir = mkdtempSync(join(tmpdir(), "vnet-browser-run-"));

/** Chromium with its whole process group, killed if it outlives the timeout. */
function runChromium(argv) {
  return new Promise((resolve) => {
    const child = spawn(chromium, argv, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const killGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${TIMEOUT_MS / 1000} s)`;
      killGroup("SIGKILL");
    }, TIMEOUT_MS);
    const onSignal = (signal) => {
      killGroup("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      process.exit(128 + (signal === "SIGINT" ? 2 : 15));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ status: -1, stdout, stderr: `${stderr}\n${err.message}` });
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      // Helpers (zygote, GPU, network service) go with the browser.
      killGroup("SIGKILL");
      resolve({ status: status ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

const unescapeHtml = (s) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&nbsp;/g, "\u00a0").replace(/&amp;/g, "&");

try {
  // ---- bundle ------------------------------------------------------------------------------
  let bundle;
  try {
    const result = await build({
      entryPoints: [join(fixtures, "browser-page.mjs")],
      absWorkingDir: root,
      bundle: true,
      platform: "browser",
      format: "iife",
      target: "es2022",
      conditions: ["@vnet/source"],
      write: false,
      metafile: true,
      logLevel: "silent",
      legalComments: "none",
    });
    bundle = result.outputFiles[0].text;
    const inputs = Object.keys(result.metafile.inputs);
    // One copy of the core: every driver must share the kernel's classes and tables.
    const cores = inputs.filter((p) => p.endsWith("core/src/kernel/kernel.ts"));
    const nodeBuiltins = inputs.filter((p) => p.startsWith("node:"));
    if (cores.length !== 1) failures.push(`the bundle holds ${cores.length} copies of @vnet/core (${cores.join(", ")})`);
    if (nodeBuiltins.length > 0) failures.push(`the bundle imports Node built-ins: ${nodeBuiltins.join(", ")}`);
    const pkgs = [...new Set(inputs.map((p) => /packages\/([^/]+)\/src\//.exec(p)?.[1]).filter(Boolean))].sort();
    console.log(`bundled ${inputs.length} modules from packages ${pkgs.join(", ")}: ${(bundle.length / 1024).toFixed(1)} KiB`);
  } catch (err) {
    const messages = err.errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`);
    failures.push(`esbuild: ${(messages ?? [String(err)]).join("\n    ")}`);
  }

  if (bundle !== undefined) {
    // ---- page --------------------------------------------------------------------------------
    const page = join(dir, "index.html");
    writeFileSync(
      page,
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>vnet in a browser</title></head>\n<body>\n" +
        '<pre id="vnet-agent"></pre>\n<pre id="vnet-result" data-status="pending"></pre>\n' +
        // "</script" cannot appear inside the inline script.
        `<script>${bundle.replace(/<\/script/gi, "<\\/script")}</script>\n</body></html>\n`,
    );
    const profile = join(dir, "profile");
    mkdirSync(profile);
    const argv = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      `--user-data-dir=${profile}`,
      "--virtual-time-budget=10000",
      "--dump-dom",
      pathToFileURL(page).href,
    ];
    const version = spawnSync(chromium, ["--version"], { encoding: "utf8" }).stdout?.trim();
    console.log(`running ${version || chromium} --headless on ${pathToFileURL(page).href}`);
    const r = await runChromium(argv);
    const status = /<pre id="vnet-result" data-status="([^"]*)">([\s\S]*?)<\/pre>/.exec(r.stdout);
    const agent = /<pre id="vnet-agent">([\s\S]*?)<\/pre>/.exec(r.stdout)?.[1];
    if (r.status !== 0 && status === null) {
      failures.push(`chromium exited with ${r.status} without a page:\n${r.stderr.trim().split("\n").slice(-20).join("\n")}`);
    } else if (status === null) {
      failures.push(`the dumped DOM has no result element:\n${r.stdout.slice(0, 2000)}`);
    } else {
      const [, verdict, text] = status;
      const lines = unescapeHtml(text).split("\n");
      if (agent) console.log(`user agent: ${unescapeHtml(agent)}`);
      console.log(`page (${verdict}):\n${lines.map((l) => `  ${l}`).join("\n")}`);
      if (verdict !== "pass") {
        failures.push(`the page reports "${verdict}"`);
      } else {
        // Checked here too, and against Node: the same seed must give the same bytes everywhere.
        const problems = checkScenarioLines(SCENARIOS, lines);
        if (problems.length > 0) failures.push(`page output: ${problems.join("; ")}`);
        const node = spawnSync(
          process.execPath,
          [
            "--import", import.meta.resolve("tsx"), "--conditions=@vnet/source", "--input-type=module", "-e",
            `import { allScenarios } from ${JSON.stringify(pathToFileURL(join(fixtures, "scenarios", "all.mjs")).href)}; console.log(allScenarios().join("\\n"));`,
          ],
          { cwd: root, encoding: "utf8" },
        );
        const nodeLines = (node.stdout ?? "").trimEnd().split("\n");
        if (node.status !== 0) failures.push(`the scenarios fail in Node:\n${node.stderr}`);
        else if (JSON.stringify(nodeLines) !== JSON.stringify(lines)) {
          failures.push(`the browser printed something else than Node:\n  node:    ${nodeLines.join("\n           ")}`);
        } else console.log("same output as in Node");
      }
    }
  }
} finally {
  if (keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\nbrowser-run: FAILED\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("\nbrowser-run: ok");
