import { describe, expect, it } from "vitest";
import { testShell } from "../test-helpers.js";
import { complete } from "./complete.js";

describe("complete", () => {
  it("completes commands, devices, namespaces, modules, ip words and paths", async () => {
    const t = testShell();
    await t.ok("insmod snull", "ip netns add blue");
    const c = (line: string): string[] => complete(t.sh, line);
    expect(c("ifc")).toEqual(["ifconfig"]);
    expect(c("ip link set dev sn")).toEqual(["sn0", "sn1"]);
    expect(c("ifconfig ")).toEqual(["lo", "sn0", "sn1"]);
    expect(c("tcpdump -i s")).toEqual(["sn0", "sn1"]);
    expect(c("ip netns exec b")).toEqual(["blue"]);
    expect(c("ip -n ")).toEqual(["blue"]);
    expect(c("ip li")).toEqual(["link"]);
    expect(c("ip link s")).toEqual(["set", "show"]);
    expect(c("insmod e")).toEqual(["etun"]);
    expect(c("rmmod ")).toEqual(["snull"]);
    expect(c("cat /sys/class/n")).toEqual(["/sys/class/net/"]);
    expect(c("cat /sys/class/net/l")).toEqual(["/sys/class/net/lo/"]);
    expect(c("sudo ifc")).toEqual(["ifconfig"]);
    expect(c("echo a; ifc")).toEqual(["ifconfig"]);
    expect(c("ip netns exec blue if")).toEqual(["ifconfig"]);
  });
});
