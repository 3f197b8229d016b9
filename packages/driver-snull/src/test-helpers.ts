/** Test helpers: boot a kernel with snull, build IPv4 frames by hand, record what arrives. */
import {
  Kernel, PACKET_OUTGOING, allocSkb, devGetByName, devGetStats, devHardHeader, devOpen, devQueueXmit, kfreeSkb,
  type NetDevice, type NetDeviceStats, type PacketType, type ParamValue,
} from "@vnet/core";
import { snull } from "./snull.js";
import type { SnullInterrupt, SnullPriv } from "./priv.js";

/** A frame seen on a device: a copy of its bytes from the MAC header, and its metadata. */
export interface Seen {
  readonly dev: string;
  readonly frame: Uint8Array;
  readonly pktType: number;
  readonly ipSummed: number;
  readonly protocol: number;
}

export interface Bench {
  readonly k: Kernel;
  readonly sn0: NetDevice<SnullPriv>;
  readonly sn1: NetDevice<SnullPriv>;
  /** What reached the ETH_P_IP handler (which consumes it). */
  readonly ip: Seen[];
}

/** A device by name, typed as snull's. */
export function dev(k: Kernel, name: string): NetDevice<SnullPriv> {
  const d = devGetByName(k.initNet, name);
  if (d === null) throw new Error(`no device ${name}`);
  return d as NetDevice<SnullPriv>;
}

function seen(d: NetDevice, skb: { head: Uint8Array; macHeader: number; tail: number; pktType: number; ipSummed: number; protocol: number }): Seen {
  return { dev: d.name, frame: skb.head.slice(skb.macHeader, skb.tail), pktType: skb.pktType, ipSummed: skb.ipSummed, protocol: skb.protocol };
}

/** A kernel with snull loaded (params as insmod takes them), sn0 and sn1 up, and an IPv4 handler. */
export function boot(params: Record<string, ParamValue> = {}, up = true): Bench {
  const k = new Kernel();
  k.insmod(snull, params);
  const sn0 = dev(k, "sn0");
  const sn1 = dev(k, "sn1");
  const ip: Seen[] = [];
  const handler: PacketType = {
    type: 0x0800,
    func(skb, d) {
      ip.push(seen(d, skb));
      kfreeSkb(skb);
    },
  };
  k.addPack(handler);
  if (up) {
    devOpen(sn0);
    devOpen(sn1);
  }
  return { k, sn0, sn1, ip };
}

/** Records every frame that arrives on `d` (a tap: it only borrows the skb). */
export function tap(k: Kernel, d: NetDevice): Seen[] {
  const out: Seen[] = [];
  k.addPack({
    type: 0x0003,
    dev: d,
    func(skb, on) {
      if (skb.pktType !== PACKET_OUTGOING) out.push(seen(on, skb));
    },
  });
  return out;
}

/** Parses "a.b.c.d". */
export function addr(s: string): number[] {
  return s.split(".").map(Number);
}

export interface Ipv4Options {
  readonly src: string;
  readonly dst: string;
  readonly id?: number;
  readonly proto?: number;
  /** Payload octets after the 20-octet header. */
  readonly payload?: number;
  readonly version?: number;
  readonly ihl?: number;
}

/** An IPv4 packet (header + zero-filled payload with a counter pattern), checksum correct. */
export function ipv4(o: Ipv4Options): Uint8Array {
  const payload = o.payload ?? 8;
  const b = new Uint8Array(20 + payload);
  b[0] = ((o.version ?? 4) << 4) | (o.ihl ?? 5);
  const tot = b.length;
  b[2] = tot >> 8;
  b[3] = tot & 0xff;
  const id = o.id ?? 1;
  b[4] = id >> 8;
  b[5] = id & 0xff;
  b[8] = 64;
  b[9] = o.proto ?? 17;
  b.set(addr(o.src), 12);
  b.set(addr(o.dst), 16);
  for (let i = 20; i < b.length; i++) b[i] = i & 0xff;
  const c = csum(b, 0, 20);
  b[10] = c >> 8;
  b[11] = c & 0xff;
  return b;
}

/** The Internet checksum of buf[off, off+len): 0 when it holds a correct checksum. */
export function csum(buf: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (buf[off + i]! << 8) | (i + 1 < len ? buf[off + i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Sends an IPv4 packet out of `d` with snull's header_ops, as the IPv4 output path will. */
export function sendIp(d: NetDevice, packet: Uint8Array): number {
  const skb = allocSkb(packet.length + 64);
  skb.reserve(64);
  skb.putData(packet);
  skb.dev = d;
  skb.protocol = 0x0800;
  devHardHeader(skb, d, 0x0800, null, null, packet.length);
  return devQueueXmit(skb);
}

/** Sends raw bytes (Ethernet header included, or not even that) out of `d`. */
export function sendRaw(d: NetDevice, frame: Uint8Array): number {
  const skb = allocSkb(frame.length + 64);
  skb.reserve(64);
  skb.putData(frame);
  skb.dev = d;
  return devQueueXmit(skb);
}

/**
 * Calls `fn` after each run of the interrupt handler on `priv`'s device: once per interrupt it
 * services, however many one firing of the line delivers.
 */
export function afterInterrupt(priv: SnullPriv, fn: () => void): void {
  const drv = priv.drv as { interrupt: SnullInterrupt };
  const handler = drv.interrupt;
  drv.interrupt = (p) => {
    handler(p);
    if (p === priv) fn();
  };
}

/** dev_get_stats(). */
export function stats(d: NetDevice): NetDeviceStats {
  return devGetStats(d);
}

/** The IPv4 identification field of a received frame. */
export function ipId(s: Seen): number {
  return (s.frame[18]! << 8) | s.frame[19]!;
}

/** Dotted source and destination of a received frame. */
export function ipAddrs(s: Seen): [string, string] {
  return [Array.from(s.frame.subarray(26, 30)).join("."), Array.from(s.frame.subarray(30, 34)).join(".")];
}
