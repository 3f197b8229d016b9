// Property test: random and mutated frames fed through netif_rx into a live namespace.
//
// Accounting (checked per batch, on counter deltas of namespace B, which receives the frames):
//
//   (E1) every frame that entered B's stack (Σ rx_packets of B's devices: the injected frames
//        plus whatever the pair peer A sends back; plus B's own broadcasts looped back by
//        ip_mc_output, vnet MC_LOOPBACK) ends in exactly one of
//          - the device's rx_dropped (no protocol handler),
//          - ARP: inRequests + inReplies + inIgnored + inErrors,
//          - IPv4 OTHERHOST drop (vnet RX_OTHERHOST),
//          - IPv4 InReceives;
//   (E2) every datagram counted in InReceives, plus every datagram reassembled (ReasmOKs),
//        ends in exactly one of
//          - dropped: InHdrErrors, InTruncatedPkts, InDiscards, rt_cache in_martian_src,
//            in_martian_dst, ip_error (the dst of a failed lookup: vnet IP_ERROR, since
//            rt_cache in_no_route is counted before options can still drop), FragFails (DF too big to forward), and the drops Linux
//            counts nowhere (vnet: no in_device, multicast not joined, forwarding a non-host
//            frame, unicast in L2 multicast, source route refused),
//          - delivered: InDelivers + InUnknownProtos (protocol unreachable sent),
//          - forwarded: ForwDatagrams,
//          - queued for reassembly: ReasmReqds.
//
// Plus: no exception escapes, the backlog never overflows, the FIB is unchanged, the reassembly
// memory matches its queues, and ping and UDP between A and B still work after every batch.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import { devOpen } from "../netdevice/dev.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { IP_DF, IP_MF } from "../wire/ipv4.js";
import { addAddr, addRoute, ethFrame, inject, ip, ipPacket, makePair, makeSink, udpPayload } from "./testing.js";
import {
  ipv4Net, IPSTATS_MIB_FRAGFAILS, IPSTATS_MIB_INDELIVERS, IPSTATS_MIB_INDISCARDS, IPSTATS_MIB_INHDRERRORS,
  IPSTATS_MIB_INRECEIVES, IPSTATS_MIB_INTRUNCATEDPKTS, IPSTATS_MIB_INUNKNOWNPROTOS, IPSTATS_MIB_OUTFORWDATAGRAMS,
  IPSTATS_MIB_REASMOKS, IPSTATS_MIB_REASMREQDS, RT_STAT_IN_MARTIAN_DST, RT_STAT_IN_MARTIAN_SRC, VNET_MIB_IP_ERROR,
  VNET_MIB_FORW_NOT_HOST, VNET_MIB_IN_L2_MCAST_UNICAST, VNET_MIB_IN_MCAST_NOT_JOINED, VNET_MIB_IN_NO_INDEV, VNET_MIB_IN_SRR,
  VNET_MIB_RX_OTHERHOST, VNET_MIB_MC_LOOPBACK,
} from "./netns.js";
import { arpStats } from "../neigh/arp.js";
import { fragDir } from "./ip_fragment.js";
import { ipRouteDump } from "./netlink.js";
import { EchoReply, pingSocket } from "../socket/ping.js";
import { udpSocket, type UdpSocket } from "../socket/udp.js";
import { rawSocket } from "../socket/raw.js";

const BATCHES = 100;
const PER_BATCH = 1000;

/** B's incoming side as one number per counter group. */
function snapshot(b: Net): { rx: number; e1: number; ipIn: number; e2: number; softDrops: number } {
  const ns = ipv4Net(b);
  const ip = ns.ipMib;
  const rt = ns.rtStat;
  const v = ns.vnetMib;
  const arp = arpStats(b);
  let rx = 0;
  let coreDrops = 0;
  for (const dev of b.devList()) {
    rx += dev.stats.rxPackets;
    coreDrops += dev.coreStats?.rxDropped ?? 0;
  }
  rx += v[VNET_MIB_MC_LOOPBACK]!;
  const e1 = coreDrops + arp.inRequests + arp.inReplies + arp.inIgnored + arp.inErrors + v[VNET_MIB_RX_OTHERHOST]! + ip[IPSTATS_MIB_INRECEIVES]!;
  const e2 =
    ip[IPSTATS_MIB_INHDRERRORS]! + ip[IPSTATS_MIB_INTRUNCATEDPKTS]! + ip[IPSTATS_MIB_INDISCARDS]! + rt[RT_STAT_IN_MARTIAN_SRC]! +
    rt[RT_STAT_IN_MARTIAN_DST]! + v[VNET_MIB_IP_ERROR]! + ip[IPSTATS_MIB_FRAGFAILS]! + v[VNET_MIB_IN_NO_INDEV]! +
    v[VNET_MIB_IN_MCAST_NOT_JOINED]! + v[VNET_MIB_FORW_NOT_HOST]! + v[VNET_MIB_IN_L2_MCAST_UNICAST]! + v[VNET_MIB_IN_SRR]! +
    ip[IPSTATS_MIB_INDELIVERS]! + ip[IPSTATS_MIB_INUNKNOWNPROTOS]! + ip[IPSTATS_MIB_OUTFORWDATAGRAMS]! + ip[IPSTATS_MIB_REASMREQDS]!;
  return { rx, e1, ipIn: ip[IPSTATS_MIB_INRECEIVES]! + ip[IPSTATS_MIB_REASMOKS]!, e2, softDrops: b.kernel.softnet.dropped };
}

