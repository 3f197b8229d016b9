/**
 * The UDP socket of the VXLAN devices of a namespace (struct vxlan_sock): one per local address
 * and port, shared by every device listening there and demultiplexed by VNI, and its receive
 * path (vxlan_rcv). Datagrams come from outside: each is checked before anything trusts it, and
 * every drop is counted by reason.
 */
import {
  devCoreStats, EEXIST, ETH_HLEN, ETH_P_IP, ETH_P_IPV6, IFF_UP, KernelError, NET_RX_SUCCESS, NetGenericKey, dropSkb, ethTypeTrans,
  netdevAllocSkb, netifRx, type DropReason, type Net,
} from "@vnet/core";
import { VXLAN_HF_VNI, VXLAN_HLEN } from "./wire.js";
import { fdbSnoop } from "./fdb.js";
import { RealtimeClock } from "./realtime.js";
import type { VxlanDevice } from "./priv.js";
import type { VxlanTransport, VxlanTransportFactory } from "./transport.js";

const VLAN_HLEN = 4;
const IPV4_MIN_HLEN = 20;
const IPV6_HLEN = 40;

/** Counters of what was dropped before a device could be told: shown by every device on the socket. */
export class VxlanSockCounters {
  /** Datagram shorter than the VXLAN header. */
  rxShort = 0;
  /** The I flag missing, or a reserved bit set. */
  rxBadFlags = 0;
  /** No device with that VNI listens here. */
  rxUnknownVni = 0;
}

/** A socket shared by the VXLAN devices listening on one local address and port. */
export class VxlanSock {
  readonly net: Net;
  readonly local: number;
  readonly port: number;
  readonly transport: VxlanTransport;
  readonly byVni: Map<number, VxlanDevice> = new Map();
  readonly counters: VxlanSockCounters = new VxlanSockCounters();
  /** The kernel's clock, when the transport is a real socket: kicked as datagrams arrive. */
  clock: RealtimeClock | null = null;
  /** Set when an asynchronous bind failed: the error names the address and port. */
  error: Error | null = null;

  constructor(net: Net, local: number, port: number, transport: VxlanTransport) {
    this.net = net;
    this.local = local;
    this.port = port;
    this.transport = transport;
  }

  /** Failures of the stack below this socket, logged rather than thrown at the transport. */
  private oopses = 0;

