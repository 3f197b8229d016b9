import { describe, expect, it } from "vitest";
import { testShell } from "../test-helpers.js";
import { RealtimeClock } from "./clock.js";

describe("jobs", () => {
  it("list, wait for and kill background jobs", async () => {
    const t = testShell();
    await t.ok("sleep 10 &", "sleep 20 &");
    expect(await t.ok("jobs")).toBe("[1]-  Running                 sleep 10 &\n[2]+  Running                 sleep 20 &\n");
    await t.ok("wait %1");
    expect(t.kernel.nowMs).toBe(10_000);
    expect(await t.ok("jobs")).toBe("[2]+  Running                 sleep 20 &\n");
    expect(await t.run("kill %2")).toEqual({ status: 0, out: "", err: "" });
    expect(await t.ok("jobs")).toBe("");
    expect(await t.run("kill %7")).toEqual({ status: 1, out: "", err: "vnet: kill: %7: no such job\n" });
    expect(await t.run("kill 12")).toEqual({ status: 1, out: "", err: "vnet: kill: (12) - No such process\n" });
    expect(await t.run("kill -HUP %1")).toMatchObject({ status: 1, err: "vnet: kill: HUP: invalid signal specification\n" });
    expect((await t.run("kill")).status).toBe(2);
    expect(await t.run("wait %3")).toEqual({ status: 127, out: "", err: "vnet: wait: %3: no such job\n" });
  });

  it("sleep moves kernel time; bad intervals are refused", async () => {
    const t = testShell();
    await t.ok("sleep 1.5", "sleep 1m");
    expect(t.kernel.nowMs).toBe(61_500);
    expect(await t.run("sleep x")).toEqual({ status: 1, out: "", err: "sleep: invalid time interval 'x'\nTry 'sleep --help' for more information.\n" });
    expect((await t.run("sleep")).status).toBe(1);
  });

  it("report finished jobs before the next line when interactive", async () => {
    const t = testShell({ interactive: true });
    expect((await t.run("sleep 5 &")).out).toBe("[1] 4242\n");
    await t.ok("sleep 6");
    expect((await t.run("true")).out).toBe("[1]+  Done                    sleep 5\n");
  });

  it("real time: kernel time follows the wall clock", async () => {
    const t = testShell({ clock: new RealtimeClock() });
    const t0 = Date.now();
    await t.ok("sleep 0.2");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(t.kernel.nowMs).toBeGreaterThanOrEqual(200);
  });
});
