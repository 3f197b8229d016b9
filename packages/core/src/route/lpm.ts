// Longest-prefix-match table over IPv4 prefixes: the data structure under the FIB (Linux keeps
// the same role in net/ipv4/fib_trie.c, with one leaf entry per (prefix, plen) holding the
// fib_alias list; here that list is the stored value `T`).
//
// Shape: a multibit trie with 8-bit strides (nodes at bit positions 0, 8, 16, 24) whose sparse
// parts are path-compressed into short lists:
// - A node at position p owns every prefix whose length is in (p, p+8] (the root also owns /0).
//   It keeps them twice: in a 512-position binary tree (exact get/delete, backtracking) and
//   expanded into its 256 slots as "longest owned prefix covering this slot" (one read per node
//   on lookup, as DIR-24-8 does).
// - Prefixes longer than p+8 hang off the slot they fall into: a list sorted by length
//   (longest first) until it outgrows LIST_SPLIT entries, then a child node at p+8.
//   A child whose subtree shrinks to LIST_COLLAPSE entries folds back into a list.
// - Each slot keeps, beside its best entry and child, a 32-bit coverage mask of its list: bit i
//   is set when some listed prefix covers part of the slot's i-th 1/32 (the next 5 address bits).
//   A lookup whose bit is clear skips the list: on large tables, that saves the one cache miss
//   that dominates a lookup (the list's first line) for about half of random addresses.
// A lookup reads at most 4 node slots and scans at most one short list; nothing is allocated.
// Nodes live in one Int32Array. List entries are [word, value] pairs in one JS array, the word
// being the prefix bits below the slot shifted up, or'ed with the length: the value sits next
// to the word the scan just read (same cache line, same page), which is what makes lookups
// fast on large tables (measured: bench/cases/fib.ts).
// Node-owned prefixes are few; their values sit in a dense array indexed by entry id.

/**
 * Int32s per node: 256 slots of [best entry id + 1 or 0, child, list coverage mask, unused] (16
 * bytes, so a slot never straddles a cache line), then 512 tree positions.
 */
const NODE_INTS = 1536;
/** Offset of a node's prefix tree; tree position 0 holds the subtree entry count. */
const TREE = 1024;
/** log2 of the Int32s per slot. */
const SLOT_SHIFT = 2;
const SLOT_INTS = 1 << SLOT_SHIFT;
/** A list longer than this becomes a child node (at most 30: the length lives in 5 bits). */
const LIST_SPLIT = 24;
/** A child node whose subtree holds at most this many entries folds back into a list. */
const LIST_COLLAPSE = 4;
/** List blocks hold 1, 2, 4, ... 32 entries. */
const LIST_CLASSES = 6;
/** A list is addressed by the child word -(first entry * 32 + length). */
const MAX_LIST_ENTRIES = 1 << 26;
/** plens[] marker of a free entry id. */
const FREE = 255;

function checkPlen(plen: number): void {
  if (!(Number.isInteger(plen) && plen >= 0 && plen <= 32)) {
    throw new RangeError(`prefix length must be an integer 0..32, got ${plen}`);
  }
}

/** The prefix with host bits cleared, as a signed int32 (the internal key form). */
function maskKey(prefix: number, plen: number): number {
  return plen === 0 ? 0 : prefix & (-1 << (32 - plen));
}

/** Position of prefix (key, plen) in the tree of the node at bit position p (p < plen <= p+8). */
function treePos(key: number, plen: number, p: number): number {
  const d = plen - p;
  return (1 << d) | ((key >>> (32 - plen)) & ((1 << d) - 1));
}

/**
 * The coverage-mask bits of list word w (a prefix below a slot at bit position q): the 1/32
 * parts of the slot (next 5 bits) the prefix overlaps.
 */
function coverBits(w: number, q: number): number {
  const r = (w & 63) - q;
  const first = w >>> 27;
  if (r >= 5) return 1 << first;
  const n = 1 << (5 - r);
  return n === 32 ? -1 : ((1 << n) - 1) << first;
}

