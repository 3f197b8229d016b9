/** What every `ip` object shares: global options, keyword matching, iproute2's error wording. */
import { KernelError, strerror, type Net, type NetDevice } from "@vnet/core";
import type { CommandContext } from "../../shell/types.js";

export interface IpOptions {
  /** -s count. */
  stats: number;
  details: boolean;
  json: boolean;
  pretty: boolean;
  brief: boolean;
  oneline: boolean;
  /** -4 / -6 / -0: the address family filter ("" when none). */
  family: "" | "inet" | "inet6" | "link";
}

/** The environment of one `ip` invocation. */
export interface Ip {
  readonly ctx: CommandContext;
  /** The namespace it acts on (`-n NS` changes it). */
  readonly net: Net;
  readonly opts: IpOptions;
}

/** iproute2's matches(): `arg` is a prefix of `word`. */
export function matches(arg: string, word: string): boolean {
  return arg.length > 0 && word.startsWith(arg);
}

/** Thrown to end an `ip` run with a status after printing to stderr. */
export class IpExit extends Error {
  readonly status: number;
  /** iproute2 calls exit() here rather than returning: under -batch the whole run ends. */
  readonly fatal: boolean;
  constructor(status: number, fatal: boolean) {
    super(`ip exit ${status}`);
    this.status = status;
    this.fatal = fatal;
  }
}

/**
 * Prints to stderr and ends `ip` with `status`. `fatal` says iproute2 exit()s at this point
 * (invarg and friends, 255, by default) rather than returning an error from the command.
 */
export function fail(ip: Ip, message: string, status: number, fatal: boolean = status === 255): never {
  ip.ctx.err(message.endsWith("\n") ? message : message + "\n");
  throw new IpExit(status, fatal);
}

/** invarg(): `Error: argument "X" is wrong: MSG` and exit 255. */
export function invarg(ip: Ip, msg: string, arg: string): never {
  fail(ip, `Error: argument "${arg}" is wrong: ${msg}\n`, 255);
}

/** duparg2(): `Error: either "dev" is duplicate, or "X" is a garbage.` */
export function garbage(ip: Ip, key: string, arg: string): never {
  fail(ip, `Error: either "${key}" is duplicate, or "${arg}" is a garbage.`, 255);
}

/** incomplete_command(). */
export function incomplete(ip: Ip): never {
  fail(ip, 'Command line is not complete. Try option "help"', 255);
}

/** The next argument, or incomplete_command(). */
export function nextArg(ip: Ip, argv: readonly string[], i: number): string {
  const v = argv[i + 1];
  if (v === undefined) incomplete(ip);
  return v;
}

/** Kernel messages that reach ip as netlink extended acks (`Error: ...`), not as bare errnos. */
const EXTACK = ["mtu less than device minimum", "mtu greater than device maximum", "Unknown device type", "Invalid prefix for given prefix length", "Nexthop has invalid gateway", "Device for nexthop is not up", "Route with host scope can not have a gateway",
  "Invalid dsfield (tos): ECN bits must be 0", "Missing goto target for action goto", "Backward goto not supported", "Invalid tos"];

/** How ip reports a failed netlink request: `Error: EXTACK.` or `RTNETLINK answers: STRERROR` (exit 2). */
export function rtnlFail(ip: Ip, e: unknown): never {
  if (!(e instanceof KernelError)) throw e;
  const ack = EXTACK.find((m) => e.context?.includes(m) === true);
  if (ack !== undefined) fail(ip, `Error: ${ack}.`, 2);
  fail(ip, `RTNETLINK answers: ${strerror(e.errno)}`, 2);
}

/** The device called `name` in the ip's namespace, or `Cannot find device "X"` (exit 1). */
export function findDev(ip: Ip, name: string): NetDevice {
  const dev = ip.net.devices.get(name);
  if (dev === undefined) fail(ip, `Cannot find device "${name}"`, 1);
  return dev;
}

/** Netns ids as seen from one namespace (peernet2id): assigned on first use, from 0. */
const nsids = new WeakMap<Net, Map<Net, number>>();

export function peernetId(from: Net, peer: Net, alloc = true): number | null {
  let m = nsids.get(from);
  if (m === undefined) {
    if (!alloc) return null;
    m = new Map();
    nsids.set(from, m);
  }
  let id = m.get(peer);
  if (id === undefined) {
    if (!alloc) return null;
    id = m.size;
    m.set(peer, id);
  }
  return id;
}

/** Joins a record's lines as ip does: `\n`, or `\` with -o. */
export function record(ip: Ip, lines: readonly string[]): string {
  return lines.join(ip.opts.oneline ? "\\" : "\n") + "\n";
}
