import { strerror } from "@vnet/core";
import { errnoOf } from "../paths.js";
import type { Command } from "../types.js";

/** ls [PATH...]: lists directories of the kernel's virtual tree, one name a line. */
export const ls: Command = {
  name: "ls",
  summary: "list a directory of /sys, /proc or /etc",
  run(argv, ctx) {
    const paths = argv.slice(1).filter((a) => !a.startsWith("-"));
    if (paths.length === 0) paths.push("/");
    let status = 0;
    for (const path of paths) {
      try {
        if (ctx.kernel.vfs.isDirectory(path, ctx)) {
          if (paths.length > 1) ctx.out(`${path}:\n`);
          const names = ctx.kernel.vfs.list(path, ctx);
          ctx.out(names.map((n) => n + "\n").join(""));
        } else {
          ctx.kernel.vfs.resolve(path, ctx);
          ctx.out(path + "\n");
        }
      } catch (e) {
        ctx.err(`ls: cannot access '${path}': ${strerror(errnoOf(e))}\n`);
        status = 2;
      }
    }
    return status;
  },
};