/** Receives one entry of a walk: normalised prefix (int32), length, value. */
type Visit<T> = (key: number, plen: number, value: T) => void;

/**
 * A longest-prefix-match table from IPv4 prefixes (unsigned 32-bit numbers with a length 0..32)
 * to one value each. Prefixes are normalised: host bits are ignored on set, get and delete.
 */
export class LpmTable<T> {
  /** Nodes; node 0 is the root. Slot child: node offset > 0, list -(entry * 32 + length), or 0. */
  private nodes: Int32Array = new Int32Array(NODE_INTS);
  private nodeTop: number = NODE_INTS;
  private freeNodes: number[] = [];
  /**
   * List entries, pair e at [2e, 2e+1] = [(prefix << q) | plen, value], q being the bit position
   * below the owning slot. A block of 2^class pairs is preceded by a header pair [class, next
   * free block]. The first element is not a number, so V8 keeps generic elements from the start.
   */
  private list: unknown[] = [null, 0];
  private listTop: number = 0;
  private freeBlocks: Int32Array = new Int32Array(LIST_CLASSES);
  /** Node-owned entries by id: prefix length (FREE when unused) and value. */
  private plens: Uint8Array = new Uint8Array(16);
  private values: (T | undefined)[] = [];
  private freeIds: number[] = [];
  private count: number = 0;
  /** The last match: address, and length (>= 0), -1 for none, or -2 - id of a node-owned entry. */
  private lastAddr: number = 0;
  private lastLen: number = -1;
  /** Descent record of lookupWhere/delete: node offset | slot, and the index of the child word. */
  private readonly pathNode: Int32Array = new Int32Array(4);
  private readonly pathChild: Int32Array = new Int32Array(4);

  /** Number of prefixes in the table. */
  get size(): number {
    return this.count;
  }

  /** Prefix length of the entry matched by the last lookup/lookupWhere; -1 after a miss. Valid until the table changes. */
  get matchedLen(): number {
    const l = this.lastLen;
    return l >= -1 ? l : this.plens[-2 - l]!;
  }

  /** Prefix (unsigned) of the entry matched by the last lookup/lookupWhere; 0 after a miss. Valid until the table changes. */
  get matchedPrefix(): number {
    const l = this.matchedLen;
    return l < 0 ? 0 : maskKey(this.lastAddr, l) >>> 0;
  }

  /** The value stored for exactly (prefix, plen). */
  get(prefix: number, plen: number): T | undefined {
    checkPlen(plen);
    const r = this.locate(maskKey(prefix, plen), plen);
    return r > 0 ? this.values[r - 1] : r < 0 ? (this.list[1 - r] as T) : undefined;
  }

  /** Whether exactly (prefix, plen) is in the table. */
  has(prefix: number, plen: number): boolean {
    checkPlen(plen);
    return this.locate(maskKey(prefix, plen), plen) !== 0;
  }

  /** Stores value for (prefix, plen), replacing any value stored there. */
  set(prefix: number, plen: number, value: T): this {
    checkPlen(plen);
    const key = maskKey(prefix, plen);
    const r = this.locate(key, plen);
    if (r > 0) this.values[r - 1] = value;
    else if (r < 0) this.list[1 - r] = value;
    else {
      this.place(0, 0, key, plen, value);
      this.count++;
    }
    return this;
  }

