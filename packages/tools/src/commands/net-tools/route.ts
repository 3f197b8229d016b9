/** route (net-tools 2.10): prints /proc/net/route, adds and deletes routes through SIOCADDRT/SIOCDELRT. */
import {
  inetMakeMask, ipv4ToString, RTF_GATEWAY, RTF_HOST, RTF_REJECT, RTF_UP, SIOCADDRT, SIOCDELRT, type RtEntry,
} from "@vnet/core";
import { networksReverse } from "../../shell/etc.js";
import type { Command, CommandContext } from "../../shell/types.js";
import { ioctl, perror } from "./ifreq.js";

const E_USAGE = 3;
/** net-tools' E_SOCK: a failed routing ioctl. */
const E_SOCK = 7;

const USAGE = `Usage: inet_route [-vF] del {-host|-net} Target[/prefix] [gw Gw] [metric M] [[dev] If]
       inet_route [-vF] add {-host|-net} Target[/prefix] [gw Gw] [metric M]
                              [netmask N] [mss Mss] [window W] [irtt I]
                              [mod] [dyn] [reinstate] [[dev] If]
       inet_route [-vF] add {-host|-net} Target[/prefix] [metric M] reject
       inet_route [-FC] flush      NOT supported
`;

function swap(hex: string): number {
  const v = parseInt(hex, 16) >>> 0;
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

interface Row {
  iface: string;
  dst: number;
  gw: number;
  flags: number;
  ref: number;
  use: number;
  metric: number;
  mask: number;
  mtu: number;
  window: number;
  irtt: number;
}

function readRoutes(ctx: CommandContext): Row[] {
  const text = ctx.kernel.vfs.read("/proc/net/route", ctx);
  const rows: Row[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 11) continue;
    rows.push({
      iface: f[0]!, dst: swap(f[1]!), gw: swap(f[2]!), flags: parseInt(f[3]!, 16), ref: Number(f[4]), use: Number(f[5]),
      metric: Number(f[6]), mask: swap(f[7]!), mtu: Number(f[8]), window: Number(f[9]), irtt: Number(f[10]),
    });
  }
  return rows;
}

function flagText(flags: number): string {
  let s = "";
  if (flags & RTF_UP) s += "U";
  if (flags & RTF_GATEWAY) s += "G";
  if (flags & RTF_REJECT) s = "!";
  if (flags & RTF_HOST) s += "H";
  if (flags & 0x0008) s += "R";
  if (flags & 0x0010) s += "D";
  if (flags & 0x0020) s += "M";
  return s;
}

/** rprint_fib(): the kernel routing table, numeric with -n, else with names from /etc. */
function show(ctx: CommandContext, numeric: boolean, extended: boolean): number {
  let rows: Row[];
  try {
    rows = readRoutes(ctx);
  } catch {
    ctx.err("route: /proc/net/route: No such file or directory\n");
    return 1;
  }
  const host = (a: number): string => ipv4ToString(a);
  const dstName = (r: Row): string => {
    if (numeric) return host(r.dst);
    if (r.dst === 0 && r.mask === 0) return "default";
    const name = r.flags & RTF_HOST ? ctx.hostName(r.dst) : networksReverse(ctx.kernel, r.dst);
    return (name ?? host(r.dst)).slice(0, 15);
  };
  const gwName = (r: Row): string => (numeric || r.gw === 0 ? host(r.gw) : (ctx.hostName(r.gw) ?? host(r.gw)).slice(0, 15));
  let out = "Kernel IP routing table\n";
  out += extended
    ? "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt\n"
    : "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n";
  for (const r of rows) {
    out += `${dstName(r).padEnd(15)} ${gwName(r).padEnd(15)} ${host(r.mask).padEnd(15)} ${flagText(r.flags).padEnd(6)}${String(r.metric).padEnd(6)} ${String(r.ref).padEnd(2)} ${String(r.use).padStart(7)} ${r.iface}`;
    if (extended) out += `${" ".repeat(Math.max(1, 9 - r.iface.length))}${String(r.mtu).padEnd(5)} ${String(r.window).padEnd(6)} ${r.irtt}`;
    out += "\n";
  }
  ctx.out(out);
  return 0;
}

class Usage extends Error {}

