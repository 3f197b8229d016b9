import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import { devClose, devOpen } from "../netdevice/dev.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { tcpdumpLine } from "../wire/tcpdump.js";
import { EHOSTUNREACH } from "../kernel/errno.js";
import { addAddr, ip, makePair, type PairPriv } from "./testing.js";
import { EchoReply, pingSocket } from "../socket/ping.js";
import { SockAddrIn } from "../socket/sock.js";
import { udpSocket } from "../socket/udp.js";
import { packetSocket } from "../socket/packet.js";
import { arpGet, arpStats, procNetArp } from "../neigh/arp.js";
import { neighOutput, NUD_DELAY, NUD_FAILED, NUD_INCOMPLETE, NUD_PROBE, NUD_REACHABLE, NUD_STALE, type Neighbour } from "../neigh/neighbour.js";
import { allocSkb } from "../netdevice/skbuff.js";
import { neighDump } from "../neigh/api.js";
import { inDevArpParms, inDevGet } from "./devinet.js";
import { ipv4Net, IPSTATS_MIB_INDELIVERS, IPSTATS_MIB_INRECEIVES, UDP_MIB_INDATAGRAMS, UDP_MIB_OUTDATAGRAMS } from "./netns.js";

interface Topo {
  k: Kernel;
  a: Net;
  b: Net;
  ea: NetDevice<PairPriv>;
  eb: NetDevice<PairPriv>;
}

function topo(seed = 1): Topo {
  const k = new Kernel({ seed });
  const a = k.createNet("a");
  const b = k.createNet("b");
  devOpen(a.loopback);
  devOpen(b.loopback);
  const [ea, eb] = makePair(a, b, "eth0", "eth0");
  addAddr(a, "eth0", "10.0.0.1/24");
  addAddr(b, "eth0", "10.0.0.2/24");
  return { k, a, b, ea, eb };
}

function neigh(net: Net, dev: NetDevice, addr: string): Neighbour | null {
  return arpGet(net).lookup(ip(addr), dev);
}

