import { describe, expect, it } from "vitest";
import { CAP_NET_ADMIN, Kernel, ROOT_CRED, userCred } from "@vnet/core";
import insane, { INSANELY_USAGE, insanely, insanelyGet } from "./index.js";
import { boot, sink, toolIo } from "./test-helpers.js";

const run = (io: ReturnType<typeof toolIo>, ...args: string[]): number => io.kernel.commands.get("insanely")!.run(["insanely", ...args], io);

describe("insanely", () => {
  it("is registered by the module and goes with it", () => {
    const k = new Kernel();
    expect(k.commands.has("insanely")).toBe(false);
    k.insmod(insane);
    expect(k.commands.get("insanely")?.usage).toBe(INSANELY_USAGE);
    k.rmmod("insane");
    expect(k.commands.has("insanely")).toBe(false);
  });

  it("sets pass, percent and time as in the article", () => {
    const { k, net } = boot();
    const io = toolIo(k);
    expect(run(io, "eth0", "pass")).toBe(0);
    expect(insanelyGet(net, ROOT_CRED, "insane")).toMatchObject({ slave: "eth0", mode: "pass", arg1: 0, arg2: 0 });
    expect(run(io, "eth0", "percent", "80")).toBe(0);
    expect(insanelyGet(net, ROOT_CRED, "insane")).toMatchObject({ mode: "percent", arg1: 80 });
    expect(run(io, "eth0", "percent", "010")).toBe(0);
    expect(insanelyGet(net, ROOT_CRED, "insane")).toMatchObject({ mode: "percent", arg1: 8 });
    expect(run(io, "eth0", "TIME", "50", "0x64")).toBe(0);
    expect(insanelyGet(net, ROOT_CRED, "insane")).toMatchObject({ mode: "time", arg1: 50, arg2: 100 });
    expect(io.stdout + io.stderr).toBe("");
  });

  it("prints slave, mode and arguments when given none", () => {
    const { k } = boot();
    const io = toolIo(k, userCred());
    expect(run(io)).toBe(0);
    expect(io.stdout).toBe("slave:     \nmode:      pass\narguments: 0 0\n");
    run(toolIo(k), "eth0", "percent", "60");
    const io2 = toolIo(k, userCred());
    expect(run(io2)).toBe(0);
    expect(io2.stdout).toBe("slave:     eth0\nmode:      percent\narguments: 60 0\n");
  });

  it("without the module, says so and hints at loading it", () => {
    const k = new Kernel();
    const io = toolIo(k);
    expect(insanely(["insanely", "eth0", "pass"], io)).toBe(1);
    expect(io.stderr).toBe("insanely: insane: No such device (did you load the module?)\n");
    const io2 = toolIo(k);
    expect(insanely(["insanely"], io2)).toBe(1);
    expect(io2.stderr).toBe("insanely: insane: No such device (did you load the module?)\n");
  });

  it("reports ioctl failures with the C tool's words and exits 1", () => {
    const { k, net } = boot();
    const user = toolIo(k, userCred());
    expect(run(user, "eth0", "pass")).toBe(1);
    expect(user.stderr).toBe("insanely: ioctl(INSANESETINFO): Operation not permitted\n");
    const root = toolIo(k);
    expect(run(root, "eth7", "pass")).toBe(1);
    expect(run(root, "eth0", "percent", "150")).toBe(1);
    expect(run(root, "eth0", "time", "0", "0")).toBe(1);
    expect(root.stderr).toBe(
      "insanely: ioctl(INSANESETINFO): No such device\n" +
        "insanely: ioctl(INSANESETINFO): Invalid argument\n" +
        "insanely: ioctl(INSANESETINFO): Invalid argument\n",
    );
    expect(run(toolIo(k, userCred(1000, [CAP_NET_ADMIN])), "eth0", "pass")).toBe(0);
    sink(net, "notinsane", { last: 0x30 });
    const other = toolIo(k);
    expect(run(other, "-i", "notinsane")).toBe(1);
    expect(other.stderr).toBe("insanely: ioctl(INSANEGETINFO): Operation not supported\n");
  });

  it("rejects bad usage with a message and the usage line, exit 1", () => {
    const { k, net } = boot();
    const cases: [string[], string][] = [
      [["eth0"], "Wrong number of arguments"],
      [["eth0", "percent"], "Wrong number of arguments"],
      [["eth0", "time", "5"], "Wrong number of arguments"],
      [["eth0", "pass", "5"], "Wrong number of arguments"],
      [["eth0", "percent", "8o"], 'Wrong value "8o"'],
      [["eth0", "percent", "-5"], 'Wrong value "-5"'],
      [["eth0", "percent", "08"], 'Wrong value "08"'],
      [["eth0", "percent", " "], 'Wrong value " "'],
      [["eth0", "time", "5", "x"], 'Wrong value "x"'],
      [["eth0", "sometimes"], 'Wrong mode "sometimes"'],
      [["eth0", "pass", "delay", "soon"], 'Wrong value "soon"'],
      [["eth0", "pass", "loss", "random", "5"], 'Wrong value "random"'],
      [["eth0", "pass", "jump", "3"], 'Wrong option "jump"'],
      [["-i"], "option requires an argument -- 'i'"],
    ];
    for (const [args, message] of cases) {
      const io = toolIo(k);
      expect(run(io, ...args), args.join(" ")).toBe(1);
      expect(io.stderr).toBe(`insanely: ${message}\n${INSANELY_USAGE}\n`);
      expect(io.stdout).toBe("");
    }
    expect(insanelyGet(net, ROOT_CRED, "insane").slave).toBe("");
  });

  it("takes netem options in tc's syntax and shows them", () => {
    const { k, net } = boot();
    const io = toolIo(k);
    const args = "eth0 pass delay 100ms 10ms loss gemodel 1% 10% 70 0.1% duplicate 1 corrupt 0.1% reorder 25% gap 2 rate 1mbit limit 50 seed 7";
    expect(run(io, ...args.split(" "))).toBe(0);
    expect(io.stderr).toBe("");
    expect(insanelyGet(net, ROOT_CRED, "insane").netem).toEqual({
      latencyNs: 100e6, jitterNs: 10e6, lossP: 1, lossR: 10, loss1H: 70, loss1K: 0.1, duplicate: 1, corrupt: 0.1,
      reorder: 25, gap: 2, rateBps: 1e6, limit: 50, seed: 7,
    });
    const show = toolIo(k);
    expect(run(show)).toBe(0);
    expect(show.stdout).toBe(
      "slave:     eth0\nmode:      pass\narguments: 0 0\n" +
        "netem:     limit 50 delay 100ms 10ms loss gemodel p 1% r 10% 1-h 70% 1-k 0.1% duplicate 1% reorder 25% gap 2 corrupt 0.1% rate 1Mbit seed 7\n",
    );
    // A new SET replaces everything: no options, no impairments.
    expect(run(toolIo(k), "eth0", "pass")).toBe(0);
    const plain = toolIo(k);
    run(plain);
    expect(plain.stdout).not.toContain("netem");
    // tc's rule: no reordering without a delay.
    const noDelay = toolIo(k);
    expect(run(noDelay, "eth0", "pass", "reorder", "5")).toBe(1);
    expect(noDelay.stderr).toBe("insanely: ioctl(INSANESETINFO): Invalid argument\n");
  });

  it("configures another instance with -i", () => {
    const { k, net } = boot();
    k.linkKinds.get("insane")!.newlink({ net, name: "insane1", data: {}, cred: ROOT_CRED });
    sink(net, "eth1", { last: 0x11 });
    expect(run(toolIo(k), "-i", "insane1", "eth1", "percent", "10")).toBe(0);
    expect(insanelyGet(net, ROOT_CRED, "insane1")).toMatchObject({ slave: "eth1", mode: "percent", arg1: 10 });
    expect(insanelyGet(net, ROOT_CRED, "insane").slave).toBe("");
    const io = toolIo(k);
    expect(run(io, "-i", "insane9")).toBe(1);
    expect(io.stderr).toBe("insanely: insane9: No such device (did you load the module?)\n");
  });
});
