/** tcpdump's command line (the options vnet implements). */
import type { TimeMode } from "./format.js";

export interface TcpdumpOptions {
  iface: string | undefined;
  /** -n count: 1 addresses, 2 also ports. */
  numeric: number;
  link: boolean;
  verbose: number;
  count: number;
  write: string | undefined;
  read: string | undefined;
  snaplen: number;
  promisc: boolean;
  time: TimeMode;
  quiet: boolean;
  /** -Q: which directions to capture. */
  direction: "in" | "out" | "inout";
  expr: string;
}

export const USAGE = `tcpdump version 4.99.3 (vnet)
libpcap version 1.10.3 (vnet)
Usage: tcpdump [-eLnpqtvx] [ -c count ] [ -i interface ] [ -Q in|out|inout ]
		[ -r file ] [ -s snaplen ] [ -w file ] [ expression ]
`;

/** Parses argv; a string is the error message to print (after "tcpdump: "), exit 1. */
export function parseTcpdump(argv: readonly string[]): TcpdumpOptions | { error: string; usage?: boolean } {
  const o: TcpdumpOptions = {
    iface: undefined, numeric: 0, link: false, verbose: 0, count: 0, write: undefined, read: undefined, snaplen: 262144,
    promisc: true, time: 0, quiet: false, direction: "inout", expr: "",
  };
  const words: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-") || a === "-" || words.length > 0) {
      words.push(a);
      continue;
    }
    if (a === "--help" || a === "-h") return { error: "", usage: true };
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const value = (): string | null => {
        const rest = a.slice(j + 1);
        j = a.length;
        if (rest !== "") return rest;
        const v = argv[++i];
        return v ?? null;
      };
      switch (c) {
        case "n":
          o.numeric++;
          break;
        case "e":
          o.link = true;
          break;
        case "v":
          o.verbose++;
          break;
        case "p":
          o.promisc = false;
          break;
        case "q":
          o.quiet = true;
          break;
        case "t":
          o.time = Math.min(4, o.time + (o.time === 0 ? 1 : 1)) as TimeMode;
          break;
        case "l":
        case "U":
        case "S":
          break;
        case "i":
        case "c":
        case "w":
        case "r":
        case "s":
        case "Q": {
          const v = value();
          if (v === null) return { error: `option requires an argument -- '${c}'`, usage: true };
          if (c === "i") o.iface = v;
          else if (c === "w") o.write = v;
          else if (c === "r") o.read = v;
          else if (c === "Q") {
            if (v !== "in" && v !== "out" && v !== "inout") return { error: `${v} is not a valid direction` };
            o.direction = v;
          } else {
            const n = Number(v);
            if (!/^\d+$/.test(v) || (c === "c" && n <= 0)) return { error: `invalid ${c === "c" ? "packet count" : "snaplen"} ${v}` };
            if (c === "c") o.count = n;
            else o.snaplen = n === 0 ? 262144 : n;
          }
          break;
        }
        default:
          return { error: `invalid option -- '${c}'`, usage: true };
      }
    }
  }
  // -tt is the epoch, -ttt deltas (shown as -tt here), -tttt dates.
  if (o.time === 3) o.time = 2;
  o.expr = words.join(" ");
  return o;
}
