import { describe, expect, it } from "vitest";
import {
  devChangeNetNamespace, devClose, devOpen, devOperstate, EADDRINUSE, EBUSY, EEXIST, EINVAL, ethtoolGetDrvinfo, IF_OPER_UNKNOWN,
  IFF_UP, ipAddrAdd, KernelError, Kernel, ROOT_CRED, rtnlDellink, rtnlNewlink, udpSocket,
} from "@vnet/core";
import {
  createVxlan, FDB_AGE_INTERVAL, fdbDump, MemoryUnderlay, vxlan, vxlanParse, vxlanSockOf, VXLAN_DEFAULT_MTU, VXLAN_MAX_MTU,
} from "./index.js";
import { boot, ip, linkAdd, lockstep, ping, up } from "./test-helpers.js";

function errOf(fn: () => unknown): KernelError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("ip link add ... type vxlan: parsing", () => {
  it("reads iproute2's words", () => {
    expect(vxlanParse(["id", "42", "remote", "10.0.0.2", "local", "10.0.0.1", "dstport", "4790", "srcport", "1000", "2000", "nolearning", "ageing", "120"]))
      .toEqual({ vni: 42, remote: ip("10.0.0.2"), local: ip("10.0.0.1"), dstPort: 4790, portMin: 1000, portMax: 2000, learning: false, ageing: 120 });
    expect(vxlanParse(["vni", "0x10", "learning"])).toEqual({ vni: 16, learning: true });
  });

  it("refuses what iproute2 refuses, with its messages", () => {
    expect(errOf(() => vxlanParse(["remote", "10.0.0.2"])).message).toBe("vxlan: missing virtual network identifier: Invalid argument");
    expect(errOf(() => vxlanParse(["id", "16777216"])).context).toBe('Error: argument "16777216" is wrong: invalid id');
    expect(errOf(() => vxlanParse(["id", "1", "remote", "nowhere"])).context).toBe('Error: argument "nowhere" is wrong: invalid remote address');
    expect(errOf(() => vxlanParse(["id", "1", "remote", "239.1.1.1"])).context).toContain("invalid remote address");
    expect(errOf(() => vxlanParse(["id", "1", "dstport", "65536"])).context).toBe('Error: argument "65536" is wrong: dstport');
    expect(errOf(() => vxlanParse(["id", "1", "srcport", "10"])).context).toContain("not complete");
    expect(errOf(() => vxlanParse(["id", "1", "bogus"])).context).toMatch(/^vxlan: unknown command "bogus"\?\nUsage: \.\.\. vxlan id VNI/);
  });
});

