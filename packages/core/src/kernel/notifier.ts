import { EEXIST, ENOENT, KernelError } from "./errno.js";

/** Notifier return values, as include/linux/notifier.h. */
export const NOTIFY_DONE = 0x0000;
export const NOTIFY_OK = 0x0001;
export const NOTIFY_STOP_MASK = 0x8000;
export const NOTIFY_BAD = 0x8002;
export const NOTIFY_STOP = 0x8001;

/** Encodes a negative errno as a notifier return that stops the chain. */
export function notifierFromErrno(err: number): number {
  return err ? NOTIFY_STOP_MASK | (NOTIFY_OK - err) : NOTIFY_OK;
}

/** The negative errno a notifier return carries, or 0. */
export function notifierToErrno(ret: number): number {
  const r = ret & ~NOTIFY_STOP_MASK;
  return r > NOTIFY_OK ? NOTIFY_OK - r : 0;
}

/** A callback on a chain; higher priority runs first. */
export interface NotifierBlock<D> {
  notifierCall(event: number, data: D): number;
  priority?: number | undefined;
}

/** Result of calling a chain: the last return value and how many blocks ran. */
export interface NotifierResult {
  ret: number;
  nrCalls: number;
}

/** A notifier chain (kernel/notifier.c): ordered by priority, ties after existing blocks. */
export class NotifierChain<D> {
  // Replaced on every change, never mutated: a call walks a stable array without copying it,
  // and a block may unregister itself from its own callback (what RCU gives the kernel).
  private blocks: readonly NotifierBlock<D>[] = [];

  register(nb: NotifierBlock<D>): void {
    if (this.blocks.includes(nb)) throw new KernelError(EEXIST, "notifier already registered");
    const prio = nb.priority ?? 0;
    let i = 0;
    while (i < this.blocks.length && (this.blocks[i]!.priority ?? 0) >= prio) i++;
    this.blocks = [...this.blocks.slice(0, i), nb, ...this.blocks.slice(i)];
  }

  unregister(nb: NotifierBlock<D>): void {
    const i = this.blocks.indexOf(nb);
    if (i < 0) throw new KernelError(ENOENT, "notifier not registered");
    this.blocks = this.blocks.filter((b) => b !== nb);
  }

  isRegistered(nb: NotifierBlock<D>): boolean {
    return this.blocks.includes(nb);
  }

  get length(): number {
    return this.blocks.length;
  }

  /** notifier_call_chain: stops at NOTIFY_STOP_MASK or after `nrToCall` blocks (-1: all). */
  call(event: number, data: D, nrToCall = -1): NotifierResult {
    let ret = NOTIFY_DONE;
    let nrCalls = 0;
    for (const nb of this.blocks) {
      if (nrToCall-- === 0) break;
      ret = nb.notifierCall(event, data);
      nrCalls++;
      if (ret & NOTIFY_STOP_MASK) break;
    }
    return { ret, nrCalls };
  }

  /**
   * notifier_call_chain_robust: calls `up`; if a block vetoes, calls `down` on the blocks that
   * already ran, in the same order, and returns the veto.
   */
  callRobust(up: number, down: number, data: D): number {
    const { ret, nrCalls } = this.call(up, data);
    if (ret & NOTIFY_STOP_MASK) this.call(down, data, nrCalls - 1);
    return ret;
  }
}
