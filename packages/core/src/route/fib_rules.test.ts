import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED, userCred } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import { devChangeName, devChangeNetNamespace, devClose } from "../netdevice/dev.js";
import { addAddr, addRoute, ip, makePair, makeSink } from "../ipv4/testing.js";
import { ipRouteGet } from "../ipv4/netlink.js";
import { errnoCode } from "../testing/errno.js";
import { FibResult, fibGet, fibLookup, Flowi4, NLM_F_CREATE, RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN } from "./fib.js";
import {
  FIB_RULE_IIF_DETACHED, FIB_RULE_INVERT, FIB_RULE_UNRESOLVED, FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT,
  FR_ACT_TO_TBL, FR_ACT_UNREACHABLE, fibNlDelRule, fibNlNewRule, fibRulesDump, type FibRuleConfig,
} from "./fib_rules.js";

/** Two uplinks: eth0 (10.1/16, default via .254) and eth1 (10.2/16), and table 100 out of eth1. */
function host(): { k: Kernel; net: Net } {
  const k = new Kernel({ seed: 5 });
  const net = k.initNet;
  makePair(net, k.createNet("peer"), "eth0", "eth0");
  makeSink(net, "eth1");
  addAddr(net, "eth0", "10.1.0.1/16");
  addAddr(net, "eth1", "10.2.0.1/16");
  addRoute(net, "default", { via: ip("10.1.0.254") });
  addRoute(net, "default", { via: ip("10.2.0.254"), table: 100 });
  return { k, net };
}

const add = (net: Net, cfg: FibRuleConfig): void => fibNlNewRule(net, ROOT_CRED, cfg);
const del = (net: Net, cfg: FibRuleConfig): void => fibNlDelRule(net, ROOT_CRED, cfg);
const prefs = (net: Net): string[] => fibRulesDump(net).map((r) => `${r.pref}:${r.action === FR_ACT_TO_TBL ? r.table : `a${r.action}`}`);

/** The device and table of an output lookup for `dst` with the flow's other keys. */
function out(net: Net, dst: string, fl: Partial<Flowi4> = {}): string {
  const f = Object.assign(new Flowi4(), fl, { daddr: ip(dst) });
  const res = new FibResult();
  const err = fibLookup(net, f, res, 0);
  return err !== 0 ? `err ${err}` : `${res.dev?.name ?? "-"} table ${res.table!.id}`;
}

