import { describe, expect, it } from "vitest";
import {
  devChangeNetNamespace, devClose, devGetStats, devOpen, devOperstate, EADDRNOTAVAIL, EEXIST, EINVAL, ENODEV, ENOENT,
  EOPNOTSUPP, EPERM, ETH_SS_STATS, ETH_SS_TEST, IF_OPER_UP, KernelError, NET_ADDR_SET, NETDEV_REGISTER, notifierFromErrno,
  NOTIFY_DONE, registerNetdeviceNotifier, ROOT_CRED, rtnlDellink, rtnlNewlink, userCred, type Kernel, type Net,
  type NetDevice, type NewLinkRequest,
} from "@vnet/core";
import { etun } from "./index.js";
import { BROADCAST, boot, ctxOf, delif, dev, netdevLog, newif, send, sink } from "./test-helpers.js";

function errnoOf(fn: () => void): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return 0;
}

function req(net: Net, name: string | undefined, data: Record<string, unknown>, extra: Partial<NewLinkRequest> = {}): NewLinkRequest {
  return { net, name, data, cred: ROOT_CRED, ...extra };
}

/** `ip link add NAME type KIND ARGS`, parsing through the kind's own parser. */
function ipLinkAdd(k: Kernel, name: string | undefined, kind: string, args: string[], net: Net = k.initNet): NetDevice {
  const ops = k.linkKinds.get(kind)!;
  return rtnlNewlink(kind, req(net, name, ops.parse!(args)));
}

function names(net: Net): string[] {
  return [...net.devices.keys()].sort();
}