  /** Removes (prefix, plen); false if it was not there. */
  delete(prefix: number, plen: number): boolean {
    checkPlen(plen);
    const key = maskKey(prefix, plen);
    const nodes = this.nodes;
    const pathNode = this.pathNode;
    const pathChild = this.pathChild;
    let depth = 0;
    let base = 0;
    let p = 0;
    for (;;) {
      if (plen <= p + 8) {
        const pos = plen === 0 ? 1 : treePos(key, plen, p);
        const ref = nodes[base + TREE + pos]!;
        if (ref === 0) return false;
        nodes[base + TREE + pos] = 0;
        if (plen > 0) this.unexpand(base, p, key, plen, ref, pos);
        this.freeId(ref - 1);
        break;
      }
      const ci = base + (((key >>> (24 - p)) & 255) << SLOT_SHIFT) + 1;
      const c = nodes[ci]!;
      if (c > 0) {
        pathNode[depth] = base;
        pathChild[depth++] = ci;
        base = c;
        p += 8;
        continue;
      }
      if (c === 0 || !this.listRemove(ci, (key << (p + 8)) | plen, p + 8)) return false;
      break;
    }
    // Count the entry out of every node on the path, then fold the highest small child back.
    pathNode[depth] = base;
    for (let d = 0; d <= depth; d++) nodes[pathNode[d]! + TREE]!--;
    for (let d = 1; d <= depth; d++) {
      const b = pathNode[d]!;
      if (nodes[b + TREE]! <= LIST_COLLAPSE) {
        this.collapse(pathChild[d - 1]!, b, d * 8, maskKey(key, d * 8));
        break;
      }
    }
    this.count--;
    this.lastLen = -1;
    return true;
  }

  /** The value of the longest prefix containing addr. */
  lookup(addr: number): T | undefined {
    const nodes = this.nodes;
    let best = nodes[TREE + 1]!; // the default route, /0
    let base = 0;
    let shift = 24;
    for (;;) {
      const s = base + (((addr >>> shift) & 255) << SLOT_SHIFT);
      const b = nodes[s]!;
      if (b !== 0) best = b;
      const c = nodes[s + 1]!;
      if (c > 0) {
        base = c;
        shift -= 8;
        continue;
      }
      this.lastAddr = addr;
      // Words hold the bits below q = 32 - shift at the top: compare the first plen - q.
      const a = addr << (32 - shift);
      if (c < 0 && (nodes[s + 2]! >>> (a >>> 27)) & 1) {
        const list = this.list;
        let i = (-c >>> 5) << 1;
        const end = i + ((-c & 31) << 1);
        const k = 64 - shift;
        for (; i < end; i += 2) {
          const w = list[i] as number;
          if (((a ^ w) >>> (k - (w & 63))) === 0) {
            this.lastLen = w & 63;
            return list[i + 1] as T;
          }
        }
      }
      this.lastLen = -1 - best;
      return best === 0 ? undefined : this.values[best - 1];
    }
  }

  /**
   * The value of the longest prefix containing addr for which accept(value) is true: shorter
   * prefixes are tried, longest first, while accept rejects longer ones (as fib_table_lookup
   * backtracks when no alias of a leaf fits). accept must not modify the table.
   */
  lookupWhere(addr: number, accept: (value: T) => boolean): T | undefined {
    const nodes = this.nodes;
    const values = this.values as T[];
    const pathNode = this.pathNode;
    this.lastAddr = addr;
    let depth = 0;
    let base = 0;
    let shift = 24;
    for (;;) {
      const slot = (addr >>> shift) & 255;
      pathNode[depth++] = base | slot;
      const c = nodes[base + (slot << SLOT_SHIFT) + 1]!;
      if (c > 0) {
        base = c;
        shift -= 8;
        continue;
      }
      if (c < 0) {
        const list = this.list;
        let i = (-c >>> 5) << 1;
        const end = i + ((-c & 31) << 1);
        const a = addr << (32 - shift);
        const k = 64 - shift;
        for (; i < end; i += 2) {
          const w = list[i] as number;
          if (((a ^ w) >>> (k - (w & 63))) === 0 && accept(list[i + 1] as T)) {
            this.lastLen = w & 63;
            return list[i + 1] as T;
          }
        }
      }
      break;
    }
    // Then each node's own prefixes on the path, deepest node first, longest first.
    while (depth > 0) {
      const e = pathNode[--depth]!;
      const t = (e & ~255) + TREE;
      for (let pos = 256 | (e & 255); pos >= 2; pos >>= 1) {
        const r = nodes[t + pos]!;
        if (r !== 0 && accept(values[r - 1]!)) {
          this.lastLen = -1 - r;
          return values[r - 1];
        }
      }
    }
    const r = nodes[TREE + 1]!;
    if (r !== 0 && accept(values[r - 1]!)) {
      this.lastLen = -1 - r;
      return values[r - 1];
    }
    this.lastLen = -1;
    return undefined;
  }

