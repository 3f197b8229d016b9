/** `ip rule`: list, add, del, flush, over the core's fib rules (iproute2's ip/iprule.c). */
import {
  FIB_RULE_IIF_DETACHED, FIB_RULE_INVERT, FIB_RULE_OIF_DETACHED, FIB_RULE_UNRESOLVED, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_TO_TBL,
  fibNlDelRule, fibNlNewRule, fibRulesDump, ipv4ToString, parseIpv4, RT_TABLE_MAIN, RTN_NAT, RTPROT_KERNEL, type FibRuleConfig,
  type FibRuleRecord,
} from "@vnet/core";
import type { CommandResult } from "../../shell/types.js";
import { fail, incomplete, invarg, matches, nextArg, rtnlFail, type Ip } from "./common.js";
import { ipJson, type JsonValue } from "./json.js";
import { dsfieldId, dsfieldName, hex0x, protoId, protoName, rtntypeId, rtntypeName, tableId, tableName, validIfname } from "./names.js";
import { parseU32 } from "./parse.js";
import { parseAddr, parsePrefix } from "./prefix.js";

const USAGE = `Usage: ip rule { add | del } SELECTOR ACTION
       ip rule { flush | save | restore }
       ip rule [ list [ SELECTOR ]]
SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ]
            [ fwmark FWMARK[/MASK] ]
            [ iif STRING ] [ oif STRING ] [ pref NUMBER ] [ l3mdev ]
            [ uidrange NUMBER-NUMBER ]
            [ ipproto PROTOCOL ]
            [ sport [ NUMBER | NUMBER-NUMBER ]
            [ dport [ NUMBER | NUMBER-NUMBER ] ]
ACTION := [ table TABLE_ID ]
          [ protocol PROTO ]
          [ nat ADDRESS ]
          [ realms [SRCREALM/]DSTREALM ]
          [ goto NUMBER ]
          SUPPRESSOR
SUPPRESSOR := [ suppress_prefixlength NUMBER ]
              [ suppress_ifgroup DEVGROUP ]
TABLE_ID := [ local | main | default | NUMBER ]
`;

/** Selectors iproute2 knows that vnet's rules do not model. */
const UNSUPPORTED = ["realms", "tun_id", "suppress_ifgroup", "sup_group", "l3mdev", "uidrange", "ipproto", "sport", "dport", "dscp", "flowlabel"];

function unsupported(ip: Ip, word: string): never {
  fail(ip, `Error: "${word}" is not supported by vnet's rules.`, 255);
}

function isUnsupported(a: string): string | undefined {
  return UNSUPPORTED.find((w) => a === w || ((w === "realms" || w === "tun_id" || w === "suppress_ifgroup") && matches(a, w)));
}

/** fwmark FWMARK[/MASK]. */
function fwmark(ip: Ip, arg: string): { mark: number; mask: number | undefined } {
  const slash = arg.indexOf("/");
  const markText = slash < 0 ? arg : arg.slice(0, slash);
  const mark = parseU32(markText) ?? invarg(ip, "fwmark value is invalid\n", markText);
  if (slash < 0) return { mark, mask: undefined };
  const maskText = arg.slice(slash + 1);
  return { mark, mask: parseU32(maskText) ?? invarg(ip, "fwmask value is invalid\n", maskText) };
}

