// insanely(8): the article's configuration tool. Messages and exit codes follow the C program:
//   insanely: insane: No such device (did you load the module?)
//   insanely: ioctl(INSANESETINFO): Operation not permitted
//   insanely: Wrong number of arguments | Wrong value "x" | Wrong mode "x"
// every failure exits 1; usage errors add the usage line. Options after the mode are vnet's.
import { ENODEV, KernelError, SIOCGIFFLAGS, devIoctl, strerror, type ToolCommand, type ToolIo } from "@vnet/core";
import { insanelyGet, insanelySet, type InsaneNetemOptions } from "./api.js";
import type { InsaneMode, InsaneNetemInfo } from "./uapi.js";
import { formatPercent, formatRate, formatTime, isNumber, parsePercent, parseRate, parseTime } from "./units.js";

export const INSANELY_USAGE: string =
  "Usage: insanely [-i IFNAME] [SLAVE {pass | percent N | time ON OFF} [delay TIME [JITTER]]" +
  " [loss gemodel P [R [1-H [1-K]]]] [duplicate P] [corrupt P] [reorder P] [gap N] [rate RATE] [limit N] [seed N]]";

/** Arguments each mode takes after its name. */
const MODE_ARGS: Readonly<Record<InsaneMode, number>> = { pass: 0, percent: 1, time: 2 };

class UsageError extends Error {}

/**
 * strtol(s, &end, 0) with *end checked: decimal, 0x hex or 0 octal (and "" as 0, as C lets it
 * through); null when not all of it is a number or it is out of [min, max].
 */
function strtol(s: string, min = -0x80000000, max = 0x7fffffff): number | null {
  const m = /^\s*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m === null) return s === "" ? 0 : null;
  const digits = m[2]!;
  const abs = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 ? parseInt(digits, digits[0] === "0" ? 8 : 10) : Number(digits);
  const v = m[1] === "-" ? -abs : abs;
  return v >= min && v <= max ? v : null;
}

/** Runs insanely; argv[0] is the program name. Usable without the module loaded. */
export function insanely(argv: readonly string[], io: ToolIo): number {
  const prg = argv[0] ?? "insanely";
  let args = argv.slice(1);
  let ifname = "insane";
  try {
    if (args[0] === "-i") {
      if (args[1] === undefined) throw new UsageError("option requires an argument -- 'i'");
      ifname = args[1];
      args = args.slice(2);
    }
    // As the original: first make sure the interface is there.
    try {
      devIoctl(io.net, io.cred, SIOCGIFFLAGS, { name: ifname });
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      io.err(`${prg}: ${ifname}: ${strerror(e.errno)}${e.errno === ENODEV ? " (did you load the module?)" : ""}\n`);
      return 1;
    }
    if (args.length === 0) return show(prg, ifname, io);
    return configure(prg, ifname, args, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`${prg}: ${e.message}\n${INSANELY_USAGE}\n`);
    return 1;
  }
}

/** No arguments: print the slave, the mode and its arguments. */
function show(prg: string, ifname: string, io: ToolIo): number {
  let info;
  try {
    info = insanelyGet(io.net, io.cred, ifname);
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    io.err(`${prg}: ioctl(INSANEGETINFO): ${strerror(e.errno)}\n`);
    return 1;
  }
  io.out(`slave:     ${info.slave}\nmode:      ${info.mode}\narguments: ${info.arg1} ${info.arg2}\n`);
  const netem = formatNetem(info.netem);
  if (netem !== "") io.out(`netem:     ${netem}\n`);
  return 0;
}

