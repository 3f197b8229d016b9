/**
 * LINKTYPE_LINUX_SLL2 ("Linux cooked v2"): what `tcpdump -i any` captures. Each record is a
 * 20-byte header (protocol, interface index, hardware type, packet type, source address) and the
 * frame without its Ethernet header.
 */
import { PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING } from "@vnet/core";

export const LINKTYPE_LINUX_SLL2 = 276;
export const SLL2_HDR_LEN = 20;
const ETH_HLEN = 14;

/** An Ethernet frame as an SLL2 record. */
export function ethToSll2(frame: Uint8Array, ifindex: number, hatype: number, pktType: number): Uint8Array {
  const payload = frame.length > ETH_HLEN ? frame.subarray(ETH_HLEN) : new Uint8Array(0);
  const out = new Uint8Array(SLL2_HDR_LEN + payload.length);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint16(0, frame.length >= ETH_HLEN ? (frame[12]! << 8) | frame[13]! : 0);
  v.setUint32(4, ifindex);
  v.setUint16(8, hatype);
  out[10] = pktType;
  out[11] = 6;
  if (frame.length >= 12) out.set(frame.subarray(6, 12), 12);
  out.set(payload, SLL2_HDR_LEN);
  return out;
}

/** An SLL2 record back as an Ethernet frame (null destination) with its interface and direction. */
export function sll2ToEth(rec: Uint8Array): { frame: Uint8Array; ifindex: number; pktType: number } | null {
  if (rec.length < SLL2_HDR_LEN) return null;
  const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  const frame = new Uint8Array(ETH_HLEN + rec.length - SLL2_HDR_LEN);
  frame.set(rec.subarray(12, 18), 6);
  frame[12] = rec[0]!;
  frame[13] = rec[1]!;
  frame.set(rec.subarray(SLL2_HDR_LEN), ETH_HLEN);
  return { frame, ifindex: v.getUint32(4), pktType: rec[10]! };
}

/** tcpdump's direction column for -i any. */
export function directionName(pktType: number): string {
  switch (pktType) {
    case PACKET_HOST:
      return "In  ";
    case PACKET_BROADCAST:
      return "B   ";
    case PACKET_MULTICAST:
      return "M   ";
    case PACKET_OTHERHOST:
      return "P   ";
    case PACKET_OUTGOING:
      return "Out ";
    default:
      return `[${pktType}]`;
  }
}
