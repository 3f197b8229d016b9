// Baseline: Node's own node:dgram UDP rate over 127.0.0.1 (64-byte payloads, one sender and one
// receiver socket in this process). Up to 200k datagrams or 3 s, whichever comes first.
// A window of datagrams in flight keeps the receiver's buffer from overflowing, so this measures
// the send/receive path rather than the kernel's drop rate.
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { emit } from "../lib.js";

const MAX_DATAGRAMS = 200_000;
const MAX_MS = 3000;
const WINDOW = 128;
const PAYLOAD = new Uint8Array(64).fill(0x5a);
const HOST = "127.0.0.1";

function bound(socket: dgram.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, HOST, () => resolve((socket.address() as AddressInfo).port));
  });
}

const receiver = dgram.createSocket({ type: "udp4", recvBufferSize: 4 << 20 });
const sender = dgram.createSocket({ type: "udp4", sendBufferSize: 4 << 20 });
const port = await bound(receiver);
await bound(sender);

let sent = 0;
let received = 0;
let lost = 0; // datagrams given up on after a stall (dropped by the kernel)
let done = false;
const start = process.hrtime.bigint();

const pump = (): void => {
  while (!done && sent < MAX_DATAGRAMS && sent - received - lost < WINDOW) {
    sender.send(PAYLOAD, port, HOST);
    sent++;
  }
};

const result = await new Promise<{ count: number; ns: bigint }>((resolve) => {
  const finish = (): void => {
    if (done) return;
    done = true;
    clearInterval(watchdog);
    resolve({ count: received, ns: process.hrtime.bigint() - start });
  };
  let lastReceived = -1;
  const watchdog = setInterval(() => {
    if (process.hrtime.bigint() - start >= BigInt(MAX_MS) * 1_000_000n) return finish();
    if (received === lastReceived) {
      // No progress for a tick: whatever is still in flight was dropped.
      lost += sent - received - lost;
      if (received + lost >= MAX_DATAGRAMS) return finish();
      pump();
    }
    lastReceived = received;
  }, 20);
  receiver.on("message", () => {
    received++;
    if (received + lost >= MAX_DATAGRAMS) return finish();
    if (received % 32 === 0) pump();
  });
  pump();
});

sender.close();
receiver.close();
const seconds = Number(result.ns) / 1e9;
if (lost > 0) process.stderr.write(`baseline-dgram: ${lost} datagrams dropped by the kernel\n`);
emit("dgram.loopback", result.count / seconds, "dgram/s");
