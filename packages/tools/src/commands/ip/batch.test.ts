import { describe, expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

const file = (t: ReturnType<typeof testShell>, path: string, text: string): void => t.sh.files.write(path, new TextEncoder().encode(text));

describe("ip -batch", () => {
  it("runs one command a line, with comments, continuations and quotes", async () => {
    const t = testShell();
    file(t, "setup.ip", "# a comment\nlink set lo up\n\nroute add 10.0.0.0/8 \\\n  dev lo # trailing\nroute show dev 'lo'\n");
    expect(await t.run("ip -batch setup.ip")).toEqual({ status: 0, out: "10.0.0.0/8 scope link \n", err: "" });
    // A continued command is counted at its last line; -b is -batch; words after the file are ignored.
    expect(await t.run("ip -j -b setup.ip link show")).toMatchObject({ status: 1, err: "RTNETLINK answers: File exists\nCommand failed setup.ip:5\n" });
  });

  it("stops at the first failure with `Command failed FILE:LINE`, or goes on with -force", async () => {
    const t = testShell();
    await t.ok("insmod etun", "ip link add p0 type veth peer name p1");
    file(t, "b.ip", "link set nope up\nfoo\nlink set p0 up\n");
    expect(await t.run("ip -batch b.ip")).toEqual({ status: 1, out: "", err: 'Cannot find device "nope"\nCommand failed b.ip:1\n' });
    expect(await t.ok("ip -br link show p0")).toMatch(/^p0\S* +DOWN /);
    expect(await t.run("ip -force -batch b.ip")).toEqual({
      status: 1, out: "",
      err: 'Cannot find device "nope"\nCommand failed b.ip:1\nObject "foo" is unknown, try "ip help".\nCommand failed b.ip:2\n',
    });
    expect(await t.ok("ip -br link show p0")).toMatch(/^p0\S* +LOWERLAYERDOWN /);
  });

  it("ends at once where ip exits: a bad argument, an unterminated quote, a missing continuation", async () => {
    const t = testShell();
    file(t, "x.ip", "link set lo mtu abc\nlink set lo up\n");
    expect(await t.run("ip -force -batch x.ip")).toEqual({ status: 255, out: "", err: 'Error: argument "abc" is wrong: Invalid "mtu" value\n\n' });
    file(t, "q.ip", "link show 'lo\nlink set lo up\n");
    expect(await t.run("ip -batch q.ip")).toEqual({ status: 1, out: "", err: "Unterminated quoted string\n" });
    file(t, "c.ip", "link set lo \\\n");
    expect(await t.run("ip -batch c.ip")).toEqual({ status: 0, out: "", err: "Missing continuation line\n" });
  });

  it("reads the kernel's files and host files, says when it cannot, and takes - as an empty stdin", async () => {
    const t = testShell();
    await t.ok("echo 'link set lo up' >> /etc/hosts");
    expect(await t.run("ip -batch /etc/hosts")).toMatchObject({ status: 1, err: expect.stringContaining("Command failed /etc/hosts:1\n") as unknown });
    expect(await t.run("ip -batch nowhere.ip")).toEqual({ status: 1, out: "", err: 'Cannot open file "nowhere.ip" for reading: No such file or directory\n' });
    expect(await t.run("ip -batch -")).toEqual({ status: 0, out: "", err: "" });
    expect((await t.run("ip -batch")).status).toBe(255);
  });

  it("waits for a line's job (ip netns exec NS ping) before the next line", async () => {
    const t = testShell();
    await t.ok(
      "insmod etun", "ip netns add a", "ip link add p0 type veth peer name p1 netns a", "ip addr add 10.0.0.1/24 dev p0", "ip link set p0 up",
    );
    file(t, "n.ip", "-n a addr add 10.0.0.2/24 dev p1\nnetns exec a ip link set p1 up\nnetns exec a ping -c 2 -q 10.0.0.1\nlink set p0 down\n");
    expect((await t.run("ip -batch n.ip")).err).toBe('Object "-n" is unknown, try "ip help".\nCommand failed n.ip:1\n');
    file(t, "n.ip", "netns exec a ip addr add 10.0.0.2/24 dev p1\nnetns exec a ip link set p1 up\nnetns exec a ping -c 2 -q 10.0.0.1\nlink set p0 down\n");
    const r = await t.run("ip -batch n.ip");
    expect(r.status).toBe(0);
    expect(r.out).toContain("2 packets transmitted, 2 received, 0% packet loss, time 1000ms\n");
    expect(await t.ok("ip -br link show p0")).toMatch(/^p0\S* +DOWN /);
  });
});
