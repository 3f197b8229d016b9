/**
 * The vnet shell: runs command lines against one Kernel, in a current namespace and with current
 * credentials. Commands run synchronously; long-running ones return a Job (a state machine on the
 * kernel's clock) that the shell waits for by moving the clock through its ClockDriver.
 */
import {
  CAP_NET_ADMIN, capable, parseIpv4, ROOT_CRED, strerror, userCred, type Cred, type Kernel, type Net, type Plugin,
} from "@vnet/core";
import { VirtualClock, type ClockDriver } from "./clock.js";
import { etcInit, hostsLookup, hostsReverse, networksLookup } from "./etc.js";
import { MemoryFiles, type HostFiles } from "./files.js";
import { parseLine, ShellSyntaxError, type SimpleCommand } from "./lexer.js";
import { errnoOf, openError, openOutput, type OutputFile } from "./paths.js";
import { JobTable } from "./jobs.js";
import { builtins } from "./builtins/index.js";
import { defaultCommands } from "../commands/index.js";
import { bundledModules } from "../commands/modules/registry.js";
import { watchQdiscs } from "../commands/ip/linkinfo.js";
import type { Command, CommandContext, CommandResult, Job, ModuleRegistry } from "./types.js";

/** Where the shell's output goes; `fd` is 1 (stdout) or 2 (stderr). */
export type OutputSink = (fd: 1 | 2, text: string) => void;

export interface ShellOptions {
  /** Receives output in order. Default: kept in `shell.output`. */
  output?: OutputSink | undefined;
  /** Host files for pcap and redirections outside the kernel. Default: in memory. */
  files?: HostFiles | undefined;
  /** How the clock moves while waiting. Default: virtual time. */
  clock?: ClockDriver | undefined;
  /** A person is typing: job notices, `[1] 1234` on `&`. */
  interactive?: boolean | undefined;
  /** The user to start as (default root). */
  user?: string | undefined;
  /** Tool commands, by name (default: every vnet tool); the shell's builtins are always there. */
  commands?: ReadonlyMap<string, Command> | undefined;
  /** Module plugins `insmod` finds by name (default: the bundled drivers). */
  modules?: ModuleRegistry | undefined;
}

/** One level of identity: `su` and `ip netns exec NS sh` push one, `exit` pops it. */
interface Frame {
  net: Net;
  cred: Cred;
  user: string;
}

/** What a script run ended with. */
export interface ScriptResult {
  status: number;
  /** 1-based number of the line that failed, when one did. */
  line?: number | undefined;
  /** `FILE:LINE: message` for a failing line. */
  message?: string | undefined;
}

/** Credentials of a user name: root has every capability, anyone else none. */
export function credFor(user: string): Cred {
  if (user === "root") return ROOT_CRED;
  let uid = 1000;
  for (let i = 0; i < user.length; i++) uid = (uid * 31 + user.charCodeAt(i)) % 60000;
  return userCred(1000 + (uid % 59000));
}

export class Shell {
  readonly kernel: Kernel;
  readonly files: HostFiles;
  readonly clock: ClockDriver;
  /** A person is typing: job notices and `[1] PID` lines. */
  interactive: boolean;
  readonly commands: ReadonlyMap<string, Command>;
  readonly modules: ModuleRegistry;
  /** Output so far, when no sink was given. */
  readonly output: { fd: 1 | 2; text: string }[] = [];
  readonly jobs: JobTable;
  /** `$?`. */
  status = 0;
  /** Set by `exit` at the outermost level: the shell is over. */
  exited: number | null = null;
  private readonly sink: OutputSink;
  private readonly frames: Frame[];
  private foreground: Job | null = null;

  constructor(kernel: Kernel, options: ShellOptions = {}) {
    this.kernel = kernel;
    this.files = options.files ?? new MemoryFiles();
    this.clock = options.clock ?? new VirtualClock();
    this.interactive = options.interactive ?? false;
    const commands = new Map(options.commands ?? defaultCommands());
    for (const b of builtins(this)) commands.set(b.name, b);
    this.commands = commands;
    this.modules = options.modules ?? bundledModules;
    this.sink = options.output ?? ((fd, text) => this.output.push({ fd, text }));
    const user = options.user ?? "root";
    this.frames = [{ net: kernel.initNet, cred: credFor(user), user }];
    this.jobs = new JobTable((text) => this.sink(1, text));
    etcInit(kernel);
    watchQdiscs(kernel);
  }

