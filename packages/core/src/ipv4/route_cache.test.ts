// The routes kept for the last flow routed (ipRouteInputCached on a device, ipRouteOutputFlow in
// a namespace): every change routing depends on must reach the next packet of a flow already
// routed.
import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import { devClose, devOpen } from "../netdevice/dev.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { RT_TABLE_LOCAL, RTN_BLACKHOLE, RTN_UNREACHABLE } from "../route/fib.js";
import { FR_ACT_PROHIBIT, fibNlDelRule, fibNlNewRule } from "../route/fib_rules.js";
import { udpSocket, type UdpSocket } from "../socket/udp.js";
import { EchoReply, pingSocket } from "../socket/ping.js";
import { IP_TOS, SOL_IP } from "../socket/inet.js";
import { errnoCode } from "../testing/errno.js";
import { ipAddrDel, ipRouteDel } from "./netlink.js";
import { ipv4Net, LINUX_MIB_IPRPFILTER, RT_STAT_IN_MARTIAN_SRC } from "./netns.js";
import { addAddr, addRoute, ethFrame, inject, ip, ipPacket, makePair, pairEnd, udpPayload, type PairPriv } from "./testing.js";

interface Host {
  k: Kernel;
  b: Net;
  eth: NetDevice<PairPriv>;
  peer: NetDevice<PairPriv>;
  sock: UdpSocket;
}

/** b (10.0.0.2/24 on eth0) with a UDP socket on port 4000; frames are injected on its eth0. */
function host(): Host {
  const k = new Kernel({ seed: 5 });
  const a = k.createNet("a");
  const b = k.createNet("b");
  devOpen(b.loopback);
  const [peer, eth] = makePair(a, b, "eth0", "eth0");
  addAddr(b, "eth0", "10.0.0.2/24");
  const sock = udpSocket(b, ROOT_CRED);
  sock.bind(0, 4000);
  return { k, b, eth, peer, sock };
}

/** Injects one UDP datagram on b's eth0 and says whether b's socket received it. */
function deliver(h: Host, saddr: string, daddr: string, tos = 0): boolean {
  const pkt = ipPacket({ saddr: ip(saddr), daddr: ip(daddr), tos, payload: udpPayload(1234, 4000, new Uint8Array(4)) });
  inject(h.eth, ethFrame(h.eth.devAddr, h.peer.devAddr, 0x0800, pkt));
  h.k.runFor(1);
  let got = false;
  while (h.sock.recv() !== null) got = true;
  return got;
}

function sysctl(h: Host, path: string, value: string): void {
  h.k.vfs.write(`/proc/sys/net/ipv4/${path}`, value, { net: h.b, cred: ROOT_CRED });
}

