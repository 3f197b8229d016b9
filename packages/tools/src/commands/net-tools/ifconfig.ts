/** ifconfig (net-tools 2.10): shows interfaces, and changes them only through SIOCS* ioctls. */
import {
  ARPHRD_ETHER, IFF_ALLMULTI, IFF_BROADCAST, IFF_DYNAMIC, IFF_MULTICAST, IFF_NOARP, IFF_NOTRAILERS, IFF_POINTOPOINT, IFF_PROMISC,
  IFF_RUNNING, IFF_UP, inetMakeMask, parseMac, SIOCGIFFLAGS, SIOCSIFADDR, SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFFLAGS,
  SIOCGIFMAP, SIOCSIFHWADDR, SIOCSIFMAP, SIOCSIFMETRIC, SIOCSIFMTU, SIOCSIFNAME, SIOCSIFNETMASK, SIOCSIFTXQLEN, strerror,
  type IfReq,
} from "@vnet/core";
import type { Command, CommandContext } from "../../shell/types.js";
import { errnoOf } from "../../shell/paths.js";
import { fetchInterface, nstrcmp, parseProcNetDev, printLong, printShort, SHORT_HEADER, type DevCounters } from "./ifconfig-show.js";
import { ifmapOf, ioctl, perror } from "./ifreq.js";

const USAGE = `Usage:
  ifconfig [-a] [-v] [-s] <interface> [[<AF>] <address>]
  [add <address>[/<prefixlen>]]
  [del <address>[/<prefixlen>]]
  [[-]broadcast [<address>]]  [[-]pointopoint [<address>]]
  [netmask <address>]  [dstaddr <address>]  [tunnel <address>]
  [outfill <NN>] [keepalive <NN>]
  [hw <HW> <address>]  [mtu <NN>]
  [[-]trailers]  [[-]arp]  [[-]allmulti]
  [multicast]  [[-]promisc]
  [mem_start <NN>]  [io_addr <NN>]  [irq <NN>]  [media <type>]
  [txqueuelen <NN>]
  [name <newname>]
  [[-]dynamic]
  [up|down] ...

  <HW>=Hardware Type.
  List of possible hardware types:
    loop (Local Loopback) ether (Ethernet) 
  <AF>=Address family. Default: inet
  List of possible address families:
    inet (DARPA Internet) 
`;

const E_USAGE = 3;

/** Thrown for usage errors: ifconfig exits at once. */
class Exit extends Error {
  constructor(readonly status: number) {
    super("exit");
  }
}

function counters(ctx: CommandContext): Map<string, DevCounters> {
  try {
    return parseProcNetDev(ctx.kernel.vfs.read("/proc/net/dev", ctx));
  } catch {
    return new Map();
  }
}

function show(ctx: CommandContext, all: boolean, short: boolean, only: string | undefined): number {
  const stats = counters(ctx);
  const names = only !== undefined ? [only] : [...stats.keys()].sort(nstrcmp);
  let out = short ? SHORT_HEADER : "";
  for (const name of names) {
    const i = fetchInterface(ctx.net, ctx.cred, name, stats);
    if (typeof i === "number") {
      ctx.out(out);
      ctx.err(`${name}: error fetching interface information: ${i === 19 ? "Device not found" : strerror(i)}\n`);
      return 1;
    }
    if (only === undefined && !all && !(i.flags & IFF_UP)) continue;
    out += short ? printShort(i) : printLong(i);
  }
  ctx.out(out);
  return 0;
}

/** INET_resolve(): a dotted quad or an /etc/hosts name; `ADDR/LEN` gives a prefix too. */
function resolve(ctx: CommandContext, arg: string): [number, number | null] {
  const [host, plen] = arg.split("/") as [string, string | undefined];
  const addr = ctx.resolveHost(host);
  if (addr === null) {
    ctx.err(`${host}: ${/^\d/.test(host) ? "Unknown host" : "Host name lookup failure"}\nifconfig: \`--help' gives usage information.\n`);
    throw new Exit(1);
  }
  if (plen === undefined) return [addr, null];
  const n = Number(plen);
  if (!/^\d+$/.test(plen) || n > 32) {
    ctx.err(`ifconfig: Bad prefix length '${plen}'\n`);
    throw new Exit(E_USAGE);
  }
  return [addr, n];
}

/** strtoul/strtol with base 0: the leading number (0x hex, 0 octal, decimal), 0 when there is none. */
function cNumber(arg: string, unsigned: boolean): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(arg);
  if (m === null) return 0;
  const body = m[2]!;
  let n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith("0") ? parseInt(body, 8) : Number(body);
  if (m[1] === "-") n = -n;
  return unsigned ? n >>> 0 : n;
}

