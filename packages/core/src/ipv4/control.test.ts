import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED, userCred } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import {
  EADDRNOTAVAIL, EAFNOSUPPORT, EEXIST, EINVAL, ENETUNREACH, ENODEV, ENOENT, EPERM, ESRCH, EACCES,
} from "../kernel/errno.js";
import { devChangeFlags, devOpen } from "../netdevice/dev.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import { IFF_NOARP } from "../netdevice/constants.js";
import {
  devIoctl, SIOCADDRT, SIOCDELRT, SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFCONF, SIOCGIFDSTADDR, SIOCGIFNETMASK, SIOCSIFADDR,
  SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFNETMASK,
} from "../netdevice/ioctl.js";
import { tcpdumpLine } from "../wire/tcpdump.js";
import { addAddr, ip, makePair, type PairPriv } from "./testing.js";
import { ipAddrAdd, ipAddrDel, ipAddrDump, ipAddrFlush, ipRouteDump, ipRouteGet } from "./netlink.js";
import { RTF_GATEWAY, RTF_HOST, RTF_REJECT, RTF_UP, RT_TABLE_LOCAL, RTN_UNREACHABLE } from "../route/fib.js";
import { neighAdd, neighChange, neighDel, neighDump, neighFlush, neighReplace } from "../neigh/api.js";
import { arpGet, arpStats, procNetArp } from "../neigh/arp.js";
import { NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE, NUD_STALE } from "../neigh/neighbour.js";
import { packetSocket } from "../socket/packet.js";
import { EchoReply, pingSocket } from "../socket/ping.js";
import { udpSocket } from "../socket/udp.js";
import { ipv4ToString } from "../wire/addr.js";

function host(): { k: Kernel; net: Net; peer: Net; eth0: NetDevice<PairPriv>; peth: NetDevice<PairPriv> } {
  const k = new Kernel({ seed: 9 });
  const net = k.createNet("h");
  const peer = k.createNet("p");
  devOpen(net.loopback);
  devOpen(peer.loopback);
  const [eth0, peth] = makePair(net, peer, "eth0", "eth0");
  return { k, net, peer, eth0, peth };
}

function errno(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    return (e as { errno: number }).errno;
  }
  return 0;
}

const user = userCred();

