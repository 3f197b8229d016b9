// Baseline: Node's own node:dgram UDP rate over 127.0.0.1 (64-byte payloads, one sender and one
// receiver socket in this process, 4 MB socket buffers, `send(buf, port, address)` as an
// application writes it). Up to 200k datagrams or 3 s, in 10 rounds.
//
// The windowed method lives here so that every case compared with this baseline (vxlan.ts) uses
// it unchanged: a window of datagrams in flight keeps the receiver's buffer from overflowing, so
// this measures the send/receive path rather than the kernel's drop rate. A case that imports it
// interleaves its rounds with the baseline's, so both see the same machine.
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { emit } from "../lib.js";

/** Measured rounds, after one untimed round that warms up the JIT (and binds a VXLAN flow's socket). */
export const ROUNDS = 10;
export const ROUND_MESSAGES = 20_000;
export const ROUND_MS = 300;
/** Messages in flight at most; the sender refills it every REFILL messages received. */
export const WINDOW = 128;
export const REFILL = 32;
const PAYLOAD = new Uint8Array(64).fill(0x5a);
const HOST = "127.0.0.1";

/** What windowed rounds measured: messages received, in how long, and how many were given up on. */
export interface Measured {
  count: number;
  ns: bigint;
  lost: number;
}

/** A sender and receiver measured in rounds; `received` is called by the receiver per message. */
export interface Pair {
  send(): void;
  /** Installs the per-message callback (null: none). */
  onReceive(cb: (() => void) | null): void;
}

/**
 * One round: up to `total` messages or `maxMs`, at most WINDOW in flight, refilled every REFILL
 * received. A stall of 20 ms counts what is still in flight as lost (dropped by a socket buffer).
 */
export function round(pair: Pair, total: number = ROUND_MESSAGES, maxMs: number = ROUND_MS): Promise<Measured> {
  let sent = 0;
  let received = 0;
  let lost = 0;
  let done = false;
  const pump = (): void => {
    while (!done && sent < total && sent - received - lost < WINDOW) {
      pair.send();
      sent++;
    }
  };
  const start = process.hrtime.bigint();
  return new Promise<Measured>((resolve) => {
    const finish = (): void => {
      if (done) return;
      done = true;
      clearInterval(watchdog);
      pair.onReceive(null);
      resolve({ count: received, ns: process.hrtime.bigint() - start, lost });
    };
    let lastReceived = -1;
    const watchdog = setInterval(() => {
      if (process.hrtime.bigint() - start >= BigInt(maxMs) * 1_000_000n) return finish();
      if (received === lastReceived) {
        // No progress for a tick: whatever is still in flight was dropped.
        lost += sent - received - lost;
        if (received + lost >= total) return finish();
        pump();
      }
      lastReceived = received;
    }, 20);
    pair.onReceive(() => {
      received++;
      if (received + lost >= total) finish();
      else if (received % REFILL === 0) pump();
    });
    pump();
  });
}

/** Adds a round's figures to a running total, then lets stragglers of the round arrive unseen. */
export async function add(total: Measured, r: Measured): Promise<void> {
  total.count += r.count;
  total.ns += r.ns;
  total.lost += r.lost;
  await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Messages per second over all rounds. */
export function rate(m: Measured): number {
  return m.count / (Number(m.ns) / 1e9);
}

function bound(socket: dgram.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, HOST, () => resolve((socket.address() as AddressInfo).port));
  });
}

/** The baseline's two sockets. */
export async function dgramPair(): Promise<Pair & { close(): void }> {
  const receiver = dgram.createSocket({ type: "udp4", recvBufferSize: 4 << 20 });
  const sender = dgram.createSocket({ type: "udp4", sendBufferSize: 4 << 20 });
  const port = await bound(receiver);
  await bound(sender);
  let cb: (() => void) | null = null;
  receiver.on("message", () => cb?.());
  return {
    send: () => sender.send(PAYLOAD, port, HOST),
    onReceive: (f) => (cb = f),
    close: () => {
      sender.close();
      receiver.close();
    },
  };
}

/** Reports the baseline from its rounds. */
export function emitBaseline(m: Measured): void {
  if (m.lost > 0) process.stderr.write(`baseline-dgram: ${m.lost} datagrams dropped by the kernel\n`);
  emit("dgram.loopback", rate(m), "dgram/s");
}

// Run as a case (from source or as run.mjs's bundle), not when vxlan.ts imports the method.
if (/[\\/]baseline-dgram\.(ts|mjs|js)$/.test(process.argv[1] ?? "")) {
  const pair = await dgramPair();
  const total: Measured = { count: 0, ns: 0n, lost: 0 };
  await add({ count: 0, ns: 0n, lost: 0 }, await round(pair));
  for (let i = 0; i < ROUNDS; i++) await add(total, await round(pair));
  pair.close();
  emitBaseline(total);
}
