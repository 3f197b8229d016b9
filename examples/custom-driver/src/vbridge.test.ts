import {
  allocNetdev, devChangeNetNamespace, devClose, devIoctl, devOpen, etherSetup, ethTypeTrans, kfreeSkb, Kernel, KernelError,
  macToString, netdevAllocSkb, netifCarrierOk, netifRx, registerNetdev, rtnlDellink, rtnlNewlink, unregisterNetdev, userCred,
  IFF_PROMISC, NETDEV_TX_OK, NETREG_RELEASED, PACKET_BROADCAST, PACKET_HOST, ROOT_CRED, SIOCDEVPRIVATE,
  type NetDevice, type NetDeviceOps,
} from "@vnet/core";
import { Shell, moduleRegistry } from "@vnet/tools";
import { describe, expect, it } from "vitest";
import { BRCTL_ADD_IF, BRCTL_GET_FDB_ENTRIES, BRCTL_SET_AGEING_TIME, type FdbEntryInfo } from "./uapi.js";
import { brAddIf, brDelIf, brFdbDump, brPortOf, vbridge, type VbrDevice } from "./vbridge.js";

const ETH_P_TEST = 0x88b5;
const BCAST = "ff:ff:ff:ff:ff:ff";

/** A host's network card: remembers what it was asked to send as "dst<src". */
interface NicPriv {
  sent: string[];
}
const nicOps: NetDeviceOps<NicPriv> = {
  startXmit(skb, dev) {
    const h = skb.head;
    dev.priv.sent.push(`${macToString(h, skb.data)}<${macToString(h, skb.data + 6)}`);
    kfreeSkb(skb);
    return NETDEV_TX_OK;
  },
};

function mac(n: number): string {
  return `02:00:00:00:00:${n.toString(16).padStart(2, "0")}`;
}

function bytes(m: string): number[] {
  return m.split(":").map((b) => parseInt(b, 16));
}

/** A kernel with vbridge, br0 up, and `n` ports p0..p(n-1) (their own MACs 02:..:01, :02...). */
function lan(n = 3, params: Record<string, number> = {}) {
  const k = new Kernel({ seed: 1 });
  k.insmod(vbridge, params);
  const br = rtnlNewlink("vbridge", { net: k.initNet, name: "br0", data: {}, cred: ROOT_CRED }) as VbrDevice;
  devOpen(br);
  const ports: NetDevice<NicPriv>[] = [];
  for (let i = 0; i < n; i++) {
    const p = allocNetdev<NicPriv>(k.initNet, `p${i}`, (d) => {
      etherSetup(d);
      d.ops = nicOps;
      d.txQueueLen = 0;
    }, { sent: [] });
    p.devAddr.set(bytes(mac(i + 1)));
    registerNetdev(p);
    devOpen(p);
    brAddIf(br, p);
    ports.push(p);
  }
  const up: string[] = [];
  k.addPack({
    type: ETH_P_TEST,
    func(skb, dev) {
      up.push(`${dev.name} ${skb.pktType === PACKET_HOST ? "host" : skb.pktType === PACKET_BROADCAST ? "broadcast" : skb.pktType}`);
      kfreeSkb(skb);
    },
  });
  /** A frame from `src` to `dst` arrives on `port`. */
  const rx = (port: NetDevice, dst: string, src: string): void => {
    const skb = netdevAllocSkb(port, 60);
    const at = skb.put(60);
    skb.head.fill(0, at, at + 60);
    skb.head.set(bytes(dst), at);
    skb.head.set(bytes(src), at + 6);
    skb.head[at + 12] = ETH_P_TEST >> 8;
    skb.head[at + 13] = ETH_P_TEST & 0xff;
    skb.protocol = ethTypeTrans(skb, port);
    netifRx(skb);
    k.runFor(0);
  };
  const sent = (): string[][] => ports.map((p) => p.priv.sent.splice(0));
  const fdb = (): string[] =>
    brFdbDump(br).filter((f) => !f.isLocal).map((f) => `${macToString(f.macAddr)} port ${f.portNo} ${f.ageingTimerValue / 100}s`).sort();
  return { k, br, ports, up, rx, sent, fdb };
}

