// Small byte and checksum helpers of the data path: a copy that allocates no view for short
// ranges, and skb_checksum_help for packets whose transport checksum was left to the device
// (CHECKSUM_PARTIAL) when they leave through a device that cannot fill it in.
import type { SkBuff } from "../netdevice/skbuff.js";
import { CHECKSUM_NONE, CHECKSUM_PARTIAL } from "../netdevice/constants.js";
import { csumFold, csumPartialView, csumTcpudpNofold } from "../wire/checksum.js";
import { readIpv4 } from "../wire/addr.js";
import { IPPROTO_UDP } from "../wire/ipv4.js";

/**
 * Copies `len` bytes: a whole source array with one set() (no view to make), short ranges by
 * hand, other ranges through a subarray and set().
 */
export function copyBytes(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  // Byte loops cost ~1-3 ns a byte in V8; subarray() allocates a view (~35 ns) before set().
  if (srcOff === 0 && len === src.length) {
    dst.set(src, dstOff);
    return;
  }
  if (len > 16) {
    dst.set(src.subarray(srcOff, srcOff + len), dstOff);
    return;
  }
  for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i]!;
}

/**
 * skb_checksum_help(): completes the transport checksum of a CHECKSUM_PARTIAL IPv4 packet in
 * software (only UDP produces them here), as dev_queue_xmit does for a device without offload.
 */
export function ipChecksumHelp(skb: SkBuff): void {
  if (skb.ipSummed !== CHECKSUM_PARTIAL) return;
  skb.ipSummed = CHECKSUM_NONE;
  const h = skb.head;
  const nh = skb.networkHeader;
  if (nh < 0 || h[nh + 9] !== IPPROTO_UDP) return;
  const u = nh + (h[nh]! & 15) * 4;
  const len = (h[u + 4]! << 8) | h[u + 5]!;
  if (len < 8 || u + len > skb.tail) return;
  h[u + 6] = 0;
  h[u + 7] = 0;
  let c = csumFold(csumTcpudpNofold(readIpv4(h, nh + 12), readIpv4(h, nh + 16), len, IPPROTO_UDP, csumPartialView(skb.view, u, len, 0)));
  if (c === 0) c = 0xffff;
  h[u + 6] = c >>> 8;
  h[u + 7] = c;
}