describe("address ioctls (ifconfig)", () => {
  it("SIOCSIFADDR sets a classful mask and broadcast; SIOCGIF* read them back", () => {
    const { net } = host();
    devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0", addr: ip("172.16.5.1") });
    expect(devIoctl(net, user, SIOCGIFADDR, { name: "eth0" })["addr"]).toBe(ip("172.16.5.1"));
    expect(devIoctl(net, user, SIOCGIFNETMASK, { name: "eth0" })["netmask"]).toBe(ip("255.255.0.0"));
    expect(devIoctl(net, user, SIOCGIFBRDADDR, { name: "eth0" })["broadaddr"]).toBe(ip("172.16.255.255"));
    expect(devIoctl(net, user, SIOCGIFDSTADDR, { name: "eth0" })["dstaddr"]).toBe(ip("172.16.5.1"));
    // Replacing the address keeps one address and moves the routes.
    devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0", addr: ip("10.1.2.3") });
    expect(ipAddrDump(net, { dev: "eth0" }).map((a) => [ipv4ToString(a.local), a.prefixLen, ipv4ToString(a.broadcast)])).toEqual([["10.1.2.3", 8, "10.255.255.255"]]);
    expect(ipRouteDump(net).map((r) => `${ipv4ToString(r.dst)}/${r.dstLen}`)).toEqual(["10.0.0.0/8"]);
    devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0", addr: ip("192.168.7.7") });
    expect(devIoctl(net, user, SIOCGIFNETMASK, { name: "eth0" })["netmask"]).toBe(ip("255.255.255.0"));
    // An alias label makes a second address.
    devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0:1", addr: ip("192.168.8.1") });
    expect(ipAddrDump(net, { dev: "eth0" }).map((a) => a.label)).toEqual(["eth0", "eth0:1"]);
    expect(devIoctl(net, user, SIOCGIFADDR, { name: "eth0:1" })["addr"]).toBe(ip("192.168.8.1"));
    // 0.0.0.0 removes it.
    devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0:1", addr: 0 });
    expect(ipAddrDump(net, { dev: "eth0" }).length).toBe(1);
  });

  it("SIOCSIFNETMASK/BRDADDR/DSTADDR update the address and its routes", () => {
    const { net } = host();
    devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0", addr: ip("10.1.2.3") });
    devIoctl(net, ROOT_CRED, SIOCSIFNETMASK, { name: "eth0", netmask: ip("255.255.255.0") });
    expect(devIoctl(net, user, SIOCGIFBRDADDR, { name: "eth0" })["broadaddr"]).toBe(ip("10.1.2.255"));
    expect(ipRouteDump(net).map((r) => `${ipv4ToString(r.dst)}/${r.dstLen}`)).toEqual(["10.1.2.0/24"]);
    devIoctl(net, ROOT_CRED, SIOCSIFBRDADDR, { name: "eth0", broadaddr: ip("10.1.2.200") });
    expect(ipRouteDump(net, { table: RT_TABLE_LOCAL }).some((r) => r.dst === ip("10.1.2.200"))).toBe(true);
    devIoctl(net, ROOT_CRED, SIOCSIFDSTADDR, { name: "eth0", dstaddr: ip("10.1.2.9") });
    expect(devIoctl(net, user, SIOCGIFDSTADDR, { name: "eth0" })["dstaddr"]).toBe(ip("10.1.2.9"));
  });

  it("fail with EPERM, ENODEV, EADDRNOTAVAIL, EINVAL as devinet_ioctl", () => {
    const { net } = host();
    expect(errno(() => devIoctl(net, user, SIOCSIFADDR, { name: "eth0", addr: ip("10.0.0.1") }))).toBe(EPERM);
    expect(errno(() => devIoctl(net, user, SIOCSIFNETMASK, { name: "eth0", netmask: 0 }))).toBe(EPERM);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "nope0", addr: ip("10.0.0.1") }))).toBe(ENODEV);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCGIFADDR, { name: "nope0" }))).toBe(ENODEV);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCGIFADDR, { name: "eth0" }))).toBe(EADDRNOTAVAIL);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCSIFNETMASK, { name: "eth0", netmask: ip("255.0.0.0") }))).toBe(EADDRNOTAVAIL);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCSIFBRDADDR, { name: "eth0", broadaddr: 1 }))).toBe(EADDRNOTAVAIL);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0", addr: ip("224.0.0.9") }))).toBe(EINVAL);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0", addr: ip("10.0.0.1"), family: 10 }))).toBe(EINVAL);
    devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0", addr: ip("10.0.0.1") });
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCSIFNETMASK, { name: "eth0", netmask: ip("255.0.255.0") }))).toBe(EINVAL);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCSIFDSTADDR, { name: "eth0", dstaddr: ip("239.1.1.1") }))).toBe(EINVAL);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCGIFADDR, { name: "eth0:7" }))).toBe(EADDRNOTAVAIL);
  });

  it("SIOCGIFCONF lists every address by label, limited by ifc_len", () => {
    const { net } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    devIoctl(net, ROOT_CRED, SIOCSIFADDR, { name: "eth0:3", addr: ip("10.9.0.1") });
    const all = devIoctl(net, user, SIOCGIFCONF, { name: "" });
    expect(all["ifcReq"]).toEqual([
      { name: "lo", addr: ip("127.0.0.1"), family: 2 },
      { name: "eth0", addr: ip("10.0.0.1"), family: 2 },
      { name: "eth0:3", addr: ip("10.9.0.1"), family: 2 },
    ]);
    expect(all["ifcLen"]).toBe(120);
    expect((devIoctl(net, user, SIOCGIFCONF, { name: "", ifcLen: 80 })["ifcReq"] as unknown[]).length).toBe(2);
  });
});

