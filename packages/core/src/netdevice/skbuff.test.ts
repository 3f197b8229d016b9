import { describe, expect, it } from "vitest";
import { SKB_POOL_BUF_SIZE, SkbQueue, allocSkb, copyView, kfreeSkb, netdevAllocSkb, skbPoolStats } from "../index.js";

describe("SkBuff", () => {
  it("moves offsets with reserve/put/push/pull/trim without copying", () => {
    const skb = allocSkb(100);
    const head = skb.head;
    skb.reserve(16);
    expect([skb.headroom(), skb.len]).toEqual([16, 0]);
    const at = skb.put(10);
    expect(at).toBe(16);
    skb.head.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], at);
    expect(skb.push(4)).toBe(12);
    expect(skb.len).toBe(14);
    expect(skb.pull(6)).toBe(18);
    expect([...skb.bytes()]).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(skb.pull(100)).toBe(-1);
    skb.trim(3);
    expect([...skb.bytes()]).toEqual([3, 4, 5]);
    expect(skb.head).toBe(head);
    expect(() => skb.push(100)).toThrow(/skb_under_panic/);
    expect(() => skb.put(SKB_POOL_BUF_SIZE)).toThrow(/skb_over_panic/);
    kfreeSkb(skb);
  });

  it("shares data with clones and returns the buffer to the pool after the last free", () => {
    const skb = netdevAllocSkb(null, 60);
    skb.putData(new Uint8Array([9, 9, 9]));
    const c = skb.clone();
    expect(c.head).toBe(skb.head);
    expect(skb.cloned).toBe(true);
    const copy = skb.copy();
    expect(copy.head).not.toBe(skb.head);
    expect([...copy.bytes()]).toEqual([9, 9, 9]);
    const before = skbPoolStats().cached;
    kfreeSkb(skb);
    expect(skbPoolStats().cached).toBe(before);
    kfreeSkb(c);
    expect(skbPoolStats().cached).toBe(before + 1);
    expect(() => kfreeSkb(c)).toThrow(/freed twice/);
    kfreeSkb(copy);
  });

  it("reuses pooled buffers, so steady state allocates nothing", () => {
    for (let i = 0; i < 4; i++) kfreeSkb(allocSkb(64));
    const { misses } = skbPoolStats();
    for (let i = 0; i < 1000; i++) kfreeSkb(allocSkb(64));
    expect(skbPoolStats().misses).toBe(misses);
    const big = allocSkb(SKB_POOL_BUF_SIZE + 1);
    expect(big.end).toBe(SKB_POOL_BUF_SIZE + 1);
  });

  it("copies any bytes exactly with copyView, NaN bit patterns included, at any offset and length", () => {
    const src = new Uint8Array(400);
    const sv = new DataView(src.buffer);
    let x = 12345;
    for (let i = 0; i < src.length; i++) src[i] = x = (x * 1103515245 + 12345) & 0xff;
    // Signalling, quiet, negative and V8's hole NaN patterns, little- and big-endian.
    const nans = [0x7ff0000000000001n, 0x7ff4000012345678n, 0xfff7fffffff7ffffn, 0x7ff8000000000000n, 0xfff0000000000001n];
    nans.forEach((n, j) => {
      sv.setBigUint64(8 * j, n, true);
      sv.setBigUint64(64 + 8 * j + 3, n, false);
    });
    for (let rounds = 0; rounds < 2000; rounds++) {
      for (const len of [0, 1, 2, 3, 7, 8, 9, 14, 20, 64, 106, 128, 129, 300]) {
        const so = (rounds * 7 + len) % 50;
        const dOff = (rounds * 3) % 40;
        const dst = new Uint8Array(400).fill(0xee);
        copyView(dst, new DataView(dst.buffer), dOff, src, sv, so, len);
        const want = new Uint8Array(400).fill(0xee);
        want.set(src.subarray(so, so + len), dOff);
        if (dst.some((b, i) => b !== want[i])) expect.fail(`len ${len} from ${so} to ${dOff}`);
      }
    }
  });

  it("queues FIFO with head requeue", () => {
    const q = new SkbQueue();
    const [a, b, c] = [allocSkb(1), allocSkb(1), allocSkb(1)];
    q.enqueue(a);
    q.enqueue(b);
    q.enqueueHead(c);
    expect([q.dequeue(), q.dequeue(), q.dequeue(), q.dequeue()]).toEqual([c, a, b, null]);
    q.enqueue(a);
    q.enqueue(b);
    expect(q.purge()).toBe(2);
    expect(q.qlen).toBe(0);
    kfreeSkb(c);
  });
});
