// IPv4 reassembly (net/ipv4/ip_fragment.c, net/ipv4/inet_fragment.c): queues keyed on
// (saddr, daddr, id, protocol), RFC 5722 overlap handling (overlap kills the queue, exact
// duplicates are dropped alone), ipfrag_time expiry with ICMP time exceeded (fragment
// reassembly) when the first fragment arrived, and the ipfrag_high_thresh memory limit.
import type { Net } from "../kernel/net.js";
import { NetGenericKey } from "../kernel/net.js";
import { Timer } from "../kernel/scheduler.js";
import { allocSkb, consumeSkb, type SkBuff } from "../netdevice/skbuff.js";
import { dropSkb } from "../netdevice/dev.js";
import { readIpv4 } from "../wire/addr.js";
import { IP_DF, IP_MF, IP_OFFSET } from "../wire/ipv4.js";
import { ICMP_EXC_FRAGTIME, ICMP_TIME_EXCEEDED } from "../wire/icmp.js";
import {
  ipv4Net, IPSTATS_MIB_REASMFAILS, IPSTATS_MIB_REASMOKS, IPSTATS_MIB_REASMREQDS, IPSTATS_MIB_REASMTIMEOUT,
  IPSTATS_MIB_REASM_OVERLAPS,
} from "./netns.js";
import { ipSendCheck } from "./ip_output.js";
import { icmpSend } from "./icmp.js";
import { ipRouteInputQuiet, rtCacheValid, skbRtable, Rtable } from "./route.js";
import { RTN_LOCAL } from "../route/fib.js";

const INET_FRAG_FIRST_IN = 1;
const INET_FRAG_LAST_IN = 2;
const INET_FRAG_COMPLETE = 4;

/** An approximation of skb->truesize for the memory limit. */
function truesize(skb: SkBuff): number {
  return skb.end + 320;
}

/** A reassembly queue (struct ipq). */
export class IpFragQueue {
  readonly key: string;
  readonly net: Net;
  readonly saddr: number;
  readonly daddr: number;
  readonly id: number;
  readonly protocol: number;
  /** Fragments sorted by offset, with their [offset, end) in the datagram's payload. */
  frags: SkBuff[] = [];
  offs: number[] = [];
  ends: number[] = [];
  /** Total payload length once the last fragment is in, else the highest end seen. */
  len = 0;
  /** Bytes of payload received. */
  meat = 0;
  flags = 0;
  maxSize = 0;
  maxDfSize = 0;
  iif = 0;
  mem = 0;
  readonly timer: Timer<IpFragQueue>;

  constructor(net: Net, key: string, saddr: number, daddr: number, id: number, protocol: number) {
    this.net = net;
    this.key = key;
    this.saddr = saddr;
    this.daddr = daddr;
    this.id = id;
    this.protocol = protocol;
    this.timer = new Timer<IpFragQueue>(ipExpire, this);
  }
}

/** The reassembly state of a namespace (struct fqdir). */
export class FragDir {
  readonly queues: Map<string, IpFragQueue> = new Map();
  mem = 0;
}

const FRAG_KEY: NetGenericKey<FragDir> = new NetGenericKey<FragDir>("ipfrag", () => new FragDir());

/** The namespace's reassembly queues. */
export function fragDir(net: Net): FragDir {
  return net.gen(FRAG_KEY);
}

/** Drops every queue (namespace exit). */
export function fragDirExit(net: Net): void {
  if (!net.hasGen(FRAG_KEY)) return;
  for (const q of [...fragDir(net).queues.values()]) ipqKill(q);
}

function ipqKill(q: IpFragQueue): void {
  if (q.flags & INET_FRAG_COMPLETE) return;
  q.flags |= INET_FRAG_COMPLETE;
  q.net.kernel.delTimer(q.timer);
  const dir = fragDir(q.net);
  if (dir.queues.get(q.key) === q) dir.queues.delete(q.key);
  dir.mem -= q.mem;
  q.mem = 0;
}

function ipqFreeFrags(q: IpFragQueue, reason: "IP_FRAG_REASM_TIMEOUT" | "FRAG_TOO_FAR" | "NOT_SPECIFIED"): void {
  for (const f of q.frags) dropSkb(f, reason);
  q.frags = [];
  q.offs = [];
  q.ends = [];
}

