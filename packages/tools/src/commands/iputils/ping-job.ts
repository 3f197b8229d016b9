/**
 * One ping run as iputils' main_loop() turned into a state machine on the kernel's clock: the
 * socket's wakeups (sk_data_ready, sk_error_report) drain every queued answer, then one pass of
 * the pinger decides whether a request goes out now or when the timer is next due; the alarm
 * (-w deadline, or the linger after the last request) and SIGINT end it with the statistics.
 *
 * Flood mode costs nothing per packet but counters: no closure, no string, no object. The dots
 * and backspaces go into a byte buffer that is written out when full or when ping falls silent.
 */
import { EchoReply, Timer, type PingSocket, type Scheduler } from "@vnet/core";
import type { CommandContext, Job, JobSignal } from "../../shell/types.js";
import { icmpText, ms3, prAddr, tripTime } from "./ping-format.js";
import type { PingOptions } from "./ping-options.js";

/** MIN_INTERVAL_MS: without answers, a flood sends no faster than every 10 ms. */
const MIN_INTERVAL_NS = 10e6;
/** MAX_DUP_CHK: replies are told apart from duplicates by a table this long, by sequence. */
const MAX_DUP_CHK = 0x10000;
/** Flood progress bytes kept before they are written (a terminal line or so at a time). */
const FLOOD_BUF = 4096;
const DOT = 0x2e;
const BS = 0x08;
const E = 0x45;

const latin1 = new TextDecoder("latin1");

export class PingJob implements Job {
  done = false;
  status = 0;
  private readonly sched: Scheduler;
  private readonly reply = new EchoReply();
  /** rcvd_tbl: which sequence numbers were answered (1) since they were last sent (0). */
  private readonly rcvd = new Uint8Array(MAX_DUP_CHK);
  /** Sends the next request when it is due (pinger's `next`). */
  private readonly timer: Timer<PingJob>;
  /** ITIMER_REAL: the -w deadline, or the linger after the last request (schedule_exit). */
  private readonly alarm: Timer<PingJob>;
  private readonly startNs: number;
  /** -c: 0 for no limit. */
  private readonly npackets: number;
  /** -i in ns; 0 floods (send when nothing is in flight, else every 10 ms). */
  private readonly intervalNs: number;
  private readonly deadline: boolean;
  /** Replies carry a time stamp (8 data bytes or more): round trips are measured. */
  private readonly timing: boolean;
  /** -f without -q: dots and backspaces. */
  private readonly floodOut: boolean;
  /** Neither -f nor -q: a line per answer. */
  private readonly lines: boolean;
  private ntransmitted = 0;
  private nreceived = 0;
  private nrepeats = 0;
  private nerrors = 0;
  /** The highest sequence answered so far (acknowledge()); in_flight() counts from it. */
  private acked = 0;
  private pipesize = -1;
  /** Round trips in µs: min, max, sum and sum of squares (for avg and mdev), EWMA * 8. */
  private tmin = Infinity;
  private tmax = 0;
  private tsum = 0;
  private tsum2 = 0;
  private rtt = 0;
  /** cur_time: when the last request went out (the statistics' "time" ends there). */
  private curNs = -1;
  /** schedule_exit() ran: the alarm is the linger now. */
  private exitScheduled = false;
  /** Inside step(): a wakeup from within the send path repeats the step instead of nesting. */
  private stepping = false;
  private again = false;
  private readonly floodBuf: Uint8Array;
  private floodLen = 0;

  constructor(
    private readonly ctx: CommandContext,
    private readonly sock: PingSocket,
    private readonly o: PingOptions,
    /** The name given on the command line, when it was one. */
    private readonly name: string | null,
  ) {
    const sched = ctx.kernel.scheduler;
    this.sched = sched;
    this.npackets = o.count;
    this.intervalNs = o.interval * 1e6;
    this.deadline = o.deadline !== undefined;
    this.timing = o.size >= 8;
    this.floodOut = o.flood && !o.quiet;
    this.lines = !o.flood && !o.quiet;
    this.floodBuf = new Uint8Array(this.floodOut ? FLOOD_BUF : 0);
    this.startNs = sched.now;
    this.timer = new Timer<PingJob>(onTimer, this);
    this.alarm = new Timer<PingJob>(onAlarm, this);
    sock.onReadable = () => this.drainReplies();
    sock.onError = () => this.drainErrors();
    if (o.deadline !== undefined) sched.arm(this.alarm, this.startNs + o.deadline * 1e9);
    this.step();
  }