describe("ip link add ... type etun|veth", () => {
  it("registers kind etun with the alias veth", () => {
    const k = boot();
    expect(k.linkKinds.get("etun")?.kind).toBe("etun");
    expect(k.linkKinds.get("veth")).toBe(k.linkKinds.get("etun"));
  });

  it("parses peer [name] NAME [netns NS]", () => {
    const k = boot();
    const parse = k.linkKinds.get("etun")!.parse!;
    expect(parse([])).toEqual({});
    expect(parse(["peer", "name", "b"])).toEqual({ peerName: "b" });
    expect(parse(["peer", "b"])).toEqual({ peerName: "b" });
    expect(parse(["peer", "name", "b", "netns", "blue"])).toEqual({ peerName: "b", peerNetns: "blue" });
    expect(parse(["peer", "netns", "blue", "name", "b"])).toEqual({ peerName: "b", peerNetns: "blue" });
    for (const bad of [["name", "b"], ["peer", "name"], ["peer", "netns"], ["peer", "b", "c"], ["bogus"]]) {
      expect(errnoOf(() => parse(bad))).toBe(EINVAL);
    }
  });

  it("creates a pair through either name of the kind", () => {
    const k = boot();
    const a = ipLinkAdd(k, "a", "veth", ["peer", "name", "b"]);
    const c = ipLinkAdd(k, "c", "etun", ["peer", "d"]);
    expect(names(k.initNet)).toEqual(["a", "b", "c", "d", "lo"]);
    expect(a.ops.getPeerDev?.(a)?.name).toBe("b");
    expect(c.ops.getPeerDev?.(c)?.name).toBe("d");
    // The peer is registered first, as veth does.
    expect(dev(k, "b").ifindex).toBeLessThan(a.ifindex);
    expect(dev(k, "b").linkKind).toBe(a.linkKind);
  });

  it("names both ends veth%d when no names are given", () => {
    const k = boot();
    const d = ipLinkAdd(k, undefined, "veth", []);
    expect(names(k.initNet)).toEqual(["lo", "veth0", "veth1"]);
    expect(d.name).toBe("veth1");
    expect(d.ops.getIflink?.(d)).toBe(dev(k, "veth0").ifindex);
    ipLinkAdd(k, "x", "veth", []);
    expect(names(k.initNet)).toEqual(["lo", "veth0", "veth1", "veth2", "x"]);
  });

  it("creates the peer in another namespace, given by name or as a Net", () => {
    const k = boot();
    const blue = k.createNet("blue");
    const red = k.createNet("red");
    ipLinkAdd(k, "a", "veth", ["peer", "name", "b", "netns", "blue"]);
    rtnlNewlink("etun", req(k.initNet, "c", { peerName: "d", peerNet: red }));
    expect(names(k.initNet)).toEqual(["a", "c", "lo"]);
    expect(names(blue)).toEqual(["b", "lo"]);
    expect(names(red)).toEqual(["d", "lo"]);
    expect(errnoOf(() => ipLinkAdd(k, "e", "veth", ["peer", "name", "f", "netns", "nowhere"]))).toBe(ENOENT);
    expect(names(k.initNet)).toEqual(["a", "c", "lo"]);
  });

  it("applies mtu, address and txqueuelen to the named end after checking them", () => {
    const k = boot();
    const mac = new Uint8Array([0x02, 1, 2, 3, 4, 5]);
    const a = rtnlNewlink("etun", req(k.initNet, "a", { peerName: "b" }, { mtu: 9000, address: mac, txQueueLen: 7 }));
    expect([a.mtu, a.txQueueLen, a.addrAssignType]).toEqual([9000, 7, NET_ADDR_SET]);
    expect([...a.address()]).toEqual([...mac]);
    expect(dev(k, "b").mtu).toBe(1500);
    expect(errnoOf(() => rtnlNewlink("etun", req(k.initNet, "c", { peerName: "d" }, { mtu: 70000 })))).toBe(EINVAL);
    const multicast = new Uint8Array([0x01, 1, 2, 3, 4, 5]);
    expect(errnoOf(() => rtnlNewlink("etun", req(k.initNet, "c", { peerName: "d" }, { address: multicast })))).toBe(EADDRNOTAVAIL);
    expect(names(k.initNet)).toEqual(["a", "b", "lo"]);
  });

  it("leaves no half pair when the second end fails", () => {
    const k = boot();
    registerNetdeviceNotifier(k, {
      notifierCall: (ev, info) => (ev === NETDEV_REGISTER && info.dev.name === "a" ? notifierFromErrno(-EPERM) : NOTIFY_DONE),
    });
    expect(errnoOf(() => ipLinkAdd(k, "a", "veth", ["peer", "name", "b"]))).toBe(EPERM);
    expect(names(k.initNet)).toEqual(["lo"]);
    expect(errnoOf(() => ipLinkAdd(k, "c", "veth", ["peer", "name", "lo"]))).toBe(EEXIST);
    expect(errnoOf(() => ipLinkAdd(k, "c", "veth", ["peer", "name", "c"]))).toBe(EEXIST);
    expect(names(k.initNet)).toEqual(["lo"]);
  });

  it("needs CAP_NET_ADMIN", () => {
    const k = boot();
    expect(errnoOf(() => rtnlNewlink("veth", req(k.initNet, "a", {}, { cred: userCred() })))).toBe(EPERM);
    expect(names(k.initNet)).toEqual(["lo"]);
  });

  it("deletes both ends with ip link del of either, sysfs-made pairs too", () => {
    const k = boot();
    ipLinkAdd(k, "a", "veth", ["peer", "name", "b"]);
    newif(k, "c,d");
    const log = netdevLog(k, (d) => d.name !== "lo");
    rtnlDellink(dev(k, "b"), ROOT_CRED);
    rtnlDellink(dev(k, "c"), ROOT_CRED);
    expect(names(k.initNet)).toEqual(["lo"]);
    expect(log).toEqual(["NETDEV_UNREGISTER b", "NETDEV_UNREGISTER a", "NETDEV_UNREGISTER c", "NETDEV_UNREGISTER d"]);
  });

  it("delif destroys an rtnl-made pair", () => {
    const k = boot();
    ipLinkAdd(k, "a", "veth", ["peer", "name", "b"]);
    delif(k, "a");
    expect(names(k.initNet)).toEqual(["lo"]);
  });
});