describe("fib rules", () => {
  it("start as the three default rules, and fib_lookup stays on its fixed path with them", () => {
    const { net } = host();
    expect(prefs(net)).toEqual([`0:${RT_TABLE_LOCAL}`, `32766:${RT_TABLE_MAIN}`, `32767:${RT_TABLE_DEFAULT}`]);
    expect(fibGet(net).rules).toBeNull();
    add(net, { src: ip("10.9.0.0"), srcLen: 16, table: 100 });
    expect(fibGet(net).rules).not.toBeNull();
    del(net, { src: ip("10.9.0.0"), srcLen: 16, table: 100 });
    expect(fibGet(net).rules).toBeNull();
  });

  it("select a table by source, destination, tos, fwmark and iif; `not` inverts", () => {
    const { net } = host();
    expect(out(net, "8.8.8.8")).toBe("eth0 table 254");
    add(net, { src: ip("10.2.0.0"), srcLen: 16, table: 100 });
    expect(out(net, "8.8.8.8", { saddr: ip("10.2.0.1") })).toBe("eth1 table 100");
    expect(out(net, "8.8.8.8", { saddr: ip("10.1.0.1") })).toBe("eth0 table 254");
    // The local table still comes first (pref 0).
    expect(out(net, "10.2.0.1", { saddr: ip("10.2.0.1") })).toBe("eth1 table 255");
    add(net, { dst: ip("9.9.9.9"), table: 100 });
    expect(out(net, "9.9.9.9")).toBe("eth1 table 100");
    add(net, { tos: 0x10, table: 100 });
    expect(out(net, "8.8.8.8", { tos: 0x10 })).toBe("eth1 table 100");
    expect(out(net, "8.8.8.8", { tos: 0x08 })).toBe("eth0 table 254");
    add(net, { fwmark: 0x1, fwmask: 0xf, table: 100 });
    expect(out(net, "8.8.8.8", { mark: 0x31 })).toBe("eth1 table 100");
    expect(out(net, "8.8.8.8", { mark: 0x30 })).toBe("eth0 table 254");
    // Output lookups come in through loopback.
    add(net, { iif: "lo", dst: ip("7.7.7.0"), dstLen: 24, table: 100 });
    expect(out(net, "7.7.7.7")).toBe("eth1 table 100");
    expect(out(net, "7.7.7.7", { iif: 2 })).toBe("eth0 table 254");
    add(net, { invert: true, src: ip("10.1.0.0"), srcLen: 16, dst: ip("6.6.6.6"), table: 100 });
    expect(out(net, "6.6.6.6", { saddr: ip("10.1.0.1") })).toBe("eth0 table 254");
    expect(out(net, "6.6.6.6", { saddr: ip("10.3.0.1") })).toBe("eth1 table 100");
  });

  it("end the lookup with blackhole, unreachable and prohibit; a table without an answer passes on", () => {
    const { net } = host();
    add(net, { dst: ip("1.1.1.1"), action: FR_ACT_BLACKHOLE });
    add(net, { dst: ip("2.2.2.2"), action: FR_ACT_UNREACHABLE });
    add(net, { dst: ip("3.3.3.3"), action: FR_ACT_PROHIBIT });
    add(net, { dst: ip("4.4.4.4"), table: 42 });
    expect(out(net, "1.1.1.1")).toBe("err -22");
    expect(out(net, "2.2.2.2")).toBe("err -101");
    expect(out(net, "3.3.3.3")).toBe("err -13");
    expect(out(net, "4.4.4.4")).toBe("eth0 table 254");
    // Without any rule, nothing is reachable (-ESRCH becomes -ENETUNREACH).
    for (const r of fibRulesDump(net)) del(net, { pref: r.pref });
    expect(fibRulesDump(net)).toEqual([]);
    expect(out(net, "10.1.0.1")).toBe("err -101");
  });

  it("jump with goto (forward only), skip nop, and suppress too general routes", () => {
    const { net } = host();
    add(net, { pref: 100, action: FR_ACT_GOTO, goto: 300 });
    add(net, { pref: 200, table: 100 });
    add(net, { pref: 300, dst: ip("5.5.5.5"), action: FR_ACT_NOP });
    expect(out(net, "8.8.8.8")).toBe("eth0 table 254");
    expect(errnoCode(() => add(net, { pref: 400, action: FR_ACT_GOTO, goto: 400 }))).toBe("EINVAL");
    expect(errnoCode(() => add(net, { pref: 400, action: FR_ACT_GOTO }))).toBe("EINVAL");
    // Its target gone, the goto dangles and is passed over.
    del(net, { pref: 300 });
    expect(fibRulesDump(net)[1]!.flags & FIB_RULE_UNRESOLVED).toBe(FIB_RULE_UNRESOLVED);
    expect(out(net, "8.8.8.8")).toBe("eth1 table 100");
    add(net, { pref: 300, table: RT_TABLE_MAIN });
    expect(fibRulesDump(net)[1]!.flags & FIB_RULE_UNRESOLVED).toBe(0);
    del(net, { pref: 200 });
    // wg-quick's rule: main, but not its default route.
    add(net, { pref: 50, table: RT_TABLE_MAIN, suppressPrefixlen: 0 });
    add(net, { pref: 60, table: 100 });
    expect(out(net, "10.1.3.3")).toBe("eth0 table 254");
    expect(out(net, "8.8.8.8")).toBe("eth1 table 100");
  });

  it("take prefs as the kernel gives them, refuse duplicates under NLM_F_EXCL, delete the first match", () => {
    const { net } = host();
    add(net, { table: 5 });
    add(net, { table: 5 });
    expect(prefs(net)).toEqual(["0:255", "32764:5", "32765:5", "32766:254", "32767:253"]);
    add(net, { pref: 32766, table: 6 });
    expect(prefs(net).slice(3, 5)).toEqual(["32766:254", "32766:6"]);
    expect(errnoCode(() => add(net, { pref: 32766, table: 6 }))).toBe("EEXIST");
    // `not` is no difference to rule_exists; without NLM_F_EXCL a duplicate goes in.
    expect(errnoCode(() => add(net, { pref: 32766, table: 6, invert: true }))).toBe("EEXIST");
    fibNlNewRule(net, ROOT_CRED, { pref: 32766, table: 6 }, NLM_F_CREATE);
    // A lookup rule without a table gets the first unused one.
    add(net, { pref: 10, table: 0 });
    expect(prefs(net)[1]).toBe("10:1");
    expect(errnoCode(() => del(net, { pref: 5000 }))).toBe("ENOENT");
    expect(errnoCode(() => del(net, { table: 12345 }))).toBe("ENOENT");
    del(net, { table: 5 });
    expect(prefs(net).filter((p) => p.endsWith(":5"))).toEqual(["32765:5"]);
    expect(errnoCode(() => add(net, { tos: 0x11, table: 5 }))).toBe("EINVAL");
    expect(errnoCode(() => add(net, { tos: 0x20, table: 5 }))).toBe("EINVAL");
    expect(errnoCode(() => fibNlNewRule(net, userCred(1000), { table: 5 }))).toBe("EPERM");
    expect(errnoCode(() => fibNlDelRule(net, userCred(1000), { table: 5 }))).toBe("EPERM");
  });

  it("follow the devices they name: detached while missing, renamed away, moved out", () => {
    const { k, net } = host();
    add(net, { pref: 10, iif: "eth9", table: 100 });
    add(net, { pref: 11, oif: "eth1", table: 100 });
    const flags = (pref: number): number => fibRulesDump(net).find((r) => r.pref === pref)!.flags;
    expect(flags(10) & FIB_RULE_IIF_DETACHED).toBe(FIB_RULE_IIF_DETACHED);
    const dev = makeSink(net, "eth9");
    expect(flags(10) & FIB_RULE_IIF_DETACHED).toBe(0);
    expect(out(net, "8.8.8.8", { iif: dev.ifindex })).toBe("eth1 table 100");
    devClose(dev);
    devChangeName(dev, "eth8");
    expect(flags(10) & FIB_RULE_IIF_DETACHED).toBe(FIB_RULE_IIF_DETACHED);
    expect(out(net, "8.8.8.8", { iif: dev.ifindex })).toBe("eth0 table 254");
    devChangeName(dev, "eth9");
    devChangeNetNamespace(dev, k.createNet("elsewhere"));
    expect(flags(10) & FIB_RULE_IIF_DETACHED).toBe(FIB_RULE_IIF_DETACHED);
    expect(fibRulesDump(net).find((r) => r.pref === 10)!.flags & FIB_RULE_INVERT).toBe(0);
  });

  it("choose the route `ip route get` reports, output and input", () => {
    const { net } = host();
    add(net, { src: ip("10.2.0.0"), srcLen: 16, table: 100 });
    add(net, { iif: "eth0", dst: ip("8.8.4.4"), table: 100 });
    const r = ipRouteGet(net, ROOT_CRED, { dst: ip("8.8.8.8"), src: ip("10.2.0.1") });
    expect([r.dev, r.gateway, r.table]).toEqual(["eth1", ip("10.2.0.254"), 100]);
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("8.8.8.8") }).table).toBe(RT_TABLE_MAIN);
    // Forwarding, so the input route exists.
    net.kernel.vfs.write("/proc/sys/net/ipv4/ip_forward", "1", { net, cred: ROOT_CRED });
    const i = ipRouteGet(net, ROOT_CRED, { dst: ip("8.8.4.4"), src: ip("10.1.0.9"), iif: "eth0" });
    expect([i.dev, i.table]).toEqual(["eth1", 100]);
  });
});