interface World {
  k: Kernel;
  a: Net;
  b: Net;
  inj: NetDevice;
  aEth: NetDevice;
  listener: UdpSocket;
}

function world(): World {
  const k = new Kernel({ seed: 1234 });
  const a = k.createNet("a");
  const b = k.createNet("b");
  devOpen(a.loopback);
  devOpen(b.loopback);
  const [aEth] = makePair(a, b, "eth0", "eth0");
  const inj = makeSink(b, "inj0");
  addAddr(a, "eth0", "10.0.0.1/24");
  addAddr(b, "eth0", "10.0.0.2/24");
  addAddr(b, "inj0", "10.0.9.1/24");
  addRoute(a, "default", { via: ip("10.0.0.2") });
  k.vfs.write("/proc/sys/net/ipv4/ip_forward", "1", { net: b, cred: ROOT_CRED });
  // Some sockets on B so that deliveries reach them.
  const listener = udpSocket(b, ROOT_CRED);
  listener.bind(0, 7);
  rawSocket(b, ROOT_CRED, 99);
  pingSocket(b, ROOT_CRED).bind(0, 4321);
  return { k, a, b, inj, aEth, listener };
}

const INTERESTING = [
  "10.0.9.1", "10.0.0.2", "10.0.0.1", "10.0.9.255", "10.0.0.255", "255.255.255.255", "0.0.0.0", "127.0.0.1", "224.0.0.1",
  "224.0.0.5", "239.1.2.3", "10.0.9.77", "10.0.0.77", "192.0.2.1", "8.8.8.8", "240.0.0.1",
].map(ip);

const addrArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...INTERESTING) }, { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) });

const payloadArb = fc.oneof(
  // ICMP echo request / reply with a small body
  fc.record({ kind: fc.constant("echo" as const), type: fc.constantFrom(0, 8, 13, 3, 11, 5, 255), code: fc.nat({ max: 20 }), body: fc.uint8Array({ maxLength: 64 }) }),
  // UDP to the listener, another port, or the ping/raw protocol
  fc.record({ kind: fc.constant("udp" as const), dport: fc.constantFrom(7, 9, 4321, 33434), body: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant("raw" as const), body: fc.uint8Array({ maxLength: 200 }) }),
);

const ipArb = fc.record({
  saddr: addrArb,
  daddr: addrArb,
  ttl: fc.constantFrom(0, 1, 2, 64, 255),
  protocol: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(1, 17, 99, 6) }, { weight: 1, arbitrary: fc.nat({ max: 255 }) }),
  id: fc.nat({ max: 3 }),
  frag: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(0, IP_DF) },
    { weight: 2, arbitrary: fc.record({ mf: fc.boolean(), off: fc.nat({ max: 40 }) }).map(({ mf, off }) => (mf ? IP_MF : 0) | off) },
    { weight: 1, arbitrary: fc.nat({ max: 0xffff }) },
  ),
  tos: fc.constantFrom(0, 0x10, 0x03),
  options: fc.oneof(
    { weight: 8, arbitrary: fc.constant(new Uint8Array(0)) },
    { weight: 1, arbitrary: fc.constantFrom(new Uint8Array([7, 7, 4, 0, 0, 0, 0, 0]), new Uint8Array([131, 7, 4, 1, 2, 3, 4, 1]), new Uint8Array([68, 4, 5, 0])) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 4, maxLength: 40 }).map((o) => o.subarray(0, o.length & ~3)) },
  ),
  payload: payloadArb,
});

const arpArb = fc.record({
  op: fc.constantFrom(1, 2, 3, 0, 9),
  hrd: fc.constantFrom(1, 1, 1, 6, 0x300),
  pro: fc.constantFrom(0x800, 0x800, 0x86dd),
  hln: fc.constantFrom(6, 6, 6, 4),
  pln: fc.constantFrom(4, 4, 4, 16),
  sha: fc.uint8Array({ minLength: 6, maxLength: 6 }),
  sip: addrArb,
  tip: addrArb,
});

const weighted = <T,>(common: T, rare: fc.Arbitrary<T>, odds: number): fc.Arbitrary<T> =>
  fc.oneof({ weight: odds, arbitrary: fc.constant(common) }, { weight: 1, arbitrary: rare });