  /** in_flight(): requests sent after the latest one answered. */
  private inFlight(): number {
    const diff = ((this.ntransmitted & 0xffff) - this.acked) & 0xffff;
    return diff <= 0x7fff ? diff : this.ntransmitted - this.nreceived - this.nerrors;
  }

  /** acknowledge(): an answer to `seq`; the pipe is the most requests ever outstanding behind one. */
  private acknowledge(seq: number): void {
    const tx = this.ntransmitted & 0xffff;
    const diff = (tx - seq) & 0xffff;
    if (diff > 0x7fff) return;
    if (diff + 1 > this.pipesize) this.pipesize = diff + 1;
    if ((((seq - this.acked) << 16) >> 16) > 0 || tx - this.acked > 0x7fff) this.acked = seq;
  }

  /** main_loop()'s exit conditions: every request answered (or failed), or an error with -w. */
  private exiting(): boolean {
    return (this.npackets !== 0 && this.nreceived + this.nerrors >= this.npackets) || (this.deadline && this.nerrors !== 0);
  }

  /**
   * One turn of main_loop(): the exit conditions, then the pinger until it has nothing to send
   * now, then the timer for the next request. Re-entered wakeups (an answer delivered while a
   * request is being sent) are folded into this turn.
   */
  private step(): void {
    if (this.stepping) {
      this.again = true;
      return;
    }
    this.stepping = true;
    do {
      this.again = false;
      if (this.done) break;
      if (this.exiting()) {
        this.finish();
        break;
      }
      const wait = this.pinger();
      // A request that failed at once may have ended the run.
      if (this.again || this.exiting()) {
        this.again = true;
        continue;
      }
      if (wait < 0) this.scheduleExit();
      else this.armTimer(wait);
    } while (this.again);
    this.stepping = false;
  }

  /**
   * Arms the timer `wait` ns from now, unless it is already due no later: then it fires early
   * and the pinger computes what is left. A flood answered at once never re-arms it.
   */
  private armTimer(wait: number): void {
    const s = this.sched;
    const when = s.now + wait;
    const t = this.timer;
    if (t.pending && t.when <= when) return;
    s.arm(t, when);
  }

  /**
   * pinger(): sends a request if one is due, and returns how long (ns) until the next one may go:
   * a flood waits for the answer or 10 ms, otherwise requests keep the interval. -1 when the
   * last request is out (the exit is scheduled then).
   */
  private pinger(): number {
    if (this.npackets !== 0 && this.ntransmitted >= this.npackets && !this.deadline) return -1;
    const now = this.sched.now;
    const flood = this.intervalNs === 0;
    if (this.curNs >= 0) {
      const elapsed = now - this.curNs;
      if (flood) {
        if (elapsed < MIN_INTERVAL_NS && this.inFlight() !== 0) return MIN_INTERVAL_NS - elapsed;
      } else if (elapsed < this.intervalNs) return this.intervalNs - elapsed;
    }
    this.curNs = now;
    this.send();
    if (this.npackets !== 0 && this.ntransmitted >= this.npackets && !this.deadline) return -1;
    // What the next pass would answer: the request just sent is in flight.
    return flood ? MIN_INTERVAL_NS : this.intervalNs;
  }

  private send(): void {
    const seq = (this.ntransmitted + 1) & 0xffff;
    this.rcvd[seq] = 0;
    this.ntransmitted++;
    // advance_ntransmitted(): a sequence wrap invalidates acked.
    if ((this.ntransmitted & 0xffff) - this.acked > 0x7fff) this.acked = (this.ntransmitted + 1) & 0xffff;
    try {
      this.sock.sendEcho(null, seq, this.o.size);
    } catch (e) {
      // A hard local error: the request counts as sent, an error is what ping reports.
      this.nerrors++;
      if (this.floodOut) this.floodByte(E);
      else if (this.lines) this.out(`ping: sendmsg: ${e instanceof Error ? e.message.replace(/^.*: /, "") : String(e)}\n`);
      this.sock.sockError();
      return;
    }
    if (this.floodOut) this.floodByte(DOT);
  }

