import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  KernelError, Kernel, NOTIFY_DONE, ROOT_CRED, definePlugin, devClose, devGetByName, devOpen, registerNetdev, allocNetdev,
  CORE_VERSION, etherSetup, satisfies, unregisterNetdevMany, userCred, type NetdevNotifierBlock,
} from "../index.js";
import { errnoCode } from "../testing/errno.js";


const ctx = (k: Kernel) => ({ net: k.initNet, cred: ROOT_CRED });

const demo = definePlugin({
  name: "demo",
  version: "1.0.0",
  coreRange: ">=0.1.0 <1.0.0",
  params: {
    count: { type: "int", default: 2, perm: 0o444, description: "devices" },
    debug: { type: "bool", perm: 0o644 },
    label: { type: "charp", default: "x", perm: 0 },
  },
  setup(c) {
    const devs = Array.from({ length: c.params.count }, () => {
      const d = allocNetdev(c.kernel.initNet, "demo%d", etherSetup, null);
      d.owner = c.module;
      registerNetdev(d);
      return d;
    });
    const nb: NetdevNotifierBlock = { notifierCall: () => NOTIFY_DONE };
    c.registerNetdeviceNotifier(nb);
    c.registerCommand({ name: "democtl", run: (_argv, io) => (io.out("hi\n"), 0) });
    return () => {
      unregisterNetdevMany(devs.filter((d) => d.regState === 1));
    };
  },
});

describe("modules", () => {
  it("loads with typed parameters, exposes them in sysfs, and unloads everything", () => {
    const k = new Kernel();
    const chain = k.netdevChain.length;
    const mod = k.insmod(demo, { count: "3", debug: "Y" });
    expect(mod.params.get("count")).toBe(3);
    expect(devGetByName(k.initNet, "demo2")).not.toBeNull();
    expect(k.vfs.read("/sys/module/demo/parameters/count", ctx(k))).toBe("3\n");
    expect(k.vfs.read("/sys/module/demo/parameters/debug", ctx(k))).toBe("Y\n");
    expect(k.vfs.exists("/sys/module/demo/parameters/label", ctx(k))).toBe(false);
    expect(k.commands.has("democtl")).toBe(true);
    expect(k.netdevChain.length).toBe(chain + 1);
    k.rmmod("demo");
    expect(devGetByName(k.initNet, "demo0")).toBeNull();
    expect(k.commands.has("democtl")).toBe(false);
    expect(k.netdevChain.length).toBe(chain);
    expect(k.vfs.exists("/sys/module/demo", ctx(k))).toBe(false);
  });

  it("refuses removal while a device it owns is up (EBUSY), allows it after close", () => {
    const k = new Kernel();
    k.insmod(demo);
    const d = devGetByName(k.initNet, "demo0")!;
    devOpen(d);
    expect(k.modules.get("demo")!.refcnt).toBe(1);
    expect(errnoCode(() => k.rmmod("demo"))).toBe("EBUSY");
    devClose(d);
    k.rmmod("demo");
    expect(k.modules.has("demo")).toBe(false);
  });

  it("checks privileges, duplicates, parameters, versions and dependencies", () => {
    const k = new Kernel();
    expect(errnoCode(() => k.insmod(demo, {}, userCred()))).toBe("EPERM");
    expect(errnoCode(() => k.insmod(demo, { count: "two" }))).toBe("EINVAL");
    expect(errnoCode(() => k.insmod(demo, { nosuch: 1 }))).toBe("ENOENT");
    expect(k.log.some((l) => l.includes("Unknown parameter `nosuch'"))).toBe(true);
    expect(devGetByName(k.initNet, "demo0")).toBeNull();
    k.insmod(demo);
    expect(errnoCode(() => k.insmod(demo))).toBe("EEXIST");
    const future = definePlugin({ name: "future", version: "1.0.0", coreRange: "^2.0.0", setup() {} });
    expect(errnoCode(() => k.insmod(future))).toBe("EINVAL");
    const needs = definePlugin({ name: "needs", version: "1.0.0", dependencies: ["other"], setup() {} });
    expect(errnoCode(() => k.insmod(needs))).toBe("ENOENT");
    const dependant = definePlugin({ name: "dependant", version: "1.0.0", dependencies: ["demo"], setup() {} });
    k.insmod(dependant);
    expect(errnoCode(() => k.rmmod("demo"))).toBe("EBUSY");
    k.rmmod("dependant");
    k.rmmod("demo");
    expect(errnoCode(() => k.rmmod("demo"))).toBe("ENOENT");
  });

  it("undoes what a failing setup registered", () => {
    const k = new Kernel();
    const chain = k.netdevChain.length;
    const bad = definePlugin({
      name: "bad",
      version: "1.0.0",
      setup(c) {
        c.registerCommand({ name: "badctl", run: () => 0 });
        c.registerNetdeviceNotifier({ notifierCall: () => NOTIFY_DONE });
        throw new KernelError(22, "bad: init failed");
      },
    });
    expect(errnoCode(() => k.insmod(bad))).toBe("EINVAL");
    expect(k.commands.has("badctl")).toBe(false);
    expect(k.netdevChain.length).toBe(chain);
    expect(k.modules.has("bad")).toBe(false);
  });

  it("validates plugin objects and version ranges", () => {
    expect(() => definePlugin({ name: "bad name", version: "1", setup() {} })).toThrow(TypeError);
    expect(satisfies("0.1.3", "^0.1.0")).toBe(true);
    expect(satisfies("0.2.0", "^0.1.0")).toBe(false);
    expect(satisfies("1.4.0", "^1.2.0")).toBe(true);
    expect(satisfies("2.0.0", "^1.2.0")).toBe(false);
    expect(satisfies("1.2.9", "~1.2.0")).toBe(true);
    expect(satisfies("0.1.0", ">=0.1.0 || ^2.0.0")).toBe(true);
    expect(satisfies("3.0.0", "*")).toBe(true);
    expect(satisfies("0.4.2", ">=0.1.0 <1.0.0")).toBe(true);
    expect(satisfies("1.0.0", ">=0.1.0 <1.0.0")).toBe(false);
    expect(satisfies("0.0.9", ">=0.1.0 <1.0.0")).toBe(false);
  });
});

describe("CORE_VERSION", () => {
  it("is the version in @vnet/core's package.json (plugins check coreRange against it)", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(CORE_VERSION).toBe(pkg.version);
  });
});
