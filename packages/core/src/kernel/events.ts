import EventEmitter from "eventemitter3";
import type { NetDevice } from "../netdevice/netdevice.js";
import type { SkBuff } from "../netdevice/skbuff.js";
import type { DropReason } from "../netdevice/dev.js";

/** What observers can listen to on `kernel.events`. */
export interface KernelEventMap {
  /** A device was registered (or moved into a namespace). */
  register: [dev: NetDevice];
  /** A device was unregistered (or moved out of a namespace). */
  unregister: [dev: NetDevice];
  /** An unregistered device's last reference went away. */
  free: [dev: NetDevice];
  up: [dev: NetDevice];
  down: [dev: NetDevice];
  /** Carrier, MTU, address, name or flags changed. */
  change: [dev: NetDevice];
  /** A packet is handed to a driver (the skb is only valid during the call). */
  xmit: [dev: NetDevice, skb: SkBuff];
  /** A packet enters the stack from a device (valid during the call). */
  receive: [dev: NetDevice, skb: SkBuff];
  /** A packet was dropped, and why (valid during the call). */
  drop: [dev: NetDevice, skb: SkBuff, reason: DropReason];
  /** A kernel log line. */
  printk: [line: string];
}

/** The names of the kernel's events. */
export type KernelEventName = keyof KernelEventMap;
type Name = KernelEventName;
/** A listener for one of the kernel's events. */
export type KernelEventListener<E extends KernelEventName> = (...args: KernelEventMap[E]) => void;

/**
 * Typed events for observers outside the kernel (UIs, tests, loggers). The data path checks the
 * `watch*` flags before building anything, so unobserved events cost nothing.
 */
export class KernelEvents {
  private ee: InstanceType<typeof EventEmitter> = new EventEmitter();
  /** Someone listens to xmit/receive. */
  watchPackets = false;
  /** Someone listens to drop. */
  watchDrops = false;

  on<E extends Name>(event: E, fn: KernelEventListener<E>): this {
    this.ee.on(event, fn as (...args: unknown[]) => void);
    this.refresh();
    return this;
  }

  once<E extends Name>(event: E, fn: KernelEventListener<E>): this {
    this.ee.once(event, fn as (...args: unknown[]) => void);
    this.refresh();
    return this;
  }

  off<E extends Name>(event: E, fn?: KernelEventListener<E>): this {
    this.ee.off(event, fn as ((...args: unknown[]) => void) | undefined);
    this.refresh();
    return this;
  }

  listenerCount(event: Name): number {
    return this.ee.listenerCount(event);
  }

  emit<E extends Name>(event: E, ...args: KernelEventMap[E]): void {
    this.ee.emit(event, ...args);
  }

  /** @internal */
  emitDevice(event: "register" | "unregister" | "free" | "up" | "down" | "change", dev: NetDevice): void {
    if (this.ee.listenerCount(event) !== 0) this.ee.emit(event, dev);
  }

  /** @internal */
  emitPacket(event: "xmit" | "receive", dev: NetDevice, skb: SkBuff): void {
    this.ee.emit(event, dev, skb);
  }

  /** @internal */
  emitDrop(dev: NetDevice, skb: SkBuff, reason: DropReason): void {
    this.ee.emit("drop", dev, skb, reason);
  }

  private refresh(): void {
    this.watchPackets = this.ee.listenerCount("xmit") + this.ee.listenerCount("receive") > 0;
    this.watchDrops = this.ee.listenerCount("drop") > 0;
  }
}
