/** Number parsing as iproute2's get_unsigned/get_integer do it (decimal, 0x hex, 0 octal). */

function parseC(s: string): number | null {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m === null) return null;
  const body = m[2]!;
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith("0") ? parseInt(body, 8) : Number(body);
  return m[1] === "-" ? -n : n;
}

/** get_unsigned(): 0..2^32-1. */
export function parseU32(s: string): number | null {
  const n = parseC(s);
  return n === null || n < 0 || n > 0xffffffff ? null : n;
}

/** get_integer() for txqueuelen: -1 is 4294967295, as the kernel sees it. */
export function parseTxqlen(s: string): number | null {
  const n = parseC(s);
  if (n === null || n < -0x80000000 || n > 0x7fffffff) return null;
  return n >>> 0;
}
