/** The shell's job table: `CMD &`, `jobs`, `wait`, `kill %N`, and bash's notices. */
import type { Job } from "./types.js";

/** One background job, as `jobs` lists it. */
export interface JobEntry {
  readonly id: number;
  readonly pid: number;
  readonly text: string;
  readonly job: Job;
  /** How it ended, once reported: "Terminated" after SIGTERM, and so on. */
  signalled: "INT" | "TERM" | null;
}

/** bash's word for how a job is or ended. */
export function jobState(e: JobEntry): string {
  if (!e.job.done) return "Running";
  if (e.signalled === "TERM" && e.job.status !== 0) return "Terminated";
  if (e.signalled === "INT" && e.job.status !== 0) return "Interrupt";
  return e.job.status === 0 ? "Done" : `Exit ${e.job.status}`;
}

/** The jobs started with `&`, numbered as bash numbers them. */
export class JobTable {
  private readonly entries: JobEntry[] = [];
  private nextPid = 4242;
  private readonly print: (text: string) => void;

  constructor(print: (text: string) => void) {
    this.print = print;
  }

  /** Adds a background job; returns its number (%N). */
  add(job: Job, text: string): number {
    let id = 1;
    for (const e of this.entries) if (e.id >= id) id = e.id + 1;
    this.entries.push({ id, pid: this.nextPid++, text, job, signalled: null });
    return id;
  }

  get(id: number): JobEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  pid(id: number): number {
    return this.get(id)?.pid ?? 0;
  }

  /** Jobs, oldest first. */
  list(): readonly JobEntry[] {
    return this.entries;
  }

  running(): JobEntry[] {
    return this.entries.filter((e) => !e.job.done);
  }

  /** The current job (`+`): the newest; the previous one (`-`) before it. */
  mark(e: JobEntry): string {
    const n = this.entries.length;
    if (this.entries[n - 1] === e) return "+";
    if (this.entries[n - 2] === e) return "-";
    return " ";
  }

  /** One line of `jobs`: `[1]+  Running                 tcpdump -i lo &`. */
  line(e: JobEntry): string {
    const state = jobState(e);
    return `[${e.id}]${this.mark(e)}  ${state.padEnd(24)}${e.text}${e.job.done ? "" : " &"}\n`;
  }

  /** Reports finished jobs (when interactive) and forgets them, as bash does before a prompt. */
  notify(interactive: boolean): void {
    const done = this.entries.filter((e) => e.job.done);
    for (const e of done) if (interactive) this.print(this.line(e));
    for (const e of done) this.entries.splice(this.entries.indexOf(e), 1);
  }

  /** Parses a job spec (`%1`, `%+`, `%%`, `%-`); undefined when there is no such job. */
  find(spec: string): JobEntry | undefined {
    const n = this.entries.length;
    if (spec === "%%" || spec === "%+" || spec === "%") return this.entries[n - 1];
    if (spec === "%-") return this.entries[n - 2];
    const m = /^%(\d+)$/.exec(spec);
    if (m !== null) return this.get(Number(m[1]));
    const pid = /^\d+$/.test(spec) ? Number(spec) : NaN;
    return this.entries.find((e) => e.pid === pid);
  }
}
