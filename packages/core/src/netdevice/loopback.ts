import type { Net } from "../kernel/net.js";
import { ARPHRD_LOOPBACK, IFF_LOOPBACK, NETDEV_TX_OK, NETIF_F_HW_CSUM, NETIF_F_LLTX, NETIF_F_LOOPBACK, NETIF_F_NETNS_LOCAL, NETIF_F_RXCSUM, NETIF_F_SG, CHECKSUM_UNNECESSARY, IFF_NO_QUEUE } from "./constants.js";
import { allocNetdev, netifRx, registerNetdev } from "./dev.js";
import { ethHeaderOps, ethTypeTrans } from "./ethernet.js";
import type { NetDevice, NetDeviceOps } from "./netdevice.js";
import type { SkBuff } from "./skbuff.js";

/** loopback_xmit(): what goes out comes straight back in, counted once each way. */
function loopbackXmit(skb: SkBuff, dev: NetDevice): number {
  const len = skb.len;
  skb.sk = null;
  skb.protocol = ethTypeTrans(skb, dev);
  skb.ipSummed = CHECKSUM_UNNECESSARY;
  dev.stats.txPackets++;
  dev.stats.txBytes += len;
  if (netifRx(skb) === 0) {
    dev.stats.rxPackets++;
    dev.stats.rxBytes += len;
  }
  return NETDEV_TX_OK;
}

const loopbackOps: NetDeviceOps = { startXmit: loopbackXmit };

/** loopback_setup(). */
function loopbackSetup(dev: NetDevice): void {
  dev.mtu = 65536;
  dev.minMtu = 0;
  dev.maxMtu = 0;
  dev.hardHeaderLen = 14;
  dev.addrLen = 6;
  dev.txQueueLen = 0;
  dev.type = ARPHRD_LOOPBACK;
  dev.flags = IFF_LOOPBACK;
  dev.privFlags |= IFF_NO_QUEUE;
  dev.features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_LLTX | NETIF_F_NETNS_LOCAL | NETIF_F_LOOPBACK;
  dev.headerOps = ethHeaderOps;
  dev.ops = loopbackOps;
}

/** loopback_net_init(): every namespace gets its `lo`, always ifindex 1. */
export function loopbackNetInit(net: Net): NetDevice {
  const dev = allocNetdev(net, "lo", loopbackSetup, null);
  dev.ifindex = 1;
  registerNetdev(dev);
  net.loopback = dev;
  return dev;
}
