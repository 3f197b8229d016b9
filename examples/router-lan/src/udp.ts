/**
 * UDP through the router with the core's socket API: a request/response exchange between h1 and
 * h2, then traceroute's method, a datagram to an unlikely port with a TTL of 1, 2, ... and the
 * ICMP error each one brings back on the socket's error queue (IP_RECVERR).
 */
import {
  ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, ICMP_TIME_EXCEEDED, IP_RECVERR, IP_TTL, ROOT_CRED, SOL_IP, ipv4ToString, parseIpv4, udpSocket,
  type Kernel, type Net,
} from "@vnet/core";

const SERVICE_PORT = 4000;
const TRACE_BASE_PORT = 33434;
const MAX_HOPS = 5;

export function udpAcross(kernel: Kernel, h1: Net, h2: Net, print: (line: string) => void): void {
  const text = new TextDecoder();
  const h2addr = parseIpv4("10.2.0.2")!;

  const server = udpSocket(h2, ROOT_CRED);
  server.bind(0, SERVICE_PORT);
  server.onReadable = () => {
    for (let d = server.recv(); d !== null; d = server.recv()) {
      print(`h2: "${text.decode(d.data)}" from ${ipv4ToString(d.addr)}:${d.port}, ttl ${d.ttl}`);
      server.sendto(new TextEncoder().encode("hello from h2"), d.addr, d.port);
    }
  };
  const client = udpSocket(h1, ROOT_CRED);
  client.sendto(new TextEncoder().encode("hello from h1"), h2addr, SERVICE_PORT);
  kernel.runFor(10);
  const reply = client.recv();
  print(reply === null ? "h1: no reply" : `h1: "${text.decode(reply.data)}" from ${ipv4ToString(reply.addr)}:${reply.port}, ttl ${reply.ttl}`);
  client.close();
  server.close();

  // traceroute's probes: one datagram per TTL until the destination itself answers.
  const probe = udpSocket(h1, ROOT_CRED);
  probe.setsockopt(SOL_IP, IP_RECVERR, 1);
  for (let ttl = 1; ttl <= MAX_HOPS; ttl++) {
    const port = TRACE_BASE_PORT + ttl - 1;
    probe.setsockopt(SOL_IP, IP_TTL, ttl);
    probe.sendto(new Uint8Array(32), h2addr, port);
    kernel.runFor(10);
    const e = probe.recvErr();
    const answer = e === null ? "no answer" : `ICMP ${icmpName(e.type, e.code)} from ${ipv4ToString(e.offender)}`;
    print(`h1: probe to 10.2.0.2:${port} with ttl ${ttl}: ${answer}`);
    if (e === null || e.type === ICMP_DEST_UNREACH) break;
  }
  probe.close();
}

function icmpName(type: number, code: number): string {
  if (type === ICMP_TIME_EXCEEDED) return "time exceeded in transit";
  if (type === ICMP_DEST_UNREACH && code === ICMP_PORT_UNREACH) return "port unreachable";
  return `type ${type} code ${code}`;
}
