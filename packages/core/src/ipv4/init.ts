import type { Kernel } from "../kernel/kernel.js";
import type { NetdevNotifierBlock } from "../netdevice/dev.js";
import { registerNetdeviceNotifier } from "../netdevice/dev.js";
import { IPPROTO_ICMP } from "../wire/ipv4.js";
import { arpNetdevEvent, arpNetExit, arpPacketType } from "../neigh/arp.js";
import { inetaddrChain, inetdevEvent } from "./devinet.js";
import { fibInetaddrEvent, fibNetdevEvent } from "./fib_frontend.js";
import { ipPacketType } from "./ip_input.js";
import { icmpErr, icmpRcv } from "./icmp.js";
import { inetAddProtocol } from "./protocol.js";
import { fragDirExit } from "./ip_fragment.js";
import { inetIoctlInit } from "./ioctl.js";
import { inetSysctlInit } from "./sysctl.js";
import { udpInit, udpNetExit } from "../socket/udp.js";
import { pingInit, pingNetExit } from "../socket/ping.js";
import { rawInit, rawNetExit } from "../socket/raw.js";
import type { InIfaddr } from "./devinet.js";
import type { NotifierBlock } from "../kernel/notifier.js";

// Registration order as inet_init: ARP, then in_device (devinet_init), then the FIB.
const arpNetdevNotifier: NetdevNotifierBlock = { notifierCall: arpNetdevEvent };
const ipNetdevNotifier: NetdevNotifierBlock = { notifierCall: inetdevEvent };
const fibNetdevNotifier: NetdevNotifierBlock = { notifierCall: fibNetdevEvent };
const fibInetaddrNotifier: NotifierBlock<InIfaddr> = { notifierCall: fibInetaddrEvent };

let protocolsRegistered = false;

/** inet_init(): registers the IPv4 protocol family (ARP, IPv4, ICMP, UDP) with a kernel. */
export function inetInit(kernel: Kernel): void {
  if (!protocolsRegistered) {
    // Protocol tables are shared by every kernel; their handlers keep state per namespace.
    protocolsRegistered = true;
    inetAddProtocol(IPPROTO_ICMP, { handler: icmpRcv, errHandler: icmpErr });
    udpInit();
    pingInit();
    rawInit();
  }
  if (!inetaddrChain.isRegistered(fibInetaddrNotifier)) inetaddrChain.register(fibInetaddrNotifier);
  kernel.addPack(arpPacketType);
  kernel.addPack(ipPacketType);
  registerNetdeviceNotifier(kernel, arpNetdevNotifier);
  registerNetdeviceNotifier(kernel, ipNetdevNotifier);
  registerNetdeviceNotifier(kernel, fibNetdevNotifier);
  kernel.registerPernetOps({
    exit(net) {
      udpNetExit(net);
      pingNetExit(net);
      rawNetExit(net);
      arpNetExit(net);
      fragDirExit(net);
    },
  });
  inetIoctlInit(kernel);
  inetSysctlInit(kernel);
}
