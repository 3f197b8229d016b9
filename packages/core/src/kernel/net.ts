import type { Kernel } from "./kernel.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import type { NetnsIpv4 } from "../ipv4/netns.js";

/** A key for per-namespace state owned by a subsystem (net_generic). */
export class NetGenericKey<T> {
  private static next = 0;
  readonly id: number = NetGenericKey.next++;
  readonly name: string;
  readonly init: (net: Net) => T;

  constructor(name: string, init: (net: Net) => T) {
    this.name = name;
    this.init = init;
  }
}

/**
 * A network namespace (struct net): its own devices, loopback, and whatever state the protocol
 * subsystems hang on it (routes, neighbours, sockets, sysctls).
 */
export class Net {
  readonly kernel: Kernel;
  /** The name `ip netns` knows it by ("" for the initial namespace). */
  name: string;
  readonly devices: Map<string, NetDevice> = new Map();
  readonly devicesByIndex: Map<number, NetDevice> = new Map();
  /** The loopback device, set when the namespace is created. */
  loopback!: NetDevice;
  dying = false;
  /**
   * The IPv4 state, embedded as struct net embeds netns_ipv4 rather than reached through
   * net_generic: the data path reads it on every packet. Set on first use by ipv4Net().
   */
  ipv4: NetnsIpv4 | null = null;
  private ifindexNext = 1;
  private readonly generic: unknown[] = [];

  constructor(kernel: Kernel, name: string) {
    this.kernel = kernel;
    this.name = name;
  }

  /** net_generic(): this namespace's state for a subsystem, created on first use. */
  gen<T>(key: NetGenericKey<T>): T {
    const v = this.generic[key.id] as T | undefined;
    return v !== undefined ? v : this.genInit(key);
  }

  private genInit<T>(key: NetGenericKey<T>): T {
    // Grown by push, never by a store past the end: a packed array keeps gen() a plain load on
    // the data path, where it runs several times per packet.
    const g = this.generic;
    while (g.length <= key.id) g.push(undefined);
    const v = key.init(this);
    g[key.id] = v;
    return v;
  }

  /** Whether a subsystem has created its state here. */
  hasGen(key: NetGenericKey<unknown>): boolean {
    return key.id < this.generic.length && this.generic[key.id] !== undefined;
  }

  /** dev_index_reserve(): the next free ifindex. */
  allocIfindex(): number {
    while (this.devicesByIndex.has(this.ifindexNext)) this.ifindexNext++;
    return this.ifindexNext++;
  }

  /** Keeps a moved-in device's ifindex from being handed out again. */
  reserveIfindex(ifindex: number): void {
    if (ifindex >= this.ifindexNext) this.ifindexNext = ifindex + 1;
  }

  /** All devices, ordered by ifindex (as a netlink dump returns them). */
  devList(): NetDevice[] {
    return [...this.devicesByIndex.values()].sort((a, b) => a.ifindex - b.ifindex);
  }

  /** @internal list_netdevice */
  listDevice(dev: NetDevice): void {
    this.devices.set(dev.name, dev);
    this.devicesByIndex.set(dev.ifindex, dev);
  }

  /** @internal unlist_netdevice */
  unlistDevice(dev: NetDevice): void {
    if (this.devices.get(dev.name) === dev) this.devices.delete(dev.name);
    if (this.devicesByIndex.get(dev.ifindex) === dev) this.devicesByIndex.delete(dev.ifindex);
  }

  /** @internal */
  renameDevice(dev: NetDevice, name: string): void {
    this.devices.delete(dev.name);
    dev.name = name;
    this.devices.set(name, dev);
  }

  toString(): string {
    return this.name === "" ? "init_net" : this.name;
  }
}
