import { describe, expect, it } from "vitest";
import {
  allocNetdev, CAP_NET_ADMIN, devOpen, EINVAL, EOPNOTSUPP, EPERM, ETH_SS_STATS, etherSetup, Kernel, KernelError,
  NETDEV_FEAT_CHANGE, NETIF_F_HIGHDMA, NETIF_F_HW_CSUM, NETIF_F_IP_CSUM, NETIF_F_LLTX, NETIF_F_RXCSUM, NETIF_F_SG,
  NOTIFY_DONE, netifCarrierOff, netifCarrierOn, registerNetdev, registerNetdeviceNotifier, ROOT_CRED, userCred,
  type EthtoolOps, type NetDevice, type RtnlLinkOps,
} from "../index.js";
import {
  ethtoolGetDrvinfo, ethtoolGetFeatures, ethtoolGetLink, ethtoolGetSettings, ethtoolGetStats, ethtoolOpGetLink,
  ethtoolSetFeatures,
} from "./ethtool.js";

const fullOps: EthtoolOps = {
  getDrvinfo: () => ({ driver: "toy", version: "2.0", fwVersion: "N/A", busInfo: "toy:0" }),
  getLinkKsettings: () => ({ speed: 1000, duplex: "full", port: "TP", autoneg: true }),
  getLink: ethtoolOpGetLink,
  getSsetCount: (_d, sset) => (sset === ETH_SS_STATS ? 2 : -EOPNOTSUPP),
  getStrings: () => ["rx_frames", "tx_frames"],
  getEthtoolStats: () => [3, 4],
};

function toy(k: Kernel, ops: EthtoolOps | null, setup?: (d: NetDevice) => void): NetDevice {
  const dev = allocNetdev(k.initNet, "toy%d", (d) => {
    etherSetup(d);
    d.ethtoolOps = ops;
    d.features = NETIF_F_HIGHDMA | NETIF_F_LLTX;
    d.hwFeatures = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_IP_CSUM | NETIF_F_RXCSUM;
    setup?.(d);
  }, null);
  registerNetdev(dev);
  return dev;
}

function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return 0;
}

