/** Interface flags (include/uapi/linux/if.h). */
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_DEBUG = 0x4;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_NOTRAILERS = 0x20;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_ALLMULTI = 0x200;
export const IFF_MASTER = 0x400;
export const IFF_SLAVE = 0x800;
export const IFF_MULTICAST = 0x1000;
export const IFF_PORTSEL = 0x2000;
export const IFF_AUTOMEDIA = 0x4000;
export const IFF_DYNAMIC = 0x8000;
export const IFF_LOWER_UP = 0x10000;
export const IFF_DORMANT = 0x20000;
export const IFF_ECHO = 0x40000;

/** Flags the kernel derives from state; never stored, never set by users. */
export const IFF_VOLATILE: number =
  IFF_LOOPBACK | IFF_POINTOPOINT | IFF_BROADCAST | IFF_ECHO | IFF_MASTER | IFF_SLAVE | IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT;

/** Flag names in the order iproute2 prints them. */
export const IFF_NAMES: ReadonlyArray<readonly [number, string]> = [
  [IFF_LOOPBACK, "LOOPBACK"],
  [IFF_BROADCAST, "BROADCAST"],
  [IFF_POINTOPOINT, "POINTOPOINT"],
  [IFF_MULTICAST, "MULTICAST"],
  [IFF_NOARP, "NOARP"],
  [IFF_ALLMULTI, "ALLMULTI"],
  [IFF_PROMISC, "PROMISC"],
  [IFF_MASTER, "MASTER"],
  [IFF_SLAVE, "SLAVE"],
  [IFF_DEBUG, "DEBUG"],
  [IFF_DYNAMIC, "DYNAMIC"],
  [IFF_AUTOMEDIA, "AUTOMEDIA"],
  [IFF_PORTSEL, "PORTSEL"],
  [IFF_NOTRAILERS, "NOTRAILERS"],
  [IFF_UP, "UP"],
  [IFF_LOWER_UP, "LOWER_UP"],
  [IFF_DORMANT, "DORMANT"],
  [IFF_ECHO, "ECHO"],
];

/** Private flags (netdev_priv_flags), the ones vnet uses. */
export const IFF_LIVE_ADDR_CHANGE = 0x1;
export const IFF_LIVE_RENAME_OK = 0x2;
export const IFF_NO_QUEUE = 0x4;
export const IFF_DONT_BRIDGE = 0x8;
export const IFF_BRIDGE_PORT = 0x10;

/** Hardware types (include/uapi/linux/if_arp.h). */
export const ARPHRD_NETROM = 0;
export const ARPHRD_ETHER = 1;
export const ARPHRD_PPP = 512;
export const ARPHRD_TUNNEL = 768;
export const ARPHRD_LOOPBACK = 772;
export const ARPHRD_IPGRE = 778;
export const ARPHRD_NONE = 0xfffe;
export const ARPHRD_VOID = 0xffff;

const ARPHRD_NAMES = new Map<number, string>([
  [ARPHRD_NETROM, "netrom"],
  [ARPHRD_ETHER, "ether"],
  [ARPHRD_PPP, "ppp"],
  [ARPHRD_TUNNEL, "ipip"],
  [ARPHRD_LOOPBACK, "loopback"],
  [ARPHRD_IPGRE, "gre"],
  [ARPHRD_NONE, "none"],
  [ARPHRD_VOID, "void"],
]);

/** The link_type name iproute2 prints ("ether", "loopback"). */
export function arphrdName(type: number): string {
  return ARPHRD_NAMES.get(type) ?? `[${type}]`;
}

/** Device features (NETIF_F_*), as bit numbers in a 32-bit mask. */
export const NETIF_F_SG = 0x1;
export const NETIF_F_IP_CSUM = 0x2;
export const NETIF_F_HW_CSUM = 0x8;
export const NETIF_F_HIGHDMA = 0x20;
export const NETIF_F_FRAGLIST = 0x40;
export const NETIF_F_LLTX = 0x1000;
export const NETIF_F_NETNS_LOCAL = 0x2000;
export const NETIF_F_GRO = 0x4000;
export const NETIF_F_TSO = 0x10000;
export const NETIF_F_RXCSUM = 0x20000000;
export const NETIF_F_LOOPBACK = 0x40000000;
/** Checksum features a driver may advertise. */
export const NETIF_F_CSUM_MASK: number = NETIF_F_IP_CSUM | NETIF_F_HW_CSUM;

/** Feature names as ethtool -k prints them. */
export const NETIF_F_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NETIF_F_RXCSUM, "rx-checksumming"],
  [NETIF_F_HW_CSUM, "tx-checksumming"],
  [NETIF_F_SG, "scatter-gather"],
  [NETIF_F_FRAGLIST, "tx-scatter-gather-fraglist"],
  [NETIF_F_TSO, "tcp-segmentation-offload"],
  [NETIF_F_GRO, "generic-receive-offload"],
  [NETIF_F_HIGHDMA, "highdma"],
  [NETIF_F_LLTX, "tx-lockless"],
  [NETIF_F_NETNS_LOCAL, "netns-local"],
  [NETIF_F_LOOPBACK, "loopback"],
];

