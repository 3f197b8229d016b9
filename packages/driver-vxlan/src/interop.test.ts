/**
 * Interop with the real Linux kernel: a Linux `vxlan` device and vnet kernels in network
 * namespaces of our own, joined by veth pairs. Needs root and iproute2; skipped with the reason
 * otherwise, and a failure instead when VNET_REQUIRE_ROOT_TESTS=1 (CI). Every namespace is deleted
 * at the end, also on failure. Traffic stays inside those namespaces.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const requireRootTests = process.env["VNET_REQUIRE_ROOT_TESTS"] === "1";
const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const peerScript = fileURLToPath(new URL("./interop/vnet-peer.ts", import.meta.url));
const tag = `vnetvx-${process.pid}`;
const NS = { linux: `${tag}-a`, vnet: `${tag}-b`, c: `${tag}-c`, d: `${tag}-d` } as const;

function runs(cmd: string, args: readonly string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

/** null when everything needed is there; else why not (thrown when CI requires the tests). */
function missing(): string | null {
  const why: string[] = [];
  if (typeof process.getuid !== "function" || process.getuid() !== 0) why.push("not root (network namespaces need CAP_SYS_ADMIN)");
  if (!runs("ip", ["-V"]) || !runs("bridge", ["-V"])) why.push("iproute2 (ip, bridge) is not installed");
  if (why.length === 0) {
    // Can we actually make a namespace and a vxlan device here (a container may forbid it)?
    const probe = `${tag}-probe`;
    const ok = runs("ip", ["netns", "add", probe]) && runs("ip", ["-n", probe, "link", "add", "vxprobe", "type", "vxlan", "id", "1", "dstport", "4789"]);
    runs("ip", ["netns", "del", probe]);
    if (!ok) why.push("cannot create a network namespace with a vxlan device (no CAP_SYS_ADMIN, or no vxlan module)");
  }
  if (why.length === 0) return null;
  const msg = why.join("; ");
  if (requireRootTests) throw new Error(`VNET_REQUIRE_ROOT_TESTS=1 but ${msg}`);
  console.warn(`skipping the Linux interop tests: ${msg}`);
  return msg;
}

/** Runs `ip ARGS` (or any command), throwing with its stderr on failure. */
function sh(cmd: string, ...args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  return r.stdout;
}

const inNs = (ns: string, ...cmd: string[]): string => sh("ip", "netns", "exec", ns, ...cmd);

/** A vnet kernel in a child process (src/interop/vnet-peer.ts) in namespace `ns`. */
class Peer {
  readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  stderr = "";

