/** `ip neigh`: show, add, replace, change, del, flush, over the core's ARP table API. */
import {
  ipv4ToString, macToString, neighAdd, neighChange, neighDel, neighDump, neighFlush, neighReplace, NTF_ROUTER, NUD_DELAY,
  NUD_FAILED, NUD_INCOMPLETE, NUD_NOARP, NUD_PERMANENT, NUD_PROBE, NUD_REACHABLE, NUD_STALE, parseMac, type NeighArgs, type NeighInfo,
} from "@vnet/core";
import { fail, findDev, matches, nextArg, rtnlFail, type Ip } from "./common.js";
import { ipJson, type JsonValue } from "./json.js";
import { parseAddr } from "./prefix.js";

const STATES: ReadonlyArray<readonly [number, string]> = [
  [NUD_INCOMPLETE, "INCOMPLETE"], [NUD_REACHABLE, "REACHABLE"], [NUD_STALE, "STALE"], [NUD_DELAY, "DELAY"], [NUD_PROBE, "PROBE"],
  [NUD_FAILED, "FAILED"], [NUD_NOARP, "NOARP"], [NUD_PERMANENT, "PERMANENT"],
];

function stateNames(state: number): string[] {
  return STATES.filter(([bit]) => state & bit).map(([, n]) => n);
}

function parseState(ip: Ip, arg: string): number {
  if (arg === "all") return 0xff;
  const s = STATES.find(([, n]) => n === arg.toUpperCase())?.[0];
  if (s === undefined) fail(ip, `Error: argument "${arg}" is wrong: nud state is bad\n`, 255);
  return s;
}

function line(ip: Ip, n: NeighInfo, devFilter: boolean): string {
  let s = `${ipv4ToString(n.dst)} `;
  if (!devFilter) s += `dev ${n.dev} `;
  if (n.lladdr !== null) s += `lladdr ${macToString(n.lladdr)} `;
  if (n.flags & NTF_ROUTER) s += "router ";
  if (ip.opts.stats > 0) s += ` used ${n.used}/${n.confirmed}/${n.updated}probes ${n.probes} `;
  return s + stateNames(n.state).map((x) => x + " ").join("") + "\n";
}

function json(ip: Ip, n: NeighInfo): Record<string, JsonValue> {
  const o: Record<string, JsonValue> = { dst: ipv4ToString(n.dst), dev: n.dev };
  if (n.lladdr !== null) o["lladdr"] = macToString(n.lladdr);
  if (n.flags & NTF_ROUTER) o["router"] = null;
  if (ip.opts.stats > 0) Object.assign(o, { used: n.used, confirmed: n.confirmed, updated: n.updated, probes: n.probes });
  o["state"] = stateNames(n.state);
  return o;
}

function show(ip: Ip, argv: readonly string[]): number {
  let dev: string | undefined;
  let to: number | undefined;
  let nud: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "dev") dev = findDev(ip, nextArg(ip, argv, i++)).name;
    else if (a === "nud") nud = parseState(ip, nextArg(ip, argv, i++));
    else to = parseAddr(ip, a === "to" ? nextArg(ip, argv, i++) : a);
  }
  // iproute2 hides NOARP entries unless asked (`nud noarp`, `nud all`).
  const states = nud ?? 0xff & ~NUD_NOARP;
  const list = neighDump(ip.net, dev === undefined ? {} : { dev }).filter((n) => (to === undefined || n.dst === to) && (n.state & states) !== 0);
  if (ip.opts.json) {
    ip.ctx.out(ipJson(list.map((n) => json(ip, n)), ip.opts.pretty));
    return 0;
  }
  ip.ctx.out(list.map((n) => line(ip, n, dev !== undefined)).join(""));
  return 0;
}

function modify(ip: Ip, argv: readonly string[], how: "add" | "replace" | "change" | "del"): number {
  let dst: number | undefined;
  let dev: string | undefined;
  let lladdr: Uint8Array | undefined;
  let state: number | undefined;
  let flags = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "lladdr") {
      const v = nextArg(ip, argv, i++);
      lladdr = parseMac(v) ?? fail(ip, `"${v}" is invalid lladdr.`, 1);
    } else if (a === "dev") dev = nextArg(ip, argv, i++);
    else if (a === "nud") state = parseState(ip, nextArg(ip, argv, i++));
    else if (a === "router") flags |= NTF_ROUTER;
    else if (a === "permanent") state = NUD_PERMANENT;
    else dst = parseAddr(ip, a === "to" ? nextArg(ip, argv, i++) : a);
  }
  if (dev === undefined || dst === undefined) fail(ip, 'Device and destination are required arguments.', 255);
  findDev(ip, dev);
  const args: NeighArgs = { dst, dev, ...(lladdr !== undefined ? { lladdr } : {}), ...(state !== undefined ? { state } : {}), flags };
  try {
    if (how === "del") neighDel(ip.net, ip.ctx.cred, { dst, dev });
    else if (how === "add") neighAdd(ip.net, ip.ctx.cred, args);
    else if (how === "replace") neighReplace(ip.net, ip.ctx.cred, args);
    else neighChange(ip.net, ip.ctx.cred, args);
  } catch (e) {
    rtnlFail(ip, e);
  }
  return 0;
}

function flush(ip: Ip, argv: readonly string[]): number {
  let dev: string | undefined;
  for (let i = 0; i < argv.length; i++) if (argv[i] === "dev") dev = findDev(ip, nextArg(ip, argv, i++)).name;
  if (argv.length === 0) fail(ip, "Flush requires arguments.", 1);
  try {
    neighFlush(ip.net, ip.ctx.cred, dev === undefined ? {} : { dev });
  } catch (e) {
    rtnlFail(ip, e);
  }
  return 0;
}

export function ipNeigh(ip: Ip, argv: readonly string[]): number {
  const cmd = argv[0];
  const rest = argv.slice(1);
  if (cmd === undefined) return show(ip, []);
  if (matches(cmd, "show") || matches(cmd, "list") || cmd === "lst") return show(ip, rest);
  if (matches(cmd, "add")) return modify(ip, rest, "add");
  if (matches(cmd, "replace")) return modify(ip, rest, "replace");
  if (matches(cmd, "change") || cmd === "chg") return modify(ip, rest, "change");
  if (matches(cmd, "delete")) return modify(ip, rest, "del");
  if (matches(cmd, "flush")) return flush(ip, rest);
  if (matches(cmd, "help")) fail(ip, "Usage: ip neigh { add | del | change | replace } { ADDR [ lladdr LLADDR ] [ nud STATE ] | proxy ADDR } [ dev DEV ] [ router ]\n       ip neigh { show | flush } [ to PREFIX ] [ dev DEV ] [ nud STATE ]\n", 255);
  fail(ip, `Command "${cmd}" is unknown, try "ip neigh help".`, 255);
}
