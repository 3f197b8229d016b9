import { readFileSync } from "node:fs";
import { Kernel } from "@vnet/core";
import { Transcript } from "@vnet/tools";
import { udpAcross } from "./udp.js";

const script = (name: string): string => readFileSync(new URL(`./${name}`, import.meta.url), "utf8");

/** topology.vnet, the UDP part of udp.ts, then counters.vnet, on one kernel (seed 1). */
export async function scenario(): Promise<{ text: string; status: number }> {
  const kernel = new Kernel({ seed: 1 });
  const t = new Transcript(kernel);
  if (await t.run(script("topology.vnet"), "topology.vnet")) {
    t.print("# udp.ts: a request and its answer between h1 and h2, then a UDP traceroute from h1\n");
    udpAcross(kernel, kernel.netns.get("h1")!, kernel.netns.get("h2")!, (line) => t.print(`${line}\n`));
    await t.run(script("counters.vnet"), "counters.vnet");
  }
  return { text: await t.finish(), status: t.status };
}
