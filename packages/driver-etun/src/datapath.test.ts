import { describe, expect, it } from "vitest";
import {
  CHECKSUM_NONE, CHECKSUM_UNNECESSARY, devChangeFlags, devClose, devGetFlags, devGetStats, devIoctl, devOpen,
  devOperstate, devSetFeatures, devSetMacAddress, devSetMtu, EBUSY, EINVAL, ENOTCONN, EOPNOTSUPP, IF_OPER_DOWN,
  IF_OPER_LOWERLAYERDOWN, IF_OPER_UP, IFF_LOWER_UP, IFF_RUNNING, IFF_UP, isErrno, KernelError, NETDEV_REGISTER,
  NETIF_F_HW_CSUM, NETIF_F_LLTX, NETIF_F_RXCSUM, NETIF_F_SG, netifCarrierOk, netifQueueStopped, NOTIFY_DONE,
  PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST, registerNetdeviceNotifier, ROOT_CRED,
  SIOCDEVPRIVATE, unregisterNetdev, type Kernel, type NetDevice,
} from "@vnet/core";
import { BROADCAST, boot, ctxOf, dev, ETH_P_TEST, netdevLog, newif, send, sink } from "./test-helpers.js";

function pair(k: Kernel, up = true): [NetDevice, NetDevice] {
  newif(k, "veth0,veth1");
  const a = dev(k, "veth0");
  const b = dev(k, "veth1");
  if (up) {
    devOpen(a);
    devOpen(b);
    k.run();
  }
  return [a, b];
}

function errnoOf(fn: () => void): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return 0;
}

describe("transmit", () => {
  it("delivers what one end sends to the other end's stack, counted on both", () => {
    const k = boot();
    const [a, b] = pair(k);
    const got = sink(k);
    send(a, b.devAddr, 100);
    send(b, a.devAddr, 80);
    expect(got).toEqual([]); // netif_rx queues: delivery happens in the softirq
    k.run();
    expect(got).toEqual([
      { dev: "veth1", pktType: PACKET_HOST, ipSummed: CHECKSUM_NONE, protocol: ETH_P_TEST, len: 86, mark: 0 },
      { dev: "veth0", pktType: PACKET_HOST, ipSummed: CHECKSUM_NONE, protocol: ETH_P_TEST, len: 66, mark: 0 },
    ]);
    const sa = devGetStats(a);
    const sb = devGetStats(b);
    expect([sa.txPackets, sa.txBytes, sa.rxPackets, sa.rxBytes]).toEqual([1, 100, 1, 80]);
    expect([sb.txPackets, sb.txBytes, sb.rxPackets, sb.rxBytes]).toEqual([1, 80, 1, 100]);
  });

  it("recomputes pkt_type against the receiver's address", () => {
    const k = boot();
    const [a, b] = pair(k);
    const got = sink(k);
    send(a, b.devAddr);
    send(a, BROADCAST);
    send(a, new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]));
    send(a, a.devAddr); // addressed to the sender itself: someone else's frame on the receiving end
    send(a, new Uint8Array([0x02, 0, 0, 0, 0, 9]));
    k.run();
    expect(got.map((d) => d.pktType)).toEqual([PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OTHERHOST]);
  });

  it("keeps the mark when both ends share a namespace", () => {
    const k = boot();
    const [a, b] = pair(k);
    const got = sink(k);
    send(a, b.devAddr, 60, ETH_P_TEST, 42);
    k.run();
    expect(got[0]!.mark).toBe(42);
  });

  it("skips checksums only when the sender's tx and the receiver's rx checksumming agree", () => {
    const k = boot();
    const [a, b] = pair(k);
    const got = sink(k);
    const summed = (): number => {
      send(a, b.devAddr);
      k.run();
      return got.at(-1)!.ipSummed;
    };
    expect(summed()).toBe(CHECKSUM_NONE);
    devSetFeatures(a, a.wantedFeatures | NETIF_F_HW_CSUM);
    expect(summed()).toBe(CHECKSUM_NONE);
    devSetFeatures(a, a.wantedFeatures & ~NETIF_F_HW_CSUM);
    devSetFeatures(b, b.wantedFeatures | NETIF_F_RXCSUM);
    expect(summed()).toBe(CHECKSUM_NONE);
    devSetFeatures(a, a.wantedFeatures | NETIF_F_HW_CSUM);
    expect(summed()).toBe(CHECKSUM_UNNECESSARY);
    // Agreement is per direction: b has not offered tx checksumming, a has not offered rx.
    send(b, a.devAddr);
    k.run();
    expect(got.at(-1)!.ipSummed).toBe(CHECKSUM_NONE);
  });

  it("drops and counts a frame shorter than an Ethernet header", () => {
    const k = boot();
    const [a, b] = pair(k);
    const got = sink(k);
    send(a, b.devAddr, 13);
    k.run();
    expect(got).toEqual([]);
    expect(devGetStats(a).txDropped).toBe(1);
    expect(devGetStats(a).txPackets).toBe(0);
    expect(devGetStats(b).rxPackets).toBe(0);
  });

  it("drops frames beyond the receiver's MTU plus header (and a VLAN tag), whatever the sender's MTU", () => {
    const k = boot();
    const [a, b] = pair(k);
    const got = sink(k);
    devSetMtu(a, 9000);
    devSetMtu(b, 1000);
    expect(a.mtu).toBe(9000);
    send(a, b.devAddr, 1000 + 14 + 4);
    send(a, b.devAddr, 1000 + 14 + 4 + 1);
    send(b, a.devAddr, 1000 + 14 + 4 + 1); // a's MTU is larger: fine that way
    k.run();
    expect(got.map((d) => [d.dev, d.len])).toEqual([["veth1", 1004], ["veth0", 1005]]);
    expect(devGetStats(a).txDropped).toBe(1);
    expect(devGetStats(b).rxDropped).toBe(1);
    expect(devGetStats(a).txPackets).toBe(1);
  });

  it("drops and counts tx_dropped while the peer is down", () => {
    const k = boot();
    const [a, b] = pair(k);
    const got = sink(k);
    devClose(b);
    devOpen(a); // still up: a stays up, b is down
    send(a, b.devAddr);
    k.run();
    expect(got).toEqual([]);
    expect(devGetStats(a).txDropped).toBe(1);
    expect(devGetStats(b).rxDropped).toBe(1);
    expect(devGetStats(b).rxPackets).toBe(0);
  });

  it("drops what an orphaned end sends once its peer was unregistered alone", () => {
    const k = boot();
    const [a, b] = pair(k);
    unregisterNetdev(b);
    expect(a.ops.getPeerDev?.(a)).toBeNull();
    expect(a.ops.getIflink?.(a)).toBe(0);
    send(a, BROADCAST);
    k.run();
    expect(devGetStats(a).txDropped).toBe(1);
    devClose(a);
    expect(errnoOf(() => devOpen(a))).toBe(ENOTCONN);
  });
});

