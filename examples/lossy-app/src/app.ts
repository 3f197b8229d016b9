/**
 * The application: a UDP request/response protocol. A request is a 32-bit id followed by a
 * payload; the answer carries the same id. The client sends one request at a time and, when no
 * answer comes within the timeout, sends it again, up to a number of attempts. Everything runs
 * on the kernel's clock: a timer per client, socket wakeups for answers, no wall time.
 */
import { SockAddrIn, Timer, udpSocket, type Cred, type Kernel, type Net, type UdpSocket } from "@vnet/core";

const MAX_DATAGRAM = 1472;

/** Answers every request with `handler(payload)`, under the request's id. */
export class RequestServer {
  readonly sock: UdpSocket;
  /** Requests answered (retries included). */
  handled = 0;

  constructor(net: Net, cred: Cred, port: number, handler: (payload: Uint8Array) => Uint8Array) {
    const sock = udpSocket(net, cred);
    sock.bind(0, port);
    const buf = new Uint8Array(MAX_DATAGRAM);
    const from = new SockAddrIn();
    sock.onReadable = () => {
      for (let n = sock.recvfrom(buf, from); n >= 4; n = sock.recvfrom(buf, from)) {
        const answer = handler(buf.slice(4, n));
        const out = new Uint8Array(4 + answer.length);
        out.set(buf.subarray(0, 4));
        out.set(answer, 4);
        sock.sendto(out, from.addr, from.port);
        this.handled++;
      }
    };
    this.sock = sock;
  }

  close(): void {
    this.sock.close();
  }
}

export interface ClientOptions {
  /** How long to wait for an answer before sending again, in ms. */
  timeoutMs: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
}

/** What became of one request. */
export interface Outcome {
  id: number;
  /** Times the request was sent. */
  attempts: number;
  /** The answer's payload, or null when every attempt timed out. */
  answer: Uint8Array | null;
  /** From the first send to the answer (or to giving up), in ms of kernel time. */
  elapsedMs: number;
}

/** A client that retries on timeout. One request at a time. */
export class RetryingClient {
  readonly sock: UdpSocket;
  /** Answers that arrived for a request already answered or abandoned (late answers to a retry). */
  stale = 0;
  private readonly timer: Timer<RetryingClient>;
  private readonly buf = new Uint8Array(MAX_DATAGRAM);
  private nextId = 1;
  private current: { id: number; packet: Uint8Array; attempts: number; start: number; done: (o: Outcome) => void } | null = null;

  constructor(
    private readonly kernel: Kernel,
    net: Net,
    cred: Cred,
    server: { addr: number; port: number },
    private readonly opts: ClientOptions,
    /** Told about each timeout, for logs. */
    private readonly onTimeout: (id: number, attempt: number) => void = () => {},
  ) {
    this.sock = udpSocket(net, cred);
    this.sock.connect(server.addr, server.port);
    this.sock.onReadable = () => this.receive();
    this.timer = new Timer<RetryingClient>((c) => c.expired(), this);
  }

  /** Sends `payload` and calls `done` once answered or given up. */
  request(payload: Uint8Array, done: (o: Outcome) => void): void {
    if (this.current !== null) throw new Error("one request at a time");
    const id = this.nextId++;
    const packet = new Uint8Array(4 + payload.length);
    new DataView(packet.buffer).setUint32(0, id);
    packet.set(payload, 4);
    this.current = { id, packet, attempts: 0, start: this.kernel.nowMs, done };
    this.send();
  }

  close(): void {
    this.kernel.scheduler.cancel(this.timer);
    this.sock.close();
  }

  private send(): void {
    const c = this.current!;
    c.attempts++;
    this.sock.send(c.packet);
    const s = this.kernel.scheduler;
    s.arm(this.timer, s.now + this.opts.timeoutMs * 1e6);
  }

  private expired(): void {
    const c = this.current;
    if (c === null) return;
    this.onTimeout(c.id, c.attempts);
    if (c.attempts < this.opts.maxAttempts) return this.send();
    this.finish(null);
  }

  private receive(): void {
    for (let n = this.sock.recvfrom(this.buf); n >= 0; n = this.sock.recvfrom(this.buf)) {
      const c = this.current;
      if (c === null || n < 4 || new DataView(this.buf.buffer).getUint32(0) !== c.id) {
        this.stale++;
        continue;
      }
      this.finish(this.buf.slice(4, n));
    }
  }

  private finish(answer: Uint8Array | null): void {
    const c = this.current!;
    this.kernel.scheduler.cancel(this.timer);
    this.current = null;
    c.done({ id: c.id, attempts: c.attempts, answer, elapsedMs: this.kernel.nowMs - c.start });
  }
}

/**
 * Sends `count` requests one after the other (the next when the previous is settled) and runs the
 * kernel's clock until the last one is; `onOutcome` hears of each as it happens.
 */
export function runRequests(
  kernel: Kernel, client: RetryingClient, count: number, payload: (n: number) => Uint8Array, onOutcome: (o: Outcome) => void = () => {},
): Outcome[] {
  const outcomes: Outcome[] = [];
  const next = (): void => {
    if (outcomes.length < count) client.request(payload(outcomes.length + 1), settled);
  };
  const settled = (o: Outcome): void => {
    outcomes.push(o);
    onOutcome(o);
    next();
  };
  next();
  kernel.runUntil(() => outcomes.length === count);
  return outcomes;
}
