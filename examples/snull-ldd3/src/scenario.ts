import { readFileSync } from "node:fs";
import { Kernel } from "@vnet/core";
import { Transcript } from "@vnet/tools";

/** Runs topology.vnet on a fresh kernel (seed 1) and returns the session, byte for byte. */
export async function scenario(): Promise<{ text: string; status: number }> {
  const t = new Transcript(new Kernel({ seed: 1 }));
  await t.run(readFileSync(new URL("./topology.vnet", import.meta.url), "utf8"), "topology.vnet");
  return { text: await t.finish(), status: t.status };
}