/** SLAVE MODE [ARGS] [impairments]: parse, then SIOCINSANESETINFO. */
function configure(prg: string, ifname: string, args: readonly string[], io: ToolIo): number {
  if (args.length < 2) throw new UsageError("Wrong number of arguments");
  const slave = args[0]!;
  const mode = args[1]!.toLowerCase() as InsaneMode;
  const nargs = MODE_ARGS[mode];
  if (!Object.hasOwn(MODE_ARGS, mode) || nargs === undefined) throw new UsageError(`Wrong mode "${args[1]}"`);
  if (args.length < 2 + nargs) throw new UsageError("Wrong number of arguments");
  const values: number[] = [0, 0];
  for (let i = 0; i < nargs; i++) {
    const s = args[2 + i]!;
    const v = strtol(s);
    if (v === null || v < 0) throw new UsageError(`Wrong value "${s}"`);
    values[i] = v;
  }
  const netem = parseNetem(args.slice(2 + nargs));
  try {
    insanelySet(io.net, io.cred, ifname, { slave, mode, arg1: values[0], arg2: values[1], netem });
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    io.err(`${prg}: ioctl(INSANESETINFO): ${strerror(e.errno)}\n`);
    return 1;
  }
  return 0;
}

/** The netem options, in tc's syntax. */
function parseNetem(args: readonly string[]): InsaneNetemOptions {
  const o: InsaneNetemOptions = {};
  let i = 0;
  const next = (parse: (s: string) => number | null): number => {
    const s = args[i++];
    if (s === undefined) throw new UsageError("Wrong number of arguments");
    const v = parse(s);
    if (v === null) throw new UsageError(`Wrong value "${s}"`);
    return v;
  };
  const optional = (parse: (s: string) => number | null): number | undefined => (isNumber(args[i]) ? next(parse) : undefined);
  const count = (s: string): number | null => strtol(s, 0, 0xffffffff);
  while (i < args.length) {
    const word = args[i++]!;
    switch (word) {
      case "delay":
        o.latencyNs = next(parseTime);
        o.jitterNs = optional(parseTime);
        break;
      case "loss": {
        const model = args[i++];
        if (model !== "gemodel") throw new UsageError(`Wrong value "${model ?? ""}"`);
        o.lossP = next(parsePercent);
        o.lossR = optional(parsePercent);
        if (o.lossR !== undefined) o.loss1H = optional(parsePercent);
        if (o.loss1H !== undefined) o.loss1K = optional(parsePercent);
        break;
      }
      case "duplicate":
        o.duplicate = next(parsePercent);
        break;
      case "corrupt":
        o.corrupt = next(parsePercent);
        break;
      case "reorder":
        o.reorder = next(parsePercent);
        break;
      case "gap":
        o.gap = next(count);
        break;
      case "rate":
        o.rateBps = next(parseRate);
        break;
      case "limit":
        o.limit = next(count);
        break;
      case "seed":
        o.seed = next(count);
        break;
      default:
        throw new UsageError(isNumber(word) ? "Wrong number of arguments" : `Wrong option "${word}"`);
    }
  }
  return o;
}

/** The impairments in tc's words; "" when there are none. */
export function formatNetem(n: InsaneNetemInfo): string {
  const parts: string[] = [];
  if (n.latencyNs !== 0 || n.jitterNs !== 0) parts.push(`delay ${formatTime(n.latencyNs)}${n.jitterNs !== 0 ? ` ${formatTime(n.jitterNs)}` : ""}`);
  if (n.lossP !== 0 || n.loss1K !== 0) {
    parts.push(`loss gemodel p ${formatPercent(n.lossP)} r ${formatPercent(n.lossR)} 1-h ${formatPercent(n.loss1H)} 1-k ${formatPercent(n.loss1K)}`);
  }
  if (n.duplicate !== 0) parts.push(`duplicate ${formatPercent(n.duplicate)}`);
  if (n.reorder !== 0 && n.gap !== 0) parts.push(`reorder ${formatPercent(n.reorder)} gap ${n.gap}`);
  if (n.corrupt !== 0) parts.push(`corrupt ${formatPercent(n.corrupt)}`);
  if (n.rateBps !== 0) parts.push(`rate ${formatRate(n.rateBps)}`);
  if (parts.length === 0) return "";
  return `limit ${n.limit} ${parts.join(" ")} seed ${n.seed}`;
}

/** The command the module registers (`insanely` in the vnet shell). */
export const insanelyCommand: ToolCommand = {
  name: "insanely",
  summary: "configure the insane interface (slave, dropping mode, impairments)",
  usage: INSANELY_USAGE,
  run: insanely,
};