  /** The transport's receive callback. Never throws: a bad datagram is counted and dropped. */
  readonly rcv = (b: Uint8Array, saddr: number, _sport: number): void => {
    // First, so that the kernel's clock reads the arrival's time when netif_rx stamps the frame.
    if (this.clock !== null) this.clock.kick();
    try {
      vxlanRcv(this, b, saddr);
    } catch (e) {
      // A bug, not bad input (that is counted above): a real socket's process must not die of it.
      if (this.oopses++ < 10) this.net.kernel.printk(`vxlan: receive failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  };
}

const SOCKS: NetGenericKey<Map<number, VxlanSock>> = new NetGenericKey<Map<number, VxlanSock>>("vxlan_sock", () => new Map());

function sockKey(local: number, port: number): number {
  return local * 65536 + port;
}

/**
 * vxlan_sock_add(): joins `dev` to the socket on its local address and dstport, opening it
 * through the factory when it is the first. Throws the factory's bind error (EADDRINUSE naming
 * the address and port); EEXIST when another device there already has the VNI.
 */
export function vxlanSockAdd(dev: VxlanDevice, factory: VxlanTransportFactory): VxlanSock {
  const priv = dev.priv;
  const net = priv.srcNet;
  const { local, dstPort: port, vni } = priv.cfg;
  const socks = net.gen(SOCKS);
  const key = sockKey(local, port);
  let vs = socks.get(key);
  if (vs === undefined) {
    const transport = factory({ kernel: net.kernel, net, dev, local, port });
    const s = new VxlanSock(net, local, port, transport);
    transport.onMessage(s.rcv);
    if (transport.realtime === true) {
      s.clock = RealtimeClock.for(net.kernel);
      s.clock.acquire();
    }
    transport.ready?.catch((e: unknown) => {
      s.error = e instanceof Error ? e : new Error(String(e));
      net.kernel.printk(`vxlan ${dev.name}: ${s.error.message.replace(/^vxlan: /, "")}`);
    });
    socks.set(key, s);
    vs = s;
  }
  const other = vs.byVni.get(vni);
  if (other !== undefined && other !== dev) {
    if (vs.byVni.size === 0) vxlanSockClose(socks, key, vs);
    throw new KernelError(EEXIST, `vxlan: VNI ${vni} is in use by ${other.name} on this port`);
  }
  vs.byVni.set(vni, dev);
  return vs;
}

/** vxlan_sock_release(): leaves the socket; the last device closes it. */
export function vxlanSockRelease(dev: VxlanDevice, vs: VxlanSock): void {
  if (vs.byVni.get(dev.priv.cfg.vni) === dev) vs.byVni.delete(dev.priv.cfg.vni);
  if (vs.byVni.size > 0) return;
  const socks = vs.net.gen(SOCKS);
  vxlanSockClose(socks, sockKey(vs.local, vs.port), vs);
}

function vxlanSockClose(socks: Map<number, VxlanSock>, key: number, vs: VxlanSock): void {
  if (socks.get(key) === vs) socks.delete(key);
  vs.transport.onMessage(null);
  vs.transport.close();
  if (vs.clock !== null) {
    vs.clock.release();
    vs.clock = null;
  }
}

/** The open socket on `local`:`port` in `net`, if any (for tests and tools). */
export function vxlanSockOf(net: Net, local: number, port: number): VxlanSock | undefined {
  return net.hasGen(SOCKS) ? net.gen(SOCKS).get(sockKey(local, port)) : undefined;
}

// ---- receive -----------------------------------------------------------------------------

/** vxlan_rcv(): header checks, VNI demultiplexing; then the device's part. */
function vxlanRcv(vs: VxlanSock, b: Uint8Array, saddr: number): void {
  const len = b.length;
  if (len < VXLAN_HLEN) {
    vs.counters.rxShort++;
    return;
  }
  // The I flag is required before the VNI may be read at all.
  if ((b[0]! & VXLAN_HF_VNI) === 0) {
    vs.counters.rxBadFlags++;
    return;
  }
  const dev = vs.byVni.get((b[4]! << 16) | (b[5]! << 8) | b[6]!);
  if (dev === undefined) {
    vs.counters.rxUnknownVni++;
    return;
  }
  // Any other flag or reserved bit: no extension was negotiated, so the header is malformed.
  if (b[0] !== VXLAN_HF_VNI || (b[1]! | b[2]! | b[3]! | b[7]!) !== 0) {
    vs.counters.rxBadFlags++;
    return;
  }
  vxlanDevRcv(dev, b, VXLAN_HLEN, len - VXLAN_HLEN, saddr);
}

/** The device's part of vxlan_rcv: inner frame checks, learning, then netif_rx. */
function vxlanDevRcv(dev: VxlanDevice, b: Uint8Array, off: number, flen: number, saddr: number): void {
  const priv = dev.priv;
  const c = priv.counters;
  const stats = dev.stats;
  if (flen < ETH_HLEN) {
    c.rxTruncated++;
    stats.rxLengthErrors++;
    stats.rxErrors++;
    rxDrop(dev, b, off, flen, "PKT_TOO_SMALL");
    return;
  }
  if (flen > dev.mtu + ETH_HLEN + VLAN_HLEN) {
    c.rxOversize++;
    stats.rxLengthErrors++;
    stats.rxErrors++;
    rxDrop(dev, b, off, flen, "PKT_TOO_BIG");
    return;
  }
  // pskb_inet_may_pull(): an IP frame must hold the IP header it announces.
  const type = (b[off + 12]! << 8) | b[off + 13]!;
  if ((type === ETH_P_IP && flen < ETH_HLEN + IPV4_MIN_HLEN) || (type === ETH_P_IPV6 && flen < ETH_HLEN + IPV6_HLEN)) {
    c.rxTruncated++;
    stats.rxLengthErrors++;
    stats.rxErrors++;
    rxDrop(dev, b, off, flen, "PKT_TOO_SMALL");
    return;
  }
  // Our own source MAC coming back: a loop (or our flood reflected); never learn it.
  const a = dev.devAddr;
  const s = off + 6;
  if (b[s] === a[0] && b[s + 1] === a[1] && b[s + 2] === a[2] && b[s + 3] === a[3] && b[s + 4] === a[4] && b[s + 5] === a[5]) {
    c.rxLoop++;
    rxDrop(dev, b, off, flen, "NOT_SPECIFIED");
    return;
  }
  if (priv.cfg.learning && fdbSnoop(dev, b, s, saddr)) {
    rxDrop(dev, b, off, flen, "MAC_INVALID");
    return;
  }
  if ((dev.flags & IFF_UP) === 0) {
    devCoreStats(dev).rxDropped++;
    return;
  }
  // The whole datagram in one copy, its VXLAN header landing in the headroom (pulled, as
  // vxlan_rcv does): no view of the host's buffer is made per frame. `b` ends with the frame.
  const skb = netdevAllocSkb(dev, flen);
  skb.head.set(b, skb.data - off);
  skb.put(flen);
  skb.protocol = ethTypeTrans(skb, dev);
  if (netifRx(skb) === NET_RX_SUCCESS) {
    stats.rxPackets++;
    // As Linux counts it: after eth_type_trans, without the inner Ethernet header.
    stats.rxBytes += flen - ETH_HLEN;
  }
}

/** Copies a frame into an skb: a view plus set() for all but the shortest. */
function copyBytes(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  if (len > 16) dst.set(src.subarray(srcOff, srcOff + len), dstOff);
  else for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i]!;
}

/** Shows a dropped frame to observers (kernel.events "drop"); costs nothing when nobody listens. */
function rxDrop(dev: VxlanDevice, b: Uint8Array, off: number, len: number, reason: DropReason): void {
  if (!dev.net.kernel.events.watchDrops) return;
  const skb = netdevAllocSkb(dev, len);
  copyBytes(skb.head, skb.data, b, off, len);
  skb.put(len);
  dropSkb(skb, reason);
}