describe("namespaces", () => {
  it("keeps a pair working when one end moves, with the notifier sequence of a move", () => {
    const k = boot();
    newif(k, "veth0,veth1");
    const a = dev(k, "veth0");
    const b = dev(k, "veth1");
    devOpen(a);
    devOpen(b);
    k.run();
    const blue = k.createNet("blue");
    const log = netdevLog(k, (d) => d === a || d === b);
    devChangeNetNamespace(b, blue);
    k.run();
    expect(log).toEqual([
      "NETDEV_GOING_DOWN veth1", "NETDEV_DOWN veth1", "NETDEV_UNREGISTER veth1", "NETDEV_REGISTER veth1",
      // Linkwatch: the carrier went off on both ends; only the running end hears of it.
      "NETDEV_CHANGE veth0",
    ]);
    expect(b.net).toBe(blue);
    expect(names(k.initNet)).toEqual(["lo", "veth0"]);
    expect(a.ops.getPeerDev?.(a)).toBe(b);
    expect(a.ops.getIflink?.(a)).toBe(b.ifindex);

    log.length = 0;
    devOpen(b);
    k.run();
    expect(log).toEqual(["NETDEV_PRE_UP veth1", "NETDEV_UP veth1", "NETDEV_CHANGE veth1", "NETDEV_CHANGE veth0"]);
    expect([devOperstate(a), devOperstate(b)]).toEqual([IF_OPER_UP, IF_OPER_UP]);

    const got = sink(k);
    send(a, b.devAddr, 60, 0x88b5, 9);
    send(b, BROADCAST);
    k.run();
    expect(got.map((d) => [d.dev, d.mark])).toEqual([["veth1", 0], ["veth0", 0]]);
    expect(devGetStats(b).rxPackets).toBe(1);
    expect(k.vfs.read("/sys/class/net/veth1/iflink", { net: blue, cred: ROOT_CRED })).toBe(`${a.ifindex}\n`);
  });

  it("moves back and forth; delif finds the end that stayed in the initial namespace", () => {
    const k = boot();
    newif(k, "veth0,veth1");
    const blue = k.createNet("blue");
    devChangeNetNamespace(dev(k, "veth1"), blue);
    expect(errnoOf(() => delif(k, "veth1"))).toBe(ENODEV); // not in the initial namespace
    delif(k, "veth0");
    expect(names(k.initNet)).toEqual(["lo"]);
    expect(names(blue)).toEqual(["lo"]);
  });

  it("destroying a namespace destroys the pairs with an end in it, and only those", () => {
    const k = boot();
    const blue = k.createNet("blue");
    ipLinkAdd(k, "a", "veth", ["peer", "name", "b", "netns", "blue"]);
    ipLinkAdd(k, "c", "veth", ["peer", "name", "d"], blue); // both ends inside
    newif(k, "x,y");
    devOpen(dev(k, "a"));
    const log = netdevLog(k, (d) => d.name !== "lo");
    k.destroyNet(blue);
    expect(names(k.initNet)).toEqual(["lo", "x", "y"]);
    expect(k.getNet("blue")).toBeNull();
    expect(log).toContain("NETDEV_UNREGISTER a");
    expect(log.filter((l) => l.startsWith("NETDEV_UNREGISTER")).sort()).toEqual([
      "NETDEV_UNREGISTER a", "NETDEV_UNREGISTER b", "NETDEV_UNREGISTER c", "NETDEV_UNREGISTER d",
    ]);
  });
});

describe("rmmod", () => {
  it("removes every pair in every namespace, up or down, and the control files", () => {
    const k = boot();
    const blue = k.createNet("blue");
    newif(k, "veth0,veth1");
    ipLinkAdd(k, "a", "veth", ["peer", "name", "b", "netns", "blue"]);
    devOpen(dev(k, "veth0"));
    devOpen(dev(k, "veth1"));
    k.run();
    k.rmmod("etun");
    expect(names(k.initNet)).toEqual(["lo"]);
    expect(names(blue)).toEqual(["lo"]);
    expect(k.linkKinds.has("etun") || k.linkKinds.has("veth")).toBe(false);
    expect(k.vfs.exists("/sys/module/etun", ctxOf(k))).toBe(false);
    // And it loads again.
    k.insmod(etun);
    newif(k, "veth0,veth1");
    expect(names(k.initNet)).toEqual(["lo", "veth0", "veth1"]);
  });
});

describe("ethtool ops", () => {
  it("answers settings, driver info, link and the peer_ifindex statistic", () => {
    const k = boot();
    newif(k, "veth0,veth1");
    const a = dev(k, "veth0");
    const b = dev(k, "veth1");
    const et = a.ethtoolOps!;
    expect(et.getLinkKsettings!(a)).toMatchObject({ speed: 10000, duplex: "full", port: "TP", autoneg: false });
    expect(et.getDrvinfo!(a)).toEqual({ driver: "etun", version: "1.0", fwVersion: "N/A", busInfo: "" });
    expect(et.getLink!(a)).toBe(false);
    devOpen(a);
    devOpen(b);
    expect(et.getLink!(a)).toBe(true);
    devClose(b);
    expect(et.getLink!(a)).toBe(false);
    expect(et.getSsetCount!(a, ETH_SS_STATS)).toBe(1);
    expect(et.getSsetCount!(a, ETH_SS_TEST)).toBe(-EOPNOTSUPP);
    expect(et.getStrings!(a, ETH_SS_STATS)).toEqual(["peer_ifindex"]);
    expect(et.getEthtoolStats!(a)).toEqual([b.ifindex]);
    expect(et.getEthtoolStats!(b)).toEqual([a.ifindex]);
  });
});
