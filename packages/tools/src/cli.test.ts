/** The vnet binary, run as a child process on the sources (tsx, the @vnet/source condition). */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));

function vnet(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@vnet/source", cli, ...args], {
    cwd: root,
    input: input ?? "",
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", VNET_HISTFILE: "" },
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), "vnet-cli-"));

describe("vnet CLI", () => {
  it("runs a script and exits 0", () => {
    const f = join(dir, "ok.vnet");
    writeFileSync(f, "# a comment\ninsmod etun\nip link add p0 type veth peer name p1\nip -br link show p0\n");
    const r = vnet(["run", f]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^p0@p1 +DOWN +\S+ <BROADCAST,MULTICAST,M-DOWN> \n$/);
    expect(r.status).toBe(0);
  }, 60_000);

  it("stops at a failing line with FILE:LINE and its status, unless the line starts with '-'", () => {
    const f = join(dir, "fail.vnet");
    writeFileSync(f, "-ip link del nope\necho on\nip link set nope up\necho never\n");
    const r = vnet(["run", f]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("on\n");
    expect(r.stderr).toBe(`Cannot find device "nope"\nCannot find device "nope"\n${f}:3: \`ip link set nope up' failed with exit status 1\n`);
  }, 60_000);

  it("runs bundled scripts by name, -c lines, and a module's default export", () => {
    expect(vnet(["run", "etun"]).stdout).toContain("eth0");
    expect(vnet(["run", "--list"]).stdout).toMatch(/^etun\n/m);
    expect(vnet(["-c", "hostname"]).stdout).toBe("vnet\n");
    expect(vnet(["--hostname", "lab", "--seed", "7", "-c", "hostname"]).stdout).toBe("lab\n");
    const m = join(dir, "topo.mjs");
    writeFileSync(m, "export default async function (kernel, sh) { await sh.run('insmod snull'); await sh.run('ip -br link show sn0'); return kernel.initNet.devices.size === 3 ? 0 : 9; }\n");
    const r = vnet(["run", m]);
    expect(r.stdout).toMatch(/^sn0 /);
    expect(r.status).toBe(0);
  }, 60_000);

  it("--user starts without privileges; tcpdump -w writes a real file", () => {
    expect(vnet(["--user", "alice", "-c", "ip link set lo down"])).toMatchObject({ status: 2, stderr: "RTNETLINK answers: Operation not permitted\n" });
    const pcap = join(dir, "x.pcap");
    const r = vnet(["-c", `tcpdump -i lo -w ${pcap}`]);
    expect(r.stderr).toContain("0 packets captured");
    expect(readFileSync(pcap).length).toBe(24);
  }, 60_000);

  it("reports usage errors with status 2, and a missing file with 127", () => {
    expect(vnet(["bogus"])).toMatchObject({ status: 2 });
    expect(vnet(["--hz", "x", "-c", "true"]).stderr).toMatch(/^vnet: --hz must be a non-negative integer/);
    expect(vnet(["--hz", "0", "-c", "true"])).toMatchObject({ status: 2, stderr: "vnet: HZ: Invalid argument\n" });
    expect(vnet(["run", join(dir, "none.vnet")])).toMatchObject({ status: 127 });
    expect(vnet(["--help"]).stdout).toMatch(/^usage: vnet/);
    expect(vnet(["-V"]).stdout).toBe("vnet 0.1.0\n");
  }, 60_000);

  it("reads lines from standard input when it is not a terminal", () => {
    const r = vnet(["shell"], "echo one\nip link show nope\necho $?\n");
    expect(r.stdout).toBe("one\n1\n");
    expect(r.status).toBe(0);
  }, 60_000);
});
