/**
 * ARP for Ethernet and IPv4 (RFC 826, Linux `struct arphdr` followed by `arp_hdr_len` bytes of
 * addresses): the only shape a vnet device speaks, so the address offsets are constants.
 */
import { ETH_ALEN, etherAddrCopy, ipv4ToString, macToString, writeIpv4 } from "./addr.js";
import { ETH_P_IP } from "./ethernet.js";
import { PacketView, spanHolds } from "./view.js";

// Linux `HRD_ETHER`; the device types proper live with the net_device.
const HRD_ETHER = 1;

/** ARP request (Linux `ARPOP_REQUEST`). */
export const ARPOP_REQUEST = 1;
/** ARP reply (Linux `ARPOP_REPLY`). */
export const ARPOP_REPLY = 2;
/** RARP request (Linux `ARPOP_RREQUEST`). */
export const ARPOP_RREQUEST = 3;
/** RARP reply (Linux `ARPOP_RREPLY`). */
export const ARPOP_RREPLY = 4;
/** InARP request (Linux `ARPOP_InREQUEST`). */
export const ARPOP_InREQUEST = 8;
/** InARP reply (Linux `ARPOP_InREPLY`). */
export const ARPOP_InREPLY = 9;
/** (ATM)ARP NAK (Linux `ARPOP_NAK`). */
export const ARPOP_NAK = 10;

/** Octets of an Ethernet/IPv4 ARP packet: 8 of header, 2 * (6 + 4) of addresses. */
export const ARP_PACKET_LEN = 28;

const OFF_HRD = 0;
const OFF_PRO = 2;
const OFF_HLN = 4;
const OFF_PLN = 5;
const OFF_OP = 6;
const OFF_SHA = 8;
const OFF_SIP = 14;
const OFF_THA = 18;
const OFF_TIP = 24;

const ARPOP_NAMES: ReadonlyMap<number, string> = new Map([
  [ARPOP_REQUEST, "Request"],
  [ARPOP_REPLY, "Reply"],
  [ARPOP_RREQUEST, "Reverse Request"],
  [ARPOP_RREPLY, "Reverse Reply"],
  [ARPOP_InREQUEST, "Inverse Request"],
  [ARPOP_InREPLY, "Inverse Reply"],
  [ARPOP_NAK, "NACK Reply"],
]);

/** tcpdump's name of an ARP opcode ("Request", "Reply", ...), or undefined. */
export function arpOpName(op: number): string | undefined {
  return ARPOP_NAMES.get(op);
}

/** A view of an Ethernet/IPv4 ARP packet in `buf[off, off + len)`. */
export class ArpPacket extends PacketView {
  /**
   * A view when the bytes hold a whole ARP packet for Ethernet (hrd 1, hln 6) and IPv4
   * (pro 0x0800, pln 4); null otherwise, as `arp_rcv` drops anything whose sizes it cannot use.
   */
  static checked(buf: Uint8Array, off: number = 0, len: number = buf.byteLength - off): ArpPacket | null {
    if (!spanHolds(buf, off, len, ARP_PACKET_LEN)) return null;
    const b = off;
    if (buf[b + OFF_HRD] !== 0 || buf[b + OFF_HRD + 1] !== HRD_ETHER) return null;
    if (buf[b + OFF_PRO] !== ETH_P_IP >>> 8 || buf[b + OFF_PRO + 1] !== (ETH_P_IP & 0xff)) return null;
    if (buf[b + OFF_HLN] !== ETH_ALEN || buf[b + OFF_PLN] !== 4) return null;
    return new ArpPacket(buf, off, len);
  }

  get hrd(): number {
    return this.dv.getUint16(OFF_HRD);
  }

  get pro(): number {
    return this.dv.getUint16(OFF_PRO);
  }

  get hln(): number {
    return this.dv.getUint8(OFF_HLN);
  }

  get pln(): number {
    return this.dv.getUint8(OFF_PLN);
  }

  get op(): number {
    return this.dv.getUint16(OFF_OP);
  }

  set op(op: number) {
    this.dv.setUint16(OFF_OP, op);
  }

