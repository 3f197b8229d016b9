/**
 * libpcap classic savefile format (pcap-savefile(5)): what `tcpdump -w` writes and `tcpdump -r`,
 * `tshark -r` and Wireshark read. Works on Uint8Array only; file I/O belongs to the caller.
 *
 * The reader follows libpcap 1.10 (sf-pcap.c, savefile.c) check for check, and its errors carry
 * libpcap's exact wording so `vnet tcpdump -r` can print them as tcpdump does.
 */

/** Microsecond-resolution magic, written by libpcap by default. */
export const PCAP_MAGIC: number = 0xa1b2c3d4;
/** Nanosecond-resolution magic (`tcpdump --time-stamp-precision=nano -w`). */
export const PCAP_MAGIC_NANOS: number = 0xa1b23c4d;
/** Alexey Kuznetzov's patched libpcap: same file header, 24-byte record headers. */
export const PCAP_MAGIC_KUZNETZOV: number = 0xa1b2cd34;
/** pcapng Section Header Block type, recognised only to say that it is not supported. */
const PCAPNG_MAGIC = 0x0a0d0d0a;

export const PCAP_VERSION_MAJOR: number = 2;
export const PCAP_VERSION_MINOR: number = 4;
/** libpcap's MAXIMUM_SNAPLEN, the default snapshot length of tcpdump. */
export const PCAP_MAX_SNAPLEN: number = 262144;
export const LINKTYPE_ETHERNET: number = 1;

const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
const KUZNETZOV_RECORD_HEADER_LEN = 24;

/** A malformed or truncated savefile; `message` is libpcap's. */
export class PcapFormatError extends Error {
  override readonly name: string = "PcapFormatError";
  /**
   * What was read before the error when the global header was fine (tcpdump prints those packets
   * and then `tcpdump: pcap_loop: <message>`); undefined when the file header itself is bad.
   */
  readonly partial: PcapFile | undefined;

  constructor(message: string, partial?: PcapFile | undefined) {
    super(message);
    this.partial = partial;
  }
}

/** One packet record. `data` is a view into the bytes given to `readPcap` (no copy). */
export interface PcapRecord {
  tsSec: number;
  /** Microseconds, as libpcap hands them out by default (nanosecond files are scaled down). */
  tsUsec: number;
  /** Nanoseconds: exact for nanosecond files, `tsUsec * 1000` otherwise. */
  tsNsec: number;
  /** Length of the packet on the wire. */
  origLen: number;
  /** Captured bytes (incl_len of them, cut to the snapshot length). */
  data: Uint8Array;
}

export interface PcapFile {
  /** LINKTYPE_* value (the low 26 bits of the header field). */
  linktype: number;
  /** Snapshot length after libpcap's adjustment (0 or absurd values become the maximum). */
  snaplen: number;
  /** True for the nanosecond magic. */
  nanos: boolean;
  /** True when the file was written big-endian. */
  bigEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  records: PcapRecord[];
}

/** libpcap's max_snaplen_for_dlt(): a few link types allow bigger packets. */
function maxSnaplenForLinktype(linktype: number): number {
  switch (linktype) {
    case 231: // LINKTYPE_DBUS
      return 128 * 1024 * 1024;
    case 279: // LINKTYPE_EBHSCR
      return 8 * 1024 * 1024;
    case 249: // LINKTYPE_USBPCAP
      return 1024 * 1024;
    default:
      return PCAP_MAX_SNAPLEN;
  }
}

/** Whether record headers hold caplen and len in pre-2.3 order. */
const SWAPPED_NO = 0;
const SWAPPED_YES = 1;
const SWAPPED_MAYBE = 2;

/**
 * Parse a classic pcap savefile of either byte order, micro- or nanosecond resolution.
 * Throws `PcapFormatError` with libpcap's message on a malformed or truncated file.
 */