/** iprule_modify()'s parser: a rule request for RTM_NEWRULE (`add`) or RTM_DELRULE. */
function parseRule(ip: Ip, argv: readonly string[], add: boolean): FibRuleConfig {
  const cfg: FibRuleConfig = { action: add ? FR_ACT_TO_TBL : 0 };
  let tableOk = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const bad = isUnsupported(a);
    if (a === "not") cfg.invert = true;
    else if (a === "from" || a === "to") {
      const p = parsePrefix(ip, nextArg(ip, argv, i++));
      if (a === "from") {
        cfg.src = p.addr;
        cfg.srcLen = p.len;
      } else {
        cfg.dst = p.addr;
        cfg.dstLen = p.len;
      }
    } else if (matches(a, "preference") || matches(a, "order") || matches(a, "priority")) {
      const v = nextArg(ip, argv, i++);
      cfg.pref = parseU32(v) ?? invarg(ip, "preference value is invalid\n", v);
    } else if (a === "tos" || matches(a, "dsfield")) {
      const v = nextArg(ip, argv, i++);
      cfg.tos = dsfieldId(v) ?? invarg(ip, "TOS value is invalid\n", v);
    } else if (a === "fwmark") {
      const m = fwmark(ip, nextArg(ip, argv, i++));
      cfg.fwmark = m.mark;
      if (m.mask !== undefined) cfg.fwmask = m.mask;
    } else if (bad === "realms") unsupported(ip, bad);
    else if (matches(a, "protocol")) {
      const v = nextArg(ip, argv, i++);
      cfg.protocol = protoId(v) ?? invarg(ip, '"protocol" value is invalid\n', v);
    } else if (bad === "tun_id") unsupported(ip, bad);
    else if (matches(a, "table") || a === "lookup") {
      const v = nextArg(ip, argv, i++);
      cfg.table = tableId(v) ?? invarg(ip, "invalid table ID\n", v);
      tableOk = true;
    } else if (matches(a, "suppress_prefixlength") || a === "sup_pl") {
      const v = nextArg(ip, argv, i++);
      const n = /^[+-]?\d+$/.test(v) ? Number(v) : -1;
      if (n < 0 || n > 0x7fffffff) invarg(ip, "suppress_prefixlength value is invalid\n", v);
      cfg.suppressPrefixlen = n;
    } else if (bad !== undefined) unsupported(ip, bad);
    else if (a === "dev" || a === "iif") {
      const v = nextArg(ip, argv, i++);
      if (!validIfname(v)) invarg(ip, '"iif"/"dev" not a valid ifname', v);
      cfg.iif = v;
    } else if (a === "oif") {
      const v = nextArg(ip, argv, i++);
      if (!validIfname(v)) invarg(ip, '"oif" not a valid ifname', v);
      cfg.oif = v;
    } else if (a === "nat" || matches(a, "map-to")) {
      parseAddr(ip, nextArg(ip, argv, i++));
      ip.ctx.err("Warning: route NAT is deprecated\n");
      cfg.action = RTN_NAT;
    } else {
      let t = a;
      if (t === "type") t = nextArg(ip, argv, i++);
      if (matches(t, "help")) fail(ip, USAGE, 255);
      if (matches(t, "goto")) {
        const v = nextArg(ip, argv, i++);
        cfg.goto = parseU32(v) ?? invarg(ip, "invalid target\n", v);
        cfg.action = FR_ACT_GOTO;
      } else if (matches(t, "nop")) cfg.action = FR_ACT_NOP;
      else cfg.action = rtntypeId(t) ?? invarg(ip, "Failed to parse rule type", t);
      tableOk = true;
    }
  }
  // Without a table or a type, `ip rule add` looks up main.
  if (add && !tableOk) cfg.table = RT_TABLE_MAIN;
  return cfg;
}

