/**
 * iproute2's name tables (lib/rt_names.c over /etc/iproute2/rt_tables, rt_protos and rt_dsfield as
 * Debian ships them, and ip/rtm_map.c's route types): numbers to names and back.
 */
import { parseU32 } from "./parse.js";

type Names = ReadonlyArray<readonly [number, string]>;

const TABLES: Names = [[255, "local"], [254, "main"], [253, "default"], [0, "unspec"]];

const PROTOS: Names = [
  [0, "unspec"], [1, "redirect"], [2, "kernel"], [3, "boot"], [4, "static"], [8, "gated"], [9, "ra"], [10, "mrt"], [11, "zebra"],
  [12, "bird"], [13, "dnrouted"], [14, "xorp"], [15, "ntk"], [16, "dhcp"], [18, "keepalived"], [42, "babel"], [99, "openr"],
  [186, "bgp"], [187, "isis"], [188, "ospf"], [189, "rip"], [192, "eigrp"],
];

const DSFIELDS: Names = [
  [0x00, "default"], [0x28, "AF11"], [0x30, "AF12"], [0x38, "AF13"], [0x48, "AF21"], [0x50, "AF22"], [0x58, "AF23"], [0x68, "AF31"],
  [0x70, "AF32"], [0x78, "AF33"], [0x88, "AF41"], [0x90, "AF42"], [0x98, "AF43"], [0x20, "CS1"], [0x40, "CS2"], [0x60, "CS3"],
  [0x80, "CS4"], [0xa0, "CS5"], [0xc0, "CS6"], [0xe0, "CS7"], [0xb8, "EF"],
];

const RTN_TYPES = [
  "none", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve",
];

/** rtnl_rttable_n2a(). */
export function tableName(id: number): string {
  return TABLES.find(([n]) => n === id)?.[1] ?? String(id);
}

/** rtnl_rttable_a2n(): a name or a number (decimal, 0x hex, 0 octal); null when neither. */
export function tableId(arg: string): number | null {
  return TABLES.find(([, n]) => n === arg)?.[0] ?? parseU32(arg);
}

/** rtnl_rtprot_n2a(). */
export function protoName(id: number): string {
  return PROTOS.find(([n]) => n === id)?.[1] ?? String(id);
}

/** rtnl_rtprot_a2n(): a name or a number up to 255. */
export function protoId(arg: string): number | null {
  const named = PROTOS.find(([, n]) => n === arg)?.[0];
  if (named !== undefined) return named;
  const n = parseU32(arg);
  return n === null || n > 255 ? null : n;
}

/** rtnl_dsfield_n2a(): the class name, else "0x%02x". */
export function dsfieldName(id: number): string {
  return DSFIELDS.find(([n]) => n === id)?.[1] ?? `0x${id.toString(16).padStart(2, "0")}`;
}

/** rtnl_dsfield_a2n(): a class name, or a hexadecimal number (with or without 0x) up to 0xff. */
export function dsfieldId(arg: string): number | null {
  const named = DSFIELDS.find(([, n]) => n === arg)?.[0];
  if (named !== undefined) return named;
  if (!/^\s*(0[xX])?[0-9a-fA-F]+$/.test(arg)) return null;
  const n = parseInt(arg.trim().replace(/^0[xX]/, ""), 16);
  return n > 255 ? null : n;
}

/** rtnl_rtntype_n2a(). */
export function rtntypeName(id: number): string {
  return RTN_TYPES[id] ?? String(id);
}

/** rtnl_rtntype_a2n(): in ip's order of tests, some names abbreviable; or a number up to 255. */
export function rtntypeId(arg: string): number | null {
  const abbrev = (word: string): boolean => arg.length > 0 && word.startsWith(arg);
  if (arg === "local") return 2;
  if (arg === "nat") return 10;
  if (abbrev("broadcast") || arg === "brd") return 3;
  if (abbrev("anycast")) return 4;
  if (abbrev("multicast")) return 5;
  if (abbrev("prohibit")) return 8;
  if (abbrev("unreachable")) return 7;
  if (abbrev("blackhole")) return 6;
  if (abbrev("xresolve")) return 11;
  if (abbrev("unicast")) return 1;
  if (arg === "throw") return 9;
  const n = parseU32(arg);
  return n === null || n > 255 ? null : n;
}

/** print_0xhex()'s "%#llx": 0 is "0", anything else "0x..". */
export function hex0x(n: number): string {
  return n === 0 ? "0" : `0x${(n >>> 0).toString(16)}`;
}

/** check_ifname(): not empty, shorter than IFNAMSIZ, no slash or white space. */
export function validIfname(name: string): boolean {
  return name.length > 0 && name.length < 16 && !/[/\s]/.test(name);
}
