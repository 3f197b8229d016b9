import { readFileSync } from "node:fs";
import { Kernel } from "@vnet/core";
import { Transcript } from "@vnet/tools";
import { udpExchange } from "./udp.js";

const script = (name: string): string => readFileSync(new URL(`./${name}`, import.meta.url), "utf8");

/** topology.vnet, the UDP exchange of udp.ts, then counters.vnet, on one kernel (seed 1). */
export async function scenario(): Promise<{ text: string; status: number }> {
  const kernel = new Kernel({ seed: 1 });
  const t = new Transcript(kernel);
  if (await t.run(script("topology.vnet"), "topology.vnet")) {
    t.print("# udp.ts: an echo server in b, a client in a (socket API)\n");
    udpExchange(kernel, kernel.netns.get("a")!, kernel.netns.get("b")!, (line) => t.print(`${line}\n`));
    await t.run(script("counters.vnet"), "counters.vnet");
  }
  return { text: await t.finish(), status: t.status };
}
