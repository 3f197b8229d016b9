import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED, userCred } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import {
  EACCES, EADDRINUSE, EADDRNOTAVAIL, ECONNREFUSED, EDESTADDRREQ, EINVAL, ENETUNREACH, ENODEV, ENOTCONN, EPERM, isErrno,
} from "../kernel/errno.js";
import { devOpen } from "../netdevice/dev.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { PACKET_HOST, PACKET_OTHERHOST, PACKET_OUTGOING, IFF_PROMISC } from "../netdevice/constants.js";
import { tcpdumpLine } from "../wire/tcpdump.js";
import { addAddr, ethFrame, inject, ip, ipPacket, makePair, udpPayload, type PairPriv } from "../ipv4/testing.js";
import { ipv4Net, UDP_MIB_IGNOREDMULTI, UDP_MIB_NOPORTS, UDP_MIB_RCVBUFERRORS } from "../ipv4/netns.js";
import { udpSocket } from "./udp.js";
import { ipRouteAdd } from "../ipv4/netlink.js";
import { EchoReply, pingSocket } from "./ping.js";
import { rawSocket } from "./raw.js";
import { packetSocket } from "./packet.js";
import { IP_RECVERR, SO_BINDTODEVICE, SO_BROADCAST, SO_RCVBUF, SOL_IP, SOL_SOCKET } from "./inet.js";
import { POLLERR, POLLIN, POLLOUT, SockAddrIn } from "./sock.js";

function pair(): { k: Kernel; a: Net; b: Net; ea: NetDevice<PairPriv>; eb: NetDevice<PairPriv> } {
  const k = new Kernel({ seed: 4 });
  const a = k.createNet("a");
  const b = k.createNet("b");
  devOpen(a.loopback);
  devOpen(b.loopback);
  const [ea, eb] = makePair(a, b, "eth0", "eth0");
  addAddr(a, "eth0", "10.0.0.1/24");
  addAddr(b, "eth0", "10.0.0.2/24");
  return { k, a, b, ea, eb };
}

function errno(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    return (e as { errno: number }).errno;
  }
  return 0;
}

