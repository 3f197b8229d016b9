// IPv4 policy routing (net/core/fib_rules.c, net/ipv4/fib_rules.c): per namespace, an ordered
// list of rules, each a selector (from/to prefixes, tos, fwmark/mask, iif, oif, `not`) and an
// action (look up a table, goto another rule, nop, or reject the flow as blackhole, unreachable
// or prohibit). A namespace starts with the three default rules (0 local, 32766 main, 32767
// default); while its rules are those three, fib_lookup keeps its fixed path and never comes here.
import type { Net } from "../kernel/net.js";
import { NetGenericKey } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { capable, CAP_NET_ADMIN } from "../kernel/cred.js";
import type { Kernel } from "../kernel/kernel.js";
import { EACCES, EAGAIN, EEXIST, EINVAL, ENETUNREACH, ENOENT, EPERM, KernelError } from "../kernel/errno.js";
import { NOTIFY_DONE } from "../kernel/notifier.js";
import { NETDEV_CHANGENAME, NETDEV_REGISTER, NETDEV_UNREGISTER } from "../netdevice/constants.js";
import { registerNetdeviceNotifier, type NetdevNotifierBlock, type NetdevNotifierInfo } from "../netdevice/dev.js";
import { inetMakeMask } from "../wire/addr.js";
import {
  FIB_KEY, LOOPBACK_IFINDEX, NLM_F_CREATE, NLM_F_EXCL, RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_UNSPEC,
  RTPROT_KERNEL, type Fib, type FibResult, type FibRulesHook, type Flowi4,
} from "./fib.js";

/** Rule actions (enum fr_act; 6..8 share their numbers with RTN_BLACKHOLE..RTN_PROHIBIT). */
export const FR_ACT_UNSPEC = 0;
export const FR_ACT_TO_TBL = 1;
export const FR_ACT_GOTO = 2;
export const FR_ACT_NOP = 3;
export const FR_ACT_BLACKHOLE = 6;
export const FR_ACT_UNREACHABLE = 7;
export const FR_ACT_PROHIBIT = 8;

/** Rule flags (FIB_RULE_*), as a dump reports them. */
export const FIB_RULE_PERMANENT = 0x01;
export const FIB_RULE_INVERT = 0x02;
export const FIB_RULE_UNRESOLVED = 0x04;
export const FIB_RULE_IIF_DETACHED = 0x08;
export const FIB_RULE_OIF_DETACHED = 0x10;

/** A rule request (what fib_nl2rule reads from RTM_NEWRULE / RTM_DELRULE); absent fields are unset. */
export interface FibRuleConfig {
  /** FRA_PRIORITY; on add, absent means just before the second rule (fib_default_rule_pref). */
  pref?: number | undefined;
  /** FR_ACT_*, or another route type number as `ip rule add TYPE` sends it; 0 matches any on delete. */
  action?: number | undefined;
  /** 0 (unspec): on add, a lookup rule gets the first unused table. */
  table?: number | undefined;
  src?: number | undefined;
  srcLen?: number | undefined;
  dst?: number | undefined;
  dstLen?: number | undefined;
  /** The tos byte: IPTOS_TOS_MASK bits only (0x04..0x1c). */
  tos?: number | undefined;
  iif?: string | undefined;
  oif?: string | undefined;
  fwmark?: number | undefined;
  /** Absent with a fwmark: every bit counts. */
  fwmask?: number | undefined;
  /** `not`: the selector matches what it would not. */
  invert?: boolean | undefined;
  /** FRA_GOTO: the pref a goto rule jumps to. */
  goto?: number | undefined;
  /** FRA_PROTOCOL: who installed the rule (RTPROT_*). */
  protocol?: number | undefined;
  /** FRA_SUPPRESS_PREFIXLEN: a route this specific or less is not taken from this rule's table. */
  suppressPrefixlen?: number | undefined;
}

