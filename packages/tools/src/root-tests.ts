/**
 * Tests that compare with the real tools need root (network namespaces) or a program
 * (ip, tcpdump, tshark). They skip with a reason, unless VNET_REQUIRE_ROOT_TESTS=1 (CI), where a
 * missing prerequisite is a failure.
 */
import { spawnSync } from "node:child_process";

export const requireRootTests: boolean = process.env["VNET_REQUIRE_ROOT_TESTS"] === "1";

/** Whether `cmd args` runs and exits 0. */
export function runs(cmd: string, args: readonly string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** null when the prerequisites are there; else why not. Throws when CI requires them. */
export function missing(checks: ReadonlyArray<readonly [ok: boolean, why: string]>): string | null {
  const why = checks.filter(([ok]) => !ok).map(([, w]) => w);
  if (why.length === 0) return null;
  const msg = why.join("; ");
  if (requireRootTests) throw new Error(`VNET_REQUIRE_ROOT_TESTS=1 but ${msg}`);
  console.warn(`skipping: ${msg}`);
  return msg;
}
