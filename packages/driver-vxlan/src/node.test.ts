import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import {
  allocSkb, devClose, devQueueXmit, EADDRINUSE, ethtoolGetStats, KernelError, NET_SKB_PAD, pingSocket, ROOT_CRED, udpSocket, type EchoReply,
} from "@vnet/core";
import { fdbAppend, RealtimeClock, vxlanReady } from "./index.js";
import { NodeUdpTransport, nodeTransport } from "./node.js";
import { boot, ip, linkAdd, up } from "./test-helpers.js";

/** A UDP port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe("node:dgram transport (127.0.0.0/8)", () => {
  it("joins two kernels over real sockets: ping and UDP, in real time", async () => {
    const port = await freePort();
    const a = boot(nodeTransport(), 1);
    const b = boot(nodeTransport(), 2);
    const va = linkAdd(a, "vx0", ["id", "42", "local", "127.0.0.1", "remote", "127.0.0.2", "dstport", String(port)]);
    const vb = linkAdd(b, "vx0", ["id", "42", "local", "127.0.0.2", "remote", "127.0.0.1", "dstport", String(port)]);
    up(va, "10.99.0.1/24");
    up(vb, "10.99.0.2/24");
    await Promise.all([vxlanReady(va), vxlanReady(vb)]);
    const clock = RealtimeClock.of(a)!;
    expect(clock.running).toBe(true);

    const sk = pingSocket(a.initNet, ROOT_CRED);
    const replies: EchoReply[] = [];
    sk.onReadable = () => {
      for (let r = sk.recv(); r !== null; r = sk.recv()) replies.push(r);
    };
    for (let seq = 1; seq <= 3; seq++) {
      sk.sendEcho(ip("10.99.0.2"), seq);
      clock.kick();
      expect(await clock.until(() => replies.length === seq, 3000)).toBe(true);
    }
    expect(replies.map((r) => r.seq)).toEqual([1, 2, 3]);
    // Real round trips through the host's loopback: measurable, not virtual zero, and well under a second.
    for (const r of replies.slice(1)) {
      expect(r.rttMs).toBeGreaterThan(0);
      expect(r.rttMs).toBeLessThan(500);
    }

    const ua = udpSocket(a.initNet, ROOT_CRED);
    const ub = udpSocket(b.initNet, ROOT_CRED);
    ub.bind(0, 9000);
    const big = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    ua.sendto(big, ip("10.99.0.2"), 9000);
    clock.kick();
    expect(await RealtimeClock.of(b)!.until(() => ub.queued > 0, 3000)).toBe(true);
    expect(ub.recv()!.data).toEqual(big);
    ua.close();
    ub.close();
    sk.close();
    devClose(va);
    devClose(vb);
    expect(clock.running).toBe(false);
  });

  it("sends each flow from its hashed source port, to dstport", async () => {
    const port = await freePort();
    const peer = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => peer.bind(port, "127.0.0.3", resolve));
    const seen: number[] = [];
    peer.on("message", (_m, rinfo) => seen.push(rinfo.port));
    const k = boot(nodeTransport(), 3);
    const dev = linkAdd(k, "vx0", ["id", "42", "local", "127.0.0.1", "remote", "127.0.0.3", "dstport", String(port)]);
    up(dev, "10.99.0.1/24");
    await vxlanReady(dev);
    // ARP for 10.99.0.2 is flooded to 127.0.0.3, retried each second: one flow, one hashed port.
    const ua = udpSocket(k.initNet, ROOT_CRED);
    ua.sendto(new Uint8Array(4), ip("10.99.0.2"), 9);
    await RealtimeClock.of(k)!.until(() => seen.length >= 3, 5000);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    // The first datagram may leave from the listening port while the flow's socket binds.
    const later = seen.slice(1);
    expect(new Set(later).size).toBe(1);
    expect(later[0]).toBeGreaterThanOrEqual(32768);
    expect(later[0]).toBeLessThan(60999);
    ua.close();
    devClose(dev);
    peer.close();
  });

  it("sends a burst and a flood byte for byte, to every remote", async () => {
    const port = await freePort();
    const peers = ["127.0.0.3", "127.0.0.4"].map((addr) => {
      const sock = dgram.createSocket("udp4");
      const got: { bytes: Buffer; sport: number }[] = [];
      sock.on("message", (m, rinfo) => got.push({ bytes: m, sport: rinfo.port }));
      return { addr, sock, got };
    });
    for (const p of peers) await new Promise<void>((resolve) => p.sock.bind(port, p.addr, resolve));
    const k = boot(nodeTransport(), 5);
    const dev = linkAdd(k, "vx0", ["id", "42", "local", "127.0.0.1", "remote", "127.0.0.3", "dstport", String(port)]);
    fdbAppend(dev, "00:00:00:00:00:00", "127.0.0.4");
    up(dev);
    await vxlanReady(dev);
    // Broadcast frames of one flow: flooded to both remotes, one after another without a pause,
    // so each datagram must leave with its own bytes even though the driver reuses its buffers.
    const N = 300;
    const frames: Uint8Array[] = [];
    for (let i = 0; i < N; i++) {
      const f = new Uint8Array(64 + (i % 50));
      f.fill(0xff, 0, 6);
      f.set(dev.devAddr.subarray(0, 6), 6);
      f[12] = 0x88;
      f[13] = 0xb5;
      for (let j = 14; j < f.length; j++) f[j] = (i * 7 + j) & 0xff;
      frames.push(f);
      const skb = allocSkb(f.length + NET_SKB_PAD);
      skb.reserve(NET_SKB_PAD);
      skb.head.set(f, skb.put(f.length));
      skb.dev = dev;
      devQueueXmit(skb);
      // Later frames find the flow's socket bound and connected; the peers read between runs of
      // 25 (what this process does not read, the host's receive buffer would drop).
      if (i === 10) await new Promise((resolve) => setTimeout(resolve, 50));
      else if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const clock = RealtimeClock.of(k)!;
    await clock.until(() => peers.every((p) => p.got.length >= N), 5000);
    expect(peers.map((p) => p.got.length)).toEqual([N, N]);
    for (const p of peers) {
      expect(p.got.map((g) => Buffer.from(g.bytes.subarray(8)).toString("hex"))).toEqual(frames.map((f) => Buffer.from(f).toString("hex")));
      for (const g of p.got) expect(g.sport === port || (g.sport >= 32768 && g.sport < 60999)).toBe(true);
    }
    // The flow's own socket carried it to its first remote once ready.
    expect(peers[0]!.got.at(-1)!.sport).not.toBe(port);
    devClose(dev);
    for (const p of peers) p.sock.close();
  }, 15_000);

  it("reports a port in use as a clear error naming the address and port", async () => {
    const port = await freePort();
    const squatter = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => squatter.bind(port, "127.0.0.1", resolve));
    try {
      const err = await NodeUdpTransport.bind("127.0.0.1", port).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KernelError);
      expect((err as KernelError).errno).toBe(EADDRINUSE);
      expect((err as KernelError).message).toBe(`vxlan: cannot bind UDP 127.0.0.1:${port}: Address already in use`);

      // Through the driver: the device comes up (the bind is asynchronous), then says why it cannot work.
      const k = boot(nodeTransport(), 4);
      const dev = linkAdd(k, "vx0", ["id", "42", "local", "127.0.0.1", "remote", "127.0.0.9", "dstport", String(port)]);
      up(dev, "10.99.0.1/24");
      await expect(vxlanReady(dev)).rejects.toThrow(`vxlan: cannot bind UDP 127.0.0.1:${port}: Address already in use`);
      expect(k.log.some((l) => l.endsWith(`vxlan vx0: cannot bind UDP 127.0.0.1:${port}: Address already in use`))).toBe(true);
      // Nothing is sent from some other port instead: frames are dropped and counted.
      const ua = udpSocket(k.initNet, ROOT_CRED);
      ua.sendto(new Uint8Array(4), ip("10.99.0.9"), 9);
      k.runFor(0);
      expect(Object.fromEntries(ethtoolGetStats(dev))["tx_transport_errors"]).toBeGreaterThan(0);
      ua.close();
      devClose(dev);
    } finally {
      squatter.close();
    }
  });
});
