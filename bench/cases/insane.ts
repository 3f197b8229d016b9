// insane in pass mode onto an etun pair (issue #6): 64-byte frames sent on `insane`, whose slave is
// veth0, relayed to veth0, crossing to veth1 and received there by a protocol handler; against the
// same frames sent straight on veth0, in the same process. As in bench/cases/etun.ts, each frame is
// copied into a pooled skb and queued with dev_queue_xmit, in bursts of BURST that the receive
// softirq (kernel.run) drains. A third device, `hop`, relays with nothing to decide (skb->dev =
// slave, dev_queue_xmit): it prices one extra device hop, the floor for any stacked driver.
//
// Rounds rotate the order of the ways and are timed on the process's CPU clock (process.cpuUsage):
// on a shared machine, time spent descheduled would otherwise decide a round's ratio.
//
//   node bench/run.mjs insane --runs 5
//
// Metrics (rates per CPU second; ratios: the median of the per-round ratios within one process):
// - insane.etun_alone (the baseline), insane.etun_pass (ratio to it) and insane.etun_ratio,
//   target >= 0.8: the relay costs about one extra device hop. insane.etun_hop and
//   insane.etun_hop_ratio: the same through `hop`, for comparison.
// - insane.udp_alone, insane.udp_pass, insane.udp_ratio: the article's setup (insane in borea with
//   eth0's address, a host route to morgana through it): 64-byte UDP datagrams from a socket up to
//   morgana's socket, straight on eth0 or through insane, whose relay resolves the next hop in
//   eth0's ARP table.
// - insane.slave_alone, insane.pass, insane.pass_ratio: frames onto a slave that counts and frees,
//   no receive side at all, so the relay's own cost shows undiluted.
// The process exits 1 if a frame or datagram is lost.
import {
  IFF_NO_QUEUE, Kernel, NETDEV_TX_OK, ROOT_CRED, SockAddrIn, allocNetdev, devGetStats, devOpen, devQueueXmit, etherSetup,
  ipAddrAdd, ipRouteAdd, kfreeSkb, registerNetdev, rtnlNewlink, udpSocket, type NetDevice, type NetDeviceOps, type UdpSocket,
} from "@vnet/core";
import { etun } from "@vnet/driver-etun";
import insane, { insanelySet } from "@vnet/driver-insane";
import { benchFrame, countFrames, xmitFrame } from "../frames.js";
import { emit, opsPerSec } from "../lib.js";

// Below netdev_max_backlog (1000), so no frame is dropped at netif_rx.
const BURST = 256;
const ROUNDS = 21;
const ROUND_MS = 60;

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;

/** Operations per CPU second of `fn` over `ms` of CPU time (bench/lib.ts's clock). */
function cpuOpsPerSec(fn: () => unknown, ms: number, batch: number, opsPerCall: number): number {
  return opsPerSec(fn, { minMs: ms, warmupMs: 0, batch, opsPerCall, clock: "cpu" });
}

/**
 * Rounds of every way in `ways`, each round starting one further along: the median rate of each
 * way, and the median of each way's per-round ratio to the first way.
 */
function rounds(ways: readonly (() => unknown)[], batch: number, opsPerCall: number): { rates: number[]; ratios: number[] } {
  const n = ways.length;
  const rates: number[][] = ways.map(() => []);
  const ratios: number[][] = ways.map(() => []);
  // One untimed pass of each first, so that all are compiled before the first round counts.
  for (const way of ways) cpuOpsPerSec(way, 200, batch, opsPerCall);
  for (let round = 0; round < ROUNDS; round++) {
    const r: number[] = [];
    for (let j = 0; j < n; j++) {
      const i = (round + j) % n;
      r[i] = cpuOpsPerSec(ways[i]!, ROUND_MS, batch, opsPerCall);
    }
    for (let i = 0; i < n; i++) {
      rates[i]!.push(r[i]!);
      ratios[i]!.push(r[i]! / r[0]!);
    }
  }
  return { rates: rates.map(median), ratios: ratios.map(median) };
}

const k = new Kernel({ seed: 1 });
k.insmod(etun);
k.insmod(insane);
k.vfs.write("/sys/module/etun/parameters/newif", "veth0,veth1\n", { net: k.initNet, cred: ROOT_CRED });
const veth0: NetDevice = k.initNet.devices.get("veth0")!;
const veth1: NetDevice = k.initNet.devices.get("veth1")!;
const dev: NetDevice = k.initNet.devices.get("insane")!;
devOpen(veth0);
devOpen(veth1);
devOpen(dev);
insanelySet(k.initNet, ROOT_CRED, "insane", { slave: "veth0", mode: "pass" });

/** One device hop and nothing else: what any relay to veth0 costs at least. */
const hopOps: NetDeviceOps<{ slave: NetDevice }> = {
  startXmit(skb, d) {
    skb.dev = d.priv.slave;
    devQueueXmit(skb);
    return NETDEV_TX_OK;
  },
};
const hop = allocNetdev(k.initNet, "hop", (d) => {
  etherSetup(d);
  d.ops = hopOps;
  d.privFlags |= IFF_NO_QUEUE;
}, { slave: veth0 });
registerNetdev(hop);
devOpen(hop);
k.run();

const counter = countFrames(k);
// One frame's bytes, copied into each pooled buffer: destination veth1, source veth0 (insane's too).
const frame = benchFrame(veth1, veth0);

let sent = 0;
function burst(through: NetDevice): number {
  for (let i = 0; i < BURST; i++) xmitFrame(frame, through);
  sent += BURST;
  k.run();
  return counter.received;
}