/** Netdevice notifier events (enum netdev_cmd). */
export const NETDEV_UP = 1;
export const NETDEV_DOWN = 2;
export const NETDEV_REBOOT = 3;
export const NETDEV_CHANGE = 4;
export const NETDEV_REGISTER = 5;
export const NETDEV_UNREGISTER = 6;
export const NETDEV_CHANGEMTU = 7;
export const NETDEV_CHANGEADDR = 8;
export const NETDEV_PRE_CHANGEADDR = 9;
export const NETDEV_GOING_DOWN = 10;
export const NETDEV_CHANGENAME = 11;
export const NETDEV_FEAT_CHANGE = 12;
export const NETDEV_BONDING_FAILOVER = 13;
export const NETDEV_PRE_UP = 14;
export const NETDEV_PRE_TYPE_CHANGE = 15;
export const NETDEV_POST_TYPE_CHANGE = 16;
export const NETDEV_POST_INIT = 17;
export const NETDEV_PRE_UNINIT = 18;
export const NETDEV_RELEASE = 19;
export const NETDEV_NOTIFY_PEERS = 20;
export const NETDEV_JOIN = 21;
export const NETDEV_CHANGEUPPER = 22;
export const NETDEV_RESEND_IGMP = 23;
export const NETDEV_PRECHANGEMTU = 24;
export const NETDEV_CHANGEINFODATA = 25;
export const NETDEV_BONDING_INFO = 26;
export const NETDEV_PRECHANGEUPPER = 27;
export const NETDEV_CHANGELOWERSTATE = 28;

const NETDEV_CMD_NAMES = [
  "",
  "UP",
  "DOWN",
  "REBOOT",
  "CHANGE",
  "REGISTER",
  "UNREGISTER",
  "CHANGEMTU",
  "CHANGEADDR",
  "PRE_CHANGEADDR",
  "GOING_DOWN",
  "CHANGENAME",
  "FEAT_CHANGE",
  "BONDING_FAILOVER",
  "PRE_UP",
  "PRE_TYPE_CHANGE",
  "POST_TYPE_CHANGE",
  "POST_INIT",
  "PRE_UNINIT",
  "RELEASE",
  "NOTIFY_PEERS",
  "JOIN",
  "CHANGEUPPER",
  "RESEND_IGMP",
  "PRECHANGEMTU",
  "CHANGEINFODATA",
  "BONDING_INFO",
  "PRECHANGEUPPER",
  "CHANGELOWERSTATE",
];

/** netdev_cmd_to_name(): "NETDEV_UP". */
export function netdevCmdToName(cmd: number): string {
  const n = NETDEV_CMD_NAMES[cmd];
  return n ? `NETDEV_${n}` : "UNKNOWN_NETDEV_EVENT";
}

/** Registration states (enum netdev_reg_state). */
export const NETREG_UNINITIALIZED = 0;
export const NETREG_REGISTERED = 1;
export const NETREG_UNREGISTERING = 2;
export const NETREG_UNREGISTERED = 3;
export const NETREG_RELEASED = 4;

/** RFC 2863 operational states (IF_OPER_*). */
export const IF_OPER_UNKNOWN = 0;
export const IF_OPER_NOTPRESENT = 1;
export const IF_OPER_DOWN = 2;
export const IF_OPER_LOWERLAYERDOWN = 3;
export const IF_OPER_TESTING = 4;
export const IF_OPER_DORMANT = 5;
export const IF_OPER_UP = 6;

/** operstate names as /sys/class/net/X/operstate and iproute2 print them (lower case in sysfs). */
export const IF_OPER_NAMES: readonly string[] = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"];

/** ndo_start_xmit return codes. */
export const NETDEV_TX_OK = 0x00;
export const NETDEV_TX_BUSY = 0x10;
/** dev_queue_xmit return codes. */
export const NET_XMIT_SUCCESS = 0x00;
export const NET_XMIT_DROP = 0x01;
export const NET_XMIT_CN = 0x02;

/** skb->pkt_type (include/uapi/linux/if_packet.h). */
export const PACKET_HOST = 0;
export const PACKET_BROADCAST = 1;
export const PACKET_MULTICAST = 2;
export const PACKET_OTHERHOST = 3;
export const PACKET_OUTGOING = 4;
export const PACKET_LOOPBACK = 5;

/** skb->ip_summed. */
export const CHECKSUM_NONE = 0;
export const CHECKSUM_UNNECESSARY = 1;
export const CHECKSUM_COMPLETE = 2;
export const CHECKSUM_PARTIAL = 3;

/** rx_handler results (enum rx_handler_result). */
export const RX_HANDLER_CONSUMED = 0;
export const RX_HANDLER_ANOTHER = 1;
export const RX_HANDLER_EXACT = 2;
export const RX_HANDLER_PASS = 3;

/** Sizes. */
export const IFNAMSIZ = 16;
export const MAX_ADDR_LEN = 32;
export const NET_SKB_PAD = 64;
export const LL_MAX_HEADER = 128;
