// Test-only helpers (not exported from the barrels): a two-ended Ethernet pair driver in the
// shape of veth (xmit = scrub + eth_type_trans against the peer + netif_rx), a sink device, and
// shorthands to configure addresses and routes.
import type { Net } from "../kernel/net.js";
import { ROOT_CRED } from "../kernel/cred.js";
import type { NetDevice, NetDeviceOps } from "../netdevice/netdevice.js";
import { netdevAllocSkb, type SkBuff } from "../netdevice/skbuff.js";
import { kfreeSkb } from "../netdevice/skbuff.js";
import { allocNetdev, devOpen, netifRx, NET_RX_SUCCESS, registerNetdev } from "../netdevice/dev.js";
import { etherSetup, ethTypeTrans } from "../netdevice/ethernet.js";
import { IFF_NO_QUEUE, IFF_UP, NETDEV_TX_OK, NETIF_F_HW_CSUM, NETIF_F_RXCSUM, NETIF_F_SG } from "../netdevice/constants.js";
import { parseIpv4 } from "../wire/addr.js";
import { ipAddrAdd, ipRouteAdd, type IpRouteArgs } from "./netlink.js";

/** The private part of a pair end. */
export interface PairPriv {
  peer: NetDevice<PairPriv> | null;
  /** Frames handed to the peer. */
  sent: number;
}

/** veth_xmit in miniature: scrub, classify against the peer, queue on the backlog. */
function pairXmit(skb: SkBuff, dev: NetDevice<PairPriv>): number {
  const peer = dev.priv.peer;
  const len = skb.tail - skb.data;
  if (peer === null || !(peer.flags & IFF_UP) || len < 14) {
    dev.stats.txDropped++;
    kfreeSkb(skb);
    return NETDEV_TX_OK;
  }
  dev.stats.txPackets++;
  dev.stats.txBytes += len;
  dev.priv.sent++;
  // skb_scrub_packet(): nothing of the sender's routing or socket state crosses.
  skb.dst = null;
  skb.sk = null;
  if (dev.net !== peer.net) skb.mark = 0;
  skb.tstamp = 0;
  skb.iif = 0;
  skb.networkHeader = -1;
  skb.transportHeader = -1;
  skb.protocol = ethTypeTrans(skb, peer);
  if (netifRx(skb) === NET_RX_SUCCESS) {
    peer.stats.rxPackets++;
    peer.stats.rxBytes += len;
  }
  return NETDEV_TX_OK;
}

const pairOps: NetDeviceOps<PairPriv> = { startXmit: pairXmit };

let macSeq = 1;

