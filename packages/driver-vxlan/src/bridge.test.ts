import { describe, expect, it } from "vitest";
import { ROOT_CRED, userCred, type Cred, type Kernel } from "@vnet/core";
import { bridgeCommand } from "./index.js";
import { boot, linkAdd } from "./test-helpers.js";

function bridge(k: Kernel, line: string, cred: Cred = ROOT_CRED): { status: number; out: string; err: string } {
  let out = "";
  let err = "";
  const cmd = k.commands.get("bridge")!;
  const status = cmd.run(line.split(" "), { kernel: k, net: k.initNet, cred, out: (t) => (out += t), err: (t) => (err += t) });
  return { status, out, err };
}

describe("bridge fdb", () => {
  it("is registered by the module", () => {
    const k = boot();
    expect(k.commands.get("bridge")).toBe(bridgeCommand);
  });

  // The expected text is what iproute2 6.1's bridge printed for a Linux vxlan device configured the same way.
  it("adds, appends and shows entries as bridge 6.1 prints them", () => {
    const k = boot();
    linkAdd(k, "vx0", ["id", "42", "remote", "10.1.1.1", "dstport", "4789", "srcport", "1000", "2000", "ageing", "120", "nolearning"]);
    expect(bridge(k, "bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.1.1.2").status).toBe(0);
    expect(bridge(k, "bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.1.1.3 port 4790").status).toBe(0);
    expect(bridge(k, "bridge fdb add 02:11:22:33:44:55 dev vx0 dst 10.1.1.9 static").status).toBe(0);
    expect(bridge(k, "bridge fdb add 02:11:22:33:44:56 dev vx0 dst 10.1.1.9 dynamic").status).toBe(0);
    expect(bridge(k, "bridge fdb add 02:11:22:33:44:56 dev vx0 dst 10.1.1.9 dynamic")).toEqual({
      status: 255, out: "", err: "RTNETLINK answers: File exists\n",
    });
    expect(bridge(k, "bridge fdb show dev vx0").out).toBe(
      [
        "02:11:22:33:44:56 dst 10.1.1.9 self ",
        "02:11:22:33:44:55 dst 10.1.1.9 self static",
        "00:00:00:00:00:00 dst 10.1.1.1 self permanent",
        "00:00:00:00:00:00 dst 10.1.1.2 self permanent",
        "00:00:00:00:00:00 dst 10.1.1.3 port 4790 self permanent",
        "",
      ].join("\n"),
    );
    expect(bridge(k, "bridge fdb show").out.split("\n")[0]).toBe("02:11:22:33:44:56 dev vx0 dst 10.1.1.9 self ");
    expect(JSON.parse(bridge(k, "bridge -j fdb show dev vx0").out)).toEqual([
      { mac: "02:11:22:33:44:56", dst: "10.1.1.9", flags: ["self"], state: "" },
      { mac: "02:11:22:33:44:55", dst: "10.1.1.9", flags: ["self"], state: "static" },
      { mac: "00:00:00:00:00:00", dst: "10.1.1.1", flags: ["self"], state: "permanent" },
      { mac: "00:00:00:00:00:00", dst: "10.1.1.2", flags: ["self"], state: "permanent" },
      { mac: "00:00:00:00:00:00", dst: "10.1.1.3", port: 4790, flags: ["self"], state: "permanent" },
    ]);
  });

  it("deletes entries and single remotes, with the kernel's answers", () => {
    const k = boot();
    linkAdd(k, "vx0", ["id", "42", "remote", "10.1.1.1"]);
    bridge(k, "bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.1.1.2");
    expect(bridge(k, "bridge fdb del 02:11:22:33:44:57 dev vx0")).toEqual({ status: 255, out: "", err: "RTNETLINK answers: No such file or directory\n" });
    // An unknown remote of an existing entry is no error in Linux either.
    expect(bridge(k, "bridge fdb del 00:00:00:00:00:00 dev vx0 dst 10.1.1.7").status).toBe(0);
    expect(bridge(k, "bridge fdb del 00:00:00:00:00:00 dev vx0 dst 10.1.1.1").status).toBe(0);
    expect(bridge(k, "bridge fdb show dev vx0").out).toBe("00:00:00:00:00:00 dst 10.1.1.2 self permanent\n");
    expect(bridge(k, "bridge fdb del 00:00:00:00:00:00 dev vx0").status).toBe(0);
    expect(bridge(k, "bridge fdb show dev vx0").out).toBe("");
  });

  it("refuses what bridge and the kernel refuse", () => {
    const k = boot();
    linkAdd(k, "vx0", ["id", "42"]);
    expect(bridge(k, "bridge fdb add 02:11:22:33:44:58 dev vx0").err).toBe("RTNETLINK answers: Invalid argument\n");
    expect(bridge(k, "bridge fdb add zz dev vx0 dst 1.1.1.1").err).toBe("Invalid mac address zz\n");
    expect(bridge(k, "bridge fdb add 02:11:22:33:44:58 dev nope dst 1.1.1.1").err).toBe('Cannot find device "nope"\n');
    expect(bridge(k, "bridge fdb show dev nope")).toEqual({ status: 255, out: "", err: 'Cannot find device "nope"\n' });
    expect(bridge(k, "bridge fdb add 02:11:22:33:44:58 dev lo dst 1.1.1.1").err).toBe("RTNETLINK answers: Operation not supported\n");
    // Several remotes only for the flood (all-zeros) and multicast entries.
    bridge(k, "bridge fdb add 02:11:22:33:44:58 dev vx0 dst 1.1.1.1");
    expect(bridge(k, "bridge fdb append 02:11:22:33:44:58 dev vx0 dst 1.1.1.2").err).toBe("RTNETLINK answers: Operation not supported\n");
    expect(bridge(k, "bridge fdb replace 02:11:22:33:44:58 dev vx0 dst 1.1.1.2").status).toBe(0);
    expect(bridge(k, "bridge fdb show dev vx0").out).toBe("02:11:22:33:44:58 dst 1.1.1.2 self permanent\n");
    expect(bridge(k, "bridge fdb add 02:11:22:33:44:59 dev vx0 dst 1.1.1.1", userCred(1000)).err).toBe("RTNETLINK answers: Operation not permitted\n");
  });
});
