import { describe, expect, it } from "vitest";
import {
  EBUSY, EEXIST, EINVAL, EOPNOTSUPP, Kernel, KernelError, PACKET_HOST, ROOT_CRED, devClose, devOpen, rtnlDellink,
  rtnlNewlink, type Net, type NetDevice,
} from "@vnet/core";
import { snull } from "./snull.js";
import { boot, dev, ipAddrs, ipv4, sendIp, stats } from "./test-helpers.js";
import type { SnullPriv } from "./priv.js";

/** `ip link add [name NAME] type snull ARGS` in `net`. */
function ipLinkAdd(k: Kernel, name: string | undefined, args: string[], extra: { mtu?: number; address?: Uint8Array; net?: Net } = {}): NetDevice<SnullPriv> {
  const ops = k.linkKinds.get("snull")!;
  const d = rtnlNewlink("snull", {
    net: extra.net ?? k.initNet,
    ...(name === undefined ? {} : { name }),
    data: ops.parse!(args),
    cred: ROOT_CRED,
    ...(extra.mtu === undefined ? {} : { mtu: extra.mtu }),
    ...(extra.address === undefined ? {} : { address: extra.address }),
  });
  return d as NetDevice<SnullPriv>;
}

function errno(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return 0;
}

const names = (net: Net) => [...net.devices.keys()].filter((n) => n.startsWith("sn")).sort();

describe("ip link add NAME type snull peer PEER", () => {
  it("creates a twin pair with the next addresses", () => {
    const { k, ip } = boot();
    const sn4 = ipLinkAdd(k, "sn4", ["peer", "sn5"]);
    const sn5 = dev(k, "sn5");
    expect(sn4.name).toBe("sn4");
    expect(sn4.priv.peer).toBe(sn5);
    expect(sn5.priv.peer).toBe(sn4);
    expect(sn4.linkKind?.kind).toBe("snull");
    expect(sn5.linkKind).toBe(sn4.linkKind);
    devOpen(sn4);
    devOpen(sn5);
    const dec = new TextDecoder();
    expect(dec.decode(sn4.address())).toBe("\0SNUL2");
    expect(dec.decode(sn5.address())).toBe("\0SNUL3");

    sendIp(sn4, ipv4({ src: "10.1.2.3", dst: "10.1.2.4" }));
    k.runFor(1);
    expect(ip).toHaveLength(1);
    expect(ip[0]!.dev).toBe("sn5");
    expect(ip[0]!.pktType).toBe(PACKET_HOST);
    expect(ipAddrs(ip[0]!)).toEqual(["10.1.3.3", "10.1.3.4"]);
    expect(stats(sn4).txPackets).toBe(1);
  });

  it("accepts `peer name PEER`, and defaults both names to sn%d", () => {
    const { k } = boot({}, false);
    ipLinkAdd(k, "a0", ["peer", "name", "b0"]);
    expect(dev(k, "a0").priv.peer).toBe(dev(k, "b0"));
    const d = ipLinkAdd(k, undefined, []);
    expect(d.name).toBe("sn2");
    expect(d.priv.peer!.name).toBe("sn3");
  });

  it("refuses bad arguments with EINVAL", () => {
    const { k } = boot({}, false);
    const parse = k.linkKinds.get("snull")!.parse!;
    expect(errno(() => parse(["peer"]))).toBe(EINVAL);
    expect(errno(() => parse(["peer", "name"]))).toBe(EINVAL);
    expect(errno(() => parse(["mode", "x"]))).toBe(EINVAL);
    expect(errno(() => parse(["peer", "a", "peer", "b"]))).toBe(EINVAL);
    expect(errno(() => ipLinkAdd(k, "x0", [], { mtu: 9000 }))).toBe(EINVAL);
    expect(errno(() => ipLinkAdd(k, "x0", [], { address: new Uint8Array(6).fill(2) }))).toBe(EOPNOTSUPP);
    expect(names(k.initNet)).toEqual(["sn0", "sn1"]);
  });

  it("applies the MTU it is given", () => {
    const { k } = boot({}, false);
    expect(ipLinkAdd(k, "x0", ["peer", "x1"], { mtu: 1400 }).mtu).toBe(1400);
  });

  it("leaves nothing behind when the peer's name is taken", () => {
    const { k } = boot({}, false);
    expect(errno(() => ipLinkAdd(k, "sn7", ["peer", "sn0"]))).toBe(EEXIST);
    expect(names(k.initNet)).toEqual(["sn0", "sn1"]);
    // The address slot was given back too.
    const d = ipLinkAdd(k, "sn7", ["peer", "sn8"]);
    devOpen(d);
    expect(new TextDecoder().decode(d.address())).toBe("\0SNUL2");
  });

  it("deletes both twins with either one, and reuses their slot", () => {
    const { k } = boot({}, false);
    ipLinkAdd(k, "sn4", ["peer", "sn5"]);
    ipLinkAdd(k, "sn6", ["peer", "sn7"]);
    devOpen(dev(k, "sn5"));
    rtnlDellink(dev(k, "sn5"), ROOT_CRED);
    expect(names(k.initNet)).toEqual(["sn0", "sn1", "sn6", "sn7"]);
    const d = ipLinkAdd(k, "sn8", []);
    devOpen(d);
    expect(new TextDecoder().decode(d.address())).toBe("\0SNUL2");
  });

  it("cannot delete the module's own devices (EOPNOTSUPP), like the book's", () => {
    const { k } = boot({}, false);
    expect(errno(() => rtnlDellink(dev(k, "sn0"), ROOT_CRED))).toBe(EOPNOTSUPP);
  });

  it("works in another namespace, and dies with it", () => {
    const { k } = boot({}, false);
    const ns = k.createNet("blue");
    const a = ipLinkAdd(k, "sn0", ["peer", "sn1"], { net: ns });
    expect(a.net).toBe(ns);
    expect(names(ns)).toEqual(["sn0", "sn1"]);
    k.destroyNet(ns);
    expect(names(k.initNet)).toEqual(["sn0", "sn1"]);
    expect(a.regState).not.toBe(1);
  });

  it("keeps the module busy while a pair is up; rmmod deletes the pairs left", () => {
    const { k, sn0, sn1 } = boot();
    devClose(sn0);
    devClose(sn1);
    const a = ipLinkAdd(k, "sn4", ["peer", "sn5"]);
    devOpen(a);
    expect(errno(() => k.rmmod("snull"))).toBe(EBUSY);
    devClose(a);
    k.rmmod("snull");
    expect(names(k.initNet)).toEqual([]);
    expect(k.linkKinds.has("snull")).toBe(false);
    expect(k.scheduler.activeTimers).toBe(0);
    k.insmod(snull);
    expect(names(k.initNet)).toEqual(["sn0", "sn1"]);
  });
});
