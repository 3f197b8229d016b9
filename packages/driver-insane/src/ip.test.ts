// IPv4 through insane: the next hop is resolved in the slave's ARP table, since the ARP reply
// comes back on the slave, never on insane (the 2000 driver's rebuild_header did the same).
import { describe, expect, it } from "vitest";
import {
  ETH_P_ARP, IFF_NOARP, Kernel, NETDEV_TX_OK, ROOT_CRED, allocNetdev, arpGet, devChangeNetNamespace, devGetStats, devOpen,
  etherSetup, ethTypeTrans, ipAddrAdd, ipNeighFlush, ipRouteAdd, netifRx, parseIpv4, registerNetdev, udpSocket, type Net, type NetDevice,
  type NetDeviceOps, type SkBuff,
} from "@vnet/core";
import insane, { insanelySet } from "./index.js";
import type { InsanePriv } from "./priv.js";

interface WirePriv {
  peer: NetDevice<WirePriv> | null;
  arps: number;
}

/** A two-ended Ethernet wire, veth in miniature; counts the ARP frames each end sends. */
const wireOps: NetDeviceOps<WirePriv> = {
  startXmit(skb: SkBuff, dev: NetDevice<WirePriv>): number {
    const peer = dev.priv.peer!;
    if (skb.protocol === ETH_P_ARP) dev.priv.arps++;
    dev.stats.txPackets++;
    skb.dst = null;
    skb.networkHeader = -1;
    skb.protocol = ethTypeTrans(skb, peer);
    netifRx(skb);
    return NETDEV_TX_OK;
  },
};

function wireEnd(net: Net, name: string, last: number): NetDevice<WirePriv> {
  const dev = allocNetdev<WirePriv>(net, name, (d) => {
    etherSetup(d);
    d.ops = wireOps;
    d.devAddr.set([0x02, 0, 0, 0, 0, last]);
  }, { peer: null, arps: 0 });
  registerNetdev(dev);
  return dev;
}

const ip = (s: string): number => parseIpv4(s)!;

/** borea and morgana on one wire (eth0 each); insane in borea over eth0, with the route to morgana. */
function articleSetup(seed = 1): { k: Kernel; borea: Net; morgana: Net; eth0: NetDevice<WirePriv>; dev: NetDevice<InsanePriv> } {
  const k = new Kernel({ seed });
  const borea = k.createNet("borea");
  const morgana = k.createNet("morgana");
  const eth0 = wireEnd(borea, "eth0", 1);
  const peer = wireEnd(morgana, "eth0", 2);
  eth0.priv.peer = peer;
  peer.priv.peer = eth0;
  devOpen(eth0);
  devOpen(peer);
  ipAddrAdd(borea, ROOT_CRED, { dev: "eth0", local: ip("192.168.16.1"), prefixLen: 24 });
  ipAddrAdd(morgana, ROOT_CRED, { dev: "eth0", local: ip("192.168.16.2"), prefixLen: 24 });
  k.insmod(insane);
  const dev = k.initNet.devices.get("insane") as NetDevice<InsanePriv>;
  devChangeNetNamespace(dev, borea);
  insanelySet(borea, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
  ipAddrAdd(borea, ROOT_CRED, { dev: "insane", local: ip("192.168.16.1"), prefixLen: 24 });
  devOpen(dev);
  ipRouteAdd(borea, ROOT_CRED, { dst: ip("192.168.16.2"), dstLen: 32, dev: "insane" });
  return { k, borea, morgana, eth0, dev };
}

describe("IPv4 through insane", () => {
  it("resolves morgana on the slave and gets the answers back on eth0", () => {
    const { k, borea, morgana, eth0, dev } = articleSetup();
    expect(dev.flags & IFF_NOARP).toBe(IFF_NOARP);
    const server = udpSocket(morgana, ROOT_CRED);
    server.bind(0, 7);
    server.onReadable = () => {
      for (let d = server.recv(); d !== null; d = server.recv()) server.sendto(d.data, d.addr, d.port);
    };
    const client = udpSocket(borea, ROOT_CRED);
    client.connect(ip("192.168.16.2"), 7);
    for (let i = 0; i < 3; i++) client.send(new Uint8Array([i]));
    k.runFor(100);
    const got: number[] = [];
    for (let d = client.recv(); d !== null; d = client.recv()) got.push(d.data[0]!);
    expect(got).toEqual([0, 1, 2]);
    expect(devGetStats(dev).txPackets).toBe(3);
    // One ARP request, on the slave itself: insane sends none of its own.
    expect(eth0.priv.arps).toBe(1);
    const n = arpGet(borea).lookup(ip("192.168.16.2"), eth0);
    expect(n?.ha.subarray(0, 6)).toEqual(new Uint8Array([2, 0, 0, 0, 0, 2]));
  });

  it("resolves again once the slave's entry is flushed, as a new next hop would", () => {
    const { k, borea, morgana, eth0 } = articleSetup();
    const server = udpSocket(morgana, ROOT_CRED);
    server.bind(0, 9);
    const client = udpSocket(borea, ROOT_CRED);
    client.connect(ip("192.168.16.2"), 9);
    const round = (): number => {
      for (let i = 0; i < 3; i++) client.send(new Uint8Array([i]));
      k.runFor(100);
      let received = 0;
      while (server.recv() !== null) received++;
      return received;
    };
    expect(round()).toBe(3);
    expect(eth0.priv.arps).toBe(1);
    expect(ipNeighFlush(borea, ROOT_CRED, { dev: "eth0" })).toBe(1);
    expect(round()).toBe(3);
    // The flushed entry is dead: the relay asked the table again, and eth0 sent a new request.
    expect(eth0.priv.arps).toBe(2);
    expect(arpGet(borea).lookup(ip("192.168.16.2"), eth0)?.dead).toBe(false);
  });

  it("loses what percent mode drops, and nothing else", () => {
    const { k, borea, morgana, dev } = articleSetup(3);
    insanelySet(borea, ROOT_CRED, "insane", { slave: "eth0", mode: "percent", arg1: 60 });
    const server = udpSocket(morgana, ROOT_CRED);
    server.bind(0, 9);
    const client = udpSocket(borea, ROOT_CRED);
    client.connect(ip("192.168.16.2"), 9);
    for (let i = 0; i < 100; i++) {
      client.send(new Uint8Array([i]));
      k.runFor(10);
    }
    let received = 0;
    while (server.recv() !== null) received++;
    const s = devGetStats(dev);
    expect(s.txPackets + s.txDropped).toBe(100);
    expect(received).toBe(s.txPackets);
  });
});
