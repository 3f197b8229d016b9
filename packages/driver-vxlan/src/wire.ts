/**
 * The VXLAN header (RFC 7348 section 5, Linux `struct vxlanhdr`): 8 octets after the outer UDP
 * header, then the inner Ethernet frame.
 *
 *   0               1               2               3
 *   |R|R|R|R|I|R|R|R|            Reserved                           |
 *   |                VXLAN Network Identifier (VNI) |   Reserved    |
 */
import { PacketView, spanHolds } from "@vnet/core";

/** Octets of the VXLAN header. */
export const VXLAN_HLEN = 8;
/** The I flag (VXLAN_HF_VNI): the VNI field is valid. The only flag RFC 7348 defines. */
export const VXLAN_HF_VNI = 0x08;
/** VNIs are 24 bits (VXLAN_N_VID). */
export const VXLAN_N_VID: number = 1 << 24;
/** The IANA-assigned destination port. */
export const IANA_VXLAN_UDP_PORT = 4789;
/** The port Linux uses when `ip link add ... type vxlan` is given no `dstport` (pre-IANA). */
export const LINUX_VXLAN_UDP_PORT = 8472;
/** Outer IPv4 + UDP + VXLAN + inner Ethernet header: what the tunnel costs per frame (VXLAN_HEADROOM). */
export const VXLAN_HEADROOM: number = 20 + 8 + VXLAN_HLEN + 14;

/** A view of a VXLAN header in `buf[off, off + len)`; `len` covers the header and the inner frame. */
export class VxlanHeader extends PacketView {
  /** A view when at least the 8 header octets are there; null otherwise (a short datagram). */
  static checked(buf: Uint8Array, off: number = 0, len: number = buf.byteLength - off): VxlanHeader | null {
    return spanHolds(buf, off, len, VXLAN_HLEN) ? new VxlanHeader(buf, off, len) : null;
  }

  /** The flags octet; 0x08 (I) on a valid header. */
  get flags(): number {
    return this.dv.getUint8(0);
  }

  /** The 24-bit VXLAN Network Identifier. */
  get vni(): number {
    return this.dv.getUint32(4) >>> 8;
  }

  /**
   * RFC 7348 says reserved bits are ignored on receipt; Linux drops a header with any bit other
   * than I set (no GBP/GPE extension negotiated), and so does vnet.
   */
  get valid(): boolean {
    return this.dv.getUint32(0) === VXLAN_HF_VNI << 24 && (this.dv.getUint8(7) === 0);
  }

  get payloadOffset(): number {
    return this.off + VXLAN_HLEN;
  }

  get payloadLength(): number {
    return this.len - VXLAN_HLEN;
  }

  /** As tcpdump prints it: `VXLAN, flags [I] (0x08), vni 42`. */
  override toString(): string {
    const f = this.flags;
    return `VXLAN, flags [${f & VXLAN_HF_VNI ? "I" : "."}] (0x${f.toString(16).padStart(2, "0")}), vni ${this.vni}`;
  }
}

/** Writes a VXLAN header for `vni` at `buf[off]` (flags I, reserved zero); returns the payload offset. */
export function emitVxlanHeader(buf: Uint8Array, off: number, vni: number): number {
  buf[off] = VXLAN_HF_VNI;
  buf[off + 1] = 0;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  buf[off + 4] = vni >>> 16;
  buf[off + 5] = vni >>> 8;
  buf[off + 6] = vni;
  buf[off + 7] = 0;
  return off + VXLAN_HLEN;
}
