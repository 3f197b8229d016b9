import { describe, expect, it } from "vitest";
import { LpmTable } from "./lpm.js";

/** mulberry32: a small seeded PRNG returning unsigned 32-bit integers. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function mask(plen: number): number {
  return plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0;
}

interface Route {
  prefix: number;
  plen: number;
  value: number;
}

/** The obvious implementation: a list of routes scanned in full on every lookup. */
class Oracle {
  readonly routes: Map<string, Route> = new Map();
  set(prefix: number, plen: number, value: number): void {
    const p = (prefix & mask(plen)) >>> 0;
    this.routes.set(`${p}/${plen}`, { prefix: p, plen, value });
  }
  delete(prefix: number, plen: number): boolean {
    return this.routes.delete(`${(prefix & mask(plen)) >>> 0}/${plen}`);
  }
  /** Every route containing addr, longest first. */
  matches(addr: number): Route[] {
    const out: Route[] = [];
    for (const r of this.routes.values()) if (((addr & mask(r.plen)) >>> 0) === r.prefix) out.push(r);
    return out.sort((a, b) => b.plen - a.plen);
  }
  sorted(): [number, number, number][] {
    return [...this.routes.values()]
      .sort((a, b) => a.prefix - b.prefix || a.plen - b.plen)
      .map((r) => [r.prefix, r.plen, r.value]);
  }
}

/** An address inside a random route of the oracle (so long prefixes get hit), or a random one. */
function probe(rand: () => number, routes: Route[]): number {
  const r = routes.length > 0 && rand() % 4 !== 0 ? routes[rand() % routes.length] : undefined;
  if (r === undefined) return rand();
  return (r.prefix | (rand() & ~mask(r.plen))) >>> 0;
}

function verify(table: LpmTable<number>, oracle: Oracle, rand: () => number, lookups: number): void {
  expect(table.size).toBe(oracle.routes.size);
  const routes = [...oracle.routes.values()];
  for (const r of routes) expect(table.get(r.prefix, r.plen)).toBe(r.value);
  expect([...table.entries()]).toEqual(oracle.sorted());
  for (let i = 0; i < lookups; i++) {
    const addr = probe(rand, routes);
    const best = oracle.matches(addr)[0];
    expect(table.lookup(addr)).toBe(best?.value);
    expect(table.matchedLen).toBe(best === undefined ? -1 : best.plen);
    expect(table.matchedPrefix).toBe(best === undefined ? 0 : best.prefix);
    // A signed int32 form of the same address finds the same route.
    expect(table.lookup(addr | 0)).toBe(best?.value);
  }
}

type Gen = (rand: () => number) => [prefix: number, plen: number];

/** Uniform lengths 0..32 over the whole address space: default route, hosts, little overlap. */
const uniform: Gen = (rand) => [rand(), rand() % 33];
/** Lengths 8..32 over a few 10.0.x.y: deep overlap, lists that split down to the /24 level. */
const clustered: Gen = (rand) => [(0x0a000000 | (rand() & 0x3ff) | ((rand() & 3) << 12)) >>> 0, 8 + (rand() % 25)];
/** Lengths 16..32 inside one /16: short prefixes shadowing long ones within a node. */
const nested: Gen = (rand) => [(0xc0a80000 | (rand() & 0xffff)) >>> 0, 16 + (rand() % 17)];