/** A rule as a dump (`ip rule show`) reports it. */
export interface FibRuleRecord {
  pref: number;
  action: number;
  table: number;
  /** FIB_RULE_INVERT, FIB_RULE_UNRESOLVED, FIB_RULE_IIF_DETACHED, FIB_RULE_OIF_DETACHED. */
  flags: number;
  src: number;
  srcLen: number;
  dst: number;
  dstLen: number;
  tos: number;
  iif: string | null;
  oif: string | null;
  fwmark: number;
  fwmask: number;
  /** The goto target pref (0 for other actions). */
  goto: number;
  protocol: number;
  /** -1 when none. */
  suppressPrefixlen: number;
}

/** One rule (struct fib_rule with fib4_rule's addresses). */
export class FibRule {
  pref = 0;
  action: number = FR_ACT_TO_TBL;
  table = 0;
  flags = 0;
  src = 0;
  srcLen = 0;
  srcMask = 0;
  dst = 0;
  dstLen = 0;
  dstMask = 0;
  tos = 0;
  iifname = "";
  /** 0: any; -1: the named device does not exist here (detached). */
  iifindex = 0;
  oifname = "";
  oifindex = 0;
  mark = 0;
  markMask = 0;
  target = 0;
  /** Where a goto jumps: the index of the first rule with pref `target`, or -1 (unresolved). */
  ctarget = -1;
  protocol = 0;
  suppressPrefixlen = -1;
}

function defaultRule(pref: number, table: number): FibRule {
  const r = new FibRule();
  r.pref = pref;
  r.table = table;
  r.protocol = RTPROT_KERNEL;
  return r;
}

/** fib4_rule_match() under fib_rule_match(): the selector, inverted by `not`. */
function ruleMatch(r: FibRule, fl: Flowi4, iif: number): boolean {
  let ok =
    (r.iifindex === 0 || r.iifindex === iif) &&
    (r.oifindex === 0 || r.oifindex === fl.oif) &&
    ((r.mark ^ fl.mark) & r.markMask) === 0 &&
    ((fl.saddr ^ r.src) & r.srcMask) === 0 &&
    ((fl.daddr ^ r.dst) & r.dstMask) === 0 &&
    (r.tos === 0 || r.tos === (fl.tos & 0xfc));
  if (r.flags & FIB_RULE_INVERT) ok = !ok;
  return ok;
}

/** The rules of one namespace (its fib_rules_ops for AF_INET). */
export class FibRules implements FibRulesHook {
  readonly net: Net;
  readonly fib: Fib;
  /** In order of pref; rules of equal pref in the order they were added. */
  readonly rules: FibRule[] = [defaultRule(0, RT_TABLE_LOCAL), defaultRule(32766, RT_TABLE_MAIN), defaultRule(32767, RT_TABLE_DEFAULT)];
  /**
   * fib_has_custom_rules: set by the first rule added or deleted, never cleared. Linux then keeps
   * tables local and main apart (fib_unmerge), so lookups report table local for local routes.
   */
  hasCustomRules = false;

  constructor(net: Net) {
    this.net = net;
    this.fib = net.gen(FIB_KEY);
  }

