import { KernelError, strerror } from "@vnet/core";
import type { Command } from "../../shell/types.js";
import { moduleName } from "./insmod.js";

/** rmmod NAME...: unloads modules; kmod checks holders and the use count first. */
export const rmmod: Command = {
  name: "rmmod",
  summary: "unload a module (fails while in use)",
  run(argv, ctx) {
    const names = argv.slice(1).filter((a) => !a.startsWith("-"));
    if (names.length === 0) {
      ctx.err("rmmod: ERROR: missing module name.\n");
      return 1;
    }
    let status = 0;
    for (const arg of names) {
      const name = moduleName(arg);
      const mod = ctx.kernel.modules.get(name);
      if (mod === undefined) {
        ctx.err(`rmmod: ERROR: Module ${name} is not currently loaded\n`);
        status = 1;
        continue;
      }
      if (mod.holders.size > 0) {
        ctx.err(`rmmod: ERROR: Module ${name} is in use by: ${[...mod.holders].map((h) => h.name).join(" ")}\n`);
        status = 1;
        continue;
      }
      if (mod.refcnt > 0) {
        ctx.err(`rmmod: ERROR: Module ${name} is in use\n`);
        status = 1;
        continue;
      }
      try {
        ctx.kernel.rmmod(name, ctx.cred);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        ctx.err(`rmmod: ERROR: could not remove module ${name}: ${strerror(e.errno)}\n`);
        status = 1;
      }
    }
    return status;
  },
};
