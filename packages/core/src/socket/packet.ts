// Packet sockets (net/packet/af_packet.c): ETH_P_ALL (or one ethertype) taps on one device or
// all devices of the namespace, both directions, with the frame bytes copied from the MAC header
// and a timestamp from the kernel clock: what tcpdump reads. Promiscuous mode through
// dev_set_promiscuity (PACKET_MR_PROMISC), undone at close.
import type { Net } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { capable, CAP_NET_RAW } from "../kernel/cred.js";
import { EINVAL, ENODEV, EPERM, KernelError } from "../kernel/errno.js";
import type { NetDevice } from "../netdevice/netdevice.js";
import type { PacketType } from "../netdevice/packet.js";
import type { SkBuff } from "../netdevice/skbuff.js";
import { devAddPack, devRemovePack, devSetPromiscuity } from "../netdevice/dev.js";
import { PACKET_LOOPBACK, PACKET_OUTGOING } from "../netdevice/constants.js";
import { ETH_P_ALL } from "../wire/ethernet.js";
import { AF_PACKET, POLLIN, POLLNVAL, POLLOUT, SK_RMEM_DEFAULT, SOCK_RAW, Sock } from "./sock.js";

/** A captured frame (what recvfrom on a packet socket gives, with its sockaddr_ll). */
export interface CapturedFrame {
  /** The frame from its link-level header, at most `snaplen` bytes. */
  data: Uint8Array;
  /** The frame's full length. */
  len: number;
  /** Kernel time, ns: reception for incoming frames, hand-off to the driver for outgoing ones. */
  tstamp: number;
  /** sll_pkttype: PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING. */
  pktType: number;
  /** sll_ifindex. */
  ifindex: number;
  /** sll_protocol (ethertype). */
  protocol: number;
}

/** PACKET_STATISTICS. */
export interface PacketStats {
  packets: number;
  drops: number;
}

/** Options of packetSocket(). */
export interface PacketSocketOptions {
  /** ETH_P_ALL (default) or one ethertype. */
  protocol?: number | undefined;
  /** A device (or its name) to bind to; all devices of the namespace when absent. */
  dev?: NetDevice | string | null | undefined;
  /** PACKET_MR_PROMISC on the bound device. */
  promisc?: boolean | undefined;
  /** PACKET_IGNORE_OUTGOING. */
  ignoreOutgoing?: boolean | undefined;
  /** Bytes kept of each frame (default 262144, tcpdump's). */
  snaplen?: number | undefined;
  /** Called for each frame instead of queueing it. */
  onFrame?: ((frame: CapturedFrame) => void) | undefined;
}

/** An AF_PACKET socket. */
export class PacketSocket extends Sock {
  readonly dev: NetDevice | null;
  readonly ignoreOutgoing: boolean;
  readonly snaplen: number;
  private readonly frames: CapturedFrame[] = [];
  private queuedBytes = 0;
  private promisc = false;
  private readonly pt: PacketType;
  private readonly onFrame: ((frame: CapturedFrame) => void) | null;
  readonly stats: PacketStats = { packets: 0, drops: 0 };

  constructor(net: Net, cred: Cred, opts: PacketSocketOptions) {
    const protocol = opts.protocol ?? ETH_P_ALL;
    super(net, cred, AF_PACKET, SOCK_RAW, protocol);
    let dev: NetDevice | null = null;
    if (typeof opts.dev === "string") {
      dev = net.devices.get(opts.dev) ?? null;
      if (dev === null) throw new KernelError(ENODEV);
    } else if (opts.dev != null) {
      if (opts.dev.net !== net) throw new KernelError(ENODEV);
      dev = opts.dev;
    }
    if (opts.promisc && dev === null) throw new KernelError(EINVAL);
    this.dev = dev;
    this.ignoreOutgoing = opts.ignoreOutgoing ?? false;
    this.snaplen = opts.snaplen ?? 262144;
    this.onFrame = opts.onFrame ?? null;
    const self = this;
    this.pt = {
      type: protocol,
      dev,
      func(skb: SkBuff, d: NetDevice): void {
        self.rcv(skb, d);
      },
    };
    devAddPack(net.kernel, this.pt);
    if (opts.promisc && dev !== null) {
      devSetPromiscuity(dev, 1);
      this.promisc = true;
    }
  }

  /** packet_rcv(): copies the frame (the skb is only borrowed). */
  private rcv(skb: SkBuff, dev: NetDevice): void {
    if (this.closed || dev.net !== this.net) return;
    const type = skb.pktType;
    if (type === PACKET_LOOPBACK) return;
    if (type === PACKET_OUTGOING && this.ignoreOutgoing) return;
    const start = skb.macHeader >= 0 && skb.macHeader <= skb.data ? skb.macHeader : skb.data;
    const len = skb.tail - start;
    const cap = len < this.snaplen ? len : this.snaplen;
    const k = this.net.kernel;
    const frame: CapturedFrame = {
      data: skb.head.slice(start, start + cap),
      len,
      tstamp: type === PACKET_OUTGOING || skb.tstamp === 0 ? k.scheduler.now : skb.tstamp,
      pktType: type,
      ifindex: dev.ifindex,
      protocol: skb.protocol,
    };
    this.stats.packets++;
    if (this.onFrame !== null) {
      this.onFrame(frame);
      return;
    }
    const size = cap + 576;
    if (this.queuedBytes + size > this.rcvbuf && this.queuedBytes > 0) {
      this.stats.drops++;
      this.drops++;
      return;
    }
    this.queuedBytes += size;
    this.frames.push(frame);
    const cb = this.onReadable;
    if (cb !== null) cb(this);
  }

  /** The next captured frame, or null. */
  recv(): CapturedFrame | null {
    this.checkOpen();
    const f = this.frames.shift();
    if (f === undefined) return null;
    this.queuedBytes -= f.data.length + 576;
    return f;
  }

  /** Every queued frame, emptying the queue. */
  drain(): CapturedFrame[] {
    this.checkOpen();
    const out = this.frames.splice(0);
    this.queuedBytes = 0;
    return out;
  }

  override get queued(): number {
    return this.frames.length;
  }

  override poll(): number {
    if (this.closed) return POLLNVAL;
    return POLLOUT | (this.frames.length > 0 ? POLLIN : 0);
  }

  override close(): void {
    if (this.closed) return;
    devRemovePack(this.net.kernel, this.pt);
    if (this.promisc && this.dev !== null) devSetPromiscuity(this.dev, -1);
    this.promisc = false;
    this.frames.length = 0;
    this.queuedBytes = 0;
    super.close();
  }
}

/** socket(AF_PACKET, SOCK_RAW, protocol) + bind: EPERM without CAP_NET_RAW, ENODEV for a bad device. */
export function packetSocket(net: Net, cred: Cred, opts: PacketSocketOptions = {}): PacketSocket {
  if (!capable(cred, CAP_NET_RAW)) throw new KernelError(EPERM);
  return new PacketSocket(net, cred, opts);
}

