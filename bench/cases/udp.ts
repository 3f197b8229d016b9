// The full IPv4 stack across two namespaces joined by an Ethernet pair (veth-like test driver):
// UDP sockets send 64-byte datagrams both ways (udp_sendmsg -> ip_local_out -> neighbour ->
// qdisc -> xmit -> netif_rx -> softirq -> ip_rcv -> route input -> udp_rcv -> socket queue ->
// recvfrom). Bursts stay below netdev_max_backlog; virtual time never moves, so ARP entries stay
// REACHABLE. Ping round trips over the same link are bench/cases/ping.ts.
//
//   node --expose-gc --import tsx --conditions=@vnet/source bench/cases/udp.ts
//
// Metrics: udp.datagrams (datagrams/s delivered and read with recvfrom, both directions,
// target >= 3e6), udp.datagrams_callback (the same with zero-copy onMessage callbacks). The
// process exits 1 if anything is lost.
// First: it loads the kernel before the modules that need it while they load.
import { ADDR_A, ADDR_B, settleArp, stackPair } from "../stack-pair.js";
import { ROOT_CRED } from "../../packages/core/src/kernel/cred.js";
import { skbPoolStats } from "../../packages/core/src/netdevice/skbuff.js";
import { SockAddrIn, udpSocket } from "../../packages/core/src/socket/index.js";
import { emit, opsPerSec } from "../lib.js";

const PAYLOAD = 64;
const BURST = 128;

const { k, a, b } = stackPair();

const sa = udpSocket(a, ROOT_CRED);
const sb = udpSocket(b, ROOT_CRED);
sa.bind(0, 5001);
sb.bind(0, 5002);
sa.connect(ADDR_B, 5002);
sb.connect(ADDR_A, 5001);

const data = new Uint8Array(PAYLOAD).fill(0x5a);
const buf = new Uint8Array(2048);
const from = new SockAddrIn();
let sent = 0;
let received = 0;

function softirq(): void {
  k.runFor(0);
}

// Resolve ARP once (both directions) before timing.
sa.send(data);
sb.send(data);
settleArp(k);
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

process.stderr.write(`udp: ${received} datagrams; skb pool misses ${missesUdp} (recvfrom), ${skbPoolStats().misses - missesBefore} (total)\n`);
