/** Sizes and numbers snull shares between its files (linux/if_ether.h, snull.h). */

/** Octets of an Ethernet header. */
export const ETH_HLEN = 14;
/** Octets of a hardware address. */
export const ETH_ALEN = 6;
/** Shortest frame on the wire, without FCS: shorter frames are zero-padded to it. */
export const ETH_ZLEN = 60;
/** Longest frame for the largest MTU snull accepts (1500): the size of a pool buffer. */
export const ETH_FRAME_LEN = 1514;
/** EtherType of IPv4. */
export const ETH_P_IP = 0x0800;

/** Offset of the IPv4 header in a frame, and its fixed part. */
export const IPV4_OFF: number = ETH_HLEN;
export const IPV4_HLEN = 20;

/** MTU bounds of snull_change_mtu. */
export const SNULL_MIN_MTU = 68;
export const SNULL_MAX_MTU = 1500;

/** Default watchdog timeout, in jiffies (SNULL_TIMEOUT). */
export const SNULL_TIMEOUT = 5;
/** NAPI weight of snull_poll: small on purpose, so batching is visible. */
export const SNULL_NAPI_WEIGHT = 2;
/** Headroom that aligns the IPv4 header on a 16-byte boundary after the 14-byte Ethernet header. */
export const NET_IP_ALIGN = 2;

/** Bits of the simulated status word. */
export const SNULL_RX_INTR = 0x0001;
export const SNULL_TX_INTR = 0x0002;
