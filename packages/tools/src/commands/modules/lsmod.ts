import type { Module } from "@vnet/core";
import type { Command } from "../../shell/types.js";

/** A plausible module size: what /proc/modules would show, rounded to pages. */
function moduleSize(mod: Module): number {
  const params = Object.keys(mod.plugin.params ?? {}).length;
  return 16384 + 4096 * Math.ceil(params / 4);
}

/** lsmod: loaded modules, newest first, as /proc/modules lists them. */
export const lsmod: Command = {
  name: "lsmod",
  summary: "list loaded modules",
  run(_argv, ctx) {
    let out = "Module                  Size  Used by\n";
    for (const mod of [...ctx.kernel.modules.values()].reverse()) {
      const holders = [...mod.holders].map((h) => h.name);
      out += `${mod.name.padEnd(19)} ${String(moduleSize(mod)).padStart(8)}  ${mod.refcnt + holders.length}`;
      out += holders.length > 0 ? ` ${holders.join(",")}\n` : "\n";
    }
    ctx.out(out);
    return 0;
  },
};
