/**
 * Ethernet II frames (Linux `struct ethhdr`): destination, source, ethertype, payload.
 */
import { ETH_ALEN, etherAddrCopy, isBroadcastEther, isMulticastEther, macToString } from "./addr.js";
import { PacketView, spanHolds } from "./view.js";

/** Octets in an Ethernet header (Linux `ETH_HLEN`). */
export const ETH_HLEN = 14;
/** Minimum frame length without FCS; shorter frames are padded (Linux `ETH_ZLEN`). */
export const ETH_ZLEN = 60;
/** Maximum payload, the default MTU (Linux `ETH_DATA_LEN`). */
export const ETH_DATA_LEN = 1500;
/** Maximum frame length without FCS (Linux `ETH_FRAME_LEN`). */
export const ETH_FRAME_LEN = 1514;
/** Minimum payload (Linux `ETH_MIN_MTU`). */
export const ETH_MIN_MTU = 68;

/** Ethernet loopback packet (Linux `ETH_P_LOOP`). */
export const ETH_P_LOOP = 0x0060;
/** Internet Protocol v4 (Linux `ETH_P_IP`). */
export const ETH_P_IP = 0x0800;
/** Address Resolution Protocol (Linux `ETH_P_ARP`). */
export const ETH_P_ARP = 0x0806;
/** Reverse ARP (Linux `ETH_P_RARP`). */
export const ETH_P_RARP = 0x8035;
/** 802.1Q VLAN tag (Linux `ETH_P_8021Q`). */
export const ETH_P_8021Q = 0x8100;
/** Internet Protocol v6 (Linux `ETH_P_IPV6`). */
export const ETH_P_IPV6 = 0x86dd;
/** 802.1ad QinQ service tag (Linux `ETH_P_8021AD`). */
export const ETH_P_8021AD = 0x88a8;
/** Values below this are 802.3 lengths, not ethertypes (Linux `ETH_P_802_3_MIN`). */
export const ETH_P_802_3_MIN = 0x0600;
/** Every protocol: a packet tap's wildcard, never on the wire (Linux `ETH_P_ALL`). */
export const ETH_P_ALL = 0x0003;

const OFF_DST = 0;
const OFF_SRC = 6;
const OFF_TYPE = 12;

// The names tcpdump prints.
const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [ETH_P_IP, "IPv4"],
  [0x8847, "MPLS unicast"],
  [0x8848, "MPLS multicast"],
  [ETH_P_IPV6, "IPv6"],
  [ETH_P_8021Q, "802.1Q"],
  [0x9100, "802.1Q-9100"],
  [ETH_P_8021AD, "802.1Q-QinQ"],
  [0x9200, "802.1Q-9200"],
  [0x88e5, "802.1AE MACsec"],
  [0x0200, "PUP"],
  [ETH_P_ARP, "ARP"],
  [ETH_P_RARP, "Reverse ARP"],
  [0x0600, "NS"],
  [0x0500, "Sprite"],
  [0x1000, "Trail"],
  [0x6001, "MOP DL"],
  [0x6002, "MOP RC"],
  [0x6003, "DN"],
  [0x6004, "LAT"],
  [0x6007, "SCA"],
  [0x6558, "TEB"],
  [0x8038, "Lanbridge"],
  [0x803c, "DEC DNS"],
  [0x803e, "DEC DTS"],
  [0x805b, "VEXP"],
  [0x805c, "VPROD"],
  [0x809b, "Appletalk"],
  [0x80f3, "Appletalk ARP"],
  [0x8137, "IPX"],
  [0x880b, "PPP"],
  [0x8808, "MPCP"],
  [0x8809, "Slow Protocols"],
  [0x8863, "PPPoE D"],
  [0x8864, "PPPoE S"],
  [0x888e, "EAPOL"],
  [0x8899, "Realtek protocols"],
  [0x886f, "MS NLB heartbeat"],
  [0x8870, "Jumbo"],
  [0x894f, "NSH"],
  [0x9000, "Loopback"],
  [0xfefe, "OSI"],
  [0x00fe, "GRE-OSI"],
  [0xabcd, "CFM (old)"],
  [0x8902, "CFM"],
  [0x893a, "IEEE1905.1"],
  [0x88cc, "LLDP"],
  [0x88ca, "TIPC"],
  [0x0707, "GeoNet (old)"],
  [0x8947, "GeoNet"],
  [0x1111, "CALM FAST"],
  [0x88a2, "AoE"],
  [0x88f7, "PTP"],
  [0xd28b, "Arista Vendor Specific Protocol"],
]);

