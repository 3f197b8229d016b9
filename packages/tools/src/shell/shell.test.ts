import { describe, expect, it } from "vitest";
import { Kernel } from "@vnet/core";
import { testShell } from "../test-helpers.js";
import { Shell } from "./shell.js";
import { MemoryFiles } from "./files.js";

describe("Shell", () => {
  it("runs commands and reports bash's command not found (127)", async () => {
    const t = testShell();
    expect(await t.run("nosuch arg")).toEqual({ status: 127, out: "", err: "vnet: nosuch: command not found\n" });
    expect((await t.run("echo $?")).out).toBe("127\n");
    expect((await t.run("true")).status).toBe(0);
    expect((await t.run("false")).status).toBe(1);
  });

  it("collects output in order, stdout and stderr interleaved", async () => {
    const t = testShell();
    await t.sh.run("echo one; nosuch; echo two");
    expect(t.sh.text()).toBe("one\nvnet: nosuch: command not found\ntwo\n");
  });

  it("echo: -n, -e and one write", async () => {
    const t = testShell();
    expect((await t.run("echo -n a b")).out).toBe("a b");
    expect((await t.run("echo -e 'a\\tb\\c'")).out).toBe("a\tb");
    expect((await t.run("echo -x")).out).toBe("-x\n");
  });

  it("writes and appends to /etc files with > and >>, cat reads them", async () => {
    const t = testShell();
    await t.ok("echo '10.0.0.2 web' > /etc/hosts", "echo '10.0.0.3 db' >> /etc/hosts");
    expect(await t.ok("cat /etc/hosts")).toBe("10.0.0.2 web\n10.0.0.3 db\n");
    expect(t.sh.context(t.kernel.initNet, t.sh.cred, "root", () => {}, () => {}).resolveHost("db")).toBe(0x0a000003);
  });

  it("resolves names through /etc/hosts and /etc/networks", async () => {
    const t = testShell();
    await t.ok("echo 'lab 10.1' >> /etc/networks");
    const ctx = t.sh.context(t.kernel.initNet, t.sh.cred, "root", () => {}, () => {});
    expect(ctx.resolveHost("localhost")).toBe(0x7f000001);
    expect(ctx.resolveHost("lab")).toBe(0x0a010000);
    expect(ctx.resolveHost("10.9.8.7")).toBe(0x0a090807);
    expect(ctx.resolveHost("nowhere")).toBeNull();
    expect(ctx.hostName(0x7f000001)).toBe("localhost");
  });

  it("reports redirection errors as bash does", async () => {
    const t = testShell();
    expect(await t.run("echo x > /sys/nope")).toEqual({ status: 1, out: "", err: "vnet: /sys/nope: No such file or directory\n" });
    expect((await t.run("echo x > /proc/net/dev")).err).toBe("vnet: /proc/net/dev: Permission denied\n");
    expect((await t.run("echo x > /sys/class/net")).err).toBe("vnet: /sys/class/net: Is a directory\n");
    expect((await t.run("echo 0 > /proc/sys/net/core/netdev_budget")).err).toBe("vnet: echo: write error: Invalid argument\n");
    expect((await t.run("ip foo 2> /dev/null")).err).toBe("");
  });

  it("writes host files outside the kernel tree", async () => {
    const files = new MemoryFiles();
    const t = testShell({ files });
    await t.ok("echo a > out.txt", "echo b >> out.txt");
    expect(new TextDecoder().decode(files.read("out.txt"))).toBe("a\nb\n");
    expect(await t.ok("cat out.txt")).toBe("a\nb\n");
    expect((await t.run("cat missing")).err).toBe("cat: missing: No such file or directory\n");
  });

  it("cat and ls over /sys and /proc", async () => {
    const t = testShell();
    expect(await t.ok("cat /sys/class/net/lo/mtu")).toBe("65536\n");
    expect(await t.ok("ls /sys/class/net")).toBe("lo\n");
    expect((await t.run("ls /nope")).err).toBe("ls: cannot access '/nope': No such file or directory\n");
    expect((await t.run("cat /sys/class/net")).err).toBe("cat: /sys/class/net: Is a directory\n");
  });

  it("su: an unprivileged user gets EPERM, exit comes back", async () => {
    const t = testShell();
    await t.ok("su alice");
    expect(await t.ok("whoami", "id")).toBe("alice\nuid=" + t.sh.cred.uid + "(alice) gid=" + t.sh.cred.uid + "(alice) groups=" + t.sh.cred.uid + "(alice)\n");
    expect(t.sh.prompt()).toBe("alice@vnet:~$ ");
    expect((await t.run("ip link set lo down")).err).toBe("RTNETLINK answers: Operation not permitted\n");
    expect((await t.run("echo 1 > /etc/hosts")).err).toBe("vnet: /etc/hosts: Permission denied\n");
    expect((await t.run("su bob")).err).toBe("su: Authentication failure\n");
    expect((await t.run("exit")).status).toBe(1);
    expect(await t.ok("whoami")).toBe("root\n");
    expect(t.sh.prompt()).toBe("root@vnet:~# ");
  });

  it("su -c, sudo and sh -c run one command as someone", async () => {
    const t = testShell();
    expect(await t.run("su alice -c 'ip link set lo down'")).toMatchObject({ status: 2, err: "RTNETLINK answers: Operation not permitted\n" });
    expect(await t.ok("su alice -c whoami")).toBe("alice\n");
    await t.ok("su alice");
    expect(await t.ok("sudo whoami")).toBe("root\n");
    expect((await t.run("sudo")).status).toBe(1);
    expect(await t.ok("sh -c 'echo hi'")).toBe("hi\n");
    expect((await t.run("sh -c 'echo a; echo b'")).status).toBe(2);
  });

  it("starts as --user and refuses bad users", async () => {
    const t = testShell({ user: "alice" });
    expect(await t.ok("whoami")).toBe("alice\n");
    expect((await t.run("su 'bad user'")).status).toBe(1);
  });

  it("exit at the top level ends the shell and a script", async () => {
    const t = testShell();
    await t.run("exit 3");
    expect(t.sh.exited).toBe(3);
    const u = testShell();
    const r = await u.sh.runScript("echo a\nexit 4\necho b\n", "s");
    expect(r.status).toBe(4);
    expect(u.sh.text()).toBe("a\n");
    expect((await testShell().run("exit x")).err).toBe("vnet: exit: x: numeric argument required\n");
  });

  it("hostname prints, and sets only as root", async () => {
    const t = testShell();
    expect(await t.ok("hostname")).toBe("vnet\n");
    await t.ok("hostname lab1");
    expect(t.sh.prompt()).toBe("root@lab1:~# ");
    expect((await t.run("hostname 'a b'")).err).toBe("hostname: the specified hostname is invalid\n");
    await t.ok("su alice");
    expect(await t.run("hostname x")).toMatchObject({ status: 1, err: "hostname: you must be root to change the host name\n" });
  });

  it("help lists commands with a line each, and one by name", async () => {
    const t = testShell();
    const out = await t.ok("help");
    for (const c of ["ip", "ifconfig", "tcpdump", "ethtool", "sysctl", "insmod", "jobs", "sleep"]) expect(out).toMatch(new RegExp(`^${c} +\\S`, "m"));
    expect(await t.ok("help ip")).toMatch(/^ip +show and change/);
    expect((await t.run("help nope")).status).toBe(1);
  });

  it("dmesg shows the kernel log; clearing needs privileges", async () => {
    const t = testShell();
    await t.ok("insmod etun");
    expect(await t.ok("dmesg")).toContain("etun: Ethernet tunnel pair driver");
    expect((await t.run("su alice -c 'dmesg -c'")).err).toBe("dmesg: klogctl failed: Operation not permitted\n");
    await t.ok("dmesg -C");
    expect(await t.ok("dmesg")).toBe("");
    expect((await t.run("dmesg -x")).status).toBe(1);
  });

  it("syntax errors are bash's, with status 2", async () => {
    const t = testShell();
    expect(await t.run("echo 'open")).toEqual({ status: 2, out: "", err: "vnet: unexpected EOF while looking for matching `''\n" });
  });

  it("runs commands plugins register with the kernel", async () => {
    const k = new Kernel();
    k.commands.set("hello", { name: "hello", summary: "greets", run: (argv, io) => (io.out(`hi ${argv[1]} in ${io.net}\n`), 0) });
    const sh = new Shell(k);
    expect(await sh.run("hello you")).toBe(0);
    expect(sh.text()).toBe("hi you in init_net\n");
    expect(sh.commandNames()).toContain("hello");
  });

  it("reports a crashing command as an internal error (70), never silently", async () => {
    const k = new Kernel();
    k.commands.set("boom", { name: "boom", run: () => { throw new Error("bang"); } });
    const sh = new Shell(k);
    expect(await sh.run("boom")).toBe(70);
    expect(sh.text()).toBe("vnet: boom: internal error: bang\n");
  });
});

