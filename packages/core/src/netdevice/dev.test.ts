import { describe, expect, it } from "vitest";
import {
  EBUSY, EINVAL, IFF_LOWER_UP, IFF_NOARP, IFF_PROMISC, IFF_RUNNING, IFF_UP, IF_OPER_DOWN, IF_OPER_UP, IF_OPER_UNKNOWN,
  Kernel, NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_CHANGEMTU, NETDEV_CHANGENAME, NETDEV_DOWN, NETDEV_GOING_DOWN,
  NETDEV_PRECHANGEMTU, NETDEV_PRE_UP, NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_UP, NETREG_REGISTERED, NETREG_RELEASED,
  NETREG_UNREGISTERING, NOTIFY_DONE, allocNetdev, devChangeFlags, devChangeName, devChangeNetNamespace, devClose, devGetByIndex,
  devGetByName, devGetFlags, devHold, devOpen, devOperstate, devPut, devSetMacAddress, devSetMtu, devSetPromiscuity, etherSetup,
  ethMacAddr, netdevCmdToName, netifCarrierOff, netifCarrierOn, notifierFromErrno, registerNetdev, registerNetdeviceNotifier,
  unregisterNetdev, unregisterNetdeviceNotifier, type NetDevice, type NetdevNotifierBlock,
} from "../index.js";
import { dummy } from "../testing/dummy.js";
import { errnoCode } from "../testing/errno.js";


function recorder(k: Kernel, filter?: (dev: NetDevice) => boolean): { log: string[]; nb: NetdevNotifierBlock } {
  const log: string[] = [];
  const nb: NetdevNotifierBlock = {
    notifierCall(ev, info) {
      if (filter === undefined || filter(info.dev)) log.push(`${netdevCmdToName(ev).slice(7)} ${info.dev.name}`);
      return NOTIFY_DONE;
    },
  };
  registerNetdeviceNotifier(k, nb);
  log.length = 0;
  return { log, nb };
}