  /**
   * [prefix, plen, value] in prefix order (prefix ascending, then plen ascending), as
   * `ip route show` lists them. Entries are those present at the call that are still present
   * when reached; values are read when reached.
   */
  *entries(): IterableIterator<[prefix: number, plen: number, value: T]> {
    // prefix * 64 + plen < 2^38 sorts exactly as a float64.
    const order = new Float64Array(this.count);
    let n = 0;
    if (this.nodes[TREE + 1] !== 0) order[n++] = 0;
    this.walk(0, 0, 0, (key, plen) => {
      order[n++] = (key >>> 0) * 64 + plen;
    });
    order.sort();
    for (let i = 0; i < n; i++) {
      const c = order[i]!;
      const plen = c % 64;
      const prefix = (c - plen) / 64;
      const r = this.locate(prefix | 0, plen);
      if (r !== 0) yield [prefix, plen, r > 0 ? (this.values[r - 1] as T) : (this.list[1 - r] as T)];
    }
  }

  /** Same as entries(). */
  [Symbol.iterator](): IterableIterator<[prefix: number, plen: number, value: T]> {
    return this.entries();
  }

  /** Removes every prefix and releases the storage. */
  clear(): void {
    this.nodes = new Int32Array(NODE_INTS);
    this.nodeTop = NODE_INTS;
    this.freeNodes = [];
    this.list = [null, 0];
    this.listTop = 0;
    this.freeBlocks = new Int32Array(LIST_CLASSES);
    this.plens = new Uint8Array(16);
    this.values = [];
    this.freeIds = [];
    this.count = 0;
    this.lastLen = -1;
  }

  /** Where exactly (key, plen) is: id + 1 of a node-owned entry, -(index of its list word), or 0. */
  private locate(key: number, plen: number): number {
    const nodes = this.nodes;
    let base = 0;
    let p = 0;
    for (;;) {
      if (plen <= p + 8) return nodes[base + TREE + (plen === 0 ? 1 : treePos(key, plen, p))]!;
      const c = nodes[base + (((key >>> (24 - p)) & 255) << SLOT_SHIFT) + 1]!;
      if (c > 0) {
        base = c;
        p += 8;
        continue;
      }
      if (c === 0) return 0;
      const w = (key << (p + 8)) | plen;
      const list = this.list;
      const end = ((-c >>> 5) + (-c & 31)) << 1;
      for (let i = (-c >>> 5) << 1; i < end; i += 2) if (list[i] === w) return -i;
      return 0;
    }
  }

  /** Files (key, plen) under the node at offset base (bit position p), counting it in each node passed. */
  private place(base: number, p: number, key: number, plen: number, value: T): void {
    for (;;) {
      const nodes = this.nodes;
      nodes[base + TREE]!++;
      if (plen <= p + 8) {
        const ref = this.newId(plen, value) + 1;
        if (plen === 0) {
          nodes[base + TREE + 1] = ref;
          return;
        }
        nodes[base + TREE + treePos(key, plen, p)] = ref;
        // Expand over the slots it covers, unless a longer prefix already owns them.
        const plens = this.plens;
        const first = base + (((key >>> (24 - p)) & 255) << SLOT_SHIFT);
        const end = first + (SLOT_INTS << (p + 8 - plen));
        for (let s = first; s < end; s += SLOT_INTS) {
          const b = nodes[s]!;
          if (b === 0 || plens[b - 1]! < plen) nodes[s] = ref;
        }
        return;
      }
      const ci = base + (((key >>> (24 - p)) & 255) << SLOT_SHIFT) + 1;
      const c = nodes[ci]!;
      if (c > 0) {
        base = c;
        p += 8;
        continue;
      }
      if (this.listInsert(ci, (key << (p + 8)) | plen, value, p + 8) > LIST_SPLIT) {
        this.split(ci, p + 8, maskKey(key, p + 8));
      }
      return;
    }
  }

