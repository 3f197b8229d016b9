/** iputils ping's command line: the options vnet implements, with ping's own error wording. */

export interface PingOptions {
  count: number;
  /** Milliseconds between requests; 0 with -f. */
  interval: number;
  intervalGiven: boolean;
  size: number;
  ttl: number | undefined;
  /** -W: seconds to wait after the last request when nothing came back (10 by default). */
  linger: number | undefined;
  /** -w: seconds before ping stops, whatever happened; requests go on past -c until then. */
  deadline: number | undefined;
  iface: string | undefined;
  quiet: boolean;
  flood: boolean;
  numeric: boolean;
  target: string;
}

export const PING_USAGE = `
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -c <count>         stop after <count> replies
  -f                 flood ping
  -i <interval>      seconds between sending each packet
  -I <interface>     either interface name or address
  -n                 no dns name resolution
  -q                 quiet output
  -s <size>          use <size> as number of data bytes to be sent
  -t <ttl>           define time to live
  -W <timeout>       time to wait for response
  -w <deadline>      reply wait <deadline> in seconds

For more details see ping(8).
`;

/** A usage problem: the message after "ping: ", exit 2. */
export class PingUsage extends Error {}

function num(arg: string, min: number, max: number, integer: boolean): number {
  const n = Number(arg);
  if (arg.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new PingUsage(`invalid argument: '${arg}'`);
  if (n < min || n > max) throw new PingUsage(`invalid argument: '${arg}': out of range: ${min} <= value <= ${max}`);
  return n;
}

/** The longest decimal number strtod() takes from the start of a string. */
const STRTOD = /^[ \t\n\v\f\r]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

/**
 * ping_strtod(): a number that may carry trailing garbage (warned about, still taken); an empty or
 * infinite one is `what: ARG`, exit 2.
 */
function strtod(arg: string, what: string, warnings: string[]): number {
  if (arg === "") throw new PingUsage(`${what}: ${arg}`);
  const m = STRTOD.exec(arg);
  const n = m === null ? 0 : Number(m[0].trim());
  const end = m === null ? arg : arg.slice(m[0].length);
  if (end !== "") warnings.push(`option argument contains garbage: ${end}`, "this will become fatal error in the future");
  if (!Number.isFinite(n)) throw new PingUsage(`${what}: ${arg}: Numerical result out of range`);
  return n;
}

/** Parses ping's arguments; complaints that do not stop it (garbage after a number) go to `warnings`. */
export function parsePing(argv: readonly string[], warnings: string[] = []): PingOptions {
  const o: PingOptions = {
    count: 0, interval: 1000, intervalGiven: false, size: 56, ttl: undefined, linger: undefined, deadline: undefined, iface: undefined,
    quiet: false, flood: false, numeric: false, target: "",
  };
  const rest: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-") || a === "-") {
      rest.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const value = (): string => {
        const inline = a.slice(j + 1);
        j = a.length;
        const v = inline !== "" ? inline : argv[++i];
        if (v === undefined) throw new PingUsage(`option requires an argument -- '${c}'${PING_USAGE}`);
        return v;
      };
      switch (c) {
        case "c": o.count = num(value(), 1, Number.MAX_SAFE_INTEGER, true); break;
        case "i": {
          const v = value();
          const sec = strtod(v, "bad timing interval", warnings);
          if (sec < 0 || sec > 2147483647 / 1000) throw new PingUsage(`bad timing interval: ${v}`);
          // Whole milliseconds, as iputils keeps it.
          o.interval = Math.trunc(sec * 1000);
          o.intervalGiven = true;
          break;
        }
        case "s": o.size = num(value(), 0, 65507, true); break;
        case "t": o.ttl = num(value(), 0, 255, true); break;
        case "W": {
          const v = value();
          const sec = strtod(v, "bad linger time", warnings);
          if (sec < 0 || sec > 4294967295 / 1e6) throw new PingUsage(`bad linger time: ${v}`);
          o.linger = sec;
          break;
        }
        case "w": {
          // 0 is no deadline at all.
          const d = num(value(), 0, 2147483647, true);
          o.deadline = d === 0 ? undefined : d;
          break;
        }
        case "I": o.iface = value(); break;
        case "q": o.quiet = true; break;
        case "f": o.flood = true; break;
        case "n": o.numeric = true; break;
        case "4": case "v": case "D": case "U": break;
        default:
          throw new PingUsage(`invalid option -- '${c}'${PING_USAGE}`);
      }
    }
  }
  if (rest.length === 0) throw new PingUsage("usage error: Destination address required");
  o.target = rest[rest.length - 1]!;
  if (o.flood && !o.intervalGiven) o.interval = 0;
  return o;
}