  /**
   * fib_rules_lookup() and fib4_rule_action(): the first matching rule whose action decides.
   * A table without an answer (-EAGAIN) passes the flow on; so does a route suppressed by
   * suppress_prefixlength. Locally generated flows come from loopback (the kernel gives output
   * lookups LOOPBACK_IFINDEX), so `iif lo` selects them.
   */
  lookup(fl: Flowi4, res: FibResult, flags: number): number {
    const rules = this.rules;
    const iif = fl.iif === 0 ? LOOPBACK_IFINDEX : fl.iif;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (!ruleMatch(r, fl, iif)) continue;
      let err: number;
      switch (r.action) {
        case FR_ACT_GOTO:
          // Onto the target, which must match in its turn.
          if (r.ctarget >= 0) i = r.ctarget - 1;
          continue;
        case FR_ACT_NOP:
          continue;
        case FR_ACT_TO_TBL: {
          const tb = this.fib.getTable(r.table);
          if (tb === null) {
            err = -EAGAIN;
            break;
          }
          if (r.suppressPrefixlen < 0) {
            err = tb.lookup(fl, res, flags);
            break;
          }
          const want = res.wantPrefix;
          res.wantPrefix = true;
          err = tb.lookup(fl, res, flags);
          res.wantPrefix = want;
          // fib4_rule_suppress(): too general a route (a default one, with 0) is not taken here.
          if (err === 0 && res.prefixLen <= r.suppressPrefixlen) continue;
          break;
        }
        case FR_ACT_UNREACHABLE:
          return -ENETUNREACH;
        case FR_ACT_PROHIBIT:
          return -EACCES;
        default:
          // blackhole, and the route types fib4_rule_action has no case for.
          return -EINVAL;
      }
      if (err !== -EAGAIN) return err;
    }
    // -ESRCH, which __fib_lookup turns into -ENETUNREACH.
    return -ENETUNREACH;
  }

  /** fib_default_rule_pref(): one below the second rule's, so new rules go in front of main. */
  defaultPref(): number {
    const second = this.rules[1];
    return second !== undefined && second.pref !== 0 ? second.pref - 1 : 0;
  }

  /** Re-resolves every goto (its first rule of the target pref) and turns fib_lookup's path. */
  changed(): void {
    const rules = this.rules;
    this.hasCustomRules = true;
    for (const r of rules) {
      if (r.action !== FR_ACT_GOTO) continue;
      r.ctarget = rules.findIndex((t) => t.pref === r.target);
      if (r.ctarget < 0) r.flags |= FIB_RULE_UNRESOLVED;
      else r.flags &= ~FIB_RULE_UNRESOLVED;
    }
    this.fib.rules = isDefault(rules) ? null : this;
    this.fib.flushCache();
  }

  /** attach_rules / detach_rules: device names resolve to ifindexes while the devices exist. */
  devEvent(name: string, ifindex: number): void {
    let hit = false;
    for (const r of this.rules) {
      if (r.iifname === name) {
        r.iifindex = ifindex;
        hit = true;
      }
      if (r.oifname === name) {
        r.oifindex = ifindex;
        hit = true;
      }
    }
    if (hit) this.fib.flushCache();
  }
}

function isDefault(rules: readonly FibRule[]): boolean {
  if (rules.length !== 3) return false;
  const plain = (r: FibRule, pref: number, table: number): boolean =>
    r.pref === pref && r.table === table && r.action === FR_ACT_TO_TBL && r.flags === 0 && r.srcLen === 0 && r.dstLen === 0 &&
    r.tos === 0 && r.iifname === "" && r.oifname === "" && r.markMask === 0 && r.suppressPrefixlen < 0;
  return plain(rules[0]!, 0, RT_TABLE_LOCAL) && plain(rules[1]!, 32766, RT_TABLE_MAIN) && plain(rules[2]!, 32767, RT_TABLE_DEFAULT);
}

/** The rules of each namespace. */
export const FIB_RULES_KEY: NetGenericKey<FibRules> = new NetGenericKey<FibRules>("fib_rules", (net) => new FibRules(net));

/** The namespace's rules. */
export function fibRulesGet(net: Net): FibRules {
  return net.gen(FIB_RULES_KEY);
}

/** fib_rules_event(): the device notifier, registered once per kernel when a rule first names a device. */
const watched = new WeakSet<Kernel>();
const rulesNotifier: NetdevNotifierBlock = {
  notifierCall(event: number, info: NetdevNotifierInfo): number {
    const dev = info.dev;
    const net = dev.net;
    if (!net.hasGen(FIB_RULES_KEY)) return NOTIFY_DONE;
    const rules = net.gen(FIB_RULES_KEY);
    if (event === NETDEV_REGISTER) rules.devEvent(dev.name, dev.ifindex);
    else if (event === NETDEV_UNREGISTER) rules.devEvent(dev.name, -1);
    else if (event === NETDEV_CHANGENAME) {
      // The old name is gone: whatever pointed at this ifindex detaches, the new name attaches.
      for (const r of rules.rules) {
        if (r.iifindex === dev.ifindex) r.iifindex = -1;
        if (r.oifindex === dev.ifindex) r.oifindex = -1;
      }
      rules.devEvent(dev.name, dev.ifindex);
    }
    return NOTIFY_DONE;
  },
};

