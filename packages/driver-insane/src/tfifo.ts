import type { SkBuff } from "@vnet/core";

/**
 * netem's tfifo: held packets ordered by their time to send (ns), ties in arrival order. A binary
 * heap over parallel arrays, so holding a packet allocates nothing once the arrays have grown.
 */
export class Tfifo {
  private skbs: (SkBuff | null)[] = [];
  private times: number[] = [];
  private seqs: number[] = [];
  private seq = 0;
  len = 0;
  /** The latest time to send among held packets (netem's "last"); valid while len > 0. */
  lastTime = 0;

  push(skb: SkBuff, time: number): void {
    let i = this.len++;
    if (this.len === 1 || time > this.lastTime) this.lastTime = time;
    const seq = this.seq++;
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = this.times[p]!;
      if (pt < time || (pt === time && this.seqs[p]! < seq)) break;
      this.skbs[i] = this.skbs[p]!;
      this.times[i] = pt;
      this.seqs[i] = this.seqs[p]!;
      i = p;
    }
    this.skbs[i] = skb;
    this.times[i] = time;
    this.seqs[i] = seq;
  }

  /** Time to send of the first packet; call only when len > 0. */
  headTime(): number {
    return this.times[0]!;
  }

  /** Removes and returns the first packet; call only when len > 0. */
  pop(): SkBuff {
    const top = this.skbs[0]!;
    const n = --this.len;
    const skb = this.skbs[n]!;
    const time = this.times[n]!;
    const seq = this.seqs[n]!;
    this.skbs[n] = null;
    if (n === 0) {
      this.seq = 0;
      return top;
    }
    // Sift the last entry down from the root.
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(c + 1, c)) c++;
      const ct = this.times[c]!;
      if (time < ct || (time === ct && seq < this.seqs[c]!)) break;
      this.skbs[i] = this.skbs[c]!;
      this.times[i] = ct;
      this.seqs[i] = this.seqs[c]!;
      i = c;
    }
    this.skbs[i] = skb;
    this.times[i] = time;
    this.seqs[i] = seq;
    return top;
  }

  private before(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }
}
