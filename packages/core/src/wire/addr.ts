/**
 * Link-layer and IPv4 addresses.
 *
 * An IPv4 address is an unsigned 32-bit number in host order (`>>> 0`), so it compares with `===`
 * and masks with `&` (re-normalise with `>>> 0` after bitwise operators). A MAC address is 6 bytes
 * of a `Uint8Array`; predicates take an offset so they can look into a frame without a copy.
 */

/** Octets in an Ethernet address (Linux `ETH_ALEN`). */
export const ETH_ALEN = 6;

/** ff:ff:ff:ff:ff:ff. Shared: never write into it. */
export const ETH_BROADCAST: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** 0.0.0.0 (Linux `INADDR_ANY`). */
export const INADDR_ANY = 0;
/** 255.255.255.255 (Linux `INADDR_BROADCAST`). */
export const INADDR_BROADCAST = 0xffffffff;
/** 127.0.0.1 (Linux `INADDR_LOOPBACK`). */
export const INADDR_LOOPBACK = 0x7f000001;

/** Dotted-quad text of an IPv4 address, as `inet_ntoa` prints it. */
export function ipv4ToString(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/**
 * Parses a strict dotted quad: four decimal octets 0-255, no leading zeros (they mean octal to
 * `inet_aton`, a classic trap), no spaces or shorthand. Returns null on anything else.
 */
export function parseIpv4(text: string): number | null {
  let addr = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && octet === 0) return null;
      octet = octet * 10 + (c - 0x30);
      if (octet > 255) return null;
      digits++;
    } else if (c === 0x2e) {
      if (digits === 0 || dots === 3) return null;
      addr = addr * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return null;
    }
  }
  if (digits === 0 || dots !== 3) return null;
  return addr * 256 + octet;
}

/** Reads a big-endian IPv4 address at `buf[off]`. */
export function readIpv4(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/** Writes a big-endian IPv4 address at `buf[off]`. */
export function writeIpv4(buf: Uint8Array, off: number, addr: number): void {
  buf[off] = addr >>> 24;
  buf[off + 1] = addr >>> 16;
  buf[off + 2] = addr >>> 8;
  buf[off + 3] = addr;
}

/** The netmask of a prefix length 0-32 (Linux `inet_make_mask`). */
export function inetMakeMask(prefixLen: number): number {
  // A shift by 32 is a shift by 0 in JavaScript, so /0 needs its own case.
  return prefixLen <= 0 ? 0 : (0xffffffff << (32 - Math.min(prefixLen, 32))) >>> 0;
}

/** The prefix length of a contiguous netmask (Linux `inet_mask_len`); check with `badMask` first. */
export function inetMaskLen(mask: number): number {
  // As Linux: 32 minus the lowest set bit, so a non-contiguous mask counts up to its last one.
  return mask >>> 0 === 0 ? 0 : 1 + Math.clz32(mask & -mask);
}

/** True when `mask` is not contiguous or `addr` has host bits outside it (Linux `bad_mask`). */
export function badMask(mask: number, addr: number): boolean {
  const host = ~mask >>> 0;
  if ((addr & host) >>> 0 !== 0) return true;
  return (host & (host + 1)) !== 0;
}

/** 224.0.0.0/4 (Linux `ipv4_is_multicast`). */
export function ipv4IsMulticast(addr: number): boolean {
  return addr >>> 28 === 0xe;
}

/** 224.0.0.0/24, never forwarded (Linux `ipv4_is_local_multicast`). */
export function ipv4IsLocalMulticast(addr: number): boolean {
  return addr >>> 8 === 0xe00000;
}

/** 127.0.0.0/8 (Linux `ipv4_is_loopback`). */
export function ipv4IsLoopback(addr: number): boolean {
  return addr >>> 24 === 127;
}

/** 0.0.0.0 only, as in Linux since 5.3 (`ipv4_is_zeronet`); the rest of 0/8 became usable. */
export function ipv4IsZeronet(addr: number): boolean {
  return addr >>> 0 === 0;
}

/** 255.255.255.255, the limited broadcast (Linux `ipv4_is_lbcast`). */
export function ipv4IsLbcast(addr: number): boolean {
  return addr >>> 0 === INADDR_BROADCAST;
}

const HEX = "0123456789abcdef";

/** Lowercase `aa:bb:cc:dd:ee:ff` text of the 6 bytes at `mac[off]`. */
export function macToString(mac: Uint8Array, off: number = 0): string {
  let s = "";
  for (let i = 0; i < ETH_ALEN; i++) {
    const b = mac[off + i] ?? 0;
    if (i > 0) s += ":";
    s += HEX[b >>> 4]! + HEX[b & 0xf]!;
  }
  return s;
}

/** Parses `aa:bb:cc:dd:ee:ff` (either case, one or two hex digits a byte); null on anything else. */
export function parseMac(text: string): Uint8Array | null {
  const parts = text.split(":");
  if (parts.length !== ETH_ALEN) return null;
  const mac = new Uint8Array(ETH_ALEN);
  for (let i = 0; i < ETH_ALEN; i++) {
    const p = parts[i]!;
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    mac[i] = parseInt(p, 16);
  }
  return mac;
}

/** Group bit set: multicast or broadcast (Linux `is_multicast_ether_addr`). */
export function isMulticastEther(mac: Uint8Array, off: number = 0): boolean {
  return ((mac[off] ?? 0) & 0x01) !== 0;
}

/** ff:ff:ff:ff:ff:ff (Linux `is_broadcast_ether_addr`). */
export function isBroadcastEther(mac: Uint8Array, off: number = 0): boolean {
  return (
    mac[off] === 0xff &&
    mac[off + 1] === 0xff &&
    mac[off + 2] === 0xff &&
    mac[off + 3] === 0xff &&
    mac[off + 4] === 0xff &&
    mac[off + 5] === 0xff
  );
}

/** 00:00:00:00:00:00 (Linux `is_zero_ether_addr`). */
export function isZeroEther(mac: Uint8Array, off: number = 0): boolean {
  return (
    mac[off] === 0 && mac[off + 1] === 0 && mac[off + 2] === 0 && mac[off + 3] === 0 && mac[off + 4] === 0 && mac[off + 5] === 0
  );
}

/** Locally administered bit set, as in addresses from `eth_random_addr` (Linux `is_local_ether_addr`). */
export function isLocalAdministered(mac: Uint8Array, off: number = 0): boolean {
  return ((mac[off] ?? 0) & 0x02) !== 0;
}

/** A unicast, non-zero address a device may own (Linux `is_valid_ether_addr`). */
export function isValidEther(mac: Uint8Array, off: number = 0): boolean {
  return !isMulticastEther(mac, off) && !isZeroEther(mac, off);
}

/** Compares the 6 bytes at `a[aOff]` and `b[bOff]` (Linux `ether_addr_equal`). */
export function etherAddrEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  return (
    a[aOff] === b[bOff] &&
    a[aOff + 1] === b[bOff + 1] &&
    a[aOff + 2] === b[bOff + 2] &&
    a[aOff + 3] === b[bOff + 3] &&
    a[aOff + 4] === b[bOff + 4] &&
    a[aOff + 5] === b[bOff + 5]
  );
}

/** Copies 6 bytes from `src[srcOff]` to `dst[dstOff]` (Linux `ether_addr_copy`). */
export function etherAddrCopy(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number): void {
  for (let i = 0; i < ETH_ALEN; i++) dst[dstOff + i] = src[srcOff + i]!;
}