describe("learning and forwarding", () => {
  it("floods unknown unicast to every other port, then forwards to the learned one", () => {
    const { ports, rx, sent, up, fdb } = lan();
    const [p0, p1] = ports;
    rx(p0!, mac(0xb), mac(0xa));
    expect(sent()).toEqual([[], [`${mac(0xb)}<${mac(0xa)}`], [`${mac(0xb)}<${mac(0xa)}`]]);
    expect(up).toEqual([]); // not for the bridge: nothing goes up
    rx(p1!, mac(0xa), mac(0xb));
    expect(sent()).toEqual([[`${mac(0xa)}<${mac(0xb)}`], [], []]);
    expect(fdb()).toEqual([`${mac(0xa)} port 1 0s`, `${mac(0xb)} port 2 0s`]);
  });

  it("floods broadcast to the other ports and delivers it up through the bridge", () => {
    const { br, ports, rx, sent, up } = lan();
    rx(ports[1]!, BCAST, mac(0xa));
    expect(sent()).toEqual([[`${BCAST}<${mac(0xa)}`], [], [`${BCAST}<${mac(0xa)}`]]);
    expect(up).toEqual(["br0 broadcast"]);
    expect(br.stats.multicast).toBe(1);
    expect(br.stats.rxPackets).toBe(1);
  });

  it("delivers frames for its own address (or a port's) up as PACKET_HOST, sending nothing", () => {
    const { br, ports, rx, sent, up } = lan();
    rx(ports[0]!, macToString(br.devAddr), mac(0xa));
    rx(ports[0]!, mac(3), mac(0xa));
    expect(sent()).toEqual([[], [], []]);
    expect(up).toEqual(["br0 host", "br0 host"]);
  });

  it("drops a frame whose destination sits on the port it came from, and follows a station that moves", () => {
    const { ports, rx, sent, fdb } = lan();
    rx(ports[0]!, BCAST, mac(0xa));
    rx(ports[0]!, BCAST, mac(0xb));
    sent();
    rx(ports[0]!, mac(0xa), mac(0xb));
    expect(sent()).toEqual([[], [], []]);
    rx(ports[2]!, BCAST, mac(0xa)); // a moved behind p2
    sent();
    rx(ports[0]!, mac(0xa), mac(0xb));
    expect(sent()).toEqual([[], [], [`${mac(0xa)}<${mac(0xb)}`]]);
    expect(fdb()).toEqual([`${mac(0xa)} port 3 0s`, `${mac(0xb)} port 1 0s`]);
  });

  it("drops frames with a group source address, and everything while the bridge is down", () => {
    const { br, ports, rx, sent, up, fdb } = lan();
    rx(ports[0]!, BCAST, "03:00:00:00:00:01");
    devClose(br);
    rx(ports[0]!, BCAST, mac(0xa));
    expect(sent()).toEqual([[], [], []]);
    expect(up).toEqual([]);
    expect(fdb()).toEqual([]);
  });

  it("sends what the bridge transmits to the learned port, or floods it", () => {
    const { br, ports, rx, sent } = lan();
    rx(ports[1]!, BCAST, mac(0xa));
    sent();
    const k = br.net.kernel;
    const xmit = (dst: string): void => {
      const skb = netdevAllocSkb(br, 60);
      skb.put(60);
      skb.dev = br;
      br.headerOps!.create(skb, br, ETH_P_TEST, new Uint8Array(bytes(dst)), null, 46);
      br.ops.startXmit(skb, br);
      k.runFor(0);
    };
    const me = macToString(br.devAddr);
    xmit(mac(0xa));
    expect(sent()).toEqual([[], [`${mac(0xa)}<${me}`], []]);
    xmit(mac(0xc));
    expect(sent()).toEqual([[`${mac(0xc)}<${me}`], [`${mac(0xc)}<${me}`], [`${mac(0xc)}<${me}`]]);
    expect(br.stats.txPackets).toBe(2);
  });
});

