import { describe, expect, it } from "vitest";
import { Kernel, ROOT_CRED, devOpen, netifCarrierOff, userCred, CAP_NET_ADMIN } from "../index.js";
import { dummy } from "../testing/dummy.js";
import { errnoCode } from "../testing/errno.js";


describe("/sys/class/net and /proc/net/dev", () => {
  it("shows the namespace's own devices with the kernel's text formats", () => {
    const k = new Kernel();
    const root = { net: k.initNet, cred: ROOT_CRED };
    const a = dummy(k.initNet, "eth0");
    a.devAddr.set([2, 0, 0, 0, 0, 0x1a]);
    const ns = k.createNet("blue");
    expect(k.vfs.list("/sys/class/net", root)).toEqual(["eth0", "lo"]);
    expect(k.vfs.list("/sys/class/net", { net: ns, cred: ROOT_CRED })).toEqual(["lo"]);
    expect(k.vfs.read("/sys/class/net/eth0/ifindex", root)).toBe("2\n");
    expect(k.vfs.read("/sys/class/net/eth0/address", root)).toBe("02:00:00:00:00:1a\n");
    expect(k.vfs.read("/sys/class/net/eth0/broadcast", root)).toBe("ff:ff:ff:ff:ff:ff\n");
    expect(k.vfs.read("/sys/class/net/eth0/mtu", root)).toBe("1500\n");
    expect(k.vfs.read("/sys/class/net/eth0/flags", root)).toBe("0x1002\n");
    expect(k.vfs.read("/sys/class/net/eth0/operstate", root)).toBe("down\n");
    expect(k.vfs.read("/sys/class/net/eth0/tx_queue_len", root)).toBe("1000\n");
    expect(errnoCode(() => k.vfs.read("/sys/class/net/eth0/carrier", root))).toBe("EINVAL");
    netifCarrierOff(a);
    devOpen(a);
    k.run();
    expect(k.vfs.read("/sys/class/net/eth0/carrier", root)).toBe("0\n");
    expect(k.vfs.read("/sys/class/net/eth0/operstate", root)).toBe("down\n");
    expect(k.vfs.read("/sys/class/net/lo/operstate", root)).toBe("unknown\n");
    a.stats.rxPackets = 7;
    expect(k.vfs.read("/sys/class/net/eth0/statistics/rx_packets", root)).toBe("7\n");
    expect(k.vfs.list("/sys/class/net/eth0/statistics", root)).toContain("tx_dropped");
    const dev = k.vfs.read("/proc/net/dev", root).split("\n");
    expect(dev[0]).toBe("Inter-|   Receive                                                |  Transmit");
    expect(dev[2]).toBe("    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0");
    expect(dev[3]).toBe("  eth0:       0       7    0    0    0     0          0         0        0       0    0    0    0     0       0          0");
  });

  it("writes through the same checks as the API: EPERM without CAP_NET_ADMIN, EINVAL for bad values", () => {
    const k = new Kernel();
    dummy(k.initNet, "eth0");
    const root = { net: k.initNet, cred: ROOT_CRED };
    k.vfs.write("/sys/class/net/eth0/mtu", "1400\n", root);
    expect(k.vfs.read("/sys/class/net/eth0/mtu", root)).toBe("1400\n");
    expect(errnoCode(() => k.vfs.write("/sys/class/net/eth0/mtu", "9000", root))).toBe("EINVAL");
    expect(errnoCode(() => k.vfs.write("/sys/class/net/eth0/mtu", "abc", root))).toBe("EINVAL");
    const rootNoAdmin = { net: k.initNet, cred: { uid: 0, caps: 0 } };
    expect(errnoCode(() => k.vfs.write("/sys/class/net/eth0/mtu", "1300", rootNoAdmin))).toBe("EPERM");
    expect(errnoCode(() => k.vfs.write("/sys/class/net/eth0/mtu", "1300", { net: k.initNet, cred: userCred(1000, [CAP_NET_ADMIN]) }))).toBe("EACCES");
    expect(errnoCode(() => k.vfs.write("/sys/class/net/eth0/ifindex", "5", root))).toBe("EACCES");
    expect(errnoCode(() => k.vfs.read("/sys/class/net/nope/mtu", root))).toBe("ENOENT");
    expect(errnoCode(() => k.vfs.read("/sys/class/net/eth0", root))).toBe("EISDIR");
    k.vfs.write("/proc/sys/net/core/netdev_max_backlog", "500", root);
    expect(k.netdevMaxBacklog).toBe(500);
    expect(k.vfs.read("/proc/sys/net/core/netdev_max_backlog", root)).toBe("500\n");
    expect(errnoCode(() => k.vfs.write("/proc/sys/net/core/netdev_max_backlog", "-1", root))).toBe("EINVAL");
    expect(errnoCode(() => k.vfs.write("/proc/sys/net/core/netdev_max_backlog", "5", rootNoAdmin))).toBe("EPERM");
    expect(k.netdevMaxBacklog).toBe(500);
  });
});
