import { parseLine, ShellSyntaxError } from "../lexer.js";
import type { Shell } from "../shell.js";
import type { Command, CommandResult } from "../types.js";

/**
 * sh [-c LINE]: with -c, runs one simple command line in the caller's namespace and identity
 * (what `su USER -c` and `ip netns exec NS sh -c` use); without, enters a nested shell there
 * (`exit` leaves it).
 */
export function shBuiltin(shell: Shell, name = "sh"): Command {
  const run = (argv: readonly string[], ctx: Parameters<Command["run"]>[1]): CommandResult => {
    if (argv[1] !== "-c") {
      shell.push(ctx.net, ctx.user, ctx.cred);
      return 0;
    }
    const line = argv[2];
    if (line === undefined) {
      ctx.err(`${argv[0]}: -c: option requires an argument\n`);
      return 2;
    }
    let cmds;
    try {
      cmds = parseLine(line, { status: shell.status });
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      ctx.err(`${argv[0]}: -c: line 1: ${e.message}\n`);
      return 2;
    }
    if (cmds.length !== 1 || cmds[0]!.background) {
      ctx.err(`${argv[0]}: -c: only one simple command is supported\n`);
      return 2;
    }
    return shell.execSimple(cmds[0]!, { net: ctx.net, cred: ctx.cred, user: ctx.user });
  };
  return { name, summary: "sh -c 'CMD' runs CMD; sh alone nests a shell (exit leaves)", run };
}
