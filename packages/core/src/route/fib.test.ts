import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED, userCred } from "../kernel/cred.js";
import { Prng } from "../kernel/prng.js";
import type { Net } from "../kernel/net.js";
import { EACCES, EEXIST, EHOSTUNREACH, EINVAL, ENETDOWN, ENETUNREACH, ENODEV, ENOENT, EPERM, ESRCH, isErrno } from "../kernel/errno.js";
import { devClose, devOpen } from "../netdevice/dev.js";
import { addAddr, ip, makePair, makeSink } from "../ipv4/testing.js";
import {
  ipAddrDel, ipRouteAdd, ipRouteAppend, ipRouteChange, ipRouteDel, ipRouteDump, ipRouteGet, ipRouteReplace, type IpRouteArgs,
  type IpRouteGetResult,
} from "../ipv4/netlink.js";
import {
  procNetRoute, RT_TABLE_LOCAL, RT_TABLE_MAIN, RTN_BLACKHOLE, RTN_BROADCAST, RTN_LOCAL, RTN_PROHIBIT, RTN_UNICAST,
  RTN_UNREACHABLE, RTPROT_BOOT, RTPROT_KERNEL, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, type FibRoute,
} from "./fib.js";
import { inetMakeMask, ipv4ToString } from "../wire/addr.js";

function host(): { k: Kernel; net: Net } {
  const k = new Kernel({ seed: 5 });
  const net = k.initNet;
  const other = k.createNet("peer");
  makePair(net, other, "eth0", "eth0");
  makeSink(net, "eth1");
  addAddr(net, "eth0", "10.1.0.1/16");
  addAddr(net, "eth1", "10.2.0.1/16");
  return { k, net };
}

function errno(fn: () => void): number {
  try {
    fn();
  } catch (e) {
    if (isErrno(e, 0) || (e as { errno?: number }).errno !== undefined) return (e as { errno: number }).errno;
    throw e;
  }
  return 0;
}

const route = (dst: string, plen: number, rest: Omit<IpRouteArgs, "dst" | "dstLen"> = {}): IpRouteArgs => ({ dst: ip(dst), dstLen: plen, ...rest });

describe("FIB: kernel routes for addresses", () => {
  it("adds local, broadcast and connected routes, and the loopback's", () => {
    const { net } = host();
    const local = ipRouteDump(net, { table: RT_TABLE_LOCAL }).map((r) => `${r.type} ${ipv4ToString(r.dst)}/${r.dstLen} ${r.dev} ${ipv4ToString(r.prefsrc)}`);
    expect(local).toEqual([
      `${RTN_LOCAL} 10.1.0.1/32 eth0 10.1.0.1`,
      `${RTN_BROADCAST} 10.1.255.255/32 eth0 10.1.0.1`,
      `${RTN_LOCAL} 10.2.0.1/32 eth1 10.2.0.1`,
      `${RTN_BROADCAST} 10.2.255.255/32 eth1 10.2.0.1`,
      `${RTN_LOCAL} 127.0.0.0/8 lo 127.0.0.1`,
      `${RTN_LOCAL} 127.0.0.1/32 lo 127.0.0.1`,
      `${RTN_BROADCAST} 127.255.255.255/32 lo 127.0.0.1`,
    ]);
    const main = ipRouteDump(net);
    expect(main.map((r) => [ipv4ToString(r.dst), r.dstLen, r.dev, r.scope, r.protocol])).toEqual([
      ["10.1.0.0", 16, "eth0", RT_SCOPE_LINK, RTPROT_KERNEL],
      ["10.2.0.0", 16, "eth1", RT_SCOPE_LINK, RTPROT_KERNEL],
    ]);
  });

  it("removes routes of a device that goes down; local routes stay; connected come back on up", () => {
    const { net } = host();
    ipRouteAdd(net, ROOT_CRED, route("192.168.0.0", 24, { via: ip("10.2.0.9") }));
    const eth1 = net.devices.get("eth1")!;
    devClose(eth1);
    expect(ipRouteDump(net).map((r) => r.dev)).toEqual(["eth0"]);
    expect(ipRouteDump(net, { table: RT_TABLE_LOCAL }).filter((r) => r.dev === "eth1").map((r) => r.type)).toEqual([RTN_LOCAL]);
    devOpen(eth1);
    expect(ipRouteDump(net).map((r) => `${ipv4ToString(r.dst)}/${r.dstLen}`)).toEqual(["10.1.0.0/16", "10.2.0.0/16"]);
  });

  it("removes an address's routes, and routes preferring it, when it is deleted", () => {
    const { net } = host();
    ipRouteAdd(net, ROOT_CRED, route("192.168.1.0", 24, { dev: "eth0", src: ip("10.1.0.1") }));
    ipAddrDel(net, ROOT_CRED, { dev: "eth0", local: ip("10.1.0.1"), prefixLen: 16 });
    expect(ipRouteDump(net).map((r) => r.dev)).toEqual(["eth1"]);
    expect(ipRouteDump(net, { table: RT_TABLE_LOCAL }).some((r) => r.dev === "eth0")).toBe(false);
  });
});

