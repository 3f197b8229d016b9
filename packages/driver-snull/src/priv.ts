/** The driver's state: module-wide (the book's globals) and per device (struct snull_priv). */
import { NetDeviceStats, Timer, consumeSkb, type Kernel, type Module, type Napi, type NetDevice, type SkBuff } from "@vnet/core";
import type { SnullConfig } from "./params.js";
import type { SnullPacket } from "./pool.js";
import { snullIrqFire } from "./interrupt.js";

/** The interrupt handler in use: regular or NAPI (the book's snull_interrupt pointer). */
export type SnullInterrupt = (priv: SnullPriv) => void;

/** What the module instance owns: its configuration, interrupt handler and address slots. */
export class SnullDriver {
  readonly kernel: Kernel;
  readonly module: Module;
  readonly config: SnullConfig;
  readonly interrupt: SnullInterrupt;
  /** Pair slots in use; slot s gives its devices the address indexes 2s and 2s+1. */
  private readonly slots: boolean[] = [];
  private readonly printkRs: RatelimitState = { begin: 0, printed: 0 };
  private readonly netRs: RatelimitState = { begin: 0, printed: 0 };

  constructor(kernel: Kernel, module: Module, config: SnullConfig, interrupt: SnullInterrupt) {
    this.kernel = kernel;
    this.module = module;
    this.config = config;
    this.interrupt = interrupt;
  }

  /** The lowest free pair slot. */
  allocSlot(): number {
    const s = this.slots.indexOf(false);
    if (s >= 0) {
      this.slots[s] = true;
      return s;
    }
    this.slots.push(true);
    return this.slots.length - 1;
  }

  freeSlot(slot: number): void {
    if (slot < this.slots.length) this.slots[slot] = false;
  }

  /** printk_ratelimit(): at most 10 messages every 5 seconds. */
  ratelimit(): boolean {
    return this.ratelimitCheck(this.printkRs);
  }

  /** net_ratelimit(): the same limit, counted apart, for messages of the transmit path. */
  netRatelimit(): boolean {
    return this.ratelimitCheck(this.netRs);
  }

  /** __ratelimit() with the kernel's defaults: a burst of 10 per interval of 5 seconds. */
  private ratelimitCheck(rs: RatelimitState): boolean {
    const j = this.kernel.jiffies;
    if (j - rs.begin >= 5 * this.kernel.hz) {
      rs.begin = j;
      rs.printed = 0;
    }
    return rs.printed++ < 10;
  }
}

/** struct ratelimit_state: when the interval began and how many messages it let through. */
interface RatelimitState {
  begin: number;
  printed: number;
}

/** struct snull_priv: one per device, reached as dev.priv. */
export class SnullPriv {
  readonly drv: SnullDriver;
  /** Set by snull's setup callback, before anything else can reach the device. */
  dev: NetDevice<SnullPriv> = null as unknown as NetDevice<SnullPriv>;
  /** The twin device that receives what this one sends. */
  peer: NetDevice<SnullPriv> | null = null;
  /** Address index: the last octet of "\0SNULx" is '0' + index. */
  readonly index: number;
  readonly slot: number;
  /** The statistics snull_stats returns. */
  readonly stats: NetDeviceStats = new NetDeviceStats();

  /** The status word the interrupt handler reads and clears. */
  status = 0;
  /** Interrupts raised and not yet delivered. */
  rxIrqs = 0;
  txIrqs = 0;
  /** Delivers raised interrupts from the kernel's timer queue. */
  readonly irq: Timer<SnullPriv>;
  rxIntEnabled = true;

  /** Every buffer this device owns, free or in flight. */
  readonly buffers: SnullPacket[] = [];
  /** Free list (ppool) and its length. */
  ppool: SnullPacket | null = null;
  poolFree = 0;
  /** Received buffers not yet handed to the stack (rx_queue). */
  rxHead: SnullPacket | null = null;
  rxTail: SnullPacket | null = null;
  rxQueueLen = 0;

  /** Transmissions waiting for their transmit-complete interrupt, oldest first. */
  readonly txRing: SnullTxRing = new SnullTxRing();
  /** Frames handed to the "hardware" (drives `lockup`). */
  txCount = 0;
  /** Receive skb allocations attempted (drives `rx_nomem`). */
  rxAllocs = 0;
  napi: Napi | null = null;

  /** The ifmap fields snull_config knows (SIOCSIFMAP). */
  baseAddr = 0;
  irqLine = 0;

  constructor(drv: SnullDriver, index: number, slot: number) {
    this.drv = drv;
    this.index = index;
    this.slot = slot;
    this.irq = new Timer<SnullPriv>(snullIrqFire, this);
  }

  /** snull_rx_ints(): masks or unmasks receive interrupts. */
  rxInts(enable: boolean): void {
    this.rxIntEnabled = enable;
  }
}

/**
 * The transmissions a device has handed to its "hardware" and not yet seen completed (the book's
 * single `priv->skb`, as a FIFO). Each one is the length to count at transmit-done and the skb to
 * free then, or null when the frame left in its own skb (the receiver owns it now). A ring that
 * grows when full and never shrinks, so the data path allocates nothing.
 */
export class SnullTxRing {
  private lens: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  private skbs: (SkBuff | null)[] = [null, null, null, null, null, null, null, null];
  private head = 0;
  private count = 0;

  /** Transmissions pending. */
  get qlen(): number {
    return this.count;
  }

  push(len: number, skb: SkBuff | null): void {
    if (this.count === this.lens.length) this.grow();
    const i = (this.head + this.count) & (this.lens.length - 1);
    this.lens[i] = len;
    this.skbs[i] = skb;
    this.count++;
  }

  /** The oldest transmission is done: frees its skb if it kept one; returns its length, or -1. */
  complete(): number {
    if (this.count === 0) return -1;
    const i = this.head;
    const len = this.lens[i]!;
    const skb = this.skbs[i]!;
    this.skbs[i] = null;
    this.head = (i + 1) & (this.lens.length - 1);
    this.count--;
    if (skb !== null) consumeSkb(skb);
    return len;
  }

  /** Forgets every pending transmission, freeing the skbs kept; returns how many there were. */
  purge(): number {
    const n = this.count;
    while (this.count > 0) this.complete();
    return n;
  }

  /** Twice the room, the pending entries first. */
  private grow(): void {
    const n = this.lens.length;
    const lens: number[] = new Array<number>(2 * n).fill(0);
    const skbs: (SkBuff | null)[] = new Array<SkBuff | null>(2 * n).fill(null);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & (n - 1);
      lens[k] = this.lens[i]!;
      skbs[k] = this.skbs[i]!;
    }
    this.lens = lens;
    this.skbs = skbs;
    this.head = 0;
  }
}