describe("route ioctls (route add/del)", () => {
  it("add net, host, gateway and reject routes with net-tools semantics, then delete", () => {
    const { net } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    devIoctl(net, ROOT_CRED, SIOCADDRT, { name: "", dst: ip("192.168.0.0"), genmask: ip("255.255.0.0"), gateway: ip("10.0.0.254"), flags: RTF_UP | RTF_GATEWAY, metric: 1 });
    devIoctl(net, ROOT_CRED, SIOCADDRT, { name: "", dst: ip("172.16.1.1"), flags: RTF_UP | RTF_HOST, dev: "eth0" });
    devIoctl(net, ROOT_CRED, SIOCADDRT, { name: "", dst: ip("198.51.100.0"), genmask: ip("255.255.255.0"), flags: RTF_UP | RTF_REJECT });
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("192.168.3.4") })).toMatchObject({ gateway: ip("10.0.0.254"), dev: "eth0" });
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("172.16.1.1") })).toMatchObject({ gateway: 0, dev: "eth0" });
    expect(ipRouteDump(net).find((r) => r.type === RTN_UNREACHABLE)!.dst).toBe(ip("198.51.100.0"));
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCADDRT, { name: "", dst: ip("172.16.1.1"), flags: RTF_UP | RTF_HOST, dev: "eth0" }))).toBe(EEXIST);
    devIoctl(net, ROOT_CRED, SIOCDELRT, { name: "", dst: ip("192.168.0.0"), genmask: ip("255.255.0.0"), flags: RTF_UP });
    expect(errno(() => ipRouteGet(net, ROOT_CRED, { dst: ip("192.168.3.4") }))).toBe(ENETUNREACH);
    expect(errno(() => devIoctl(net, ROOT_CRED, SIOCDELRT, { name: "", dst: ip("192.168.0.0"), genmask: ip("255.255.0.0"), flags: RTF_UP }))).toBe(ESRCH);
  });

  it("fail with EPERM, EINVAL, ENODEV, ENETUNREACH, EAFNOSUPPORT as ip_rt_ioctl", () => {
    const { net } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    const add = (rt: Record<string, unknown>, cred = ROOT_CRED): number => errno(() => devIoctl(net, cred, SIOCADDRT, { name: "", ...rt }));
    expect(add({ dst: ip("192.168.0.0"), genmask: ip("255.255.0.0"), flags: RTF_UP, dev: "eth0" }, user)).toBe(EPERM);
    expect(add({ dst: ip("192.168.0.1"), genmask: ip("255.255.0.0"), flags: RTF_UP, dev: "eth0" })).toBe(EINVAL);
    expect(add({ dst: ip("192.168.0.0"), genmask: ip("255.0.255.0"), flags: RTF_UP, dev: "eth0" })).toBe(EINVAL);
    expect(add({ dst: ip("192.168.0.0"), genmask: ip("255.255.0.0"), flags: RTF_UP, dev: "eth9" })).toBe(ENODEV);
    expect(add({ dst: ip("192.168.0.0"), genmask: ip("255.255.0.0"), flags: RTF_UP | RTF_GATEWAY })).toBe(EINVAL);
    expect(add({ dst: ip("192.168.0.0"), genmask: ip("255.255.0.0"), flags: RTF_UP | RTF_GATEWAY, gateway: ip("10.9.9.9") })).toBe(ENETUNREACH);
    expect(add({ dst: ip("192.168.0.0"), dstFamily: 10, genmask: ip("255.255.0.0"), flags: RTF_UP, dev: "eth0" })).toBe(EAFNOSUPPORT);
    expect(errno(() => devIoctl(net, user, SIOCDELRT, { name: "", dst: 0, genmask: 0, flags: RTF_UP }))).toBe(EPERM);
  });
});