describe("two namespaces over a pair", () => {
  it("ping resolves ARP (broadcast request, unicast reply) and gets an echo reply", () => {
    const { k, a, b, ea, eb } = topo();
    const cap = packetSocket(a, ROOT_CRED, { dev: "eth0" });
    const s = pingSocket(a, ROOT_CRED);
    s.sendEcho(ip("10.0.0.2"), 1);
    // The echo request waits in the INCOMPLETE entry while the request is out.
    expect(neigh(a, ea, "10.0.0.2")!.nudState).toBe(NUD_INCOMPLETE);
    expect(neigh(a, ea, "10.0.0.2")!.arpQueue.qlen).toBe(1);
    k.runFor(1);
    const r = new EchoReply();
    expect(s.recvEcho(r)).toBe(true);
    expect(r.from).toBe(ip("10.0.0.2"));
    expect(r.seq).toBe(1);
    expect(r.id).toBe(s.ident);
    expect(r.ttl).toBe(64);
    expect(r.len).toBe(64);
    expect(r.sentAt).toBe(0);
    expect(s.recvEcho(r)).toBe(false);
    const lines = cap.drain().map((f) => tcpdumpLine(f.data));
    expect(lines).toEqual([
      "ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28",
      "ARP, Reply 10.0.0.2 is-at 02:00:5e:00:00:02, length 28",
      `IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id ${s.ident}, seq 1, length 64`,
      `IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id ${s.ident}, seq 1, length 64`,
    ].map((l) => expect.stringContaining(l.split(", length")[0]!)));
    // A learned B from the reply (REACHABLE); B learned A from the request (STALE), then used it (DELAY).
    expect(neigh(a, ea, "10.0.0.2")!.nudState).toBe(NUD_REACHABLE);
    expect(neigh(b, eb, "10.0.0.1")!.nudState).toBe(NUD_DELAY);
    expect(procNetArp(a)).toBe(
      "IP address       HW type     Flags       HW address            Mask     Device\n" +
        "10.0.0.2         0x1         0x2         02:00:5e:00:00:02     *        eth0\n",
    );
    expect(arpStats(a).outRequests).toBe(1);
    expect(arpStats(b).outReplies).toBe(1);
    // Frames show the real MACs.
    expect(eb.devAddr[5]).toBe(2);
  });

  it("exchanges UDP both ways with source addresses and counts it", () => {
    const { k, a, b } = topo();
    const ua = udpSocket(a, ROOT_CRED);
    const ub = udpSocket(b, ROOT_CRED);
    ua.bind(0, 5000);
    ub.bind(ip("10.0.0.2"), 6000);
    ua.sendto(new TextEncoder().encode("hello"), ip("10.0.0.2"), 6000);
    k.runFor(1);
    const buf = new Uint8Array(100);
    const from = new SockAddrIn();
    expect(ub.recvfrom(buf, from)).toBe(5);
    expect(new TextDecoder().decode(buf.subarray(0, 5))).toBe("hello");
    expect(from.addr).toBe(ip("10.0.0.1"));
    expect(from.port).toBe(5000);
    expect(ub.recvfrom(buf, from)).toBe(-11);
    ub.sendto(new Uint8Array([9, 8, 7]), from.addr, from.port);
    k.runFor(1);
    const d = ua.recv()!;
    expect([...d.data]).toEqual([9, 8, 7]);
    expect(d.addr).toBe(ip("10.0.0.2"));
    expect(d.port).toBe(6000);
    expect(d.local).toBe(ip("10.0.0.1"));
    expect(d.ttl).toBe(64);
    expect(ipv4Net(a).udpMib[UDP_MIB_OUTDATAGRAMS]).toBe(1);
    expect(ipv4Net(a).udpMib[UDP_MIB_INDATAGRAMS]).toBe(1);
    expect(ipv4Net(b).ipMib[IPSTATS_MIB_INRECEIVES]).toBe(1);
    expect(ipv4Net(b).ipMib[IPSTATS_MIB_INDELIVERS]).toBe(1);
  });

  it("connected UDP sockets talk with send() and filter other peers", () => {
    const { k, a, b } = topo();
    const ua = udpSocket(a, ROOT_CRED);
    const ub = udpSocket(b, ROOT_CRED);
    const other = udpSocket(a, ROOT_CRED);
    ub.bind(0, 7000);
    ua.connect(ip("10.0.0.2"), 7000);
    expect(ua.getsockname().addr).toBe(ip("10.0.0.1"));
    ub.connect(ip("10.0.0.1"), ua.getsockname().port);
    ua.send(new Uint8Array([1]));
    other.sendto(new Uint8Array([2]), ip("10.0.0.2"), 7000);
    k.runFor(1);
    expect(ub.recv()!.data[0]).toBe(1);
    // The datagram from the other port found no socket: port unreachable went back.
    expect(ub.recv()).toBeNull();
    ub.send(new Uint8Array([3]));
    k.runFor(1);
    expect(ua.recv()!.data[0]).toBe(3);
  });

  it("puts the cached link header on in 16-byte units, and moves a packet with less headroom", () => {
    const { k, a, b, ea, eb } = topo();
    const ua = udpSocket(a, ROOT_CRED);
    ua.sendto(new Uint8Array([1, 2, 3]), ip("10.0.0.2"), 7000);
    k.runFor(1);
    const n = neigh(a, ea, "10.0.0.2")!;
    expect(n.nudState).toBe(NUD_REACHABLE);
    // hh_cache: 16 bytes, the Ethernet header in the last 14.
    const hh = n.hh!;
    expect(hh.length).toBe(16);
    expect(n.hhLen).toBe(14);
    expect([...hh.subarray(2, 8)]).toEqual([...eb.devAddr.subarray(0, 6)]);
    expect([...hh.subarray(8, 14)]).toEqual([...ea.devAddr.subarray(0, 6)]);
    expect([...hh.subarray(14)]).toEqual([0x08, 0x00]);
    const cap = packetSocket(b, ROOT_CRED, { dev: "eth0" });
    // Built by hand with 15 bytes of headroom: one short of the cached header's unit.
    const payload = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 253, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    const skb = allocSkb(64);
    skb.reserve(15);
    skb.head.set(payload, skb.data);
    skb.put(payload.length);
    skb.dev = ea;
    expect(neighOutput(n, skb)).toBe(0);
    k.runFor(1);
    const f = cap.recv()!;
    expect(f.len).toBe(34);
    expect([...f.data.subarray(0, 14)]).toEqual([...hh.subarray(2)]);
    expect([...f.data.subarray(14, 34)]).toEqual(payload);
  });

  it("walks REACHABLE -> STALE -> DELAY -> PROBE -> REACHABLE in virtual time", () => {
    const { k, a, ea } = topo(7);
    const s = pingSocket(a, ROOT_CRED);
    s.sendEcho(ip("10.0.0.2"), 1);
    k.runFor(10);
    const n = neigh(a, ea, "10.0.0.2")!;
    expect(n.nudState).toBe(NUD_REACHABLE);
    const parms = inDevArpParms(inDevGet(ea)!);
    // reachable_time is base_reachable_time (30 s) randomized into [15 s, 45 s).
    expect(parms.reachableTime).toBeGreaterThanOrEqual(15 * k.hz);
    expect(parms.reachableTime).toBeLessThan(45 * k.hz);
    const reachMs = (parms.reachableTime * 1000) / k.hz;
    k.runFor(reachMs - 100);
    expect(n.nudState).toBe(NUD_REACHABLE);
    k.runFor(200);
    expect(n.nudState).toBe(NUD_STALE);
    // Using a stale entry sends at once and moves to DELAY for delay_first_probe_time (5 s).
    s.sendEcho(ip("10.0.0.2"), 2);
    expect(n.nudState).toBe(NUD_DELAY);
    k.runFor(4900);
    expect(n.nudState).toBe(NUD_DELAY);
    const sent = arpStats(a).outRequests;
    k.runFor(200);
    // No upper-layer confirmation: PROBE with a unicast request, answered at once.
    expect(arpStats(a).outRequests).toBe(sent + 1);
    expect(n.nudState).toBe(NUD_REACHABLE);
    const r = new EchoReply();
    expect(s.recvEcho(r) && s.recvEcho(r)).toBe(true);
    expect(r.seq).toBe(2);
  });

  it("fails after ucast probes and reports host unreachable to the pinger", () => {
    const { k, a, ea, eb } = topo(3);
    const s = pingSocket(a, ROOT_CRED);
    s.sendEcho(ip("10.0.0.2"), 1);
    k.runFor(100);
    const n = neigh(a, ea, "10.0.0.2")!;
    expect(n.nudState).toBe(NUD_REACHABLE);
    devClose(eb);
    k.runFor(60_000);
    expect(n.nudState).toBe(NUD_STALE);
    const before = arpStats(a).outRequests;
    s.sendEcho(ip("10.0.0.2"), 2);
    expect(n.nudState).toBe(NUD_DELAY);
    k.runFor(5_000 + 10);
    expect(n.nudState).toBe(NUD_PROBE);
    k.runFor(3_000);
    expect(n.nudState).toBe(NUD_FAILED);
    expect(arpStats(a).outRequests - before).toBe(3);
    // A new packet restarts resolution: 3 broadcast probes, 1 s apart, then FAILED, and the
    // queued echo comes back as "Destination Host Unreachable" from our own address.
    s.recvEcho(new EchoReply());
    s.sendEcho(ip("10.0.0.2"), 3);
    expect(n.nudState).toBe(NUD_INCOMPLETE);
    k.runFor(2_900);
    expect(n.nudState).toBe(NUD_INCOMPLETE);
    k.runFor(200);
    expect(n.nudState).toBe(NUD_FAILED);
    expect(arpStats(a).outRequests - before).toBe(6);
    // The pending error is reported once by the next call...
    expect(() => s.sendEcho(ip("10.0.0.2"), 4)).toThrow(/No route to host/);
    // ...and the error queue has the details (IP_RECVERR).
    const err = s.recvErr()!;
    expect(err.errno).toBe(EHOSTUNREACH);
    expect(err.type).toBe(3);
    expect(err.code).toBe(1);
    expect(err.offender).toBe(ip("10.0.0.1"));
    expect(neighDump(a, { dev: "eth0" }).map((e) => e.state)).toEqual([NUD_FAILED]);
  });

  it("bounds the unresolved queue (unres_qlen) and counts discards", () => {
    const { k, a, b, eb } = topo();
    devClose(eb);
    void b;
    const u = udpSocket(a, ROOT_CRED);
    for (let i = 0; i < 150; i++) u.sendto(new Uint8Array([i]), ip("10.0.0.2"), 9);
    const tbl = arpGet(a);
    const n = tbl.lookup(ip("10.0.0.2"), a.devices.get("eth0")!)!;
    expect(n.arpQueue.qlen).toBe(101);
    expect(tbl.stats.unresDiscards).toBe(49);
    k.runFor(5000);
    expect(n.nudState).toBe(NUD_FAILED);
    expect(tbl.stats.resFailed).toBe(101);
  });

  it("pings its own addresses over loopback and 127.0.0.1", () => {
    const { k, a } = topo();
    const s = pingSocket(a, ROOT_CRED);
    s.sendEcho(ip("10.0.0.1"), 1);
    s.sendEcho(ip("127.0.0.1"), 2);
    k.runFor(1);
    const r = new EchoReply();
    expect(s.recvEcho(r)).toBe(true);
    expect(r.from).toBe(ip("10.0.0.1"));
    expect(s.recvEcho(r)).toBe(true);
    expect(r.from).toBe(ip("127.0.0.1"));
    expect(a.loopback.stats.rxPackets).toBe(4);
  });
});