  /** Gives the slots that ref (at tree position pos) owned to the next shorter prefix of the node. */
  private unexpand(base: number, p: number, key: number, plen: number, ref: number, pos: number): void {
    const nodes = this.nodes;
    let next = 0;
    for (pos >>= 1; pos >= 2 && next === 0; pos >>= 1) next = nodes[base + TREE + pos]!;
    const first = base + (((key >>> (24 - p)) & 255) << SLOT_SHIFT);
    const end = first + (SLOT_INTS << (p + 8 - plen));
    for (let s = first; s < end; s += SLOT_INTS) if (nodes[s] === ref) nodes[s] = next;
  }

  /**
   * Inserts word w with value into the list at child word ci (creating it), longest first; q is
   * the list's bit position (for the coverage mask). Returns the new length.
   */
  private listInsert(ci: number, w: number, value: T, q: number): number {
    const list = this.list;
    const c = this.nodes[ci]!;
    let o: number;
    let len: number;
    if (c === 0) {
      o = this.allocBlock(0);
      len = 0;
      this.nodes[ci + 1] = 0;
    } else {
      o = -c >>> 5;
      len = -c & 31;
      const cls = list[2 * o - 2] as number;
      if (len === 1 << cls) {
        const grown = this.allocBlock(cls + 1);
        for (let k = 0; k < 2 * len; k++) list[2 * grown + k] = list[2 * o + k];
        this.freeBlock(o);
        o = grown;
      }
    }
    const plen = w & 63;
    const end = 2 * (o + len);
    let i = 2 * o;
    while (i < end && ((list[i] as number) & 63) >= plen) i += 2;
    for (let j = end; j > i; j -= 2) {
      list[j] = list[j - 2];
      list[j + 1] = list[j - 1];
    }
    list[i] = w;
    list[i + 1] = value;
    this.nodes[ci] = -(o * 32 + len + 1);
    this.nodes[ci + 1] = this.nodes[ci + 1]! | coverBits(w, q);
    return len + 1;
  }

  /** Removes word w from the list (bit position q) at child word ci; false if it is not there. */
  private listRemove(ci: number, w: number, q: number): boolean {
    const list = this.list;
    const c = this.nodes[ci]!;
    const o = -c >>> 5;
    const len = -c & 31;
    const end = 2 * (o + len);
    for (let i = 2 * o; i < end; i += 2) {
      if (list[i] !== w) continue;
      for (let j = i; j < end - 2; j++) list[j] = list[j + 2];
      list[end - 2] = 0;
      list[end - 1] = 0; // drop the reference
      if (len === 1) {
        this.freeBlock(o);
        this.nodes[ci] = 0;
        this.nodes[ci + 1] = 0;
      } else {
        this.nodes[ci] = c + 1; // -(o * 32 + len - 1)
        let mask = 0;
        for (let j = 2 * o; j < end - 2; j += 2) mask |= coverBits(list[j] as number, q);
        this.nodes[ci + 1] = mask;
      }
      return true;
    }
    return false;
  }

  /** Replaces the overfull list at child word ci (prefixes under top, q bits) by a node at bit position q. */
  private split(ci: number, q: number, top: number): void {
    const list = this.list;
    const c = this.nodes[ci]!;
    const node = this.allocNode();
    this.nodes[ci] = node;
    this.nodes[ci + 1] = 0;
    const end = 2 * ((-c >>> 5) + (-c & 31));
    for (let i = 2 * (-c >>> 5); i < end; i += 2) {
      const w = list[i] as number;
      this.place(node, q, top | (w >>> q), w & 63, list[i + 1] as T);
    }
    this.freeBlock(-c >>> 5);
  }

