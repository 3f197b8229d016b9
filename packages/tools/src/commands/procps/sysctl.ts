/** sysctl (procps-ng): reads and writes /proc/sys of the current namespace. */
import { EACCES, ENOENT, EPERM, strerror } from "@vnet/core";
import { errnoOf } from "../../shell/paths.js";
import type { Command, CommandContext } from "../../shell/types.js";

const USAGE = `
Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable

For more details see sysctl(8).
`;

interface Opts {
  names: boolean;
  values: boolean;
  quiet: boolean;
  ignore: boolean;
  write: boolean;
}

/** "net.ipv4.ip_forward" or "net/ipv4/ip_forward" -> its /proc/sys path. */
function pathOf(key: string): string {
  const rel = (key.includes("/") ? key : key.replace(/\./g, "/")).replace(/^\/+|\/+$/g, "");
  return rel === "" ? "/proc/sys" : `/proc/sys/${rel}`;
}

function keyOf(path: string): string {
  return path.replace(/^\/proc\/sys\//, "").replace(/\//g, ".");
}

function show(ctx: CommandContext, o: Opts, path: string): string {
  const value = ctx.kernel.vfs.read(path, ctx).replace(/\n$/, "");
  if (o.names) return keyOf(path) + "\n";
  if (o.values) return value + "\n";
  return `${keyOf(path)} = ${value}\n`;
}

/** Every file under `dir`, depth first, names sorted. */
function walk(ctx: CommandContext, dir: string, out: string[]): void {
  for (const name of ctx.kernel.vfs.list(dir, ctx)) {
    const p = `${dir}/${name}`;
    if (ctx.kernel.vfs.isDirectory(p, ctx)) walk(ctx, p, out);
    else out.push(p);
  }
}

function read(ctx: CommandContext, o: Opts, key: string): number {
  const path = pathOf(key);
  try {
    if (ctx.kernel.vfs.isDirectory(path, ctx)) {
      const files: string[] = [];
      walk(ctx, path, files);
      let out = "";
      for (const f of files) {
        try {
          out += show(ctx, o, f);
        } catch {
          // Unreadable entries are skipped in listings, as procps does.
        }
      }
      ctx.out(out);
      return 0;
    }
    ctx.out(show(ctx, o, path));
    return 0;
  } catch (e) {
    const errno = errnoOf(e);
    if (errno === ENOENT) {
      if (o.ignore) return 0;
      ctx.err(`sysctl: cannot stat ${path}: No such file or directory\n`);
    } else if (errno === EACCES || errno === EPERM) ctx.err(`sysctl: permission denied on key '${keyOf(path)}'\n`);
    else ctx.err(`sysctl: reading key "${keyOf(path)}": ${strerror(errno)}\n`);
    return 1;
  }
}

function write(ctx: CommandContext, o: Opts, arg: string): number {
  const eq = arg.indexOf("=");
  if (eq <= 0) {
    ctx.err(`sysctl: "${arg}" must be of the form name=value\n`);
    return 1;
  }
  const key = arg.slice(0, eq).trim();
  const value = arg.slice(eq + 1).trim();
  const path = pathOf(key);
  try {
    ctx.kernel.vfs.resolve(path, ctx);
  } catch {
    if (o.ignore) return 0;
    ctx.err(`sysctl: cannot stat ${path}: No such file or directory\n`);
    return 1;
  }
  try {
    ctx.kernel.vfs.write(path, value + "\n", ctx);
  } catch (e) {
    const errno = errnoOf(e);
    if (errno === EACCES || errno === EPERM) ctx.err(`sysctl: permission denied on key "${keyOf(path)}"\n`);
    else ctx.err(`sysctl: setting key "${keyOf(path)}": ${strerror(errno)}\n`);
    return 1;
  }
  if (!o.quiet) ctx.out(o.values ? value + "\n" : `${keyOf(path)} = ${value}\n`);
  return 0;
}

function run(argv: readonly string[], ctx: CommandContext): number {
  const o: Opts = { names: false, values: false, quiet: false, ignore: false, write: false };
  let all = false;
  const vars: string[] = [];
  for (const a of argv.slice(1)) {
    if (a.startsWith("--")) {
      const long: Record<string, () => void> = {
        "--all": () => (all = true), "--names": () => (o.names = true), "--values": () => (o.values = true),
        "--quiet": () => (o.quiet = true), "--ignore": () => (o.ignore = true), "--write": () => (o.write = true),
      };
      const f = long[a];
      if (f === undefined) {
        ctx.err(`sysctl: unrecognized option '${a}'\nTry \`sysctl --help' for more information.\n`);
        return 1;
      }
      f();
    } else if (a.startsWith("-") && a.length > 1) {
      for (const c of a.slice(1)) {
        if (c === "a" || c === "A" || c === "X") all = true;
        else if (c === "N") o.names = true;
        else if (c === "n") o.values = true;
        else if (c === "q") o.quiet = true;
        else if (c === "e") o.ignore = true;
        else if (c === "w") o.write = true;
        else if (c === "o" || c === "x") continue;
        else if (c === "h" || c === "d") {
          ctx.out(USAGE);
          return 0;
        } else {
          ctx.err(`sysctl: invalid option -- '${c}'\n${USAGE}`);
          return 1;
        }
      }
    } else vars.push(a);
  }
  if (all) return read(ctx, o, "");
  if (vars.length === 0) {
    if (argv.length > 1) {
      ctx.err("sysctl: no variables specified\nTry `sysctl --help' for more information.\n");
      return 1;
    }
    ctx.err(USAGE);
    return 1;
  }
  let status = 0;
  for (const v of vars) {
    if (v.includes("=")) status |= write(ctx, o, v);
    else if (o.write) {
      ctx.err(`sysctl: command line(0): invalid syntax, continuing...\n`);
      status = 1;
    } else status |= read(ctx, o, v);
  }
  return status;
}

export const sysctl: Command = { name: "sysctl", summary: "read and write kernel parameters under /proc/sys (procps)", run };