export function readPcap(bytes: Uint8Array): PcapFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = bytes.byteLength;

  if (total < 4) {
    throw new PcapFormatError(`truncated dump file; tried to read 4 file header bytes, only got ${total}`);
  }
  let littleEndian: boolean;
  let magic = view.getUint32(0, true);
  if (magic === PCAP_MAGIC || magic === PCAP_MAGIC_NANOS || magic === PCAP_MAGIC_KUZNETZOV) {
    littleEndian = true;
  } else {
    magic = view.getUint32(0, false);
    if (magic === PCAP_MAGIC || magic === PCAP_MAGIC_NANOS || magic === PCAP_MAGIC_KUZNETZOV) {
      littleEndian = false;
    } else if (magic === PCAPNG_MAGIC) {
      throw new PcapFormatError("pcapng savefiles are not supported; convert with `editcap -F pcap`");
    } else {
      throw new PcapFormatError("unknown file format");
    }
  }
  if (total < FILE_HEADER_LEN) {
    // libpcap reports the bytes read after the 4-byte magic, not counting it.
    throw new PcapFormatError(
      `truncated dump file; tried to read ${FILE_HEADER_LEN} file header bytes, only got ${total - 4}`,
    );
  }

  const versionMajor = view.getUint16(4, littleEndian);
  const versionMinor = view.getUint16(6, littleEndian);
  const rawSnaplen = view.getUint32(16, littleEndian);
  const linktype = view.getUint32(20, littleEndian) & 0x03ffffff;

  if (versionMajor < PCAP_VERSION_MAJOR) {
    throw new PcapFormatError("archaic pcap savefile format");
  }
  // Versions 2.0 to 2.4, and DG/UX tcpdump's 543.0.
  const supported = (versionMajor === PCAP_VERSION_MAJOR && versionMinor <= PCAP_VERSION_MINOR) || (versionMajor === 543 && versionMinor === 0);
  if (!supported) {
    throw new PcapFormatError(`unsupported pcap savefile version ${versionMajor}.${versionMinor}`);
  }

  const maxSnaplen = maxSnaplenForLinktype(linktype);
  const snaplen = rawSnaplen === 0 || rawSnaplen > maxSnaplen ? maxSnaplen : rawSnaplen;
  const nanos = magic === PCAP_MAGIC_NANOS;
  const recordHeaderLen = magic === PCAP_MAGIC_KUZNETZOV ? KUZNETZOV_RECORD_HEADER_LEN : RECORD_HEADER_LEN;

  // caplen and len were interchanged at version 2.3; some 2.3 files predate the change.
  let lengthsSwapped = SWAPPED_NO;
  if (versionMajor === 2) {
    if (versionMinor < 3) lengthsSwapped = SWAPPED_YES;
    else if (versionMinor === 3) lengthsSwapped = SWAPPED_MAYBE;
  } else if (versionMajor === 543) {
    lengthsSwapped = SWAPPED_YES;
  }

  const file: PcapFile = { linktype, snaplen, nanos, bigEndian: !littleEndian, versionMajor, versionMinor, records: [] };
  let off = FILE_HEADER_LEN;
  while (off < total) {
    const left = total - off;
    if (left < recordHeaderLen) {
      throw new PcapFormatError(
        `truncated dump file; tried to read ${recordHeaderLen} header bytes, only got ${left}`,
        file,
      );
    }
    const tsSec = view.getUint32(off, littleEndian);
    const frac = view.getUint32(off + 4, littleEndian);
    let caplen = view.getUint32(off + 8, littleEndian);
    let origLen = view.getUint32(off + 12, littleEndian);
    off += recordHeaderLen;

    if (lengthsSwapped === SWAPPED_YES || (lengthsSwapped === SWAPPED_MAYBE && caplen > origLen)) {
      const t = caplen;
      caplen = origLen;
      origLen = t;
    }

    if (caplen > maxSnaplen) {
      throw new PcapFormatError(
        caplen > snaplen
          ? `invalid packet capture length ${caplen}, bigger than snaplen of ${snaplen}`
          : `invalid packet capture length ${caplen}, bigger than maximum of ${maxSnaplen}`,
        file,
      );
    }

    const avail = total - off;
    let keep = caplen;
    if (caplen > snaplen) {
      // libpcap reads snaplen bytes, discards the rest and reports caplen = snaplen.
      if (avail < snaplen) {
        throw new PcapFormatError(`truncated dump file; tried to read ${snaplen} captured bytes, only got ${avail}`, file);
      }
      keep = snaplen;
    }
    if (avail < caplen) {
      throw new PcapFormatError(`truncated dump file; tried to read ${caplen} captured bytes, only got ${avail}`, file);
    }

    const tsUsec = nanos ? Math.floor(frac / 1000) : frac;
    const tsNsec = nanos ? frac : frac * 1000;
    file.records.push({ tsSec, tsUsec, tsNsec, origLen, data: bytes.subarray(off, off + keep) });
    off += caplen;
  }
  return file;
}