  /** Folds the node at offset base (bit position p, prefix top, under child word ci) into a list of its parent. */
  private collapse(ci: number, base: number, p: number, top: number): void {
    const words: number[] = [];
    const values: T[] = [];
    this.walk(base, p, top, (key, plen, value) => {
      words.push((key << p) | plen);
      values.push(value);
    });
    this.release(base);
    this.nodes[ci] = 0;
    for (let i = 0; i < words.length; i++) this.listInsert(ci, words[i]!, values[i]!, p);
  }

  /** Visits every entry under the node at offset base (bit position p, prefix top), the /0 excepted. */
  private walk(base: number, p: number, top: number, visit: Visit<T>): void {
    const nodes = this.nodes;
    for (let pos = 2; pos < 512; pos++) {
      const r = nodes[base + TREE + pos]!;
      if (r === 0) continue;
      const d = 31 - Math.clz32(pos);
      visit(top | ((pos - (1 << d)) << (32 - p - d)), p + d, this.values[r - 1] as T);
    }
    for (let s = 0; s < 256; s++) {
      const c = nodes[base + (s << SLOT_SHIFT) + 1]!;
      const slotTop = top | (s << (24 - p));
      if (c > 0) this.walk(c, p + 8, slotTop, visit);
      else if (c < 0) {
        const end = 2 * ((-c >>> 5) + (-c & 31));
        for (let i = 2 * (-c >>> 5); i < end; i += 2) {
          const w = this.list[i] as number;
          visit(slotTop | (w >>> (p + 8)), w & 63, this.list[i + 1] as T);
        }
      }
    }
  }

  /** Frees a node, its subtree, their lists and entry ids. */
  private release(base: number): void {
    const nodes = this.nodes;
    for (let pos = 2; pos < 512; pos++) if (nodes[base + TREE + pos] !== 0) this.freeId(nodes[base + TREE + pos]! - 1);
    for (let s = base + 1; s < base + TREE; s += SLOT_INTS) {
      const c = nodes[s]!;
      if (c > 0) this.release(c);
      else if (c < 0) this.freeBlock(-c >>> 5);
    }
    nodes.fill(0, base, base + NODE_INTS);
    this.freeNodes.push(base);
  }

  private allocNode(): number {
    const reused = this.freeNodes.pop();
    if (reused !== undefined) return reused; // freed nodes are zeroed by release
    const base = this.nodeTop;
    if (base + NODE_INTS > this.nodes.length) {
      const grown = new Int32Array(this.nodes.length * 2);
      grown.set(this.nodes);
      this.nodes = grown;
    }
    this.nodeTop = base + NODE_INTS;
    return base;
  }

  /** A block of 2^cls list entries; returns its first entry. */
  private allocBlock(cls: number): number {
    const list = this.list;
    let o = this.freeBlocks[cls]!;
    if (o !== 0) {
      this.freeBlocks[cls] = list[2 * o - 1] as number;
    } else {
      o = this.listTop + 1;
      const top = o + (1 << cls);
      if (top > MAX_LIST_ENTRIES) throw new RangeError("LpmTable: too many list entries");
      while (list.length < 2 * top) list.push(0, 0);
      this.listTop = top;
    }
    list[2 * o - 2] = cls;
    list[2 * o - 1] = 0;
    return o;
  }

  private freeBlock(o: number): void {
    const list = this.list;
    const cls = list[2 * o - 2] as number;
    list.fill(0, 2 * o, 2 * (o + (1 << cls))); // drop value references
    list[2 * o - 1] = this.freeBlocks[cls];
    this.freeBlocks[cls] = o;
  }

  private newId(plen: number, value: T): number {
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.values.length;
      if (id === this.plens.length) {
        const plens = new Uint8Array(id * 2);
        plens.set(this.plens);
        this.plens = plens;
      }
      this.values.push(value);
    } else {
      this.values[id] = value;
    }
    this.plens[id] = plen;
    return id;
  }

  private freeId(id: number): void {
    this.values[id] = undefined;
    this.plens[id] = FREE;
    this.freeIds.push(id);
  }
}