/**
 * ip_defrag(): queues a fragment (skb.data and networkHeader at its IP header, trimmed to
 * tot_len). Returns the reassembled datagram when this fragment completes it, else null (the
 * fragment was queued or dropped). Counts ReasmReqds for every fragment.
 */
export function ipDefrag(net: Net, skb: SkBuff): SkBuff | null {
  const ns = ipv4Net(net);
  const mib = ns.ipMib;
  mib[IPSTATS_MIB_REASMREQDS]!++;
  const h = skb.head;
  const nh = skb.networkHeader;
  const saddr = readIpv4(h, nh + 12);
  const daddr = readIpv4(h, nh + 16);
  const id = (h[nh + 4]! << 8) | h[nh + 5]!;
  const protocol = h[nh + 9]!;
  const key = `${saddr}|${daddr}|${id}|${protocol}`;
  const dir = fragDir(net);
  let q = dir.queues.get(key);
  if (q === undefined) {
    if (dir.mem > ns.ipfragHighThresh) {
      mib[IPSTATS_MIB_REASMFAILS]!++;
      dropSkb(skb, "NOMEM");
      return null;
    }
    q = new IpFragQueue(net, key, saddr, daddr, id, protocol);
    dir.queues.set(key, q);
    net.kernel.modTimer(q.timer, net.kernel.jiffies + ns.ipfragTime * net.kernel.hz);
  }
  return ipFragQueue(net, q, skb);
}

function discardQp(net: Net, q: IpFragQueue, skb: SkBuff, overlap: boolean): null {
  const mib = ipv4Net(net).ipMib;
  if (overlap) mib[IPSTATS_MIB_REASM_OVERLAPS]!++;
  ipqKill(q);
  ipqFreeFrags(q, "NOT_SPECIFIED");
  mib[IPSTATS_MIB_REASMFAILS]!++;
  dropSkb(skb, "NOT_SPECIFIED");
  return null;
}

function ipFragQueue(net: Net, q: IpFragQueue, skb: SkBuff): SkBuff | null {
  if (q.flags & INET_FRAG_COMPLETE) {
    dropSkb(skb, "NOT_SPECIFIED");
    return null;
  }
  const h = skb.head;
  const nh = skb.networkHeader;
  const word = (h[nh + 6]! << 8) | h[nh + 7]!;
  const flags = word & ~IP_OFFSET;
  const offset = (word & IP_OFFSET) << 3;
  const ihl = (h[nh]! & 15) * 4;
  const plen = skb.tail - nh - ihl;
  let end = offset + plen;
  if (!(flags & IP_MF)) {
    if (end < q.len || (q.flags & INET_FRAG_LAST_IN && end !== q.len)) return discardQp(net, q, skb, false);
    q.flags |= INET_FRAG_LAST_IN;
    q.len = end;
  } else {
    if (end & 7) end &= ~7;
    if (end > q.len) {
      if (q.flags & INET_FRAG_LAST_IN) return discardQp(net, q, skb, false);
      q.len = end;
    }
  }
  if (end === offset) return discardQp(net, q, skb, false);
  // Trim to the 8-byte-aligned end (pskb_trim_rcsum).
  skb.tail = nh + ihl + (end - offset);
  const ins = insertPos(q, offset, end);
  if (ins === -1) {
    // An exact duplicate of data we hold: drop it, keep the queue.
    dropSkb(skb, "NOT_SPECIFIED");
    return null;
  }
  if (ins === -2) return discardQp(net, q, skb, true);
  q.frags.splice(ins, 0, skb);
  q.offs.splice(ins, 0, offset);
  q.ends.splice(ins, 0, end);
  if (skb.dev !== null) q.iif = skb.dev.ifindex;
  q.meat += end - offset;
  const ts = truesize(skb);
  q.mem += ts;
  fragDir(net).mem += ts;
  if (offset === 0) q.flags |= INET_FRAG_FIRST_IN;
  const fragsize = end - offset + ihl;
  if (fragsize > q.maxSize) q.maxSize = fragsize;
  if (flags & IP_DF && fragsize > q.maxDfSize) q.maxDfSize = fragsize;
  if (q.flags === (INET_FRAG_FIRST_IN | INET_FRAG_LAST_IN) && q.meat === q.len) return ipFragReasm(net, q, skb);
  return null;
}

/**
 * Where [off, end) goes in the queue: an index, -1 for a duplicate (inside a contiguous run we
 * hold), -2 for an overlap (inet_frag_queue_insert).
 */
