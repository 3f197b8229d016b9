// The transport protocol table (net/ipv4/protocol.c, inet_protos[]) and the hooks through which
// sockets (socket/) take packets from IPv4 without IPv4 importing them: raw delivery and ping.
import type { SkBuff } from "../netdevice/skbuff.js";

/** A transport protocol's entry points (struct net_protocol). */
export interface InetProtocol {
  /** Owns `skb`: data at the transport header, network header set, skb.dst the input route. */
  handler(skb: SkBuff): void;
  /**
   * An ICMP error quoting one of this protocol's packets: skb.data at the quoted IP header (at
   * least its header plus 8 bytes are there), skb.transportHeader at the ICMP header. Borrows
   * the skb.
   */
  errHandler?(skb: SkBuff, info: number): void;
  /**
   * early_demux: before routing, may set skb.sk to the connected socket the packet is for and
   * skb.dst to that socket's cached input route (skb.data at the IP header).
   */
  earlyDemux?(skb: SkBuff): void;
}

/** inet_protos[]: by IP protocol number. */
export const inetProtos: (InetProtocol | null)[] = Array.from({ length: 256 }, () => null);

/** inet_add_protocol(). */
export function inetAddProtocol(protocol: number, prot: InetProtocol): void {
  inetProtos[protocol] = prot;
}

/** Hooks sockets fill at inet_init time. */
export interface InetSocketHooks {
  /** raw_local_deliver(): gives raw sockets of `protocol` a copy; true if any took it. */
  rawDeliver: ((skb: SkBuff, protocol: number) => boolean) | null;
  /** raw_icmp_error(): tells raw sockets of `protocol` about an ICMP error. */
  rawIcmpError: ((skb: SkBuff, protocol: number, info: number) => void) | null;
  /** ping_rcv(): an echo reply for a ping socket; owns the skb. */
  pingRcv: ((skb: SkBuff) => void) | null;
  /** ping_err(): an ICMP error quoting an echo request. */
  pingErr: ((skb: SkBuff, info: number) => void) | null;
}

export const inetSocketHooks: InetSocketHooks = { rawDeliver: null, rawIcmpError: null, pingRcv: null, pingErr: null };