describe("ip addr", () => {
  it("adds, detects duplicates, marks secondaries, promotes or deletes them", () => {
    const { k, net } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    expect(errno(() => addAddr(net, "eth0", "10.0.0.1/24"))).toBe(EEXIST);
    ipAddrAdd(net, ROOT_CRED, { dev: "eth0", local: ip("10.0.0.1"), prefixLen: 24, metric: 50 }, true);
    addAddr(net, "eth0", "10.0.0.2/24");
    addAddr(net, "eth0", "10.0.0.3/24");
    expect(ipAddrDump(net, { dev: "eth0" }).map((a) => a.secondary)).toEqual([false, true, true]);
    // Deleting the primary takes the secondaries along by default...
    ipAddrDel(net, ROOT_CRED, { dev: "eth0", local: ip("10.0.0.1"), prefixLen: 24 });
    expect(ipAddrDump(net, { dev: "eth0" })).toEqual([]);
    // ...and promotes one with promote_secondaries.
    k.vfs.write("/proc/sys/net/ipv4/conf/eth0/promote_secondaries", "1", { net, cred: ROOT_CRED });
    addAddr(net, "eth0", "10.0.0.1/24");
    addAddr(net, "eth0", "10.0.0.2/24");
    ipAddrDel(net, ROOT_CRED, { dev: "eth0", local: ip("10.0.0.1"), prefixLen: 24 });
    expect(ipAddrDump(net, { dev: "eth0" }).map((a) => [ipv4ToString(a.local), a.secondary])).toEqual([["10.0.0.2", false]]);
    expect(ipRouteDump(net).map((r) => ipv4ToString(r.prefsrc))).toEqual(["10.0.0.2"]);
    expect(ipRouteGet(net, ROOT_CRED, { dst: ip("10.0.0.9") }).prefsrc).toBe(ip("10.0.0.2"));
  });

  it("errors: ENODEV, EINVAL, EPERM, EADDRNOTAVAIL; flush counts", () => {
    const { net } = host();
    expect(errno(() => ipAddrAdd(net, ROOT_CRED, { dev: "eth9", local: ip("10.0.0.1") }))).toBe(ENODEV);
    expect(errno(() => ipAddrAdd(net, ROOT_CRED, { dev: "eth0", local: ip("10.0.0.1"), prefixLen: 33 }))).toBe(EINVAL);
    expect(errno(() => ipAddrAdd(net, ROOT_CRED, { dev: "eth0", local: ip("10.0.0.1"), label: "x".repeat(16) }))).toBe(EINVAL);
    expect(errno(() => ipAddrAdd(net, user, { dev: "eth0", local: ip("10.0.0.1") }))).toBe(EPERM);
    expect(errno(() => ipAddrDel(net, ROOT_CRED, { dev: "eth0", local: ip("10.0.0.1") }))).toBe(EADDRNOTAVAIL);
    addAddr(net, "eth0", "10.0.0.1/24");
    expect(errno(() => ipAddrDel(net, ROOT_CRED, { dev: "eth0", local: ip("10.0.0.1"), prefixLen: 16 }))).toBe(EADDRNOTAVAIL);
    addAddr(net, "eth0", "10.0.1.1/24");
    addAddr(net, "eth0", "10.0.1.2/24");
    expect(ipAddrFlush(net, ROOT_CRED, { dev: "eth0" })).toBe(3);
    expect(ipRouteDump(net)).toEqual([]);
  });

  it("a new namespace's loopback gets 127.0.0.1/8 when brought up", () => {
    const k = new Kernel();
    const n = k.createNet("x");
    expect(ipAddrDump(n)).toEqual([]);
    devOpen(n.loopback);
    expect(ipAddrDump(n).map((a) => [a.dev, ipv4ToString(a.local), a.prefixLen, a.scope])).toEqual([["lo", "127.0.0.1", 8, 254]]);
    expect(ipAddrDump(k.initNet).map((a) => a.dev)).toEqual(["lo"]);
  });
});