  constructor(ns: string, cfg: Record<string, unknown>) {
    this.proc = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", "--conditions=@vnet/source", peerScript, JSON.stringify(cfg)], {
      cwd: pkgDir,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.proc.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.proc.stdout }).on("line", (line) => {
      const w = this.waiting;
      if (w !== null) {
        this.waiting = null;
        w(line);
      } else {
        this.lines.push(line);
      }
    });
  }

  /** The next line the peer prints, parsed. */
  next(timeoutMs = 20_000): Promise<Record<string, any>> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(JSON.parse(queued));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`vnet peer did not answer in ${timeoutMs} ms; stderr:\n${this.stderr}`));
      }, timeoutMs);
      this.waiting = (line) => {
        clearTimeout(t);
        resolve(JSON.parse(line));
      };
    });
  }

  async request(cmd: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, any>> {
    this.proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    return this.next(timeoutMs);
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

const skip = missing();
const hasEthtool = runs("ethtool", ["--version"]);
if (skip === null && !hasEthtool) {
  if (requireRootTests) throw new Error("VNET_REQUIRE_ROOT_TESTS=1 but ethtool is not installed (needed to turn off vxlan's tx checksum offload)");
  console.warn("skipping the Linux UDP interop test: ethtool is not installed");
}
const peers: Peer[] = [];
const created: string[] = [];

function cleanup(): void {
  for (const p of peers) p.kill();
  for (const ns of created.splice(0)) runs("ip", ["netns", "del", ns]);
}

/** Two namespaces joined by a veth pair, `a`.1/30 and `a`.2/30 on it, loopback up. */
function underlay(nsA: string, nsB: string, prefix: string, vethA: string, vethB: string): void {
  for (const ns of [nsA, nsB]) {
    sh("ip", "netns", "add", ns);
    created.push(ns);
    sh("ip", "-n", ns, "link", "set", "lo", "up");
  }
  sh("ip", "link", "add", vethA, "netns", nsA, "type", "veth", "peer", "name", vethB, "netns", nsB);
  sh("ip", "-n", nsA, "addr", "add", `${prefix}.1/30`, "dev", vethA);
  sh("ip", "-n", nsB, "addr", "add", `${prefix}.2/30`, "dev", vethB);
  sh("ip", "-n", nsA, "link", "set", vethA, "up");
  sh("ip", "-n", nsB, "link", "set", vethB, "up");
}

describe.skipIf(skip !== null)("interop with a Linux vxlan device", () => {
  let vnet: Peer;
  let vnetMac = "";
  let linuxMac = "";
  const vethA = `vxa${process.pid}`.slice(0, 15);
  const vethB = `vxb${process.pid}`.slice(0, 15);

  beforeAll(async () => {
    process.once("exit", cleanup);
    underlay(NS.linux, NS.vnet, "10.244.0", vethA, vethB);
    // The Linux side: vxlan id 42, dstport 4789, remote = the vnet side's underlay address.
    sh("ip", "-n", NS.linux, "link", "add", "vx42", "type", "vxlan", "id", "42", "dstport", "4789", "local", "10.244.0.1", "remote", "10.244.0.2", "dev", vethA);
    sh("ip", "-n", NS.linux, "addr", "add", "10.99.0.1/24", "dev", "vx42");
    sh("ip", "-n", NS.linux, "link", "set", "vx42", "up");
    linuxMac = JSON.parse(sh("ip", "-n", NS.linux, "-j", "link", "show", "vx42"))[0].address;
    // The vnet side: a simulated host, 10.99.0.2, behind its own vxlan device.
    vnet = new Peer(NS.vnet, { seed: 11, vni: 42, local: "10.244.0.2", remote: "10.244.0.1", port: 4789, addr: "10.99.0.2/24" });
    peers.push(vnet);
    const ready = await vnet.next();
    expect(ready, vnet.stderr).toMatchObject({ ready: true });
    vnetMac = ready["mac"];
  }, 60_000);

  afterAll(() => {
    cleanup();
    process.off("exit", cleanup);
    // Nothing of ours is left behind.
    const left = sh("ip", "netns", "list").split("\n").filter((l) => l.startsWith(tag));
    expect(left).toEqual([]);
  });

  it("Linux pings the simulated host and back (and with fragments)", () => {
    const out = inNs(NS.linux, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.99.0.2");
    expect(out).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
    const big = inNs(NS.linux, "ping", "-c", "2", "-i", "0.2", "-W", "2", "-s", "4000", "10.99.0.2");
    expect(big).toMatch(/2 packets transmitted, 2 received/);
    expect(big).toMatch(/4008 bytes from 10\.99\.0\.2/);
  }, 30_000);

  it("the simulated host pings 10.99.0.1, one echo per real second (ping -i 1)", async () => {
    const r = await vnet.request({ cmd: "ping", dst: "10.99.0.1", count: 3, interval: 1000, timeout: 5000 }, 20_000);
    expect(r["replies"].map((x: { seq: number }) => x.seq)).toEqual([1, 2, 3]);
    expect(r["replies"].every((x: { from: string }) => x.from === "10.99.0.1")).toBe(true);
    // Real time: two intervals of one second, and real round trips (well under a second, even on a loaded machine).
    expect(r["elapsedMs"]).toBeGreaterThanOrEqual(1990);
    expect(r["elapsedMs"]).toBeLessThan(5000);
    for (const x of r["replies"]) expect(x.rttMs).toBeLessThan(500);
    const big = await vnet.request({ cmd: "ping", dst: "10.99.0.1", count: 1, size: 3000, timeout: 5000 });
    expect(big["replies"]).toEqual([expect.objectContaining({ seq: 1, len: 3008 })]);
  }, 30_000);

  it("resolves ARP both ways, and each side learned the other's VTEP", async () => {
    const linuxNeigh = JSON.parse(inNs(NS.linux, "ip", "-j", "neigh", "show", "dev", "vx42"));
    expect(linuxNeigh).toContainEqual(expect.objectContaining({ dst: "10.99.0.2", lladdr: vnetMac }));
    const vnetNeigh = await vnet.request({ cmd: "neigh" });
    expect(vnetNeigh["entries"]).toContainEqual(expect.objectContaining({ dst: "10.99.0.1", lladdr: linuxMac }));
    // Linux's vxlan learned the vnet MAC behind 10.244.0.2; vnet's learned Linux's behind 10.244.0.1.
    expect(inNs(NS.linux, "bridge", "fdb", "show", "dev", "vx42")).toContain(`${vnetMac} dst 10.244.0.2 self`);
    const fdb = await vnet.request({ cmd: "fdb" });
    expect(fdb["entries"]).toContainEqual(expect.objectContaining({ mac: linuxMac, dst: "10.244.0.1", state: "" }));
  });

  // Over veth, Linux leaves the inner UDP checksum to "hardware" (CHECKSUM_PARTIAL all the way to the
  // vnet process's socket): vxlan's tx checksum offload must be off for vnet to get valid checksums.
  it.skipIf(!hasEthtool)("carries UDP both ways, datagrams that fragment included (a Node echo server on the Linux side)", async () => {
    inNs(NS.linux, "ethtool", "-K", "vx42", "tx", "off");
    const echo = spawn("ip", ["netns", "exec", NS.linux, process.execPath, "-e",
      `const s=require("node:dgram").createSocket("udp4");s.on("message",(m,r)=>s.send(m,r.port,r.address));s.bind(5002,"10.99.0.1",()=>console.log("ready"));`,
    ]);
    try {
      await new Promise<void>((resolve, reject) => {
        echo.stdout.once("data", () => resolve());
        echo.once("exit", (code) => reject(new Error(`echo server exited ${code}`)));
      });
      const sizes = [1, 1422, 1423, 3000, 8000, 20000];
      const r = await vnet.request({ cmd: "udp-echo", dst: "10.99.0.1", port: 5002, sizes, timeout: 5000 }, 20_000);
      const echoed = r["echoed"] as { len: number; ok: boolean; from: string; port: number }[];
      expect(echoed.map((e) => e.len).sort((x, y) => x - y)).toEqual(sizes);
      expect(echoed.every((e) => e.ok && e.from === "10.99.0.1" && e.port === 5002)).toBe(true);
    } finally {
      echo.kill("SIGKILL");
    }
    const stats = await vnet.request({ cmd: "stats" });
    expect(stats["udp"]["inCsumErrors"]).toBe(0);
    expect(stats["dev"]["rxErrors"]).toBe(0);
    expect(stats["ethtool"]["rx_bad_flags"] + stats["ethtool"]["rx_unknown_vni"] + stats["ethtool"]["rx_truncated"]).toBe(0);
  }, 30_000);

  it.skipIf(!runs("tcpdump", ["--version"]))("puts on the wire what tcpdump reads as VXLAN: flags [I], vni 42, to 4789 from a hashed port", async () => {
    const cap = spawn("ip", ["netns", "exec", NS.linux, "tcpdump", "-i", vethA, "-nn", "-l", "-c", "2", "udp", "and", "src", "host", "10.244.0.2"]);
    let text = "";
    cap.stdout.on("data", (d: Buffer) => (text += d.toString()));
    await new Promise((r) => setTimeout(r, 1000));
    await vnet.request({ cmd: "ping", dst: "10.99.0.1", count: 2, interval: 200 });
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        cap.kill("SIGINT");
        resolve();
      }, 5000);
      cap.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
    });
    const lines = text.split("\n").filter((l) => l.includes("VXLAN"));
    expect(lines.length, text).toBeGreaterThanOrEqual(2);
    for (const l of lines) {
      const m = /IP 10\.244\.0\.2\.(\d+) > 10\.244\.0\.1\.4789: VXLAN, flags \[I\] \(0x08\), vni 42/.exec(l);
      expect(m, l).not.toBeNull();
      const sport = Number(m![1]);
      // The listening port while the flow's own socket binds, then the flow's hashed port.
      expect(sport === 4789 || (sport >= 32768 && sport < 60999)).toBe(true);
    }
  }, 30_000);
});