/** The words print_rule() writes for one rule, after "PREF:\t". */
function ruleText(r: FibRuleRecord, details: boolean): string {
  let s = r.flags & FIB_RULE_INVERT ? "not " : "";
  s += r.srcLen !== 0 ? `from ${ipv4ToString(r.src)}${r.srcLen !== 32 ? `/${r.srcLen}` : ""}` : "from all";
  if (r.dstLen !== 0) s += ` to ${ipv4ToString(r.dst)}${r.dstLen !== 32 ? `/${r.dstLen}` : ""}`;
  if (r.tos !== 0) s += ` tos ${dsfieldName(r.tos)}`;
  if (r.fwmark !== 0 || r.fwmask !== 0) s += ` fwmark ${hex0x(r.fwmark)}${r.fwmask !== 0xffffffff ? `/${hex0x(r.fwmask)}` : ""}`;
  if (r.iif !== null) s += ` iif ${r.iif}${r.flags & FIB_RULE_IIF_DETACHED ? " [detached]" : ""}`;
  if (r.oif !== null) s += ` oif ${r.oif}${r.flags & FIB_RULE_OIF_DETACHED ? " [detached]" : ""}`;
  if (r.table !== 0) {
    s += ` lookup ${tableName(r.table)}`;
    if (r.suppressPrefixlen >= 0) s += ` suppress_prefixlength ${r.suppressPrefixlen}`;
  }
  if (r.action === RTN_NAT) s += " masquerade";
  else if (r.action === FR_ACT_GOTO) s += ` goto ${r.goto}${r.flags & FIB_RULE_UNRESOLVED ? " [unresolved]" : ""}`;
  else if (r.action === FR_ACT_NOP) s += " nop";
  else if (r.action !== FR_ACT_TO_TBL) s += ` ${rtntypeName(r.action)}`;
  if ((r.protocol !== 0 && r.protocol !== RTPROT_KERNEL) || details) s += ` proto ${protoName(r.protocol)}`;
  return `${r.pref}:\t${s}\n`;
}

/** The same, as `ip -j rule` writes it. */
function ruleJson(r: FibRuleRecord, details: boolean): Record<string, JsonValue> {
  const o: Record<string, JsonValue> = { priority: r.pref };
  if (r.flags & FIB_RULE_INVERT) o["not"] = null;
  if (r.srcLen !== 0) {
    o["src"] = ipv4ToString(r.src);
    if (r.srcLen !== 32) o["srclen"] = r.srcLen;
  } else o["src"] = "all";
  if (r.dstLen !== 0) {
    o["dst"] = ipv4ToString(r.dst);
    if (r.dstLen !== 32) o["dstlen"] = r.dstLen;
  }
  if (r.tos !== 0) o["tos"] = dsfieldName(r.tos);
  if (r.fwmark !== 0 || r.fwmask !== 0) {
    o["fwmark"] = hex0x(r.fwmark);
    if (r.fwmask !== 0xffffffff) o["fwmask"] = hex0x(r.fwmask);
  }
  if (r.iif !== null) {
    o["iif"] = r.iif;
    if (r.flags & FIB_RULE_IIF_DETACHED) o["iif_detached"] = null;
  }
  if (r.oif !== null) {
    o["oif"] = r.oif;
    if (r.flags & FIB_RULE_OIF_DETACHED) o["oif_detached"] = null;
  }
  if (r.table !== 0) {
    o["table"] = tableName(r.table);
    if (r.suppressPrefixlen >= 0) o["suppress_prefixlen"] = r.suppressPrefixlen;
  }
  if (r.action === RTN_NAT) o["masquerade"] = null;
  else if (r.action === FR_ACT_GOTO) {
    o["goto"] = r.goto;
    if (r.flags & FIB_RULE_UNRESOLVED) o["unresolved"] = null;
  } else if (r.action === FR_ACT_NOP) o["nop"] = null;
  else if (r.action !== FR_ACT_TO_TBL) o["action"] = rtntypeName(r.action);
  if ((r.protocol !== 0 && r.protocol !== RTPROT_KERNEL) || details) o["protocol"] = protoName(r.protocol);
  return o;
}

/** iprule_list_flush_or_save()'s selector, applied as filter_nlmsg() does. */
interface RuleFilter {
  pref?: number | undefined;
  not: boolean;
  src?: { addr: number; len: number } | undefined;
  dst?: { addr: number; len: number } | undefined;
  tos?: number | undefined;
  fwmark: number;
  fwmask: number;
  iif?: string | undefined;
  oif?: string | undefined;
  table: number;
  /** Flush only: -1 when given. */
  protocol?: number | undefined;
}

