import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ROOT_CRED } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import { devOpen } from "../netdevice/dev.js";
import { addAddr, ip, makePair } from "./testing.js";
import { udpSocket } from "../socket/udp.js";
import { EchoReply, pingSocket } from "../socket/ping.js";
import { rawSocket } from "../socket/raw.js";
import { IP_RECVERR, SO_BROADCAST, SOL_IP, SOL_SOCKET } from "../socket/inet.js";
import { ipv4Net, ICMP_MIB_RATELIMITHOST, IPSTATS_MIB_INUNKNOWNPROTOS } from "./netns.js";

function pair(seed = 1): { k: Kernel; a: Net; b: Net } {
  const k = new Kernel({ seed });
  const a = k.createNet("a");
  const b = k.createNet("b");
  devOpen(a.loopback);
  devOpen(b.loopback);
  makePair(a, b, "eth0", "eth0");
  addAddr(a, "eth0", "10.0.0.1/24");
  addAddr(b, "eth0", "10.0.0.2/24");
  return { k, a, b };
}

describe("ICMP", () => {
  it("rate-limits errors per peer: a burst of 6, then one per icmp_ratelimit (deterministic)", () => {
    const run = (seed: number): number[] => {
      const { k, a, b } = pair(seed);
      const u = udpSocket(a, ROOT_CRED);
      u.setsockopt(SOL_IP, IP_RECVERR, 1);
      const errorsAt: number[] = [];
      for (let i = 0; i < 20; i++) u.sendto(new Uint8Array(1), ip("10.0.0.2"), 999);
      k.runFor(10);
      while (u.recvErr() !== null) errorsAt.push(0);
      expect(ipv4Net(b).icmpMsgMib[0x100 + 3]).toBe(6);
      expect(ipv4Net(b).icmpMib[ICMP_MIB_RATELIMITHOST]).toBe(14);
      for (let s = 1; s <= 3; s++) {
        k.runFor(1000);
        for (let i = 0; i < 5; i++) u.sendto(new Uint8Array(1), ip("10.0.0.2"), 999);
        k.runFor(10);
        while (u.recvErr() !== null) errorsAt.push(s);
      }
      return errorsAt;
    };
    const first = run(1);
    expect(first).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3]);
    expect(run(1)).toEqual(first);
    // icmp_ratelimit 0 turns the per-peer limit off.
    const { k, a, b } = pair(2);
    k.vfs.write("/proc/sys/net/ipv4/icmp_ratelimit", "0", { net: b, cred: ROOT_CRED });
    const u = udpSocket(a, ROOT_CRED);
    for (let i = 0; i < 20; i++) u.sendto(new Uint8Array(1), ip("10.0.0.2"), 999);
    k.runFor(10);
    expect(ipv4Net(b).icmpMsgMib[0x100 + 3]).toBe(20);
  });

  it("answers an unknown protocol with protocol unreachable unless a raw socket takes it", () => {
    const { k, a, b } = pair();
    const raw = rawSocket(a, ROOT_CRED, 200);
    raw.setsockopt(SOL_IP, IP_RECVERR, 1);
    // An ICMP error must quote 8 bytes past the IP header to be reported (RFC 1122).
    raw.sendto(new Uint8Array(4), ip("10.0.0.2"));
    k.runFor(10);
    expect(raw.recvErr()).toBeNull();
    raw.sendto(new Uint8Array(8), ip("10.0.0.2"));
    k.runFor(10);
    expect(ipv4Net(b).ipMib[IPSTATS_MIB_INUNKNOWNPROTOS]).toBe(2);
    expect(raw.recvErr()).toMatchObject({ type: 3, code: 2, offender: ip("10.0.0.2") });
    rawSocket(b, ROOT_CRED, 200);
    raw.sendto(new Uint8Array(8), ip("10.0.0.2"));
    k.runFor(10);
    expect(ipv4Net(b).ipMib[IPSTATS_MIB_INUNKNOWNPROTOS]).toBe(2);
    expect(raw.recvErr()).toBeNull();
  });

  it("ignores broadcast echo requests unless icmp_echo_ignore_broadcasts is 0; icmp_echo_ignore_all", () => {
    const { k, a, b } = pair();
    const p = pingSocket(a, ROOT_CRED);
    p.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
    p.sendEcho(ip("10.0.0.255"), 1);
    k.runFor(10);
    expect(p.recvEcho(new EchoReply())).toBe(false);
    k.vfs.write("/proc/sys/net/ipv4/icmp_echo_ignore_broadcasts", "0", { net: b, cred: ROOT_CRED });
    p.sendEcho(ip("10.0.0.255"), 2);
    k.runFor(10);
    const r = new EchoReply();
    expect(p.recvEcho(r)).toBe(true);
    expect(r.from).toBe(ip("10.0.0.2"));
    k.vfs.write("/proc/sys/net/ipv4/icmp_echo_ignore_all", "1", { net: b, cred: ROOT_CRED });
    p.sendEcho(ip("10.0.0.2"), 3);
    k.runFor(10);
    expect(p.recvEcho(r)).toBe(false);
  });
});
