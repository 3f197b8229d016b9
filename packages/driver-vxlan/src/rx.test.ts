import { describe, expect, it } from "vitest";
import {
  devGetStats, ethtoolGetStats, kfreeSkb, macToString, type DropReason, type Kernel, type NetDevice, type SkBuff,
} from "@vnet/core";
import { emitVxlanHeader, fdbAdd, fdbDump, MemoryUnderlay, type VxlanDevice } from "./index.js";
import { boot, ip, linkAdd, up } from "./test-helpers.js";

const ETH_P_TEST = 0x88b5;
const PEER_MAC = [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01];

/** An Ethernet frame of `len` octets (header included) from `src` to `dst`. */
function frame(dst: readonly number[], src: readonly number[], len: number, type = ETH_P_TEST): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst.slice(0, Math.min(6, len)));
  if (len >= 12) f.set(src, 6);
  if (len >= 14) {
    f[12] = type >> 8;
    f[13] = type & 0xff;
  }
  return f;
}

function vxlan(vni: number, inner: Uint8Array, flags = 0x08): Uint8Array {
  const d = new Uint8Array(8 + inner.length);
  emitVxlanHeader(d, 0, vni);
  d[0] = flags;
  d.set(inner, 8);
  return d;
}

function setup(): { wire: MemoryUnderlay; k: Kernel; dev: VxlanDevice; got: SkBuff[]; drops: DropReason[]; mac: number[] } {
  const wire = new MemoryUnderlay();
  const k = boot(wire.host("192.0.2.2"));
  const dev = linkAdd(k, "vx0", ["id", "42", "remote", "192.0.2.1"]);
  up(dev);
  const got: SkBuff[] = [];
  k.addPack({ type: ETH_P_TEST, func: (skb) => got.push(skb) });
  const drops: DropReason[] = [];
  k.events.on("drop", (_d, _s, reason) => drops.push(reason));
  return { wire, k, dev, got, drops, mac: [...dev.devAddr.subarray(0, 6)] };
}

function inject(wire: MemoryUnderlay, bytes: Uint8Array, from = "192.0.2.1"): void {
  wire.deliver(bytes, ip(from), 40000, ip("192.0.2.2"), 4789);
}

function stats(dev: NetDevice): Record<string, number> {
  return Object.fromEntries(ethtoolGetStats(dev).filter(([, v]) => v !== 0));
}

describe("receive: untrusted datagrams", () => {
  it("delivers a well-formed frame, counted without its Ethernet header as Linux counts", () => {
    const { wire, k, dev, got, mac } = setup();
    inject(wire, vxlan(42, frame(mac, PEER_MAC, 100)));
    k.run();
    expect(got.length).toBe(1);
    expect(got[0]!.len).toBe(86);
    expect(got[0]!.dev).toBe(dev);
    const s = devGetStats(dev);
    expect([s.rxPackets, s.rxBytes, s.rxErrors]).toEqual([1, 86, 0]);
    got.forEach(kfreeSkb);
  });

  it("drops and counts, per reason, what is short, flagged wrong, for another VNI, truncated or oversized", () => {
    const { wire, k, dev, got, drops, mac } = setup();
    const ok = frame(mac, PEER_MAC, 60);
    inject(wire, new Uint8Array(7)); // shorter than the VXLAN header
    inject(wire, vxlan(42, ok, 0x00)); // I flag missing
    inject(wire, vxlan(42, ok, 0x0c)); // a reserved flag set
    const reserved = vxlan(42, ok);
    reserved[7] = 1; // the reserved octet after the VNI
    inject(wire, reserved);
    const reserved2 = vxlan(42, ok);
    reserved2[2] = 0x80;
    inject(wire, reserved2);
    inject(wire, vxlan(43, ok)); // nobody listens on VNI 43
    inject(wire, vxlan(42, frame(mac, PEER_MAC, 13))); // no room for an Ethernet header
    inject(wire, vxlan(42, new Uint8Array(0))); // header only
    inject(wire, vxlan(42, frame(mac, PEER_MAC, 14 + 19, 0x0800))); // IPv4 announced, 19 octets of it
    inject(wire, vxlan(42, frame(mac, PEER_MAC, 1450 + 14 + 4 + 1))); // beyond MTU + header + VLAN tag
    inject(wire, vxlan(42, frame(mac, PEER_MAC, 1450 + 14 + 4))); // exactly at the limit: fine
    k.run();
    expect(got.length).toBe(1);
    expect(stats(dev)).toEqual({
      rx_short: 1, rx_bad_flags: 4, rx_unknown_vni: 1, rx_truncated: 3, rx_oversize: 1, fdb_entries: 2, fdb_learned: 1,
    });
    const s = devGetStats(dev);
    expect([s.rxPackets, s.rxErrors, s.rxLengthErrors]).toEqual([1, 4, 4]);
    // Drops with a device to blame are shown to observers with their reason.
    expect(drops).toEqual(["PKT_TOO_SMALL", "PKT_TOO_SMALL", "PKT_TOO_SMALL", "PKT_TOO_BIG"]);
    got.forEach(kfreeSkb);
  });

  it("drops its own MAC coming back (a loop) and invalid source MACs, and never learns them", () => {
    const { wire, k, dev, got, mac } = setup();
    inject(wire, vxlan(42, frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], mac, 60)));
    inject(wire, vxlan(42, frame(mac, [0x01, 0, 0x5e, 0, 0, 1], 60)));
    inject(wire, vxlan(42, frame(mac, [0, 0, 0, 0, 0, 0], 60)));
    k.run();
    expect(got.length).toBe(0);
    expect(stats(dev)).toEqual({ rx_loop: 1, rx_bad_src_mac: 2, fdb_entries: 1 });
  });

  it("learns the sending VTEP, migrates a MAC that moves, refuses to move a static one", () => {
    const { wire, k, dev, got, mac } = setup();
    inject(wire, vxlan(42, frame(mac, PEER_MAC, 60)), "192.0.2.1");
    expect(fdbDump(dev).find((e) => e.mac === macToString(new Uint8Array(PEER_MAC)))?.dst).toBe("192.0.2.1");
    inject(wire, vxlan(42, frame(mac, PEER_MAC, 60)), "192.0.2.3");
    expect(fdbDump(dev).find((e) => e.mac === macToString(new Uint8Array(PEER_MAC)))?.dst).toBe("192.0.2.3");
    expect(k.log.some((l) => l.includes("vxlan vx0: 02:aa:bb:cc:dd:01 migrated from 192.0.2.1 to 192.0.2.3"))).toBe(true);
    fdbAdd(dev, "02:aa:bb:cc:dd:02", "192.0.2.9", undefined, "static");
    inject(wire, vxlan(42, frame(mac, [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x02], 60)), "192.0.2.1");
    k.run();
    expect(got.length).toBe(2);
    expect(stats(dev)).toMatchObject({ fdb_learned: 1, fdb_migrated: 1, rx_fdb_conflict: 1 });
    got.forEach(kfreeSkb);
  });

  it("counts header drops on the socket, which every device listening on it shows", () => {
    const { wire, k, dev } = setup();
    const other = linkAdd(k, "vx1", ["id", "43"]);
    up(other);
    inject(wire, new Uint8Array(3));
    expect(stats(dev)["rx_short"]).toBe(1);
    expect(stats(other)["rx_short"]).toBe(1);
  });
});
