import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import { EMSGSIZE } from "../kernel/errno.js";
import { devOpen, devSetMtu } from "../netdevice/dev.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { Ipv4Packet, IP_DF, IP_MF } from "../wire/ipv4.js";
import { addAddr, addRoute, ethFrame, inject, ip, ipPacket, makePair, udpPayload, type PairPriv } from "./testing.js";
import { udpSocket } from "../socket/udp.js";
import { IP_MTU_DISCOVER, IP_RECVERR, SOL_IP } from "../socket/inet.js";
import { IP_PMTUDISC_DO } from "./ip_output.js";
import { packetSocket } from "../socket/packet.js";
import {
  ipv4Net, IPSTATS_MIB_FRAGCREATES, IPSTATS_MIB_FRAGFAILS, IPSTATS_MIB_FRAGOKS, IPSTATS_MIB_REASMFAILS, IPSTATS_MIB_REASMOKS,
  IPSTATS_MIB_REASMREQDS, IPSTATS_MIB_REASMTIMEOUT, IPSTATS_MIB_REASM_OVERLAPS,
} from "./netns.js";
import { fragDir } from "./ip_fragment.js";

function pair(): { k: Kernel; a: Net; b: Net; ea: NetDevice<PairPriv>; eb: NetDevice<PairPriv> } {
  const k = new Kernel({ seed: 2 });
  const a = k.createNet("a");
  const b = k.createNet("b");
  devOpen(a.loopback);
  devOpen(b.loopback);
  const [ea, eb] = makePair(a, b, "eth0", "eth0");
  addAddr(a, "eth0", "10.0.0.1/24");
  addAddr(b, "eth0", "10.0.0.2/24");
  return { k, a, b, ea, eb };
}

function pattern(n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i * 7 + 3) & 0xff;
  return d;
}

/** A UDP datagram's fragments as frames from A to B: [offset, more, bytes]. */
function fragFrames(t: ReturnType<typeof pair>, id: number, whole: Uint8Array, parts: [number, number, boolean][]): Uint8Array[] {
  return parts.map(([off, len, mf]) =>
    ethFrame(t.eb.devAddr, t.ea.devAddr, 0x0800, ipPacket({
      saddr: ip("10.0.0.1"), daddr: ip("10.0.0.2"), id, protocol: 17, fragOff: (mf ? IP_MF : 0) | (off >> 3), payload: whole.subarray(off, off + len),
    })),
  );
}

