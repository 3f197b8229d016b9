import { describe, expect, it } from "vitest";
import {
  ARPHRD_ETHER, IFF_UP, Kernel, ROOT_CRED, SIOCDEVPRIVATE, SIOCGIFFLAGS, SIOCGIFHWADDR, SIOCGIFINDEX,
  SIOCGIFMTU, SIOCGIFNAME, SIOCSIFFLAGS, SIOCSIFHWADDR, SIOCSIFMAP, SIOCSIFMTU, SIOCSIFNAME, SIOCSIFTXQLEN, devIoctl,
  ethMacAddr, ioctlName, userCred, type IfReq,
} from "../index.js";
import { dummy } from "../testing/dummy.js";
import { errnoCode } from "../testing/errno.js";


describe("device ioctls", () => {
  it("gets and sets like net-tools expects", () => {
    const k = new Kernel();
    const a = dummy(k.initNet, "eth0");
    a.ops = { ...a.ops, setMacAddress: ethMacAddr };
    const net = k.initNet;
    expect(devIoctl(net, userCred(), SIOCGIFFLAGS, { name: "eth0" }).flags).toBe(0x1002);
    devIoctl(net, ROOT_CRED, SIOCSIFFLAGS, { name: "eth0", flags: 0x1003 });
    expect(a.flags & IFF_UP).toBe(IFF_UP);
    devIoctl(net, ROOT_CRED, SIOCSIFMTU, { name: "eth0", mtu: 1280 });
    expect(devIoctl(net, ROOT_CRED, SIOCGIFMTU, { name: "eth0" }).mtu).toBe(1280);
    expect(devIoctl(net, ROOT_CRED, SIOCGIFINDEX, { name: "eth0" }).ifindex).toBe(2);
    expect(devIoctl(net, ROOT_CRED, SIOCGIFNAME, { name: "", ifindex: 2 }).name).toBe("eth0");
    devIoctl(net, ROOT_CRED, SIOCSIFFLAGS, { name: "eth0", flags: 0x1002 });
    devIoctl(net, ROOT_CRED, SIOCSIFHWADDR, { name: "eth0", hwaddr: { family: ARPHRD_ETHER, data: new Uint8Array([2, 0, 0, 0, 0, 5]) } });
    const hw = devIoctl(net, ROOT_CRED, SIOCGIFHWADDR, { name: "eth0" }).hwaddr as { family: number; data: Uint8Array };
    expect([hw.family, ...hw.data]).toEqual([ARPHRD_ETHER, 2, 0, 0, 0, 0, 5]);
    devIoctl(net, ROOT_CRED, SIOCSIFNAME, { name: "eth0", newname: "wan0" });
    expect(k.initNet.devices.has("wan0")).toBe(true);
    devIoctl(net, ROOT_CRED, SIOCSIFTXQLEN, { name: "wan0", qlen: 10 });
    expect(a.txQueueLen).toBe(10);
  });

  it("fails with the kernel's errno", () => {
    const k = new Kernel();
    dummy(k.initNet, "eth0");
    const net = k.initNet;
    expect(errnoCode(() => devIoctl(net, ROOT_CRED, SIOCGIFFLAGS, { name: "nope" }))).toBe("ENODEV");
    expect(errnoCode(() => devIoctl(net, userCred(), SIOCSIFFLAGS, { name: "eth0", flags: 1 }))).toBe("EPERM");
    expect(errnoCode(() => devIoctl(net, userCred(), SIOCSIFMTU, { name: "nope", mtu: 1 }))).toBe("EPERM");
    expect(errnoCode(() => devIoctl(net, ROOT_CRED, SIOCSIFMTU, { name: "eth0", mtu: 20 }))).toBe("EINVAL");
    expect(errnoCode(() => devIoctl(net, ROOT_CRED, SIOCSIFHWADDR, { name: "eth0", hwaddr: { family: 1, data: new Uint8Array(6) } }))).toBe("EOPNOTSUPP");
    expect(errnoCode(() => devIoctl(net, ROOT_CRED, SIOCSIFMAP, { name: "eth0", map: {} }))).toBe("EOPNOTSUPP");
    expect(errnoCode(() => devIoctl(net, ROOT_CRED, SIOCDEVPRIVATE, { name: "eth0" }))).toBe("EOPNOTSUPP");
    expect(errnoCode(() => devIoctl(net, ROOT_CRED, 0x1234, { name: "eth0" }))).toBe("EINVAL");
    expect(errnoCode(() => devIoctl(net, ROOT_CRED, SIOCGIFNAME, { name: "", ifindex: 99 }))).toBe("ENODEV");
  });

  it("hands SIOCDEVPRIVATE..+15 to the driver without a capability check", () => {
    const k = new Kernel();
    const a = dummy(k.initNet, "eth0");
    const seen: [number, unknown][] = [];
    a.ops = { ...a.ops, siocdevprivate: (_d, ifr: IfReq, cmd) => void seen.push([cmd - SIOCDEVPRIVATE, ifr.data]) };
    devIoctl(k.initNet, userCred(), SIOCDEVPRIVATE + 1, { name: "eth0", data: { x: 1 } });
    devIoctl(k.initNet, userCred(), SIOCDEVPRIVATE + 15, { name: "eth0" });
    expect(seen).toEqual([[1, { x: 1 }], [15, undefined]]);
    expect(errnoCode(() => devIoctl(k.initNet, userCred(), SIOCDEVPRIVATE + 16, { name: "eth0" }))).toBe("EINVAL");
    expect(ioctlName(SIOCDEVPRIVATE + 1)).toBe("SIOCDEVPRIVATE+1");
    expect(ioctlName(SIOCSIFFLAGS)).toBe("SIOCSIFFLAGS");
  });
});
