/** `ip route`: show, add, del, replace, append, change, flush, get, through the core's FIB API. */
import {
  fibRulesGet, ipRouteAdd, ipRouteAppend, ipRouteChange, ipRouteDel, ipRouteDump, ipRouteFlush, ipRouteGet, ipRouteReplace, ipv4ToString,
  RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, RT_TABLE_MAIN, RTN_NAMES, RTN_UNICAST, RTNH_F_DEAD, RTNH_F_LINKDOWN, RTNH_F_ONLINK,
  type FibRoute, type IpRouteArgs,
} from "@vnet/core";
import type { CommandResult } from "../../shell/types.js";
import { fail, findDev, matches, nextArg, rtnlFail, type Ip } from "./common.js";
import { ipJson, type JsonValue } from "./json.js";
import { parseU32 } from "./parse.js";
import { formatDst, parseAddr, parsePrefix, parseScope, scopeName } from "./prefix.js";

const USAGE = `Usage: ip route { list | flush } SELECTOR
       ip route get ADDRESS [ from ADDRESS iif STRING ] [ oif STRING ] [ tos TOS ] [ mark NUMBER ]
       ip route { add | del | change | append | replace } ROUTE
SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ] [ table TABLE_ID ] [ proto RTPROTO ] [ type TYPE ] [ scope SCOPE ]
ROUTE := NODE_SPEC [ INFO_SPEC ]
NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ] [ table TABLE_ID ] [ proto RTPROTO ] [ scope SCOPE ] [ metric METRIC ]
INFO_SPEC := NH OPTIONS
NH := [ via ADDRESS ] [ dev STRING ] [ onlink ]
OPTIONS := [ mtu [ lock ] NUMBER ] [ advmss NUMBER ] [ window NUMBER ] [ rtt TIME ] [ src ADDRESS ]
TYPE := { unicast | local | broadcast | multicast | throw | unreachable | prohibit | blackhole | nat }
`;

const PROTOS: ReadonlyArray<readonly [number, string]> = [[0, "unspec"], [1, "redirect"], [2, "kernel"], [3, "boot"], [4, "static"]];
const TABLES: ReadonlyArray<readonly [number, string]> = [[0, "all"], [253, "default"], [254, "main"], [255, "local"]];

function protoName(p: number): string {
  return PROTOS.find(([n]) => n === p)?.[1] ?? String(p);
}

function tableName(t: number): string {
  return TABLES.find(([n]) => n === t)?.[1] ?? String(t);
}

function parseTable(ip: Ip, arg: string): number {
  const named = TABLES.find(([, n]) => n === arg)?.[0];
  if (named !== undefined) return named;
  const n = parseU32(arg);
  if (n === null) fail(ip, `Error: argument "${arg}" is wrong: "table" value is invalid\n`, 255);
  return n;
}

function parseProto(ip: Ip, arg: string): number {
  const named = PROTOS.find(([, n]) => n === arg)?.[0];
  if (named !== undefined) return named;
  const n = parseU32(arg);
  if (n === null || n > 255) fail(ip, `Error: argument "${arg}" is wrong: "protocol" value is invalid\n`, 255);
  return n;
}

/** The words of one route as print_route() prints them (each followed by a space). */
function routeWords(r: FibRoute, showTable: boolean): string[] {
  const w: string[] = [];
  if (r.type !== RTN_UNICAST) w.push(RTN_NAMES[r.type] ?? String(r.type));
  w.push(formatDst(r.dst, r.dstLen));
  if (r.tos !== 0) w.push("tos", `0x${r.tos.toString(16)}`);
  if (r.gateway !== 0) w.push("via", ipv4ToString(r.gateway));
  if (r.dev !== null) w.push("dev", r.dev);
  if (showTable && r.table !== RT_TABLE_MAIN) w.push("table", tableName(r.table));
  if (r.protocol !== 3) w.push("proto", protoName(r.protocol));
  if (r.scope !== RT_SCOPE_UNIVERSE) w.push("scope", scopeName(r.scope));
  if (r.prefsrc !== 0) w.push("src", ipv4ToString(r.prefsrc));
  if (r.priority !== 0) w.push("metric", String(r.priority));
  if (r.nhFlags & RTNH_F_DEAD) w.push("dead");
  if (r.nhFlags & RTNH_F_ONLINK) w.push("onlink");
  if (r.nhFlags & RTNH_F_LINKDOWN) w.push("linkdown");
  if (r.mtu !== 0) w.push("mtu", ...(r.mtuLock ? ["lock"] : []), String(r.mtu));
  if (r.advmss !== 0) w.push("advmss", String(r.advmss));
  if (r.window !== 0) w.push("window", String(r.window));
  return w;
}

