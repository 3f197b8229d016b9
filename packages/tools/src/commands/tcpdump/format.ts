/** Timestamps and name resolution of tcpdump's lines. */
import type { CommandContext } from "../../shell/types.js";
import { parseIpv4 } from "@vnet/core";

/** -t count: 0 time of day, 1 none (-t), 2 epoch (-tt), 4 date and time (-tttt). */
export type TimeMode = 0 | 1 | 2 | 3 | 4;

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** The timestamp tcpdump prints, followed by a space (nothing for -t). */
export function timestamp(mode: TimeMode, sec: number, usec: number): string {
  const frac = String(usec).padStart(6, "0");
  if (mode === 1) return "";
  if (mode === 2) return `${sec}.${frac} `;
  const d = new Date(sec * 1000);
  const tod = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${frac}`;
  if (mode === 4) return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${tod} `;
  return `${tod} `;
}

/** Without -n, addresses that /etc/hosts names are printed by name. */
export function resolveNames(ctx: CommandContext, line: string): string {
  return line.replace(/\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\d])/g, (m) => {
    const a = parseIpv4(m);
    return a === null ? m : ctx.hostName(a) ?? m;
  });
}