function watchDevices(net: Net): void {
  const kernel = net.kernel;
  if (watched.has(kernel)) return;
  watched.add(kernel);
  registerNetdeviceNotifier(kernel, rulesNotifier);
}

/** fib_nl2rule() and fib4_rule_configure(): a request into a rule, with the kernel's checks. */
function nl2rule(rules: FibRules, cfg: FibRuleConfig, add: boolean): FibRule {
  const r = new FibRule();
  const srcLen = cfg.srcLen ?? (cfg.src !== undefined ? 32 : 0);
  const dstLen = cfg.dstLen ?? (cfg.dst !== undefined ? 32 : 0);
  if (!Number.isInteger(srcLen) || srcLen < 0 || srcLen > 32 || !Number.isInteger(dstLen) || dstLen < 0 || dstLen > 32) {
    throw new KernelError(EINVAL);
  }
  const tos = cfg.tos ?? 0;
  if (tos & 3 || tos < 0 || tos > 0xff) throw new KernelError(EINVAL, "Invalid dsfield (tos): ECN bits must be 0");
  // IPv4 rules take the old TOS bits only (IPTOS_TOS_MASK), not the high DSCP bits.
  if (tos & ~0x1e) throw new KernelError(EINVAL, "Invalid tos");
  r.srcLen = srcLen;
  r.src = srcLen === 0 ? 0 : (cfg.src ?? 0) >>> 0;
  r.srcMask = inetMakeMask(srcLen);
  r.dstLen = dstLen;
  r.dst = dstLen === 0 ? 0 : (cfg.dst ?? 0) >>> 0;
  r.dstMask = inetMakeMask(dstLen);
  r.tos = tos;
  r.action = cfg.action ?? FR_ACT_UNSPEC;
  r.table = cfg.table ?? RT_TABLE_UNSPEC;
  r.pref = cfg.pref !== undefined ? cfg.pref >>> 0 : add ? rules.defaultPref() : 0;
  if (cfg.invert === true) r.flags |= FIB_RULE_INVERT;
  if (cfg.fwmark !== undefined) r.mark = cfg.fwmark >>> 0;
  if (cfg.fwmask !== undefined) r.markMask = cfg.fwmask >>> 0;
  else if (r.mark !== 0) r.markMask = 0xffffffff;
  r.protocol = cfg.protocol ?? 0;
  r.suppressPrefixlen = cfg.suppressPrefixlen ?? -1;
  const net = rules.net;
  if (cfg.iif !== undefined && cfg.iif !== "") {
    r.iifname = cfg.iif;
    r.iifindex = net.devices.get(cfg.iif)?.ifindex ?? -1;
  }
  if (cfg.oif !== undefined && cfg.oif !== "") {
    r.oifname = cfg.oif;
    r.oifindex = net.devices.get(cfg.oif)?.ifindex ?? -1;
  }
  if (r.action === FR_ACT_GOTO) {
    if (cfg.goto === undefined) throw new KernelError(EINVAL, "Missing goto target for action goto");
    r.target = cfg.goto >>> 0;
    if (add && r.target <= r.pref) throw new KernelError(EINVAL, "Backward goto not supported");
  }
  return r;
}

/** fib4_rule_compare() under rule_find/rule_exists: what a request names must be what the rule has. */
function sameSelector(r: FibRule, t: FibRule): boolean {
  return (
    (t.srcLen === 0 || (r.srcLen === t.srcLen && r.src === t.src)) && (t.dstLen === 0 || (r.dstLen === t.dstLen && r.dst === t.dst)) &&
    (t.tos === 0 || r.tos === t.tos)
  );
}

function needAdmin(cred: Cred): void {
  if (!capable(cred, CAP_NET_ADMIN)) throw new KernelError(EPERM, "RTNETLINK answers");
}

