/**
 * @vnet/driver-vxlan/node: VXLAN over real UDP sockets (node:dgram), so a vnet kernel and a Linux
 * `vxlan` device, or vnet processes on different machines, share one Ethernet segment.
 *
 *   import { vxlanNode } from "@vnet/driver-vxlan/node";
 *   kernel.insmod(vxlanNode);   // then: ip link add vx0 type vxlan id 42 remote 192.0.2.1 dstport 4789
 *
 * While a device with this transport is up, the kernel's clock follows the wall clock
 * (RealtimeClock), so timers and `ping -i 1` run in real time.
 */
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { copyView, EIO, errnoByName, ipv4ToString, parseIpv4, type Plugin, type SkBuff } from "@vnet/core";
import { bindError, toAddr, type VxlanReceive, type VxlanTransport, type VxlanTransportFactory } from "./transport.js";
import { createVxlan, type VxlanParams } from "./module.js";

export interface NodeTransportOptions {
  /**
   * "hash" (default): each flow leaves from its hashed source port, as Linux sends, through a
   * socket bound to that port on first use and connected to the flow's remote (up to
   * `maxSourceSockets`). Until it is ready, when its port is taken, and for the flow's datagrams to
   * other remotes (flooding), the listening socket sends. "fixed": everything leaves from the
   * listening port.
   */
  sourcePorts?: "hash" | "fixed" | undefined;
  maxSourceSockets?: number | undefined;
  /** SO_RCVBUF / SO_SNDBUF of the sockets (default: the system's). */
  recvBufferSize?: number | undefined;
  sendBufferSize?: number | undefined;
}

/** Caches of address text <-> number: bounded, so hostile traffic cannot grow them. */
const CACHE_MAX = 4096;

/**
 * dgram's address lookup, for the numeric IPv4 addresses the transport only ever gives it:
 * answered at once, so send() hands the datagram to the host before it returns, instead of a
 * tick later through dns.lookup (which would oblige a copy of every datagram).
 */
function numericLookup(address: string, _family: unknown, cb: (err: null, address: string, family: number) => void): void {
  cb(null, address, 4);
}

/** A node:dgram socket bound to address:port, carrying VXLAN datagrams. */
export class NodeUdpTransport implements VxlanTransport {
  readonly realtime = true;
  /** Settles once bound; rejects with `vxlan: cannot bind UDP ADDR:PORT: Address already in use` and the like. */
  readonly ready: Promise<void>;
  readonly address: string;
  /** The port asked for (0: any). */
  readonly port: number;
  /** Send errors the host reported (unreachable, buffer full...). */
  sendErrors = 0;
  private readonly socket: dgram.Socket;
  private readonly opts: NodeTransportOptions;
  private cb: VxlanReceive | null = null;
  private bound = false;
  private failed = false;
  private closed = false;
  private readonly toText: Map<number, string> = new Map();
  private readonly toNumber: Map<string, number> = new Map();
  private lastText = "";
  private lastAddr = 0;
  /** Flow sockets by source port; null where none could be had (port taken, too many). */
  private readonly flows: Map<number, FlowSocket | null> = new Map();
  /**
   * Where a datagram is copied to be sent, and views of it by length: the host takes the bytes
   * during send(), so one buffer serves every datagram, until the host keeps one queued.
   */
  private staging: Uint8Array = new Uint8Array(2048);
  private stagingDv: DataView = new DataView(this.staging.buffer);
  private readonly stagingViews: Map<number, Uint8Array> = new Map();

