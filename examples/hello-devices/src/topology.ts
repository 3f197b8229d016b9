import {
  Kernel, NETDEV_TX_OK, NOTIFY_DONE, allocNetdev, allocSkb, definePlugin, devChangeNetNamespace, devClose, devGetStats, devHardHeader,
  devOpen, devQueueXmit, etherSetup, ethTypeTrans, kfreeSkb, netdevCmdToName, netifRx, registerNetdev,
  unregisterNetdevMany, type NetDevice, type NetDeviceOps, type Plugin,
} from "@vnet/core";

/** A two-ended wire: what one end transmits, the other receives. */
interface WirePriv {
  peer: NetDevice<WirePriv> | null;
}

const wireOps: NetDeviceOps<WirePriv> = {
  startXmit(skb, dev) {
    const peer = dev.priv.peer!;
    dev.stats.txPackets++;
    dev.stats.txBytes += skb.len;
    peer.stats.rxPackets++;
    peer.stats.rxBytes += skb.len;
    skb.protocol = ethTypeTrans(skb, peer);
    netifRx(skb);
    return NETDEV_TX_OK;
  },
};

/** The driver, as a module: insmod creates the pair, rmmod removes it. */
export const wire: Plugin = definePlugin({
  name: "wire",
  version: "0.1.0",
  coreRange: ">=0.1.0 <1.0.0",
  setup(ctx) {
    const mk = (): NetDevice<WirePriv> =>
      allocNetdev<WirePriv>(ctx.kernel.initNet, "wire%d", (dev) => {
        etherSetup(dev);
        dev.ops = wireOps;
        dev.owner = ctx.module;
        dev.devAddr.set([2, 0, 0, 0, 0, ctx.kernel.initNet.devices.size]);
      }, { peer: null });
    const a = mk();
    const b = mk();
    a.priv.peer = b;
    b.priv.peer = a;
    registerNetdev(a);
    registerNetdev(b);
    return () => unregisterNetdevMany([a, b].filter((d) => d.regState === 1));
  },
});

const ETH_P_HELLO = 0x88b5;

/** Builds the scenario and returns what it printed, line by line. */
export function hello(): string[] {
  const out: string[] = [];
  const k = new Kernel({ seed: 1 });
  k.insmod(wire);
  k.netdevChain.register({
    notifierCall(event, { dev }) {
      out.push(`notifier: ${netdevCmdToName(event)} ${dev.name} in ${dev.net}`);
      return NOTIFY_DONE;
    },
  });
  const red = k.createNet("red");
  const blue = k.createNet("blue");
  const [a, b] = [k.initNet.devices.get("wire0")!, k.initNet.devices.get("wire1")!];
  devChangeNetNamespace(a, red);
  devChangeNetNamespace(b, blue);
  devOpen(a);
  devOpen(b);
  k.addPack({
    type: ETH_P_HELLO,
    func(skb, dev) {
      const text = new TextDecoder().decode(skb.head.subarray(skb.data, skb.tail));
      out.push(`${dev.name}@${dev.net}: received "${text}" at ${k.nowMs} ms`);
      kfreeSkb(skb);
    },
  });
  for (const word of ["hello", "namespaces"]) {
    const skb = allocSkb(128);
    skb.reserve(16);
    skb.putData(new TextEncoder().encode(word));
    skb.dev = a;
    devHardHeader(skb, a, ETH_P_HELLO, b.devAddr, null, skb.len);
    devQueueXmit(skb);
    k.runFor(10);
  }
  const sa = devGetStats(a);
  const sb = devGetStats(b);
  out.push(`wire0: tx ${sa.txPackets} packets, ${sa.txBytes} bytes; wire1: rx ${sb.rxPackets} packets, ${sb.rxBytes} bytes`);
  k.destroyNet(red);
  out.push(`after destroying red: wire0 is in ${a.net}`);
  try {
    k.rmmod("wire");
  } catch (e) {
    out.push(`rmmod wire: ${(e as Error).message}`);
  }
  devClose(b);
  k.rmmod("wire");
  out.push(`rmmod wire: done, ${k.initNet.devices.size + blue.devices.size} devices left (the two loopbacks)`);
  return out;
}