describe("ip link add ... type vxlan: devices", () => {
  it("makes an Ethernet device with vxlan's defaults: MTU 1450, no queue, dstport 4789", () => {
    const k = boot();
    const dev = linkAdd(k, "vx0", ["id", "42", "remote", "10.0.0.2"]);
    expect([dev.mtu, dev.minMtu, dev.maxMtu, dev.txQueueLen]).toEqual([VXLAN_DEFAULT_MTU, 68, VXLAN_MAX_MTU, 1000]);
    expect([VXLAN_DEFAULT_MTU, VXLAN_MAX_MTU]).toEqual([1450, 65485]);
    expect(dev.linkKind?.fillInfo?.(dev)).toEqual({ id: 42, remote: "10.0.0.2", srcport: "0 0", dstport: 4789, ageing: 300 });
    expect(ethtoolGetDrvinfo(dev)).toMatchObject({ driver: "vxlan", version: "0.1", nStats: 14 });
    expect(fdbDump(dev)).toEqual([expect.objectContaining({ mac: "00:00:00:00:00:00", dst: "10.0.0.2", state: "permanent" })]);
    devOpen(dev);
    k.run();
    expect(dev.qdisc).toBeNull();
    // No carrier handling, as Linux's vxlan: the operstate stays UNKNOWN.
    expect(devOperstate(dev)).toBe(IF_OPER_UNKNOWN);
  });

  it("takes its default dstport from the module's udp_port (Linux's is 8472); dstport 0 means that default", () => {
    const k = new Kernel({ seed: 3 });
    k.insmod(vxlan, { udp_port: 8472 });
    expect(linkAdd(k, "vx0", ["id", "1"]).priv.cfg.dstPort).toBe(8472);
    expect(linkAdd(k, "vx1", ["id", "2", "dstport", "0"]).priv.cfg.dstPort).toBe(8472);
    expect(linkAdd(k, "vx2", ["id", "3", "dstport", "4789"]).priv.cfg.dstPort).toBe(4789);
    expect(k.vfs.read("/sys/module/vxlan/parameters/udp_port", { net: k.initNet, cred: ROOT_CRED })).toBe("8472\n");
  });

  it("refuses a second device for the same VNI and port (EEXIST), and a reversed source-port range (EINVAL)", () => {
    const k = boot();
    linkAdd(k, "vx0", ["id", "42"]);
    expect(errOf(() => linkAdd(k, "vx1", ["id", "42"])).errno).toBe(EEXIST);
    linkAdd(k, "vx1", ["id", "42", "dstport", "4790"]);
    expect(errOf(() => linkAdd(k, "vx2", ["id", "7", "srcport", "2000", "1000"])).message).toBe("Invalid source port range: Invalid argument");
    expect(errOf(() => rtnlNewlink("vxlan", { net: k.initNet, name: "vx3", data: {}, cred: ROOT_CRED })).errno).toBe(EINVAL);
  });

  it("fails to come up when the port is taken, naming the address and port", () => {
    const k = boot();
    const squatter = udpSocket(k.initNet, ROOT_CRED);
    squatter.bind(0, 4789);
    const dev = linkAdd(k, "vx0", ["id", "42"]);
    const e = errOf(() => devOpen(dev));
    expect(e.errno).toBe(EADDRINUSE);
    expect(e.message).toBe("vxlan: cannot bind UDP 0.0.0.0:4789: Address already in use");
    expect(dev.flags & IFF_UP).toBe(0);
    squatter.close();
    devOpen(dev);
    expect(dev.flags & IFF_UP).toBe(IFF_UP);
  });

  it("shares one socket between the devices on a port, closed with the last of them", () => {
    const k = boot();
    const a = linkAdd(k, "vx0", ["id", "1"]);
    const b = linkAdd(k, "vx1", ["id", "2"]);
    devOpen(a);
    devOpen(b);
    const vs = vxlanSockOf(k.initNet, 0, 4789)!;
    expect([...vs.byVni.keys()]).toEqual([1, 2]);
    devClose(a);
    expect(vxlanSockOf(k.initNet, 0, 4789)).toBe(vs);
    devClose(b);
    expect(vxlanSockOf(k.initNet, 0, 4789)).toBeUndefined();
    // The port is free again.
    udpSocket(k.initNet, ROOT_CRED).bind(0, 4789);
  });

  it("keeps the module busy while a device is up; rmmod deletes the devices", () => {
    const k = boot();
    const dev = linkAdd(k, "vx0", ["id", "1"]);
    devOpen(dev);
    expect(errOf(() => k.rmmod("vxlan")).errno).toBe(EBUSY);
    devClose(dev);
    k.rmmod("vxlan");
    expect(k.initNet.devices.has("vx0")).toBe(false);
    expect(k.commands.has("bridge")).toBe(false);
  });

  it("is deleted by ip link del", () => {
    const k = boot();
    const dev = linkAdd(k, "vx0", ["id", "1"]);
    devOpen(dev);
    rtnlDellink(dev, ROOT_CRED);
    expect(k.initNet.devices.has("vx0")).toBe(false);
    expect(vxlanSockOf(k.initNet, 0, 4789)).toBeUndefined();
  });
});

