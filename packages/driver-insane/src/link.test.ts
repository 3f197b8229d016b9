import { describe, expect, it } from "vitest";
import {
  EINVAL, Kernel, NETREG_RELEASED, ROOT_CRED, devGetStats, devOpen, isErrno, rtnlDellink, rtnlNewlink, type NetDevice,
} from "@vnet/core";
import insane, { insanelyGet, insanelySet } from "./index.js";
import { send, sink } from "./test-helpers.js";
import type { InsanePriv } from "./priv.js";

function add(k: Kernel, name?: string, net = k.initNet): NetDevice<InsanePriv> {
  return rtnlNewlink("insane", { net, name, data: {}, cred: ROOT_CRED }) as NetDevice<InsanePriv>;
}

describe("ip link add NAME type insane", () => {
  it("makes any number of instances, each relaying to its own slave", () => {
    const k = new Kernel({ seed: 5 });
    k.insmod(insane);
    const net = k.initNet;
    const [eth0, eth1] = [sink(net, "eth0", { last: 1 }), sink(net, "eth1", { last: 2 })];
    const a = add(k);
    const b = add(k);
    expect([a.name, b.name]).toEqual(["insane0", "insane1"]);
    devOpen(a);
    devOpen(b);
    expect(k.modules.get("insane")!.refcnt).toBe(2);
    insanelySet(net, ROOT_CRED, "insane0", { slave: "eth0", mode: "pass" });
    insanelySet(net, ROOT_CRED, "insane1", { slave: "eth1", mode: "time", arg1: 0, arg2: 1 });
    send(k, a, 3);
    send(k, b, 4);
    expect(eth0.priv.count).toBe(3);
    expect(eth1.priv.count).toBe(0);
    expect(devGetStats(b).txDropped).toBe(4);
    expect(a.linkKind?.fillInfo?.(a)).toEqual({ slave: "eth0", mode: "pass", arg1: 0, arg2: 0 });
    expect(insanelyGet(net, ROOT_CRED, "insane")).toMatchObject({ slave: "" });
  });

  it("finds slaves in the instance's own namespace", () => {
    const k = new Kernel();
    k.insmod(insane);
    const ns = k.createNet("red");
    sink(ns, "eth0", { last: 3 });
    add(k, "wild", ns);
    insanelySet(ns, ROOT_CRED, "wild", { slave: "eth0", mode: "pass" });
    expect(insanelyGet(ns, ROOT_CRED, "wild").slave).toBe("eth0");
    expect(() => insanelySet(k.initNet, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" })).toThrow(/No such device/);
    k.destroyNet(ns);
    expect(k.modules.get("insane")).toBeDefined();
  });

  it("takes no link arguments", () => {
    const k = new Kernel();
    k.insmod(insane);
    let err: unknown;
    try {
      k.linkKinds.get("insane")!.parse!(["slave", "eth0"]);
    } catch (e) {
      err = e;
    }
    expect(isErrno(err, EINVAL)).toBe(true);
  });

  it("are deleted by ip link del, giving their slave back, and all go at rmmod", () => {
    const k = new Kernel();
    const chain = k.netdevChain.length;
    k.insmod(insane);
    const net = k.initNet;
    const eth0 = sink(net);
    const a = add(k, "insane7");
    const b = add(k);
    insanelySet(net, ROOT_CRED, "insane7", { slave: "eth0", mode: "pass" });
    k.run();
    expect(eth0.refcnt).toBe(2);
    rtnlDellink(a, ROOT_CRED);
    expect(a.regState).toBe(NETREG_RELEASED);
    expect(eth0.refcnt).toBe(1);
    const first = net.devices.get("insane")!;
    k.rmmod("insane");
    expect(b.regState).toBe(NETREG_RELEASED);
    expect(first.regState).toBe(NETREG_RELEASED);
    expect(k.linkKinds.has("insane")).toBe(false);
    expect(k.netdevChain.length).toBe(chain);
  });
});