describe("registration", () => {
  it("gives each namespace a loopback at ifindex 1 and numbers devices in order", () => {
    const k = new Kernel();
    const lo = devGetByName(k.initNet, "lo")!;
    expect(lo.ifindex).toBe(1);
    const a = dummy(k.initNet);
    const b = dummy(k.initNet);
    expect([a.name, a.ifindex, b.name, b.ifindex]).toEqual(["dummy0", 2, "dummy1", 3]);
    expect(devGetByIndex(k.initNet, 3)).toBe(b);
    const ns = k.createNet("blue");
    expect(devGetByName(ns, "lo")!.ifindex).toBe(1);
    expect(devGetByName(ns, "dummy0")).toBeNull();
  });

  it("expands %d to the lowest free index", () => {
    const k = new Kernel();
    const devs = [dummy(k.initNet, "sn%d"), dummy(k.initNet, "sn%d"), dummy(k.initNet, "sn%d")];
    unregisterNetdev(devs[1]!);
    expect(dummy(k.initNet, "sn%d").name).toBe("sn1");
    expect(dummy(k.initNet, "x%dy").name).toBe("x0y");
  });

  it("refuses bad names with EINVAL and duplicates with EEXIST, leaving nothing behind", () => {
    const k = new Kernel();
    const bad = ["", ".", "..", "a/b", "a:b", "a b", "tab\tx", "sixteen-chars-xx", "a%d%d", "a%s"];
    for (const name of bad) expect(errnoCode(() => dummy(k.initNet, name)), name).toBe("EINVAL");
    expect(dummy(k.initNet, "fifteen-chars-x").name).toBe("fifteen-chars-x");
    dummy(k.initNet, "eth0");
    const before = [...k.initNet.devices.keys()];
    expect(errnoCode(() => dummy(k.initNet, "eth0"))).toBe("EEXIST");
    expect([...k.initNet.devices.keys()]).toEqual(before);
  });

  it("rolls back a registration that a notifier vetoes", () => {
    const k = new Kernel();
    const seen: string[] = [];
    registerNetdeviceNotifier(k, {
      notifierCall(ev, { dev }) {
        seen.push(`${netdevCmdToName(ev)} ${dev.name}`);
        return ev === NETDEV_REGISTER && dev.name === "veto0" ? notifierFromErrno(-EBUSY) : NOTIFY_DONE;
      },
    });
    const dev = dummy(k.initNet, "veto0", false);
    expect(errnoCode(() => registerNetdev(dev))).toBe("EBUSY");
    expect(devGetByName(k.initNet, "veto0")).toBeNull();
    expect(dev.ifindex).toBe(0);
    expect(seen.slice(-2)).toEqual(["NETDEV_REGISTER veto0", "NETDEV_UNREGISTER veto0"]);
  });

  it("replays REGISTER and UP to a new notifier, and DOWN/UNREGISTER when it leaves", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    devOpen(a);
    const log: string[] = [];
    const nb: NetdevNotifierBlock = { notifierCall: (ev, { dev }) => (log.push(`${netdevCmdToName(ev).slice(7)} ${dev.name}`), NOTIFY_DONE) };
    registerNetdeviceNotifier(k, nb);
    expect(log).toEqual(["REGISTER lo", "UP lo", "REGISTER dummy0", "UP dummy0"]);
    log.length = 0;
    unregisterNetdeviceNotifier(k, nb);
    expect(log).toEqual(["GOING_DOWN lo", "DOWN lo", "UNREGISTER lo", "GOING_DOWN dummy0", "DOWN dummy0", "UNREGISTER dummy0"]);
  });

  it("closes, announces and frees on unregister", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    devOpen(a);
    const { log } = recorder(k, (d) => d === a);
    unregisterNetdev(a);
    expect(log).toEqual(["GOING_DOWN dummy0", "DOWN dummy0", "UNREGISTER dummy0"]);
    expect(a.regState).toBe(NETREG_RELEASED);
    expect(devGetByName(k.initNet, "dummy0")).toBeNull();
  });

  it("waits for the last reference, re-announcing UNREGISTER every second and warning every 10 s", () => {
    const k = new Kernel();
    const a = dummy(k.initNet, "eth0");
    devHold(a);
    const { log } = recorder(k, (d) => d === a);
    unregisterNetdev(a);
    expect(a.regState).toBe(NETREG_UNREGISTERING);
    expect(devGetByName(k.initNet, "eth0")).toBeNull();
    k.runFor(10_500);
    expect(log.filter((l) => l === "UNREGISTER eth0")).toHaveLength(11);
    expect(k.log.filter((l) => l.endsWith("unregister_netdevice: waiting for eth0 to become free. Usage count = 2"))).toHaveLength(1);
    k.runFor(10_000);
    expect(k.log.filter((l) => l.includes("waiting for eth0"))).toHaveLength(2);
    devPut(a);
    expect(a.regState).toBe(NETREG_RELEASED);
    const n = log.length;
    k.runFor(5000);
    expect(log.length).toBe(n);
  });
});

