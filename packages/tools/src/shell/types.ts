import type { Cred, Net, Plugin, ToolIo } from "@vnet/core";
import type { HostFiles } from "./files.js";

/** Signals a job understands: SIGINT (Ctrl-C) and SIGTERM (`kill %N`). */
export type JobSignal = "INT" | "TERM";

/**
 * A long-running command (ping, tcpdump): a state machine driven by the kernel's clock through
 * timers and packet taps. The shell waits for `done` by running the clock, never by awaiting.
 */
export interface Job {
  readonly done: boolean;
  /** The exit status, meaningful once done. */
  readonly status: number;
  /** Delivers a signal; the job finishes (printing its summary) or ignores it. */
  signal(sig: JobSignal): void;
}

/** What a command returns: an exit status now, or a job that will have one. */
export type CommandResult = number | Job;

/** The environment a command runs in: the kernel, the namespace, credentials and output. */
export interface CommandContext extends ToolIo {
  /** The user name credentials belong to ("root"). */
  readonly user: string;
  /** Files outside the kernel: pcap files of `tcpdump -w/-r`. */
  readonly files: HostFiles;
  /** Whether a person is typing (prompts, job notices). */
  readonly interactive: boolean;
  /** Runs another command's words in namespace `net`, optionally as someone else (`ip netns exec`, `su -c`). */
  exec(argv: readonly string[], net: Net, cred?: Cred, user?: string): CommandResult;
  /** Whether `name` is a command this shell can run. */
  canExec(name: string): boolean;
  /** Resolves a host or network name through /etc/hosts, /etc/networks or as a dotted quad. */
  resolveHost(name: string): number | null;
  /** The name /etc/hosts gives an address, if any. */
  hostName(addr: number): string | null;
  /** Looks up a bundled or registered module plugin by name. */
  readonly modules: ModuleRegistry;
}

/** A command of the shell (`ip`, `ping`, a builtin). */
export interface Command {
  readonly name: string;
  /** One line for `help`. */
  readonly summary: string;
  run(argv: readonly string[], ctx: CommandContext): CommandResult;
}

/** Module plugins `insmod NAME` can find. */
export interface ModuleRegistry {
  get(name: string): Plugin<any> | undefined;
  names(): string[];
}
