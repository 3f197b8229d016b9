// @vnet/tools: how long `vnet run` takes to start and run a small bundled script (its own time:
// the median of 5 fresh processes minus the median of 5 bare `node` starts), and flood-ping round
// trips per second of wall time through the shell (ping -f -q -c 100000 over an etun pair
// between two namespaces). The CLI is bundled from source with esbuild, as tsup ships it.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Kernel } from "@vnet/core";
import { Shell } from "@vnet/tools";
import { emit } from "../lib.js";

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const out = join(root, ".bench-out", "vnet-cli.mjs");
const script = join(root, "packages", "tools", "scripts", "snull.vnet");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function wallMs(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited with ${r.status}`);
  return ms;
}

// 1. Startup of `vnet run` on a bundled script, fresh processes.
{
  mkdirSync(dirname(out), { recursive: true });
  await build({
    entryPoints: [join(root, "packages", "tools", "src", "cli.ts")],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@vnet/source"],
    logLevel: "error",
  });
  const node: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < 5; i++) {
    node.push(wallMs(["-e", "0"]));
    cli.push(wallMs([out, "run", script]));
  }
  emit("tools.node_startup", median(node), "ms");
  emit("tools.vnet_run_total", median(cli), "ms");
  emit("tools.vnet_run_startup", Math.max(0, median(cli) - median(node)), "ms", { target: { max: 300 } });
}

// 2. Flood ping round trips per second of wall time, inside the shell.
{
  const kernel = new Kernel({ seed: 1 });
  const sh = new Shell(kernel, { output: () => {} });
  for (const line of [
    "insmod etun", "ip netns add a", "ip link add p0 type veth peer name p1 netns a", "ip addr add 10.0.0.1/24 dev p0",
    "ip link set p0 up", "ip -n a addr add 10.0.0.2/24 dev p1", "ip -n a link set p1 up", "ping -f -q -c 20000 10.0.0.2",
  ]) {
    if ((await sh.run(line)) !== 0) throw new Error(`setup failed: ${line}`);
  }
  const n = 100_000;
  const t0 = process.hrtime.bigint();
  const status = await sh.run(`ping -f -q -c ${n} 10.0.0.2`);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (status !== 0) throw new Error(`ping exited with ${status}`);
  emit("tools.ping_flood", n / s, "round trips/s", { target: { min: 500_000 } });
}
