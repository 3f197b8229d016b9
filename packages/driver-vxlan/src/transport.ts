/**
 * The outer transport: how VXLAN datagrams leave and reach a kernel. Linux opens a UDP socket in
 * the kernel (vxlan_sock); vnet asks a factory for one, so the same driver runs over the
 * simulated stack's own UDP (`kernelUdp`, the default), over memory between kernels in one
 * process (`MemoryUnderlay`), or over a real socket (`@vnet/driver-vxlan/node`).
 */
import {
  EADDRINUSE, EINVAL, IP_PMTUDISC_DONT, KernelError, ROOT_CRED, ipv4ToString, parseIpv4, udpSocket, type Kernel, type Net, type NetDevice,
  type SkBuff, type UdpSocket,
} from "@vnet/core";

/** Receives one datagram; `bytes` is valid only during the call. */
export type VxlanReceive = (bytes: Uint8Array, addr: number, port: number) => void;

/** A bound UDP endpoint carrying VXLAN datagrams. Addresses are IPv4 as host-order numbers. */
export interface VxlanTransport {
  /**
   * Sends the datagram `skb.head[skb.data, skb.tail)` (VXLAN header and inner frame) to
   * `addr`:`port`, from `srcPort` when the transport can choose its source port (else from the
   * port it is bound to), as udp_tunnel_xmit_skb() is handed the skb. The skb stays the driver's
   * (a flood sends it to every remote): read it during the call only; a transport that sends
   * later copies it. Must not throw for a datagram the network drops.
   */
  send(skb: SkBuff, addr: number, port: number, srcPort: number): void;
  /** Sets (or clears) the receive callback. */
  onMessage(cb: VxlanReceive | null): void;
  /** Releases the socket(s); no callback runs afterwards. */
  close(): void;
  /**
   * True when datagrams arrive from outside the kernel's scheduler (a real socket): while such a
   * transport is open, the kernel's clock follows the wall clock (see RealtimeClock).
   */
  readonly realtime?: boolean | undefined;
  /** For transports that bind asynchronously: settles once bound, rejects with an error naming the address and port. */
  readonly ready?: Promise<void> | undefined;
}

/** What a factory is asked for when a VXLAN device opens (vxlan_sock_add). */
export interface VxlanTransportRequest {
  readonly kernel: Kernel;
  /** The namespace the device was created in: its underlay. */
  readonly net: Net;
  /** The first device to use the socket (later ones with the same local address and port share it). */
  readonly dev: NetDevice;
  /** `local` address, 0 for any. */
  readonly local: number;
  /** `dstport`: the port to listen on. */
  readonly port: number;
}

export type VxlanTransportFactory = (req: VxlanTransportRequest) => VxlanTransport;

/** The error a failed bind reports: `vxlan: cannot bind UDP 10.0.0.1:4789: Address already in use`. */
export function bindError(errno: number, local: number | string, port: number): KernelError {
  const addr = typeof local === "number" ? ipv4ToString(local) : local;
  return new KernelError(errno, `vxlan: cannot bind UDP ${addr}:${port}`);
}

/** An IPv4 address given as text or number, as a host-order number; EINVAL when malformed. */
export function toAddr(a: number | string): number {
  if (typeof a === "number") {
    if (!Number.isInteger(a) || a < 0 || a > 0xffffffff) throw new KernelError(EINVAL, `invalid IPv4 address ${a}`);
    return a >>> 0;
  }
  const n = parseIpv4(a);
  if (n === null) throw new KernelError(EINVAL, `invalid IPv4 address "${a}"`);
  return n >>> 0;
}

// ---- the simulated stack's own UDP -------------------------------------------------------

/** Source-port sockets opened at most, per transport; flows beyond share the listening socket. */
const MAX_SOURCE_SOCKETS = 64;

/**
 * VXLAN over the kernel's own UDP sockets, in the device's namespace: what Linux does. Two
 * namespaces joined by etun, each with a vxlan device on top, make an overlay that vnet's
 * tcpdump shows as `VXLAN, flags [I] (0x08), vni N` on the underlay.
 */
class KernelUdpTransport implements VxlanTransport {
  private readonly net: Net;
  private readonly local: number;
  private readonly sock: UdpSocket;
  private cb: VxlanReceive | null = null;
  /** Sockets bound to hashed source ports; null where the port was taken. */
  private readonly sources: Map<number, UdpSocket | null> = new Map();

  constructor(net: Net, local: number, port: number) {
    this.net = net;
    this.local = local;
    const sk = udpSocket(net, ROOT_CRED);
    // The tunnel's outer packets may be fragmented (vxlan's `df unset`): never EMSGSIZE.
    sk.pmtudisc = IP_PMTUDISC_DONT;
    try {
      sk.bind(local, port);
    } catch (e) {
      sk.close();
      if (e instanceof KernelError) throw bindError(e.errno, local, port);
      throw e;
    }
    sk.onMessage = (_sk, buf, off, len, from) => {
      const cb = this.cb;
      if (cb !== null) cb(buf.subarray(off, off + len), from.addr, from.port);
    };
    this.sock = sk;
  }