const onEtun = rounds([() => burst(veth0), () => burst(dev), () => burst(hop)], 16, BURST);
if (counter.received !== sent || devGetStats(dev).txDropped !== 0) {
  process.stderr.write(`insane: sent ${sent} frames, received ${counter.received}\n`);
  process.exit(1);
}
emit("insane.etun_alone", onEtun.rates[0]!, "frames/cpu-s");
emit("insane.etun_pass", onEtun.rates[1]!, "frames/cpu-s", { baseline: "insane.etun_alone" });
emit("insane.etun_ratio", onEtun.ratios[1]!, "ratio", { target: { min: 0.8 } });
emit("insane.etun_hop", onEtun.rates[2]!, "frames/cpu-s", { baseline: "insane.etun_alone" });
emit("insane.etun_hop_ratio", onEtun.ratios[2]!, "ratio");

// ---- UDP in the article's setup: borea -> morgana, on eth0 or through insane ----

const ip = (s: string): number => s.split(".").reduce((a, o) => a * 256 + Number(o), 0);
const borea = k.createNet("borea");
const morgana = k.createNet("morgana");
rtnlNewlink("etun", { net: borea, name: "eth0", cred: ROOT_CRED, data: { peerName: "eth0", peerNet: morgana } });
devOpen(borea.devices.get("eth0")!);
devOpen(morgana.devices.get("eth0")!);
ipAddrAdd(borea, ROOT_CRED, { dev: "eth0", local: ip("192.168.16.1"), prefixLen: 24 });
// morgana answers to two names: .2 is reached on eth0, .3 through insane.
ipAddrAdd(morgana, ROOT_CRED, { dev: "eth0", local: ip("192.168.16.2"), prefixLen: 24 });
ipAddrAdd(morgana, ROOT_CRED, { dev: "eth0", local: ip("192.168.16.3"), prefixLen: 24 });
const bdev = rtnlNewlink("insane", { net: borea, name: "insane", cred: ROOT_CRED, data: {} });
insanelySet(borea, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
ipAddrAdd(borea, ROOT_CRED, { dev: "insane", local: ip("192.168.16.1"), prefixLen: 32 });
devOpen(bdev);
ipRouteAdd(borea, ROOT_CRED, { dst: ip("192.168.16.3"), dstLen: 32, dev: "insane" });

const server = udpSocket(morgana, ROOT_CRED);
server.bind(0, 7);
const direct = udpSocket(borea, ROOT_CRED);
direct.connect(ip("192.168.16.2"), 7);
const relayed = udpSocket(borea, ROOT_CRED);
relayed.connect(ip("192.168.16.3"), 7);

const data = new Uint8Array(64).fill(0x5a);
const buf = new Uint8Array(2048);
const from = new SockAddrIn();
const UDP_BURST = 64;
let datagramsSent = 0;
let datagramsReceived = 0;
function udpBurst(sock: UdpSocket): number {
  for (let i = 0; i < UDP_BURST; i++) sock.send(data);
  datagramsSent += UDP_BURST;
  k.runFor(0);
  while (server.recvfrom(buf, from) >= 0) datagramsReceived++;
  return datagramsReceived;
}
// Resolve morgana on eth0 before timing.
udpBurst(direct);
udpBurst(relayed);
k.runFor(10_000);
while (server.recvfrom(buf, from) >= 0) datagramsReceived++;

const onUdp = rounds([() => udpBurst(direct), () => udpBurst(relayed)], 8, UDP_BURST);
if (datagramsReceived !== datagramsSent || devGetStats(bdev).txPackets === 0 || devGetStats(bdev).txDropped !== 0) {
  process.stderr.write(`insane: sent ${datagramsSent} datagrams, received ${datagramsReceived}\n`);
  process.exit(1);
}
emit("insane.udp_alone", onUdp.rates[0]!, "datagrams/cpu-s");
emit("insane.udp_pass", onUdp.rates[1]!, "datagrams/cpu-s", { baseline: "insane.udp_alone" });
emit("insane.udp_ratio", onUdp.ratios[1]!, "ratio");

// ---- the trivial slave, last, so that its driver takes no part in the rounds above ----

const slaveOps: NetDeviceOps<{ sent: number }> = {
  startXmit(skb, d) {
    d.priv.sent++;
    kfreeSkb(skb);
    return NETDEV_TX_OK;
  },
};
const eth0 = allocNetdev(k.initNet, "eth0", (d) => {
  etherSetup(d);
  d.ops = slaveOps;
  d.privFlags |= IFF_NO_QUEUE;
  d.devAddr.set([0x02, 0, 0, 0, 0, 0x10]);
}, { sent: 0 });
registerNetdev(eth0);
devOpen(eth0);
insanelySet(k.initNet, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
k.run();
const relayedBefore = devGetStats(dev).txPackets;
const onSlave = rounds([() => xmitFrame(frame, eth0), () => xmitFrame(frame, dev)], 1000, 1);
if (devGetStats(dev).txPackets === relayedBefore || devGetStats(dev).txDropped !== 0) {
  process.stderr.write("insane: frames did not reach the trivial slave\n");
  process.exit(1);
}
emit("insane.slave_alone", onSlave.rates[0]!, "frames/cpu-s");
emit("insane.pass", onSlave.rates[1]!, "frames/cpu-s", { baseline: "insane.slave_alone" });
emit("insane.pass_ratio", onSlave.ratios[1]!, "ratio");
