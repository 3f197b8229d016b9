import { strerror } from "@vnet/core";
import { errnoOf, readText } from "../paths.js";
import type { Command } from "../types.js";

/** cat FILE...: kernel files (/sys, /proc, /etc) and host files. */
export const cat: Command = {
  name: "cat",
  summary: "print files (/sys, /proc, /etc and host files)",
  run(argv, ctx) {
    let status = 0;
    for (const path of argv.slice(1)) {
      try {
        ctx.out(readText(ctx.kernel, ctx.files, path, ctx));
      } catch (e) {
        ctx.err(`cat: ${path}: ${strerror(errnoOf(e))}\n`);
        status = 1;
      }
    }
    return status;
  },
};