describe("LpmTable", () => {
  it("starts empty", () => {
    const t = new LpmTable<string>();
    expect(t.size).toBe(0);
    expect(t.lookup(0x01020304)).toBeUndefined();
    expect(t.matchedLen).toBe(-1);
    expect(t.get(0, 0)).toBeUndefined();
    expect(t.delete(0, 0)).toBe(false);
    expect([...t.entries()]).toEqual([]);
  });

  it("matches the default route, overlapping prefixes and host routes", () => {
    const t = new LpmTable<string>();
    t.set(0, 0, "default");
    t.set(0x0a000000, 8, "10/8");
    t.set(0x0a010000, 16, "10.1/16");
    t.set(0x0a010200, 24, "10.1.2/24");
    t.set(0x0a010203, 32, "10.1.2.3/32");
    t.set(0xffffffff, 32, "broadcast");
    expect(t.lookup(0x0b000000)).toBe("default");
    expect(t.matchedLen).toBe(0);
    expect(t.lookup(0x0a020304)).toBe("10/8");
    expect(t.lookup(0x0a01ff00)).toBe("10.1/16");
    expect(t.lookup(0x0a010204)).toBe("10.1.2/24");
    expect(t.lookup(0x0a010203)).toBe("10.1.2.3/32");
    expect(t.matchedPrefix).toBe(0x0a010203);
    expect(t.matchedLen).toBe(32);
    expect(t.lookup(0xffffffff)).toBe("broadcast");
    expect(t.matchedPrefix).toBe(0xffffffff);
    expect(t.lookup(0xfffffffe)).toBe("default");
    expect(t.delete(0x0a010200, 24)).toBe(true);
    expect(t.lookup(0x0a010204)).toBe("10.1/16");
    expect(t.delete(0, 0)).toBe(true);
    expect(t.lookup(0x0b000000)).toBeUndefined();
    expect(t.size).toBe(4);
  });

  it("normalises host bits on set, get and delete", () => {
    const t = new LpmTable<string>();
    t.set(0x0a0102ff, 24, "a");
    expect(t.get(0x0a010200, 24)).toBe("a");
    expect(t.get(0x0a010201, 24)).toBe("a");
    expect(t.get(0x0a010200, 23)).toBeUndefined();
    t.set(0x0a010277, 24, "b"); // same prefix: replaces
    expect(t.size).toBe(1);
    expect([...t.entries()]).toEqual([[0x0a010200, 24, "b"]]);
    t.set(0xdeadbeef, 0, "default");
    expect([...t.entries()]).toEqual([
      [0, 0, "default"],
      [0x0a010200, 24, "b"],
    ]);
    expect(t.delete(0x0a0102ee, 24)).toBe(true);
    expect(t.has(0x0a010200, 24)).toBe(false);
    expect(t.has(0x12345678, 0)).toBe(true);
  });

  it("rejects prefix lengths outside 0..32", () => {
    const t = new LpmTable<number>();
    expect(() => t.set(0, 33, 1)).toThrow(RangeError);
    expect(() => t.set(0, -1, 1)).toThrow(RangeError);
    expect(() => t.get(0, 1.5)).toThrow(RangeError);
    expect(() => t.delete(0, Number.NaN)).toThrow(RangeError);
    expect(t.size).toBe(0);
  });

  it("iterates in prefix order, then length order", () => {
    const t = new LpmTable<number>();
    const input: [number, number][] = [
      [0xc0a80100, 24],
      [0x0a000000, 16],
      [0x0a000000, 8],
      [0, 0],
      [0x0a000000, 24],
      [0x80000000, 1],
      [0x0a000100, 24],
      [0xffffffff, 32],
    ];
    input.forEach(([p, l], i) => t.set(p, l, i));
    expect([...t].map(([p, l]) => `${p.toString(16)}/${l}`)).toEqual([
      "0/0",
      "a000000/8",
      "a000000/16",
      "a000000/24",
      "a000100/24",
      "80000000/1",
      "c0a80100/24",
      "ffffffff/32",
    ]);
  });

  for (const [name, gen] of [
    ["uniform", uniform],
    ["clustered", clustered],
    ["nested", nested],
  ] as const) {
    it(`agrees with a linear scan on random ${name} tables`, () => {
      for (const seed of [1, 2, 3]) {
        const rand = prng(seed * 7919 + name.length);
        const t = new LpmTable<number>();
        const o = new Oracle();
        let value = 0;
        for (let i = 0; i < 3000; i++) {
          const [p, l] = gen(rand);
          t.set(p, l, value);
          o.set(p, l, value++);
          if (i % 750 === 0) verify(t, o, rand, 200);
        }
        verify(t, o, rand, 1500);
      }
    });

    it(`agrees with a linear scan with deletes interleaved (${name})`, () => {
      const rand = prng(424242 + name.length);
      const t = new LpmTable<number>();
      const o = new Oracle();
      // A fixed pool of prefixes, so that deletes hit and re-inserts happen.
      const pool = Array.from({ length: 1500 }, () => gen(rand));
      let value = 0;
      for (let round = 0; round < 4; round++) {
        const insertBias = round % 2 === 0 ? 3 : 1; // grow, shrink, grow, shrink
        for (let i = 0; i < 3000; i++) {
          const [p, l] = pool[rand() % pool.length]!;
          if (rand() % (insertBias + 1) !== 0) {
            t.set(p, l, value);
            o.set(p, l, value++);
          } else {
            expect(t.delete(p, l)).toBe(o.delete(p, l));
          }
        }
        verify(t, o, rand, 500);
      }
      // Empty it completely, then fill again: freed nodes, lists and ids are reused correctly.
      for (const r of [...o.routes.values()]) {
        expect(t.delete(r.prefix, r.plen)).toBe(true);
        o.delete(r.prefix, r.plen);
        expect(t.get(r.prefix, r.plen)).toBeUndefined();
      }
      verify(t, o, rand, 100);
      for (let i = 0; i < 2000; i++) {
        const [p, l] = pool[rand() % pool.length]!;
        t.set(p, l, value);
        o.set(p, l, value++);
      }
      verify(t, o, rand, 500);
    });

    it(`lookupWhere backtracks to shorter prefixes (${name})`, () => {
      const rand = prng(99 + name.length);
      const t = new LpmTable<number>();
      const o = new Oracle();
      for (let i = 0; i < 2000; i++) {
        const [p, l] = gen(rand);
        t.set(p, l, i);
        o.set(p, l, i);
      }
      t.set(0, 0, 3); // a default route the predicate below rejects
      o.set(0, 0, 3);
      const routes = [...o.routes.values()];
      for (let i = 0; i < 1500; i++) {
        const addr = probe(rand, routes);
        const matches = o.matches(addr);
        const accepted = matches.find((r) => r.value % 3 !== 0);
        const seen: number[] = [];
        const got = t.lookupWhere(addr, (v) => {
          seen.push(v);
          return v % 3 !== 0;
        });
        expect(got).toBe(accepted?.value);
        expect(t.matchedLen).toBe(accepted === undefined ? -1 : accepted.plen);
        expect(t.matchedPrefix).toBe(accepted === undefined ? 0 : accepted.prefix);
        // Candidates are offered longest first, and the search stops at the first accepted one.
        const offered = accepted === undefined ? matches : matches.slice(0, matches.indexOf(accepted) + 1);
        expect(seen).toEqual(offered.map((r) => r.value));
        // Accepting everything is a plain lookup.
        expect(t.lookupWhere(addr, () => true)).toBe(matches[0]?.value);
      }
    });
  }

  it("keeps every route when a deep chain of nodes shrinks back into a list", () => {
    // 40 host routes in one /24 nest nodes at /8, /16 and /24; deleting most of them folds the
    // whole chain back at once.
    const t = new LpmTable<number>();
    const o = new Oracle();
    for (let i = 0; i < 40; i++) {
      t.set(0x0a000000 + i * 5, 32, i);
      o.set(0x0a000000 + i * 5, 32, i);
    }
    t.set(0x0a000000, 30, 100);
    o.set(0x0a000000, 30, 100);
    const rand = prng(11);
    for (let i = 39; i >= 0; i--) {
      expect(t.delete(0x0a000000 + i * 5, 32)).toBe(true);
      o.delete(0x0a000000 + i * 5, 32);
      verify(t, o, rand, 50);
    }
  });

  it("clear() empties the table and leaves it usable", () => {
    const rand = prng(5);
    const t = new LpmTable<number>();
    for (let i = 0; i < 500; i++) t.set(...clustered(rand), i);
    t.clear();
    expect(t.size).toBe(0);
    expect([...t.entries()]).toEqual([]);
    expect(t.lookup(0x0a000001)).toBeUndefined();
    t.set(0x0a000000, 8, 1);
    expect(t.lookup(0x0a000001)).toBe(1);
  });
});
