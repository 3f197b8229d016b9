import { describe, expect, it } from "vitest";
import {
  EBUSY, EINVAL, ENOSPC, EOPNOTSUPP, IFF_NOARP, NETDEV_REGISTER, NETDEV_UNREGISTER, notifierFromErrno, IFF_UP, Kernel, KernelError, NETIF_F_HW_CSUM, ROOT_CRED, devClose, devOpen,
  devSetMtu, devIoctl, SIOCDEVPRIVATE, SIOCSIFMAP,
} from "@vnet/core";
import snullDefault, { snull } from "./index.js";
import { boot, dev, sendIp, ipv4, stats } from "./test-helpers.js";

const ctx = (k: Kernel) => ({ net: k.initNet, cred: ROOT_CRED });
const names = (k: Kernel) => [...k.initNet.devices.keys()].filter((n) => n.startsWith("sn")).sort();

function errnoOfThrow(fn: () => void): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return 0;
}

describe("insmod snull", () => {
  it("exports the plugin as default and named", () => {
    expect(snullDefault).toBe(snull);
    expect(snull.name).toBe("snull");
    expect(snull.coreRange).toBe(">=0.1.0 <1.0.0");
  });

  it("creates sn0 and sn1: Ethernet, NOARP, HW_CSUM, the watchdog timeout, owned by the module", () => {
    const { k, sn0, sn1 } = boot({}, false);
    expect(names(k)).toEqual(["sn0", "sn1"]);
    for (const d of [sn0, sn1]) {
      expect(d.type).toBe(1);
      expect(d.addrLen).toBe(6);
      expect(d.hardHeaderLen).toBe(14);
      expect(d.flags & IFF_NOARP).toBe(IFF_NOARP);
      expect(d.features & NETIF_F_HW_CSUM).toBe(NETIF_F_HW_CSUM);
      expect(d.watchdogTimeo).toBe(5);
      expect(d.owner).toBe(k.modules.get("snull"));
      expect(d.napiList).toHaveLength(0);
      expect(d.priv.poolFree).toBe(8);
    }
    expect(sn0.priv.peer).toBe(sn1);
    expect(sn1.priv.peer).toBe(sn0);
  });

  it("assigns \\0SNUL0 and \\0SNUL1 at open, not before", () => {
    const { sn0, sn1 } = boot({}, false);
    expect(Array.from(sn0.address())).toEqual([0, 0, 0, 0, 0, 0]);
    devOpen(sn0);
    devOpen(sn1);
    expect(Array.from(sn0.address())).toEqual([0, 0x53, 0x4e, 0x55, 0x4c, 0x30]);
    expect(new TextDecoder().decode(sn1.address())).toBe("\0SNUL1");
  });

  it("shows its parameters under /sys/module/snull/parameters", () => {
    const { k } = boot({ lockup: 3, timeout: 7, use_napi: 1, pool_size: 4, rx_lifo: 1 }, false);
    const read = (p: string) => k.vfs.read(`/sys/module/snull/parameters/${p}`, ctx(k)).trim();
    expect([read("lockup"), read("timeout"), read("use_napi"), read("pool_size"), read("pairs"), read("rx_lifo"), read("rx_nomem")])
      .toEqual(["3", "7", "1", "4", "1", "Y", "0"]);
    expect(dev(k, "sn0").watchdogTimeo).toBe(7);
  });

  it("timeout=0 means the kernel's default of 5 seconds", () => {
    const { sn0, k } = boot({ timeout: 0 }, false);
    expect(sn0.watchdogTimeo).toBe(5 * k.hz);
  });

  it("pairs=N creates sn0..sn(2N-1), twinned two by two", () => {
    const { k } = boot({ pairs: 3 });
    expect(names(k)).toEqual(["sn0", "sn1", "sn2", "sn3", "sn4", "sn5"]);
    expect(dev(k, "sn4").priv.peer).toBe(dev(k, "sn5"));
    devOpen(dev(k, "sn4"));
    devOpen(dev(k, "sn5"));
    expect(new TextDecoder().decode(dev(k, "sn5").address())).toBe("\0SNUL5");
  });

  it.each([
    [{ pool_size: 0 }],
    [{ pool_size: -1 }],
    [{ pool_size: 5000 }],
    [{ lockup: -2 }],
    [{ timeout: -1 }],
    [{ use_napi: 2 }],
    [{ pairs: 0 }],
    [{ pairs: 65 }],
    [{ rx_nomem: -1 }],
    [{ pool_size: "many" }],
  ])("refuses %j with EINVAL and leaves nothing behind", (params) => {
    const k = new Kernel();
    expect(errnoOfThrow(() => k.insmod(snull, params))).toBe(EINVAL);
    expect(k.modules.has("snull")).toBe(false);
    expect(names(k)).toEqual([]);
    expect(k.linkKinds.has("snull")).toBe(false);
    expect(k.vfs.exists("/sys/module/snull/parameters/pool_size", ctx(k))).toBe(false);
    // ...and a good insmod works afterwards.
    k.insmod(snull, {});
    expect(names(k)).toEqual(["sn0", "sn1"]);
  });

  it("undoes the devices already made when a later one cannot be registered", () => {
    const k = new Kernel();
    const unregistered: string[] = [];
    // A notifier that vetoes the third device (the first of the second pair).
    k.netdevChain.register({
      notifierCall(event, info) {
        if (event === NETDEV_UNREGISTER) unregistered.push(info.dev.name);
        return event === NETDEV_REGISTER && info.dev.name === "sn2" ? notifierFromErrno(-ENOSPC) : 0;
      },
    });
    expect(errnoOfThrow(() => k.insmod(snull, { pairs: 2 }))).toBe(ENOSPC);
    expect(names(k)).toEqual([]);
    expect(unregistered).toEqual(["sn2", "sn0", "sn1"]);
    expect(k.modules.has("snull")).toBe(false);
  });
});