describe("FIB: add/replace/append/change/del semantics and errors", () => {
  it("EEXIST for the same prefix, tos and metric; a different metric coexists", () => {
    const { net } = host();
    ipRouteAdd(net, ROOT_CRED, route("10.9.0.0", 16, { via: ip("10.1.0.254") }));
    expect(errno(() => ipRouteAdd(net, ROOT_CRED, route("10.9.0.0", 16, { via: ip("10.2.0.254") })))).toBe(EEXIST);
    ipRouteAdd(net, ROOT_CRED, route("10.9.0.0", 16, { via: ip("10.2.0.254"), metric: 10 }));
    expect(ipRouteDump(net).filter((r) => r.dst === ip("10.9.0.0")).map((r) => [r.priority, r.dev])).toEqual([[0, "eth0"], [10, "eth1"]]);
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("10.9.1.1") }).dev).toBe("eth0");
  });

  it("replace swaps the first match; append goes behind; change needs an existing route", () => {
    const { net } = host();
    ipRouteAdd(net, ROOT_CRED, route("10.9.0.0", 16, { via: ip("10.1.0.254") }));
    ipRouteReplace(net, ROOT_CRED, route("10.9.0.0", 16, { via: ip("10.2.0.254") }));
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("10.9.1.1") }).gateway).toBe(ip("10.2.0.254"));
    ipRouteAppend(net, ROOT_CRED, route("10.9.0.0", 16, { via: ip("10.1.0.254") }));
    expect(ipRouteDump(net).filter((r) => r.dst === ip("10.9.0.0")).map((r) => r.gateway)).toEqual([ip("10.2.0.254"), ip("10.1.0.254")]);
    expect(errno(() => ipRouteAppend(net, ROOT_CRED, route("10.9.0.0", 16, { via: ip("10.1.0.254") })))).toBe(EEXIST);
    expect(errno(() => ipRouteChange(net, ROOT_CRED, route("10.8.0.0", 16, { via: ip("10.1.0.254") })))).toBe(ENOENT);
    ipRouteChange(net, ROOT_CRED, route("10.9.0.0", 16, { dev: "eth0" }));
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("10.9.1.1") }).gateway).toBe(0);
  });

  it("del matches given attributes only; ESRCH otherwise", () => {
    const { net } = host();
    ipRouteAdd(net, ROOT_CRED, route("10.9.0.0", 16, { via: ip("10.1.0.254"), metric: 5 }));
    expect(errno(() => ipRouteDel(net, ROOT_CRED, route("10.9.0.0", 16, { via: ip("10.1.0.253") })))).toBe(ESRCH);
    expect(errno(() => ipRouteDel(net, ROOT_CRED, route("10.9.0.0", 16, { metric: 6 })))).toBe(ESRCH);
    expect(errno(() => ipRouteDel(net, ROOT_CRED, route("10.9.0.0", 16, { table: 77 })))).toBe(ESRCH);
    expect(errno(() => ipRouteDel(net, ROOT_CRED, route("10.9.0.0", 16, { type: RTN_BLACKHOLE })))).toBe(ESRCH);
    ipRouteDel(net, ROOT_CRED, route("10.9.0.0", 16));
    expect(errno(() => ipRouteDel(net, ROOT_CRED, route("10.9.0.0", 16)))).toBe(ESRCH);
  });

  it("validates prefixes, devices, gateways, types, scopes and sources", () => {
    const { net } = host();
    const add = (a: IpRouteArgs): number => errno(() => ipRouteAdd(net, ROOT_CRED, a));
    expect(add(route("10.9.0.1", 16, { dev: "eth0" }))).toBe(EINVAL);
    expect(add(route("10.9.0.0", 33, { dev: "eth0" }))).toBe(EINVAL);
    expect(add(route("10.9.0.0", 16, { dev: "nope" }))).toBe(ENODEV);
    expect(add(route("10.9.0.0", 16, { via: ip("192.0.2.1") }))).toBe(ENETUNREACH);
    expect(add(route("10.9.0.0", 16, { via: ip("10.2.0.9"), dev: "eth0" }))).toBe(ENETUNREACH);
    expect(add(route("10.9.0.0", 16, { via: ip("192.0.2.1"), dev: "eth0", onlink: true }))).toBe(0);
    expect(add(route("10.8.0.0", 16, { via: ip("10.1.255.255") }))).toBe(EINVAL);
    expect(add(route("10.7.0.0", 16, { type: RTN_BLACKHOLE, dev: "eth0" }))).toBe(EINVAL);
    expect(add(route("10.7.0.0", 16, { type: RTN_LOCAL, dev: "eth0", scope: RT_SCOPE_UNIVERSE }))).toBe(EINVAL);
    expect(add(route("10.7.0.0", 16, { type: 0, dev: "eth0" }))).toBe(EINVAL);
    expect(add(route("10.7.0.0", 16, { dev: "eth0", src: ip("10.3.0.1") }))).toBe(EINVAL);
    expect(add(route("10.7.0.0", 16, { dev: "eth0", src: ip("10.2.0.1") }))).toBe(0);
    devClose(net.devices.get("eth1")!);
    expect(add(route("10.6.0.0", 16, { dev: "eth1" }))).toBe(ENETDOWN);
    expect(errno(() => ipRouteAdd(net, userCred(), route("10.5.0.0", 16, { dev: "eth0" })))).toBe(EPERM);
  });

  it("ip route get: local, broadcast, gateway and reject routes", () => {
    const { net } = host();
    ipRouteAdd(net, ROOT_CRED, route("0.0.0.0", 0, { via: ip("10.1.0.254") }));
    ipRouteAdd(net, ROOT_CRED, route("192.0.2.0", 24, { type: RTN_BLACKHOLE }));
    ipRouteAdd(net, ROOT_CRED, route("198.51.100.0", 24, { type: RTN_UNREACHABLE }));
    ipRouteAdd(net, ROOT_CRED, route("203.0.113.0", 24, { type: RTN_PROHIBIT }));
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("10.1.0.1") })).toMatchObject({ type: RTN_LOCAL, dev: "lo", prefsrc: ip("10.1.0.1"), flags: ["local"], table: RT_TABLE_LOCAL });
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("10.2.255.255") })).toMatchObject({ type: RTN_BROADCAST, dev: "eth1", prefsrc: ip("10.2.0.1"), flags: ["local", "brd"] });
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("8.8.8.8") })).toMatchObject({ type: RTN_UNICAST, dev: "eth0", gateway: ip("10.1.0.254"), prefsrc: ip("10.1.0.1"), prefixLen: 0, table: RT_TABLE_MAIN });
    expect(errno(() => ipRouteGet(net, ROOT_CRED, { dst: ip("192.0.2.1") }))).toBe(EINVAL);
    expect(errno(() => ipRouteGet(net, ROOT_CRED, { dst: ip("198.51.100.1") }))).toBe(EHOSTUNREACH);
    expect(errno(() => ipRouteGet(net, ROOT_CRED, { dst: ip("203.0.113.1") }))).toBe(EACCES);
    ipRouteDel(net, ROOT_CRED, route("0.0.0.0", 0));
    expect(errno(() => ipRouteGet(net, ROOT_CRED, { dst: ip("8.8.8.8") }))).toBe(ENETUNREACH);
  });

  it("numbered tables hold routes the default rules never consult", () => {
    const { net } = host();
    ipRouteAdd(net, ROOT_CRED, route("0.0.0.0", 0, { via: ip("10.2.0.254"), table: 100 }));
    expect(ipRouteDump(net, { table: 100 }).map((r) => r.table)).toEqual([100]);
    expect(errno(() => ipRouteGet(net, ROOT_CRED, { dst: ip("8.8.8.8") }))).toBe(ENETUNREACH);
  });

  it("/proc/net/route prints the main table in the kernel's format", () => {
    const { net } = host();
    ipRouteAdd(net, ROOT_CRED, route("0.0.0.0", 0, { via: ip("10.1.0.254"), metric: 100 }));
    ipRouteAdd(net, ROOT_CRED, route("192.168.5.7", 32, { dev: "eth1" }));
    ipRouteAdd(net, ROOT_CRED, route("198.51.100.0", 24, { type: RTN_UNREACHABLE }));
    const pad = (s: string): string => s.padEnd(127) + "\n";
    expect(procNetRoute(net)).toBe(
      pad("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT") +
        pad("eth0\t00000000\tFE00010A\t0003\t0\t0\t100\t00000000\t0\t0\t0") +
        pad("eth0\t0000010A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0") +
        pad("eth1\t0000020A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0") +
        pad("eth1\t0705A8C0\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0") +
        pad("*\t006433C6\t00000000\t0201\t0\t0\t0\t00FFFFFF\t0\t0\t0"),
    );
  });
});

