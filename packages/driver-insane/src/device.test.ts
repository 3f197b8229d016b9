import { describe, expect, it } from "vitest";
import {
  ARPHRD_ETHER, ETH_SS_STATS, IFF_UP, Kernel, NETREG_REGISTERED, NETREG_RELEASED, ROOT_CRED, devClose, devGetStats,
  devOpen, devQueueXmit, ethHeaderOps, isErrno, EBUSY, netifCarrierOk, skbPoolStats, type NetDevice,
} from "@vnet/core";
import insane, { insanelyGet, insanelySet } from "./index.js";
import { boot, frame, PEER_MAC, send, ETH_P_TEST } from "./test-helpers.js";
import type { InsanePriv } from "./priv.js";

describe("the insane device", () => {
  it("is created at insmod as a registered Ethernet interface named insane, with no slave and no carrier", () => {
    const k = new Kernel();
    k.insmod(insane);
    const dev = k.initNet.devices.get("insane") as NetDevice<InsanePriv>;
    expect(dev).toBeDefined();
    expect(dev.type).toBe(ARPHRD_ETHER);
    expect(dev.regState).toBe(NETREG_REGISTERED);
    expect(netifCarrierOk(dev)).toBe(false);
    expect(insanelyGet(k.initNet, ROOT_CRED, "insane")).toMatchObject({ slave: "", mode: "pass", arg1: 0, arg2: 0 });
    expect(dev.ethtoolOps?.getDrvinfo?.(dev).driver).toBe("insane");
  });

  it("takes the module use count while open: rmmod fails with EBUSY, then succeeds once it is down", () => {
    const { k, dev } = boot({ up: false });
    const mod = k.modules.get("insane")!;
    expect(mod.refcnt).toBe(0);
    devOpen(dev);
    expect(mod.refcnt).toBe(1);
    let err: unknown;
    try {
      k.rmmod("insane");
    } catch (e) {
      err = e;
    }
    expect(isErrno(err, EBUSY)).toBe(true);
    expect(k.initNet.devices.get("insane")).toBe(dev);
    devClose(dev);
    expect(mod.refcnt).toBe(0);
    k.rmmod("insane");
    expect(k.initNet.devices.has("insane")).toBe(false);
    expect(dev.regState).toBe(NETREG_RELEASED);
    expect(k.commands.has("insanely")).toBe(false);
  });

  it("relays to its slave with devQueueXmit, counting tx_packets/tx_bytes in its own statistics", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    send(k, dev, 3, 0, 100);
    expect(eth0.priv.count).toBe(3);
    expect(eth0.priv.devs).toEqual(["eth0", "eth0", "eth0"]);
    const s = devGetStats(dev);
    expect(s.txPackets).toBe(3);
    expect(s.txBytes).toBe(3 * 114);
    expect(s.txDropped).toBe(0);
    // ndo_get_stats64 reports the driver's counters, not dev.stats.
    expect(dev.stats.txPackets).toBe(0);
    expect(devGetStats(eth0).txPackets).toBe(3);
  });

  it("uses the slave's header ops and length, and copies its MAC and broadcast address on attach", () => {
    const { net, eth0, dev } = boot();
    expect(dev.headerOps).toBe(ethHeaderOps);
    eth0.broadcast.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
    eth0.hardHeaderLen = 18;
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    expect(dev.address()).toEqual(eth0.address());
    expect([...dev.broadcast.subarray(0, 6)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
    expect(dev.hardHeaderLen).toBe(18);
    expect(dev.headerOps).not.toBe(ethHeaderOps);
    // The header is the slave's: its source address, our destination and protocol.
    const seen: { dev: NetDevice; type: number }[] = [];
    const inner = eth0.headerOps!;
    eth0.headerOps = {
      create(skb, d, type, daddr, saddr, len) {
        seen.push({ dev: d, type });
        return inner.create(skb, d, type, daddr, saddr, len);
      },
      parse: inner.parse,
    };
    devQueueXmit(frame(dev));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.dev).toBe(eth0);
    expect(seen[0]!.type).toBe(ETH_P_TEST);
    const f = eth0.priv.frames[0]!;
    expect([...f.subarray(0, 6)]).toEqual([...PEER_MAC]);
    expect([...f.subarray(6, 12)]).toEqual([...eth0.address()]);
  });

  it("drops and frees packets sent with no slave, counting tx_dropped and tx_errors", () => {
    const { dev } = boot();
    const skbs = Array.from({ length: 5 }, () => frame(dev));
    const cached = skbPoolStats().cached;
    for (const skb of skbs) devQueueXmit(skb);
    // Every buffer was freed back to the pool: nothing leaked, unlike the 2000 driver.
    expect(skbs.map((skb) => skb.users)).toEqual([0, 0, 0, 0, 0]);
    expect(skbPoolStats().cached).toBe(cached + 5);
    const s = devGetStats(dev);
    expect(s.txPackets).toBe(0);
    expect(s.txDropped).toBe(5);
    expect(s.txErrors).toBe(5);
  });

  it("reads its per-reason counters as ethtool statistics", () => {
    const { k, net, dev } = boot({ seed: 3 });
    send(k, dev, 2);
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "percent", arg1: 50 });
    send(k, dev, 20);
    const ops = dev.ethtoolOps!;
    const names = ops.getStrings!(dev, ETH_SS_STATS);
    expect(ops.getSsetCount!(dev, ETH_SS_STATS)).toBe(names.length);
    expect(names).toEqual([
      "tx_relayed", "tx_drop_no_slave", "tx_drop_percent", "tx_drop_time", "tx_drop_gemodel", "tx_drop_limit",
      "tx_drop_purged", "tx_duplicated", "tx_corrupted", "tx_reordered", "tx_delayed", "tx_queued",
    ]);
    const stats = Object.fromEntries(names.map((n, i) => [n, ops.getEthtoolStats!(dev)[i]]));
    expect(stats["tx_drop_no_slave"]).toBe(2);
    expect(stats["tx_relayed"]! + stats["tx_drop_percent"]!).toBe(20);
    expect(stats["tx_relayed"]).toBe(devGetStats(dev).txPackets);
    expect(devGetStats(dev).txDropped).toBe(2 + stats["tx_drop_percent"]!);
  });

  it("accepts lo as a slave (ARPHRD_LOOPBACK)", () => {
    const { k, net, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "lo", mode: "pass" });
    send(k, dev, 4);
    k.run();
    expect(devGetStats(net.loopback).txPackets).toBe(4);
    expect(dev.flags & IFF_UP).toBe(IFF_UP);
  });
});