describe("open and stop", () => {
  it("refuses to open an end before its partner is tied to it (ENOTCONN)", () => {
    const k = boot();
    const errs: number[] = [];
    registerNetdeviceNotifier(k, {
      notifierCall(ev, info) {
        if (ev === NETDEV_REGISTER && info.dev.name === "veth0") errs.push(errnoOf(() => devOpen(info.dev)));
        return NOTIFY_DONE;
      },
    });
    newif(k, "veth0,veth1");
    expect(errs).toEqual([ENOTCONN]);
    expect(dev(k, "veth0").flags & IFF_UP).toBe(0);
  });

  it("has carrier only while both ends are up, and operstate follows through linkwatch", () => {
    const k = boot();
    const [a, b] = pair(k, false);
    expect(devOperstate(a)).toBe(IF_OPER_DOWN);
    devOpen(a);
    k.run();
    expect(netifCarrierOk(a)).toBe(false);
    expect(devOperstate(a)).toBe(IF_OPER_LOWERLAYERDOWN);
    expect(devGetFlags(a) & (IFF_RUNNING | IFF_LOWER_UP)).toBe(0);
    expect(k.vfs.read("/sys/class/net/veth0/operstate", ctxOf(k))).toBe("lowerlayerdown\n");

    devOpen(b);
    expect(netifCarrierOk(a) && netifCarrierOk(b)).toBe(true);
    expect(devOperstate(a)).toBe(IF_OPER_LOWERLAYERDOWN); // not yet: linkwatch has not run
    k.run();
    expect([devOperstate(a), devOperstate(b)]).toEqual([IF_OPER_UP, IF_OPER_UP]);
    expect(devGetFlags(b) & (IFF_RUNNING | IFF_LOWER_UP)).toBe(IFF_RUNNING | IFF_LOWER_UP);
    expect(k.vfs.read("/sys/class/net/veth1/carrier", ctxOf(k))).toBe("1\n");

    devClose(b);
    expect(netifCarrierOk(a) || netifCarrierOk(b)).toBe(false);
    k.run();
    expect([devOperstate(a), devOperstate(b)]).toEqual([IF_OPER_LOWERLAYERDOWN, IF_OPER_DOWN]);
  });

  it("announces the carrier changes on the notifier chain", () => {
    const k = boot();
    const [a, b] = pair(k, false);
    const log = netdevLog(k, (d) => d === a || d === b);
    devOpen(a);
    devOpen(b);
    k.run();
    devChangeFlags(a, a.flags & ~IFF_UP);
    k.run();
    expect(log).toEqual([
      "NETDEV_PRE_UP veth0", "NETDEV_UP veth0",
      "NETDEV_PRE_UP veth1", "NETDEV_UP veth1",
      // Carrier comes on for both when veth1 opens; linkwatch reports them in the order they were queued.
      "NETDEV_CHANGE veth0", "NETDEV_CHANGE veth1",
      "NETDEV_GOING_DOWN veth0", "NETDEV_DOWN veth0",
      "NETDEV_CHANGE veth1",
    ]);
  });

  it("stops the queue on stop and starts it again on open", () => {
    const k = boot();
    const [a] = pair(k);
    expect(netifQueueStopped(a)).toBe(false);
    devClose(a);
    expect(netifQueueStopped(a)).toBe(true);
    devOpen(a);
    expect(netifQueueStopped(a)).toBe(false);
  });
});

