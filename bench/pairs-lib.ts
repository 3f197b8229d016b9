// The ways vnet joins two IPv4 endpoints through the whole stack, for bench/cases/pairs*.ts: an
// etun pair between two namespaces, and LDD3's snull pair (sn0/sn1, one namespace, addresses
// flipped on the way). UDP 64-byte datagrams both ways, then ping round trips.
import {
  EchoReply, Kernel, NETIF_F_HW_CSUM, NETIF_F_RXCSUM, ROOT_CRED, SockAddrIn, devOpen, devSetFeatures, ipAddrAdd, pingSocket,
  rtnlNewlink, udpSocket, type Net, type UdpSocket,
} from "@vnet/core";
import { etun } from "@vnet/driver-etun";
import { snull } from "@vnet/driver-snull";
import { emit, opsPerSec } from "./lib.js";

const BURST = 64;
const data = new Uint8Array(64).fill(0x5a);
const buf = new Uint8Array(2048);
const from = new SockAddrIn();
const ip = (s: string): number => s.split(".").reduce((a, o) => a * 256 + Number(o), 0);

interface Link {
  k: Kernel;
  a: UdpSocket;
  b: UdpSocket;
  pingNet: Net;
  pingDst: number;
}

export function etunLink(offload: boolean): Link {
  const k = new Kernel({ seed: 1 });
  k.insmod(etun);
  const na = k.createNet("a");
  const nb = k.createNet("b");
  rtnlNewlink("etun", { net: na, name: "eth0", cred: ROOT_CRED, data: { peerName: "eth0", peerNet: nb } });
  for (const [net, addr] of [[na, "10.0.0.1"], [nb, "10.0.0.2"]] as const) {
    devOpen(net.loopback);
    ipAddrAdd(net, ROOT_CRED, { dev: "eth0", local: ip(addr), prefixLen: 24 });
    const dev = net.devices.get("eth0")!;
    if (offload) devSetFeatures(dev, dev.features | NETIF_F_HW_CSUM | NETIF_F_RXCSUM);
    devOpen(dev);
  }
  const a = udpSocket(na, ROOT_CRED);
  const b = udpSocket(nb, ROOT_CRED);
  a.bind(0, 5001);
  b.bind(0, 5002);
  a.connect(ip("10.0.0.2"), 5002);
  b.connect(ip("10.0.0.1"), 5001);
  return { k, a, b, pingNet: na, pingDst: ip("10.0.0.2") };
}

export function snullLink(): Link {
  const k = new Kernel({ seed: 1 });
  k.insmod(snull);
  const net = k.initNet;
  ipAddrAdd(net, ROOT_CRED, { dev: "sn0", local: ip("192.168.0.1"), prefixLen: 24 });
  ipAddrAdd(net, ROOT_CRED, { dev: "sn1", local: ip("192.168.1.2"), prefixLen: 24 });
  devOpen(net.devices.get("sn0")!);
  devOpen(net.devices.get("sn1")!);
  // local0 talks to remote0, which is local1 once sn0 has flipped the addresses.
  const a = udpSocket(net, ROOT_CRED);
  const b = udpSocket(net, ROOT_CRED);
  a.bind(ip("192.168.0.1"), 5001);
  b.bind(ip("192.168.1.2"), 5002);
  a.connect(ip("192.168.0.2"), 5002);
  b.connect(ip("192.168.1.1"), 5001);
  return { k, a, b, pingNet: net, pingDst: ip("192.168.0.2") };
}

export function measure(name: string, link: Link, extra: { udp: object; ping?: object | undefined }): void {
  const { k, a, b } = link;
  let sent = 0;
  let received = 0;
  const drain = (): void => {
    k.runFor(0);
    while (a.recvfrom(buf, from) >= 0) received++;
    while (b.recvfrom(buf, from) >= 0) received++;
  };
  a.send(data);
  b.send(data);
  sent += 2;
  k.runFor(10_000);
  drain();
  const udp = (): number => {
    for (let i = 0; i < BURST; i++) {
      a.send(data);
      b.send(data);
    }
    sent += 2 * BURST;
    drain();
    return received;
  };
  emit(`pairs.${name}_udp`, opsPerSec(udp, { batch: 4, opsPerCall: 2 * BURST, minMs: 1500 }), "datagrams/s", extra.udp);
  if (received !== sent) throw new Error(`${name}: sent ${sent} datagrams, received ${received}`);

  if (extra.ping === undefined) return;
  const ping = pingSocket(link.pingNet, ROOT_CRED);
  ping.connect(link.pingDst);
  const reply = new EchoReply();
  let seq = 0;
  let replies = 0;
  let requests = 0;
  const rtt = (): number => {
    for (let i = 0; i < BURST; i++) ping.sendEcho(null, seq++ & 0xffff);
    requests += BURST;
    k.runFor(0);
    while (ping.recvEcho(reply)) replies++;
    return replies;
  };
  emit(`pairs.${name}_ping`, opsPerSec(rtt, { batch: 4, opsPerCall: BURST, minMs: 1500 }), "round trips/s", extra.ping);
  if (replies !== requests) throw new Error(`${name}: ${requests} echo requests, ${replies} replies`);
}
