import { describe, expect, it } from "vitest";
import {
  ARPHRD_PPP, CAP_NET_ADMIN, EFAULT, EINVAL, ENODEV, EOPNOTSUPP, EPERM, KernelError, ROOT_CRED, SIOCDEVPRIVATE, devIoctl,
  userCred, type Cred, type Net,
} from "@vnet/core";
import {
  INSANE_TIME, SIOCINSANEGETINFO, SIOCINSANESETINFO, insanelyGet, insanelySet, type InsaneConfig,
  type InsaneUserinfo,
} from "./index.js";
import { boot, sink } from "./test-helpers.js";

function errnoOf(fn: () => void): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return 0;
}

function set(net: Net, cfg: InsaneConfig, cred: Cred = ROOT_CRED): number {
  return errnoOf(() => insanelySet(net, cred, "insane", cfg));
}

describe("SIOCINSANESETINFO / SIOCINSANEGETINFO", () => {
  it("SET needs CAP_NET_ADMIN (EPERM), GET does not", () => {
    const { net } = boot();
    expect(set(net, { slave: "eth0", mode: "pass" }, userCred(1000))).toBe(EPERM);
    // Raw ioctl by an unprivileged caller, with nothing else to go on.
    expect(errnoOf(() => devIoctl(net, userCred(1000), SIOCINSANESETINFO, { name: "insane", data: { name: "eth0", mode: 0, arg1: 0, arg2: 0 } }))).toBe(EPERM);
    expect(set(net, { slave: "eth0", mode: "pass" }, userCred(1000, [CAP_NET_ADMIN]))).toBe(0);
    expect(insanelyGet(net, userCred(1000), "insane").slave).toBe("eth0");
  });

  it("GET returns the configuration, with an empty slave name when there is none", () => {
    const { net } = boot();
    expect(insanelyGet(net, ROOT_CRED, "insane")).toMatchObject({ slave: "", mode: "pass", arg1: 0, arg2: 0 });
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "time", arg1: 50, arg2: 100 });
    const raw: InsaneUserinfo = { name: "?", mode: -1, arg1: -1, arg2: -1 };
    devIoctl(net, userCred(), SIOCINSANEGETINFO, { name: "insane", data: raw });
    expect(raw).toMatchObject({ name: "eth0", mode: INSANE_TIME, arg1: 50, arg2: 100 });
    expect(insanelyGet(net, ROOT_CRED, "insane")).toMatchObject({ slave: "eth0", mode: "time", arg1: 50, arg2: 100 });
  });

  it("refuses an unknown slave (ENODEV) and one that is not Ethernet or loopback (EINVAL)", () => {
    const { net } = boot();
    sink(net, "ppp0", { type: ARPHRD_PPP });
    expect(set(net, { slave: "eth9", mode: "pass" })).toBe(ENODEV);
    expect(set(net, { slave: "", mode: "pass" })).toBe(ENODEV);
    expect(set(net, { slave: "ppp0", mode: "pass" })).toBe(EINVAL);
    expect(set(net, { slave: "lo", mode: "pass" })).toBe(0);
  });

  it("refuses to relay to itself or round a chain of insane devices (EINVAL)", () => {
    const { k, net } = boot();
    expect(set(net, { slave: "insane", mode: "pass" })).toBe(EINVAL);
    const req = { net, data: {}, cred: ROOT_CRED };
    k.linkKinds.get("insane")!.newlink({ ...req, name: "insane1" });
    insanelySet(net, ROOT_CRED, "insane1", { slave: "insane", mode: "pass" });
    expect(set(net, { slave: "insane1", mode: "pass" })).toBe(EINVAL);
  });

  it("answers EOPNOTSUPP to the other private commands", () => {
    const { net } = boot();
    for (const cmd of [SIOCDEVPRIVATE + 2, SIOCDEVPRIVATE + 15]) {
      expect(errnoOf(() => devIoctl(net, ROOT_CRED, cmd, { name: "insane", data: {}, cred: ROOT_CRED }))).toBe(EOPNOTSUPP);
    }
  });

  it("refuses time 0 0, percentages outside 0..100, unknown modes and bad impairments (EINVAL), changing nothing", () => {
    const { net } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "percent", arg1: 80 });
    sink(net, "eth1", { last: 0x11 });
    const before = insanelyGet(net, ROOT_CRED, "insane");
    const bad: InsaneConfig[] = [
      { slave: "eth1", mode: "time", arg1: 0, arg2: 0 },
      { slave: "eth1", mode: "time", arg1: -1, arg2: 5 },
      { slave: "eth1", mode: "percent", arg1: 101 },
      { slave: "eth1", mode: "percent", arg1: -1 },
      { slave: "eth1", mode: "bogus" as "pass" },
      { slave: "eth1", mode: "pass", netem: { duplicate: 150 } },
      { slave: "eth1", mode: "pass", netem: { reorder: 25 } },
      { slave: "eth1", mode: "pass", netem: { limit: 0 } },
      { slave: "eth1", mode: "pass", netem: { latencyNs: -5 } },
    ];
    for (const cfg of bad) expect(set(net, cfg), JSON.stringify(cfg)).toBe(EINVAL);
    for (const mode of [7, -1, 3]) {
      const data = { name: "eth1", mode, arg1: 0, arg2: 0 };
      expect(errnoOf(() => devIoctl(net, ROOT_CRED, SIOCINSANESETINFO, { name: "insane", data, cred: ROOT_CRED }))).toBe(EINVAL);
    }
    expect(set(net, { slave: "eth9", mode: "pass" })).toBe(ENODEV);
    expect(insanelyGet(net, ROOT_CRED, "insane")).toEqual(before);
    expect(before).toMatchObject({ slave: "eth0", mode: "percent", arg1: 80 });
    expect(net.devices.get("eth1")!.refcnt).toBe(1);
  });

  it("answers EFAULT when ifr.data is not a structure", () => {
    const { net } = boot();
    for (const data of [undefined, 42, { name: 5 }, { name: "eth0", mode: "x", arg1: 0, arg2: 0 }]) {
      expect(errnoOf(() => devIoctl(net, ROOT_CRED, SIOCINSANESETINFO, { name: "insane", data, cred: ROOT_CRED }))).toBe(EFAULT);
    }
  });

  it("cuts the slave name to INSANE_NAMELEN - 1 characters, as strncpy did", () => {
    const { net } = boot();
    sink(net, "abcdefghijklmno", { last: 0x12 });
    expect(set(net, { slave: "abcdefghijklmnopqrst", mode: "pass" })).toBe(0);
    expect(insanelyGet(net, ROOT_CRED, "insane").slave).toBe("abcdefghijklmno");
  });

  it("moves its reference when the slave changes", () => {
    const { net, eth0 } = boot();
    const eth1 = sink(net, "eth1", { last: 0x11 });
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "percent", arg1: 10 });
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    expect(eth0.refcnt).toBe(2);
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth1", mode: "pass" });
    expect(eth0.refcnt).toBe(1);
    expect(eth1.refcnt).toBe(2);
  });
});
