#!/usr/bin/env node
/**
 * vnet: run a script of shell lines (or a topology module) against a fresh simulated kernel, or
 * use it interactively.
 *
 *   vnet [OPTIONS] run FILE [-i]      run FILE; -i: then stay interactive
 *   vnet [OPTIONS] shell [FILE]       interactive (after FILE, if given)
 *   vnet [OPTIONS] up FILE            run FILE, then serve in real time until SIGINT or SIGTERM
 *   vnet [OPTIONS] -c 'LINE'          run one line
 * OPTIONS: --seed N, --hz N, --realtime, --user NAME, --hostname NAME
 */
import { existsSync, readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Kernel } from "@vnet/core";
import { VirtualClock, type ClockDriver } from "./shell/clock.js";
import { Shell } from "./shell/shell.js";
import { bundledModules } from "./commands/modules/registry.js";
import { NodeFiles } from "./node/files.js";
import { interactive } from "./node/interactive.js";
import { hostModules, kernelDown, shutdownSignal, startRealtime, vxlanSocketsReady, type ShutdownSignal } from "./node/host.js";

const USAGE = `usage: vnet [OPTIONS] run FILE [-i]
       vnet [OPTIONS] shell [FILE]
       vnet [OPTIONS] up FILE
       vnet [OPTIONS] -c LINE
FILE is a script of shell lines (# comments, a leading '-' lets a line fail), a bundled script
name (vnet run --list), or a .js/.mjs/.ts module whose default export is (kernel, sh) => ...
up runs FILE in real time, then keeps the kernel serving traffic until SIGINT or SIGTERM; it then
closes every device (and socket) and exits 0. A failing FILE exits as run does.
OPTIONS:
  --seed N         seed of the kernel's PRNG (default 1)
  --hz N           jiffies per second (default 100)
  --realtime       kernel time follows the wall clock, and vxlan uses the host's UDP sockets
                   (default: virtual time, vxlan over the kernel's own UDP; always on for up)
  --user NAME      start as NAME instead of root (no CAP_NET_ADMIN)
  --hostname NAME  the kernel's host name (default vnet)
  -h, --help       this text
  -V, --version    the version
`;

const MODULE_EXTS = new Set([".js", ".mjs", ".cjs", ".ts", ".mts"]);
const scriptsDir = fileURLToPath(new URL("../scripts/", import.meta.url));

