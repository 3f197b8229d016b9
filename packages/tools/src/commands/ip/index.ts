/** `ip`: iproute2's front end (ip.c): global options, then an object and its command. */
import type { Command, CommandContext, CommandResult } from "../../shell/types.js";
import { fail, IpExit, matches, type Ip, type IpOptions } from "./common.js";
import { ipAddr } from "./addr.js";
import { ipBatch } from "./batch.js";
import { ipLink } from "./link.js";
import { ipNeigh } from "./neigh.js";
import { enterNetns, ipNetns } from "./netns.js";
import { ipRoute } from "./route.js";
import { ipRule } from "./rule.js";

export const IP_USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | link | neighbor | netns | route | rule }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | link } |
                    -4 | -6 | -0 |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor] | -br[ief] }
`;

/** Known iproute2 objects in ip.c's table order (which decides what a prefix means). */
const OBJECTS = [
  "address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable", "ntbl", "link", "l2tp", "fou",
  "ila", "macsec", "tunnel", "tuntap", "tap", "token", "tcpmetrics", "tcp_metrics", "monitor", "xfrm", "mroute", "mrule",
  "netns", "netconf", "vrf", "sr", "nexthop", "mptcp", "ioam", "stats", "help",
];

/** Global options in ip.c's order of tests, so that `-b` is -batch and `-br` is -brief. */
const OPTIONS = [
  "-loops", "-family", "-human", "-iec", "-stats", "-statistics", "-details", "-resolve", "-oneline", "-timestamp",
  "-tshort", "-Version", "-force", "-batch", "-rcvbuf", "-color", "-help", "-netns", "-Numeric", "-all", "-json",
  "-pretty", "-brief",
];

/** do_cmd(): the object argv[0] with its command and arguments; throws IpExit as the objects fail. */
function doCmd(ip: Ip, argv: readonly string[], all: boolean): CommandResult {
  const obj = argv[0]!;
  const rest = argv.slice(1);
  const which = OBJECTS.find((o) => matches(obj, o));
  switch (which) {
    case "address":
      return ipAddr(ip, rest);
    case "link":
      return ipLink(ip, rest);
    case "route":
      return ipRoute(ip, rest);
    case "rule":
      return ipRule(ip, rest);
    case "neighbor":
    case "neighbour":
      return ipNeigh(ip, rest);
    case "netns":
      return ipNetns(ip, rest, all);
    case "help":
      fail(ip, IP_USAGE, 255);
    case undefined:
      // do_cmd() returns EXIT_FAILURE here, where the objects' own errors exit(-1).
      fail(ip, `Object "${obj}" is unknown, try "ip help".`, 1);
    default:
      fail(ip, `Object "${which}" is not supported by vnet, try "ip help".`, 255);
  }
}

function run(argv: readonly string[], ctx: CommandContext): CommandResult {
  const opts: IpOptions = { stats: 0, details: false, json: false, pretty: false, brief: false, oneline: false, family: "" };
  let ip: Ip = { ctx, net: ctx.net, opts };
  let all = false;
  let force = false;
  let batch: string | undefined;
  let i = 1;
  try {
    for (; i < argv.length; i++) {
      let a = argv[i]!;
      if (!a.startsWith("-") || a === "-") break;
      if (a.startsWith("--")) a = a.slice(1);
      if (a === "-4") opts.family = "inet";
      else if (a === "-6") opts.family = "inet6";
      else if (a === "-0") opts.family = "link";
      else {
        const opt = a.startsWith("-c") && "-color".startsWith(a.split("=")[0]!) ? "-color" : OPTIONS.find((o) => matches(a, o));
        switch (opt) {
          case "-stats":
          case "-statistics":
            opts.stats++;
            break;
          case "-details":
            opts.details = true;
            break;
          case "-oneline":
            opts.oneline = true;
            break;
          case "-json":
            opts.json = true;
            break;
          case "-pretty":
            opts.pretty = true;
            break;
          case "-brief":
            opts.brief = true;
            break;
          case "-all":
            all = true;
            break;
          case "-Version":
            ctx.out("ip utility, iproute2-6.1.0 (vnet)\n");
            return 0;
          case "-help":
            fail(ip, IP_USAGE, 255);
          case "-family": {
            const f = argv[++i];
            if (f === "inet" || f === "inet6" || f === "link") opts.family = f;
            else if (f === undefined) fail(ip, 'Command line is not complete. Try option "help"', 255);
            else fail(ip, `Error: argument "${f}" is wrong: invalid protocol family\n`, 255);
            break;
          }
          case "-netns": {
            const name = argv[++i];
            if (name === undefined) fail(ip, 'Command line is not complete. Try option "help"', 255);
            ip = { ctx, net: enterNetns(ip, name), opts };
            break;
          }
          case "-loops":
          case "-rcvbuf":
            i++;
            break;
          case "-human": case "-iec": case "-resolve": case "-timestamp": case "-tshort": case "-color": case "-Numeric":
            break;
          case "-force":
            force = true;
            break;
          case "-batch":
            batch = argv[++i];
            if (batch === undefined) fail(ip, IP_USAGE, 255);
            break;
          default:
            fail(ip, `Option "${a}" is unknown, try "ip -help".`, 255);
        }
      }
    }
    if (!opts.json) opts.pretty = false;
    // With -batch, whatever follows the options is ignored, as ip does.
    if (batch !== undefined) return ipBatch(ip, batch, force, (b, words) => doCmd(b, words, all));
    if (argv[i] === undefined) fail(ip, IP_USAGE, 255);
    return doCmd(ip, argv.slice(i), all);
  } catch (e) {
    if (e instanceof IpExit) return e.status;
    throw e;
  }
}

export const ipCommand: Command = { name: "ip", summary: "show and change devices, addresses, routes, neighbours, namespaces (iproute2)", run };
