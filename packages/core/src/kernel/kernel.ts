import { Prng } from "./prng.js";
import { Scheduler, Timer } from "./scheduler.js";
import { NotifierChain } from "./notifier.js";
import { Net } from "./net.js";
import { KernelEvents } from "./events.js";
import { capable, CAP_NET_ADMIN, CAP_SYS_MODULE, ROOT_CRED, type Cred } from "./cred.js";
import { EBUSY, EEXIST, EINVAL, ENOENT, EPERM, KernelError } from "./errno.js";
import {
  Module, MODULE_STATE_GOING, MODULE_STATE_LIVE, satisfies, type ParamSpec, type ParamValue, type Plugin, type PluginContext,
  type ToolCommand,
} from "./module.js";
import { Vfs, type VfsContext, type VfsFile } from "../fs/vfs.js";
import { netfsInit } from "../fs/netfs.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import type { PacketType } from "../netdevice/packet.js";
import {
  Softnet, devAddPack, devChangeNetNamespace, devRemovePack, registerNetdeviceNotifier, unregisterNetdevMany,
  unregisterNetdeviceNotifier, devAllocName, devOpen, PTYPE_HASH_SIZE, type NetdevNotifierInfo,
} from "../netdevice/dev.js";
import { queueDellink, rtnlLinkRegister, type RtnlLinkOps } from "../netdevice/rtnl.js";
import { loopbackNetInit } from "../netdevice/loopback.js";
import type { IoctlHandler } from "../netdevice/ioctl.js";
import { inetInit } from "../ipv4/init.js";

/** The version of @vnet/core, checked against a plugin's coreRange. */
export const CORE_VERSION = "0.1.0";

export interface KernelOptions {
  /** Seed of the kernel's PRNG: same seed, same run. Default 1. */
  seed?: number | undefined;
  /** Timer frequency (jiffies per second). Default 100. */
  hz?: number | undefined;
  hostname?: string | undefined;
}

/** A subsystem's per-namespace setup and teardown (struct pernet_operations). */
export interface PernetOps {
  init?(net: Net): void;
  /** Called after the namespace's devices are gone. */
  exit?(net: Net): void;
}

/** A sysctl entry under /proc/sys (per namespace when `get`/`set` use ctx.net). */
export interface SysctlEntry {
  get(ctx: VfsContext): string;
  set?(ctx: VfsContext, value: string): void;
  /** Writes need CAP_NET_ADMIN (default true). */
  admin?: boolean | undefined;
}

/**
 * One simulated machine: its clock and timers, PRNG, namespaces, notifier chains, protocol
 * handlers, modules and virtual file tree.
 */
export class Kernel {
  readonly scheduler: Scheduler = new Scheduler();
  readonly prng: Prng;
  readonly hz: number;
  readonly nsPerJiffy: number;
  hostname: string;
  /** The netdevice notifier chain (netdev_chain). */
  readonly netdevChain: NotifierChain<NetdevNotifierInfo> = new NotifierChain();
  readonly nets: Set<Net> = new Set();
  readonly netns: Map<string, Net> = new Map();
  readonly initNet: Net;
  readonly softnet: Softnet;
  /** Taps on every device (ptype_all). */
  ptypeAll: readonly PacketType[] = [];
  /** Protocol handlers hashed by ethertype (ptype_base). */
  readonly ptypeBase: (readonly PacketType[])[] = Array.from({ length: PTYPE_HASH_SIZE }, () => []);
  /** net.core.netdev_max_backlog. */
  netdevMaxBacklog = 1000;
  /** net.core.netdev_budget. */
  netdevBudget = 300;
  readonly linkwatchList: NetDevice[] = [];
  readonly events: KernelEvents = new KernelEvents();
  readonly modules: Map<string, Module> = new Map();
  readonly linkKinds: Map<string, RtnlLinkOps> = new Map();
  readonly commands: Map<string, ToolCommand> = new Map();
  /** Protocol ioctls by command (SIOCSIFADDR...). */
  readonly ioctlHandlers: Map<number, IoctlHandler> = new Map();
  readonly vfs: Vfs = new Vfs();
  /** The kernel log (dmesg), one line per message, with its timestamp. */
  readonly log: string[] = [];
  private readonly pernet: PernetOps[] = [];

