#!/usr/bin/env node
// Runs a bundled example on source (no build): examples/<name>/src/main.ts under tsx with the
// "@vnet/source" condition, in the example's folder, passing any further arguments through.
//
//   node scripts/example.mjs [name] [args ...]     (no name: snull-ldd3, else the first alphabetically)
//   node scripts/example.mjs --list
// Exit status: the example's, or 2 when the name is unknown (the available ones are listed).
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const examplesDir = join(root, "examples");

function available() {
  if (!existsSync(examplesDir)) return [];
  return readdirSync(examplesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(examplesDir, d.name, "src", "main.ts")))
    .map((d) => d.name)
    .sort();
}

function list(stream, names) {
  if (names.length === 0) stream.write("no examples yet (expected examples/<name>/src/main.ts)\n");
  else stream.write(`available examples:\n${names.map((n) => `  ${n}`).join("\n")}\n`);
}

const [arg, ...rest] = process.argv.slice(2);
const names = available();

if (arg === "--list" || arg === "-l") {
  list(process.stdout, names);
  process.exit(0);
}
if (arg === "-h" || arg === "--help") {
  process.stdout.write("usage: node scripts/example.mjs [name] [args ...] | --list\n");
  list(process.stdout, names);
  process.exit(0);
}

const name = arg ?? (names.includes("snull-ldd3") ? "snull-ldd3" : names[0]);
if (name === undefined || !names.includes(name)) {
  if (name !== undefined) process.stderr.write(`example: unknown example "${name}"\n`);
  list(process.stderr, names);
  process.exit(2);
}

// tsx is a root devDependency; resolve it here so the example can run from its own folder.
const tsx = import.meta.resolve("tsx");
const main = join(examplesDir, name, "src", "main.ts");
const child = spawn(process.execPath, ["--import", tsx, "--conditions=@vnet/source", main, ...rest], {
  cwd: join(examplesDir, name),
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("error", (err) => {
  process.stderr.write(`example: cannot start node: ${err.message}\n`);
  process.exit(1);
});
child.on("close", (code, signal) => {
  process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
});
