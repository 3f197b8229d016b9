import { describe, expect, it } from "vitest";
import { definePlugin } from "@vnet/core";
import { testShell } from "../../test-helpers.js";
import { moduleRegistry, bundledModules } from "./registry.js";

describe("insmod, rmmod, lsmod, modinfo", () => {
  it("loads bundled modules by name or file name, with parameters", async () => {
    const t = testShell();
    await t.ok("insmod snull.ko pool_size=4 use_napi=1 rx_lifo");
    expect(await t.ok("cat /sys/module/snull/parameters/pool_size", "cat /sys/module/snull/parameters/rx_lifo")).toBe("4\nY\n");
    expect(await t.ok("ip -br link")).toMatch(/^sn0 /m);
    await t.ok("insmod ./drivers/etun.ko");
    expect(await t.ok("lsmod")).toBe("Module                  Size  Used by\netun                   20480  0\nsnull                  24576  0\n");
  });

  it("prints kmod's messages and exits 1", async () => {
    const t = testShell();
    expect(await t.run("insmod")).toEqual({ status: 1, out: "", err: "insmod: ERROR: missing filename.\n" });
    expect(await t.run("insmod nosuch")).toEqual({ status: 1, out: "", err: "insmod: ERROR: could not load module nosuch: No such file or directory\n" });
    expect(await t.run("insmod snull pool_size=abc")).toEqual({ status: 1, out: "", err: "insmod: ERROR: could not insert module snull: Invalid parameters\n" });
    expect(await t.run("insmod snull pool_size=0")).toMatchObject({ status: 1, err: "insmod: ERROR: could not insert module snull: Invalid parameters\n" });
    expect(await t.run("insmod snull bogus=1")).toMatchObject({ status: 1, err: "insmod: ERROR: could not insert module snull: Unknown symbol in module\n" });
    expect(await t.ok("dmesg")).toContain("snull: Unknown parameter `bogus'");
    await t.ok("insmod snull");
    expect(await t.run("insmod snull")).toMatchObject({ status: 1, err: "insmod: ERROR: could not insert module snull: File exists\n" });
    expect(await t.run("rmmod")).toEqual({ status: 1, out: "", err: "rmmod: ERROR: missing module name.\n" });
    expect(await t.run("rmmod etun")).toEqual({ status: 1, out: "", err: "rmmod: ERROR: Module etun is not currently loaded\n" });
  });

  it("refuses to unload a module in use", async () => {
    const t = testShell();
    await t.ok("insmod snull", "ip link set sn0 up");
    expect(await t.ok("lsmod")).toBe("Module                  Size  Used by\nsnull                  24576  1\n");
    expect(await t.run("rmmod snull")).toEqual({ status: 1, out: "", err: "rmmod: ERROR: Module snull is in use\n" });
    await t.ok("ip link set sn0 down", "rmmod snull");
    expect(await t.ok("lsmod", "ip -br link")).not.toContain("sn0");
  });

  it("names the holders of a module others depend on", async () => {
    const base = definePlugin({ name: "base", version: "1.0.0", setup() {} });
    const user = definePlugin({ name: "user", version: "1.0.0", dependencies: ["base"], setup() {} });
    const t = testShell({ modules: moduleRegistry([base, user]) });
    expect((await t.run("insmod user")).err).toBe("insmod: ERROR: could not insert module user: Unknown symbol in module\n");
    await t.ok("insmod base", "insmod user");
    expect(await t.ok("lsmod")).toBe("Module                  Size  Used by\nuser                   16384  0\nbase                   16384  1 user\n");
    expect(await t.run("rmmod base")).toMatchObject({ status: 1, err: "rmmod: ERROR: Module base is in use by: user\n" });
    await t.ok("rmmod user base");
  });

  it("needs CAP_SYS_MODULE", async () => {
    const t = testShell();
    await t.ok("insmod etun", "su alice");
    expect(await t.run("insmod snull")).toEqual({ status: 1, out: "", err: "insmod: ERROR: could not insert module snull: Operation not permitted\n" });
    expect(await t.run("rmmod etun")).toEqual({ status: 1, out: "", err: "rmmod: ERROR: could not remove module etun: Operation not permitted\n" });
    expect(await t.ok("lsmod")).toContain("etun");
  });

  it("modinfo describes a module and its parameters", async () => {
    const t = testShell();
    const out = await t.ok("modinfo snull");
    expect(out).toMatch(/^filename: {7}\/lib\/modules\/vnet-0\.1\.0\/kernel\/drivers\/net\/snull\.ko\n/);
    expect(out).toContain("license:        Dual BSD/GPL\n");
    expect(out).toContain("name:           snull\n");
    expect(out).toContain("parm:           pool_size:Transmit buffers per device (1..4096) (int)\n");
    expect(await t.run("modinfo nope")).toEqual({ status: 1, out: "", err: "modinfo: ERROR: Module nope not found.\n" });
    expect(await t.run("modinfo")).toEqual({ status: 1, out: "", err: "modinfo: ERROR: missing module or filename.\n" });
  });

  it("bundles etun, insane, snull and vxlan; insane brings its insanely command, rmmod takes it away", async () => {
    expect(bundledModules.names()).toEqual(["etun", "insane", "snull", "vxlan"]);
    const t = testShell();
    await t.ok("insmod insane");
    expect(await t.ok("insanely")).toContain("mode:");
    expect(await t.ok("help insanely")).toMatch(/^insanely +\S/);
    await t.ok("rmmod insane");
    expect((await t.run("insanely")).status).toBe(127);
  });
});