describe("ageing", () => {
  it("forgets an address 300 s after its last frame, by a deferrable timer", () => {
    const { k, ports, rx, fdb } = lan();
    rx(ports[0]!, BCAST, mac(0xa));
    k.run(); // only the ageing timer is left, and it keeps no one awake
    expect(k.nowMs).toBe(0);
    k.runFor(200_000);
    rx(ports[1]!, BCAST, mac(0xb));
    k.runFor(99_990);
    expect(fdb()).toEqual([`${mac(0xa)} port 1 299.99s`, `${mac(0xb)} port 2 99.99s`]);
    k.runFor(10);
    expect(fdb()).toEqual([`${mac(0xb)} port 2 100s`]);
    rx(ports[1]!, BCAST, mac(0xb)); // traffic refreshes the entry
    k.runFor(299_990);
    expect(fdb()).toEqual([`${mac(0xb)} port 2 299.99s`]);
    k.runFor(10);
    expect(fdb()).toEqual([]);
  });

  it("takes its ageing time from insmod, or from BRCTL_SET_AGEING_TIME", () => {
    const { k, br, ports, rx, fdb } = lan(2, { ageing_time: 60 });
    expect(k.vfs.read("/sys/module/vbridge/parameters/ageing_time", { net: k.initNet, cred: ROOT_CRED })).toBe("60\n");
    expect(br.linkKind!.fillInfo!(br)).toEqual({ ageing_time: 6000 });
    expect(() => k.rmmod("vbridge")).toThrow(); // br0 is up
    rx(ports[0]!, BCAST, mac(0xa));
    k.runFor(10_000);
    devIoctl(k.initNet, ROOT_CRED, SIOCDEVPRIVATE, { name: "br0", data: [BRCTL_SET_AGEING_TIME, 500, 0, 0] });
    k.runFor(0);
    expect(fdb()).toEqual([]); // already older than the new 5 s
    expect(() => devIoctl(k.initNet, userCred(), SIOCDEVPRIVATE, { name: "br0", data: [BRCTL_SET_AGEING_TIME, 1, 0, 0] }))
      .toThrow(expect.objectContaining({ code: "EPERM" }));
  });
});