/** Applies the changes in argument order, as ifconfig's main loop does. */
function change(ctx: CommandContext, name: string, args: readonly string[]): number {
  let goterr = 0;
  const call = (cmd: number, ifr: IfReq): boolean => {
    const r = ioctl(ctx.net, ctx.cred, cmd, ifr);
    if (typeof r === "number") {
      ctx.err(perror(cmd, r));
      goterr = 1;
      return false;
    }
    return true;
  };
  // set_flag()/clr_flag(): read-modify-write of the flags; failures make ifconfig exit -1.
  const flag = (set: number, clear: number): void => {
    const r = ioctl(ctx.net, ctx.cred, SIOCGIFFLAGS, { name });
    if (typeof r === "number") {
      ctx.err(`${name}: ERROR while getting interface flags: ${strerror(r)}\n`);
      goterr |= -1;
      return;
    }
    const flags = ((Number(r.flags) | set) & ~clear) & 0xffff;
    const s = ioctl(ctx.net, ctx.cred, SIOCSIFFLAGS, { name, flags });
    if (typeof s === "number") {
      ctx.err(perror(SIOCSIFFLAGS, s));
      goterr |= -1;
    }
  };
  const need = (i: number): string => {
    const v = args[i + 1];
    if (v === undefined) {
      ctx.err(USAGE);
      throw new Exit(E_USAGE);
    }
    return v;
  };
  const flagWords: Record<string, [number, number]> = {
    up: [IFF_UP | IFF_RUNNING, 0], down: [0, IFF_UP],
    promisc: [IFF_PROMISC, 0], "-promisc": [0, IFF_PROMISC],
    allmulti: [IFF_ALLMULTI, 0], "-allmulti": [0, IFF_ALLMULTI],
    arp: [0, IFF_NOARP], "-arp": [IFF_NOARP, 0],
    trailers: [0, IFF_NOTRAILERS], "-trailers": [IFF_NOTRAILERS, 0],
    multicast: [IFF_MULTICAST, 0], "-multicast": [0, IFF_MULTICAST],
    dynamic: [IFF_DYNAMIC, 0], "-dynamic": [0, IFF_DYNAMIC],
    "-broadcast": [0, IFF_BROADCAST], "-pointopoint": [0, IFF_POINTOPOINT],
  };
  let cur = name;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const fw = flagWords[a];
    if (fw !== undefined) {
      flag(fw[0], fw[1]);
    } else if (a === "mtu") {
      // atoi(): garbage is 0, which the kernel refuses.
      call(SIOCSIFMTU, { name: cur, mtu: parseInt(need(i++), 10) || 0 });
    } else if (a === "txqueuelen") {
      call(SIOCSIFTXQLEN, { name: cur, qlen: parseInt(need(i++), 10) || 0 });
    } else if (a === "metric") {
      call(SIOCSIFMETRIC, { name: cur, metric: parseInt(need(i++), 10) || 0 });
    } else if (a === "netmask") {
      const [m] = resolve(ctx, need(i++));
      call(SIOCSIFNETMASK, { name: cur, netmask: m });
    } else if (a === "broadcast") {
      const [b] = resolve(ctx, need(i++));
      if (call(SIOCSIFBRDADDR, { name: cur, broadaddr: b })) flag(IFF_BROADCAST, 0);
    } else if (a === "pointopoint" || a === "dstaddr") {
      const [d] = resolve(ctx, need(i++));
      if (call(SIOCSIFDSTADDR, { name: cur, dstaddr: d }) && a === "pointopoint") flag(IFF_POINTOPOINT, 0);
    } else if (a === "hw") {
      const cls = need(i++);
      const addr = need(i++);
      if (cls !== "ether") {
        ctx.err(`hw address type \`${cls}' has no handler to set address. failed.\n`);
        throw new Exit(1);
      }
      const mac = parseMac(addr);
      if (mac === null) {
        ctx.err(`${addr}: invalid ether address.\n`);
        goterr = 1;
        continue;
      }
      call(SIOCSIFHWADDR, { name: cur, hwaddr: { family: ARPHRD_ETHER, data: mac } });
    } else if (a === "mem_start" || a === "io_addr" || a === "irq") {
      // Read-modify-write of struct ifmap: the driver's ndo_set_config sees every field.
      const v = need(i++);
      const g = ioctl(ctx.net, ctx.cred, SIOCGIFMAP, { name: cur });
      if (typeof g === "number") {
        ctx.err(`${a}: SIOCGIFMAP: ${strerror(g)}\n`);
        goterr = 1;
        continue;
      }
      const map = ifmapOf(g);
      // strtoul / strtol / atoi into the struct's unsigned long, unsigned short and unsigned char.
      if (a === "mem_start") map.mem_start = cNumber(v, true);
      else if (a === "io_addr") map.base_addr = cNumber(v, true) & 0xffff;
      else map.irq = (parseInt(v, 10) || 0) & 0xff;
      const r = ioctl(ctx.net, ctx.cred, SIOCSIFMAP, { name: cur, map });
      if (typeof r === "number") {
        ctx.err(`${a}: SIOCSIFMAP: ${strerror(r)}\n`);
        goterr = 1;
      }
    } else if (a === "name") {
      const to = need(i++);
      if (call(SIOCSIFNAME, { name: cur, newname: to })) cur = to;
    } else if (a === "inet") {
      continue;
    } else {
      const [addr, plen] = resolve(ctx, a);
      call(SIOCSIFADDR, { name: cur, addr });
      if (plen !== null) call(SIOCSIFNETMASK, { name: cur, netmask: inetMakeMask(plen) });
      flag(IFF_UP | IFF_RUNNING, 0);
    }
  }
  return goterr & 0xff;
}

function run(argv: readonly string[], ctx: CommandContext): number {
  let all = false;
  let short = false;
  let i = 1;
  for (; i < argv.length && argv[i]!.startsWith("-"); i++) {
    const o = argv[i]!;
    if (o === "-a") all = true;
    else if (o === "-s") short = true;
    else if (o === "-v") continue;
    else if (o === "-h" || o === "--help") {
      ctx.err(USAGE);
      return E_USAGE;
    } else {
      ctx.err(`ifconfig: option \`${o}' not recognised.\nifconfig: \`--help' gives usage information.\n`);
      return 1;
    }
  }
  const name = argv[i];
  if (name === undefined) return show(ctx, all, short, undefined);
  const rest = argv.slice(i + 1);
  if (rest.length === 0) return show(ctx, true, short, name);
  try {
    return change(ctx, name, rest);
  } catch (e) {
    if (e instanceof Exit) return e.status;
    ctx.err(`ifconfig: ${strerror(errnoOf(e))}\n`);
    return 1;
  }
}

export const ifconfig: Command = { name: "ifconfig", summary: "show and configure interfaces through ioctls (net-tools)", run };
