import type { Kernel } from "./kernel.js";
import type { Cred } from "./cred.js";
import type { NetdevNotifierBlock } from "../netdevice/dev.js";
import type { PacketType } from "../netdevice/packet.js";
import type { RtnlLinkOps } from "../netdevice/rtnl.js";
import type { VfsFile } from "../fs/vfs.js";

/** Module parameter types (module_param's type argument). */
export type ParamType = "int" | "uint" | "ushort" | "bool" | "charp";
export type ParamValue = number | boolean | string;

/** Maps a parameter spec to its value type. */
export type ParamValueOf<S> = S extends { type: "bool" } ? boolean : S extends { type: "charp" } ? string : number;

/** module_param(): one parameter of a module. */
export interface ParamSpec {
  type: ParamType;
  default?: ParamValue | undefined;
  /** sysfs permissions of /sys/module/M/parameters/NAME (0 hides it), e.g. 0o444 or 0o200. */
  perm?: number | undefined;
  description?: string | undefined;
  /** Custom set (kernel_param_ops.set) for write-only command parameters like etun's newif. */
  set?: ((value: string, ctx: ParamContext) => void) | undefined;
  /** Custom get; a write-only parameter reads as empty. */
  get?: ((ctx: ParamContext) => string) | undefined;
}

/** What a custom parameter handler is given. */
export interface ParamContext {
  readonly kernel: Kernel;
  readonly cred: Cred;
  /** The namespace of the process writing (the initial one at insmod). */
  readonly net: import("./net.js").Net;
}

/** A shell command a plugin contributes (run by @vnet/tools). */
export interface ToolCommand {
  readonly name: string;
  readonly summary?: string | undefined;
  readonly usage?: string | undefined;
  /** Runs with argv (argv[0] is the command name); returns the exit status. */
  run(argv: readonly string[], io: ToolIo): number;
}

/** The environment a tool command runs in. */
export interface ToolIo {
  readonly kernel: Kernel;
  readonly net: import("./net.js").Net;
  readonly cred: Cred;
  out(text: string): void;
  err(text: string): void;
}

/** What a plugin's setup may register; everything is undone at rmmod. */
export interface PluginContext<Params = Record<string, ParamValue>> {
  readonly kernel: Kernel;
  readonly module: Module;
  readonly params: Params;
  registerNetdeviceNotifier(nb: NetdevNotifierBlock): void;
  registerLinkKind(ops: RtnlLinkOps): void;
  addPack(pt: PacketType): void;
  registerCommand(cmd: ToolCommand): void;
  /** Adds a file to the virtual tree (/sys, /proc). */
  addFile(path: string, file: VfsFile): void;
  /** Runs at unload, in reverse order of registration. */
  onExit(fn: () => void): void;
}

/** A loadable module: a driver, a protocol, or a tool set. */
export interface Plugin<Params extends Record<string, ParamSpec> = Record<string, ParamSpec>> {
  readonly name: string;
  readonly version: string;
  /** Range of @vnet/core versions this plugin works with ("^0.1.0", ">=0.1.0", "*"). */
  readonly coreRange?: string | undefined;
  /** Modules that must be loaded first (depmod's dependencies). */
  readonly dependencies?: readonly string[] | undefined;
  readonly description?: string | undefined;
  readonly license?: string | undefined;
  readonly author?: string | undefined;
  readonly params?: Params | undefined;
  /** module_init: registers what the module brings; may return module_exit. */
  setup(ctx: PluginContext<{ [K in keyof Params]: ParamValueOf<Params[K]> }>): void | (() => void);
}

/** definePlugin(): a typed plugin object; validated again at insmod. */
export function definePlugin<const Params extends Record<string, ParamSpec> = Record<string, never>>(plugin: Plugin<Params>): Plugin<Params> {
  if (!/^[A-Za-z0-9_-]{1,55}$/.test(plugin.name)) throw new TypeError(`invalid module name '${plugin.name}'`);
  if (typeof plugin.setup !== "function") throw new TypeError(`module ${plugin.name} has no setup()`);
  return plugin;
}

export const MODULE_STATE_LIVE = 0;
export const MODULE_STATE_COMING = 1;
export const MODULE_STATE_GOING = 2;

/** A loaded module (struct module). */
export class Module {
  readonly name: string;
  readonly plugin: Plugin<any>;
  readonly kernel: Kernel;
  /** Use count (module_refcount): devices open, sockets, users. */
  refcnt = 0;
  state: number = MODULE_STATE_COMING;
  /** Parameter values by name. */
  readonly params: Map<string, ParamValue> = new Map();
  /** Modules that depend on this one. */
  readonly holders: Set<Module> = new Set();
  /** @internal teardown, in registration order */
  readonly cleanups: (() => void)[] = [];
  readonly commands: Map<string, ToolCommand> = new Map();

  constructor(kernel: Kernel, plugin: Plugin<any>) {
    this.kernel = kernel;
    this.plugin = plugin;
    this.name = plugin.name;
  }
}

/** try_module_get(): fails while the module is going away. */
export function tryModuleGet(mod: Module): boolean {
  if (mod.state === MODULE_STATE_GOING) return false;
  mod.refcnt++;
  return true;
}

/** module_put(). */
export function modulePut(mod: Module): void {
  if (mod.refcnt > 0) mod.refcnt--;
}

/** Does `version` satisfy `range`? Supports "*", "x.y.z", "^x.y.z", "~x.y.z", ">=x.y.z" and "||". */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  if (v === null) return false;
  // "||" separates alternatives; inside one, space-separated comparators must all hold.
  return range.split("||").some((part) => part.trim().split(/\s+/).every((r) => comparator(v, r)));
}

function comparator(v: [number, number, number], r: string): boolean {
  if (r === "" || r === "*") return true;
  {
    const m = /^(\^|~|>=|>|<=|<|=)?v?(\d+\.\d+\.\d+)$/.exec(r);
    if (m === null) return false;
    const b = parse(m[2]!)!;
    const c = cmp(v, b);
    switch (m[1]) {
      case "^":
        return c >= 0 && (b[0] > 0 ? v[0] === b[0] : b[1] > 0 ? v[0] === 0 && v[1] === b[1] : v[0] === 0 && v[1] === 0 && v[2] === b[2]);
      case "~":
        return c >= 0 && v[0] === b[0] && v[1] === b[1];
      case ">=":
        return c >= 0;
      case ">":
        return c > 0;
      case "<=":
        return c <= 0;
      case "<":
        return c < 0;
      default:
        return c === 0;
    }
  }
}

function parse(v: string): [number, number, number] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m === null ? null : [Number(m[1]), Number(m[2]), Number(m[3])];
}

function cmp(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