describe("ports", () => {
  it("marks a port: master, promiscuous, rx_handler; brDelIf undoes it all", () => {
    const { k, br, ports, rx, fdb } = lan(2);
    const p0 = ports[0]!;
    expect(p0.master).toBe(br);
    expect(p0.promiscuity).toBe(1);
    expect(p0.flags & IFF_PROMISC).toBe(IFF_PROMISC);
    expect(k.log.some((l) => l.includes("device p0 entered promiscuous mode"))).toBe(true);
    rx(p0, BCAST, mac(0xa));
    brDelIf(br, p0);
    expect([p0.master, p0.rxHandler, p0.promiscuity, brPortOf(p0)]).toEqual([null, null, 0, null]);
    expect(fdb()).toEqual([]);
    expect(brFdbDump(br).map((f) => f.portNo).sort()).toEqual([0, 2]);
    expect(() => brDelIf(br, p0)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("refuses devices that cannot be ports", () => {
    const { k, br, ports } = lan(1);
    const br1 = rtnlNewlink("vbridge", { net: k.initNet, name: "br1", data: {}, cred: ROOT_CRED }) as VbrDevice;
    const err = (fn: () => void): string => {
      try {
        fn();
        return "ok";
      } catch (e) {
        return (e as KernelError).code;
      }
    };
    expect(err(() => brAddIf(br1, ports[0]!))).toBe("EBUSY");
    expect(err(() => brAddIf(br, br1))).toBe("ELOOP");
    expect(err(() => brAddIf(br, k.initNet.loopback))).toBe("EINVAL");
    const red = k.createNet("red");
    devChangeNetNamespace(br1, red);
    expect(err(() => brAddIf(br1, k.initNet.loopback))).toBe("EINVAL");
  });

  it("lets go of a port that is unregistered, so its unregistration completes", () => {
    const { k, br, ports, rx, fdb } = lan(2);
    const p0 = ports[0]!;
    rx(p0, BCAST, mac(0xa));
    unregisterNetdev(p0);
    expect(p0.regState).toBe(NETREG_RELEASED);
    expect(br.priv.ports.map((p) => p.dev.name)).toEqual(["p1"]);
    expect(fdb()).toEqual([]);
    k.runFor(20_000);
    expect(k.log.filter((l) => l.includes("waiting for"))).toEqual([]);
  });

  it("lets go of a port that moves to another namespace", () => {
    const { k, br, ports } = lan(2);
    devChangeNetNamespace(ports[1]!, k.createNet("red"));
    expect(br.priv.ports.map((p) => p.dev.name)).toEqual(["p0"]);
    expect(ports[1]!.master).toBeNull();
  });

  it("forgets what a port learned when it goes down; the bridge's carrier follows its ports", () => {
    const { k, br, ports, rx, fdb } = lan(2);
    rx(ports[0]!, BCAST, mac(0xa));
    rx(ports[1]!, BCAST, mac(0xb));
    devClose(ports[0]!);
    expect(fdb()).toEqual([`${mac(0xb)} port 2 0s`]);
    expect(netifCarrierOk(br)).toBe(true);
    devClose(ports[1]!);
    k.runFor(0);
    expect(netifCarrierOk(br)).toBe(false);
  });

  it("releases every port when the bridge is deleted, and when the module is removed", () => {
    const { k, br, ports } = lan(2);
    const br1 = rtnlNewlink("vbridge", { net: k.initNet, name: "br1", data: {}, cred: ROOT_CRED }) as VbrDevice;
    brDelIf(br, ports[1]!);
    brAddIf(br1, ports[1]!);
    rtnlDellink(br, ROOT_CRED);
    expect(ports[0]!.master).toBeNull();
    expect(() => k.rmmod("vbridge")).not.toThrow(); // br1 is down: nothing pins the module
    expect(ports[1]!.master).toBeNull();
    expect(ports.map((p) => p.promiscuity)).toEqual([0, 0]);
    expect(k.commands.has("brctl")).toBe(false);
  });

  it("keeps the module while a bridge is up", () => {
    const { k } = lan(1);
    expect(() => k.rmmod("vbridge")).toThrow(expect.objectContaining({ code: "EBUSY" }));
  });
});

describe("the legacy ioctl and brctl", () => {
  it("answers BRCTL_ADD_IF and BRCTL_GET_FDB_ENTRIES, and checks CAP_NET_ADMIN to change things", () => {
    const { k, br, ports } = lan(1);
    const p = allocNetdev(k.initNet, "p9", etherSetup, null);
    registerNetdev(p);
    const add = { name: "br0", data: [BRCTL_ADD_IF, p.ifindex, 0, 0] };
    expect(() => devIoctl(k.initNet, userCred(), SIOCDEVPRIVATE, add)).toThrow(expect.objectContaining({ code: "EPERM" }));
    devIoctl(k.initNet, ROOT_CRED, SIOCDEVPRIVATE, add);
    expect(p.master).toBe(br);
    const buf: FdbEntryInfo[] = [];
    devIoctl(k.initNet, userCred(), SIOCDEVPRIVATE, { name: "br0", data: [BRCTL_GET_FDB_ENTRIES, buf, 2, 1] });
    expect(buf.map((f) => f.portNo)).toEqual([1, 2]);
    expect(() => devIoctl(k.initNet, ROOT_CRED, SIOCDEVPRIVATE, { name: "br0", data: [BRCTL_ADD_IF, 999, 0, 0] }))
      .toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => devIoctl(k.initNet, ROOT_CRED, SIOCDEVPRIVATE + 1, { name: "br0", data: [] })).toThrow(expect.objectContaining({ code: "EOPNOTSUPP" }));
    void ports;
  });

  it("brctl says what went wrong in bridge-utils' words", async () => {
    const k = new Kernel({ seed: 1 });
    const sh = new Shell(k, { modules: moduleRegistry([vbridge]) });
    const lines = [
      "insmod vbridge", "ip link add br0 type vbridge", "ip link add br1 type vbridge", "brctl addif br0 nope", "brctl addif br9 lo",
      "brctl addif br0 br1", "brctl addif br0 lo", "brctl delif br0 br1", "brctl setageing br0 soon", "brctl showmacs", "brctl frob",
    ];
    for (const l of lines) await sh.run(l);
    expect(sh.text()).toBe([
      "interface nope does not exist!",
      "bridge br9 does not exist!",
      "device br1 is a bridge device itself; can't enslave a bridge device to a bridge device.",
      "can't add lo to bridge br0: Invalid argument",
      "device br1 is not a slave of br0",
      "bad ageing time value",
      "Incorrect number of arguments for command",
      "Usage: brctl showmacs <bridge>\t\tshow a list of mac addrs",
      "never heard of command [frob]",
      "Usage: brctl [commands]",
      "commands:",
      "\taddif     \t<bridge> <device>\tadd interface to bridge",
      "\tdelif     \t<bridge> <device>\tdelete interface from bridge",
      "\tsetageing \t<bridge> <time>\t\tset ageing time",
      "\tshowmacs  \t<bridge>\t\tshow a list of mac addrs",
      "",
    ].join("\n"));
  });
});
