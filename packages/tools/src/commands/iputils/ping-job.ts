/**
 * One ping run as a state machine on the kernel's clock: a timer sends the requests, the socket's
 * wakeups (sk_data_ready, sk_error_report) count the replies and errors, and the statistics end it.
 * Nothing is allocated per packet in flood mode but the progress dots.
 */
import { EchoReply, Timer, type Kernel, type PingSocket } from "@vnet/core";
import type { CommandContext, Job, JobSignal } from "../../shell/types.js";
import { icmpText, ms3, prAddr, tripTime } from "./ping-format.js";
import type { PingOptions } from "./ping-options.js";

/** How long ping waits for stragglers after its last request when none came back (MAXWAIT). */
const LINGER_MS = 10_000;
/** Flood mode sends at least this often without replies (iputils' 10 ms). */
const FLOOD_TICK_MS = 10;

export class PingJob implements Job {
  done = false;
  status = 0;
  private readonly kernel: Kernel;
  private readonly reply = new EchoReply();
  private readonly received = new Uint8Array(65536);
  private readonly timer: Timer<PingJob>;
  private readonly deadlineTimer: Timer<PingJob> | null = null;
  private readonly startNs: number;
  private ntransmitted = 0;
  private nreceived = 0;
  private nrepeats = 0;
  private nerrors = 0;
  private tmin = Infinity;
  private tmax = 0;
  private tsum = 0;
  private tsum2 = 0;
  /** iputils' rtt EWMA, µs * 8. */
  private ewma = 0;
  private maxPipe = 0;
  /** Buffered flood output (dots and backspaces). */
  private flood = "";
  private lingering = false;
  /** The last request, reply or error: the "time" of the statistics ends there, as in iputils. */
  private lastNs: number;
  private lastSendNs = 0;

  constructor(
    private readonly ctx: CommandContext,
    private readonly sock: PingSocket,
    private readonly o: PingOptions,
    /** The name given on the command line, when it was one. */
    private readonly name: string | null,
  ) {
    this.kernel = ctx.kernel;
    this.startNs = this.kernel.scheduler.now;
    this.lastNs = this.startNs;
    this.timer = new Timer<PingJob>((j) => j.tick(), this);
    sock.onReadable = () => this.drainReplies();
    sock.onError = () => this.drainErrors();
    if (o.deadline !== undefined) {
      this.deadlineTimer = new Timer<PingJob>((j) => j.finish(), this);
      this.kernel.scheduler.arm(this.deadlineTimer, this.startNs + o.deadline * 1e9);
    }
    this.tick();
  }

  private get limit(): number {
    return this.o.count;
  }

  private out(text: string): void {
    if (this.flood !== "") this.flushFlood();
    this.ctx.out(text);
  }

  private flushFlood(): void {
    const f = this.flood;
    this.flood = "";
    this.ctx.out(f);
  }

  /** The timer: sends the next request (in flood mode, only if none went out for 10 ms), then re-arms. */
  private tick(): void {
    if (this.done) return;
    const s = this.kernel.scheduler;
    const flood = this.o.interval === 0;
    if (!flood || s.now - this.lastSendNs >= FLOOD_TICK_MS * 1e6 || this.ntransmitted === 0) {
      if (this.limit === 0 || this.ntransmitted < this.limit) this.send();
      if (this.done) return;
    }
    if (this.limit !== 0 && this.ntransmitted >= this.limit) return this.startLinger();
    s.arm(this.timer, (flood ? this.lastSendNs + FLOOD_TICK_MS * 1e6 : s.now + this.o.interval * 1e6));
  }

  /** Last request out: wait twice the slowest round trip, or the linger when nothing came back. */
  private startLinger(): void {
    if (this.nreceived + this.nerrors >= this.limit) return this.finish();
    if (this.lingering) return;
    this.lingering = true;
    const s = this.kernel.scheduler;
    const ms = this.o.linger !== undefined ? this.o.linger * 1000 : this.nreceived > 0 ? Math.max(1, (2 * this.tmax) / 1000) : LINGER_MS;
    this.timer.fn = (j) => j.finish();
    s.arm(this.timer, s.now + ms * 1e6);
  }

  private send(): void {
    const seq = (this.ntransmitted + 1) & 0xffff;
    this.received[seq] = 0;
    this.ntransmitted++;
    this.lastNs = this.lastSendNs = this.kernel.scheduler.now;
    try {
      this.sock.sendEcho(null, seq, this.o.size);
    } catch (e) {
      this.nerrors++;
      if (this.o.flood) this.flood += "E";
      else if (!this.o.quiet) this.out(`ping: sendmsg: ${e instanceof Error ? e.message.replace(/^.*: /, "") : String(e)}\n`);
      this.sock.sockError();
      return;
    }
    if (this.o.flood && !this.o.quiet) {
      this.flood += ".";
      if (this.flood.length > 8192) this.flushFlood();
    }
  }

  /** iputils' acknowledge(): the pipe is the most requests ever outstanding behind an answer. */
  private acknowledge(seq: number): void {
    const diff = (this.ntransmitted - seq) & 0xffff;
    if (diff <= 0x7fff && diff + 1 > this.maxPipe) this.maxPipe = diff + 1;
  }