describe("fragmentation and reassembly", () => {
  it("fragments a large UDP datagram to the MTU and reassembles it", () => {
    const t = pair();
    const cap = packetSocket(t.a, ROOT_CRED, { dev: "eth0" });
    const rx = udpSocket(t.b, ROOT_CRED);
    rx.bind(0, 9000);
    const tx = udpSocket(t.a, ROOT_CRED);
    const data = pattern(4000);
    tx.sendto(data, ip("10.0.0.2"), 9000);
    t.k.runFor(10);
    const got = rx.recv()!;
    expect(got.data).toEqual(data);
    const frags = cap.drain().filter((f) => f.protocol === 0x0800).map((f) => new Ipv4Packet(f.data, 14));
    expect(frags.map((p) => [p.totLen, p.fragmentOffset, p.mf, p.df])).toEqual([
      [1500, 0, true, false],
      [1500, 1480, true, false],
      [1068, 2960, false, false],
    ]);
    expect(new Set(frags.map((p) => p.id)).size).toBe(1);
    const ma = ipv4Net(t.a).ipMib;
    const mb = ipv4Net(t.b).ipMib;
    expect([ma[IPSTATS_MIB_FRAGOKS], ma[IPSTATS_MIB_FRAGCREATES]]).toEqual([1, 3]);
    expect([mb[IPSTATS_MIB_REASMREQDS], mb[IPSTATS_MIB_REASMOKS], mb[IPSTATS_MIB_REASMFAILS]]).toEqual([3, 1, 0]);
  });

  it("small datagrams go out whole with DF set (PMTU discovery WANT)", () => {
    const t = pair();
    const cap = packetSocket(t.a, ROOT_CRED, { dev: "eth0" });
    udpSocket(t.a, ROOT_CRED).sendto(pattern(100), ip("10.0.0.2"), 9);
    t.k.runFor(10);
    const p = cap.drain().filter((f) => f.protocol === 0x0800).map((f) => new Ipv4Packet(f.data, 14))[0]!;
    expect(p.df).toBe(true);
    expect(p.id).toBe(0);
  });

  it("IP_PMTUDISC_DO refuses a datagram larger than the MTU with EMSGSIZE", () => {
    const t = pair();
    const tx = udpSocket(t.a, ROOT_CRED);
    tx.setsockopt(SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO);
    tx.setsockopt(SOL_IP, IP_RECVERR, 1);
    expect(() => tx.sendto(pattern(1473), ip("10.0.0.2"), 9)).toThrow(/Message too long/);
    expect(tx.recvErr()).toMatchObject({ errno: EMSGSIZE, origin: 1, info: 1500 });
    expect(tx.sendto(pattern(1472), ip("10.0.0.2"), 9)).toBe(1472);
  });

  it("reassembles fragments arriving out of order and ignores an exact duplicate", () => {
    const t = pair();
    const rx = udpSocket(t.b, ROOT_CRED);
    rx.bind(0, 7);
    const whole = udpPayload(1000, 7, pattern(2000));
    const f = fragFrames(t, 77, whole, [[0, 800, true], [800, 800, true], [1600, whole.length - 1600, false]]);
    inject(t.eb, f[2]!);
    inject(t.eb, f[0]!);
    inject(t.eb, f[0]!);
    inject(t.eb, f[1]!);
    t.k.runFor(1);
    expect(rx.recv()!.data).toEqual(pattern(2000));
    const mb = ipv4Net(t.b).ipMib;
    expect([mb[IPSTATS_MIB_REASMREQDS], mb[IPSTATS_MIB_REASMOKS], mb[IPSTATS_MIB_REASMFAILS]]).toEqual([4, 1, 0]);
  });

  it("discards the whole datagram on overlapping fragments (RFC 5722)", () => {
    const t = pair();
    const rx = udpSocket(t.b, ROOT_CRED);
    rx.bind(0, 7);
    const whole = udpPayload(1000, 7, pattern(2000));
    const f = fragFrames(t, 78, whole, [[0, 808, true], [800, 800, true], [1600, whole.length - 1600, false]]);
    for (const fr of f) inject(t.eb, fr);
    t.k.runFor(1);
    expect(rx.recv()).toBeNull();
    const mb = ipv4Net(t.b).ipMib;
    expect(mb[IPSTATS_MIB_REASM_OVERLAPS]).toBe(1);
    expect(mb[IPSTATS_MIB_REASMFAILS]).toBe(1);
    expect(fragDir(t.b).queues.size).toBe(1);
    expect(fragDir(t.b).mem).toBeGreaterThan(0);
  });

  it("drops malformed fragments safely: bad end, zero length, oversize", () => {
    const t = pair();
    const whole = udpPayload(1, 7, pattern(3000));
    // A last fragment whose end disagrees with an earlier last fragment.
    for (const fr of fragFrames(t, 90, whole, [[1600, 400, false], [800, 400, false]])) inject(t.eb, fr);
    // A zero-length middle fragment.
    for (const fr of fragFrames(t, 91, whole, [[800, 0, true]])) inject(t.eb, fr);
    // A complete set of fragments adding up to more than 65535 bytes.
    const big = new Uint8Array(1400);
    let n = 0;
    for (let off = 0; off < 65528; off += 1400, n++) {
      const len = Math.min(1400, 65528 - off);
      const mf = off + len < 65528 ? IP_MF : 0;
      inject(t.eb, ethFrame(t.eb.devAddr, t.ea.devAddr, 0x0800, ipPacket({ saddr: ip("10.0.0.1"), daddr: ip("10.0.0.2"), id: 92, fragOff: mf | (off >> 3), payload: big.subarray(0, len) })));
      if (n % 500 === 0) t.k.runFor(1);
    }
    t.k.runFor(1);
    const mb = ipv4Net(t.b).ipMib;
    expect(mb[IPSTATS_MIB_REASMREQDS]).toBe(3 + n);
    expect(mb[IPSTATS_MIB_REASMOKS]).toBe(0);
    expect(mb[IPSTATS_MIB_REASMFAILS]).toBeGreaterThanOrEqual(2);
    expect(t.k.log.some((l) => l.includes("Oversized IP packet from 10.0.0.1"))).toBe(true);
  });

  it("times out after ipfrag_time and sends time exceeded (reassembly) only with the first fragment", () => {
    const t = pair();
    const cap = packetSocket(t.a, ROOT_CRED, { dev: "eth0", ignoreOutgoing: true });
    const whole = udpPayload(1, 7, pattern(2000));
    inject(t.eb, fragFrames(t, 5, whole, [[0, 800, true]])[0]!);
    inject(t.eb, fragFrames(t, 6, whole, [[800, 800, true]])[0]!);
    t.k.runFor(29_000);
    expect(fragDir(t.b).queues.size).toBe(2);
    t.k.runFor(2_000);
    expect(fragDir(t.b).queues.size).toBe(0);
    const mb = ipv4Net(t.b).ipMib;
    expect([mb[IPSTATS_MIB_REASMTIMEOUT], mb[IPSTATS_MIB_REASMFAILS]]).toEqual([2, 2]);
    const icmp = cap.drain().filter((f) => f.protocol === 0x0800).map((f) => new Ipv4Packet(f.data, 14));
    expect(icmp.length).toBe(1);
    const m = icmp[0]!;
    expect(m.protocol).toBe(1);
    expect([m.buf[m.payloadOffset], m.buf[m.payloadOffset + 1]]).toEqual([11, 1]);
    // The quoted header is the first fragment's.
    const quoted = new Ipv4Packet(m.buf, m.payloadOffset + 8);
    expect(quoted.id).toBe(5);
    expect(ipv4Net(t.a).icmpMsgMib[11]).toBe(1);
    expect(fragDir(t.b).mem).toBe(0);
  });
});