/** tcpdump's name of an ethertype ("IPv4", "ARP", ...), or undefined when it has none. */
export function ethertypeName(type: number): string | undefined {
  return ETHERTYPE_NAMES.get(type);
}

/** A view of an Ethernet II frame in `buf[off, off + len)`. */
export class EthernetFrame extends PacketView {
  /** A view when the bytes hold at least a header; null otherwise. */
  static checked(buf: Uint8Array, off: number = 0, len: number = buf.byteLength - off): EthernetFrame | null {
    if (!spanHolds(buf, off, len, ETH_HLEN)) return null;
    return new EthernetFrame(buf, off, len);
  }

  /** Offset of the destination address in `buf`. */
  get dstOffset(): number {
    return this.off + OFF_DST;
  }

  /** Offset of the source address in `buf`. */
  get srcOffset(): number {
    return this.off + OFF_SRC;
  }

  /** The destination address, as a view that shares the frame's bytes (allocates a view). */
  dst(): Uint8Array {
    return this.buf.subarray(this.off + OFF_DST, this.off + OFF_DST + ETH_ALEN);
  }

  /** The source address, as a view that shares the frame's bytes (allocates a view). */
  src(): Uint8Array {
    return this.buf.subarray(this.off + OFF_SRC, this.off + OFF_SRC + ETH_ALEN);
  }

  copyDst(out: Uint8Array, outOff: number = 0): void {
    etherAddrCopy(out, outOff, this.buf, this.off + OFF_DST);
  }

  copySrc(out: Uint8Array, outOff: number = 0): void {
    etherAddrCopy(out, outOff, this.buf, this.off + OFF_SRC);
  }

  setDst(mac: Uint8Array, macOff: number = 0): void {
    etherAddrCopy(this.buf, this.off + OFF_DST, mac, macOff);
  }

  setSrc(mac: Uint8Array, macOff: number = 0): void {
    etherAddrCopy(this.buf, this.off + OFF_SRC, mac, macOff);
  }

  /** Group bit of the destination: multicast or broadcast. */
  get isDstMulticast(): boolean {
    return isMulticastEther(this.buf, this.off + OFF_DST);
  }

  get isDstBroadcast(): boolean {
    return isBroadcastEther(this.buf, this.off + OFF_DST);
  }

  /** Ethertype, or an 802.3 length when below `ETH_P_802_3_MIN` (Linux `h_proto`). */
  get ethertype(): number {
    return this.dv.getUint16(OFF_TYPE);
  }

  set ethertype(type: number) {
    this.dv.setUint16(OFF_TYPE, type);
  }

  /** Offset of the payload in `buf`. */
  get payloadOffset(): number {
    return this.off + ETH_HLEN;
  }

  /** Octets after the header, padding included. */
  get payloadLength(): number {
    return this.len - ETH_HLEN;
  }

  /** The payload as a view that shares the frame's bytes (allocates a view). */
  payload(): Uint8Array {
    return this.buf.subarray(this.off + ETH_HLEN, this.off + this.len);
  }

  /** The link-level header as `tcpdump -e` prints it: `src > dst, ethertype IPv4 (0x0800), length 98`. */
  override toString(): string {
    const type = this.ethertype;
    const addrs = `${macToString(this.buf, this.off + OFF_SRC)} > ${macToString(this.buf, this.off + OFF_DST)}, `;
    // tcpdump reads anything up to 1500 as an 802.3 length, trimming the frame to it.
    if (type <= ETH_DATA_LEN) return `${addrs}802.3, length ${Math.min(type, this.len - ETH_HLEN)}`;
    return `${addrs}ethertype ${ethertypeName(type) ?? "Unknown"} (0x${type.toString(16).padStart(4, "0")}), length ${this.len}`;
  }
}

/** Writes an Ethernet header at `buf[off]`; returns the offset of the payload. */
export function emitEthernetHeader(
  buf: Uint8Array,
  off: number,
  dst: Uint8Array,
  src: Uint8Array,
  ethertype: number,
): number {
  etherAddrCopy(buf, off + OFF_DST, dst, 0);
  etherAddrCopy(buf, off + OFF_SRC, src, 0);
  buf[off + OFF_TYPE] = ethertype >>> 8;
  buf[off + OFF_TYPE + 1] = ethertype;
  return off + ETH_HLEN;
}