  private drainReplies(): void {
    const r = this.reply;
    while (!this.done && this.sock.recvEcho(r)) this.onReply(r);
  }

  private onReply(r: EchoReply): void {
    const us = r.sentAt < 0 ? 0 : Math.floor((r.receivedAt - r.sentAt) / 1000);
    const dup = this.received[r.seq] === 1;
    if (dup) this.nrepeats++;
    else {
      this.received[r.seq] = 1;
      this.nreceived++;
      this.acknowledge(r.seq);
      if (us < this.tmin) this.tmin = us;
      if (us > this.tmax) this.tmax = us;
      this.tsum += us;
      this.tsum2 += us * us;
      this.ewma = this.ewma === 0 ? us * 8 : this.ewma + us - this.ewma / 8;
    }
    if (this.o.flood) {
      if (!this.o.quiet) this.flood += "\b";
    } else if (!this.o.quiet) {
      const from = prAddr(r.from, this.o.numeric || this.name === null ? null : this.ctx.hostName(r.from));
      this.out(`${r.len} bytes from ${from}: icmp_seq=${r.seq} ttl=${r.ttl}${r.sentAt < 0 ? "" : ` time=${tripTime(us)} ms`}${dup ? " (DUP!)" : ""}\n`);
    }
    this.afterAnswer();
  }

  private drainErrors(): void {
    for (let e = this.sock.recvErr(); e !== null && !this.done; e = this.sock.recvErr()) {
      const p = e.payload;
      const seq = p.length >= 8 ? (p[6]! << 8) | p[7]! : 0;
      this.nerrors++;
      this.acknowledge(seq);
      if (this.o.flood) {
        if (!this.o.quiet) this.flood += "E";
      } else if (!this.o.quiet) {
        const from = prAddr(e.offender, this.o.numeric || this.name === null ? null : this.ctx.hostName(e.offender));
        this.out(`From ${from} icmp_seq=${seq} ${icmpText(e.type, e.code, e.info)}\n`);
      }
    }
    this.sock.sockError();
    this.afterAnswer();
  }

  /** In flood mode an answer lets the next request go at once; the last answer ends the run. */
  private afterAnswer(): void {
    if (this.done) return;
    this.lastNs = this.kernel.scheduler.now;
    if (this.limit !== 0 && this.nreceived + this.nerrors >= this.limit && this.ntransmitted >= this.limit) {
      this.finish();
      return;
    }
    // Flood: an answer lets the next request go at once (the timer only covers silence).
    if (this.o.interval === 0 && !this.lingering) {
      if (this.limit === 0 || this.ntransmitted < this.limit) this.send();
      if (this.limit !== 0 && this.ntransmitted >= this.limit) this.startLinger();
    }
  }

  /** Prints the statistics and closes the socket; the status is iputils'. */
  private finish(): void {
    if (this.done) return;
    this.done = true;
    const s = this.kernel.scheduler;
    s.cancel(this.timer);
    if (this.deadlineTimer !== null) s.cancel(this.deadlineTimer);
    this.sock.onReadable = null;
    this.sock.onError = null;
    this.sock.close();
    const tx = this.ntransmitted;
    const rx = this.nreceived;
    const elapsed = Math.floor((this.lastNs - this.startNs) / 1e6);
    let out = `${this.flood}\n--- ${this.o.target} ping statistics ---\n${tx} packets transmitted, ${rx} received`;
    this.flood = "";
    if (this.nrepeats) out += `, +${this.nrepeats} duplicates`;
    if (this.nerrors) out += `, +${this.nerrors} errors`;
    if (tx > 0) out += `, ${formatG(Math.fround(((tx - rx) * 100) / tx))}% packet loss`;
    out += `, time ${elapsed}ms\n`;
    if (rx > 0) {
      const n = rx + this.nrepeats;
      const avg = this.tsum / n;
      const mdev = Math.sqrt(Math.max(0, this.tsum2 / n - avg * avg));
      out += `rtt min/avg/max/mdev = ${ms3(this.tmin)}/${ms3(avg)}/${ms3(this.tmax)}/${ms3(mdev)} ms`;
      if (this.maxPipe > 1) out += `, pipe ${this.maxPipe}`;
      if (this.o.interval === 0 && tx > 1) {
        const ipg = Math.floor((elapsed * 1000) / (tx - 1));
        out += `, ipg/ewma ${ms3(ipg)}/${ms3(this.ewma / 8)} ms`;
      }
      out += "\n";
    } else if (this.nerrors > 0 && this.maxPipe > 1) {
      out += `pipe ${this.maxPipe}\n`;
    }
    this.ctx.out(out);
    this.status = rx === 0 || (this.o.deadline !== undefined && this.o.count > 0 && rx < this.o.count) ? 1 : 0;
  }

  signal(_sig: JobSignal): void {
    this.finish();
  }
}

/** printf's %g: six significant digits, no trailing zeros. */
function formatG(x: number): string {
  return String(Number(x.toPrecision(6)));
}
