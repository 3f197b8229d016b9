/** iputils' ways of writing times, addresses and ICMP errors. */
import { ipv4ToString } from "@vnet/core";

/** A round trip in microseconds as ping prints it after `time=`. */
export function tripTime(us: number): string {
  if (us >= 100000 - 50) return `${Math.floor((us + 500) / 1000)}`;
  if (us >= 10000 - 5) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, "0")}`;
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, "0")}`;
}

/** µs as "%ld.%03ld" milliseconds (the statistics line). */
export function ms3(us: number): string {
  const v = Math.round(us);
  return `${Math.floor(v / 1000)}.${String(v % 1000).padStart(3, "0")}`;
}

const UNREACH = [
  "Destination Net Unreachable", "Destination Host Unreachable", "Destination Protocol Unreachable", "Destination Port Unreachable",
  "Frag needed and DF set", "Source Route Failed", "Destination Net Unknown", "Destination Host Unknown", "Source Host Isolated",
  "Destination Net Prohibited", "Destination Host Prohibited", "Destination Net Unreachable for Type of Service",
  "Destination Host Unreachable for Type of Service", "Packet filtered", "Precedence Violation", "Precedence Cutoff",
];

/** pr_icmph(): the text of an ICMP error. */
export function icmpText(type: number, code: number, info: number): string {
  switch (type) {
    case 3:
      if (code === 4) return `Frag needed and DF set (mtu = ${info})`;
      return UNREACH[code] ?? `Dest Unreachable, Bad Code: ${code}`;
    case 4:
      return "Source Quench";
    case 5:
      return ["Redirect Network", "Redirect Host", "Redirect Type of Service and Network", "Redirect Type of Service and Host"][code] ?? `Redirect, Bad Code: ${code}`;
    case 11:
      return code === 0 ? "Time to live exceeded" : code === 1 ? "Frag reassembly time exceeded" : `Time exceeded, Bad Code: ${code}`;
    case 12:
      return `Parameter problem: pointer = ${info}`;
    default:
      return `Bad ICMP type: ${type}`;
  }
}

/** pr_addr(): "name (a.b.c.d)" when a name is known and wanted, else the address. */
export function prAddr(addr: number, name: string | null): string {
  const ip = ipv4ToString(addr);
  return name === null ? ip : `${name} (${ip})`;
}
