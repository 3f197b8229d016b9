import { EINVAL, ENOENT, ESRCH, KernelError, strerror, type ParamValue } from "@vnet/core";
import type { Command } from "../../shell/types.js";

/** kmod's mod_strerror(): how insmod words what init_module returned. */
function modStrerror(errno: number): string {
  if (errno === ENOENT || errno === ESRCH) return "Unknown symbol in module";
  if (errno === EINVAL) return "Invalid parameters";
  return strerror(errno);
}

/** `snull.ko`, `./drivers/snull.ko` and `snull` all name the module snull. */
export function moduleName(arg: string): string {
  return arg.replace(/^.*\//, "").replace(/\.ko(\.(xz|gz|zst))?$/, "");
}

/** insmod NAME [param=value ...]: loads a bundled module with its parameters. */
export const insmod: Command = {
  name: "insmod",
  summary: "load a module: insmod snull pool_size=4 (bundled: etun, insane, snull)",
  run(argv, ctx) {
    const file = argv[1];
    if (file === undefined) {
      ctx.err("insmod: ERROR: missing filename.\n");
      return 1;
    }
    const name = moduleName(file);
    const plugin = ctx.modules.get(name);
    if (plugin === undefined) {
      ctx.err(`insmod: ERROR: could not load module ${file}: No such file or directory\n`);
      return 1;
    }
    const params: Record<string, ParamValue> = {};
    for (const p of argv.slice(2)) {
      const eq = p.indexOf("=");
      if (eq < 0) params[p] = true;
      else params[p.slice(0, eq)] = p.slice(eq + 1).replace(/^"(.*)"$/, "$1");
    }
    try {
      ctx.kernel.insmod(plugin, params, ctx.cred);
      return 0;
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      ctx.err(`insmod: ERROR: could not insert module ${file}: ${modStrerror(e.errno)}\n`);
      return 1;
    }
  },
};
