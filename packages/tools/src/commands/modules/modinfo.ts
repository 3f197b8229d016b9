import { CORE_VERSION, type ParamSpec } from "@vnet/core";
import type { Command } from "../../shell/types.js";
import { moduleName } from "./insmod.js";

function field(name: string, value: string): string {
  return `${(name + ":").padEnd(16)}${value}\n`;
}

/** modinfo NAME...: what a bundled module says about itself, kmod's layout. */
export const modinfo: Command = {
  name: "modinfo",
  summary: "show a module's description, author, license and parameters",
  run(argv, ctx) {
    const args = argv.slice(1).filter((a) => !a.startsWith("-"));
    if (args.length === 0) {
      ctx.err("modinfo: ERROR: missing module or filename.\n");
      return 1;
    }
    let status = 0;
    for (const arg of args) {
      const name = moduleName(arg);
      const p = ctx.modules.get(name);
      if (p === undefined) {
        ctx.err(`modinfo: ERROR: Module ${arg} not found.\n`);
        status = 1;
        continue;
      }
      let out = field("filename", `/lib/modules/vnet-${CORE_VERSION}/kernel/drivers/net/${p.name}.ko`);
      out += field("version", p.version);
      if (p.license !== undefined) out += field("license", p.license);
      if (p.description !== undefined) out += field("description", p.description);
      if (p.author !== undefined) out += field("author", p.author);
      out += field("depends", (p.dependencies ?? []).join(","));
      out += field("name", p.name);
      out += field("vermagic", `vnet-${CORE_VERSION} ${p.coreRange ?? "*"}`);
      for (const [pname, spec] of Object.entries((p.params ?? {}) as Record<string, ParamSpec>)) {
        out += field("parm", `${pname}:${spec.description ?? ""} (${spec.type})`);
      }
      ctx.out(out);
    }
    return status;
  },
};