function parseFilter(ip: Ip, argv: readonly string[]): RuleFilter {
  const f: RuleFilter = { not: false, fwmark: 0, fwmask: 0, table: 0 };
  // A listing reads prefixes as AF_INET ones: "inet prefix is expected".
  const inetPrefix = (arg: string): { addr: number; len: number } => {
    if (arg === "all" || arg === "any" || arg === "default") return { addr: 0, len: 0 };
    const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d{1,2}))?$/.exec(arg);
    const addr = m === null ? null : parseIpv4(m[1]!);
    const len = m?.[2] === undefined ? 32 : Number(m[2]);
    if (addr === null || len > 32) fail(ip, `Error: inet prefix is expected rather than "${arg}".`, 1, true);
    return { addr, len };
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const bad = isUnsupported(a);
    if (matches(a, "preference") || matches(a, "order") || matches(a, "priority")) {
      const v = nextArg(ip, argv, i++);
      f.pref = parseU32(v) ?? invarg(ip, "preference value is invalid\n", v);
    } else if (a === "not") f.not = true;
    else if (a === "tos" || a === "dsfield") {
      const v = nextArg(ip, argv, i++);
      f.tos = dsfieldId(v) ?? invarg(ip, "TOS value is invalid\n", v);
    } else if (a === "fwmark") {
      const m = fwmark(ip, nextArg(ip, argv, i++));
      f.fwmark = m.mark;
      if (m.mask !== undefined) f.fwmask = m.mask;
    } else if (a === "dev" || a === "iif") {
      const v = nextArg(ip, argv, i++);
      if (!validIfname(v)) invarg(ip, '"iif"/"dev" not a valid ifname', v);
      f.iif = v;
    } else if (a === "oif") {
      const v = nextArg(ip, argv, i++);
      if (!validIfname(v)) invarg(ip, '"oif" not a valid ifname', v);
      f.oif = v;
    } else if (bad !== undefined) unsupported(ip, bad);
    else if (matches(a, "lookup") || matches(a, "table")) {
      const v = nextArg(ip, argv, i++);
      f.table = tableId(v) ?? invarg(ip, "table id value is invalid\n", v);
    } else if (matches(a, "from") || matches(a, "src")) f.src = inetPrefix(nextArg(ip, argv, i++));
    else if (matches(a, "protocol")) {
      const v = nextArg(ip, argv, i++);
      if (v === "all") f.protocol = undefined;
      else f.protocol = protoId(v) ?? invarg(ip, 'invalid "protocol"\n', v);
    } else {
      const v = matches(a, "dst") || matches(a, "to") ? nextArg(ip, argv, i++) : a;
      f.dst = inetPrefix(v);
    }
  }
  return f;
}

/** inet_addr_match(): the first `len` bits of the filter's address against the rule's. */
function prefixMatch(f: { addr: number; len: number }, addr: number, len: number): boolean {
  if (f.len > len) return false;
  if (f.len === 0) return true;
  const mask = f.len === 32 ? 0xffffffff : ~(0xffffffff >>> f.len);
  return ((f.addr ^ addr) & mask) === 0;
}

function filterMatch(f: RuleFilter, r: FibRuleRecord): boolean {
  if (f.pref !== undefined && f.pref !== r.pref) return false;
  if (f.not && !(r.flags & FIB_RULE_INVERT)) return false;
  if (f.src !== undefined && !prefixMatch(f.src, r.src, r.srcLen)) return false;
  if (f.dst !== undefined && !prefixMatch(f.dst, r.dst, r.dstLen)) return false;
  if (f.tos !== undefined && f.tos !== r.tos) return false;
  if (f.fwmark !== 0 && f.fwmark !== r.fwmark) return false;
  if (f.fwmask !== 0 && f.fwmask !== r.fwmask) return false;
  if (f.iif !== undefined && f.iif !== r.iif) return false;
  if (f.oif !== undefined && f.oif !== r.oif) return false;
  if (f.table > 0 && f.table !== r.table) return false;
  return true;
}