describe("ageing", () => {
  it("forgets a learned VTEP 300 s after its last frame, on a deferrable timer", () => {
    const wire = new MemoryUnderlay();
    const a = boot(wire.host("192.0.2.1"), 1);
    const b = boot(wire.host("192.0.2.2"), 2);
    const va = linkAdd(a, "vx0", ["id", "42", "remote", "192.0.2.2"]);
    const vb = linkAdd(b, "vx0", ["id", "42", "remote", "192.0.2.1"]);
    up(va, "10.99.0.1/24");
    up(vb, "10.99.0.2/24");
    expect(ping([a, b], a.initNet, "10.99.0.2", 1).length).toBe(1);
    const learned = (): number => fdbDump(va).filter((e) => e.state === "").length;
    expect(learned()).toBe(1);
    a.runFor(290_000);
    expect(learned()).toBe(1);
    a.runFor(10_000 + FDB_AGE_INTERVAL * 1000);
    expect(learned()).toBe(0);
    expect(Object.fromEntries(fdbDump(va).map((e) => [e.mac, e.state]))).toEqual({ "00:00:00:00:00:00": "permanent" });
    // The ageing timer is deferrable: it never keeps an idle kernel's run() going.
    expect(va.priv.ageTimer.deferrable && va.priv.ageTimer.pending).toBe(true);
    a.run();
    expect(va.priv.ageTimer.pending).toBe(true);
  });

  it("keeps learned entries for ever with ageing 0", () => {
    const wire = new MemoryUnderlay();
    const a = boot(wire.host("192.0.2.1"), 1);
    const b = boot(wire.host("192.0.2.2"), 2);
    const va = linkAdd(a, "vx0", ["id", "42", "remote", "192.0.2.2", "ageing", "0"]);
    const vb = linkAdd(b, "vx0", ["id", "42", "remote", "192.0.2.1"]);
    up(va, "10.99.0.1/24");
    up(vb, "10.99.0.2/24");
    ping([a, b], a.initNet, "10.99.0.2", 1);
    a.runFor(3_600_000);
    expect(fdbDump(va).filter((e) => e.state === "").length).toBe(1);
  });
});

describe("over the kernel's own UDP (the default transport)", () => {
  it("joins two namespaces through the loopback of the one the devices were made in", () => {
    const k = new Kernel({ seed: 5 });
    k.insmod(createVxlan());
    // vnet's output routing wants a source it has as an address (Linux takes any of 127/8).
    ipAddrAdd(k.initNet, ROOT_CRED, { dev: "lo", local: ip("127.0.0.2"), prefixLen: 8 });
    const na = k.createNet("a");
    const nb = k.createNet("b");
    const va = linkAdd(k, "vxa", ["id", "42", "local", "127.0.0.1", "remote", "127.0.0.2"]);
    const vb = linkAdd(k, "vxb", ["id", "42", "local", "127.0.0.2", "remote", "127.0.0.1"]);
    // The devices move; their sockets stay in the namespace they were made in (link-netns).
    devChangeNetNamespace(va, na);
    devChangeNetNamespace(vb, nb);
    up(va, "10.99.0.1/24");
    up(vb, "10.99.0.2/24");
    expect(vxlanSockOf(k.initNet, ip("127.0.0.1"), 4789)).toBeDefined();
    const got = ping([k], na, "10.99.0.2", 2);
    expect(got.map((r) => r.seq)).toEqual([1, 2]);
    expect(fdbDump(va).some((e) => e.dst === "127.0.0.2" && e.state === "")).toBe(true);
  });

  it("deletes a moved device with the namespace it was made in", () => {
    const k = new Kernel({ seed: 5 });
    k.insmod(createVxlan());
    const src = k.createNet("src");
    const dst = k.createNet("dst");
    const dev = linkAdd(k, "vx0", ["id", "1"], src);
    devChangeNetNamespace(dev, dst);
    k.destroyNet(src);
    expect(dst.devices.has("vx0")).toBe(false);
    lockstep([k], () => false, 1);
  });
});
