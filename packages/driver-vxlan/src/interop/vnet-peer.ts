/**
 * A vnet kernel joined to a real network over VXLAN, driven line by line: the far end of the
 * interop tests (and a small example of the API). Run it where its underlay address lives:
 *
 *   ip netns exec NS node --import tsx --conditions=@vnet/source vnet-peer.ts '{"local":"10.244.0.2",...}'
 *
 * Configuration (argv[2], JSON): seed, vni, local, remote, port (dstport), addr (CIDR on vx0).
 * Prints `{"ready":true,"mac":...}` once bound, then answers each JSON command on stdin with one
 * JSON line: ping, udp-echo (send datagrams to an echo server and wait for them back), neigh,
 * fdb, stats, exit.
 */
import { createInterface } from "node:readline";
import {
  devGetStats, ethtoolGetStats, ipAddrAdd, ipv4ToString, Kernel, macToString, neighDump, parseIpv4, pingSocket, ROOT_CRED,
  rtnlNewlink, udpSocket, devOpen, ipv4Net, UDP_MIB_CSUMERRORS, UDP_MIB_INDATAGRAMS, type EchoReply,
} from "@vnet/core";
import { fdbDump, RealtimeClock, vxlanReady, type VxlanDevice } from "../index.js";
import { vxlanNode } from "../node.js";

interface Config {
  seed: number;
  vni: number;
  local: string;
  remote: string;
  port: number;
  addr: string;
}

const cfg = JSON.parse(process.argv[2] ?? "{}") as Config;
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

function ip(text: string): number {
  const a = parseIpv4(text);
  if (a === null) throw new Error(`bad address ${text}`);
  return a >>> 0;
}

const kernel = new Kernel({ seed: cfg.seed, hostname: "vnet-peer" });
kernel.insmod(vxlanNode);
const ops = kernel.linkKinds.get("vxlan")!;
const args = ["id", String(cfg.vni), "local", cfg.local, "remote", cfg.remote, "dstport", String(cfg.port)];
const dev = rtnlNewlink("vxlan", { net: kernel.initNet, name: "vx0", data: ops.parse!(args), cred: ROOT_CRED }) as VxlanDevice;
const [a, plen] = cfg.addr.split("/");
ipAddrAdd(kernel.initNet, ROOT_CRED, { dev: "vx0", local: ip(a!), prefixLen: Number(plen ?? 24) });
devOpen(dev);
const clock = RealtimeClock.for(kernel);
const udpMib = ipv4Net(kernel.initNet).udpMib;

type Command = { cmd: string } & Record<string, unknown>;

async function ping(dst: string, count: number, intervalMs: number, size: number, timeoutMs: number): Promise<unknown> {
  const sk = pingSocket(kernel.initNet, ROOT_CRED);
  const replies: EchoReply[] = [];
  sk.onReadable = () => {
    for (let r = sk.recv(); r !== null; r = sk.recv()) replies.push(r);
  };
  const t0 = performance.now();
  for (let seq = 1; seq <= count; seq++) {
    if (seq > 1) await clock.sleep(intervalMs);
    sk.sendEcho(ip(dst), seq, size);
    clock.kick();
  }
  await clock.until(() => replies.length >= count, timeoutMs);
  sk.close();
  return {
    replies: replies.map((r) => ({ seq: r.seq, from: ipv4ToString(r.from), len: r.len, rttMs: r.rttMs })),
    elapsedMs: performance.now() - t0,
  };
}

async function udpEcho(dst: string, port: number, sizes: number[], timeoutMs: number): Promise<unknown> {
  const sk = udpSocket(kernel.initNet, ROOT_CRED);
  sk.bind(0, 0);
  const got: { len: number; ok: boolean; from: string; port: number }[] = [];
  const sent = sizes.map((n, i) => Uint8Array.from({ length: n }, (_, j) => (j * 31 + i) & 0xff));
  sk.onReadable = () => {
    for (let d = sk.recv(); d !== null; d = sk.recv()) {
      const want = sent.find((s) => s.length === d!.data.length);
      got.push({ len: d.data.length, ok: want !== undefined && want.every((b, j) => b === d!.data[j]), from: ipv4ToString(d.addr), port: d.port });
    }
  };
  for (const s of sent) sk.sendto(s, ip(dst), port);
  clock.kick();
  await clock.until(() => got.length >= sizes.length, timeoutMs);
  sk.close();
  return { echoed: got };
}

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case "ping":
      return ping(String(c["dst"]), Number(c["count"] ?? 3), Number(c["interval"] ?? 1000), Number(c["size"] ?? 56), Number(c["timeout"] ?? 5000));
    case "udp-echo":
      return udpEcho(String(c["dst"]), Number(c["port"]), c["sizes"] as number[], Number(c["timeout"] ?? 5000));
    case "neigh":
      return { entries: neighDump(kernel.initNet, { dev: "vx0" }).map((n) => ({ dst: ipv4ToString(n.dst), lladdr: n.lladdr === null ? null : macToString(n.lladdr), state: n.state })) };
    case "fdb":
      return { entries: fdbDump(dev) };
    case "stats":
      return {
        ethtool: Object.fromEntries(ethtoolGetStats(dev)),
        dev: devGetStats(dev),
        udp: { inDatagrams: udpMib[UDP_MIB_INDATAGRAMS], inCsumErrors: udpMib[UDP_MIB_CSUMERRORS] },
      };
    case "exit":
      setImmediate(() => process.exit(0));
      return { bye: true };
    default:
      return { error: `unknown command ${c.cmd}` };
  }
}

try {
  await vxlanReady(dev);
} catch (e) {
  out({ ready: false, error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
out({ ready: true, mac: macToString(dev.devAddr.subarray(0, 6)) });

// Commands run one at a time, in order.
let queue: Promise<void> = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "") return;
  queue = queue.then(async () => {
    try {
      out(await handle(JSON.parse(line) as Command));
    } catch (e) {
      out({ error: e instanceof Error ? e.message : String(e) });
    }
  });
}).on("close", () => process.exit(0));