describe("scripts", () => {
  it("stop at the first failing line with FILE:LINE", async () => {
    const t = testShell();
    const r = await t.sh.runScript("echo a\n\n# c\nip link set nope up\necho b\n", "lab.vnet");
    expect(r).toEqual({ status: 1, line: 4, message: "lab.vnet:4: `ip link set nope up' failed with exit status 1" });
    expect(t.sh.text()).toBe("a\nCannot find device \"nope\"\nlab.vnet:4: `ip link set nope up' failed with exit status 1\n");
  });

  it("go on past a failing line prefixed with '-'", async () => {
    const t = testShell();
    const r = await t.sh.runScript("-ip link set nope up\necho b\n", "s");
    expect(r.status).toBe(0);
    expect(t.sh.text()).toBe("Cannot find device \"nope\"\nb\n");
  });

  it("report a syntax error with its line", async () => {
    const t = testShell();
    const r = await t.sh.runScript("echo ok\necho 'x\n", "s");
    expect(r).toMatchObject({ status: 2, line: 2 });
  });

  it("terminate background jobs left at the end", async () => {
    const t = testShell();
    await t.sh.runScript("insmod etun\nip link add p0 type veth peer name p1\nip link set p0 up\ntcpdump -i p0 &\n", "s");
    expect(t.sh.text()).toContain("0 packets captured");
    expect(t.sh.jobs.running()).toEqual([]);
  });
});
