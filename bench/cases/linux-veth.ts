// Linux baseline: runs bench/veth-baseline.sh (real veth pair between two namespaces; needs root,
// iproute2 and gcc) and relays its metric lines, so the harness takes medians over fresh runs.
// Without root or `ip netns` the script explains on stderr and this case emits nothing.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../veth-baseline.sh", import.meta.url));
const run = spawnSync("bash", [script], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

if (run.error !== undefined) {
  process.stderr.write(`linux-veth: cannot run ${script}: ${run.error.message}\n`);
  process.exit(1);
}
for (const line of run.stdout.split("\n")) {
  if (line.startsWith("{")) process.stdout.write(`${line}\n`);
}
process.exit(run.status ?? 1);
