import { describe, expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

describe("sysctl", () => {
  it("reads by dotted name or path, -n for the value, a directory for its tree", async () => {
    const t = testShell();
    expect(await t.ok("sysctl net.core.netdev_budget")).toBe("net.core.netdev_budget = 300\n");
    expect(await t.ok("sysctl net/core/netdev_max_backlog")).toBe("net.core.netdev_max_backlog = 1000\n");
    expect(await t.ok("sysctl -n net.core.dev_weight")).toBe("64\n");
    expect(await t.ok("sysctl -N net.core.dev_weight")).toBe("net.core.dev_weight\n");
    expect(await t.ok("sysctl net.core")).toContain("net.core.dev_weight = 64\nnet.core.netdev_budget = 300\n");
    expect(await t.ok("sysctl -a")).toMatch(/^net\.core\.dev_weight = 64$/m);
  });

  it("writes with -w or NAME=VALUE", async () => {
    const t = testShell();
    expect(await t.ok("sysctl -w net.core.netdev_budget=200")).toBe("net.core.netdev_budget = 200\n");
    expect(await t.ok("sysctl net.core.netdev_budget=100", "sysctl -q -w net.core.dev_weight=32", "sysctl -n net.core.netdev_budget net.core.dev_weight")).toBe(
      "net.core.netdev_budget = 100\n100\n32\n",
    );
    expect(t.kernel.netdevBudget).toBe(100);
  });

  it("prints procps' errors", async () => {
    const t = testShell();
    expect(await t.run("sysctl net.foo")).toEqual({ status: 1, out: "", err: "sysctl: cannot stat /proc/sys/net/foo: No such file or directory\n" });
    expect(await t.run("sysctl -e net.foo")).toEqual({ status: 0, out: "", err: "" });
    expect(await t.run("sysctl -w net.core.netdev_budget=abc")).toEqual({ status: 1, out: "", err: 'sysctl: setting key "net.core.netdev_budget": Invalid argument\n' });
    expect(await t.run("sysctl -w net.core.netdev_budget")).toMatchObject({ status: 1, err: "sysctl: command line(0): invalid syntax, continuing...\n" });
    expect(await t.run("sysctl -x")).toEqual({ status: 1, out: "", err: "sysctl: no variables specified\nTry `sysctl --help' for more information.\n" });
    expect((await t.run("sysctl")).status).toBe(1);
    expect((await t.run("sysctl -z")).err).toMatch(/^sysctl: invalid option -- 'z'/);
    expect((await t.run("sysctl --bogus")).status).toBe(1);
  });

  it("needs privileges to write", async () => {
    const t = testShell();
    await t.ok("su alice");
    expect(await t.ok("sysctl net.core.netdev_budget")).toBe("net.core.netdev_budget = 300\n");
    expect(await t.run("sysctl -w net.core.netdev_budget=1")).toEqual({ status: 1, out: "", err: 'sysctl: permission denied on key "net.core.netdev_budget"\n' });
  });
});
