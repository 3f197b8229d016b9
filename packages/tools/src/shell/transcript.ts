/**
 * Runs .vnet scripts through the vnet shell and records the session as a terminal shows it: each
 * command after the shell's prompt, then what it printed (stdout and stderr, in order). Comment
 * and blank lines are kept as they are. As with `vnet run FILE`, a failing line stops the run
 * unless it starts with `-`; background jobs keep running from one script to the next, until
 * `finish()` sends SIGTERM to those still running (a capture then prints its statistics).
 */
import type { Kernel } from "@vnet/core";
import { Shell } from "./shell.js";
import { parseLine } from "./lexer.js";

export class Transcript {
  readonly shell: Shell;
  /** 0 while every line succeeded, else the status of the line that failed. */
  status = 0;
  private text = "";

  constructor(kernel: Kernel) {
    this.shell = new Shell(kernel, { output: (_fd, t) => this.print(t) });
  }

  /** Adds text of the example's own (say, what an application printed) to the session. */
  print(text: string): void {
    this.text += text;
  }

  /** Runs `script` line by line; false (with vnet's `FILE:LINE: ...` message) when a line failed. */
  async run(script: string, file: string): Promise<boolean> {
    const sh = this.shell;
    const lines = script.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    for (const [i, line] of lines.entries()) {
      if (this.status !== 0) return false;
      if (line.trim() === "" || line.trimStart().startsWith("#")) {
        this.print(`${line}\n`);
        continue;
      }
      // The `-` that lets a script line fail is not part of what a person types.
      this.print(`${sh.prompt()}${line.replace(/^(\s*)-/, "$1")}\n`);
      for (const c of parseLine(line, { status: sh.status })) {
        sh.status = await sh.runSimple(c);
        if (sh.status !== 0 && !c.allowFail) {
          this.print(`${file}:${i + 1}: \`${c.text}' failed with exit status ${sh.status}\n`);
          this.status = sh.status;
          return false;
        }
      }
    }
    return this.status === 0;
  }

  /** Ends the session and returns it. */
  async finish(): Promise<string> {
    await this.shell.terminateJobs();
    return this.text;
  }
}
