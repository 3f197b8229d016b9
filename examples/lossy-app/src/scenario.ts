import { readFileSync } from "node:fs";
import { Kernel, ROOT_CRED, devGetStats, parseIpv4, type NetDeviceStats } from "@vnet/core";
import { Shell } from "@vnet/tools";
import { RequestServer, RetryingClient, runRequests, type Outcome } from "./app.js";

export const SEED = 7;
export const REQUESTS = 30;
export const TIMEOUT_MS = 100;
export const MAX_ATTEMPTS = 3;

export interface Run {
  outcomes: Outcome[];
  /** What happened, one line per timeout or settled request, with the kernel time. */
  log: string[];
  /** Requests the server answered (retries included). */
  serverHandled: number;
  /** Answers the client ignored (for a request already settled). */
  stale: number;
  /** The two insane devices' counters: tx_packets relayed, tx_dropped lost. */
  clientInsane: NetDeviceStats;
  serverInsane: NetDeviceStats;
}

/**
 * Builds topology.vnet on a kernel seeded with `seed` (then runs `extra`, more shell lines), and
 * sends REQUESTS requests from client to server.
 */
export async function scenario(opts: { seed?: number; extra?: readonly string[] } = {}): Promise<Run> {
  const kernel = new Kernel({ seed: opts.seed ?? SEED });
  const sh = new Shell(kernel);
  const script = [readFileSync(new URL("./topology.vnet", import.meta.url), "utf8"), ...(opts.extra ?? [])].join("\n");
  const r = await sh.runScript(script, "topology.vnet");
  if (r.status !== 0) throw new Error(`${sh.text()}${r.message ?? ""}`);

  const clientNet = kernel.netns.get("client")!;
  const serverNet = kernel.netns.get("server")!;
  const log: string[] = [];
  const at = (): string => `${kernel.nowMs.toFixed(0).padStart(5)} ms`;
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const server = new RequestServer(serverNet, ROOT_CRED, 4000, (p) => enc.encode(dec.decode(p).toUpperCase()));
  const client = new RetryingClient(
    kernel, clientNet, ROOT_CRED, { addr: parseIpv4("10.9.0.2")!, port: 4000 }, { timeoutMs: TIMEOUT_MS, maxAttempts: MAX_ATTEMPTS },
    (id, attempt) => log.push(`${at()}  request ${id}: attempt ${attempt} timed out`),
  );
  const outcomes = runRequests(kernel, client, REQUESTS, (n) => enc.encode(`hello ${n}`), (o) => {
    const attempts = `${o.attempts} attempt${o.attempts === 1 ? "" : "s"}`;
    log.push(`${at()}  request ${o.id}: ${o.answer === null ? `given up after ${attempts}` : `"${dec.decode(o.answer)}" after ${attempts}, ${o.elapsedMs} ms`}`);
  });
  client.close();
  server.close();
  return {
    outcomes, log, serverHandled: server.handled, stale: client.stale,
    clientInsane: devGetStats(clientNet.devices.get("insane")!), serverInsane: devGetStats(serverNet.devices.get("insane")!),
  };
}

/** The log and a summary, as main.ts prints them. */
export function report(run: Run): string {
  const { outcomes } = run;
  const answered = outcomes.filter((o) => o.answer !== null).length;
  const sent = outcomes.reduce((n, o) => n + o.attempts, 0);
  return [
    ...run.log,
    `${outcomes.length} requests, ${sent} sent (${sent - outcomes.length} retries), ${answered} answered, ${outcomes.length - answered} given up`,
    `client insane: ${run.clientInsane.txPackets} relayed, ${run.clientInsane.txDropped} dropped; server insane: ${run.serverInsane.txPackets} relayed, ${run.serverInsane.txDropped} dropped`,
    `the server answered ${run.serverHandled} times; ${run.stale} late answers were ignored`,
    "",
  ].join("\n");
}