  /**
   * __schedule_exit(): after the last request, wait twice the slowest round trip (at least one
   * interval) when anything came back, else the linger (-W, 10 s by default). Virtual time's
   * round trips are often exactly 0 where Linux's never are; 1 ms stands in for that wait.
   */
  private scheduleExit(): void {
    if (this.exitScheduled) return;
    this.exitScheduled = true;
    let waitUs: number;
    if (this.nreceived !== 0) waitUs = Math.max(2 * this.tmax, this.intervalNs / 1000);
    else waitUs = this.o.linger !== undefined ? Math.floor(this.o.linger * 1e6) : 10e6;
    if (waitUs === 0) waitUs = 1000;
    const s = this.sched;
    s.cancel(this.timer);
    s.arm(this.alarm, s.now + waitUs * 1000);
  }

  /** sk_data_ready: every queued reply, then one pinger pass (in a flood, the next request). */
  private drainReplies(): void {
    const r = this.reply;
    const sock = this.sock;
    try {
      while (!this.done && sock.recvEcho(r)) this.onReply(r);
    } catch {
      // A pending socket error (sk_err) ends the reads as recvmsg's would; the error path reports it.
      this.drainErrors();
      return;
    }
    if (!this.floodAnswered()) this.step();
  }

  /**
   * The flood's common case, without a full pass: everything sent was answered and more is to be
   * sent, so the next request goes now. The 10 ms timer stays as it was (it re-arms when it fires).
   */
  private floodAnswered(): boolean {
    if (this.intervalNs !== 0 || this.stepping || this.exiting() || this.inFlight() !== 0) return false;
    if (this.npackets !== 0 && this.ntransmitted >= this.npackets) return false;
    const errors = this.nerrors;
    this.curNs = this.sched.now;
    this.send();
    if (this.nerrors !== errors) return false;
    if (this.npackets !== 0 && this.ntransmitted >= this.npackets && !this.deadline) this.scheduleExit();
    return true;
  }

  /** gather_statistics() for one echo reply. */
  private onReply(r: EchoReply): void {
    const seq = r.seq;
    this.nreceived++;
    this.acknowledge(seq);
    let us = 0;
    if (this.timing && r.sentAt >= 0) {
      us = Math.floor((r.receivedAt - r.sentAt) / 1000);
      if (us < 0) us = 0;
      this.tsum += us;
      this.tsum2 += us * us;
      if (us < this.tmin) this.tmin = us;
      if (us > this.tmax) this.tmax = us;
      this.rtt = this.rtt === 0 ? us * 8 : this.rtt + us - Math.floor(this.rtt / 8);
    }
    const dup = this.rcvd[seq] === 1;
    if (dup) {
      this.nrepeats++;
      this.nreceived--;
    } else {
      this.rcvd[seq] = 1;
    }
    if (this.floodOut) this.floodByte(BS);
    else if (this.lines) {
      const from = prAddr(r.from, this.o.numeric || this.name === null ? null : this.ctx.hostName(r.from));
      const time = this.timing && r.sentAt >= 0 ? ` time=${tripTime(us)} ms` : "";
      this.out(`${r.len} bytes from ${from}: icmp_seq=${seq} ttl=${r.ttl}${time}${dup ? " (DUP!)" : ""}\n`);
    }
  }

  /** sk_error_report: ICMP errors about our requests (receive_error_msg()). */
  private drainErrors(): void {
    for (let e = this.sock.recvErr(); e !== null && !this.done; e = this.sock.recvErr()) {
      const p = e.payload;
      const seq = p.length >= 8 ? (p[6]! << 8) | p[7]! : 0;
      this.acknowledge(seq);
      this.nerrors++;
      if (this.floodOut) {
        this.floodByte(BS);
        this.floodByte(E);
      } else if (this.lines) {
        const from = prAddr(e.offender, this.o.numeric || this.name === null ? null : this.ctx.hostName(e.offender));
        this.out(`From ${from} icmp_seq=${seq} ${icmpText(e.type, e.code, e.info)}\n`);
      }
    }
    this.sock.sockError();
    this.step();
  }