describe("UDP sockets", () => {
  it("ECONNREFUSED after an ICMP port unreachable, on a connected socket only", () => {
    const t = pair();
    const c = udpSocket(t.a, ROOT_CRED);
    c.connect(ip("10.0.0.2"), 4242);
    const u = udpSocket(t.a, ROOT_CRED);
    let errors = 0;
    c.onError = () => errors++;
    c.send(new Uint8Array(4));
    u.sendto(new Uint8Array(4), ip("10.0.0.2"), 4243);
    t.k.runFor(10);
    expect(ipv4Net(t.b).udpMib[UDP_MIB_NOPORTS]).toBe(2);
    expect(errors).toBe(1);
    expect(c.poll() & POLLERR).toBe(POLLERR);
    expect(errno(() => c.send(new Uint8Array(1)))).toBe(ECONNREFUSED);
    // Reported once: the next send goes out again.
    expect(c.send(new Uint8Array(1))).toBe(1);
    t.k.runFor(10);
    expect(errno(() => c.recvfrom(new Uint8Array(8)))).toBe(ECONNREFUSED);
    // The unconnected socket heard nothing (no IP_RECVERR).
    expect(u.poll()).toBe(POLLOUT);
    u.setsockopt(SOL_IP, IP_RECVERR, 1);
    u.sendto(new Uint8Array(4), ip("10.0.0.2"), 4243);
    t.k.runFor(10);
    expect(u.recvErr()).toMatchObject({ errno: ECONNREFUSED, type: 3, code: 3, offender: ip("10.0.0.2"), port: 4243 });
  });

  it("bind: ephemeral ports in ip_local_port_range, EADDRINUSE, EADDRNOTAVAIL, EACCES, EINVAL; close frees", () => {
    const t = pair();
    const s1 = udpSocket(t.a, ROOT_CRED);
    s1.bind(0, 0);
    const p = s1.getsockname().port;
    expect(p).toBeGreaterThanOrEqual(32768);
    expect(p).toBeLessThanOrEqual(60999);
    const s2 = udpSocket(t.a, ROOT_CRED);
    expect(errno(() => s2.bind(0, p))).toBe(EADDRINUSE);
    expect(errno(() => s2.bind(ip("10.0.0.1"), p))).toBe(EADDRINUSE);
    expect(errno(() => s2.bind(ip("10.0.0.9"), 5000))).toBe(EADDRNOTAVAIL);
    expect(errno(() => udpSocket(t.a, userCred()).bind(0, 53))).toBe(EACCES);
    s2.bind(ip("10.0.0.1"), 5000);
    expect(errno(() => s2.bind(0, 5001))).toBe(EINVAL);
    s1.close();
    udpSocket(t.a, ROOT_CRED).bind(0, p);
    // A socket in another namespace may use the same port.
    udpSocket(t.b, ROOT_CRED).bind(0, p);
    expect(errno(() => s1.sendto(new Uint8Array(1), 1, 1))).toBe(9);
  });

  it("needs SO_BROADCAST for broadcasts (EACCES), then delivers to every listener", () => {
    const t = pair();
    const tx = udpSocket(t.a, ROOT_CRED);
    tx.bind(0, 6000);
    const rx1 = udpSocket(t.b, ROOT_CRED);
    rx1.bind(0, 6000);
    const cap = packetSocket(t.a, ROOT_CRED, { dev: "eth0" });
    expect(errno(() => tx.sendto(new Uint8Array(2), ip("10.0.0.255"), 6000))).toBe(EACCES);
    // The limited broadcast needs a route (or a device): none here.
    expect(errno(() => tx.sendto(new Uint8Array(2), ip("255.255.255.255"), 6000))).toBe(ENETUNREACH);
    tx.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, "eth0");
    expect(errno(() => tx.sendto(new Uint8Array(2), ip("255.255.255.255"), 6000))).toBe(EACCES);
    tx.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
    tx.sendto(new Uint8Array(2), ip("10.0.0.255"), 6000);
    tx.sendto(new Uint8Array(2), ip("255.255.255.255"), 6000);
    tx.sendto(new Uint8Array(2), ip("10.0.0.255"), 6001);
    t.k.runFor(10);
    const frames = cap.drain().filter((f) => f.pktType === PACKET_OUTGOING);
    expect(frames.map((f) => [...f.data.subarray(0, 6)])).toEqual([[255, 255, 255, 255, 255, 255], [255, 255, 255, 255, 255, 255], [255, 255, 255, 255, 255, 255]]);
    expect(rx1.recv()!.local).toBe(ip("10.0.0.255"));
    expect(rx1.recv()!.local).toBe(ip("255.255.255.255"));
    // The sender hears its own broadcasts looped back.
    expect(tx.recv()!.addr).toBe(ip("10.0.0.1"));
    // Nobody on 6001: IgnoredMulti, no port unreachable.
    expect(ipv4Net(t.b).udpMib[UDP_MIB_IGNOREDMULTI]).toBe(1);
    expect(ipv4Net(t.b).udpMib[UDP_MIB_NOPORTS]).toBe(0);
  });

  it("send without a peer is EDESTADDRREQ; getpeername ENOTCONN; poll and readiness callbacks", () => {
    const t = pair();
    const s = udpSocket(t.b, ROOT_CRED);
    expect(errno(() => s.send(new Uint8Array(1)))).toBe(EDESTADDRREQ);
    expect(errno(() => s.getpeername())).toBe(ENOTCONN);
    s.bind(0, 7777);
    let ready = 0;
    s.onReadable = () => ready++;
    const tx = udpSocket(t.a, ROOT_CRED);
    tx.sendto(new Uint8Array(3), ip("10.0.0.2"), 7777);
    tx.sendto(new Uint8Array(3), ip("10.0.0.2"), 7777);
    t.k.runFor(10);
    expect(ready).toBe(2);
    expect(s.poll()).toBe(POLLIN | POLLOUT);
    const from = new SockAddrIn();
    expect(s.recvfrom(new Uint8Array(1), from)).toBe(1);
    expect(from.port).toBe(tx.getsockname().port);
    expect(s.queued).toBe(1);
  });

  it("counts RcvbufErrors when the receive buffer is full", () => {
    const t = pair();
    const s = udpSocket(t.b, ROOT_CRED);
    s.bind(0, 8000);
    s.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
    const tx = udpSocket(t.a, ROOT_CRED);
    for (let i = 0; i < 50; i++) tx.sendto(new Uint8Array(64), ip("10.0.0.2"), 8000);
    t.k.runFor(10);
    const errs = ipv4Net(t.b).udpMib[UDP_MIB_RCVBUFERRORS]!;
    expect(errs).toBeGreaterThan(0);
    expect(s.queued + errs).toBe(50);
    expect(s.drops).toBe(errs);
  });
});