  private get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  get net(): Net {
    return this.frame.net;
  }

  get cred(): Cred {
    return this.frame.cred;
  }

  get user(): string {
    return this.frame.user;
  }

  /** Nesting depth of `su`/`ip netns exec NS sh` (0 at the top). */
  get depth(): number {
    return this.frames.length - 1;
  }

  /** Enters a nested shell as `user` in `net` (what `su` and `ip netns exec NS sh` start). */
  push(net: Net, user: string, cred: Cred = credFor(user)): void {
    this.frames.push({ net, cred, user });
  }

  /** Leaves a nested shell; false at the top level. */
  pop(): boolean {
    if (this.frames.length === 1) return false;
    this.frames.pop();
    return true;
  }

  /** The text written so far (stdout and stderr interleaved), when no sink was given. */
  text(): string {
    return this.output.map((o) => o.text).join("");
  }

  /** Forgets collected output. */
  clear(): void {
    this.output.length = 0;
  }

  /** The prompt bash would show: `root@vnet:~# `, with the namespace when not the initial one. */
  prompt(): string {
    const ns = this.net.name === "" ? "" : `(${this.net.name}) `;
    return `${ns}${this.user}@${this.kernel.hostname}:~${this.cred.uid === 0 ? "#" : "$"} `;
  }

  /** Ctrl-C: interrupts the foreground job; false when there is none. */
  interrupt(): boolean {
    const job = this.foreground;
    if (job === null || job.done) return false;
    job.signal("INT");
    return true;
  }

  /** A command by name: the shell's table first, then commands plugins registered with the kernel. */
  findCommand(name: string): Command | null {
    const c = this.commands.get(name);
    if (c !== undefined) return c;
    const t = this.kernel.commands.get(name);
    if (t === undefined) return null;
    return { name: t.name, summary: t.summary ?? "", run: (argv, ctx) => t.run(argv, ctx) };
  }

  /** Every command name, for `help` and completion. */
  commandNames(): string[] {
    return [...new Set([...this.commands.keys(), ...this.kernel.commands.keys()])].sort();
  }

  /** The context a command runs in. */
  context(net: Net, cred: Cred, user: string, out: (t: string) => void, err: (t: string) => void): CommandContext {
    const kernel = this.kernel;
    return {
      kernel,
      net,
      cred,
      user,
      out,
      err,
      files: this.files,
      interactive: this.interactive,
      modules: this.modules,
      canExec: (name) => this.findCommand(name) !== null,
      exec: (argv, n, c, u) => this.execWords(argv, this.context(n, c ?? cred, u ?? user, out, err)),
      resolveHost: (name) => parseIpv4(name) ?? hostsLookup(kernel, name) ?? networksLookup(kernel, name),
      hostName: (addr) => hostsReverse(kernel, addr),
    };
  }