/** A datagram cut into fragments, possibly reordered, duplicated or overlapping. */
const fragsArb = fc.record({
  size: fc.integer({ min: 16, max: 3000 }),
  piece: fc.constantFrom(8, 64, 512, 1480),
  shuffle: fc.boolean(),
  dup: fc.boolean(),
  overlap: weighted(false, fc.constant(true), 4),
  drop: weighted(false, fc.constant(true), 3),
  dport: fc.constantFrom(7, 9, 4321),
  id: fc.nat({ max: 0xffff }),
  saddr: fc.constantFrom(ip("10.0.9.77"), ip("10.0.9.78"), ip("192.0.2.1")),
});

const frameArb = fc.record({
  dst: fc.oneof({ weight: 12, arbitrary: fc.constant("inj") }, { weight: 3, arbitrary: fc.constant("bcast") }, { weight: 2, arbitrary: fc.constant("mcast") }, { weight: 3, arbitrary: fc.constant("other") }),
  kind: fc.oneof(
    { weight: 14, arbitrary: fc.constant("ip" as const) },
    { weight: 3, arbitrary: fc.constant("frags" as const) },
    { weight: 4, arbitrary: fc.constant("arp" as const) },
    { weight: 1, arbitrary: fc.constant("other" as const) },
  ),
  ip: ipArb,
  frags: fragsArb,
  arp: arpArb,
  type: fc.nat({ max: 0xffff }),
  junk: fc.uint8Array({ maxLength: 80 }),
  mutations: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 3 }),
  mutate: weighted(false, fc.constant(true), 4),
  truncate: weighted<number | null>(null, fc.nat(), 9),
  badChecksum: weighted(false, fc.constant(true), 9),
});

type FrameSpec = typeof frameArb extends fc.Arbitrary<infer T> ? T : never;

function l4(p: FrameSpec["ip"]["payload"], protocol: number): Uint8Array {
  if (p.kind === "echo" && protocol === 1) {
    const out = new Uint8Array(8 + p.body.length);
    out[0] = p.type;
    out[1] = p.code;
    out[4] = 0x10;
    out[5] = 0xe1;
    out.set(p.body, 8);
    if (p.type === 3 || p.type === 11 || p.type === 5) {
      // Quote an IPv4 + UDP header so errors reach socket lookup.
      out.set(ipPacket({ saddr: ip("10.0.9.1"), daddr: ip("10.0.9.77"), payload: udpPayload(7, 9, new Uint8Array(0)) }).subarray(0, Math.min(28, out.length - 8)), 8);
    }
    let sum = 0;
    for (let i = 0; i < out.length; i += 2) sum += (out[i]! << 8) | (out[i + 1] ?? 0);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const c = ~sum & 0xffff;
    out[2] = c >> 8;
    out[3] = c & 0xff;
    return out;
  }
  if (p.kind === "udp") return udpPayload(1000, p.dport, p.body);
  return p.body;
}

/** Frames of a fragmented UDP datagram to B's inj0 address. */
function buildFrags(dst: Uint8Array, src: Uint8Array, g: FrameSpec["frags"]): Uint8Array[] {
  const whole = udpPayload(2000, g.dport, new Uint8Array(g.size).fill(0x61));
  const parts: Uint8Array[] = [];
  for (let off = 0; off < whole.length; off += g.piece) {
    const len = Math.min(g.piece + (g.overlap && off > 0 ? 8 : 0), whole.length - off);
    const start = g.overlap && off > 0 ? off - 8 : off;
    const more = off + g.piece < whole.length ? IP_MF : 0;
    parts.push(ethFrame(dst, src, 0x0800, ipPacket({ saddr: g.saddr, daddr: ip("10.0.9.1"), id: g.id, protocol: 17, fragOff: more | (start >> 3), payload: whole.subarray(start, start + len) })));
  }
  if (g.drop && parts.length > 1) parts.splice(parts.length >> 1, 1);
  if (g.dup) parts.push(parts[0]!);
  if (g.shuffle) parts.reverse();
  return parts.slice(0, 64);
}