describe("ethtool", () => {
  it("answers EOPNOTSUPP for what the driver does not implement", () => {
    const k = new Kernel();
    const dev = toy(k, null);
    expect(errnoOf(() => ethtoolGetSettings(dev))).toBe(EOPNOTSUPP);
    expect(errnoOf(() => ethtoolGetDrvinfo(dev))).toBe(EOPNOTSUPP);
    expect(errnoOf(() => ethtoolGetLink(dev))).toBe(EOPNOTSUPP);
    expect(errnoOf(() => ethtoolGetStats(dev))).toBe(EOPNOTSUPP);
    expect(errnoOf(() => ethtoolGetStats(toy(k, { getEthtoolStats: () => [1] })))).toBe(EOPNOTSUPP);
    // Features are the core's business: always answered.
    expect(ethtoolGetFeatures(dev).length).toBeGreaterThan(0);
  });

  it("gives settings and driver info with the set sizes", () => {
    const k = new Kernel();
    const dev = toy(k, fullOps);
    expect(ethtoolGetSettings(dev)).toEqual({ speed: 1000, duplex: "full", port: "TP", autoneg: true });
    expect(ethtoolGetDrvinfo(dev)).toEqual({
      driver: "toy", version: "2.0", fwVersion: "N/A", busInfo: "toy:0", nStats: 2, testinfoLen: 0, nPrivFlags: 0,
      eedumpLen: 0, regdumpLen: 0,
    });
  });

  it("names a driverless link kind's devices after the kind", () => {
    const k = new Kernel();
    const dev = toy(k, null);
    dev.linkKind = { kind: "dummy", newlink: () => dev } satisfies RtnlLinkOps;
    expect(ethtoolGetDrvinfo(dev)).toMatchObject({ driver: "dummy", version: "", nStats: 0 });
  });

  it("reports a link only on a running device with carrier", () => {
    const k = new Kernel();
    const dev = toy(k, fullOps);
    expect(ethtoolGetLink(dev)).toBe(false); // carrier on, but down
    devOpen(dev);
    expect(ethtoolGetLink(dev)).toBe(true);
    netifCarrierOff(dev);
    expect(ethtoolGetLink(dev)).toBe(false);
    netifCarrierOn(dev);
    expect(ethtoolGetLink(dev)).toBe(true);
  });

  it("lists features with ethtool's names, on/off and fixed", () => {
    const k = new Kernel();
    const dev = toy(k, fullOps);
    const f = new Map(ethtoolGetFeatures(dev).map(([name, on, fixed]) => [name, [on, fixed]]));
    expect(f.get("rx-checksumming")).toEqual([false, false]);
    expect(f.get("tx-checksumming")).toEqual([false, false]);
    expect(f.get("scatter-gather")).toEqual([false, false]);
    expect(f.get("highdma")).toEqual([true, true]);
    expect(f.get("tx-lockless")).toEqual([true, true]);
    expect(f.get("tcp-segmentation-offload")).toEqual([false, true]);
    expect(f.get("tx-scatter-gather-fraglist")).toEqual([false, true]);
  });

  it("sets features with -K: tx-checksumming covers every tx checksum bit, FEAT_CHANGE announced", () => {
    const k = new Kernel();
    const dev = toy(k, fullOps);
    const events: number[] = [];
    registerNetdeviceNotifier(k, { notifierCall: (ev) => (events.push(ev), NOTIFY_DONE) });
    events.length = 0;
    expect(ethtoolSetFeatures(dev, ROOT_CRED, { "tx-checksumming": true, "rx-checksumming": true })).toEqual([]);
    expect(dev.features & (NETIF_F_HW_CSUM | NETIF_F_IP_CSUM | NETIF_F_RXCSUM)).toBe(NETIF_F_HW_CSUM | NETIF_F_IP_CSUM | NETIF_F_RXCSUM);
    expect(events).toEqual([NETDEV_FEAT_CHANGE]);
    expect(ethtoolSetFeatures(dev, userCred(0, [CAP_NET_ADMIN]), { "tx-checksumming": false })).toEqual([]);
    expect(dev.features & (NETIF_F_HW_CSUM | NETIF_F_IP_CSUM)).toBe(0);
    expect(dev.features & NETIF_F_RXCSUM).toBe(NETIF_F_RXCSUM);
    // Asking for what is already so changes nothing and is no error.
    expect(ethtoolSetFeatures(dev, ROOT_CRED, { "tx-checksumming": false })).toEqual([]);
    expect(dev.features & (NETIF_F_HIGHDMA | NETIF_F_LLTX)).toBe(NETIF_F_HIGHDMA | NETIF_F_LLTX);
  });

  it("refuses without CAP_NET_ADMIN, unknown names and fixed features as ethtool reports them", () => {
    const k = new Kernel();
    const dev = toy(k, fullOps);
    expect(errnoOf(() => ethtoolSetFeatures(dev, userCred(), { "scatter-gather": true }))).toBe(EPERM);
    expect(errnoOf(() => ethtoolSetFeatures(dev, userCred(0), { "scatter-gather": true }))).toBe(EPERM);
    expect(errnoOf(() => ethtoolSetFeatures(dev, ROOT_CRED, { "warp-drive": true }))).toBe(EINVAL);
    let err: unknown;
    try {
      ethtoolSetFeatures(dev, ROOT_CRED, { "tx-lockless": false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).errno).toBe(EOPNOTSUPP);
    expect((err as KernelError).message).toContain("Could not change any device features");
    expect(dev.features & (NETIF_F_SG | NETIF_F_LLTX)).toBe(NETIF_F_LLTX);
    // Partly possible: what could change did, the rest comes back as "Actual changes".
    expect(ethtoolSetFeatures(dev, ROOT_CRED, { "scatter-gather": true, "tcp-segmentation-offload": true })).toEqual([
      ["tcp-segmentation-offload", false, true],
    ]);
    expect(dev.features & NETIF_F_SG).toBe(NETIF_F_SG);
  });

  it("returns the statistics as name/value pairs", () => {
    const k = new Kernel();
    expect(ethtoolGetStats(toy(k, fullOps))).toEqual([["rx_frames", 3], ["tx_frames", 4]]);
  });
});
