/**
 * @vnet/tools: the vnet shell and the tools people know (ip, ifconfig, route, ping, tcpdump,
 * ethtool, sysctl, insmod...) over a simulated kernel, plus pcap and capture filters.
 */
export { Shell, credFor, type OutputSink, type ScriptResult, type ShellOptions } from "./shell/shell.js";
export { Transcript } from "./shell/transcript.js";
export { parseLine, quote, ShellSyntaxError, type Expansions, type Redirect, type SimpleCommand } from "./shell/lexer.js";
export { JobTable, jobState, type JobEntry } from "./shell/jobs.js";
export { RealtimeClock, VirtualClock, type ClockDriver, type WaitResult } from "./shell/clock.js";
export { MemoryFiles, type HostFiles } from "./shell/files.js";
export { RegularFile, etcInit, hostsLookup, hostsReverse, networksLookup, networksReverse } from "./shell/etc.js";
export { BasicJob, sleepJob } from "./shell/job.js";
export { complete } from "./shell/complete.js";
export type { Command, CommandContext, CommandResult, Job, JobSignal, ModuleRegistry } from "./shell/types.js";
export { defaultCommands } from "./commands/index.js";
export { bundledModules, moduleRegistry } from "./commands/modules/index.js";
export { ipJson, type JsonValue } from "./commands/ip/json.js";
export * from "./capture/index.js";

export const version: string = "0.1.0";
