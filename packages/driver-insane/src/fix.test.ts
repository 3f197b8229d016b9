import { describe, expect, it } from "vitest";
import {
  ETH_SS_STATS, NETREG_REGISTERED, NETREG_RELEASED, NETREG_UNREGISTERING, ROOT_CRED, devChangeNetNamespace, devClose,
  devGetStats, devOpen, devSetMacAddress, netifCarrierOff, netifCarrierOk, netifCarrierOn, unregisterNetdev,
  type NetDevice,
} from "@vnet/core";
import { insanelyGet, insanelySet } from "./index.js";
import { boot, send } from "./test-helpers.js";
import type { InsanePriv } from "./priv.js";

const WAITING = "unregister_netdevice: waiting for eth0 to become free. Usage count = 2";

function ethtool(dev: NetDevice<InsanePriv>): Record<string, number> {
  const ops = dev.ethtoolOps!;
  const values = ops.getEthtoolStats!(dev);
  return Object.fromEntries(ops.getStrings!(dev, ETH_SS_STATS).map((n, i) => [n, values[i]!]));
}

describe("the fix: insane holds its slave and hears when it goes", () => {
  it("holds a reference on the slave while attached", () => {
    const { net, eth0 } = boot();
    expect(eth0.refcnt).toBe(1);
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    expect(eth0.refcnt).toBe(2);
  });

  it("lets an unregistered slave go at once: released, detached, carrier off, later packets dropped", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    k.runFor(1);
    expect(netifCarrierOk(dev)).toBe(true);
    send(k, dev, 2);
    unregisterNetdev(eth0);
    expect(eth0.regState).toBe(NETREG_RELEASED);
    expect(eth0.refcnt).toBe(1);
    expect(insanelyGet(net, ROOT_CRED, "insane").slave).toBe("");
    expect(netifCarrierOk(dev)).toBe(false);
    send(k, dev, 3);
    const s = devGetStats(dev);
    expect(s.txPackets).toBe(2);
    expect(s.txDropped).toBe(3);
    expect(s.txErrors).toBe(3);
    expect(ethtool(dev)["tx_drop_no_slave"]).toBe(3);
    expect(eth0.priv.count).toBe(2);
    k.runFor(20_000);
    expect(k.log.some((l) => l.includes("waiting for eth0"))).toBe(false);
    expect(k.log.some((l) => l.includes("insane: slave eth0 is going away, detaching"))).toBe(true);
  });

  it("keeps the slave across a namespace move (UNREGISTER while still NETREG_REGISTERED)", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    const ns = k.createNet("blue");
    devChangeNetNamespace(eth0, ns);
    expect(eth0.regState).toBe(NETREG_REGISTERED);
    expect(eth0.refcnt).toBe(2);
    expect(insanelyGet(net, ROOT_CRED, "insane").slave).toBe("eth0");
    expect(dev.priv.slave).toBe(eth0);
    // A real removal in the other namespace still lets it go.
    unregisterNetdev(eth0);
    expect(eth0.regState).toBe(NETREG_RELEASED);
    expect(dev.priv.slave).toBe(null);
  });

  it("copies the slave's new MAC on NETDEV_CHANGEADDR", () => {
    const { net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    devClose(eth0);
    devSetMacAddress(eth0, new Uint8Array([0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]));
    expect([...dev.address()]).toEqual([0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
  });

  it("follows the slave's carrier: up with carrier on, otherwise off", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    expect(netifCarrierOk(dev)).toBe(true);
    netifCarrierOff(eth0);
    k.runFor(1);
    expect(netifCarrierOk(dev)).toBe(false);
    netifCarrierOn(eth0);
    k.runFor(1);
    expect(netifCarrierOk(dev)).toBe(true);
    devClose(eth0);
    expect(netifCarrierOk(dev)).toBe(false);
    devOpen(eth0);
    expect(netifCarrierOk(dev)).toBe(true);
  });

  it("gives its references back at rmmod", () => {
    const { k, net, eth0, dev } = boot();
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    devClose(dev);
    k.rmmod("insane");
    expect(eth0.refcnt).toBe(1);
    unregisterNetdev(eth0);
    expect(eth0.regState).toBe(NETREG_RELEASED);
  });
});

describe("legacy=1: the driver as published in 2000, without the notifier", () => {
  it("keeps the reference of a removed slave, so its unregister waits and the kernel complains every 10 s", () => {
    const { k, net, eth0, dev } = boot({ legacy: true });
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    unregisterNetdev(eth0);
    expect(eth0.regState).toBe(NETREG_UNREGISTERING);
    expect(eth0.refcnt).toBe(2);
    expect(insanelyGet(net, ROOT_CRED, "insane").slave).toBe("eth0");
    k.runFor(9_999);
    expect(k.log.filter((l) => l.includes(WAITING))).toHaveLength(0);
    k.runFor(1);
    expect(k.log.filter((l) => l.includes(WAITING))).toHaveLength(1);
    k.runFor(10_000);
    expect(k.log.filter((l) => l.includes(WAITING))).toHaveLength(2);
    expect(k.log.at(-1)).toMatch(/^\[ +20\.000000\] unregister_netdevice: waiting for eth0 to become free\. Usage count = 2$/);
    // Only removing insane (down, then rmmod) lets eth0 finish.
    devClose(dev);
    k.rmmod("insane");
    expect(eth0.regState).toBe(NETREG_RELEASED);
  });

  it("leaves carrier and address alone after attaching", () => {
    const { k, net, eth0, dev } = boot({ legacy: true });
    expect(netifCarrierOk(dev)).toBe(true);
    insanelySet(net, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
    devClose(eth0);
    devSetMacAddress(eth0, new Uint8Array([0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]));
    k.runFor(1);
    expect(netifCarrierOk(dev)).toBe(true);
    expect(dev.devAddr[1]).toBe(0);
    expect(k.modules.get("insane")!.params.get("legacy")).toBe(true);
    expect(k.vfs.read("/sys/module/insane/parameters/legacy", { net, cred: ROOT_CRED })).toBe("Y\n");
  });
});
