import type { Command } from "../types.js";
import { sleepJob } from "../job.js";

const UNITS: Record<string, number> = { "": 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** sleep N[smhd]...: waits on the kernel's clock (virtual time passes at once). */
export const sleep: Command = {
  name: "sleep",
  summary: "wait N seconds of kernel time (background jobs run meanwhile)",
  run(argv, ctx) {
    if (argv.length < 2) {
      ctx.err("sleep: missing operand\nTry 'sleep --help' for more information.\n");
      return 1;
    }
    let ms = 0;
    for (const a of argv.slice(1)) {
      const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
      if (m === null) {
        ctx.err(`sleep: invalid time interval '${a}'\nTry 'sleep --help' for more information.\n`);
        return 1;
      }
      ms += Number(m[1]) * UNITS[m[2]!]!;
    }
    return sleepJob(ctx.kernel, ms);
  },
};