export interface PcapWriterOptions {
  /** Snapshot length written in the header; longer packets are cut to it. Default 262144. */
  snaplen?: number | undefined;
  /** LINKTYPE_* of the records. Default LINKTYPE_ETHERNET (1). */
  linktype?: number | undefined;
}

const CHUNK_SIZE = 64 * 1024;

function checkU32(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`pcap: ${what} ${v} is not an unsigned 32-bit integer`);
  }
}

/**
 * Writes a little-endian, microsecond-resolution pcap savefile (as libpcap on x86 does) into
 * growable chunks; `bytes()` returns the file so far.
 */
export class PcapWriter {
  readonly snaplen: number;
  readonly linktype: number;
  #chunks: Uint8Array[] = [];
  #current: Uint8Array;
  #view: DataView;
  #used = 0;
  #length = 0;
  #records = 0;
  #cache: Uint8Array | undefined;

  constructor(options: PcapWriterOptions = {}) {
    const snaplen = options.snaplen ?? PCAP_MAX_SNAPLEN;
    const linktype = options.linktype ?? LINKTYPE_ETHERNET;
    checkU32("snaplen", snaplen);
    if (snaplen === 0) throw new RangeError("pcap: snaplen must be positive");
    checkU32("linktype", linktype);
    this.snaplen = snaplen;
    this.linktype = linktype;
    this.#current = new Uint8Array(CHUNK_SIZE);
    this.#view = new DataView(this.#current.buffer, this.#current.byteOffset, this.#current.byteLength);
    const v = this.#reserve(FILE_HEADER_LEN);
    v.setUint32(this.#used, PCAP_MAGIC, true);
    v.setUint16(this.#used + 4, PCAP_VERSION_MAJOR, true);
    v.setUint16(this.#used + 6, PCAP_VERSION_MINOR, true);
    v.setInt32(this.#used + 8, 0, true); // thiszone
    v.setUint32(this.#used + 12, 0, true); // sigfigs
    v.setUint32(this.#used + 16, snaplen, true);
    v.setUint32(this.#used + 20, linktype, true);
    this.#advance(FILE_HEADER_LEN);
  }

  /** Number of packet records written. */
  get recordCount(): number {
    return this.#records;
  }

  /** Size of the file so far, header included. */
  get byteLength(): number {
    return this.#length;
  }

  /**
   * Append one record. `data` is cut to the snapshot length; `origLen` (the length on the wire)
   * defaults to `data.length`. `tsUsec` must be below 1 000 000.
   */
  writePacket(data: Uint8Array, tsSec: number, tsUsec: number, origLen: number = data.length): void {
    checkU32("timestamp seconds", tsSec);
    if (!Number.isInteger(tsUsec) || tsUsec < 0 || tsUsec > 999999) {
      throw new RangeError(`pcap: timestamp microseconds ${tsUsec} out of range 0..999999`);
    }
    checkU32("original length", origLen);
    const incl = data.length < this.snaplen ? data.length : this.snaplen;
    if (origLen < incl) {
      throw new RangeError(`pcap: original length ${origLen} is shorter than the ${incl} captured bytes`);
    }
    const v = this.#reserve(RECORD_HEADER_LEN + incl);
    const at = this.#used;
    v.setUint32(at, tsSec, true);
    v.setUint32(at + 4, tsUsec, true);
    v.setUint32(at + 8, incl, true);
    v.setUint32(at + 12, origLen, true);
    this.#current.set(incl === data.length ? data : data.subarray(0, incl), at + RECORD_HEADER_LEN);
    this.#advance(RECORD_HEADER_LEN + incl);
    this.#records++;
  }

  /** The whole file so far (header and every record), as one contiguous array. */
  bytes(): Uint8Array {
    if (this.#cache !== undefined) return this.#cache;
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    out.set(this.#current.subarray(0, this.#used), at);
    this.#cache = out;
    return out;
  }

  /** Make room for `n` contiguous bytes at `#used` in the current chunk; returns its view. */
  #reserve(n: number): DataView {
    if (this.#current.length - this.#used < n) {
      if (this.#used > 0) this.#chunks.push(this.#current.subarray(0, this.#used));
      this.#current = new Uint8Array(n > CHUNK_SIZE ? n : CHUNK_SIZE);
      this.#view = new DataView(this.#current.buffer, this.#current.byteOffset, this.#current.byteLength);
      this.#used = 0;
    }
    return this.#view;
  }

  #advance(n: number): void {
    this.#used += n;
    this.#length += n;
    this.#cache = undefined;
  }
}
