// The full IPv4 stack across two namespaces joined by an Ethernet pair (veth-like test driver):
// UDP sockets send 64-byte datagrams both ways (udp_sendmsg -> ip_local_out -> neighbour ->
// qdisc -> xmit -> netif_rx -> softirq -> ip_rcv -> route input -> udp_rcv -> socket queue ->
// recvfrom), and a ping socket does echo round trips to the other side. Bursts stay below
// netdev_max_backlog; virtual time never moves, so ARP entries stay REACHABLE.
//
//   node --expose-gc --import tsx --conditions=@vnet/source bench/cases/udp.ts
//
// Metrics: udp.datagrams (datagrams/s delivered and read with recvfrom, both directions,
// target >= 3e6), udp.datagrams_callback (the same with zero-copy onMessage callbacks),
// ping.rtt (round trips/s, target >= 1e6). The process exits 1 if anything is lost.
import { Kernel } from "../../packages/core/src/kernel/kernel.js";
import { ROOT_CRED } from "../../packages/core/src/kernel/cred.js";
import { devOpen } from "../../packages/core/src/netdevice/dev.js";
import { skbPoolStats } from "../../packages/core/src/netdevice/skbuff.js";
import { ipAddrAdd } from "../../packages/core/src/ipv4/index.js";
import { makePair } from "../../packages/core/src/ipv4/testing.js";
import { EchoReply, pingSocket, SockAddrIn, udpSocket } from "../../packages/core/src/socket/index.js";
import { emit, opsPerSec } from "../lib.js";

const PAYLOAD = 64;
const BURST = 128;

const k = new Kernel({ seed: 1 });
const a = k.createNet("a");
const b = k.createNet("b");
devOpen(a.loopback);
devOpen(b.loopback);
makePair(a, b, "eth0", "eth0");
ipAddrAdd(a, ROOT_CRED, { dev: "eth0", local: 0x0a000001, prefixLen: 24 });
ipAddrAdd(b, ROOT_CRED, { dev: "eth0", local: 0x0a000002, prefixLen: 24 });

const sa = udpSocket(a, ROOT_CRED);
const sb = udpSocket(b, ROOT_CRED);
sa.bind(0, 5001);
sb.bind(0, 5002);
sa.connect(0x0a000002, 5002);
sb.connect(0x0a000001, 5001);

const data = new Uint8Array(PAYLOAD).fill(0x5a);
const buf = new Uint8Array(2048);
const from = new SockAddrIn();
let sent = 0;
let received = 0;

function softirq(): void {
  k.runFor(0);
}

// Resolve ARP once (both directions) before timing, then let the entries settle: the side that
// learned its peer from a request goes STALE -> DELAY -> PROBE -> REACHABLE after 5 s.
sa.send(data);
sb.send(data);
softirq();
k.runFor(10_000);
while (sa.recvfrom(buf, from) >= 0) received++;
while (sb.recvfrom(buf, from) >= 0) received++;
sent += 2;

function udpBurst(): number {
  for (let i = 0; i < BURST; i++) {
    sa.send(data);
    sb.send(data);
  }
  sent += 2 * BURST;
  softirq();
  while (sa.recvfrom(buf, from) >= 0) received++;
  while (sb.recvfrom(buf, from) >= 0) received++;
  return received;
}

const missesBefore = skbPoolStats().misses;
emit("udp.datagrams", opsPerSec(udpBurst, { batch: 4, opsPerCall: 2 * BURST, minMs: 2000 }), "datagrams/s", { target: { min: 3_000_000 } });
if (received !== sent) {
  process.stderr.write(`udp: sent ${sent}, received ${received}\n`);
  process.exitCode = 1;
}
const missesUdp = skbPoolStats().misses - missesBefore;

// The same exchange with zero-copy receive callbacks (UdpSocket.onMessage) instead of recvfrom.
sa.onMessage = () => {
  received++;
};
sb.onMessage = sa.onMessage;
function udpBurstCallback(): number {
  for (let i = 0; i < BURST; i++) {
    sa.send(data);
    sb.send(data);
  }
  sent += 2 * BURST;
  softirq();
  return received;
}
emit("udp.datagrams_callback", opsPerSec(udpBurstCallback, { batch: 4, opsPerCall: 2 * BURST, minMs: 2000 }), "datagrams/s", { baseline: "udp.datagrams" });
if (received !== sent) {
  process.stderr.write(`udp (callback): sent ${sent}, received ${received}\n`);
  process.exitCode = 1;
}

const ping = pingSocket(a, ROOT_CRED);
ping.connect(0x0a000002);
const reply = new EchoReply();
let seq = 0;
let requests = 0;
let replies = 0;
function pingBurst(): number {
  for (let i = 0; i < BURST; i++) ping.sendEcho(null, seq++ & 0xffff);
  requests += BURST;
  softirq();
  while (ping.recvEcho(reply)) replies++;
  return replies;
}
emit("ping.rtt", opsPerSec(pingBurst, { batch: 4, opsPerCall: BURST, minMs: 2000 }), "round trips/s", { target: { min: 1_000_000 } });
if (replies !== requests) {
  process.stderr.write(`ping: ${requests} requests, ${replies} replies\n`);
  process.exitCode = 1;
}
process.stderr.write(`udp: ${received} datagrams; ping: ${replies} round trips; skb pool misses ${missesUdp} (udp), ${skbPoolStats().misses - missesBefore} (total)\n`);