  /** The timer: flood progress shown while ping waits, then the next pinger pass. */
  tick(): void {
    if (this.floodLen !== 0) this.flushFlood();
    this.step();
  }

  private floodByte(b: number): void {
    this.floodBuf[this.floodLen++] = b;
    if (this.floodLen === FLOOD_BUF) this.flushFlood();
  }

  private flushFlood(): void {
    const n = this.floodLen;
    this.floodLen = 0;
    this.ctx.out(latin1.decode(this.floodBuf.subarray(0, n)));
  }

  private out(text: string): void {
    if (this.floodLen !== 0) this.flushFlood();
    this.ctx.out(text);
  }

  /** finish(): the statistics (ping_print_finish), then the exit status iputils returns. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    const s = this.sched;
    s.cancel(this.timer);
    s.cancel(this.alarm);
    this.sock.onReadable = null;
    this.sock.onError = null;
    this.sock.close();
    if (this.floodLen !== 0) this.flushFlood();
    const tx = this.ntransmitted;
    const rx = this.nreceived;
    // From the start to the last request, as timespecs: ms rounded, µs truncated.
    const spanNs = this.curNs < 0 ? 0 : this.curNs - this.startNs;
    let out = `\n--- ${this.o.target} ping statistics ---\n${tx} packets transmitted, ${rx} received`;
    if (this.nrepeats) out += `, +${this.nrepeats} duplicates`;
    if (this.nerrors) out += `, +${this.nerrors} errors`;
    if (tx > 0) out += `, ${formatG(Math.fround(((tx - rx) * 100) / tx))}% packet loss, time ${Math.floor((spanNs + 500000) / 1e6)}ms`;
    out += "\n";
    let comma = false;
    if (rx > 0 && this.timing) {
      out += `rtt min/avg/max/mdev = ${this.rttSummary()}`;
      comma = true;
    }
    if (this.pipesize > 1) {
      out += `${comma ? ", " : ""}pipe ${this.pipesize}`;
      comma = true;
    }
    if (rx > 0 && (this.intervalNs === 0 || this.o.flood) && tx > 1) {
      const ipg = Math.floor(Math.floor(spanNs / 1000) / (tx - 1));
      out += `${comma ? ", " : ""}ipg/ewma ${ms3(ipg)}/${ms3(Math.floor(this.rtt / 8))} ms`;
      comma = true;
    }
    if (comma) out += "\n";
    this.ctx.out(out);
    this.status = rx === 0 || (this.deadline && rx < this.npackets) ? 1 : 0;
  }

  /** ping_print_statistics(): avg truncated, mdev the integer root of the variance from the sums. */
  private rttSummary(): string {
    const total = this.nreceived + this.nrepeats;
    const tsum = this.tsum;
    const avg = Math.trunc(tsum / total);
    // The same order of operations as iputils, which avoids rounding errors on small times.
    const tmvar = tsum < 0x7fffffff ? Math.trunc((this.tsum2 - (tsum * tsum) / total) / total) : Math.trunc(this.tsum2 / total - avg * avg);
    return `${ms3(this.tmin)}/${ms3(avg)}/${ms3(this.tmax)}/${ms3(isqrt(tmvar))} ms`;
  }

  signal(_sig: JobSignal): void {
    this.finish();
  }
}

function onTimer(j: PingJob): void {
  j.tick();
}

function onAlarm(j: PingJob): void {
  j.finish();
}

/** llsqrt(): the integer square root (floor), 0 for what is not positive. */
function isqrt(a: number): number {
  if (!(a > 0)) return 0;
  let x = Math.floor(Math.sqrt(a));
  while (x * x > a) x--;
  while ((x + 1) * (x + 1) <= a) x++;
  return x;
}

/** printf's %g: six significant digits, no trailing zeros. */
function formatG(x: number): string {
  return String(Number(x.toPrecision(6)));
}
