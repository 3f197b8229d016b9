// tc's ways of writing times, rates and percentages (iproute2 get_time, get_rate, get_percent)
// and of printing them back.

const NUM = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[-+]?[0-9]+)?/i;

function split(s: string): [number, string] | null {
  const m = NUM.exec(s);
  if (m === null) return null;
  return [Number(m[0]), s.slice(m[0].length).toLowerCase()];
}

const TIME_UNITS: Readonly<Record<string, number>> = {
  "": 1e3, s: 1e9, sec: 1e9, secs: 1e9, ms: 1e6, msec: 1e6, msecs: 1e6, us: 1e3, usec: 1e3, usecs: 1e3, ns: 1, nsec: 1, nsecs: 1,
};

/** A tc time ("100ms", "1.5s", "250us"; a bare number is microseconds) in ns, or null. */
export function parseTime(s: string): number | null {
  const p = split(s);
  const mult = p === null ? undefined : TIME_UNITS[p[1]];
  return p === null || mult === undefined ? null : Math.round(p[0] * mult);
}

const RATE_UNITS: Readonly<Record<string, number>> = {
  "": 1, bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12, kibit: 1024, mibit: 1024 ** 2, gibit: 1024 ** 3, tibit: 1024 ** 4,
  bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9, tbps: 8e12, kibps: 8 * 1024, mibps: 8 * 1024 ** 2, gibps: 8 * 1024 ** 3, tibps: 8 * 1024 ** 4,
};

/** A tc rate ("1mbit", "100kbps" is bytes; a bare number is bits) in bits per second, or null. */
export function parseRate(s: string): number | null {
  const p = split(s);
  const mult = p === null ? undefined : RATE_UNITS[p[1]];
  return p === null || mult === undefined ? null : Math.round(p[0] * mult);
}

/** A tc percentage ("25%" or "25"), or null. */
export function parsePercent(s: string): number | null {
  const p = split(s);
  return p === null || (p[1] !== "" && p[1] !== "%") ? null : p[0];
}

/** Is `s` a number for tc's NEXT_IS_NUMBER (optional arguments)? */
export function isNumber(s: string | undefined): boolean {
  return s !== undefined && NUM.test(s);
}

function g3(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** tc's sprint_time64: "100ms", "1.5s", "250us". */
export function formatTime(ns: number): string {
  if (ns >= 1e9) return `${g3(ns / 1e9)}s`;
  if (ns >= 1e6) return `${g3(ns / 1e6)}ms`;
  if (ns >= 1e3) return `${g3(ns / 1e3)}us`;
  return `${ns}ns`;
}

/** tc's sprint_rate: "1Mbit", "64Kbit", "1500bit". */
export function formatRate(bps: number): string {
  const units = ["", "K", "M", "G", "T"];
  let i = 0;
  let v = bps;
  while (i < units.length - 1 && v >= 1000 && v % 1000 === 0) {
    v /= 1000;
    i++;
  }
  return `${v}${units[i]}bit`;
}

export function formatPercent(p: number): string {
  return `${g3(p)}%`;
}