describe("ip neigh and ARP behaviour", () => {
  it("add/replace/change/del with Linux errors; flush keeps permanent entries", () => {
    const { net } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    const mac = new Uint8Array([2, 1, 2, 3, 4, 5]);
    neighAdd(net, ROOT_CRED, { dst: ip("10.0.0.9"), dev: "eth0", lladdr: mac });
    expect(errno(() => neighAdd(net, ROOT_CRED, { dst: ip("10.0.0.9"), dev: "eth0", lladdr: mac }))).toBe(EEXIST);
    expect(errno(() => neighAdd(net, ROOT_CRED, { dst: ip("10.0.0.8"), dev: "eth0" }))).toBe(EINVAL);
    expect(errno(() => neighAdd(net, ROOT_CRED, { dst: ip("10.0.0.8"), dev: "eth0", lladdr: new Uint8Array(3) }))).toBe(EINVAL);
    expect(errno(() => neighAdd(net, ROOT_CRED, { dst: ip("10.0.0.8"), dev: "eth7", lladdr: mac }))).toBe(ENODEV);
    expect(errno(() => neighAdd(net, user, { dst: ip("10.0.0.8"), dev: "eth0", lladdr: mac }))).toBe(EPERM);
    expect(errno(() => neighChange(net, ROOT_CRED, { dst: ip("10.0.0.8"), dev: "eth0", lladdr: mac }))).toBe(ENOENT);
    neighReplace(net, ROOT_CRED, { dst: ip("10.0.0.8"), dev: "eth0", lladdr: mac, state: NUD_STALE });
    neighChange(net, ROOT_CRED, { dst: ip("10.0.0.8"), dev: "eth0", lladdr: mac, state: NUD_REACHABLE });
    expect(neighDump(net).map((n) => [ipv4ToString(n.dst), n.state])).toEqual([["10.0.0.9", NUD_PERMANENT], ["10.0.0.8", NUD_REACHABLE]]);
    expect(procNetArp(net)).toContain("10.0.0.9         0x1         0x6         02:01:02:03:04:05     *        eth0\n");
    expect(neighFlush(net, ROOT_CRED, { dev: "eth0" })).toBe(1);
    expect(neighDump(net).map((n) => ipv4ToString(n.dst))).toEqual(["10.0.0.9"]);
    neighDel(net, ROOT_CRED, { dst: ip("10.0.0.9"), dev: "eth0" });
    expect(errno(() => neighDel(net, ROOT_CRED, { dst: ip("10.0.0.9"), dev: "eth0" }))).toBe(ENOENT);
  });

  it("a permanent entry is used without ARP", () => {
    const { k, net, peer, peth } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    addAddr(peer, "eth0", "10.0.0.2/24");
    neighAdd(net, ROOT_CRED, { dst: ip("10.0.0.2"), dev: "eth0", lladdr: peth.devAddr.slice(0, 6) });
    const s = pingSocket(net, ROOT_CRED);
    s.sendEcho(ip("10.0.0.2"), 1);
    k.runFor(10);
    expect(s.recvEcho(new EchoReply())).toBe(true);
    expect(arpStats(net).outRequests).toBe(0);
  });

  it("answers ARP only for local addresses (arp_ignore 0: any interface), 1: only the incoming one", () => {
    const { k, net, peer } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    addAddr(net, "lo", "192.0.2.1/32");
    addAddr(peer, "eth0", "10.0.0.2/24");
    const pkt = packetSocket(peer, ROOT_CRED, { dev: "eth0", ignoreOutgoing: true });
    const probe = (target: string): string[] => {
      const u = udpSocket(peer, ROOT_CRED);
      u.setsockopt(1, 25, "eth0");
      try {
        u.sendto(new Uint8Array(1), ip(target), 9);
      } catch {
        // no route: the probe still goes out through the bound device
      }
      k.runFor(5000);
      u.close();
      return pkt.drain().map((f) => tcpdumpLine(f.data));
    };
    expect(probe("10.0.0.1").some((l) => l.includes("is-at"))).toBe(true);
    expect(probe("10.0.0.77").some((l) => l.includes("is-at"))).toBe(false);
    expect(probe("192.0.2.1").some((l) => l.includes("192.0.2.1 is-at"))).toBe(true);
    k.vfs.write("/proc/sys/net/ipv4/conf/eth0/arp_ignore", "1", { net, cred: ROOT_CRED });
    expect(probe("192.0.2.1").some((l) => l.includes("is-at"))).toBe(false);
  });

  it("sends gratuitous ARP on address add and up with arp_notify", () => {
    const { k, net, peer, eth0 } = host();
    const cap = packetSocket(peer, ROOT_CRED, { dev: "eth0" });
    addAddr(net, "eth0", "10.0.0.1/24");
    k.runFor(1);
    expect(cap.drain().length).toBe(0);
    k.vfs.write("/proc/sys/net/ipv4/conf/eth0/arp_notify", "1", { net, cred: ROOT_CRED });
    addAddr(net, "eth0", "10.0.0.5/24");
    devChangeFlags(eth0, eth0.flags & ~1);
    devChangeFlags(eth0, eth0.flags | 1);
    k.runFor(1);
    expect(cap.drain().map((f) => tcpdumpLine(f.data))).toEqual([
      expect.stringContaining("Request who-has 10.0.0.5 tell 10.0.0.5"),
      expect.stringContaining("Request who-has 10.0.0.1 tell 10.0.0.1"),
      expect.stringContaining("Request who-has 10.0.0.5 tell 10.0.0.5"),
    ]);
  });

  it("IFF_NOARP devices resolve without ARP (NUD_NOARP, the device's own address)", () => {
    const { k, net, peer, eth0 } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    addAddr(peer, "eth0", "10.0.0.2/24");
    devChangeFlags(eth0, eth0.flags | IFF_NOARP);
    const cap = packetSocket(net, ROOT_CRED, { dev: "eth0" });
    pingSocket(net, ROOT_CRED).sendEcho(ip("10.0.0.2"), 1);
    k.runFor(10);
    const frames = cap.drain();
    expect(frames[0]!.data.subarray(0, 6)).toEqual(eth0.devAddr.subarray(0, 6));
    expect(neighDump(net).map((n) => n.state)).toEqual([NUD_NOARP]);
    expect(arpStats(net).outRequests).toBe(0);
    expect(procNetArp(net).split("\n").length).toBe(2);
  });
});

