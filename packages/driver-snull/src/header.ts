/**
 * header_ops (snull_header): there is no ARP on snull, so the destination hardware address is the
 * sender's own (or the one given) with its last bit toggled, which is the twin's address.
 */
import { ethHeaderOps, type HeaderOps, type NetDevice, type SkBuff } from "@vnet/core";
import { ETH_HLEN } from "./constants.js";

/** "\0SNUL0" for index 0, "\0SNUL1" for index 1...: the last octet is '0' + index (carrying into the fifth). */
export function snullHwAddr(out: Uint8Array, index: number): Uint8Array {
  const v = 0x30 + index;
  out[0] = 0x00;
  out[1] = 0x53; // S
  out[2] = 0x4e; // N
  out[3] = 0x55; // U
  out[4] = 0x4c + (v >>> 8); // L
  out[5] = v & 0xff;
  return out;
}

function snullHeader(skb: SkBuff, dev: NetDevice, type: number, daddr: Uint8Array | null, saddr: Uint8Array | null, _len: number): number {
  const at = skb.push(ETH_HLEN);
  const v = skb.view;
  const src = saddr ?? dev.devAddr;
  const dst = daddr ?? dev.devAddr;
  // Destination, source, type, in 32- and 16-bit words (a missing octet reads as 0).
  v.setUint32(at, (dst[0]! << 24) | (dst[1]! << 16) | (dst[2]! << 8) | dst[3]!);
  v.setUint16(at + 4, (dst[4]! << 8) | (dst[5]! ^ 0x01)); // dest is us xor 1
  v.setUint16(at + 6, (src[0]! << 8) | src[1]!);
  v.setUint32(at + 8, (src[2]! << 24) | (src[3]! << 16) | (src[4]! << 8) | src[5]!);
  v.setUint16(at + 12, type);
  return dev.hardHeaderLen;
}

/** snull_header_ops: snull's own create, Ethernet's parse. */
export const snullHeaderOps: HeaderOps = { create: snullHeader, parse: ethHeaderOps.parse };
