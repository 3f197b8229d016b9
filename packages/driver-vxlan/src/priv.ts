/** The private area of a VXLAN device (struct vxlan_dev) and its forwarding database entries. */
import { Timer, type Net, type NetDevice } from "@vnet/core";
import type { VxlanConfig } from "./config.js";
import type { VxlanTransportFactory } from "./transport.js";
import type { VxlanSock } from "./sock.js";
import type { RealtimeClock } from "./realtime.js";
import { VXLAN_DEFAULT_PORT_MAX, VXLAN_DEFAULT_PORT_MIN } from "./hash.js";

/** One remote VTEP of an entry (struct vxlan_rdst). */
export interface FdbRemote {
  ip: number;
  /** The UDP destination port (the device's dstport unless given). */
  port: number;
}

/** A forwarding entry: a MAC address behind one or more remote VTEPs (struct vxlan_fdb). */
export class FdbEntry {
  readonly mac: Uint8Array;
  /** The MAC as a 48-bit number: the table's key. */
  readonly key: number;
  readonly remotes: FdbRemote[] = [];
  /** NUD_PERMANENT|NUD_NOARP (added, default), NUD_NOARP|NUD_REACHABLE (static), NUD_REACHABLE (learned, dynamic). */
  state: number;
  /** Jiffies of the last frame received from this MAC (or of the last change): ageing runs on it. */
  updated: number;
  /** Jiffies of the last frame sent to it. */
  used: number;

  constructor(mac: Uint8Array, key: number, state: number, now: number) {
    this.mac = mac;
    this.key = key;
    this.state = state;
    this.updated = now;
    this.used = now;
  }
}

/** The key of the MAC at `b[o, o + 6)`: exact in a double (48 bits). */
export function macKey(b: Uint8Array, o: number): number {
  return ((b[o]! << 8) | b[o + 1]!) * 4294967296 + (((b[o + 2]! << 24) | (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!) >>> 0);
}

/** The all-zeros MAC's key: the entry frames with no entry of their own are flooded to. */
export const ALL_ZEROS_KEY = 0;

/**
 * The forwarding database of a device: entries by MAC key, as a Map, that remembers its last
 * answer. A flow asks the same question for every frame (the peer's MAC, as destination on
 * transmit and as source on receive), and a 48-bit key costs a hash on every Map lookup. Every
 * change forgets the answer; the all-zeros (flood) entry is kept at hand too.
 */
export class FdbTable {
  private readonly map: Map<number, FdbEntry> = new Map();
  private lastKey = -1;
  private last: FdbEntry | undefined = undefined;
  /** The all-zeros entry, if any. */
  flood: FdbEntry | undefined = undefined;

  get(key: number): FdbEntry | undefined {
    if (key === this.lastKey) return this.last;
    const e = this.map.get(key);
    this.lastKey = key;
    this.last = e;
    return e;
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: number, e: FdbEntry): this {
    this.map.set(key, e);
    this.changed();
    return this;
  }

  delete(key: number): boolean {
    const had = this.map.delete(key);
    this.changed();
    return had;
  }

  clear(): void {
    this.map.clear();
    this.changed();
  }

  get size(): number {
    return this.map.size;
  }

  values(): IterableIterator<FdbEntry> {
    return this.map.values();
  }

  private changed(): void {
    this.lastKey = -1;
    this.last = undefined;
    this.flood = this.map.get(ALL_ZEROS_KEY);
  }
}

/** The per-device counters `ethtool -S` shows (besides the socket's). */
export class VxlanCounters {
  /** Inner frame shorter than an Ethernet header (or than the IP header it announces). */
  rxTruncated = 0;
  /** Inner frame longer than the device's MTU plus Ethernet header and a VLAN tag. */
  rxOversize = 0;
  /** The frame carries our own MAC as source: a loop (or our own flood coming back). */
  rxLoop = 0;
  /** Learning is on and the source MAC is multicast or all zeros. */
  rxBadSrcMac = 0;
  /** The source MAC has a static entry pointing at another VTEP: not migrated, dropped. */
  rxFdbConflict = 0;
  /** No entry for the destination and no all-zeros entry to flood to. */
  txNoRemote = 0;
  /** The transport refused a datagram. */
  txTransportErrors = 0;
  fdbLearned = 0;
  fdbMigrated = 0;
  fdbAged = 0;
}

/** A VXLAN device's private area. */
export class VxlanPriv {
  cfg: VxlanConfig;
  /** The namespace the device was created in: its socket lives there even if the device moves. */
  readonly srcNet: Net;
  readonly factory: VxlanTransportFactory;
  readonly fdb: FdbTable = new FdbTable();
  /** The ageing timer (deferrable: it never keeps an idle kernel running); its data is the device. */
  readonly ageTimer: Timer<NetDevice<VxlanPriv> | null>;
  /** The socket while the device is up. */
  sock: VxlanSock | null = null;
  /** The socket it last had: `ethtool -S` still shows its drops after the device went down. */
  lastSock: VxlanSock | null = null;
  /** The kernel's clock, held while up with a real transport. */
  clock: RealtimeClock | null = null;
  /** The source-port range in force (the kernel's local port range for `srcport 0 0`). */
  portMin: number;
  portMax: number;
  readonly counters: VxlanCounters = new VxlanCounters();

  constructor(cfg: VxlanConfig, srcNet: Net, factory: VxlanTransportFactory, cleanup: (dev: NetDevice<VxlanPriv> | null) => void) {
    this.cfg = cfg;
    this.srcNet = srcNet;
    this.factory = factory;
    this.ageTimer = new Timer<NetDevice<VxlanPriv> | null>(cleanup, null);
    this.ageTimer.deferrable = true;
    const dflt = cfg.portMin === 0 && cfg.portMax === 0;
    this.portMin = dflt ? VXLAN_DEFAULT_PORT_MIN : cfg.portMin;
    this.portMax = dflt ? VXLAN_DEFAULT_PORT_MAX : cfg.portMax;
  }
}

export type VxlanDevice = NetDevice<VxlanPriv>;
