import type { Shell } from "../shell.js";
import type { Command } from "../types.js";

/** help [CMD]: what each command does. */
export function helpBuiltin(shell: Shell): Command {
  return {
    name: "help",
    summary: "list commands, or describe one",
    run(argv, ctx) {
      const names = argv.length > 1 ? argv.slice(1) : shell.commandNames();
      let status = 0;
      const width = Math.max(...names.map((n) => n.length)) + 2;
      for (const n of names) {
        const c = shell.findCommand(n);
        if (c === null) {
          ctx.err(`vnet: help: no help topics match \`${n}'.\n`);
          status = 1;
          continue;
        }
        ctx.out(`${n.padEnd(width)}${c.summary}\n`);
      }
      if (argv.length === 1) {
        ctx.out("\nLines: CMD & (background), jobs, wait, kill %N, CMD > FILE / >> FILE, # comments, ';' between commands,\n");
        ctx.out("a leading '-' lets a script line fail. Time is the kernel's: sleep 5 passes at once in virtual time.\n");
      }
      return status;
    },
  };
}