describe("UDP data path details", () => {
  it("hands datagrams to onMessage without queueing or copying", () => {
    const t = pair();
    const rx = udpSocket(t.b, ROOT_CRED);
    rx.bind(0, 9100);
    const got: string[] = [];
    rx.onMessage = (_sk, buf, off, len, from) => got.push(`${from.port}:${[...buf.subarray(off, off + len)].join(",")}`);
    const tx = udpSocket(t.a, ROOT_CRED);
    tx.bind(0, 9200);
    tx.sendto(new Uint8Array([1, 2]), ip("10.0.0.2"), 9100);
    tx.sendto(new Uint8Array([3]), ip("10.0.0.2"), 9100);
    t.k.runFor(1);
    expect(got).toEqual(["9200:1,2", "9200:3"]);
    expect(rx.queued).toBe(0);
  });

  it("early demux: a connected socket caches its input route and skips route input", () => {
    const t = pair();
    const ua = udpSocket(t.a, ROOT_CRED);
    const ub = udpSocket(t.b, ROOT_CRED);
    ub.bind(0, 9300);
    ua.connect(ip("10.0.0.2"), 9300);
    ub.connect(ip("10.0.0.1"), ua.getsockname().port);
    ua.send(new Uint8Array(1));
    t.k.runFor(1);
    expect(ub.rxDst).not.toBeNull();
    const slow = ipv4Net(t.b).rtStat[0]!;
    for (let i = 0; i < 10; i++) ua.send(new Uint8Array(1));
    t.k.runFor(1);
    expect(ipv4Net(t.b).rtStat[0]).toBe(slow);
    let n = 0;
    while (ub.recv() !== null) n++;
    expect(n).toBe(11);
  });

  it("leaves checksums to veth-like devices (CHECKSUM_PARTIAL) and completes them before others", () => {
    const k = new Kernel({ seed: 8 });
    const a = k.createNet("a");
    const r = k.createNet("r");
    const b = k.createNet("b");
    makePair(a, r, "eth0", "eth0");
    const [rEth1, bEth] = makePair(r, b, "eth1", "eth0");
    rEth1.features = 0;
    bEth.features = 0;
    addAddr(a, "eth0", "10.0.1.1/24");
    addAddr(r, "eth0", "10.0.1.254/24");
    addAddr(r, "eth1", "10.0.2.254/24");
    addAddr(b, "eth0", "10.0.2.1/24");
    ipRouteAdd(a, ROOT_CRED, { dst: 0, dstLen: 0, via: ip("10.0.1.254") });
    ipRouteAdd(b, ROOT_CRED, { dst: 0, dstLen: 0, via: ip("10.0.2.254") });
    k.vfs.write("/proc/sys/net/ipv4/ip_forward", "1", { net: r, cred: ROOT_CRED });
    const capA = packetSocket(a, ROOT_CRED, { dev: "eth0", ignoreOutgoing: false });
    const capB = packetSocket(b, ROOT_CRED, { dev: "eth0" });
    const rx = udpSocket(b, ROOT_CRED);
    rx.bind(0, 53);
    udpSocket(a, ROOT_CRED).sendto(new TextEncoder().encode("abc"), ip("10.0.2.1"), 53);
    k.runFor(10);
    expect(new TextDecoder().decode(rx.recv()!.data)).toBe("abc");
    const onA = capA.drain().find((f) => f.protocol === 0x0800 && f.pktType === PACKET_OUTGOING)!;
    const onB = capB.drain().find((f) => f.protocol === 0x0800)!;
    // On the offloading link the field holds only the pseudo-header sum (tcpdump: "bad udp cksum").
    expect(tcpdumpLine(onA.data, 0, onA.data.length, { verbose: 2 })).toMatch(/bad udp cksum/);
    expect(tcpdumpLine(onB.data, 0, onB.data.length, { verbose: 2 })).toMatch(/udp sum ok/);
    expect(ipv4Net(b).udpMib[6]).toBe(0);
  });
});