/**
 * fib_nl_newrule(): adds a rule after every rule of lower or equal pref. With NLM_F_EXCL (which
 * `ip rule add` sets) an equal rule at the same pref is EEXIST. A lookup rule without a table
 * gets the first unused table id (fib_empty_table). Throws EINVAL with the kernel's extack.
 */
export function fibNlNewRule(net: Net, cred: Cred, cfg: FibRuleConfig, nlFlags: number = NLM_F_CREATE | NLM_F_EXCL): void {
  needAdmin(cred);
  const rules = fibRulesGet(net);
  const r = nl2rule(rules, { ...cfg, action: cfg.action === undefined || cfg.action === FR_ACT_UNSPEC ? FR_ACT_TO_TBL : cfg.action }, true);
  if (nlFlags & NLM_F_EXCL && rules.rules.some((o) => ruleExists(o, r))) throw new KernelError(EEXIST);
  if (r.action === FR_ACT_TO_TBL && r.table === RT_TABLE_UNSPEC) {
    const fib = rules.fib;
    let id = 1;
    while (fib.getTable(id) !== null) id++;
    fib.newTable(id);
    r.table = id;
  }
  if (r.iifname !== "" || r.oifname !== "") watchDevices(net);
  const list = rules.rules;
  let at = list.length;
  while (at > 0 && list[at - 1]!.pref > r.pref) at--;
  list.splice(at, 0, r);
  rules.changed();
}

/** rule_exists(): every attribute equal (but `not`, which the kernel does not compare). */
function ruleExists(o: FibRule, r: FibRule): boolean {
  return (
    o.action === r.action && o.table === r.table && o.pref === r.pref && o.iifname === r.iifname && o.oifname === r.oifname &&
    o.mark === r.mark && o.markMask === r.markMask && o.suppressPrefixlen === r.suppressPrefixlen && o.protocol === r.protocol &&
    sameSelector(o, r)
  );
}

/**
 * fib_nl_delrule(): deletes the first rule matching every attribute the request gives (rule_find);
 * ENOENT when none does. Gotos aimed at it move to the next rule of the same pref, or dangle.
 */
export function fibNlDelRule(net: Net, cred: Cred, cfg: FibRuleConfig): void {
  needAdmin(cred);
  const rules = fibRulesGet(net);
  const t = nl2rule(rules, cfg, false);
  const list = rules.rules;
  const i = list.findIndex(
    (r) =>
      (t.action === FR_ACT_UNSPEC || r.action === t.action) && (t.table === 0 || r.table === t.table) &&
      (cfg.pref === undefined || r.pref === t.pref) && (t.iifname === "" || r.iifname === t.iifname) &&
      (t.oifname === "" || r.oifname === t.oifname) && (t.mark === 0 || r.mark === t.mark) &&
      (t.suppressPrefixlen < 0 || r.suppressPrefixlen === t.suppressPrefixlen) && (t.markMask === 0 || r.markMask === t.markMask) &&
      (t.protocol === 0 || r.protocol === t.protocol) && sameSelector(r, t),
  );
  if (i < 0) throw new KernelError(ENOENT);
  list.splice(i, 1);
  rules.changed();
}

/** The namespace's rules in order, as RTM_GETRULE dumps them. */
export function fibRulesDump(net: Net): FibRuleRecord[] {
  return fibRulesGet(net).rules.map((r) => ({
    pref: r.pref,
    action: r.action,
    table: r.table,
    flags:
      (r.flags & (FIB_RULE_INVERT | FIB_RULE_UNRESOLVED)) | (r.iifindex === -1 ? FIB_RULE_IIF_DETACHED : 0) |
      (r.oifindex === -1 ? FIB_RULE_OIF_DETACHED : 0),
    src: r.src,
    srcLen: r.srcLen,
    dst: r.dst,
    dstLen: r.dstLen,
    tos: r.tos,
    iif: r.iifname === "" ? null : r.iifname,
    oif: r.oifname === "" ? null : r.oifname,
    fwmark: r.mark,
    fwmask: r.markMask,
    goto: r.action === FR_ACT_GOTO ? r.target : 0,
    protocol: r.protocol,
    suppressPrefixlen: r.suppressPrefixlen,
  }));
}
