/** iputils ping's command line: the options vnet implements, with ping's own error wording. */

export interface PingOptions {
  count: number;
  /** Milliseconds between requests; 0 with -f. */
  interval: number;
  intervalGiven: boolean;
  size: number;
  ttl: number | undefined;
  /** -W: seconds to wait for a reply after the last request. */
  linger: number | undefined;
  /** -w: seconds before ping stops, whatever happened. */
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

export function parsePing(argv: readonly string[]): PingOptions {
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
        case "i": o.interval = num(value(), 0, 2147483, false) * 1000; o.intervalGiven = true; break;
        case "s": o.size = num(value(), 0, 65507, true); break;
        case "t": o.ttl = num(value(), 0, 255, true); break;
        case "W": o.linger = num(value(), 0, 2147483, false); break;
        case "w": o.deadline = num(value(), 0, 2147483, false); break;
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