/** The result ip route get should give, by scanning every route: local table, then main. */
function oracle(net: Net, tables: FibRoute[][], dst: number, oif: string | null, devAddr: Map<string, number>): IpRouteGetResult | number {
  for (const routes of tables) {
    let best = -1;
    for (const r of routes) if (((dst & inetMakeMask(r.dstLen)) >>> 0) === r.dst && r.dstLen > best) {
      // Any alias of this prefix that fits (or is a reject) decides at this length.
      const fits = routes.some((x) => x.dst === r.dst && x.dstLen === r.dstLen && (x.dev === null || oif === null || x.dev === oif));
      if (fits) best = r.dstLen;
    }
    if (best < 0) continue;
    const prefix = (dst & inetMakeMask(best)) >>> 0;
    for (const r of routes) {
      if (r.dst !== prefix || r.dstLen !== best) continue;
      // A reject route is an error, which an output lookup bound to a device (oif) ignores:
      // "assume the destination is on link" (ip_route_output_key_hash_rcu).
      if (r.type === RTN_BLACKHOLE || r.type === RTN_UNREACHABLE || r.type === RTN_PROHIBIT) {
        if (oif !== null) return { type: RTN_UNICAST, dev: oif, gateway: 0, prefsrc: devAddr.get(oif)! } as IpRouteGetResult;
        return r.type === RTN_BLACKHOLE ? -EINVAL : r.type === RTN_UNREACHABLE ? -EHOSTUNREACH : -EACCES;
      }
      if (oif !== null && r.dev !== oif) continue;
      if (r.type === RTN_LOCAL) {
        return { type: RTN_LOCAL, dev: "lo", gateway: 0, prefsrc: r.prefsrc || dst } as IpRouteGetResult;
      }
      return { type: r.type, dev: r.dev!, gateway: r.gateway, prefsrc: r.prefsrc || devAddr.get(r.dev!)! } as IpRouteGetResult;
    }
  }
  if (oif !== null) return { type: RTN_UNICAST, dev: oif, gateway: 0, prefsrc: devAddr.get(oif)! } as IpRouteGetResult;
  return -ENETUNREACH;
  void net;
}