describe("ping sockets", () => {
  it("give each socket its own identifier and deliver replies to the right one", () => {
    const t = pair();
    const p1 = pingSocket(t.a, userCred());
    const p2 = pingSocket(t.a, userCred());
    p1.sendEcho(ip("10.0.0.2"), 1);
    p2.sendEcho(ip("10.0.0.2"), 1);
    expect(p1.ident).not.toBe(p2.ident);
    t.k.runFor(10);
    const r = new EchoReply();
    expect(p1.recvEcho(r)).toBe(true);
    expect(r.id).toBe(p1.ident);
    expect(p1.recvEcho(r)).toBe(false);
    expect(p2.recvEcho(r)).toBe(true);
    expect(r.id).toBe(p2.ident);
  });

  it("measure the RTT from the stamp in the request", () => {
    const t = pair();
    const p = pingSocket(t.a, ROOT_CRED);
    p.sendEcho(ip("10.0.0.2"), 1);
    t.k.runFor(10);
    t.k.runFor(500);
    p.sendEcho(ip("10.0.0.2"), 2, 100);
    t.k.runFor(10);
    const r = new EchoReply();
    p.recvEcho(r);
    expect(p.recvEcho(r)).toBe(true);
    expect(r.len).toBe(108);
    expect(r.sentAt).toBe(510e6);
    expect(r.rttMs).toBe(0);
  });
});

describe("raw sockets", () => {
  it("need CAP_NET_RAW, see every packet of their protocol with its header, and send", () => {
    const t = pair();
    expect(errno(() => rawSocket(t.b, userCred(), 1))).toBe(EPERM);
    const raw = rawSocket(t.b, ROOT_CRED, 1);
    const p = pingSocket(t.a, ROOT_CRED);
    p.sendEcho(ip("10.0.0.2"), 9);
    t.k.runFor(10);
    const pkt = raw.recv()!;
    expect(pkt[0]).toBe(0x45);
    expect(pkt[9]).toBe(1);
    expect(pkt[20]).toBe(8);
    // The kernel still answered the echo.
    expect(p.recvEcho(new EchoReply())).toBe(true);
    // An unknown protocol with a raw listener is delivered, not unreachable.
    const r99 = rawSocket(t.b, ROOT_CRED, 99);
    const sender = rawSocket(t.a, ROOT_CRED, 99);
    sender.sendto(new Uint8Array([1, 2, 3]), ip("10.0.0.2"));
    t.k.runFor(10);
    const got = r99.recv()!;
    expect([...got.subarray(20)]).toEqual([1, 2, 3]);
    expect(got[9]).toBe(99);
  });
});

describe("packet sockets", () => {
  it("capture both directions with timestamps and pkt types, as tcpdump needs", () => {
    const t = pair();
    expect(errno(() => packetSocket(t.a, userCred()))).toBe(EPERM);
    expect(errno(() => packetSocket(t.a, ROOT_CRED, { dev: "nope" }))).toBe(ENODEV);
    const cap = packetSocket(t.a, ROOT_CRED);
    t.k.runFor(1234);
    pingSocket(t.a, ROOT_CRED).sendEcho(ip("10.0.0.2"), 1);
    t.k.runFor(10);
    const frames = cap.drain();
    expect(frames.map((f) => f.pktType)).toEqual([PACKET_OUTGOING, PACKET_HOST, PACKET_OUTGOING, PACKET_HOST]);
    expect(frames.every((f) => f.tstamp === 1234e6 && f.ifindex === t.ea.ifindex)).toBe(true);
    expect(tcpdumpLine(frames[3]!.data)).toMatch(/^IP 10\.0\.0\.2 > 10\.0\.0\.1: ICMP echo reply/);
    expect(cap.stats.packets).toBe(4);
    cap.close();
  });

  it("promiscuous mode lets frames for other hosts be captured, and is undone at close", () => {
    const t = pair();
    const plain = packetSocket(t.b, ROOT_CRED, { dev: "eth0" });
    const promisc = packetSocket(t.b, ROOT_CRED, { dev: "eth0", promisc: true });
    expect(t.eb.flags & IFF_PROMISC).toBe(IFF_PROMISC);
    expect(t.eb.promiscuity).toBe(1);
    const other = new Uint8Array([0x02, 0x99, 0x99, 0x99, 0x99, 0x99]);
    inject(t.eb, ethFrame(other, t.ea.devAddr, 0x0800, ipPacket({ saddr: ip("10.0.0.1"), daddr: ip("10.0.0.77"), payload: udpPayload(1, 2, new Uint8Array(1)) })));
    t.k.runFor(1);
    expect(promisc.drain().map((f) => f.pktType)).toEqual([PACKET_OTHERHOST]);
    // Taps see it in either case (the device layer delivers to taps); IPv4 drops it.
    expect(plain.drain().length).toBe(1);
    promisc.close();
    expect(t.eb.promiscuity).toBe(0);
    expect(t.eb.flags & IFF_PROMISC).toBe(0);
    expect(errno(() => packetSocket(t.b, ROOT_CRED, { promisc: true }))).toBe(EINVAL);
    void isErrno;
  });
});