function insertPos(q: IpFragQueue, off: number, end: number): number {
  const offs = q.offs;
  const ends = q.ends;
  const n = offs.length;
  let i = 0;
  while (i < n && ends[i]! <= off) i++;
  if (i === n || end <= offs[i]!) return i;
  // Overlaps fragment i: a duplicate only if a run of contiguous fragments from i covers it.
  if (off < offs[i]!) return -2;
  let runEnd = ends[i]!;
  for (let j = i + 1; j < n && offs[j] === runEnd && runEnd < end; j++) runEnd = ends[j]!;
  return end <= runEnd ? -1 : -2;
}

/** ip_frag_reasm(): glues the fragments behind the first one's header. */
function ipFragReasm(net: Net, q: IpFragQueue, last: SkBuff): SkBuff | null {
  const mib = ipv4Net(net).ipMib;
  ipqKill(q);
  const head = q.frags[0]!;
  const hh = head.head;
  const hnh = head.networkHeader;
  const ihl = (hh[hnh]! & 15) * 4;
  const len = ihl + q.len;
  if (len > 65535) {
    net.kernel.printk(`Oversized IP packet from ${q.saddr >>> 24}.${(q.saddr >>> 16) & 255}.${(q.saddr >>> 8) & 255}.${q.saddr & 255}`);
    ipqFreeFrags(q, "NOT_SPECIFIED");
    mib[IPSTATS_MIB_REASMFAILS]!++;
    return null;
  }
  const skb = allocSkb(64 + len);
  skb.reserve(64);
  skb.networkHeader = skb.data;
  const at = skb.put(len);
  const out = skb.head;
  out.set(hh.subarray(hnh, hnh + ihl), at);
  for (let i = 0; i < q.frags.length; i++) {
    const f = q.frags[i]!;
    const fihl = (f.head[f.networkHeader]! & 15) * 4;
    const from = f.networkHeader + fihl;
    out.set(f.head.subarray(from, from + (q.ends[i]! - q.offs[i]!)), at + ihl + q.offs[i]!);
  }
  out[at + 2] = len >>> 8;
  out[at + 3] = len;
  const df = q.maxDfSize === q.maxSize ? IP_DF : 0;
  out[at + 6] = df >>> 8;
  out[at + 7] = 0;
  ipSendCheck(out, at);
  skb.transportHeader = at + ihl;
  skb.protocol = last.protocol;
  skb.pktType = last.pktType;
  skb.dev = last.dev;
  skb.dst = last.dst;
  skb.iif = last.iif;
  skb.tstamp = last.tstamp;
  skb.mark = last.mark;
  skb.ipSummed = last.ipSummed;
  // The fragments were consumed into the datagram: not drops.
  for (const f of q.frags) {
    f.dst = null;
    consumeSkb(f);
  }
  q.frags = [];
  q.offs = [];
  q.ends = [];
  mib[IPSTATS_MIB_REASMOKS]!++;
  return skb;
}

/** ip_expire(): ReasmFails + ReasmTimeout; ICMP time exceeded when we had the first fragment. */
function ipExpire(q: IpFragQueue): void {
  if (q.flags & INET_FRAG_COMPLETE) return;
  const net = q.net;
  const mib = ipv4Net(net).ipMib;
  ipqKill(q);
  mib[IPSTATS_MIB_REASMFAILS]!++;
  mib[IPSTATS_MIB_REASMTIMEOUT]!++;
  if (q.flags & INET_FRAG_FIRST_IN && q.offs[0] === 0) {
    const head = q.frags[0]!;
    const dev = net.devicesByIndex.get(q.iif) ?? null;
    if (dev !== null) {
      head.dev = dev;
      let rt: Rtable | null = skbRtable(head);
      if (!rtCacheValid(rt)) {
        const h = head.head;
        const nh = head.networkHeader;
        head.dst = null;
        if (ipRouteInputQuiet(head, readIpv4(h, nh + 16), readIpv4(h, nh + 12), h[nh + 1]!, dev) === 0) rt = skbRtable(head);
        else rt = null;
      }
      // Only an end host sends "fragment reassembly time exceeded" (RFC 792).
      if (rt !== null && rt.type === RTN_LOCAL) icmpSend(head, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0);
    }
  }
  ipqFreeFrags(q, "IP_FRAG_REASM_TIMEOUT");
}