function routeJson(r: FibRoute, showTable: boolean): Record<string, JsonValue> {
  const o: Record<string, JsonValue> = {};
  if (r.type !== RTN_UNICAST) o["type"] = RTN_NAMES[r.type] ?? String(r.type);
  o["dst"] = formatDst(r.dst, r.dstLen);
  if (r.tos !== 0) o["tos"] = `0x${r.tos.toString(16)}`;
  if (r.gateway !== 0) o["gateway"] = ipv4ToString(r.gateway);
  if (r.dev !== null) o["dev"] = r.dev;
  if (showTable && r.table !== RT_TABLE_MAIN) o["table"] = tableName(r.table);
  if (r.protocol !== 3) o["protocol"] = protoName(r.protocol);
  if (r.scope !== RT_SCOPE_UNIVERSE) o["scope"] = scopeName(r.scope);
  if (r.prefsrc !== 0) o["prefsrc"] = ipv4ToString(r.prefsrc);
  if (r.priority !== 0) o["metric"] = r.priority;
  const flags: string[] = [];
  if (r.nhFlags & RTNH_F_DEAD) flags.push("dead");
  if (r.nhFlags & RTNH_F_ONLINK) flags.push("onlink");
  if (r.nhFlags & RTNH_F_LINKDOWN) flags.push("linkdown");
  o["flags"] = flags;
  if (r.mtu !== 0) o["metrics"] = [{ mtu: r.mtu }];
  return o;
}

/** `ip route show [table T] [dev D] [proto P] [scope S] [type T] [PREFIX]`. */
function show(ip: Ip, argv: readonly string[]): number {
  let table = RT_TABLE_MAIN;
  let dev: string | undefined;
  let proto: number | undefined;
  let scope: number | undefined;
  let type: number | undefined;
  let match: ReturnType<typeof parsePrefix> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "table") table = parseTable(ip, nextArg(ip, argv, i++));
    else if (a === "dev" || a === "oif") dev = findDev(ip, nextArg(ip, argv, i++)).name;
    else if (a === "proto" || a === "protocol") proto = parseProto(ip, nextArg(ip, argv, i++));
    else if (a === "scope") scope = parseScope(ip, nextArg(ip, argv, i++));
    else if (a === "type") type = RTN_NAMES.indexOf(nextArg(ip, argv, i++));
    else match = parsePrefix(ip, a === "match" || a === "exact" || a === "root" ? nextArg(ip, argv, i++) : a);
  }
  if (ip.opts.family === "inet6") return ip.opts.json ? (ip.ctx.out(ipJson([], ip.opts.pretty)), 0) : 0;
  const routes = ipRouteDump(ip.net, { table }).filter(
    (r) =>
      (dev === undefined || r.dev === dev) && (proto === undefined || r.protocol === proto) && (scope === undefined || r.scope === scope) &&
      (type === undefined || r.type === type) && (match === undefined || (r.dst === match.addr && r.dstLen === match.len)),
  );
  const showTable = table === 0;
  if (ip.opts.json) {
    ip.ctx.out(ipJson(routes.map((r) => routeJson(r, showTable)), ip.opts.pretty));
    return 0;
  }
  // With a device filter, iproute2 leaves the device out of each line.
  ip.ctx.out(routes.map((r) => routeWords(r, showTable).filter((w, k, all) => dev === undefined || !(w === "dev" || all[k - 1] === "dev")).map((w) => w + " ").join("") + "\n").join(""));
  return 0;
}

