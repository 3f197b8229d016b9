import { describe, expect, it } from "vitest";
import {
  ARPHRD_ETHER, CAP_NET_ADMIN, EACCES, EEXIST, EINVAL, ENODEV, EPERM, IF_OPER_DOWN, IFF_BROADCAST, IFF_MULTICAST,
  IFF_PROMISC, isErrno, KernelError, NET_ADDR_RANDOM, NETDEV_REGISTER, notifierFromErrno, NOTIFY_DONE,
  devOperstate, netifCarrierOk, registerNetdeviceNotifier, ROOT_CRED, userCred, type Kernel,
} from "@vnet/core";
import etunDefault, { etun } from "./index.js";
import { boot, ctxOf, delif, dev, netdevLog, newif } from "./test-helpers.js";

const PARAMS = "/sys/module/etun/parameters";

function names(k: Kernel): string[] {
  return [...k.initNet.devices.keys()].sort();
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

describe("etun module", () => {
  it("is a plugin named etun for core 0.x from 0.1.0, also the default export", () => {
    expect(etun.name).toBe("etun");
    expect(etun.coreRange).toBe(">=0.1.0 <1.0.0");
    expect(etunDefault).toBe(etun);
  });

  it("offers write-only newif and delif under /sys/module/etun/parameters", () => {
    const k = boot();
    expect(k.vfs.list(PARAMS, ctxOf(k))).toEqual(["delif", "newif"]);
    for (const p of ["newif", "delif"]) {
      const node = k.vfs.resolve(`${PARAMS}/${p}`, ctxOf(k));
      expect("mode" in node && node.mode).toBe(0o200);
      expect(k.vfs.read(`${PARAMS}/${p}`, ctxOf(k))).toBe("");
    }
  });
});

describe("newif", () => {
  it("creates a pair of Ethernet devices as the patch sets them up", () => {
    const k = boot();
    newif(k, "veth0,veth1");
    expect(names(k)).toEqual(["lo", "veth0", "veth1"]);
    const a = dev(k, "veth0");
    const b = dev(k, "veth1");
    for (const d of [a, b]) {
      expect(d.type).toBe(ARPHRD_ETHER);
      expect(d.hardHeaderLen).toBe(14);
      expect(d.addrLen).toBe(6);
      expect(d.txQueueLen).toBe(0);
      expect(d.mtu).toBe(1500);
      expect(d.flags).toBe(IFF_BROADCAST | IFF_MULTICAST | IFF_PROMISC);
      expect(netifCarrierOk(d)).toBe(false);
      expect(devOperstate(d)).toBe(IF_OPER_DOWN);
      // Random, unicast, locally administered.
      expect(d.devAddr[0]! & 0x03).toBe(0x02);
      expect(d.addrAssignType).toBe(NET_ADDR_RANDOM);
      expect(d.linkKind?.kind).toBe("etun");
    }
    expect(a.address()).not.toEqual(b.address());
    expect(a.ops.getPeerDev?.(a)).toBe(b);
    expect(b.ops.getPeerDev?.(b)).toBe(a);
    expect(a.ops.getIflink?.(a)).toBe(b.ifindex);
    expect(k.vfs.read("/sys/class/net/veth1/iflink", ctxOf(k))).toBe(`${a.ifindex}\n`);
  });

  it("never shows carrier to the notifiers that see the registration", () => {
    const k = boot();
    const seen: boolean[] = [];
    registerNetdeviceNotifier(k, {
      notifierCall(ev, info) {
        if (ev === NETDEV_REGISTER && info.dev.name.startsWith("veth")) seen.push(netifCarrierOk(info.dev));
        return NOTIFY_DONE;
      },
    });
    newif(k, "veth0,veth1");
    expect(seen).toEqual([false, false]);
  });

  it("ignores trailing white space (echo adds a newline)", () => {
    const k = boot();
    newif(k, "a0,b1 \t\n");
    expect(names(k)).toEqual(["a0", "b1", "lo"]);
  });

  it.each([
    ["veth0veth1", "no comma"],
    ["veth0;veth1", "no comma either"],
    ["veth-0,veth1", "a dash"],
    ["veth0,veth_1", "an underscore"],
    [" veth0,veth1", "leading space"],
    ["veth0,", "an empty second name"],
    [",veth1", "an empty first name"],
    ["a,b,c", "two commas"],
    ["veth%d,veth1", "a template"],
    ["abcdefghijklmnop,b", "a name longer than IFNAMSIZ - 1"],
    ["", "nothing"],
  ])("refuses %j (%s) with EINVAL and creates nothing", (text) => {
    const k = boot();
    expect(errnoOf(() => newif(k, text))).toBe(EINVAL);
    expect(names(k)).toEqual(["lo"]);
  });

  it("removes the first end when the second cannot be registered (no half pair)", () => {
    const k = boot();
    const log = netdevLog(k, (d) => d.name === "veth0");
    expect(errnoOf(() => newif(k, "veth0,lo"))).toBe(EEXIST);
    expect(names(k)).toEqual(["lo"]);
    expect(log).toEqual(["NETDEV_REGISTER veth0", "NETDEV_UNREGISTER veth0"]);
    expect(errnoOf(() => newif(k, "same,same"))).toBe(EEXIST);
    expect(names(k)).toEqual(["lo"]);
  });

  it("removes the first end when a notifier vetoes the second", () => {
    const k = boot();
    registerNetdeviceNotifier(k, {
      notifierCall: (ev, info) => (ev === NETDEV_REGISTER && info.dev.name === "b" ? notifierFromErrno(-EPERM) : NOTIFY_DONE),
    });
    expect(errnoOf(() => newif(k, "a,b"))).toBe(EPERM);
    expect(names(k)).toEqual(["lo"]);
  });

  it("refuses an existing name", () => {
    const k = boot();
    newif(k, "veth0,veth1");
    expect(errnoOf(() => newif(k, "veth1,veth2"))).toBe(EEXIST);
    expect(names(k)).toEqual(["lo", "veth0", "veth1"]);
  });

  it("needs CAP_NET_ADMIN: EPERM for root without it, and for a user calling the handler", () => {
    const k = boot();
    const rootNoCaps = userCred(0);
    expect(errnoOf(() => newif(k, "veth0,veth1", rootNoCaps))).toBe(EPERM);
    // The file is S_IWUSR: an ordinary user cannot even open it for writing.
    expect(errnoOf(() => newif(k, "veth0,veth1", userCred()))).toBe(EACCES);
    const set = etun.params!.newif.set!;
    expect(errnoOf(() => set("veth0,veth1", { kernel: k, cred: userCred(), net: k.initNet }))).toBe(EPERM);
    expect(names(k)).toEqual(["lo"]);
    // CAP_NET_ADMIN is what counts, not uid 0.
    set("veth0,veth1", { kernel: k, cred: userCred(1000, [CAP_NET_ADMIN]), net: k.initNet });
    expect(names(k)).toEqual(["lo", "veth0", "veth1"]);
  });
});

describe("delif", () => {
  it("destroys the pair a name belongs to, either end", () => {
    const k = boot();
    newif(k, "veth0,veth1");
    newif(k, "x0,x1");
    delif(k, "veth1\n");
    expect(names(k)).toEqual(["lo", "x0", "x1"]);
    delif(k, "x0");
    expect(names(k)).toEqual(["lo"]);
  });

  it("announces both ends going away, even when up", () => {
    const k = boot();
    newif(k, "veth0,veth1");
    const log = netdevLog(k, (d) => d.name.startsWith("veth"));
    k.vfs.write("/sys/class/net/veth0/flags", "0x1003", ctxOf(k));
    log.length = 0;
    delif(k, "veth0");
    expect(log).toEqual([
      "NETDEV_GOING_DOWN veth0", "NETDEV_DOWN veth0", "NETDEV_UNREGISTER veth0", "NETDEV_UNREGISTER veth1",
    ]);
  });

  it("answers ENODEV for an unknown name or a device that is not etun, EINVAL for a bad name", () => {
    const k = boot();
    newif(k, "veth0,veth1");
    expect(errnoOf(() => delif(k, "veth9"))).toBe(ENODEV);
    expect(errnoOf(() => delif(k, "lo"))).toBe(ENODEV);
    expect(errnoOf(() => delif(k, "veth-0"))).toBe(EINVAL);
    expect(errnoOf(() => delif(k, ""))).toBe(EINVAL);
    expect(names(k)).toEqual(["lo", "veth0", "veth1"]);
  });

  it("needs CAP_NET_ADMIN", () => {
    const k = boot();
    newif(k, "veth0,veth1");
    expect(errnoOf(() => delif(k, "veth0", userCred(0)))).toBe(EPERM);
    expect(errnoOf(() => etun.params!.delif.set!("veth0", { kernel: k, cred: userCred(), net: k.initNet }))).toBe(EPERM);
    expect(names(k)).toEqual(["lo", "veth0", "veth1"]);
    delif(k, "veth0", ROOT_CRED);
    expect(names(k)).toEqual(["lo"]);
  });

  it("reports errors as KernelError with the errno", () => {
    const k = boot();
    let err: unknown;
    try {
      delif(k, "nothere");
    } catch (e) {
      err = e;
    }
    expect(isErrno(err, ENODEV)).toBe(true);
    expect((err as KernelError).code).toBe("ENODEV");
  });
});
