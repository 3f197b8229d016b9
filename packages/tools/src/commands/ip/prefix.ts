/** Addresses and prefixes as iproute2 reads and prints them (get_prefix, format_host, rtnl_rtscope_n2a). */
import { ipv4ToString, parseIpv4, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_SITE, RT_SCOPE_UNIVERSE } from "@vnet/core";
import { fail, type Ip } from "./common.js";

export interface Prefix {
  addr: number;
  len: number;
  /** A length was written (`/24`), rather than implied. */
  explicit: boolean;
}

/** get_prefix(): "A.B.C.D[/LEN]", "default", "any" or "all"; exit(1) as iproute2 on bad input. */
export function parsePrefix(ip: Ip, arg: string, allowDefault = true): Prefix {
  if (allowDefault && (arg === "default" || arg === "any" || arg === "all")) return { addr: 0, len: 0, explicit: true };
  const slash = arg.indexOf("/");
  const addrText = slash < 0 ? arg : arg.slice(0, slash);
  const lenText = slash < 0 ? undefined : arg.slice(slash + 1);
  const addr = parseIpv4(addrText);
  const len = lenText === undefined ? 32 : /^\d{1,2}$/.test(lenText) ? Number(lenText) : NaN;
  if (addr === null || !(len >= 0 && len <= 32)) fail(ip, `Error: any valid prefix is expected rather than "${arg}".`, 1, true);
  return { addr, len, explicit: lenText !== undefined };
}

/** get_addr(): one address. */
export function parseAddr(ip: Ip, arg: string, what = "address"): number {
  const a = parseIpv4(arg);
  if (a === null) fail(ip, `Error: an inet ${what} is expected rather than "${arg}".`, 1, true);
  return a;
}

/** How ip prints a route destination: "default", "A.B.C.D" for /32, else "A.B.C.D/LEN". */
export function formatDst(addr: number, len: number): string {
  if (len === 0 && addr === 0) return "default";
  return len === 32 ? ipv4ToString(addr) : `${ipv4ToString(addr)}/${len}`;
}

const SCOPES: ReadonlyArray<readonly [number, string]> = [
  [RT_SCOPE_UNIVERSE, "global"], [RT_SCOPE_SITE, "site"], [RT_SCOPE_LINK, "link"], [RT_SCOPE_HOST, "host"], [RT_SCOPE_NOWHERE, "nowhere"],
];

export function scopeName(scope: number): string {
  return SCOPES.find(([n]) => n === scope)?.[1] ?? String(scope);
}

/** rtnl_rtscope_a2n(): names ("global", "link", "host", "site", "nowhere") or numbers. */
export function parseScope(ip: Ip, arg: string): number {
  const named = SCOPES.find(([, n]) => n === arg)?.[0];
  if (named !== undefined) return named;
  if (arg === "universe") return RT_SCOPE_UNIVERSE;
  const n = Number(arg);
  if (!/^\d+$/.test(arg) || n > 255) fail(ip, `Error: argument "${arg}" is wrong: invalid scope value.\n`, 255);
  return n;
}