describe("namespace teardown", () => {
  it("destroying a namespace closes its sockets, drops its routes and stops its timers", () => {
    const { k, net, peer } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    addAddr(peer, "eth0", "10.0.0.2/24");
    const u = udpSocket(net, ROOT_CRED);
    u.bind(0, 1234);
    const p = pingSocket(net, ROOT_CRED);
    p.sendEcho(ip("10.0.0.2"), 1);
    k.runFor(10);
    k.destroyNet(net);
    expect(u.closed).toBe(true);
    expect(p.closed).toBe(true);
    expect(ipRouteDump(peer).map((r) => r.dev)).toEqual(["eth0"]);
    // Nothing keeps the scheduler busy for the dead namespace: run() ends.
    k.run();
    expect(k.scheduler.pendingTimers).toBeLessThan(10);
  });
});

describe("sysctls and /proc", () => {
  it("ip_default_ttl sets the TTL of new packets; writes need CAP_NET_ADMIN and an integer", () => {
    const { k, net, peer } = host();
    addAddr(net, "eth0", "10.0.0.1/24");
    addAddr(peer, "eth0", "10.0.0.2/24");
    const rd = (p: string): string => k.vfs.read(`/proc/sys/net/ipv4/${p}`, { net, cred: user });
    expect(rd("ip_default_ttl")).toBe("64\n");
    expect(rd("ip_local_port_range")).toBe("32768\t60999\n");
    expect(rd("icmp_ratelimit")).toBe("1000\n");
    expect(rd("icmp_echo_ignore_broadcasts")).toBe("1\n");
    expect(rd("ipfrag_time")).toBe("30\n");
    expect(rd("conf/all/rp_filter")).toBe("0\n");
    expect(rd("conf/default/accept_source_route")).toBe("1\n");
    expect(rd("neigh/eth0/base_reachable_time_ms")).toBe("30000\n");
    expect(rd("neigh/default/gc_thresh3")).toBe("1024\n");
    expect(errno(() => k.vfs.write("/proc/sys/net/ipv4/ip_default_ttl", "9", { net, cred: user }))).toBe(EACCES);
    expect(errno(() => k.vfs.write("/proc/sys/net/ipv4/ip_default_ttl", "0", { net, cred: ROOT_CRED }))).toBe(EINVAL);
    expect(errno(() => k.vfs.write("/proc/sys/net/ipv4/ip_default_ttl", "x", { net, cred: ROOT_CRED }))).toBe(EINVAL);
    k.vfs.write("/proc/sys/net/ipv4/ip_default_ttl", "9\n", { net, cred: ROOT_CRED });
    const s = pingSocket(peer, ROOT_CRED);
    s.sendEcho(ip("10.0.0.1"), 1);
    k.runFor(10);
    const r = new EchoReply();
    expect(s.recvEcho(r)).toBe(true);
    expect(r.ttl).toBe(9);
  });

  it("conf/default reaches devices that did not set the entry themselves", () => {
    const { k, net } = host();
    const w = (p: string, v: string): void => k.vfs.write(`/proc/sys/net/ipv4/conf/${p}`, v, { net, cred: ROOT_CRED });
    const r = (p: string): string => k.vfs.read(`/proc/sys/net/ipv4/conf/${p}`, { net, cred: ROOT_CRED });
    w("lo/log_martians", "0");
    w("default/log_martians", "1");
    expect(r("eth0/log_martians")).toBe("1\n");
    expect(r("lo/log_martians")).toBe("0\n");
    expect(k.vfs.list("/proc/sys/net/ipv4/conf", { net, cred: ROOT_CRED })).toEqual(["all", "default", "eth0", "lo"]);
    // Once eth0 sets an entry itself, later defaults pass it by, but still reach its other entries.
    w("eth0/log_martians", "0");
    w("default/log_martians", "1");
    w("default/arp_ignore", "2");
    expect(r("eth0/log_martians")).toBe("0\n");
    expect(r("eth0/arp_ignore")).toBe("2\n");
    expect(r("default/log_martians")).toBe("1\n");
    // A device's own write never reaches conf/default or its neighbours.
    w("eth0/arp_ignore", "1");
    expect(r("default/arp_ignore")).toBe("2\n");
    expect(r("lo/arp_ignore")).toBe("2\n");
  });

  it("neigh/DEV parameters follow neigh/default until the device sets its own", () => {
    const { k, net, peer, eth0, peth } = host();
    devOpen(eth0);
    devOpen(peth);
    const path = (p: string): string => `/proc/sys/net/ipv4/neigh/${p}`;
    const w = (p: string, v: string): void => k.vfs.write(path(p), v, { net, cred: ROOT_CRED });
    const r = (p: string): string => k.vfs.read(path(p), { net, cred: ROOT_CRED });
    addAddr(net, "eth0", "10.0.0.1/24");
    addAddr(peer, "eth0", "10.0.0.2/24");
    w("default/ucast_solicit", "7");
    expect(r("eth0/ucast_solicit")).toBe("7\n");
    // An entry resolved before the device had its own parameters follows them afterwards.
    const s = pingSocket(net, ROOT_CRED);
    s.sendEcho(ip("10.0.0.2"), 1);
    k.runFor(10);
    w("eth0/gc_stale_time", "5");
    w("default/ucast_solicit", "4");
    expect(r("eth0/ucast_solicit")).toBe("7\n");
    expect(r("lo/ucast_solicit")).toBe("4\n");
    expect(r("default/gc_stale_time")).toBe("60\n");
    expect(arpGet(net).lookup(ip("10.0.0.2"), eth0)!.parms.gcStaletime).toBe(5 * k.hz);
  });

  it("/proc/net/snmp has Linux's line pairs", () => {
    const { k, net } = host();
    const lines = k.vfs.read("/proc/net/snmp", { net, cred: user }).split("\n");
    expect(lines.map((l) => l.split(":")[0])).toEqual(["Ip", "Ip", "Icmp", "Icmp", "Tcp", "Tcp", "Udp", "Udp", "UdpLite", "UdpLite", ""]);
    expect(lines[1]).toBe("Ip: 2 64 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0");
    expect(lines[0]!.split(" ").length).toBe(lines[1]!.split(" ").length);
    expect(lines[2]!.split(" ").length).toBe(lines[3]!.split(" ").length);
    expect(k.vfs.read("/proc/net/netstat", { net, cred: user })).toContain("IpExt: InNoRoutes InTruncatedPkts");
  });
});