/** Parses `add|del [-net|-host] TARGET [netmask M] [gw G] [metric N] [mss M] [window W] [irtt I] [reject] [[dev] IF]`. */
function parseEntry(ctx: CommandContext, args: readonly string[]): RtEntry {
  let i = 0;
  let kind: "net" | "host" | null = null;
  if (args[i] === "-net" || args[i] === "-host") kind = args[i++] === "-net" ? "net" : "host";
  const target = args[i++];
  if (target === undefined) throw new Usage("");
  const rt: RtEntry = { dst: 0, flags: RTF_UP };
  let plen: number | null = null;
  if (target === "default") {
    kind = "net";
    plen = 0;
  } else {
    const [addrText, lenText] = target.split("/") as [string, string | undefined];
    const addr = ctx.resolveHost(addrText);
    if (addr === null) {
      ctx.err(`${addrText}: Unknown host\n`);
      throw new Usage("quiet");
    }
    rt.dst = addr;
    if (lenText !== undefined) {
      if (!/^\d+$/.test(lenText) || Number(lenText) > 32) {
        ctx.err("route: netmask doesn't match route address\n");
        throw new Usage("");
      }
      plen = Number(lenText);
    }
  }
  if (kind === null) kind = plen !== null && plen < 32 ? "net" : "host";
  for (; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Usage("");
      return v;
    };
    if (a === "netmask") {
      const m = ctx.resolveHost(next());
      if (m === null) throw new Usage("");
      rt.genmask = m;
    } else if (a === "gw" || a === "gateway") {
      const g = ctx.resolveHost(next());
      if (g === null) throw new Usage("");
      rt.gateway = g;
      rt.flags |= RTF_GATEWAY;
    } else if (a === "metric") rt.metric = Number(next()) + 1;
    else if (a === "mss" || a === "mtu") {
      rt.mtu = Number(next());
      rt.flags |= 0x0040;
    } else if (a === "window") {
      rt.window = Number(next());
      rt.flags |= 0x0080;
    } else if (a === "irtt") {
      rt.irtt = Number(next());
      rt.flags |= 0x0100;
    } else if (a === "reject") rt.flags |= RTF_REJECT;
    else if (a === "mod" || a === "dyn" || a === "reinstate") continue;
    else rt.dev = a === "dev" || a === "device" ? next() : a;
  }
  if (kind === "host") {
    rt.flags |= RTF_HOST;
    rt.genmask = 0xffffffff;
  } else {
    if (plen !== null) rt.genmask = inetMakeMask(plen);
    else if (rt.genmask === undefined) rt.genmask = rt.dst === 0 ? 0 : 0xffffffff;
    if (((rt.dst & ~rt.genmask) >>> 0) !== 0) {
      ctx.err("route: netmask doesn't match route address\n");
      throw new Usage("");
    }
  }
  return rt;
}

function modify(ctx: CommandContext, cmd: number, args: readonly string[]): number {
  let rt: RtEntry;
  try {
    rt = parseEntry(ctx, args);
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    if (e.message === "quiet") return E_SOCK;
    ctx.err(USAGE);
    return E_USAGE;
  }
  const r = ioctl(ctx.net, ctx.cred, cmd, { name: rt.dev ?? "", rt });
  if (typeof r === "number") {
    ctx.err(perror(cmd, r));
    return E_SOCK;
  }
  return 0;
}

function run(argv: readonly string[], ctx: CommandContext): number {
  let numeric = false;
  let extended = false;
  let i = 1;
  for (; i < argv.length && argv[i]!.startsWith("-") && argv[i] !== "-net" && argv[i] !== "-host"; i++) {
    for (const c of argv[i]!.slice(1)) {
      if (c === "n") numeric = true;
      else if (c === "e") extended = true;
      else if (c === "v" || c === "F" || c === "4") continue;
      else if (c === "A") i++;
      else {
        ctx.err(`route: invalid option -- '${c}'\n${USAGE}`);
        return E_USAGE;
      }
    }
  }
  const cmd = argv[i];
  if (cmd === undefined) return show(ctx, numeric, extended);
  if (cmd === "add") return modify(ctx, SIOCADDRT, argv.slice(i + 1));
  if (cmd === "del" || cmd === "delete") return modify(ctx, SIOCDELRT, argv.slice(i + 1));
  if (cmd === "flush") {
    ctx.err("route: flush is not supported for inet, use ip route flush\n");
    return E_USAGE;
  }
  ctx.err(USAGE);
  return E_USAGE;
}

export const route: Command = { name: "route", summary: "show and change the IPv4 routing table (net-tools)", run };
