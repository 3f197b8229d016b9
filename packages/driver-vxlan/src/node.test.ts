import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { devClose, EADDRINUSE, ethtoolGetStats, KernelError, pingSocket, ROOT_CRED, udpSocket, type EchoReply } from "@vnet/core";
import { RealtimeClock, vxlanReady } from "./index.js";
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