  constructor(opts: KernelOptions = {}) {
    this.prng = new Prng(opts.seed ?? 1);
    this.hz = opts.hz ?? 100;
    if (!Number.isInteger(this.hz) || this.hz < 1 || this.hz > 10000) throw new KernelError(EINVAL, "HZ");
    this.nsPerJiffy = 1e9 / this.hz;
    this.hostname = opts.hostname ?? "vnet";
    this.softnet = new Softnet(this);
    this.scheduler.setSoftirq(this.softnet);
    netfsInit(this);
    inetInit(this);
    this.initNet = this.createNet("");
    // A booted system has its loopback up; new namespaces start with it down, as in Linux.
    devOpen(this.initNet.loopback);
  }

  /** jiffies: ticks of HZ since boot. */
  get jiffies(): number {
    return Math.floor(this.scheduler.now / this.nsPerJiffy);
  }

  /** Virtual time since boot in milliseconds. */
  get nowMs(): number {
    return this.scheduler.now / 1e6;
  }

  msecsToJiffies(ms: number): number {
    return Math.ceil((ms * this.hz) / 1000);
  }

  jiffiesToMsecs(j: number): number {
    return (j * 1000) / this.hz;
  }

  // ---- time -------------------------------------------------------------------------------

  /** mod_timer(): arms `timer` to fire at `expires` jiffies. */
  modTimer(timer: Timer<any>, expires: number): void {
    this.scheduler.arm(timer, expires * this.nsPerJiffy);
  }

  /** del_timer(): returns whether it was pending. */
  delTimer(timer: Timer<any>): boolean {
    return this.scheduler.cancel(timer);
  }

  /** Runs `fn` after `ms` milliseconds of kernel time. */
  after(ms: number, fn: () => void): Timer<undefined> {
    return this.scheduler.after(ms * 1e6, fn);
  }

  /** Runs until only deferrable timers remain (nothing more will happen on its own). */
  run(): void {
    this.scheduler.runIdle();
  }

  /** Runs for `ms` milliseconds of kernel time. */
  runFor(ms: number): void {
    this.scheduler.runUntil(this.scheduler.now + ms * 1e6);
  }

  /** Runs until `pred` holds, or `timeoutMs` passes; returns whether `pred` held. */
  runUntil(pred: () => boolean, timeoutMs = 3_600_000): boolean {
    return this.scheduler.runUntil(this.scheduler.now + timeoutMs * 1e6, pred);
  }

  /** printk(): appends a line to the kernel log, with dmesg's timestamp. */
  printk(msg: string): void {
    const t = (this.scheduler.now / 1e9).toFixed(6).padStart(12);
    const line = `[${t}] ${msg}`;
    this.log.push(line);
    if (this.log.length > 10000) this.log.shift();
    this.events.emit("printk", line);
  }

  // ---- namespaces -------------------------------------------------------------------------

  /** Registers a subsystem's per-namespace setup; runs it for existing namespaces. */
  registerPernetOps(ops: PernetOps): () => void {
    this.pernet.push(ops);
    for (const net of this.nets) ops.init?.(net);
    return () => {
      const i = this.pernet.indexOf(ops);
      if (i >= 0) this.pernet.splice(i, 1);
      for (const net of this.nets) ops.exit?.(net);
    };
  }

  /** Creates a namespace (`ip netns add NAME`) with its loopback device. */
  createNet(name: string): Net {
    if (name !== "" && this.netns.has(name)) throw new KernelError(EEXIST, `Cannot create namespace file "/var/run/netns/${name}"`);
    const net = new Net(this, name);
    this.nets.add(net);
    if (name !== "") this.netns.set(name, net);
    for (const ops of this.pernet) ops.init?.(net);
    loopbackNetInit(net);
    return net;
  }

  /** The namespace called `name` ("" or "init" for the initial one), or null. */
  getNet(name: string): Net | null {
    if (name === "") return this.initNet;
    return this.netns.get(name) ?? null;
  }

  /**
   * Destroys a namespace (cleanup_net): devices of a link kind die through their dellink,
   * other devices return to the initial namespace, loopback goes last.
   */
  destroyNet(net: Net): void {
    if (net === this.initNet) throw new KernelError(EINVAL, "cannot destroy the initial namespace");
    if (!this.nets.has(net)) return;
    net.dying = true;
    const dying: NetDevice[] = [];
    for (const dev of net.devList().reverse()) {
      if (dev === net.loopback) continue;
      if (dev.linkKind !== null && !dev.linkKind.netnsRefund) queueDellink(dev, dying);
    }
    unregisterNetdevMany(dying);
    for (const dev of net.devList()) {
      if (dev === net.loopback || dev.regState !== 1) continue;
      devChangeNetNamespace(dev, this.initNet, this.initNet.devices.has(dev.name) ? "dev%d" : undefined);
    }
    unregisterNetdevMany([net.loopback]);
    for (const ops of [...this.pernet].reverse()) ops.exit?.(net);
    this.nets.delete(net);
    if (net.name !== "") this.netns.delete(net.name);
  }

