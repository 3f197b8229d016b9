import { describe, expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

describe("ip netns", () => {
  it("adds, lists (newest first, with ids once used), deletes", async () => {
    const t = testShell();
    await t.ok("ip netns add a", "ip netns add b");
    expect(await t.ok("ip netns")).toBe("b\na\n");
    expect(await t.ok("ip -j netns list")).toBe('[{"name":"b"},{"name":"a"}]\n');
    // x gets ifindex 3 and y 2: equal indexes would hide the link, as in Linux.
    await t.ok("insmod etun", "ip link add w type veth peer name z", "ip link del w", "ip link add x type veth peer name y netns a");
    await t.ok("ip link show x");
    expect(await t.ok("ip netns list")).toBe("b\na (id: 0)\n");
    await t.ok("ip netns del a");
    expect(await t.ok("ip netns")).toBe("b\n");
    expect(await t.ok("ip -br link")).toBe("lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n");
  });

  it("reports iproute2's errors", async () => {
    const t = testShell();
    await t.ok("ip netns add a");
    expect(await t.run("ip netns add a")).toEqual({ status: 1, out: "", err: 'Cannot create namespace file "/run/netns/a": File exists\n' });
    expect(await t.run("ip netns del z")).toEqual({ status: 1, out: "", err: 'Cannot remove namespace file "/run/netns/z": No such file or directory\n' });
    expect(await t.run("ip netns exec z true")).toEqual({ status: 255, out: "", err: 'Cannot open network namespace "z": No such file or directory\n' });
    expect(await t.run("ip -n z link")).toMatchObject({ status: 255, err: 'Cannot open network namespace "z": No such file or directory\n' });
    expect(await t.run("ip netns exec a nosuch")).toEqual({ status: 1, out: "", err: 'exec of "nosuch" failed: No such file or directory\n' });
    expect(await t.run("ip netns exec a")).toMatchObject({ status: 255, err: "No command specified\n" });
    expect(await t.run("ip netns foo")).toMatchObject({ status: 255, err: 'Command "foo" is unknown, try "ip netns help".\n' });
    expect((await t.run("ip netns add")).status).toBe(255);
    expect((await t.run("ip netns add x/y")).status).toBe(255);
  });

  it("runs commands inside: ip netns exec, ip -n, and a nested shell", async () => {
    const t = testShell();
    await t.ok("ip netns add a");
    expect(await t.ok("ip netns exec a ip link")).toBe(
      "1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default \n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n",
    );
    await t.ok("ip -n a link set lo up");
    expect(await t.ok("ip -n a -br link")).toMatch(/^lo +UNKNOWN/);
    expect((await t.run("ip netns exec a false")).status).toBe(1);
    await t.ok("ip netns exec a sh");
    expect(t.sh.prompt()).toBe("(a) root@vnet:~# ");
    expect(await t.ok("ip -br link")).toMatch(/^lo +UNKNOWN/);
    await t.ok("exit 0");
    expect(t.sh.net.name).toBe("");
  });

  it("as a user: no entering, adding or deleting namespaces", async () => {
    const t = testShell();
    await t.ok("ip netns add a", "su alice");
    expect(await t.ok("ip netns")).toBe("a\n");
    expect(await t.run("ip netns add b")).toEqual({ status: 1, out: "", err: "mount --make-shared /run/netns failed: Operation not permitted\n" });
    expect(await t.run("ip netns del a")).toMatchObject({ status: 1, err: 'Cannot remove namespace file "/run/netns/a": Permission denied\n' });
    expect(await t.run("ip netns exec a true")).toMatchObject({ status: 255, err: 'setting the network namespace "a" failed: Operation not permitted\n' });
    expect(await t.run("ip -n a link")).toMatchObject({ status: 255 });
  });

  it("ip -all netns delete removes every namespace", async () => {
    const t = testShell();
    await t.ok("ip netns add a", "ip netns add b", "ip -all netns delete");
    expect(await t.ok("ip netns")).toBe("");
  });
});