describe("rmmod snull", () => {
  it("is EBUSY while a device is up, and works once both are down", () => {
    const { k, sn0, sn1 } = boot();
    expect(errnoOfThrow(() => k.rmmod("snull"))).toBe(EBUSY);
    devClose(sn0);
    expect(errnoOfThrow(() => k.rmmod("snull"))).toBe(EBUSY);
    devClose(sn1);
    k.rmmod("snull");
    expect(k.modules.has("snull")).toBe(false);
    expect(names(k)).toEqual([]);
    expect(k.linkKinds.has("snull")).toBe(false);
    expect(k.vfs.exists("/sys/module/snull", ctx(k))).toBe(false);
    expect(k.scheduler.activeTimers).toBe(0);
  });

  it("leaves no interrupt pending after traffic", () => {
    const { k, sn0, sn1 } = boot({ use_napi: 1 });
    for (let i = 0; i < 5; i++) sendIp(sn0, ipv4({ src: "192.168.0.1", dst: "192.168.0.2", id: i }));
    // Close with interrupts and queued frames still pending.
    devClose(sn1);
    devClose(sn0);
    expect(sn0.priv.poolFree).toBe(8);
    k.rmmod("snull");
    expect(k.scheduler.activeTimers).toBe(0);
    k.runFor(100);
    expect(stats(sn1).rxPackets).toBe(0);
  });

  it("can load again after unloading", () => {
    const { k, sn0, sn1 } = boot();
    devClose(sn0);
    devClose(sn1);
    k.rmmod("snull");
    k.insmod(snull, { pairs: 2 });
    expect(names(k)).toEqual(["sn0", "sn1", "sn2", "sn3"]);
  });
});

describe("configuration", () => {
  it("change_mtu accepts 68..1500 and refuses the rest with EINVAL", () => {
    const { sn0 } = boot();
    const changeMtu = sn0.ops.changeMtu!;
    expect(changeMtu(sn0, 67)).toBe(-EINVAL);
    expect(changeMtu(sn0, 1501)).toBe(-EINVAL);
    expect(sn0.mtu).toBe(1500);
    expect(changeMtu(sn0, 68)).toBe(0);
    expect(sn0.mtu).toBe(68);
    devSetMtu(sn0, 1400);
    expect(sn0.mtu).toBe(1400);
    expect(errnoOfThrow(() => devSetMtu(sn0, 2000))).toBe(EINVAL);
  });

  it("SIOCSIFMAP (set_config) is EBUSY while up; the I/O address is fixed; the IRQ may change", () => {
    const { k, sn0 } = boot();
    const setmap = (map: Record<string, number>): number =>
      errnoOfThrow(() => devIoctl(k.initNet, ROOT_CRED, SIOCSIFMAP, { name: "sn0", map }));
    expect(sn0.flags & IFF_UP).toBe(IFF_UP);
    expect(setmap({ irq: 9 })).toBe(EBUSY);
    devClose(sn0);
    expect(setmap({ irq: 9 })).toBe(0);
    expect(sn0.priv.irqLine).toBe(9);
    expect(setmap({ base_addr: 0x300 })).toBe(EOPNOTSUPP);
    expect(setmap({ base_addr: 0, irq: 9 })).toBe(0);
  });

  it("accepts private ioctls and does nothing", () => {
    const { k, sn0 } = boot();
    const before = JSON.stringify(stats(sn0));
    expect(devIoctl(k.initNet, ROOT_CRED, SIOCDEVPRIVATE, { name: "sn0", data: { anything: 1 } }).data).toEqual({ anything: 1 });
    expect(JSON.stringify(stats(sn0))).toBe(before);
  });

  it("reports its own statistics (snull_stats)", () => {
    const { k, sn0, sn1 } = boot();
    sendIp(sn0, ipv4({ src: "192.168.0.1", dst: "192.168.0.2" }));
    k.runFor(1);
    expect(stats(sn0).txPackets).toBe(1);
    expect(stats(sn1).rxPackets).toBe(1);
    expect(sn0.stats.txPackets).toBe(0); // dev->stats is not what snull uses
  });
});