  constructor(address: string | number, port: number, opts: NodeTransportOptions = {}) {
    this.address = typeof address === "number" ? ipv4ToString(address) : address;
    this.port = port;
    this.opts = opts;
    // A malformed address is the caller's error, thrown now.
    toAddr(this.address);
    this.socket = udpSocket4();
    this.socket.on("message", (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      const cb = this.cb;
      if (cb !== null) cb(msg, this.addrOf(rinfo.address), rinfo.port);
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        // Unbound, dgram would bind a random port on the next send: nothing goes out any more.
        this.failed = true;
        reject(bindError(errnoByName(err.code ?? "") ?? EIO, this.address, port));
      };
      this.socket.once("error", onError);
      this.socket.bind({ address: this.address, port, exclusive: true }, () => {
        this.socket.off("error", onError);
        this.bound = true;
        applyBuffers(this.socket, opts);
        resolve();
      });
    });
    // Later errors are send errors (ICMP unreachable and the like): counted, never thrown.
    this.ready.then(
      () => this.socket.on("error", () => this.sendErrors++),
      () => undefined,
    );
  }

  /** Binds and resolves once bound; rejects with an error naming the address and port. */
  static async bind(address: string | number, port: number, opts: NodeTransportOptions = {}): Promise<NodeUdpTransport> {
    const t = new NodeUdpTransport(address, port, opts);
    try {
      await t.ready;
    } catch (e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** The port actually bound (useful after binding port 0); 0 until bound. */
  get localPort(): number {
    return this.bound && !this.closed ? (this.socket.address() as AddressInfo).port : 0;
  }

  send(skb: SkBuff, addr: number, port: number, srcPort: number): void {
    if (this.closed || this.failed) return;
    if (!this.bound) {
      // dgram holds sends until the bind completes: this datagram needs bytes of its own.
      this.socket.send(skb.head.slice(skb.data, skb.tail), port, this.textOf(addr));
      return;
    }
    const out = this.stage(skb);
    const flow = this.flowFor(srcPort, addr, port);
    let s: dgram.Socket;
    if (flow !== null) {
      s = flow.socket;
      s.send(out);
    } else {
      s = this.socket;
      s.send(out, port, this.textOf(addr));
    }
    // The host could not send it now (its buffer is full) and queued it: that buffer is taken.
    if (s.getSendQueueCount() > 0) this.retireStaging();
  }

  /** The skb's datagram copied to the staging buffer, as a view of exactly its length. */
  private stage(skb: SkBuff): Uint8Array {
    const len = skb.tail - skb.data;
    if (len > this.staging.length) this.retireStaging(Math.max(len, 2 * this.staging.length));
    // Word copies through the two DataViews: nothing allocated per datagram.
    copyView(this.staging, this.stagingDv, 0, skb.head, skb.view, skb.data, len);
    let v = this.stagingViews.get(len);
    if (v === undefined) {
      v = this.staging.subarray(0, len);
      this.stagingViews.set(len, v);
    }
    return v;
  }

  private retireStaging(size: number = this.staging.length): void {
    this.staging = new Uint8Array(size);
    this.stagingDv = new DataView(this.staging.buffer);
    this.stagingViews.clear();
  }

  onMessage(cb: VxlanReceive | null): void {
    this.cb = cb;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cb = null;
    closeQuietly(this.socket);
    for (const f of this.flows.values()) f?.close();
    this.flows.clear();
  }


  /** The flow socket of `sport` when it is connected to `addr`:`port`; null: use the listening socket. */
  private flowFor(sport: number, addr: number, port: number): FlowSocket | null {
    if (this.opts.sourcePorts === "fixed" || sport === 0 || sport === this.port) return null;
    const f = this.flows.get(sport);
    if (f === undefined) {
      let flow: FlowSocket | null = null;
      if (this.flows.size < (this.opts.maxSourceSockets ?? 64)) {
        flow = new FlowSocket(this.address, sport, addr, port, this.opts, {
          sendError: () => this.sendErrors++,
          // Port taken, or no way to the remote: the flow keeps the listening socket.
          failed: (dead) => {
            if (this.flows.get(sport) === dead) this.flows.set(sport, null);
            dead.close();
          },
        });
      }
      this.flows.set(sport, flow);
      return null;
    }
    return f !== null && f.connected && f.addr === addr && f.port === port ? f : null;
  }

  private textOf(addr: number): string {
    let t = this.toText.get(addr);
    if (t === undefined) {
      if (this.toText.size >= CACHE_MAX) this.toText.clear();
      t = ipv4ToString(addr);
      this.toText.set(addr, t);
    }
    return t;
  }

  private addrOf(text: string): number {
    // Datagrams come in runs from one peer: a string compare beats hashing a fresh string.
    if (text === this.lastText) return this.lastAddr;
    let n = this.toNumber.get(text);
    if (n === undefined) {
      if (this.toNumber.size >= CACHE_MAX) this.toNumber.clear();
      n = (parseIpv4(text) ?? 0) >>> 0;
      this.toNumber.set(text, n);
    }
    this.lastText = text;
    this.lastAddr = n;
    return n;
  }
}

/** A UDP socket as the transport uses them: numeric addresses, so a send is done before it returns. */
function udpSocket4(): dgram.Socket {
  return dgram.createSocket({ type: "udp4", reuseAddr: false, lookup: numericLookup as unknown as dgram.SocketOptions["lookup"] });
}

function applyBuffers(s: dgram.Socket, opts: NodeTransportOptions): void {
  try {
    if (opts.recvBufferSize !== undefined) s.setRecvBufferSize(opts.recvBufferSize);
    if (opts.sendBufferSize !== undefined) s.setSendBufferSize(opts.sendBufferSize);
  } catch {
    // The system's limits win (net.core.rmem_max): not worth failing the tunnel for.
  }
}

/**
 * The socket one flow leaves from: bound to the flow's hashed source port, then connected to the
 * remote it first sent to, so the host neither looks up a route nor Node an address per datagram.
 * What the port receives is not VXLAN's (Linux listens on dstport only): read and dropped.
 */
class FlowSocket {
  readonly socket: dgram.Socket;
  readonly addr: number;
  readonly port: number;
  connected = false;
  private closed = false;

  constructor(
    local: string,
    sport: number,
    addr: number,
    port: number,
    opts: NodeTransportOptions,
    on: { sendError(): void; failed(f: FlowSocket): void },
  ) {
    this.addr = addr;
    this.port = port;
    const socket = udpSocket4();
    this.socket = socket;
    let bound = false;
    // Before the bind: the port is someone else's. After: the host's report of a send (unreachable...).
    socket.on("error", () => (bound ? on.sendError() : on.failed(this)));
    socket.on("message", () => undefined);
    socket.bind({ address: local, port: sport, exclusive: true }, () => {
      bound = true;
      applyBuffers(socket, opts);
      if (this.closed) return;
      socket.connect(port, ipv4ToString(addr), () => {
        try {
          socket.remoteAddress();
          this.connected = !this.closed;
        } catch {
          on.failed(this);
        }
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    closeQuietly(this.socket);
  }
}

function closeQuietly(s: dgram.Socket): void {
  try {
    s.close();
  } catch {
    // Never bound (the bind failed): nothing to close.
  }
}

/**
 * The factory for `createVxlan({ transport })`: each socket binds to the device's `local`
 * address (any address without one) and its dstport, asynchronously. A failed bind is printed
 * in the kernel log (`vxlan vx0: vxlan: cannot bind UDP 0.0.0.0:4789: Address already in use`)
 * and rejects `vxlanReady(dev)`; use `NodeUdpTransport.bind` first to fail before anything starts.
 */
export function nodeTransport(opts: NodeTransportOptions = {}): VxlanTransportFactory {
  return (req) => new NodeUdpTransport(req.local === 0 ? "0.0.0.0" : ipv4ToString(req.local), req.port, opts);
}

/** The vxlan module over real UDP sockets. */
export const vxlanNode: Plugin<VxlanParams> = createVxlan({ transport: nodeTransport() });