  send(skb: SkBuff, addr: number, port: number, srcPort: number): void {
    const sk = this.source(srcPort);
    try {
      sk.sendto(skb.head.subarray(skb.data, skb.tail), addr, port);
    } catch {
      // An unroutable remote: the kernel's own counters (OutNoRoutes) have it; the tunnel carries on.
    }
  }

  private source(port: number): UdpSocket {
    if (port === 0 || port === this.sock.num) return this.sock;
    let sk = this.sources.get(port);
    if (sk === undefined) {
      sk = null;
      if (this.sources.size < MAX_SOURCE_SOCKETS) {
        const s = udpSocket(this.net, ROOT_CRED);
        s.pmtudisc = IP_PMTUDISC_DONT;
        try {
          s.bind(this.local, port);
          // Datagrams to a source port are not VXLAN's: Linux listens on dstport only.
          s.onMessage = () => {};
          sk = s;
        } catch {
          s.close();
        }
      }
      this.sources.set(port, sk);
    }
    return sk ?? this.sock;
  }

  onMessage(cb: VxlanReceive | null): void {
    this.cb = cb;
  }

  close(): void {
    this.cb = null;
    this.sock.close();
    for (const s of this.sources.values()) s?.close();
    this.sources.clear();
  }
}

/** The default factory: a UDP socket of the simulated kernel, bound to `local`:`dstport`. */
export const kernelUdp: VxlanTransportFactory = (req) => new KernelUdpTransport(req.net, req.local, req.port);

// ---- memory, between kernels of one process ----------------------------------------------

/** Sees every datagram the underlay carries (a wire tap for tests). */
export type MemoryTap = (bytes: Uint8Array, saddr: number, sport: number, daddr: number, dport: number) => void;

/**
 * An IP network in memory: endpoints bound to address:port, datagrams delivered synchronously
 * (the receiving driver copies them into an skb and queues it on its kernel's backlog, so no
 * kernel runs inside another). Run the kernels (or their RealtimeClocks) to move the traffic on.
 */
export class MemoryUnderlay {
  private readonly endpoints: Map<number, MemoryTransport> = new Map();
  /** Called for every datagram sent, before delivery. */
  tap: MemoryTap | null = null;
  sent = 0;
  delivered = 0;
  /** Datagrams to an address:port nobody is bound to. */
  unreachable = 0;

  private static key(addr: number, port: number): number {
    return addr * 65536 + port;
  }

  /** Binds an endpoint; EADDRINUSE (naming the address and port) when taken. */
  bind(addr: number | string, port: number, host: number | string = addr): VxlanTransport {
    const a = toAddr(addr);
    const key = MemoryUnderlay.key(a, port);
    if (this.endpoints.has(key) || this.endpoints.has(MemoryUnderlay.key(0, port)) || (a === 0 && this.anyOnPort(port))) {
      throw bindError(EADDRINUSE, a, port);
    }
    const t = new MemoryTransport(this, key, toAddr(host), port);
    this.endpoints.set(key, t);
    return t;
  }

  private anyOnPort(port: number): boolean {
    for (const t of this.endpoints.values()) if (t.port === port) return true;
    return false;
  }

  /**
   * A factory for one kernel (one machine) whose underlay address is `host`: a device binds to
   * its `local` address, or without one to `host` (the machine's only address: its "any").
   */
  host(host: number | string): VxlanTransportFactory {
    const h = toAddr(host);
    return (req) => this.bind(req.local === 0 ? h : req.local, req.port);
  }

  /**
   * Delivers a datagram as if it came from `saddr`:`sport` (tests inject untrusted bytes this
   * way). Returns whether an endpoint took it.
   */
  deliver(bytes: Uint8Array, saddr: number, sport: number, daddr: number, dport: number): boolean {
    this.sent++;
    const tap = this.tap;
    if (tap !== null) tap(bytes, saddr, sport, daddr, dport);
    const t = this.endpoints.get(MemoryUnderlay.key(daddr, dport)) ?? this.endpoints.get(MemoryUnderlay.key(0, dport));
    const cb = t?.cb ?? null;
    if (cb === null) {
      this.unreachable++;
      return false;
    }
    this.delivered++;
    cb(bytes, saddr, sport);
    return true;
  }

  /** @internal */
  unbind(key: number, t: MemoryTransport): void {
    if (this.endpoints.get(key) === t) this.endpoints.delete(key);
  }
}

class MemoryTransport implements VxlanTransport {
  cb: VxlanReceive | null = null;
  private closed = false;
  private readonly underlay: MemoryUnderlay;
  private readonly key: number;
  private readonly saddr: number;
  readonly port: number;

  constructor(underlay: MemoryUnderlay, key: number, saddr: number, port: number) {
    this.underlay = underlay;
    this.key = key;
    this.saddr = saddr;
    this.port = port;
  }

  send(skb: SkBuff, addr: number, port: number, srcPort: number): void {
    if (this.closed) return;
    this.underlay.deliver(skb.head.subarray(skb.data, skb.tail), this.saddr, srcPort === 0 ? this.port : srcPort, addr, port);
  }

  onMessage(cb: VxlanReceive | null): void {
    this.cb = cb;
  }

  close(): void {
    this.closed = true;
    this.cb = null;
    this.underlay.unbind(this.key, this);
  }
}
