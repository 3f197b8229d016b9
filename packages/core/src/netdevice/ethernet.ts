import type { Prng } from "../kernel/prng.js";
import {
  ARPHRD_ETHER, IFF_BROADCAST, IFF_MULTICAST, IFF_PROMISC, PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST,
  PACKET_OTHERHOST,
} from "./constants.js";
import type { HeaderOps, NetDevice } from "./netdevice.js";
import type { SkBuff } from "./skbuff.js";
import { ETH_ALEN } from "../wire/addr.js";
import { ETH_HLEN, ETH_P_802_3_MIN, ETH_ZLEN } from "../wire/ethernet.js";

const ETH_P_802_2 = 0x0004;
const ETH_P_802_3 = 0x0001;

/** NET_ADDR_* (how dev_addr was assigned). */
export const NET_ADDR_PERM = 0;
export const NET_ADDR_RANDOM = 1;
export const NET_ADDR_STOLEN = 2;
export const NET_ADDR_SET = 3;

/** eth_header(): pushes an Ethernet header; a null destination is left for ARP to fill (negative). */
function ethHeaderCreate(skb: SkBuff, dev: NetDevice, type: number, daddr: Uint8Array | null, saddr: Uint8Array | null, _len: number): number {
  const at = skb.push(ETH_HLEN);
  const h = skb.head;
  h[at + 12] = type >>> 8;
  h[at + 13] = type & 0xff;
  // Six bytes each, copied by hand: a subarray() view per address would cost more than the copy.
  const s = saddr ?? dev.devAddr;
  h[at + 6] = s[0]!;
  h[at + 7] = s[1]!;
  h[at + 8] = s[2]!;
  h[at + 9] = s[3]!;
  h[at + 10] = s[4]!;
  h[at + 11] = s[5]!;
  if (daddr !== null) {
    h[at] = daddr[0]!;
    h[at + 1] = daddr[1]!;
    h[at + 2] = daddr[2]!;
    h[at + 3] = daddr[3]!;
    h[at + 4] = daddr[4]!;
    h[at + 5] = daddr[5]!;
    return ETH_HLEN;
  }
  return -ETH_HLEN;
}

/** eth_header_parse(): the source MAC of the received frame. */
function ethHeaderParse(skb: SkBuff, haddr: Uint8Array): number {
  haddr.set(skb.head.subarray(skb.macHeader + 6, skb.macHeader + 12));
  return ETH_ALEN;
}

/** eth_header_ops. */
export const ethHeaderOps: HeaderOps = { create: ethHeaderCreate, parse: ethHeaderParse };

/** ether_setup(): the defaults every Ethernet device starts from. */
export function etherSetup(dev: NetDevice): void {
  dev.type = ARPHRD_ETHER;
  dev.headerOps = ethHeaderOps;
  dev.hardHeaderLen = ETH_HLEN;
  dev.mtu = 1500;
  dev.minMtu = 68;
  dev.maxMtu = 1500;
  dev.addrLen = ETH_ALEN;
  dev.txQueueLen = 1000;
  dev.flags = IFF_BROADCAST | IFF_MULTICAST;
  dev.broadcast.fill(0xff, 0, ETH_ALEN);
}

/**
 * eth_type_trans(): sets skb.dev, records the MAC header, pulls it, classifies the frame
 * (pkt_type) by its destination address and returns the protocol. The caller guarantees
 * at least ETH_HLEN bytes.
 */
export function ethTypeTrans(skb: SkBuff, dev: NetDevice): number {
  const h = skb.head;
  const v = skb.view;
  const at = skb.data;
  skb.dev = dev;
  skb.macHeader = at;
  skb.data = at + ETH_HLEN;
  skb.networkHeader = at + ETH_HLEN;
  skb.pktType = h[at]! & 1 ? ethGroupType(v, at) : ethUnicastType(h, at, dev.devAddr);
  const proto = v.getUint16(at + 12);
  return proto >= ETH_P_802_3_MIN ? proto : eth8023Proto(h, at);
}

function ethUnicastType(h: Uint8Array, at: number, a: Uint8Array): number {
  const diff = (h[at]! ^ a[0]!) | (h[at + 1]! ^ a[1]!) | (h[at + 2]! ^ a[2]!) | (h[at + 3]! ^ a[3]!) | (h[at + 4]! ^ a[4]!) | (h[at + 5]! ^ a[5]!);
  return diff === 0 ? PACKET_HOST : PACKET_OTHERHOST;
}

function ethGroupType(v: DataView, at: number): number {
  return v.getUint32(at) === 0xffffffff && v.getUint16(at + 4) === 0xffff ? PACKET_BROADCAST : PACKET_MULTICAST;
}

/** 802.3 frames: a raw IPX frame starts 0xFFFF, anything else is 802.2 LLC. */
function eth8023Proto(h: Uint8Array, at: number): number {
  return h[at + 14] === 0xff && h[at + 15] === 0xff ? ETH_P_802_3 : ETH_P_802_2;
}

/** Is the device in promiscuous mode (so OTHERHOST frames are still seen)? */
export function devIsPromisc(dev: NetDevice): boolean {
  return (dev.flags & IFF_PROMISC) !== 0;
}

/** eth_random_addr(): a random unicast, locally administered MAC. */
export function ethRandomAddr(prng: Prng, out: Uint8Array = new Uint8Array(ETH_ALEN)): Uint8Array {
  prng.bytes(out.subarray(0, ETH_ALEN));
  out[0] = (out[0]! & 0xfe) | 0x02;
  return out;
}

/** eth_hw_addr_random(): gives the device a random MAC and marks it NET_ADDR_RANDOM. */
export function ethHwAddrRandom(dev: NetDevice): void {
  ethRandomAddr(dev.net.kernel.prng, dev.devAddr);
  dev.addrAssignType = NET_ADDR_RANDOM;
}

/** skb_padto / eth_skb_pad: zero-pads a frame to the 60-byte Ethernet minimum. */
export function ethSkbPad(skb: SkBuff): void {
  const len = skb.tail - skb.data;
  if (len >= ETH_ZLEN) return;
  const at = skb.put(ETH_ZLEN - len);
  skb.head.fill(0, at, skb.tail);
}