describe("change_mtu", () => {
  it("accepts 46..65535 (the patch's floor, veth's ceiling), each end on its own", () => {
    const k = boot();
    const [a, b] = pair(k);
    expect([a.minMtu, a.maxMtu]).toEqual([46, 65535]);
    expect(errnoOf(() => devSetMtu(a, 45))).toBe(EINVAL);
    devSetMtu(a, 46);
    expect(a.mtu).toBe(46);
    expect(b.mtu).toBe(1500);
    devSetMtu(b, 65535);
    expect(errnoOf(() => devSetMtu(b, 65536))).toBe(EINVAL);
    expect([a.mtu, b.mtu]).toEqual([46, 65535]);
    // The driver's own check holds for callers that bypass the range.
    expect(a.ops.changeMtu!(a, 45)).toBe(-EINVAL);
    expect(a.mtu).toBe(46);
  });
});

describe("features, ioctls, MAC address", () => {
  it("toggles rx/tx checksumming and scatter-gather, nothing else", () => {
    const k = boot();
    const [a] = pair(k);
    expect(a.hwFeatures).toBe(NETIF_F_RXCSUM | NETIF_F_HW_CSUM | NETIF_F_SG);
    expect(a.features & (NETIF_F_RXCSUM | NETIF_F_HW_CSUM | NETIF_F_SG)).toBe(0);
    devSetFeatures(a, a.features | NETIF_F_SG | NETIF_F_RXCSUM);
    expect(a.features & (NETIF_F_SG | NETIF_F_RXCSUM)).toBe(NETIF_F_SG | NETIF_F_RXCSUM);
    expect(errnoOf(() => devSetFeatures(a, a.features & ~NETIF_F_LLTX))).toBe(EOPNOTSUPP);
  });

  it("answers EOPNOTSUPP to private ioctls", () => {
    const k = boot();
    pair(k);
    for (const cmd of [SIOCDEVPRIVATE, SIOCDEVPRIVATE + 15]) {
      expect(errnoOf(() => devIoctl(k.initNet, ROOT_CRED, cmd, { name: "veth0" }))).toBe(EOPNOTSUPP);
    }
  });

  it("takes a new MAC address while down, not while up", () => {
    const k = boot();
    const [a, b] = pair(k);
    const mac = new Uint8Array([0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
    let err: unknown;
    try {
      devSetMacAddress(a, mac);
    } catch (e) {
      err = e;
    }
    expect(isErrno(err, EBUSY)).toBe(true);
    devClose(a);
    devSetMacAddress(a, mac);
    expect([...a.address()]).toEqual([...mac]);
    devOpen(a);
    k.run();
    const got = sink(k);
    send(b, mac);
    k.run();
    expect(got[0]!.pktType).toBe(PACKET_HOST);
  });
});
