import { capable, CAP_SYS_ADMIN } from "@vnet/core";
import type { Command } from "../types.js";

/** dmesg [-c|-C]: the kernel log; clearing it needs CAP_SYS_ADMIN. */
export const dmesg: Command = {
  name: "dmesg",
  summary: "print (-c: and clear, -C: clear) the kernel log",
  run(argv, ctx) {
    const opt = argv[1];
    if (opt !== undefined && opt !== "-c" && opt !== "-C") {
      ctx.err(`dmesg: invalid option -- '${opt.replace(/^-+/, "")}'\nTry 'dmesg --help' for more information.\n`);
      return 1;
    }
    if (opt !== undefined && !capable(ctx.cred, CAP_SYS_ADMIN)) {
      ctx.err("dmesg: klogctl failed: Operation not permitted\n");
      return 1;
    }
    if (opt !== "-C") ctx.out(ctx.kernel.log.map((l) => l + "\n").join(""));
    if (opt !== undefined) ctx.kernel.log.length = 0;
    return 0;
  },
};