describe("fragmentation on the forwarding path", () => {
  function routed(): { k: Kernel; a: Net; r: Net; b: Net; rEth1: NetDevice } {
    const k = new Kernel({ seed: 3 });
    const a = k.createNet("a");
    const r = k.createNet("r");
    const b = k.createNet("b");
    for (const n of [a, r, b]) devOpen(n.loopback);
    makePair(a, r, "eth0", "eth0");
    const [rEth1] = makePair(r, b, "eth1", "eth0");
    addAddr(a, "eth0", "10.0.1.1/24");
    addAddr(r, "eth0", "10.0.1.254/24");
    addAddr(r, "eth1", "10.0.2.254/24");
    addAddr(b, "eth0", "10.0.2.1/24");
    addRoute(a, "default", { via: ip("10.0.1.254") });
    addRoute(b, "default", { via: ip("10.0.2.254") });
    k.vfs.write("/proc/sys/net/ipv4/ip_forward", "1", { net: r, cred: ROOT_CRED });
    devSetMtu(rEth1, 1000);
    devSetMtu(b.devices.get("eth0")!, 1000);
    return { k, a, r, b, rEth1 };
  }

  it("DF set and too big: FragFails and fragmentation needed with the next-hop MTU", () => {
    const t = routed();
    const tx = udpSocket(t.a, ROOT_CRED);
    tx.setsockopt(SOL_IP, IP_RECVERR, 1);
    tx.sendto(pattern(1200), ip("10.0.2.1"), 9);
    t.k.runFor(10);
    expect(ipv4Net(t.r).ipMib[IPSTATS_MIB_FRAGFAILS]).toBe(1);
    expect(tx.recvErr()).toMatchObject({ errno: EMSGSIZE, type: 3, code: 4, info: 1000, offender: ip("10.0.1.254") });
  });

  it("DF clear: the router fragments and the host reassembles", () => {
    const t = routed();
    const rx = udpSocket(t.b, ROOT_CRED);
    rx.bind(0, 9);
    const tx = udpSocket(t.a, ROOT_CRED);
    tx.sendto(pattern(3000), ip("10.0.2.1"), 9);
    t.k.runFor(10);
    expect(rx.recv()!.data).toEqual(pattern(3000));
    // A sends 1500 + 1500 + 68; R cuts each 1500 into 996 + 524 for its MTU of 1000.
    expect(ipv4Net(t.r).ipMib[IPSTATS_MIB_FRAGCREATES]).toBe(4);
    expect(ipv4Net(t.r).ipMib[IPSTATS_MIB_FRAGOKS]).toBe(2);
    expect(ipv4Net(t.b).ipMib[IPSTATS_MIB_REASMREQDS]).toBe(5);
    void IP_DF;
  });
});