describe("state", () => {
  it("derives RUNNING and LOWER_UP from carrier, applied through linkwatch", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    netifCarrierOff(a);
    devOpen(a);
    k.run();
    expect(devGetFlags(a) & IFF_UP).toBe(IFF_UP);
    expect(devGetFlags(a) & (IFF_RUNNING | IFF_LOWER_UP)).toBe(0);
    const { log } = recorder(k, (d) => d === a);
    netifCarrierOn(a);
    expect(log).toEqual([]);
    k.run();
    expect(log).toEqual(["CHANGE dummy0"]);
    expect(devGetFlags(a) & (IFF_RUNNING | IFF_LOWER_UP)).toBe(IFF_RUNNING | IFF_LOWER_UP);
    expect(devOperstate(a)).toBe(IF_OPER_UP);
    devClose(a);
    expect(devOperstate(a)).toBe(IF_OPER_DOWN);
    expect(devGetFlags(a) & IFF_RUNNING).toBe(0);
    const b = dummy(k.initNet);
    devOpen(b);
    expect(devOperstate(b)).toBe(IF_OPER_UNKNOWN);
  });

  it("propagates open errors and PRE_UP vetoes as errno, leaving the device down", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    a.ops = { ...a.ops, open: () => -EINVAL };
    expect(errnoCode(() => devOpen(a))).toBe("EINVAL");
    expect(a.flags & IFF_UP).toBe(0);
    const b = dummy(k.initNet);
    registerNetdeviceNotifier(k, { notifierCall: (ev, { dev }) => (ev === NETDEV_PRE_UP && dev === b ? notifierFromErrno(-EBUSY) : NOTIFY_DONE) });
    expect(errnoCode(() => devOpen(b))).toBe("EBUSY");
    expect(b.flags & IFF_UP).toBe(0);
  });

  it("changes flags like SIOCSIFFLAGS: UP opens, other changes announce CHANGE", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    const { log } = recorder(k, (d) => d === a);
    devChangeFlags(a, a.flags | IFF_UP);
    expect(log).toEqual(["PRE_UP dummy0", "UP dummy0"]);
    devChangeFlags(a, devGetFlags(a) | IFF_NOARP);
    expect(a.flags & IFF_NOARP).toBe(IFF_NOARP);
    expect(log.at(-1)).toBe("CHANGE dummy0");
    devChangeFlags(a, devGetFlags(a) | IFF_PROMISC);
    expect(a.promiscuity).toBe(1);
    expect(k.log.at(-1)).toMatch(/device dummy0 entered promiscuous mode$/);
    devSetPromiscuity(a, 1);
    devChangeFlags(a, devGetFlags(a) & ~IFF_PROMISC);
    expect(a.promiscuity).toBe(1);
    expect(devGetFlags(a) & IFF_PROMISC).toBe(0);
    expect(a.flags & IFF_PROMISC).toBe(IFF_PROMISC);
    devSetPromiscuity(a, -1);
    expect(a.flags & IFF_PROMISC).toBe(0);
    expect(k.log.at(-1)).toMatch(/device dummy0 left promiscuous mode$/);
    devChangeFlags(a, devGetFlags(a) & ~IFF_UP);
    expect(log.slice(-2)).toEqual(["GOING_DOWN dummy0", "DOWN dummy0"]);
  });

  it("checks MTU range, lets PRECHANGEMTU veto and rolls back when CHANGEMTU objects", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    expect(errnoCode(() => devSetMtu(a, 67))).toBe("EINVAL");
    expect(errnoCode(() => devSetMtu(a, 1501))).toBe("EINVAL");
    expect(a.mtu).toBe(1500);
    const { log } = recorder(k, (d) => d === a);
    devSetMtu(a, 1400);
    expect(a.mtu).toBe(1400);
    expect(log).toEqual(["PRECHANGEMTU dummy0", "CHANGEMTU dummy0"]);
    let veto = NETDEV_PRECHANGEMTU;
    registerNetdeviceNotifier(k, { notifierCall: (ev) => (ev === veto ? notifierFromErrno(-EBUSY) : NOTIFY_DONE) });
    expect(errnoCode(() => devSetMtu(a, 1300))).toBe("EBUSY");
    expect(a.mtu).toBe(1400);
    veto = NETDEV_CHANGEMTU;
    expect(errnoCode(() => devSetMtu(a, 1300))).toBe("EBUSY");
    expect(a.mtu).toBe(1400);
    a.ops = { ...a.ops, changeMtu: (_d, m) => (m === 1000 ? -EINVAL : void (a.mtu = m)) };
    veto = 0;
    expect(errnoCode(() => devSetMtu(a, 1000))).toBe("EINVAL");
    expect(a.mtu).toBe(1400);
  });

  it("changes the MAC address through the driver, EOPNOTSUPP without one, EBUSY while running", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    const mac = new Uint8Array([2, 1, 2, 3, 4, 5]);
    expect(errnoCode(() => devSetMacAddress(a, mac))).toBe("EOPNOTSUPP");
    a.ops = { ...a.ops, setMacAddress: ethMacAddr };
    const { log } = recorder(k, (d) => d === a);
    devSetMacAddress(a, mac);
    expect([...a.address()]).toEqual([...mac]);
    expect(log).toEqual(["PRE_CHANGEADDR dummy0", "CHANGEADDR dummy0"]);
    expect(errnoCode(() => devSetMacAddress(a, new Uint8Array([1, 0, 0, 0, 0, 1])))).toBe("EADDRNOTAVAIL");
    devOpen(a);
    expect(errnoCode(() => devSetMacAddress(a, new Uint8Array([2, 0, 0, 0, 0, 9])))).toBe("EBUSY");
    expect([...a.address()]).toEqual([...mac]);
  });

  it("renames only when down, announcing CHANGENAME", () => {
    const k = new Kernel();
    const a = dummy(k.initNet);
    dummy(k.initNet, "taken");
    const { log } = recorder(k, (d) => d === a);
    devChangeName(a, "wan0");
    expect(devGetByName(k.initNet, "wan0")).toBe(a);
    expect(devGetByName(k.initNet, "dummy0")).toBeNull();
    expect(log).toEqual(["CHANGENAME wan0"]);
    expect(errnoCode(() => devChangeName(a, "taken"))).toBe("EEXIST");
    expect(errnoCode(() => devChangeName(a, "bad/name"))).toBe("EINVAL");
    devOpen(a);
    expect(errnoCode(() => devChangeName(a, "lan0"))).toBe("EBUSY");
    expect(a.name).toBe("wan0");
  });
});

