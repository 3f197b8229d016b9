// Ping round trips across two namespaces joined by an Ethernet pair (veth-like test driver), the
// link of bench/cases/udp.ts, in a process of its own: a ping socket in a sends echo requests
// (ping_v4_sendmsg -> ip_local_out -> neighbour -> xmit -> netif_rx), b's stack answers them
// (ip_rcv -> route input -> icmp_rcv -> icmp_echo -> output route -> icmp_push_reply), and the
// replies come back to the socket (icmp_rcv -> ping_rcv -> recvmsg). Bursts stay below
// netdev_max_backlog; virtual time never moves, so ARP entries stay REACHABLE.
//
//   node --expose-gc --import tsx --conditions=@vnet/source bench/cases/ping.ts
//
// Metric: ping.rtt (round trips/s, target >= 1e6). The process exits 1 if a reply is missing.
// First: it loads the kernel before the modules that need it while they load.
import { ADDR_B, settleArp, stackPair } from "../stack-pair.js";
import { ROOT_CRED } from "../../packages/core/src/kernel/cred.js";
import { EchoReply, pingSocket } from "../../packages/core/src/socket/index.js";
import { emit, opsPerSec } from "../lib.js";

const BURST = 128;

const { k, a } = stackPair();
const ping = pingSocket(a, ROOT_CRED);
ping.connect(ADDR_B);
const reply = new EchoReply();
let seq = 0;
let requests = 0;
let replies = 0;

// Resolve ARP once (the request from a, the reply from b) before timing.
ping.sendEcho(null, seq++);
requests++;
settleArp(k);
while (ping.recvEcho(reply)) replies++;

function pingBurst(): number {
  for (let i = 0; i < BURST; i++) ping.sendEcho(null, seq++ & 0xffff);
  requests += BURST;
  k.runFor(0);
  while (ping.recvEcho(reply)) replies++;
  return replies;
}

emit("ping.rtt", opsPerSec(pingBurst, { batch: 4, opsPerCall: BURST, minMs: 2000 }), "round trips/s", { target: { min: 1_000_000 } });
if (replies !== requests) {
  process.stderr.write(`ping: ${requests} requests, ${replies} replies\n`);
  process.exitCode = 1;
}