describe("input route of the last flow", () => {
  it("serves a flow's packets until its address goes away, then routes again", () => {
    const h = host();
    addAddr(h.b, "eth0", "10.0.1.2/24");
    for (let i = 0; i < 3; i++) expect(deliver(h, "10.0.0.1", "10.0.0.2")).toBe(true);
    ipAddrDel(h.b, ROOT_CRED, { dev: "eth0", local: ip("10.0.0.2"), prefixLen: 24 });
    expect(deliver(h, "10.0.0.1", "10.0.0.2")).toBe(false);
    expect(deliver(h, "10.0.0.1", "10.0.1.2")).toBe(true);
    addAddr(h.b, "eth0", "10.0.0.2/24");
    expect(deliver(h, "10.0.0.1", "10.0.0.2")).toBe(true);
  });

  it("sees a source become a local address, even on a device that is down", () => {
    const h = host();
    expect(deliver(h, "10.0.0.9", "10.0.0.2")).toBe(true);
    pairEnd(h.b, "dummy0");
    addAddr(h.b, "dummy0", "10.0.0.9/32");
    expect(deliver(h, "10.0.0.9", "10.0.0.2")).toBe(false);
    expect(ipv4Net(h.b).rtStat[RT_STAT_IN_MARTIAN_SRC]).toBe(1);
    ipAddrDel(h.b, ROOT_CRED, { dev: "dummy0", local: ip("10.0.0.9") });
    expect(deliver(h, "10.0.0.9", "10.0.0.2")).toBe(true);
  });

  it("applies rp_filter written after the flow was routed", () => {
    const h = host();
    expect(deliver(h, "172.16.0.1", "10.0.0.2")).toBe(true);
    sysctl(h, "conf/all/rp_filter", "1");
    expect(deliver(h, "172.16.0.1", "10.0.0.2")).toBe(false);
    expect(ipv4Net(h.b).linuxMib[LINUX_MIB_IPRPFILTER]).toBe(1);
    sysctl(h, "conf/all/rp_filter", "0");
    expect(deliver(h, "172.16.0.1", "10.0.0.2")).toBe(true);
  });

  it("keys the flow on tos: a tos route of table local applies between packets of tos 0", () => {
    const h = host();
    addRoute(h.b, "10.0.0.2/32", { type: RTN_UNREACHABLE, table: RT_TABLE_LOCAL, tos: 0x10 });
    expect(deliver(h, "10.0.0.1", "10.0.0.2", 0)).toBe(true);
    expect(deliver(h, "10.0.0.1", "10.0.0.2", 0x10)).toBe(false);
    expect(deliver(h, "10.0.0.1", "10.0.0.2", 0)).toBe(true);
  });

  it("stops delivering when the device goes down and up without its address", () => {
    const h = host();
    expect(deliver(h, "10.0.0.1", "10.0.0.2")).toBe(true);
    devClose(h.eth);
    devOpen(h.eth);
    expect(deliver(h, "10.0.0.1", "10.0.0.2")).toBe(true);
    ipAddrDel(h.b, ROOT_CRED, { dev: "eth0", local: ip("10.0.0.2") });
    expect(deliver(h, "10.0.0.1", "10.0.0.2")).toBe(false);
  });
});

describe("input route of the last forwarded flow", () => {
  /** a -- r -- b; returns whether a datagram a sends to b's 10.0.2.1 arrives. */
  function chain(): { k: Kernel; r: Net; send: () => boolean } {
    const k = new Kernel({ seed: 6 });
    const a = k.createNet("a");
    const r = k.createNet("r");
    const b = k.createNet("b");
    for (const n of [a, r, b]) devOpen(n.loopback);
    const [aEth, rEth0] = makePair(a, r, "eth0", "eth0");
    makePair(r, b, "eth1", "eth0");
    addAddr(r, "eth0", "10.0.1.254/24");
    addAddr(r, "eth1", "10.0.2.254/24");
    addAddr(b, "eth0", "10.0.2.1/24");
    addRoute(b, "default", { via: ip("10.0.2.254") });
    k.vfs.write("/proc/sys/net/ipv4/ip_forward", "1\n", { net: r, cred: ROOT_CRED });
    const ub = udpSocket(b, ROOT_CRED);
    ub.bind(0, 4000);
    const send = (): boolean => {
      const pkt = ipPacket({ saddr: ip("10.0.1.1"), daddr: ip("10.0.2.1"), payload: udpPayload(1, 4000, new Uint8Array(2)) });
      inject(rEth0, ethFrame(rEth0.devAddr, aEth.devAddr, 0x0800, pkt));
      k.runFor(1000);
      let got = false;
      while (ub.recv() !== null) got = true;
      return got;
    };
    return { k, r, send };
  }

  it("follows route changes and the forwarding switch", () => {
    const c = chain();
    expect(c.send()).toBe(true);
    expect(c.send()).toBe(true);
    addRoute(c.r, "10.0.2.1/32", { type: RTN_BLACKHOLE });
    expect(c.send()).toBe(false);
    ipRouteDel(c.r, ROOT_CRED, { dst: ip("10.0.2.1"), dstLen: 32 });
    expect(c.send()).toBe(true);
    c.k.vfs.write("/proc/sys/net/ipv4/ip_forward", "0\n", { net: c.r, cred: ROOT_CRED });
    expect(c.send()).toBe(false);
    c.k.vfs.write("/proc/sys/net/ipv4/ip_forward", "1\n", { net: c.r, cred: ROOT_CRED });
    expect(c.send()).toBe(true);
  });
});