  /** Runs argv in `ctx`; an unknown command is bash's `command not found` (127). */
  execWords(argv: readonly string[], ctx: CommandContext): CommandResult {
    const name = argv[0] ?? "";
    const cmd = this.findCommand(name);
    if (cmd === null) {
      ctx.err(`vnet: ${name}: command not found\n`);
      return 127;
    }
    try {
      return cmd.run(argv, ctx);
    } catch (e) {
      // A command that throws is a bug in it; report it as a crash would be, never lose it silently.
      ctx.err(`vnet: ${name}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      return 70;
    }
  }

  /** Runs one line; returns its status (also in `status`). */
  async run(line: string): Promise<number> {
    this.jobs.notify(this.interactive);
    let cmds: SimpleCommand[];
    try {
      cmds = parseLine(line, { status: this.status });
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      this.sink(2, `vnet: ${e.message}\n`);
      return (this.status = 2);
    }
    for (const c of cmds) {
      this.status = await this.runSimple(c);
      if (this.exited !== null) break;
    }
    return this.status;
  }

  /**
   * Starts one simple command in the current frame, with its redirection: output of a command
   * that finishes at once reaches the file in one write (one sysfs store); a job's streams.
   */
  execSimple(c: SimpleCommand, frame: { net: Net; cred: Cred; user: string } = this.frame): CommandResult {
    const { net, cred, user } = frame;
    const r = c.redirect;
    if (r === null) return this.execWords(c.words, this.context(net, cred, user, (t) => this.sink(1, t), (t) => this.sink(2, t)));
    let file: OutputFile;
    try {
      file = openOutput(this.kernel, this.files, r.path, r.append, { net, cred });
    } catch (e) {
      this.sink(2, openError(r.path, e));
      return 1;
    }
    let buffered: string | null = "";
    const toFile = (t: string): void => {
      if (buffered === null) file.write(t);
      else buffered += t;
    };
    const out = r.fd === 1 ? toFile : (t: string) => this.sink(1, t);
    const err = r.fd === 2 ? toFile : (t: string) => this.sink(2, t);
    const result = this.execWords(c.words, this.context(net, cred, user, out, err));
    const text = buffered;
    buffered = null;
    if (text === "") return result;
    try {
      file.write(text);
    } catch (e) {
      this.sink(2, `vnet: ${c.words[0]}: write error: ${strerror(errnoOf(e))}\n`);
      return typeof result === "number" ? 1 : result;
    }
    return result;
  }

  /** Runs one simple command to its end (or into the background); returns its status. */
  async runSimple(c: SimpleCommand): Promise<number> {
    const result = this.execSimple(c);
    let status: number;
    if (typeof result === "number") status = result;
    else if (c.background) {
      const id = this.jobs.add(result, c.text);
      if (this.interactive) this.sink(1, `[${id}] ${this.jobs.pid(id)}\n`);
      status = 0;
    } else status = await this.waitForeground(result, c.text);
    this.clock.settle(this.kernel);
    return status;
  }

  /** Waits for a foreground job, moving the clock; Ctrl-C reaches it through interrupt(). */
  async waitForeground(job: Job, text: string): Promise<number> {
    this.foreground = job;
    try {
      for (;;) {
        const r = await this.clock.wait(this.kernel, () => job.done, Infinity);
        if (r === "done" || job.done) return job.status;
        if (this.interactive) {
          // Nothing will happen in virtual time until a person does something (Ctrl-C).
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        this.sink(2, `vnet: ${text}: nothing left to happen in virtual time; interrupted\n`);
        job.signal("INT");
        if (!job.done) return 130;
      }
    } finally {
      this.foreground = null;
    }
  }

  /**
   * Runs a script, line by line. A failing line stops it with `FILE:LINE: message` on stderr,
   * unless the line starts with `-`. Background jobs still running at the end are terminated.
   */
  async runScript(text: string, file = "script"): Promise<ScriptResult> {
    const lines = text.split("\n");
    let result: ScriptResult = { status: 0 };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      let cmds: SimpleCommand[];
      try {
        cmds = parseLine(line, { status: this.status });
      } catch (e) {
        if (!(e instanceof ShellSyntaxError)) throw e;
        const message = `${file}:${i + 1}: ${e.message}`;
        this.sink(2, message + "\n");
        result = { status: 2, line: i + 1, message };
        break;
      }
      let failed: SimpleCommand | null = null;
      for (const c of cmds) {
        this.status = await this.runSimple(c);
        if (this.exited !== null) break;
        if (this.status !== 0 && !c.allowFail) {
          failed = c;
          break;
        }
      }
      if (this.exited !== null) {
        result = { status: this.exited };
        break;
      }
      if (failed !== null) {
        const message = `${file}:${i + 1}: \`${failed.text}' failed with exit status ${this.status}`;
        this.sink(2, message + "\n");
        result = { status: this.status, line: i + 1, message };
        break;
      }
    }
    await this.terminateJobs();
    return result;
  }

  /** Sends SIGTERM to every running background job and lets them finish (tcpdump's summary). */
  async terminateJobs(): Promise<void> {
    const running = this.jobs.running();
    if (running.length === 0) return;
    for (const j of running) j.job.signal("TERM");
    await this.clock.wait(this.kernel, () => running.every((j) => j.job.done), 1000);
    this.jobs.notify(false);
  }

  /** Whether the current user may administer the network (CAP_NET_ADMIN). */
  get admin(): boolean {
    return capable(this.cred, CAP_NET_ADMIN);
  }

  /** A module plugin, for `insmod` of shells given extra modules. */
  module(name: string): Plugin<any> | undefined {
    return this.modules.get(name);
  }
}