function build(w: World, f: FrameSpec): Uint8Array[] {
  const dst = f.dst === "inj" ? w.inj.devAddr : f.dst === "bcast" ? new Uint8Array([255, 255, 255, 255, 255, 255]) : f.dst === "mcast" ? new Uint8Array([1, 0, 0x5e, 0, 0, 1]) : new Uint8Array([2, 9, 9, 9, 9, 9]);
  const src = new Uint8Array([2, 0x77, 0, 0, 0, 1]);
  let frame: Uint8Array;
  if (f.kind === "frags") return buildFrags(dst, src, f.frags);
  if (f.kind === "ip") {
    const pkt = ipPacket({ ...f.ip, fragOff: f.ip.frag, payload: l4(f.ip.payload, f.ip.protocol) });
    if (f.badChecksum && pkt.length > 11) pkt[10] = pkt[10]! ^ 0x5a;
    frame = ethFrame(dst, src, 0x0800, pkt);
  } else if (f.kind === "arp") {
    const a = f.arp;
    const body = new Uint8Array(28);
    const dv = new DataView(body.buffer);
    dv.setUint16(0, a.hrd);
    dv.setUint16(2, a.pro);
    body[4] = a.hln;
    body[5] = a.pln;
    dv.setUint16(6, a.op);
    body.set(a.sha, 8);
    dv.setUint32(14, a.sip >>> 0);
    dv.setUint32(24, a.tip >>> 0);
    frame = ethFrame(dst, src, 0x0806, body);
  } else {
    frame = ethFrame(dst, src, f.type, f.junk);
  }
  if (f.mutate) for (const [pos, val] of f.mutations) if (frame.length > 14) frame[14 + (pos % (frame.length - 14))] = val;
  if (f.truncate !== null) frame = frame.subarray(0, 14 + (f.truncate % (frame.length - 13)));
  return [frame];
}

function k(a: Float64Array, names: string[]): string {
  return names.map((n, i) => `${n}=${a[i]}`).join(" ");
}

function pingWorks(w: World): void {
  const s = pingSocket(w.a, ROOT_CRED);
  s.sendEcho(ip("10.0.0.2"), 1);
  s.sendEcho(ip("10.0.9.1"), 2);
  w.k.runFor(5000);
  const r = new EchoReply();
  let n = 0;
  while (s.recvEcho(r)) n++;
  expect(n).toBe(2);
  s.close();
  const u = udpSocket(w.a, ROOT_CRED);
  u.sendto(new Uint8Array([42]), ip("10.0.0.2"), 7);
  w.k.runFor(10);
  let got = false;
  for (let d = w.listener.recv(); d !== null; d = w.listener.recv()) if (d.addr === ip("10.0.0.1") && d.data[0] === 42) got = true;
  expect(got).toBe(true);
  u.close();
}

describe("random and mutated frames", () => {
  it(`${BATCHES * PER_BATCH} frames: no exception, every frame accounted for, pings still work`, () => {
    const w = world();
    const fibBefore = JSON.stringify(ipRouteDump(w.b, { table: 0 }));
    pingWorks(w);
    let injected = 0;
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: PER_BATCH, maxLength: PER_BATCH }), (frames) => {
        const before = snapshot(w.b);
        let since = 0;
        for (let i = 0; i < frames.length; i++) {
          for (const fr of build(w, frames[i]!)) {
            inject(w.inj, fr);
            injected++;
            if (++since === 100) {
              w.k.runFor(1);
              since = 0;
            }
          }
        }
        w.k.runFor(1);
        const after = snapshot(w.b);
        expect(after.softDrops).toBe(before.softDrops);
        expect(after.rx - before.rx).toBeGreaterThanOrEqual(frames.length);
        expect(after.e1 - before.e1).toBe(after.rx - before.rx);
        expect(after.e2 - before.e2).toBe(after.ipIn - before.ipIn);
        // Let reassembly queues and neighbour timers expire, then the stack must still work.
        w.k.runFor(31_000);
        const dir = fragDir(w.b);
        let mem = 0;
        for (const q of dir.queues.values()) mem += q.mem;
        expect(dir.mem).toBe(mem);
        const settled = snapshot(w.b);
        expect(settled.e1 - after.e1).toBe(settled.rx - after.rx);
        expect(settled.e2 - after.e2).toBe(settled.ipIn - after.ipIn);
        pingWorks(w);
        expect(JSON.stringify(ipRouteDump(w.b, { table: 0 }))).toBe(fibBefore);
      }),
      { numRuns: BATCHES, seed: 20241122, endOnFailure: true },
    );
    expect(injected).toBeGreaterThanOrEqual(BATCHES * PER_BATCH);
    if (process.env.PROP_STATS) {
      const ns = ipv4Net(w.b);
      console.log(k(ns.ipMib, ["InReceives", "InHdrErrors", "InAddrErrors", "Forw", "InUnknownProtos", "InDiscards", "InDelivers", "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmTimeout", "ReasmReqds", "ReasmOKs", "ReasmFails", "FragOKs", "FragFails", "FragCreates", "OutTransmits", "InNoRoutes", "InTruncated"]));
      console.log("rt", [...ns.rtStat].join(" "), "vnet", [...ns.vnetMib].join(" "), "udp", [...ns.udpMib].join(" "), "icmp", [...ns.icmpMib].join(" "));
      console.log("arp", JSON.stringify(arpStats(w.b)));
    }
    expect(fragDir(w.b).mem).toBe(0);
  }, 600_000);
});
