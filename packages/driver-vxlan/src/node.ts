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
import { EIO, errnoByName, ipv4ToString, parseIpv4, type Plugin } from "@vnet/core";
import { bindError, toAddr, type VxlanReceive, type VxlanTransport, type VxlanTransportFactory } from "./transport.js";
import { createVxlan, type VxlanParams } from "./module.js";

export interface NodeTransportOptions {
  /**
   * "hash" (default): each flow leaves from its hashed source port, as Linux sends, through extra
   * sockets bound on first use (up to `maxSourceSockets`; a port that is taken, or still binding,
   * falls back to the listening socket). "fixed": everything leaves from the listening port.
   */
  sourcePorts?: "hash" | "fixed" | undefined;
  maxSourceSockets?: number | undefined;
  /** SO_RCVBUF / SO_SNDBUF of the sockets (default: the system's). */
  recvBufferSize?: number | undefined;
  sendBufferSize?: number | undefined;
}

/** Caches of address text <-> number: bounded, so hostile traffic cannot grow them. */
const CACHE_MAX = 4096;

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
  /** Source-port sockets: bound, still binding (false), or unusable (null). */
  private readonly sources: Map<number, { socket: dgram.Socket; ok: boolean } | null> = new Map();

  constructor(address: string | number, port: number, opts: NodeTransportOptions = {}) {
    this.address = typeof address === "number" ? ipv4ToString(address) : address;
    this.port = port;
    this.opts = opts;
    // A malformed address is the caller's error, thrown now.
    toAddr(this.address);
    this.socket = this.createSocket();
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
        this.applyBuffers(this.socket);
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

  send(bytes: Uint8Array, addr: number, port: number, srcPort: number): void {
    if (this.closed || this.failed) return;
    // dgram sends after a tick: copy now, the driver's buffer is reused as soon as we return.
    const copy = Buffer.from(bytes);
    this.sourceFor(srcPort).send(copy, port, this.textOf(addr));
  }

  onMessage(cb: VxlanReceive | null): void {
    this.cb = cb;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cb = null;
    closeQuietly(this.socket);
    for (const s of this.sources.values()) if (s !== null) closeQuietly(s.socket);
    this.sources.clear();
  }

  private createSocket(): dgram.Socket {
    return dgram.createSocket({ type: "udp4", reuseAddr: false });
  }

  private applyBuffers(s: dgram.Socket): void {
    try {
      if (this.opts.recvBufferSize !== undefined) s.setRecvBufferSize(this.opts.recvBufferSize);
      if (this.opts.sendBufferSize !== undefined) s.setSendBufferSize(this.opts.sendBufferSize);
    } catch {
      // The system's limits win (net.core.rmem_max): not worth failing the tunnel for.
    }
  }

  private sourceFor(port: number): dgram.Socket {
    if (this.opts.sourcePorts === "fixed" || port === 0 || port === this.port) return this.socket;
    let s = this.sources.get(port);
    if (s === undefined) {
      s = null;
      if (this.sources.size < (this.opts.maxSourceSockets ?? 64)) {
        const socket = this.createSocket();
        const entry = { socket, ok: false };
        socket.on("error", () => {
          if (!entry.ok) {
            // Taken by someone else: this flow keeps leaving from the listening port.
            this.sources.set(port, null);
            closeQuietly(socket);
          } else {
            this.sendErrors++;
          }
        });
        // Datagrams to a source port are not VXLAN's (Linux listens on dstport only): read and dropped.
        socket.on("message", () => undefined);
        socket.bind({ address: this.address, port, exclusive: true }, () => {
          entry.ok = true;
          this.applyBuffers(socket);
        });
        s = entry;
      }
      this.sources.set(port, s);
    }
    // Until its own socket is bound, a flow leaves from the listening one: nothing waits, nothing is lost.
    return s !== null && s.ok ? s.socket : this.socket;
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
    let n = this.toNumber.get(text);
    if (n === undefined) {
      if (this.toNumber.size >= CACHE_MAX) this.toNumber.clear();
      n = (parseIpv4(text) ?? 0) >>> 0;
      this.toNumber.set(text, n);
    }
    return n;
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
