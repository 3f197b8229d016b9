/**
 * The outer UDP source port (udp_flow_src_port): a hash of the inner flow scaled into the
 * source-port range, so that ECMP and RSS on the underlay spread flows while the packets of one
 * flow keep one path and one order.
 */

/** The range Linux takes from net.ipv4.ip_local_port_range when `srcport` is not given. */
export const VXLAN_DEFAULT_PORT_MIN = 32768;
export const VXLAN_DEFAULT_PORT_MAX = 60999;

const ETH_P_IP = 0x0800;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

/** A 32-bit mix step (murmur3's), cheap and well spread; no allocation. */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) | 0;
}

/**
 * skb_get_hash() of the Ethernet frame `b[off, off + len)`: for IPv4 the addresses, protocol and,
 * on first fragments of TCP/UDP, the ports (ICMP: the echo identifier); for anything else the
 * MAC addresses and ethertype (the jhash fallback of udp_flow_src_port). Never 0.
 */
export function flowHash(b: Uint8Array, off: number, len: number): number {
  let h = 0x9747b28c;
  const type = len >= 14 ? (b[off + 12]! << 8) | b[off + 13]! : 0;
  const ip = off + 14;
  if (type === ETH_P_IP && len >= 34 && (b[ip]! >> 4) === 4) {
    const ihl = (b[ip]! & 0x0f) * 4;
    const proto = b[ip + 9]!;
    h = mix(h, be32(b, ip + 12));
    h = mix(h, be32(b, ip + 16));
    h = mix(h, proto);
    // Later fragments carry no transport header: hash them as the flow's addresses only.
    const fragOff = ((b[ip + 6]! & 0x1f) << 8) | b[ip + 7]!;
    const l4 = ip + ihl;
    if (fragOff === 0 && ihl >= 20 && l4 + 4 <= off + len) {
      if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) h = mix(h, be32(b, l4));
      else if (proto === IPPROTO_ICMP && l4 + 8 <= off + len) h = mix(h, (b[l4 + 4]! << 8) | b[l4 + 5]!);
    }
  } else {
    const n = len >= 14 ? 14 : len;
    for (let i = 0; i + 4 <= n; i += 4) h = mix(h, be32(b, off + i));
    h = mix(h, type);
  }
  const r = fmix(h);
  return r === 0 ? 1 : r;
}

/** udp_flow_src_port(): `hash` scaled into [min, max) (min when the range is empty). */
export function flowSrcPort(hash: number, min: number, max: number): number {
  if (max <= min) return min;
  // Fold the high half down first, as the kernel does, so the top bits carry the whole hash.
  const h = (hash ^ (hash << 16)) >>> 0;
  return Math.floor((h * (max - min)) / 4294967296) + min;
}
