/**
 * UDP across the pair with the core's socket API (the vnet shell has no UDP client): an echo
 * server in namespace b, a client in namespace a that sends, waits for the echo, then sends to a
 * port nobody listens on and gets the ICMP port unreachable back as ECONNREFUSED.
 */
import { KernelError, ROOT_CRED, ipv4ToString, parseIpv4, strerror, udpSocket, type Kernel, type Net } from "@vnet/core";

const ECHO_PORT = 7;
const DISCARD_PORT = 9;

export function udpExchange(kernel: Kernel, a: Net, b: Net, print: (line: string) => void): void {
  const text = new TextDecoder();
  const server = udpSocket(b, ROOT_CRED);
  server.bind(0, ECHO_PORT);
  server.onReadable = () => {
    // Called from the receive path: answer at once, as an echo server's loop would.
    for (let d = server.recv(); d !== null; d = server.recv()) {
      print(`b: ${d.data.length} bytes from ${ipv4ToString(d.addr)}:${d.port}, echoed`);
      server.sendto(d.data, d.addr, d.port);
    }
  };
  print(`b: echo server bound to 0.0.0.0:${ECHO_PORT}`);

  const server2 = parseIpv4("10.0.0.2")!;
  const client = udpSocket(a, ROOT_CRED);
  client.connect(server2, ECHO_PORT);
  const local = client.getsockname();
  const msg = new TextEncoder().encode("hello from a");
  client.send(msg);
  print(`a: sent ${msg.length} bytes from ${ipv4ToString(local.addr)}:${local.port} to 10.0.0.2:${ECHO_PORT}`);
  kernel.runFor(10);
  const reply = client.recv();
  print(reply === null ? "a: no reply" : `a: reply "${text.decode(reply.data)}" from ${ipv4ToString(reply.addr)}:${reply.port}`);

  client.connect(server2, DISCARD_PORT);
  client.send(msg);
  print(`a: sent ${msg.length} bytes to 10.0.0.2:${DISCARD_PORT}`);
  kernel.runFor(10);
  try {
    client.recv();
    print("a: no error");
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    print(`a: recv: ${strerror(e.errno)} (${e.code})`);
  }
  client.close();
  server.close();
}