function list(ip: Ip, argv: readonly string[]): number {
  const f = parseFilter(ip, argv);
  const rules = ip.opts.family === "inet6" || ip.opts.family === "link" ? [] : fibRulesDump(ip.net).filter((r) => filterMatch(f, r));
  const details = ip.opts.details;
  if (ip.opts.json) ip.ctx.out(ipJson(rules.map((r) => ruleJson(r, details)), ip.opts.pretty));
  else ip.ctx.out(rules.map((r) => ruleText(r, details)).join(""));
  return 0;
}

/** The request that deletes exactly a dumped rule (what flush_rule sends back as RTM_DELRULE). */
function asRequest(r: FibRuleRecord): FibRuleConfig {
  const cfg: FibRuleConfig = { pref: r.pref, action: r.action, table: r.table, tos: r.tos };
  if (r.srcLen !== 0) Object.assign(cfg, { src: r.src, srcLen: r.srcLen });
  if (r.dstLen !== 0) Object.assign(cfg, { dst: r.dst, dstLen: r.dstLen });
  if (r.iif !== null) cfg.iif = r.iif;
  if (r.oif !== null) cfg.oif = r.oif;
  if (r.fwmark !== 0 || r.fwmask !== 0) Object.assign(cfg, { fwmark: r.fwmark, fwmask: r.fwmask });
  if (r.action === FR_ACT_GOTO) cfg.goto = r.goto;
  if (r.protocol !== 0) cfg.protocol = r.protocol;
  if (r.suppressPrefixlen >= 0) cfg.suppressPrefixlen = r.suppressPrefixlen;
  return cfg;
}

/** `ip rule flush [SELECTOR]`: every selected rule but those of pref 0. */
function flush(ip: Ip, argv: readonly string[]): number {
  const f = parseFilter(ip, argv);
  for (const r of fibRulesDump(ip.net)) {
    if (r.pref === 0 || !filterMatch(f, r)) continue;
    if (f.protocol !== undefined && r.protocol !== f.protocol) continue;
    try {
      fibNlDelRule(ip.net, ip.ctx.cred, asRequest(r));
    } catch (e) {
      rtnlFail(ip, e);
    }
  }
  return 0;
}

function modify(ip: Ip, argv: readonly string[], add: boolean): number {
  if (argv.length === 0) fail(ip, `"ip rule ${add ? "add" : "del"}" requires arguments.`, 1);
  const cfg = parseRule(ip, argv, add);
  // vnet has IPv4 rules only.
  if (ip.opts.family === "inet6") fail(ip, "RTNETLINK answers: Address family not supported by protocol", 2);
  try {
    if (add) fibNlNewRule(ip.net, ip.ctx.cred, cfg);
    else fibNlDelRule(ip.net, ip.ctx.cred, cfg);
  } catch (e) {
    rtnlFail(ip, e);
  }
  return 0;
}

export function ipRule(ip: Ip, argv: readonly string[]): CommandResult {
  const cmd = argv[0];
  const rest = argv.slice(1);
  if (cmd === undefined) return list(ip, []);
  if (matches(cmd, "list") || matches(cmd, "lst") || matches(cmd, "show")) return list(ip, rest);
  if (matches(cmd, "save") || matches(cmd, "restore")) fail(ip, `Error: "ip rule ${cmd}" is not supported by vnet.`, 255);
  if (matches(cmd, "add")) return modify(ip, rest, true);
  if (matches(cmd, "delete")) return modify(ip, rest, false);
  if (matches(cmd, "flush")) return flush(ip, rest);
  if (matches(cmd, "help")) fail(ip, USAGE, 255);
  if (cmd === "") incomplete(ip);
  fail(ip, `Command "${cmd}" is unknown, try "ip rule help".`, 255);
}