/** Parses a ROUTE for add/del/replace/append/change. */
function parseRoute(ip: Ip, argv: readonly string[]): IpRouteArgs {
  let args: Partial<IpRouteArgs> = {};
  let haveDst = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const type = RTN_NAMES.indexOf(a);
    if (type > 0 && !haveDst) args.type = type;
    else if (a === "via") args.via = parseAddr(ip, nextArg(ip, argv, i++));
    else if (a === "dev" || a === "oif") args.dev = findDev(ip, nextArg(ip, argv, i++)).name;
    else if (a === "src") args.src = parseAddr(ip, nextArg(ip, argv, i++));
    else if (a === "metric" || a === "priority" || a === "preference") {
      const v = nextArg(ip, argv, i++);
      args.metric = parseU32(v) ?? fail(ip, `Error: argument "${v}" is wrong: "metric" value is invalid\n`, 255);
    } else if (a === "table") args.table = parseTable(ip, nextArg(ip, argv, i++));
    else if (a === "proto" || a === "protocol") args.protocol = parseProto(ip, nextArg(ip, argv, i++));
    else if (a === "scope") args.scope = parseScope(ip, nextArg(ip, argv, i++));
    else if (a === "onlink") args.onlink = true;
    else if (a === "tos" || a === "dsfield") args.tos = parseU32(nextArg(ip, argv, i++)) ?? 0;
    else if (a === "mtu" || a === "advmss" || a === "window" || a === "rtt") {
      let v = nextArg(ip, argv, i++);
      if (a === "mtu" && v === "lock") {
        args.mtuLock = true;
        v = nextArg(ip, argv, i++);
      }
      const n = parseU32(v) ?? fail(ip, `Error: argument "${v}" is wrong: "${a}" value is invalid\n`, 255);
      args = { ...args, [a]: n };
    } else {
      if (haveDst) fail(ip, `Error: either "to" is duplicate, or "${a}" is a garbage.`, 255);
      const p = parsePrefix(ip, a === "to" ? nextArg(ip, argv, i++) : a);
      args.dst = p.addr;
      args.dstLen = p.len;
      haveDst = true;
    }
  }
  if (!haveDst) fail(ip, "Error: destination prefix is required.", 1);
  return args as IpRouteArgs;
}

function modify(ip: Ip, argv: readonly string[], op: (a: IpRouteArgs) => void): number {
  const args = parseRoute(ip, argv);
  try {
    op(args);
  } catch (e) {
    rtnlFail(ip, e);
  }
  return 0;
}

