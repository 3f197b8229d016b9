import type { NetDevice } from "./netdevice.js";
import type { SkBuff } from "./skbuff.js";

/**
 * A protocol handler or tap (struct packet_type). `type` is an ethertype, or ETH_P_ALL for a tap.
 * `dev` restricts it to one device. A protocol handler owns the skb it is given; a tap only
 * borrows it for the duration of the call (copy what you keep).
 */
export interface PacketType {
  readonly type: number;
  readonly dev?: NetDevice | null | undefined;
  func(skb: SkBuff, dev: NetDevice, pt: PacketType, origDev: NetDevice): void;
}
