/**
 * A live capture: a packet tap (ptype_all) that copies each frame it is lent, filters it, then
 * prints it or keeps it for the pcap file. A job: it ends after -c packets or on a signal.
 */
import {
  ARPHRD_LOOPBACK, devSetPromiscuity, ETH_P_ALL, PACKET_OUTGOING, tcpdumpLine, type Kernel, type NetDevice, type PacketType,
  type SkBuff,
} from "@vnet/core";
import { PcapWriter, type FrameFilter } from "../../capture/index.js";
import type { CommandContext, Job, JobSignal } from "../../shell/types.js";
import { directionName, ethToSll2, LINKTYPE_LINUX_SLL2 } from "./sll2.js";
import { resolveNames, timestamp } from "./format.js";
import type { TcpdumpOptions } from "./options.js";

export class Capture implements Job {
  done = false;
  status = 0;
  private captured = 0;
  private seen = 0;
  private readonly pt: PacketType;
  private readonly writer: PcapWriter | null;
  private readonly kernel: Kernel;

  constructor(
    private readonly ctx: CommandContext,
    private readonly o: TcpdumpOptions,
    /** The device captured on, or null for `-i any`. */
    private readonly dev: NetDevice | null,
    private readonly filter: FrameFilter,
  ) {
    this.kernel = ctx.kernel;
    this.writer = o.write === undefined ? null : new PcapWriter({ snaplen: o.snaplen, linktype: dev === null ? LINKTYPE_LINUX_SLL2 : 1 });
    if (this.writer !== null) ctx.files.write(o.write!, this.writer.bytes());
    const net = ctx.net;
    this.pt = {
      type: ETH_P_ALL,
      dev,
      func: (skb: SkBuff, d: NetDevice) => {
        if (!this.done && d.net === net) this.packet(skb, d);
      },
    };
    this.kernel.addPack(this.pt);
    if (dev !== null && o.promisc) devSetPromiscuity(dev, 1);
  }

  private packet(skb: SkBuff, dev: NetDevice): void {
    const out = skb.pktType === PACKET_OUTGOING;
    if ((this.o.direction === "in" && out) || (this.o.direction === "out" && !out)) return;
    const start = skb.macHeader >= 0 && skb.macHeader <= skb.data ? skb.macHeader : skb.data;
    const wire = skb.tail - start;
    if (!this.filter(skb.head.subarray(start, skb.tail), wire)) return;
    // libpcap's ps_recv counts what passed the kernel filter.
    this.seen++;
    // A tap only borrows the skb: keep a copy of what was captured.
    const frame = skb.head.slice(start, start + Math.min(wire, this.o.snaplen));
    this.captured++;
    const ns = this.kernel.scheduler.now;
    const sec = Math.floor(ns / 1e9);
    const usec = Math.floor((ns % 1e9) / 1e3);
    if (this.writer !== null) {
      const rec = this.dev === null ? ethToSll2(frame, dev.ifindex, dev.type === ARPHRD_LOOPBACK ? ARPHRD_LOOPBACK : dev.type, skb.pktType) : frame;
      const orig = this.dev === null ? wire - 14 + 20 : wire;
      this.writer.writePacket(rec, sec, usec, Math.max(orig, rec.length));
    } else {
      let line = tcpdumpLine(frame, 0, frame.length, { link: this.o.link && this.dev !== null, verbose: this.o.verbose });
      if (this.o.numeric === 0) line = resolveNames(this.ctx, line);
      const prefix = this.dev === null ? `${dev.name.padEnd(5)} ${directionName(skb.pktType)}` : "";
      this.ctx.out(`${timestamp(this.o.time, sec, usec)}${prefix}${line}\n`);
    }
    if (this.o.count > 0 && this.captured >= this.o.count) this.stop(false);
  }

  /** Ends the capture: removes the tap, writes the file, prints pcap's statistics. */
  private stop(signalled: boolean): void {
    if (this.done) return;
    this.done = true;
    this.kernel.removePack(this.pt);
    if (this.dev !== null && this.o.promisc && this.dev.regState === 1) devSetPromiscuity(this.dev, -1);
    if (this.writer !== null) this.ctx.files.write(this.o.write!, this.writer.bytes());
    const s = (n: number): string => (n === 1 ? "" : "s");
    this.ctx.err(
      `${signalled ? "\n" : ""}${this.captured} packet${s(this.captured)} captured\n${this.seen} packet${s(this.seen)} received by filter\n0 packets dropped by kernel\n`,
    );
  }

  signal(_sig: JobSignal): void {
    this.stop(true);
  }
}