describe("namespaces", () => {
  it("moves a device with UNREGISTER (not freed) then REGISTER in the new namespace", () => {
    const k = new Kernel();
    const ns = k.createNet("red");
    const a = dummy(k.initNet, "eth0");
    devOpen(a);
    const states: number[] = [];
    const { log } = recorder(k, (d) => d === a);
    registerNetdeviceNotifier(k, { notifierCall: (ev, { dev }) => (dev === a && ev === NETDEV_UNREGISTER && states.push(dev.regState), NOTIFY_DONE) });
    devChangeNetNamespace(a, ns);
    expect(log).toEqual(["GOING_DOWN eth0", "DOWN eth0", "UNREGISTER eth0", "REGISTER eth0"]);
    expect(states).toEqual([NETREG_REGISTERED]);
    expect(devGetByName(ns, "eth0")).toBe(a);
    expect(devGetByName(k.initNet, "eth0")).toBeNull();
    expect(a.net).toBe(ns);
    expect(errnoCode(() => devChangeNetNamespace(devGetByName(ns, "lo")!, k.initNet))).toBe("EINVAL");
  });

  it("destroying a namespace sends plain devices home and unregisters loopback last", () => {
    const k = new Kernel();
    const ns = k.createNet("red");
    const a = dummy(k.initNet, "eth0");
    dummy(k.initNet, "eth1");
    devChangeNetNamespace(a, ns);
    const lo = ns.loopback;
    const { log } = recorder(k, (d) => d.net === ns || d === a);
    k.destroyNet(ns);
    expect(log).toEqual(["UNREGISTER eth0", "REGISTER eth0", "UNREGISTER lo"]);
    expect(a.net).toBe(k.initNet);
    expect(lo.regState).toBe(NETREG_RELEASED);
    expect(k.getNet("red")).toBeNull();
  });

  it("destroying a namespace deletes devices that belong to a link kind", () => {
    const k = new Kernel();
    const ns = k.createNet("red");
    const kind = { kind: "test", newlink: () => dummy(ns), dellink: (dev: NetDevice, dying: NetDevice[]) => void dying.push(dev) };
    const a = allocNetdev(ns, "t0", etherSetup, null);
    a.linkKind = kind;
    registerNetdev(a);
    k.destroyNet(ns);
    expect(a.regState).toBe(NETREG_RELEASED);
    expect(devGetByName(k.initNet, "t0")).toBeNull();
  });
});

describe("change events", () => {
  it("announces CHANGEADDR, CHANGEMTU and CHANGE through typed events too", () => {
    const k = new Kernel();
    const seen: string[] = [];
    k.events.on("register", (d) => seen.push(`register ${d.name}`));
    k.events.on("up", (d) => seen.push(`up ${d.name}`));
    k.events.on("change", (d) => seen.push(`change ${d.name}`));
    const a = dummy(k.initNet);
    devOpen(a);
    devSetMtu(a, 1400);
    expect(seen).toEqual(["register dummy0", "up dummy0", "change dummy0"]);
    expect([NETDEV_UP, NETDEV_DOWN, NETDEV_GOING_DOWN, NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_CHANGENAME]).toEqual([1, 2, 10, 4, 8, 11]);
  });
});
