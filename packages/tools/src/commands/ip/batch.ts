/**
 * `ip [-force] -batch FILE` (lib/utils.c do_batch, getcmdline, makeargs): one `ip` command a line
 * without the leading `ip`, `#` comments, `\` continuations, '...' and "..." words. A command that
 * fails prints `Command failed FILE:LINE` and ends the batch (exit 1) unless -force; one that ip
 * would exit() from (a bad argument) ends it there with its own status. `-` is standard input,
 * which vnet's shell never connects: it reads as empty, as ip does from /dev/null.
 */
import { strerror } from "@vnet/core";
import { errnoOf, readText } from "../../shell/paths.js";
import type { CommandResult, Job, JobSignal } from "../../shell/types.js";
import { IpExit, type Ip } from "./common.js";

/** Runs one batch line's words (argv[0] is the object); throws IpExit as a command line would. */
export type IpDoCmd = (ip: Ip, argv: readonly string[]) => CommandResult;

/** What makeargs() could not split: ip exits 1. */
class BatchSyntax extends Error {}

/** makeargs(): words split on blanks; a word that starts with a quote runs to the next such quote. */
function makeargs(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const ws = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";
  while (i < line.length) {
    while (i < line.length && ws(line[i])) i++;
    if (i >= line.length) break;
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new BatchSyntax("Unterminated quoted string");
      words.push(line.slice(i + 1, end));
      i = end + 1;
    } else {
      let j = i;
      while (j < line.length && !ws(line[j])) j++;
      words.push(line.slice(i, j));
      i = j + 1;
    }
  }
  return words;
}

/** The batch as a state machine: lines run at once until one leaves a job (`netns exec NS ping`) to wait for. */
class BatchRun implements Job {
  finished = false;
  private code = 0;
  /** Physical lines, each with its newline as getline() returns it. */
  private readonly lines: string[];
  private next = 0;
  /** cmdlineno: the last physical line read. */
  private lineno = 0;
  private waiting: Job | null = null;
  private waitingLine = 0;

  constructor(
    private readonly ip: Ip,
    private readonly name: string,
    text: string,
    private readonly force: boolean,
    private readonly doCmd: IpDoCmd,
  ) {
    this.lines = text.split(/(?<=\n)/).filter((l) => l !== "");
  }

  /** getcmdline(): the next command line, comments cut, continuations joined; null at the end. */
  private getcmdline(): string | null {
    const first = this.lines[this.next];
    if (first === undefined) return null;
    this.next++;
    this.lineno++;
    const cut = (l: string): string => {
      const h = l.indexOf("#");
      return h < 0 ? l : l.slice(0, h);
    };
    let line = cut(first);
    for (let k = line.indexOf("\\\n"); k >= 0; k = line.indexOf("\\\n")) {
      const more = this.lines[this.next];
      if (more === undefined) {
        this.ip.ctx.err("Missing continuation line\n");
        return null;
      }
      this.next++;
      this.lineno++;
      line = line.slice(0, k) + cut(more);
    }
    return line;
  }

  /** Runs lines until the batch ends or a job must be waited for. */
  step(): void {
    if (this.waiting !== null) {
      if (!this.waiting.done) return;
      const status = this.waiting.status;
      this.waiting = null;
      this.after(status, this.waitingLine);
    }
    while (!this.finished) {
      const line = this.getcmdline();
      if (line === null) {
        this.finished = true;
        break;
      }
      let words: string[];
      try {
        words = makeargs(line);
      } catch (e) {
        if (!(e instanceof BatchSyntax)) throw e;
        this.ip.ctx.err(`${e.message}\n`);
        this.end(1);
        return;
      }
      if (words.length === 0) continue;
      let r: CommandResult;
      try {
        // preferred_family goes back to what the command line said, for every line.
        r = this.doCmd({ ctx: this.ip.ctx, net: this.ip.net, opts: { ...this.ip.opts } }, words);
      } catch (e) {
        if (!(e instanceof IpExit)) throw e;
        if (e.fatal) {
          this.end(e.status);
          return;
        }
        r = e.status;
      }
      if (typeof r !== "number") {
        if (!r.done) {
          this.waiting = r;
          this.waitingLine = this.lineno;
          return;
        }
        r = r.status;
      }
      this.after(r, this.lineno);
    }
  }

  private after(status: number, lineno: number): void {
    if (status === 0) return;
    this.ip.ctx.err(`Command failed ${this.name}:${lineno}\n`);
    this.code = 1;
    if (!this.force) this.finished = true;
  }

  private end(status: number): void {
    this.code = status;
    this.finished = true;
  }

  get done(): boolean {
    this.step();
    return this.finished;
  }

  get status(): number {
    return this.code;
  }

  signal(sig: JobSignal): void {
    if (this.finished) return;
    this.waiting?.signal(sig);
    this.end(sig === "INT" ? 130 : 143);
  }
}

/** do_batch(): runs FILE's lines through `doCmd`; the status, or a job while a line's job runs. */
export function ipBatch(ip: Ip, name: string, force: boolean, doCmd: IpDoCmd): CommandResult {
  let text = "";
  if (name !== "-") {
    const { ctx } = ip;
    try {
      text = readText(ctx.kernel, ctx.files, name, { net: ip.net, cred: ctx.cred });
    } catch (e) {
      ctx.err(`Cannot open file "${name}" for reading: ${strerror(errnoOf(e))}\n`);
      return 1;
    }
  }
  const run = new BatchRun(ip, name, text, force, doCmd);
  run.step();
  return run.finished ? run.status : run;
}