describe.skipIf(skip !== null)("interop: two vnet processes over VXLAN on a real network", () => {
  afterAll(() => cleanup());

  it("carry a ping", async () => {
    underlay(NS.c, NS.d, "10.245.0", `vxc${process.pid}`.slice(0, 15), `vxd${process.pid}`.slice(0, 15));
    const c = new Peer(NS.c, { seed: 21, vni: 7, local: "10.245.0.1", remote: "10.245.0.2", port: 4789, addr: "10.98.0.1/24" });
    const d = new Peer(NS.d, { seed: 22, vni: 7, local: "10.245.0.2", remote: "10.245.0.1", port: 4789, addr: "10.98.0.2/24" });
    peers.push(c, d);
    expect(await c.next(), c.stderr).toMatchObject({ ready: true });
    expect(await d.next(), d.stderr).toMatchObject({ ready: true });
    const r = await c.request({ cmd: "ping", dst: "10.98.0.2", count: 3, interval: 200, timeout: 5000 }, 20_000);
    expect(r["replies"].map((x: { seq: number }) => x.seq)).toEqual([1, 2, 3]);
    const back = await d.request({ cmd: "ping", dst: "10.98.0.1", count: 1, timeout: 5000 }, 20_000);
    expect(back["replies"].length).toBe(1);
    await c.request({ cmd: "exit" });
    await d.request({ cmd: "exit" });
  }, 60_000);
});