interface Cli {
  mode: "run" | "shell" | "up" | "line" | "list";
  file: string | undefined;
  line: string | undefined;
  then: boolean;
  seed: number;
  hz: number;
  realtime: boolean;
  user: string;
  hostname: string | undefined;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Cli | "help" | "version" {
  const cli: Cli = { mode: "shell", file: undefined, line: undefined, then: false, seed: 1, hz: 100, realtime: false, user: "root", hostname: undefined };
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const eq = a.indexOf("=");
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a value`);
      return v;
    };
    const int = (name: string, v: string): number => {
      if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a non-negative integer, not '${v}'`);
      return Number(v);
    };
    if (a === "-h" || a === "--help") return "help";
    else if (a === "-V" || a === "--version") return "version";
    else if (a === "--seed" || a.startsWith("--seed=")) cli.seed = int("--seed", value());
    else if (a === "--hz" || a.startsWith("--hz=")) cli.hz = int("--hz", value());
    else if (a === "--realtime") cli.realtime = true;
    else if (a === "--user" || a.startsWith("--user=")) cli.user = value();
    else if (a === "--hostname" || a.startsWith("--hostname=")) cli.hostname = value();
    else if (a === "-c") {
      cli.mode = "line";
      cli.line = value();
    } else if (a === "-i") cli.then = true;
    else if (a === "--list" && command === "run") cli.mode = "list";
    else if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown option ${a}`);
    else if (command === undefined && cli.mode !== "line") {
      if (a !== "run" && a !== "shell" && a !== "up") throw new UsageError(`unknown command '${a}'`);
      command = a;
      cli.mode = a;
    } else if (cli.file === undefined && command !== undefined) cli.file = a;
    else throw new UsageError(`unexpected argument '${a}'`);
  }
  if ((cli.mode === "run" || cli.mode === "up") && cli.file === undefined) throw new UsageError(`${cli.mode}: missing FILE`);
  if (cli.mode === "up") {
    if (cli.then) throw new UsageError("up: -i is for run");
    cli.realtime = true;
  }
  return cli;
}

/** A script's path: as given, or a bundled script by name. */
function locate(file: string): string | null {
  if (file === "-" || existsSync(file)) return file;
  for (const name of [file, `${file}.vnet`]) {
    const p = resolve(scriptsDir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

/** Runs a topology module: its default export gets the kernel and the shell. */
async function runModule(path: string, kernel: Kernel, shell: Shell): Promise<number> {
  if (path.endsWith("ts") && !process.execArgv.join(" ").includes("tsx")) {
    try {
      const api = (await import("tsx/esm/api" as string)) as { register(): unknown };
      api.register();
    } catch {
      process.stderr.write(`vnet: ${path}: TypeScript topologies need tsx (npm i -D tsx), or compile it to .js\n`);
      return 2;
    }
  }
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  if (typeof mod.default !== "function") {
    process.stderr.write(`vnet: ${path}: the module has no default export function (kernel, sh) => ...\n`);
    return 2;
  }
  const r: unknown = await (mod.default as (k: Kernel, s: Shell) => unknown)(kernel, shell);
  await shell.terminateJobs();
  return typeof r === "number" ? r : shell.exited ?? 0;
}

async function main(argv: readonly string[]): Promise<number> {
  let cli: Cli | "help" | "version";
  try {
    cli = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`vnet: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (cli === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cli === "version") {
    process.stdout.write("vnet 0.1.0\n");
    return 0;
  }
  if (cli.mode === "list") {
    const { readdirSync } = await import("node:fs");
    const names = existsSync(scriptsDir) ? readdirSync(scriptsDir).filter((f) => f.endsWith(".vnet")) : [];
    process.stdout.write(names.map((n) => n.replace(/\.vnet$/, "") + "\n").join(""));
    return 0;
  }
  let kernel: Kernel;
  try {
    kernel = new Kernel({ seed: cli.seed, hz: cli.hz, ...(cli.hostname !== undefined ? { hostname: cli.hostname } : {}) });
  } catch (e) {
    process.stderr.write(`vnet: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const isTTY = process.stdin.isTTY === true;
  // Real time is the kernel's own clock, running from now on (the one a VXLAN socket would start).
  const clock: ClockDriver = cli.realtime ? startRealtime(kernel) : new VirtualClock();
  const shell = new Shell(kernel, {
    clock,
    files: new NodeFiles(),
    user: cli.user,
    interactive: cli.mode === "shell" && cli.file === undefined ? isTTY : false,
    output: (fd, text) => (fd === 1 ? process.stdout : process.stderr).write(text),
    modules: cli.realtime ? hostModules(bundledModules) : bundledModules,
  });
  // Signals are taken before FILE runs, so that `up` also shuts down cleanly while starting.
  const signal = cli.mode === "up" ? shutdownSignal() : null;
  // A stop asked for while FILE runs interrupts what it waits for (a `sleep`, a ping).
  void signal?.received.then(() => {
    if (shell.interrupt()) shell.clock.settle(kernel);
  });
  try {
    return await session(cli, kernel, shell, signal, isTTY);
  } finally {
    signal?.off();
    // Real time holds host resources (the clock's timer, sockets): give them back.
    if (cli.realtime) for (const line of kernelDown(kernel)) process.stderr.write(`vnet: shutdown: ${line}\n`);
  }
}

/** Runs what the command line asks for; returns the exit status. */
async function session(cli: Cli, kernel: Kernel, shell: Shell, signal: ShutdownSignal | null, isTTY: boolean): Promise<number> {
  let status = 0;
  // Real time: what starting up took has passed for the kernel too before the first command.
  if (cli.realtime) shell.clock.settle(kernel);
  if (cli.mode === "line") {
    status = await shell.run(cli.line!);
    await shell.terminateJobs();
    return status;
  }
  if (cli.file !== undefined) {
    const path = locate(cli.file);
    if (path === null) {
      process.stderr.write(`vnet: ${cli.file}: No such file or directory\n`);
      return 127;
    }
    if (MODULE_EXTS.has(extname(path))) status = await runModule(path, kernel, shell);
    else {
      const text = path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
      status = (await shell.runScript(text, cli.file)).status;
    }
    if (cli.mode === "up") return status === 0 ? serve(cli.file, kernel, signal!) : status;
    if (!(cli.mode === "shell" || cli.then)) return status;
  }
  shell.interactive = isTTY;
  return interactive(shell, cli.realtime ? () => shell.clock.settle(kernel) : null);
}

/**
 * `vnet up`: once the tunnels' sockets are bound, says so on stderr and serves in real time until
 * SIGINT or SIGTERM. A stop asked for is a clean shutdown, so the status is 0, as daemons exit.
 */
async function serve(file: string, kernel: Kernel, signal: ShutdownSignal): Promise<number> {
  const ready = vxlanSocketsReady(kernel).then(
    () => null,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
  const first = await Promise.race([ready, signal.received.then(() => "signal" as const)]);
  if (first === "signal") return 0;
  if (first !== null) {
    process.stderr.write(`vnet: ${first}\n`);
    return 1;
  }
  process.stderr.write(`vnet: ${file} is up (pid ${process.pid}); SIGINT or SIGTERM stops it\n`);
  // A pending promise does not keep Node running; the clock's timer would, but say it plainly.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  try {
    await signal.received;
  } finally {
    clearInterval(keepAlive);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    process.stderr.write(`vnet: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