/** `ip route get ADDR [from S] [iif D] [oif D] [tos T] [mark M]`. */
function get(ip: Ip, argv: readonly string[]): number {
  let dst: number | undefined;
  let src: number | undefined;
  let iif: string | undefined;
  let oif: string | undefined;
  let mark: number | undefined;
  let tos: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "from") src = parseAddr(ip, nextArg(ip, argv, i++));
    else if (a === "iif") iif = findDev(ip, nextArg(ip, argv, i++)).name;
    else if (a === "oif" || a === "dev") oif = findDev(ip, nextArg(ip, argv, i++)).name;
    else if (a === "mark") mark = parseU32(nextArg(ip, argv, i++)) ?? 0;
    else if (a === "tos" || a === "dsfield") tos = parseU32(nextArg(ip, argv, i++)) ?? 0;
    else dst = parsePrefix(ip, a === "to" ? nextArg(ip, argv, i++) : a, false).addr;
  }
  if (dst === undefined) fail(ip, 'need at least a destination address', 1);
  let r;
  try {
    r = ipRouteGet(ip.net, ip.ctx.cred, { dst, src, iif, oif, mark, tos });
  } catch (e) {
    rtnlFail(ip, e);
  }
  const type = r.type !== RTN_UNICAST ? RTN_NAMES[r.type] ?? String(r.type) : null;
  // rt_fill_info(): RTA_PREFSRC only when the source chosen is not the one asked for.
  const prefsrc = r.prefsrc !== 0 && r.prefsrc !== r.src;
  // Tables local and main are one (main) until rules were ever changed (fib_unmerge).
  const table = r.table !== 0 && r.table !== RT_TABLE_MAIN && (r.table !== RT_TABLE_LOCAL || fibRulesGet(ip.net).hasCustomRules);
  if (ip.opts.json) {
    const o: Record<string, JsonValue> = {};
    if (type !== null) o["type"] = type;
    o["dst"] = ipv4ToString(r.dst);
    if (r.src !== 0) o["from"] = ipv4ToString(r.src);
    if (r.gateway !== 0) o["gateway"] = ipv4ToString(r.gateway);
    o["dev"] = r.dev;
    if (table) o["table"] = tableName(r.table);
    if (prefsrc) o["prefsrc"] = ipv4ToString(r.prefsrc);
    o["flags"] = [];
    // The kernel answers with RTA_UID for output routes, RTA_IIF for input ones.
    if (r.iif === null) o["uid"] = r.uid;
    o["cache"] = r.flags;
    if (r.iif !== null) o["iif"] = r.iif;
    ip.ctx.out(ipJson([o], ip.opts.pretty));
    return 0;
  }
  let line = type !== null ? `${type} ` : "";
  line += `${ipv4ToString(r.dst)} `;
  if (r.src !== 0) line += `from ${ipv4ToString(r.src)} `;
  if (r.gateway !== 0) line += `via ${ipv4ToString(r.gateway)} `;
  line += `dev ${r.dev} `;
  if (table) line += `table ${tableName(r.table)} `;
  if (prefsrc) line += `src ${ipv4ToString(r.prefsrc)} `;
  if (r.iif === null) line += `uid ${r.uid} `;
  line += `\n    cache ${r.flags.length > 0 ? `<${r.flags.join(",")}> ` : ""}${r.iif !== null ? `iif ${r.iif} ` : ""}\n`;
  ip.ctx.out(line);
  return 0;
}

function flush(ip: Ip, argv: readonly string[]): number {
  let table: number | undefined;
  let dev: string | undefined;
  let protocol: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "table") table = parseTable(ip, nextArg(ip, argv, i++));
    else if (a === "dev") dev = findDev(ip, nextArg(ip, argv, i++)).name;
    else if (a === "proto" || a === "protocol") protocol = parseProto(ip, nextArg(ip, argv, i++));
  }
  if (argv.length === 0) fail(ip, '"ip route flush" requires arguments.', 255);
  try {
    ipRouteFlush(ip.net, ip.ctx.cred, { table, dev, protocol });
  } catch (e) {
    rtnlFail(ip, e);
  }
  return 0;
}

export function ipRoute(ip: Ip, argv: readonly string[]): CommandResult {
  const cmd = argv[0];
  const rest = argv.slice(1);
  const { net, ctx } = ip;
  if (cmd === undefined) return show(ip, []);
  if (matches(cmd, "show") || matches(cmd, "list") || cmd === "lst") return show(ip, rest);
  if (matches(cmd, "add")) return modify(ip, rest, (a) => ipRouteAdd(net, ctx.cred, a));
  if (matches(cmd, "delete")) return modify(ip, rest, (a) => ipRouteDel(net, ctx.cred, a));
  if (matches(cmd, "replace")) return modify(ip, rest, (a) => ipRouteReplace(net, ctx.cred, a));
  if (matches(cmd, "append")) return modify(ip, rest, (a) => ipRouteAppend(net, ctx.cred, a));
  if (matches(cmd, "change")) return modify(ip, rest, (a) => ipRouteChange(net, ctx.cred, a));
  if (matches(cmd, "get")) return get(ip, rest);
  if (matches(cmd, "flush")) return flush(ip, rest);
  if (matches(cmd, "help")) fail(ip, USAGE, 255);
  fail(ip, `Command "${cmd}" is unknown, try "ip route help".`, 255);
}