  /** Offset of the sender hardware address in `buf`. */
  get shaOffset(): number {
    return this.off + OFF_SHA;
  }

  /** Offset of the target hardware address in `buf`. */
  get thaOffset(): number {
    return this.off + OFF_THA;
  }

  /** Sender IPv4 address. */
  get sip(): number {
    return this.dv.getUint32(OFF_SIP);
  }

  set sip(addr: number) {
    this.dv.setUint32(OFF_SIP, addr >>> 0);
  }

  /** Target IPv4 address. */
  get tip(): number {
    return this.dv.getUint32(OFF_TIP);
  }

  set tip(addr: number) {
    this.dv.setUint32(OFF_TIP, addr >>> 0);
  }

  /** The sender hardware address as a view sharing the packet's bytes (allocates a view). */
  sha(): Uint8Array {
    return this.buf.subarray(this.off + OFF_SHA, this.off + OFF_SHA + ETH_ALEN);
  }

  /** The target hardware address as a view sharing the packet's bytes (allocates a view). */
  tha(): Uint8Array {
    return this.buf.subarray(this.off + OFF_THA, this.off + OFF_THA + ETH_ALEN);
  }

  copySha(out: Uint8Array, outOff: number = 0): void {
    etherAddrCopy(out, outOff, this.buf, this.off + OFF_SHA);
  }

  copyTha(out: Uint8Array, outOff: number = 0): void {
    etherAddrCopy(out, outOff, this.buf, this.off + OFF_THA);
  }

  /** The operation as tcpdump prints it: `Request who-has 10.0.0.2 tell 10.0.0.1`. */
  override toString(): string {
    const op = this.op;
    const name = arpOpName(op) ?? `Unknown (${op})`;
    const sha = macToString(this.buf, this.off + OFF_SHA);
    const tha = macToString(this.buf, this.off + OFF_THA);
    const sip = ipv4ToString(this.sip);
    const tip = ipv4ToString(this.tip);
    switch (op) {
      case ARPOP_REQUEST: {
        const b = this.buf;
        const t = this.off + OFF_THA;
        const thaSet = (b[t]! | b[t + 1]! | b[t + 2]! | b[t + 3]! | b[t + 4]! | b[t + 5]!) !== 0;
        return `${name} who-has ${tip}${thaSet ? ` (${tha})` : ""} tell ${sip}`;
      }
      case ARPOP_REPLY:
        return `${name} ${sip} is-at ${sha}`;
      case ARPOP_RREQUEST:
      case ARPOP_InREQUEST:
        return `${name} who-is ${tha} tell ${sha}`;
      case ARPOP_RREPLY:
        return `${name} ${tha} at ${tip}`;
      case ARPOP_InREPLY:
        return `${name} ${sha} at ${sip}`;
      default:
        return name;
    }
  }
}

/**
 * Writes an Ethernet/IPv4 ARP packet at `buf[off]` (Linux `arp_create`); `tha` null means zeros,
 * as in a request. Returns the offset after the packet.
 */
export function emitArp(
  buf: Uint8Array,
  off: number,
  op: number,
  sha: Uint8Array,
  sip: number,
  tha: Uint8Array | null,
  tip: number,
): number {
  buf[off + OFF_HRD] = 0;
  buf[off + OFF_HRD + 1] = HRD_ETHER;
  buf[off + OFF_PRO] = ETH_P_IP >>> 8;
  buf[off + OFF_PRO + 1] = ETH_P_IP & 0xff;
  buf[off + OFF_HLN] = ETH_ALEN;
  buf[off + OFF_PLN] = 4;
  buf[off + OFF_OP] = op >>> 8;
  buf[off + OFF_OP + 1] = op;
  etherAddrCopy(buf, off + OFF_SHA, sha, 0);
  writeIpv4(buf, off + OFF_SIP, sip);
  if (tha) etherAddrCopy(buf, off + OFF_THA, tha, 0);
  else buf.fill(0, off + OFF_THA, off + OFF_THA + ETH_ALEN);
  writeIpv4(buf, off + OFF_TIP, tip);
  return off + ARP_PACKET_LEN;
}