/** A registered Ethernet device with a locally administered MAC and the pair driver. */
export function pairEnd(net: Net, name: string): NetDevice<PairPriv> {
  const dev = allocNetdev<PairPriv>(
    net,
    name,
    (d) => {
      etherSetup(d);
      d.ops = pairOps;
      // As veth: no qdisc, and checksums left to the "hardware" (CHECKSUM_PARTIAL crosses).
      d.privFlags |= IFF_NO_QUEUE;
      d.features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM;
      d.hwFeatures = d.features;
      const n = macSeq++;
      d.devAddr.set([0x02, 0x00, 0x5e, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
    },
    { peer: null, sent: 0 },
  );
  registerNetdev(dev);
  return dev;
}

/**
 * makePair(netA, netB): two Ethernet devices, `nameA` in netA and `nameB` in netB, each one's
 * transmit the other's receive. Both are registered and up.
 */
export function makePair(netA: Net, netB: Net, nameA = "veth0", nameB = "veth1"): [NetDevice<PairPriv>, NetDevice<PairPriv>] {
  const a = pairEnd(netA, nameA);
  const b = pairEnd(netB, nameB);
  a.priv.peer = b;
  b.priv.peer = a;
  devOpen(a);
  devOpen(b);
  return [a, b];
}

/** A registered, up Ethernet device that frees whatever it transmits (a wire to nowhere). */
export function makeSink(net: Net, name = "sink0"): NetDevice<PairPriv> {
  const dev = pairEnd(net, name);
  devOpen(dev);
  return dev;
}

/** Dotted quad to number; throws on bad input (tests only). */
export function ip(text: string): number {
  const v = parseIpv4(text);
  if (v === null) throw new Error(`bad address ${text}`);
  return v;
}

/** `ip addr add A/P brd + dev DEV` as root. */
export function addAddr(net: Net, dev: string, cidr: string): void {
  const [a, p] = cidr.split("/");
  ipAddrAdd(net, ROOT_CRED, { dev, local: ip(a!), prefixLen: Number(p ?? 32), broadcast: "+" });
}

/** `ip route add PREFIX [via GW] [dev DEV]` as root; "default" for 0/0. */
export function addRoute(net: Net, prefix: string, opts: Omit<IpRouteArgs, "dst" | "dstLen"> = {}): void {
  let dst = 0;
  let len = 0;
  if (prefix !== "default") {
    const [a, p] = prefix.split("/");
    dst = ip(a!);
    len = Number(p ?? 32);
  }
  ipRouteAdd(net, ROOT_CRED, { dst, dstLen: len, ...opts });
}

/** Fields of a test IPv4 packet. */
export interface IpFrameSpec {
  saddr: number;
  daddr: number;
  protocol?: number | undefined;
  ttl?: number | undefined;
  id?: number | undefined;
  /** Flags and offset word (IP_DF, IP_MF | offset/8). */
  fragOff?: number | undefined;
  tos?: number | undefined;
  /** Options bytes (padded to 4 by the caller). */
  options?: Uint8Array | undefined;
  payload?: Uint8Array | undefined;
}

/** An IPv4 packet (header with a correct checksum, then the payload). */
export function ipPacket(s: IpFrameSpec): Uint8Array {
  const opts = s.options ?? new Uint8Array(0);
  const payload = s.payload ?? new Uint8Array(0);
  const hl = 20 + opts.length;
  const out = new Uint8Array(hl + payload.length);
  out[0] = 0x40 | (hl >> 2);
  out[1] = s.tos ?? 0;
  out[2] = out.length >> 8;
  out[3] = out.length & 0xff;
  const id = s.id ?? 1;
  out[4] = id >> 8;
  out[5] = id & 0xff;
  const fo = s.fragOff ?? 0;
  out[6] = fo >> 8;
  out[7] = fo & 0xff;
  out[8] = s.ttl ?? 64;
  out[9] = s.protocol ?? 17;
  const dv = new DataView(out.buffer);
  dv.setUint32(12, s.saddr >>> 0);
  dv.setUint32(16, s.daddr >>> 0);
  out.set(opts, 20);
  let sum = 0;
  for (let i = 0; i < hl; i += 2) sum += (out[i]! << 8) | out[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(10, ~sum & 0xffff);
  out.set(payload, hl);
  return out;
}

/** An Ethernet frame around `payload` addressed to `dev` (or `dst`). */
export function ethFrame(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(14 + payload.length);
  out.set(dst.subarray(0, 6), 0);
  out.set(src.subarray(0, 6), 6);
  out[12] = type >> 8;
  out[13] = type & 0xff;
  out.set(payload, 14);
  return out;
}

/** A UDP header + payload with a zero (absent) checksum. */
export function udpPayload(sport: number, dport: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  out[0] = sport >> 8;
  out[1] = sport & 0xff;
  out[2] = dport >> 8;
  out[3] = dport & 0xff;
  out[4] = out.length >> 8;
  out[5] = out.length & 0xff;
  out.set(data, 8);
  return out;
}

/** Receives `frame` on `dev` as its driver would: netdev_alloc_skb, eth_type_trans, netif_rx. */
export function inject(dev: NetDevice, frame: Uint8Array): number {
  const skb = netdevAllocSkb(dev, frame.length);
  skb.putData(frame);
  skb.protocol = ethTypeTrans(skb, dev);
  const r = netifRx(skb);
  if (r === NET_RX_SUCCESS) {
    dev.stats.rxPackets++;
    dev.stats.rxBytes += frame.length;
  }
  return r;
}