describe("output route of the last flow", () => {
  /** a (10.0.0.1) -- b (10.0.0.2), a UDP socket on a's port 5000. */
  function pair(): { k: Kernel; a: Net; b: Net; ua: UdpSocket } {
    const k = new Kernel({ seed: 7 });
    const a = k.createNet("a");
    const b = k.createNet("b");
    for (const n of [a, b]) devOpen(n.loopback);
    makePair(a, b, "eth0", "eth0");
    addAddr(a, "eth0", "10.0.0.1/24");
    addAddr(b, "eth0", "10.0.0.2/24");
    const ua = udpSocket(a, ROOT_CRED);
    ua.bind(0, 5000);
    return { k, a, b, ua };
  }

  it("sends echo replies along the routes of the moment", () => {
    const { k, a, b } = pair();
    const s = pingSocket(a, ROOT_CRED);
    const reply = new EchoReply();
    const echo = (seq: number): boolean => {
      s.sendEcho(ip("10.0.0.2"), seq);
      k.runFor(10);
      let got = false;
      while (s.recvEcho(reply)) got = true;
      return got;
    };
    expect(echo(1)).toBe(true);
    expect(echo(2)).toBe(true);
    addRoute(b, "10.0.0.1/32", { type: RTN_BLACKHOLE });
    expect(echo(3)).toBe(false);
    ipRouteDel(b, ROOT_CRED, { dst: ip("10.0.0.1"), dstLen: 32 });
    expect(echo(4)).toBe(true);
  });

  it("picks the source again when a route with a preferred source comes", () => {
    const { k, b, ua } = pair();
    addAddr(b, "eth0", "10.0.0.3/24");
    const ub = udpSocket(b, ROOT_CRED);
    const from = (): string | null => {
      ub.sendto(new Uint8Array(8), ip("10.0.0.1"), 5000);
      k.runFor(10);
      const d = ua.recv();
      return d === null ? null : `${d.addr >>> 24}.${(d.addr >>> 16) & 255}.${(d.addr >>> 8) & 255}.${d.addr & 255}`;
    };
    expect(from()).toBe("10.0.0.2");
    expect(from()).toBe("10.0.0.2");
    addRoute(b, "10.0.0.1/32", { dev: "eth0", src: ip("10.0.0.3") });
    expect(from()).toBe("10.0.0.3");
  });

  it("gives way to a rule added after the flow was routed, and keys the flow on tos", () => {
    const { k, b, ua } = pair();
    const ub = udpSocket(b, ROOT_CRED);
    const send = (): string => errnoCode(() => ub.sendto(new Uint8Array(8), ip("10.0.0.1"), 5000));
    expect(send()).toBe("ok");
    fibNlNewRule(b, ROOT_CRED, { dst: ip("10.0.0.1"), dstLen: 32, action: FR_ACT_PROHIBIT });
    expect(send()).toBe("EACCES");
    fibNlDelRule(b, ROOT_CRED, { dst: ip("10.0.0.1"), dstLen: 32, action: FR_ACT_PROHIBIT });
    expect(send()).toBe("ok");
    addRoute(b, "10.0.0.1/32", { type: RTN_UNREACHABLE, tos: 0x10 });
    expect(send()).toBe("ok");
    ub.setsockopt(SOL_IP, IP_TOS, 0x10);
    expect(send()).toBe("EHOSTUNREACH");
    ub.setsockopt(SOL_IP, IP_TOS, 0);
    expect(send()).toBe("ok");
    k.runFor(10);
    let n = 0;
    while (ua.recv() !== null) n++;
    expect(n).toBe(4);
  });

  it("routes a non-local source again once ip_nonlocal_bind is off", () => {
    const { k, b } = pair();
    k.vfs.write("/proc/sys/net/ipv4/ip_nonlocal_bind", "1\n", { net: b, cred: ROOT_CRED });
    const ub = udpSocket(b, ROOT_CRED);
    ub.bind(ip("10.0.0.50"), 0);
    const send = (): string => errnoCode(() => ub.sendto(new Uint8Array(8), ip("10.0.0.1"), 5000));
    expect(send()).toBe("ok");
    expect(send()).toBe("ok");
    k.vfs.write("/proc/sys/net/ipv4/ip_nonlocal_bind", "0\n", { net: b, cred: ROOT_CRED });
    expect(send()).toBe("ENETUNREACH");
  });
});
