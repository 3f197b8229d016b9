/**
 * What every packet view shares: the bytes `buf[off, off + len)` and a DataView over exactly
 * them. Subclasses add constant field offsets and a static `checked()` for untrusted bytes.
 */
export class PacketView {
  readonly buf: Uint8Array;
  /** Offset of the packet in `buf`. */
  readonly off: number;
  /** Octets available from `off` (the packet, and any link padding after it). */
  readonly len: number;
  protected readonly dv: DataView;

  /** Trusts the caller that the bytes hold what the subclass reads; use `checked` for bytes from outside. */
  constructor(buf: Uint8Array, off: number = 0, len: number = buf.byteLength - off) {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.dv = new DataView(buf.buffer, buf.byteOffset + off, len);
  }
}

/** Does `buf[off, off + len)` lie inside `buf` and hold at least `min` octets? */
export function spanHolds(buf: Uint8Array, off: number, len: number, min: number): boolean {
  return off >= 0 && len >= min && off + len <= buf.byteLength;
}
