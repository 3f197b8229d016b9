import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import { devOpen } from "../netdevice/dev.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { Ipv4Packet } from "../wire/ipv4.js";
import { EHOSTUNREACH, ENETUNREACH } from "../kernel/errno.js";
import { addAddr, addRoute, ethFrame, inject, ip, ipPacket, makePair, udpPayload, type PairPriv } from "./testing.js";
import { EchoReply, pingSocket } from "../socket/ping.js";
import { udpSocket } from "../socket/udp.js";
import { IP_HDRINCL, IP_RECVERR, IP_TTL, SOL_IP } from "../socket/inet.js";
import { packetSocket } from "../socket/packet.js";
import { rawSocket } from "../socket/raw.js";
import {
  ipv4Net, IPSTATS_MIB_INADDRERRORS, IPSTATS_MIB_INHDRERRORS, IPSTATS_MIB_INNOROUTES, IPSTATS_MIB_OUTFORWDATAGRAMS,
  LINUX_MIB_IPRPFILTER, RT_STAT_IN_MARTIAN_DST, RT_STAT_IN_MARTIAN_SRC,
} from "./netns.js";
import { ipRouteGet } from "./netlink.js";

interface Chain {
  k: Kernel;
  a: Net;
  r: Net;
  b: Net;
  aEth: NetDevice<PairPriv>;
  rEth0: NetDevice<PairPriv>;
  rEth1: NetDevice<PairPriv>;
  bEth: NetDevice<PairPriv>;
}

/** A (10.0.1.1) -- (10.0.1.254) R (10.0.2.254) -- (10.0.2.1) B, defaults through R. */
function chain(forward = true): Chain {
  const k = new Kernel({ seed: 11 });
  const a = k.createNet("a");
  const r = k.createNet("r");
  const b = k.createNet("b");
  for (const n of [a, r, b]) devOpen(n.loopback);
  const [aEth, rEth0] = makePair(a, r, "eth0", "eth0");
  const [rEth1, bEth] = makePair(r, b, "eth1", "eth0");
  addAddr(a, "eth0", "10.0.1.1/24");
  addAddr(r, "eth0", "10.0.1.254/24");
  addAddr(r, "eth1", "10.0.2.254/24");
  addAddr(b, "eth0", "10.0.2.1/24");
  addRoute(a, "default", { via: ip("10.0.1.254") });
  addRoute(b, "default", { via: ip("10.0.2.254") });
  if (forward) k.vfs.write("/proc/sys/net/ipv4/ip_forward", "1\n", { net: r, cred: ROOT_CRED });
  return { k, a, r, b, aEth, rEth0, rEth1, bEth };
}

function sysctl(c: Chain, net: Net, path: string, value: string): void {
  c.k.vfs.write(`/proc/sys/net/ipv4/${path}`, value, { net, cred: ROOT_CRED });
}