describe("FIB: ip route get agrees with a linear scan over random tables", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 1500 routes, 4000 lookups with and without oif`, () => {
      const { net } = host();
      const rnd = new Prng(seed * 7919);
      const devs = ["eth0", "eth1"];
      const gws = [ip("10.1.0.254"), ip("10.1.3.3"), ip("10.2.0.254"), ip("10.2.9.9")];
      const types = [RTN_UNICAST, RTN_UNICAST, RTN_UNICAST, RTN_UNICAST, RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT];
      let added = 0;
      const prefixes: [number, number][] = [];
      for (let i = 0; i < 1500; i++) {
        // Nested prefixes: half the time, a longer prefix inside an existing one.
        let plen: number;
        let dst: number;
        const parent = prefixes.length > 0 && rnd.below(2) === 0 ? prefixes[rnd.below(prefixes.length)]! : null;
        if (parent !== null && parent[1] < 32) {
          plen = parent[1] + 1 + rnd.below(32 - parent[1]);
          dst = ((parent[0] | (rnd.u32() & ~inetMakeMask(parent[1]))) & inetMakeMask(plen)) >>> 0;
        } else {
          plen = rnd.below(33);
          dst = (rnd.u32() & inetMakeMask(plen)) >>> 0;
        }
        if (dst >>> 24 === 127 || dst >>> 24 === 10 || dst >>> 28 >= 14) continue;
        const type = types[rnd.below(types.length)]!;
        const metric = rnd.below(3) * 10;
        const args: IpRouteArgs = { dst, dstLen: plen, type, metric };
        if (type === RTN_UNICAST) {
          if (rnd.below(2) === 0) args.dev = devs[rnd.below(2)]!;
          else args.via = gws[rnd.below(gws.length)]!;
        }
        try {
          ipRouteAdd(net, ROOT_CRED, args);
          added++;
          prefixes.push([dst, plen]);
        } catch (e) {
          expect((e as { errno: number }).errno).toBe(EEXIST);
        }
      }
      expect(added).toBeGreaterThan(1000);
      const tables = [ipRouteDump(net, { table: RT_TABLE_LOCAL }), ipRouteDump(net, { table: RT_TABLE_MAIN })];
      const devAddr = new Map([["eth0", ip("10.1.0.1")], ["eth1", ip("10.2.0.1")]]);
      let checked = 0;
      for (let i = 0; i < 4000; i++) {
        let dst: number;
        if (rnd.below(4) !== 0 && prefixes.length > 0) {
          const [p, l] = prefixes[rnd.below(prefixes.length)]!;
          dst = (p | (rnd.u32() & ~inetMakeMask(l))) >>> 0;
        } else {
          dst = rnd.u32();
        }
        if (dst >>> 28 >= 14 || dst === 0 || dst >>> 24 === 0 || dst >>> 24 === 127) continue;
        const oif = rnd.below(3) === 0 ? devs[rnd.below(2)]! : null;
        const want = oracle(net, tables, dst, oif, devAddr);
        let got: IpRouteGetResult | number;
        try {
          got = ipRouteGet(net, ROOT_CRED, { dst, ...(oif === null ? {} : { oif }) });
        } catch (e) {
          got = -(e as { errno: number }).errno;
        }
        const where = `${ipv4ToString(dst)} oif ${oif}`;
        if (typeof want === "number") {
          expect(got, where).toBe(want);
        } else {
          expect(typeof got, where).toBe("object");
          const g = got as IpRouteGetResult;
          expect({ type: g.type, dev: g.dev, gateway: g.gateway, prefsrc: g.prefsrc }, where).toEqual({
            type: want.type, dev: want.dev, gateway: want.gateway, prefsrc: want.prefsrc,
          });
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(3000);
      // Deleting everything we added leaves only the kernel's routes.
      for (const r of ipRouteDump(net).filter((x) => x.protocol === RTPROT_BOOT)) {
        ipRouteDel(net, ROOT_CRED, { dst: r.dst, dstLen: r.dstLen, metric: r.priority, type: r.type });
      }
      expect(ipRouteDump(net).length).toBe(2);
    });
  }
});
