/** The vnet binary, run as a child process on the sources (tsx, the @vnet/source condition). */
import { spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
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

/** A vnet process running alongside the test: its output as it comes, its exit. */
interface Running {
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the wall time (ms) the first stdout or stderr text matching `re` arrived. */
  seen(re: RegExp): Promise<number>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(sig: NodeJS.Signals): void;
}

function start(args: string[]): Running {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@vnet/source", cli, ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", VNET_HISTFILE: "" },
  });
  const out = { stdout: "", stderr: "" };
  const watchers: { re: RegExp; resolve: (t: number) => void }[] = [];
  const take = (which: "stdout" | "stderr") => (chunk: Buffer) => {
    out[which] += chunk.toString("utf8");
    const t = performance.now();
    for (const w of [...watchers]) {
      if (w.re.test(out.stdout) || w.re.test(out.stderr)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(t);
      }
    }
  };
  child.stdout.on("data", take("stdout"));
  child.stderr.on("data", take("stderr"));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return {
    get stdout() {
      return out.stdout;
    },
    get stderr() {
      return out.stderr;
    },
    seen: (re) =>
      new Promise<number>((resolve, reject) => {
        if (re.test(out.stdout) || re.test(out.stderr)) return resolve(performance.now());
        watchers.push({ re, resolve });
        void exit.then(() => reject(new Error(`vnet exited before ${re}: ${out.stdout}${out.stderr}`)));
      }),
    exit,
    kill: (sig) => child.kill(sig),
  };
}

/** Binds a UDP socket to `address`:`port` (0: any free port); the caller closes it. */
function bindUdp(address: string, port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket("udp4");
  return new Promise((resolve, reject) => {
    s.once("error", reject);
    s.bind({ address, port, exclusive: true }, () => resolve(s));
  });
}

async function freePort(address: string): Promise<number> {
  const s = await bindUdp(address, 0);
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
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

describe("vnet in real time", () => {
  it("--realtime: ping -i 0.2 waits for the wall clock between its echoes", async () => {
    const p = start(["--realtime", "-c", "ping -c 2 -i 0.2 127.0.0.1"]);
    const first = await p.seen(/icmp_seq=1 /);
    const second = await p.seen(/icmp_seq=2 /);
    expect(second - first).toBeGreaterThanOrEqual(150);
    expect(await p.exit).toEqual({ code: 0, signal: null });
    expect(p.stdout).toMatch(/2 packets transmitted, 2 received, 0% packet loss/);
  }, 60_000);

  it("up: serves a topology over VXLAN until SIGTERM, then closes its socket and exits 0", async () => {
    const port = await freePort("127.0.0.2");
    const vx = (local: string, remote: string, addr: string): string =>
      `insmod vxlan\nip link add vx0 type vxlan id 42 local ${local} remote ${remote} dstport ${port}\n` +
      `ip addr add ${addr}/24 dev vx0\nip link set vx0 up\n`;
    const server = join(dir, "up-server.vnet");
    writeFileSync(server, vx("127.0.0.2", "127.0.0.1", "10.99.0.2") + "ip -br addr show vx0\n");
    const client = join(dir, "up-client.vnet");
    writeFileSync(client, vx("127.0.0.1", "127.0.0.2", "10.99.0.1") + "ping -c 2 -i 0.2 -W 2 10.99.0.2\n");

    const up = start(["up", server]);
    await up.seen(/is up/);
    expect(up.stdout).toMatch(/^vx0 +UNKNOWN +10\.99\.0\.2\/24 \n$/);
    // Another vnet process, its own kernel (another seed: other MACs), pings across the tunnel.
    const peer = start(["--realtime", "--seed", "2", "run", client]);
    expect(await peer.exit).toEqual({ code: 0, signal: null });
    expect(peer.stdout).toMatch(/2 packets transmitted, 2 received, 0% packet loss/);

    up.kill("SIGTERM");
    expect(await up.exit).toEqual({ code: 0, signal: null });
    expect(up.stderr).toBe(`vnet: ${server} is up (pid ${/pid (\d+)/.exec(up.stderr)![1]}); SIGINT or SIGTERM stops it\n`);
    // The tunnel's socket was closed: the port can be bound again.
    const s = await bindUdp("127.0.0.2", port);
    s.close();
  }, 60_000);

  it("up: a failing line or a tunnel that cannot bind exits non-zero, as run does", async () => {
    const bad = join(dir, "up-bad.vnet");
    writeFileSync(bad, "insmod vxlan\nip link set nope up\n");
    const r = start(["up", bad]);
    expect(await r.exit).toEqual({ code: 1, signal: null });
    expect(r.stderr).toBe(`Cannot find device "nope"\n${bad}:2: \`ip link set nope up' failed with exit status 1\n`);

    const taken = await bindUdp("127.0.0.2", 0);
    const port = (taken.address() as AddressInfo).port;
    const busy = join(dir, "up-busy.vnet");
    writeFileSync(busy, `insmod vxlan\nip link add vx0 type vxlan id 42 local 127.0.0.2 dstport ${port}\nip link set vx0 up\n`);
    const b = start(["up", busy]);
    expect(await b.exit).toEqual({ code: 1, signal: null });
    expect(b.stderr).toBe(`vnet: vxlan: cannot bind UDP 127.0.0.2:${port}: Address already in use\n`);
    taken.close();
  }, 60_000);
});
