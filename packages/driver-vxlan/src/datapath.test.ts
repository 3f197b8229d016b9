import { describe, expect, it } from "vitest";
import { allocSkb, devClose, devGetStats, devQueueXmit, ethtoolGetStats, ipv4ToString, type Kernel } from "@vnet/core";
import { fdbAdd, fdbAppend, fdbDel, fdbDump, fdbReplace, MemoryUnderlay, VxlanHeader, type VxlanDevice } from "./index.js";
import { boot, ip, linkAdd, lockstep, pair, ping, udpBound, up } from "./test-helpers.js";

function stats(dev: VxlanDevice): Record<string, number> {
  return Object.fromEntries(ethtoolGetStats(dev));
}

describe("two kernels over VXLAN (memory underlay)", () => {
  it("carries a ping both ways, ARP included, and learns the remote VTEPs", () => {
    const { a, b, va, vb } = pair();
    const got = ping([a, b], a.initNet, "10.99.0.2", 3);
    expect(got.map((r) => [ipv4ToString(r.from), r.seq])).toEqual([["10.99.0.2", 1], ["10.99.0.2", 2], ["10.99.0.2", 3]]);
    const back = ping([a, b], b.initNet, "10.99.0.1", 2);
    expect(back.map((r) => r.seq)).toEqual([1, 2]);
    // Each side learned where the other's MAC lives: the sending VTEP's underlay address.
    const learnedA = fdbDump(va).filter((e) => e.mac !== "00:00:00:00:00:00");
    expect(learnedA).toEqual([expect.objectContaining({ dst: "192.0.2.2", state: "", flags: ["self"] })]);
    expect(learnedA[0]!.mac).toBe([...vb.devAddr.subarray(0, 6)].map((x) => x.toString(16).padStart(2, "0")).join(":"));
    expect(fdbDump(vb).find((e) => e.dst === "192.0.2.1" && e.state === "")).toBeDefined();
    expect(stats(va)["fdb_learned"]).toBe(1);
    const sa = devGetStats(va);
    expect(sa.txPackets).toBeGreaterThanOrEqual(5);
    expect(sa.rxPackets).toBeGreaterThanOrEqual(5);
    expect(sa.rxErrors + sa.txErrors + sa.txDropped).toBe(0);
  });

  it("puts an RFC 7348 header on the wire: I flag, 24-bit VNI, dstport 4789, a hashed source port", () => {
    const { wire, a, b } = pair({ vni: 0xabcdef });
    const seen: { from: string; sport: number; dport: number; flags: number; vni: number; inner: number }[] = [];
    wire.tap = (bytes, s, sport, _d, dport) => {
      const h = VxlanHeader.checked(bytes)!;
      seen.push({ from: ipv4ToString(s), sport, dport, flags: h.flags, vni: h.vni, inner: h.payloadLength });
    };
    ping([a, b], a.initNet, "10.99.0.2", 3);
    expect(seen.length).toBeGreaterThanOrEqual(6);
    for (const s of seen) {
      expect(s.flags).toBe(0x08);
      expect(s.vni).toBe(0xabcdef);
      expect(s.dport).toBe(4789);
      expect(s.sport).toBeGreaterThanOrEqual(32768);
      expect(s.sport).toBeLessThan(60999);
    }
    // One flow, one source port: the three echo requests (98-byte frames) all left from the same one.
    const requests = seen.filter((s) => s.inner === 98 && s.from === "192.0.2.1");
    expect(requests.length).toBe(3);
    expect(new Set(requests.map((s) => s.sport)).size).toBe(1);
  });

  it("follows every change of the forwarding database at once", () => {
    const { wire, a, va, vb } = pair();
    const to: string[] = [];
    wire.tap = (_b, _s, _sp, daddr) => to.push(ipv4ToString(daddr));
    const send = (): void => {
      const skb = allocSkb(60 + 32);
      skb.reserve(32);
      const at = skb.put(60);
      skb.head.set(vb.devAddr.subarray(0, 6), at);
      skb.head.set(va.devAddr.subarray(0, 6), at + 6);
      skb.dev = va;
      devQueueXmit(skb);
      a.runFor(0);
    };
    const mac = vb.devAddr.subarray(0, 6);
    send(); // unknown: flooded to the remote
    fdbAdd(va, mac, "192.0.2.7");
    send();
    fdbReplace(va, mac, "192.0.2.8");
    send();
    fdbDel(va, mac);
    send(); // flooded again
    fdbDel(va, "00:00:00:00:00:00");
    send(); // nowhere to go
    expect(to).toEqual(["192.0.2.2", "192.0.2.7", "192.0.2.8", "192.0.2.2"]);
    expect(stats(va)["tx_no_remote"]).toBe(1);
  });

  it("makes room for the header when a frame comes without headroom", () => {
    const { wire, a, va, vb } = pair();
    const frames: Uint8Array[] = [];
    wire.tap = (bytes) => frames.push(bytes.slice());
    const frame = new Uint8Array(60).map((_, i) => i);
    frame.set(vb.devAddr.subarray(0, 6), 0);
    frame.set(va.devAddr.subarray(0, 6), 6);
    const skb = allocSkb(frame.length);
    skb.head.set(frame, skb.put(frame.length));
    skb.dev = va;
    expect(skb.headroom()).toBe(0);
    devQueueXmit(skb);
    a.runFor(0);
    expect(frames.length).toBe(1);
    expect(VxlanHeader.checked(frames[0]!)!.vni).toBe(42);
    expect(frames[0]!.subarray(8)).toEqual(frame);
    expect(devGetStats(va).txPackets).toBe(1);
  });

  it("keeps the source port within `srcport MIN MAX` and sends to `dstport`", () => {
    const wire = new MemoryUnderlay();
    const a = boot(wire.host("192.0.2.1"), 1);
    const b = boot(wire.host("192.0.2.2"), 2);
    const va = linkAdd(a, "vx0", ["id", "5", "remote", "192.0.2.2", "dstport", "4790", "srcport", "5000", "5002"]);
    const vb = linkAdd(b, "vx0", ["id", "5", "remote", "192.0.2.1", "dstport", "4790"]);
    up(va, "10.5.0.1/24");
    up(vb, "10.5.0.2/24");
    const ports = new Set<number>();
    wire.tap = (_b, saddr, sport, _d, dport) => {
      expect(dport).toBe(4790);
      if (saddr === ip("192.0.2.1")) ports.add(sport);
    };
    for (let i = 0; i < 20; i++) {
      const sk = udpBound(a.initNet, 1000 + i);
      sk.sendto(new Uint8Array(10), ip("10.5.0.2"), 2000 + i);
      lockstep([a, b], () => false, 5);
      sk.close();
    }
    expect([...ports].every((p) => p >= 5000 && p < 5002)).toBe(true);
    expect(ports.size).toBe(2);
  });

  it("carries UDP both ways, datagrams large enough to fragment included", () => {
    const { a, b } = pair();
    const sa = udpBound(a.initNet, 7000);
    const sb = udpBound(b.initNet, 7001);
    const big = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7) & 0xff);
    sa.sendto(big, ip("10.99.0.2"), 7001);
    sb.sendto(new Uint8Array([1, 2, 3]), ip("10.99.0.1"), 7000);
    lockstep([a, b], () => sb.queued > 0 && sa.queued > 0, 2000);
    const gotB = sb.recv()!;
    expect(gotB.data).toEqual(big);
    expect(ipv4ToString(gotB.addr)).toBe("10.99.0.1");
    expect(sa.recv()!.data).toEqual(new Uint8Array([1, 2, 3]));
    // 4000 bytes over a 1450-byte MTU: three IP fragments, each in its own VXLAN datagram.
    sb.sendto(big.subarray(0, 3000), ip("10.99.0.1"), 7000);
    lockstep([a, b], () => sa.queued > 0, 2000);
    expect(sa.recv()!.data).toEqual(big.subarray(0, 3000));
  });

  it("floods broadcasts and unknown unicast to every remote of the all-zeros entry", () => {
    const wire = new MemoryUnderlay();
    const ks = ["192.0.2.1", "192.0.2.2", "192.0.2.3"].map((h, i) => boot(wire.host(h), i + 1));
    const [a, b, c] = ks as [Kernel, Kernel, Kernel];
    const va = linkAdd(a, "vx0", ["id", "42", "remote", "192.0.2.2"]);
    fdbAppend(va, "00:00:00:00:00:00", "192.0.2.3");
    const vb = linkAdd(b, "vx0", ["id", "42", "remote", "192.0.2.1"]);
    const vc = linkAdd(c, "vx0", ["id", "42", "remote", "192.0.2.1"]);
    up(va, "10.99.0.1/24");
    up(vb, "10.99.0.2/24");
    up(vc, "10.99.0.3/24");
    const dests: string[] = [];
    wire.tap = (_b, s, _sp, d) => {
      if (s === ip("192.0.2.1")) dests.push(ipv4ToString(d));
    };
    expect(ping(ks, a.initNet, "10.99.0.2", 1).length).toBe(1);
    expect(ping(ks, a.initNet, "10.99.0.3", 1).length).toBe(1);
    // The ARP requests (broadcast) went to both remotes; once learned, echo requests go to one.
    expect(dests.filter((d) => d === "192.0.2.3").length).toBeGreaterThanOrEqual(2);
    expect(fdbDump(va).filter((e) => e.mac === "00:00:00:00:00:00").map((e) => e.dst)).toEqual(["192.0.2.2", "192.0.2.3"]);
    expect(devGetStats(vc).rxPackets).toBeGreaterThan(0);
  });

  it("drops what it cannot send anywhere (no entry, no remote) and counts tx_no_remote", () => {
    const wire = new MemoryUnderlay();
    const a = boot(wire.host("192.0.2.1"));
    const va = linkAdd(a, "vx0", ["id", "42"]);
    up(va, "10.99.0.1/24");
    ping([a], a.initNet, "10.99.0.2", 1);
    expect(wire.sent).toBe(0);
    expect(stats(va)["tx_no_remote"]).toBeGreaterThan(0);
    expect(devGetStats(va).txDropped).toBe(stats(va)["tx_no_remote"]);
  });

  it("does not learn with nolearning, and forgets learned entries when it goes down", () => {
    const { a, b, va } = pair({ learning: false });
    ping([a, b], a.initNet, "10.99.0.2", 1);
    expect(fdbDump(va).map((e) => e.mac)).toEqual(["00:00:00:00:00:00"]);
    const p = pair();
    ping([p.a, p.b], p.a.initNet, "10.99.0.2", 1);
    expect(fdbDump(p.va).length).toBe(2);
    devClose(p.va);
    expect(fdbDump(p.va).map((e) => e.state)).toEqual(["permanent"]);
  });
});