describe("forwarding through a router namespace", () => {
  it("forwards with the TTL decremented and the checksum patched", () => {
    const c = chain();
    const cap = packetSocket(c.b, ROOT_CRED, { dev: "eth0", ignoreOutgoing: true });
    const s = pingSocket(c.a, ROOT_CRED);
    s.sendEcho(ip("10.0.2.1"), 1);
    c.k.runFor(10);
    const r = new EchoReply();
    expect(s.recvEcho(r)).toBe(true);
    expect(r.from).toBe(ip("10.0.2.1"));
    expect(r.ttl).toBe(63);
    const echo = cap.drain().find((f) => f.protocol === 0x0800)!;
    const iph = new Ipv4Packet(echo.data, 14);
    expect(iph.ttl).toBe(63);
    expect(iph.verifyChecksum()).toBe(true);
    expect(iph.saddr).toBe(ip("10.0.1.1"));
    expect(ipv4Net(c.r).ipMib[IPSTATS_MIB_OUTFORWDATAGRAMS]).toBe(2);
    expect(ipRouteGet(c.a, ROOT_CRED, { dst: ip("10.0.2.1") })).toMatchObject({
      gateway: ip("10.0.1.254"), dev: "eth0", prefsrc: ip("10.0.1.1"),
    });
    expect(ipRouteGet(c.r, ROOT_CRED, { dst: ip("10.0.2.1"), src: ip("10.0.1.1"), iif: "eth0" })).toMatchObject({
      dev: "eth1", iif: "eth0", gateway: 0, type: 1,
    });
  });

  it("answers TTL 1 with time exceeded from the router's address on the sender's side", () => {
    const c = chain();
    const u = udpSocket(c.a, ROOT_CRED);
    u.setsockopt(SOL_IP, IP_TTL, 1);
    u.setsockopt(SOL_IP, IP_RECVERR, 1);
    u.sendto(new Uint8Array(10), ip("10.0.2.1"), 33434);
    c.k.runFor(10);
    const e = u.recvErr()!;
    expect(e).toMatchObject({ errno: EHOSTUNREACH, type: 11, code: 0, offender: ip("10.0.1.254"), addr: ip("10.0.2.1"), port: 33434 });
    expect(ipv4Net(c.r).ipMib[IPSTATS_MIB_INHDRERRORS]).toBe(1);
    expect(ipv4Net(c.r).ipMib[IPSTATS_MIB_OUTFORWDATAGRAMS]).toBe(0);
    // A ping with TTL 1 hears the same (traceroute's first hop).
    const p = pingSocket(c.a, ROOT_CRED);
    p.setsockopt(SOL_IP, IP_TTL, 1);
    p.sendEcho(ip("10.0.2.1"), 5);
    c.k.runFor(10);
    expect(p.recvErr()).toMatchObject({ errno: EHOSTUNREACH, type: 11, code: 0, offender: ip("10.0.1.254") });
  });

  it("answers a destination without a route with net unreachable", () => {
    const c = chain();
    const p = pingSocket(c.a, ROOT_CRED);
    p.sendEcho(ip("192.0.2.9"), 1);
    c.k.runFor(10);
    expect(p.recvErr()).toMatchObject({ errno: ENETUNREACH, type: 3, code: 0, offender: ip("10.0.1.254") });
    expect(ipv4Net(c.r).ipMib[IPSTATS_MIB_INNOROUTES]).toBe(1);
  });

  it("does not forward when ip_forward is 0 (InAddrErrors, no ICMP)", () => {
    const c = chain(false);
    expect(c.k.vfs.read("/proc/sys/net/ipv4/ip_forward", { net: c.r, cred: ROOT_CRED })).toBe("0\n");
    const p = pingSocket(c.a, ROOT_CRED);
    p.sendEcho(ip("10.0.2.1"), 1);
    c.k.runFor(1000);
    expect(p.recvEcho(new EchoReply())).toBe(false);
    expect(p.recvErr()).toBeNull();
    expect(ipv4Net(c.r).ipMib[IPSTATS_MIB_INADDRERRORS]).toBe(1);
    expect(ipv4Net(c.r).ipMib[IPSTATS_MIB_OUTFORWDATAGRAMS]).toBe(0);
    // Per device: forwarding is decided by the input device's conf.
    sysctl(c, c.r, "ip_forward", "1");
    sysctl(c, c.r, "conf/eth0/forwarding", "0");
    p.sendEcho(ip("10.0.2.1"), 2);
    c.k.runFor(1000);
    expect(p.recvEcho(new EchoReply())).toBe(false);
    sysctl(c, c.r, "conf/eth0/forwarding", "1");
    p.sendEcho(ip("10.0.2.1"), 3);
    c.k.runFor(1000);
    expect(p.recvEcho(new EchoReply())).toBe(true);
    expect(c.k.vfs.read("/proc/sys/net/ipv4/conf/eth1/forwarding", { net: c.r, cred: ROOT_CRED })).toBe("1\n");
  });

  describe("rp_filter", () => {
    /** A sends a UDP datagram to B with a forged source through R; does it reach B? */
    function spoof(c: Chain, saddr: string): boolean {
      const ub = udpSocket(c.b, ROOT_CRED);
      ub.bind(0, 4000);
      const raw = rawSocket(c.a, ROOT_CRED, 17);
      raw.setsockopt(SOL_IP, IP_HDRINCL, 1);
      raw.sendto(ipPacket({ saddr: ip(saddr), daddr: ip("10.0.2.1"), payload: udpPayload(1234, 4000, new Uint8Array(4)) }), ip("10.0.2.1"));
      c.k.runFor(10);
      const got = ub.recv() !== null;
      ub.close();
      raw.close();
      return got;
    }

    it("is off by default: any routable or unroutable source passes", () => {
      const c = chain();
      expect(spoof(c, "10.0.2.77")).toBe(true);
      expect(spoof(c, "172.16.0.1")).toBe(true);
    });

    it("strict (1) drops a source whose route points out another device", () => {
      const c = chain();
      sysctl(c, c.r, "conf/all/rp_filter", "1");
      expect(spoof(c, "10.0.1.9")).toBe(true);
      expect(spoof(c, "10.0.2.77")).toBe(false);
      expect(spoof(c, "172.16.0.1")).toBe(false);
      expect(ipv4Net(c.r).linuxMib[LINUX_MIB_IPRPFILTER]).toBe(2);
      expect(ipv4Net(c.r).rtStat[RT_STAT_IN_MARTIAN_SRC]).toBe(2);
      expect(() => ipRouteGet(c.r, ROOT_CRED, { dst: ip("10.0.2.1"), src: ip("10.0.2.77"), iif: "eth0" })).toThrow(/Invalid cross-device link/);
    });

    it("loose (2) only needs some route back", () => {
      const c = chain();
      sysctl(c, c.r, "conf/eth0/rp_filter", "2");
      expect(spoof(c, "10.0.2.77")).toBe(true);
      expect(spoof(c, "172.16.0.1")).toBe(false);
      addRoute(c.r, "172.16.0.0/12", { dev: "eth1" });
      expect(spoof(c, "172.16.0.1")).toBe(true);
    });

    it("uses the larger of conf/all and the device", () => {
      const c = chain();
      sysctl(c, c.r, "conf/all/rp_filter", "2");
      sysctl(c, c.r, "conf/eth0/rp_filter", "1");
      expect(spoof(c, "10.0.2.77")).toBe(true);
      sysctl(c, c.r, "conf/all/rp_filter", "0");
      expect(spoof(c, "10.0.2.77")).toBe(false);
      sysctl(c, c.r, "conf/all/rp_filter", "1");
      sysctl(c, c.r, "conf/eth0/rp_filter", "0");
      expect(spoof(c, "10.0.2.77")).toBe(false);
      expect(c.k.vfs.read("/proc/sys/net/ipv4/conf/eth0/rp_filter", { net: c.r, cred: ROOT_CRED })).toBe("0\n");
    });
  });

  it("drops martian sources and destinations on input", () => {
    const c = chain();
    const dev = c.rEth0;
    const send = (saddr: string, daddr: string): void => {
      inject(dev, ethFrame(dev.devAddr, c.aEth.devAddr, 0x0800, ipPacket({ saddr: ip(saddr), daddr: ip(daddr), payload: udpPayload(1, 2, new Uint8Array(2)) })));
    };
    const st = ipv4Net(c.r).rtStat;
    send("127.0.0.1", "10.0.2.1");
    send("224.0.0.5", "10.0.2.1");
    send("255.255.255.255", "10.0.2.1");
    send("0.0.0.0", "10.0.2.1");
    send("10.0.2.254", "10.0.1.254");
    c.k.runFor(10);
    expect(st[RT_STAT_IN_MARTIAN_SRC]).toBe(5);
    send("10.0.1.1", "0.0.0.0");
    send("10.0.1.1", "127.0.0.1");
    c.k.runFor(10);
    expect(st[RT_STAT_IN_MARTIAN_DST]).toBe(2);
    expect(ipv4Net(c.r).ipMib[IPSTATS_MIB_OUTFORWDATAGRAMS]).toBe(0);
    expect(ipv4Net(c.b).ipMib[0]).toBe(0);
  });
});
