import {
  allocNetdev, etherSetup, ethTypeTrans, kfreeSkb, netifRx, NETDEV_TX_OK, registerNetdev,
  type Net, type NetDevice, type NetDeviceOps, type SkBuff,
} from "../index.js";

/** Test-only devices: a sink that counts and frees, and a wire that delivers to a peer. */
export interface DummyPriv {
  sent: number;
  peer: NetDevice<DummyPriv> | null;
  busy: boolean;
}

const ops: NetDeviceOps<DummyPriv> = {
  startXmit(skb: SkBuff, dev: NetDevice<DummyPriv>): number {
    const p = dev.priv;
    if (p.busy) return 0x10;
    p.sent++;
    dev.stats.txPackets++;
    dev.stats.txBytes += skb.len;
    const peer = p.peer;
    if (peer === null) {
      kfreeSkb(skb);
      return NETDEV_TX_OK;
    }
    skb.protocol = ethTypeTrans(skb, peer);
    peer.stats.rxPackets++;
    peer.stats.rxBytes += skb.len + 14;
    netifRx(skb);
    return NETDEV_TX_OK;
  },
};

export function dummy(net: Net, name = "dummy%d", register = true): NetDevice<DummyPriv> {
  const dev = allocNetdev<DummyPriv>(net, name, (d) => {
    etherSetup(d);
    d.ops = ops;
    d.devAddr.set([2, 0, 0, 0, 0, net.devices.size + 1]);
  }, { sent: 0, peer: null, busy: false });
  if (register) registerNetdev(dev);
  return dev;
}

export function wirePair(a: NetDevice<DummyPriv>, b: NetDevice<DummyPriv>): void {
  a.priv.peer = b;
  b.priv.peer = a;
}
