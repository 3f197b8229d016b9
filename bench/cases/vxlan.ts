// VXLAN between two vnet kernels in this process, each following the wall clock (RealtimeClock).
//
//   node --expose-gc --import tsx --conditions=@vnet/source bench/cases/vxlan.ts
//
// Metrics:
// - dgram.loopback: Node's own node:dgram rate on 127.0.0.1, by baseline-dgram.ts's method and
//   sockets, its rounds interleaved with vxlan.frames' so that both see the same machine (its
//   samples pool with that case's when both run).
// - vxlan.frames (frames/s, baseline dgram.loopback): 64-byte Ethernet payloads sent with
//   devQueueXmit on kernel A's vx0 (127.0.0.1) over node:dgram to kernel B's vx0 (127.0.0.2),
//   counted by a protocol handler on B. Each frame is one datagram, measured by the baseline's
//   windowed rounds (same window, same refill, same 4 MB socket buffers).
// - vxlan.memory.frames (frames/s): the same through a MemoryUnderlay in virtual time, in bursts:
//   the driver's own cost (encapsulation, FDB lookup, flow hash, checks, decapsulation), no sockets.
// - vxlan.ping.rtt (us): median round trip of ICMP echoes between the kernels over node:dgram.
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import {
  allocSkb, devOpen, devQueueXmit, ipAddrAdd, Kernel, kfreeSkb, NET_SKB_PAD, parseIpv4, pingSocket, ROOT_CRED, rtnlNewlink,
  type EchoReply, type NetDevice, type PacketType,
} from "@vnet/core";
import { createVxlan, MemoryUnderlay, RealtimeClock, vxlanReady, type VxlanTransportFactory } from "@vnet/driver-vxlan";
import { nodeTransport } from "@vnet/driver-vxlan/node";
import { emit, opsPerSec } from "../lib.js";
import { add, dgramPair, emitBaseline, rate, round, ROUNDS, type Measured, type Pair } from "./baseline-dgram.js";

const PAYLOAD = 64;
const FRAME_LEN = 14 + PAYLOAD;
const ETH_P_BENCH = 0x88b5;
const PINGS = 200;
/** The baseline's socket buffers. */
const BUFFERS = { recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 };

function ip(text: string): number {
  return parseIpv4(text)! >>> 0;
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A kernel with vx0 (VNI 42) at `local`, pointing at `remote`, addressed `addr`/24. */
function vtep(transport: VxlanTransportFactory, seed: number, local: string, remote: string, port: number, addr: string): NetDevice {
  const k = new Kernel({ seed });
  k.insmod(createVxlan({ transport }));
  const args = ["id", "42", "local", local, "remote", remote, "dstport", String(port)];
  const dev = rtnlNewlink("vxlan", { net: k.initNet, name: "vx0", data: k.linkKinds.get("vxlan")!.parse!(args), cred: ROOT_CRED });
  ipAddrAdd(k.initNet, ROOT_CRED, { dev: "vx0", local: ip(addr), prefixLen: 24 });
  devOpen(dev);
  return dev;
}

/** Sends one frame from `tx` to `rx`'s MAC. */
function sender(tx: NetDevice, rx: NetDevice): () => void {
  const frame = new Uint8Array(FRAME_LEN);
  frame.set(rx.devAddr.subarray(0, 6), 0);
  frame.set(tx.devAddr.subarray(0, 6), 6);
  frame[12] = ETH_P_BENCH >> 8;
  frame[13] = ETH_P_BENCH & 0xff;
  return () => {
    const skb = allocSkb(FRAME_LEN + NET_SKB_PAD);
    skb.reserve(NET_SKB_PAD);
    skb.head.set(frame, skb.put(FRAME_LEN));
    skb.dev = tx;
    devQueueXmit(skb);
  };
}

// ---- over memory, virtual time: the driver alone ----------------------------------------

{
  const wire = new MemoryUnderlay();
  const a = vtep(wire.host("192.0.2.1"), 1, "192.0.2.1", "192.0.2.2", 4789, "10.99.0.1");
  const b = vtep(wire.host("192.0.2.2"), 2, "192.0.2.2", "192.0.2.1", 4789, "10.99.0.2");
  let received = 0;
  b.net.kernel.addPack({ type: ETH_P_BENCH, func: (skb) => (received++, kfreeSkb(skb)) });
  const send = sender(a, b);
  const BURST = 256;
  let sent = 0;
  const rate = opsPerSec(() => {
    for (let i = 0; i < BURST; i++) send();
    sent += BURST;
    b.net.kernel.run();
    return received;
  }, { opsPerCall: BURST, batch: 16 });
  if (received !== sent) {
    process.stderr.write(`vxlan (memory): sent ${sent} frames, received ${received}\n`);
    process.exit(1);
  }
  emit("vxlan.memory.frames", rate, "frames/s");
}

// ---- over node:dgram on 127.0.0.0/8, real time --------------------------------------------

const port = await freePort();
const a = vtep(nodeTransport(BUFFERS), 1, "127.0.0.1", "127.0.0.2", port, "10.99.0.1");
const b = vtep(nodeTransport(BUFFERS), 2, "127.0.0.2", "127.0.0.1", port, "10.99.0.2");
await Promise.all([vxlanReady(a), vxlanReady(b)]);
const ka = a.net.kernel;
const kb = b.net.kernel;

{
  // Frames from A's vx0, counted by a protocol handler on B: the pair the windowed rounds drive.
  let cb: (() => void) | null = null;
  const handler: PacketType = {
    type: ETH_P_BENCH,
    func(skb) {
      kfreeSkb(skb);
      cb?.();
    },
  };
  kb.addPack(handler);
  const vxlanPair: Pair = { send: sender(a, b), onReceive: (f) => (cb = f) };
  const dgramBaseline = await dgramPair();
  const base: Measured = { count: 0, ns: 0n, lost: 0 };
  const vx: Measured = { count: 0, ns: 0n, lost: 0 };
  const warmup: Measured = { count: 0, ns: 0n, lost: 0 };
  await add(warmup, await round(dgramBaseline));
  await add(warmup, await round(vxlanPair));
  for (let i = 0; i < ROUNDS; i++) {
    await add(base, await round(dgramBaseline));
    await add(vx, await round(vxlanPair));
  }
  dgramBaseline.close();
  kb.removePack(handler);
  emitBaseline(base);
  if (vx.lost > 0) process.stderr.write(`vxlan: ${vx.lost} frames dropped by socket buffers\n`);
  emit("vxlan.frames", rate(vx), "frames/s", { baseline: "dgram.loopback" });
}

{
  const clock = RealtimeClock.for(ka);
  const sk = pingSocket(ka.initNet, ROOT_CRED);
  const rtts: number[] = [];
  sk.onReadable = () => {
    for (let r: EchoReply | null = sk.recv(); r !== null; r = sk.recv()) rtts.push(r.rttMs);
  };
  // The first echo resolves ARP and binds the flow's source socket: not counted.
  for (let seq = 0; seq <= PINGS; seq++) {
    const want = rtts.length + 1;
    sk.sendEcho(ip("10.99.0.2"), seq);
    clock.kick();
    if (!(await clock.until(() => rtts.length >= want, 2000))) {
      process.stderr.write(`vxlan: echo ${seq} got no reply\n`);
      process.exit(1);
    }
    if (seq === 0) rtts.length = 0;
  }
  sk.close();
  rtts.sort((x, y) => x - y);
  emit("vxlan.ping.rtt", rtts[rtts.length >> 1]! * 1000, "us");
}

// The sockets and clocks would keep the process alive: everything is measured.
process.exit(0);
