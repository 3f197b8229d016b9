/** A kernel timer (struct timer_list): fires `fn(data)` when the clock reaches `expires` jiffies. */
export class Timer<T = unknown> {
  fn: (data: T) => void;
  data: T;
  /** Expiry in nanoseconds of virtual time; valid while pending. */
  when = 0;
  /** Position in the scheduler's heap, -1 when not pending. */
  index = -1;
  seq = 0;
  /** A deferrable timer (TIMER_DEFERRABLE) does not keep `run()` going on its own. */
  deferrable = false;

  constructor(fn: (data: T) => void, data: T) {
    this.fn = fn;
    this.data = data;
  }

  get pending(): boolean {
    return this.index >= 0;
  }
}

/** Work run before time may advance (softirqs): the scheduler drains it first. */
export interface PendingWork {
  pending: boolean;
  run(): void;
}

/**
 * The discrete-event scheduler behind the kernel's clock. Time is virtual nanoseconds and only
 * moves when the next timer is due, so a run is deterministic. Timers due at the same instant
 * fire in the order they were armed. Pending softirq work always runs before the next timer.
 */
export class Scheduler {
  /** Virtual time in nanoseconds. */
  now = 0;
  private heap: Timer<any>[] = [];
  private seq = 0;
  private softirq: PendingWork | null = null;
  /** Pending timers that are not deferrable. */
  private active = 0;
  /** Inside runUntil/runIdle: the caller runs the queue, nobody needs waking. */
  private running = false;
  /**
   * Called, outside a run, when a timer becomes the earliest pending one: a host loop that sleeps
   * until nextTime() (RealtimeClock) re-arms at once instead of polling. Null: one field test.
   */
  onWake: (() => void) | null = null;
  /** The last jiffiesAt() answer and what it was computed from. */
  private jiffiesNs = -1;
  private jiffiesPer = 0;
  private jiffiesVal = 0;

  /**
   * jiffies for ticks of `nsPerJiffy` ns: floor(now / nsPerJiffy), computed again only when the
   * clock has moved. The data path reads jiffies per packet (trans_start, neigh->used, IP IDs)
   * while virtual time mostly stands still.
   */
  jiffiesAt(nsPerJiffy: number): number {
    const now = this.now;
    if (now !== this.jiffiesNs || nsPerJiffy !== this.jiffiesPer) {
      this.jiffiesNs = now;
      this.jiffiesPer = nsPerJiffy;
      this.jiffiesVal = Math.floor(now / nsPerJiffy);
    }
    return this.jiffiesVal;
  }

  /** Where softirq work comes from (set once by the kernel). */
  setSoftirq(work: PendingWork): void {
    this.softirq = work;
  }

  /** Arms (or re-arms) `t` to fire at absolute time `when` ns. */
  arm(t: Timer<any>, when: number): void {
    if (t.index >= 0) this.remove(t);
    t.when = when < this.now ? this.now : when;
    t.seq = this.seq++;
    t.index = this.heap.length;
    this.heap.push(t);
    if (!t.deferrable) this.active++;
    this.up(t.index);
    if (this.onWake !== null && t.index === 0 && !this.running) this.onWake();
  }

  /** Disarms `t`; returns whether it was pending (del_timer). */
  cancel(t: Timer<any>): boolean {
    if (t.index < 0) return false;
    this.remove(t);
    return true;
  }

  /** Calls `fn` once after `delayNs`; returns the timer so it can be cancelled. */
  after(delayNs: number, fn: () => void): Timer<undefined> {
    const t = new Timer<undefined>(fn, undefined);
    this.arm(t, this.now + delayNs);
    return t;
  }

  /** When the next timer fires, or Infinity. */
  nextTime(): number {
    return this.heap.length > 0 ? this.heap[0]!.when : Infinity;
  }

  get pendingTimers(): number {
    return this.heap.length;
  }

  /** Pending timers that are not deferrable: work that will happen on its own. */
  get activeTimers(): number {
    return this.active;
  }

  /**
   * Runs softirqs and timers in order until `until` (absolute ns, inclusive) or until `stop`
   * returns true. Returns true when stopped by the predicate.
   */
  runUntil(until: number, stop?: () => boolean): boolean {
    const outer = this.running;
    this.running = true;
    try {
      const soft = this.softirq;
      for (;;) {
        if (soft !== null && soft.pending) {
          soft.run();
          continue;
        }
        if (stop !== undefined && stop()) return true;
        const t = this.heap[0];
        if (t === undefined || t.when > until) break;
        this.remove(t);
        if (t.when > this.now) this.now = t.when;
        t.fn(t.data);
      }
      if (until !== Infinity && until > this.now) this.now = until;
      return false;
    } finally {
      this.running = outer;
    }
  }

  /** Runs until nothing but deferrable timers is left (or `stop` says so). */
  runIdle(stop?: () => boolean): boolean {
    const outer = this.running;
    this.running = true;
    try {
      const soft = this.softirq;
      for (;;) {
        if (soft !== null && soft.pending) {
          soft.run();
          continue;
        }
        if (stop !== undefined && stop()) return true;
        if (this.active === 0) return false;
        const t = this.heap[0]!;
        this.remove(t);
        if (t.when > this.now) this.now = t.when;
        t.fn(t.data);
      }
    } finally {
      this.running = outer;
    }
  }

  private remove(t: Timer<any>): void {
    const heap = this.heap;
    const i = t.index;
    const last = heap.pop()!;
    t.index = -1;
    if (!t.deferrable) this.active--;
    if (last !== t) {
      heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
  }

  private less(a: Timer<any>, b: Timer<any>): boolean {
    return a.when < b.when || (a.when === b.when && a.seq < b.seq);
  }

  private up(i: number): void {
    const heap = this.heap;
    const t = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!this.less(t, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = t;
    t.index = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const t = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(heap[c + 1]!, heap[c]!)) c++;
      const child = heap[c]!;
      if (!this.less(child, t)) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = t;
    t.index = i;
  }
}