  // ---- protocol handlers and notifiers -----------------------------------------------------

  addPack(pt: PacketType): void {
    devAddPack(this, pt);
  }

  removePack(pt: PacketType): void {
    devRemovePack(this, pt);
  }

  /** Registers a /proc/sys entry (path relative to /proc/sys, e.g. "net/ipv4/ip_forward"). */
  registerSysctl(path: string, entry: SysctlEntry): () => void {
    const file: VfsFile = {
      mode: entry.set === undefined ? 0o444 : 0o644,
      read: (ctx) => entry.get(ctx) + "\n",
      ...(entry.set === undefined
        ? {}
        : {
            write: (ctx: VfsContext, data: string) => {
              if (entry.admin !== false && !capable(ctx.cred, CAP_NET_ADMIN)) throw new KernelError(EPERM);
              entry.set!(ctx, data);
            },
          }),
    };
    return this.vfs.add(`/proc/sys/${path}`, file);
  }

  // ---- modules ----------------------------------------------------------------------------

  /**
   * insmod: loads a plugin with parameters. Checks the core version range, dependencies and
   * parameters; a failing setup leaves nothing behind.
   */
  insmod<P extends Record<string, ParamSpec>>(plugin: Plugin<P>, params: Record<string, ParamValue> = {}, cred: Cred = ROOT_CRED): Module {
    if (!capable(cred, CAP_SYS_MODULE)) throw new KernelError(EPERM, `could not insert module ${plugin.name}`);
    if (this.modules.has(plugin.name)) throw new KernelError(EEXIST, `could not insert module ${plugin.name}`);
    if (plugin.coreRange !== undefined && !satisfies(CORE_VERSION, plugin.coreRange)) {
      this.printk(`${plugin.name}: disagrees about version of symbol module_layout (needs core ${plugin.coreRange}, have ${CORE_VERSION})`);
      throw new KernelError(EINVAL, `could not insert module ${plugin.name}`);
    }
    const deps: Module[] = [];
    for (const d of plugin.dependencies ?? []) {
      const m = this.modules.get(d);
      if (m === undefined) {
        this.printk(`${plugin.name}: Unknown symbol (needs module ${d})`);
        throw new KernelError(ENOENT, `could not insert module ${plugin.name}: Unknown symbol in module`);
      }
      deps.push(m);
    }
    const mod = new Module(this, plugin);
    const specs: Record<string, ParamSpec> = plugin.params ?? {};
    for (const name of Object.keys(params)) {
      if (!(name in specs)) {
        this.printk(`${plugin.name}: Unknown parameter \`${name}'`);
        throw new KernelError(ENOENT, `could not insert module ${plugin.name}: Unknown symbol in module`);
      }
    }
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.set !== undefined) continue;
      const given = params[name];
      const value = given === undefined ? (spec.default ?? defaultFor(spec)) : parseParam(spec, given);
      if (value === null) {
        this.printk(`${plugin.name}: \`${String(given)}' invalid for parameter \`${name}'`);
        throw new KernelError(EINVAL, `could not insert module ${plugin.name}: Invalid parameters`);
      }
      mod.params.set(name, value);
    }
    const ctx = this.pluginContext(mod);
    this.modules.set(mod.name, mod);
    try {
      for (const [name, spec] of Object.entries(specs)) this.addParamFile(mod, name, spec);
      const exit = plugin.setup(ctx as PluginContext<any>);
      if (typeof exit === "function") mod.cleanups.push(exit);
      // Parameters with their own setter act at load time too (insmod etun newif=a,b).
      for (const [name, spec] of Object.entries(specs)) {
        const given = params[name];
        if (spec.set !== undefined && given !== undefined) spec.set(String(given), { kernel: this, cred, net: this.initNet });
      }
      for (const d of deps) d.holders.add(mod);
      mod.state = MODULE_STATE_LIVE;
      return mod;
    } catch (e) {
      mod.state = MODULE_STATE_GOING;
      this.teardown(mod);
      throw e;
    }
  }

  /** rmmod: EBUSY while in use (devices open, dependants loaded). */
  rmmod(name: string, cred: Cred = ROOT_CRED): void {
    if (!capable(cred, CAP_SYS_MODULE)) throw new KernelError(EPERM, `could not remove module ${name}`);
    const mod = this.modules.get(name);
    if (mod === undefined) throw new KernelError(ENOENT, `Module ${name} is not currently loaded`);
    if (mod.holders.size > 0) throw new KernelError(EBUSY, `Module ${name} is in use by: ${[...mod.holders].map((m) => m.name).join(" ")}`);
    if (mod.refcnt > 0) throw new KernelError(EBUSY, `Module ${name} is in use`);
    mod.state = MODULE_STATE_GOING;
    this.teardown(mod);
    for (const m of this.modules.values()) m.holders.delete(mod);
  }

  private teardown(mod: Module): void {
    const errors: unknown[] = [];
    for (const fn of mod.cleanups.splice(0).reverse()) {
      try {
        fn();
      } catch (e) {
        errors.push(e);
      }
    }
    this.modules.delete(mod.name);
    if (errors.length > 0) throw errors[0];
  }

  private addParamFile(mod: Module, name: string, spec: ParamSpec): void {
    const perm = spec.perm ?? 0o444;
    if (perm === 0) return;
    const file: VfsFile = {
      mode: perm,
      read: (ctx) => {
        if (spec.get !== undefined) return spec.get({ kernel: this, cred: ctx.cred, net: ctx.net });
        if (spec.set !== undefined) return "";
        return formatParam(spec, mod.params.get(name)!) + "\n";
      },
      write: (ctx, data) => {
        if (spec.set !== undefined) {
          spec.set(data, { kernel: this, cred: ctx.cred, net: ctx.net });
          return;
        }
        const v = parseParam(spec, data.trim());
        if (v === null) throw new KernelError(EINVAL);
        mod.params.set(name, v);
      },
    };
    mod.cleanups.push(this.vfs.add(`/sys/module/${mod.name}/parameters/${name}`, file));
  }

  private pluginContext(mod: Module): PluginContext<Record<string, ParamValue>> {
    const params = Object.fromEntries(mod.params) as Record<string, ParamValue>;
    return {
      kernel: this,
      module: mod,
      params,
      registerNetdeviceNotifier: (nb) => {
        registerNetdeviceNotifier(this, nb);
        mod.cleanups.push(() => unregisterNetdeviceNotifier(this, nb));
      },
      registerLinkKind: (ops) => {
        mod.cleanups.push(rtnlLinkRegister(this, ops));
      },
      addPack: (pt) => {
        this.addPack(pt);
        mod.cleanups.push(() => this.removePack(pt));
      },
      registerCommand: (cmd) => {
        if (this.commands.has(cmd.name)) throw new KernelError(EEXIST, `command ${cmd.name} already registered`);
        this.commands.set(cmd.name, cmd);
        mod.commands.set(cmd.name, cmd);
        mod.cleanups.push(() => {
          this.commands.delete(cmd.name);
          mod.commands.delete(cmd.name);
        });
      },
      addFile: (path, file) => {
        mod.cleanups.push(this.vfs.add(path, file));
      },
      onExit: (fn) => {
        mod.cleanups.push(fn);
      },
    };
  }

  /** dev_alloc_name in the initial namespace (convenience for tools). */
  allocName(template: string, net: Net = this.initNet): string {
    return devAllocName(net, template);
  }
}

function defaultFor(spec: ParamSpec): ParamValue {
  return spec.type === "bool" ? false : spec.type === "charp" ? "" : 0;
}

/** param_set_int & co: the text forms insmod accepts. */
function parseParam(spec: ParamSpec, given: ParamValue): ParamValue | null {
  switch (spec.type) {
    case "bool": {
      if (typeof given === "boolean") return given;
      const s = String(given).trim();
      if (["1", "y", "Y"].includes(s)) return true;
      if (["0", "n", "N"].includes(s)) return false;
      return null;
    }
    case "charp":
      return String(given);
    default: {
      const s = String(given).trim();
      if (!/^[-+]?(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) return null;
      const n = s.replace(/^\+/, "").startsWith("0x") ? parseInt(s, 16) : Number(s);
      if (spec.type === "int" && (n < -0x80000000 || n > 0x7fffffff)) return null;
      if (spec.type === "uint" && (n < 0 || n > 0xffffffff)) return null;
      if (spec.type === "ushort" && (n < 0 || n > 0xffff)) return null;
      return n;
    }
  }
}

function formatParam(spec: ParamSpec, v: ParamValue): string {
  return spec.type === "bool" ? (v ? "Y" : "N") : String(v);
}

export { Timer };
