import type { Shell } from "../shell.js";
import type { Command, Job } from "../types.js";
import { untilJob } from "../job.js";
import type { JobEntry } from "../jobs.js";

/** jobs: the background jobs, bash's layout. */
export function jobsBuiltin(shell: Shell): Command {
  return {
    name: "jobs",
    summary: "list background jobs",
    run(_argv, ctx) {
      for (const e of shell.jobs.list()) ctx.out(shell.jobs.line(e));
      return 0;
    },
  };
}

/** wait [%N...]: runs the clock until the jobs are done; the status is the last one's. */
export function waitBuiltin(shell: Shell): Command {
  return {
    name: "wait",
    summary: "wait for background jobs (the clock runs meanwhile)",
    run(argv, ctx): number | Job {
      const picked: JobEntry[] = [];
      for (const spec of argv.slice(1)) {
        const e = shell.jobs.find(spec);
        if (e === undefined) {
          ctx.err(`vnet: wait: ${spec}: no such job\n`);
          return 127;
        }
        picked.push(e);
      }
      const list = picked.length > 0 ? picked : [...shell.jobs.list()];
      if (list.length === 0) return 0;
      return untilJob(
        () => list.every((e) => e.job.done),
        () => (picked.length > 0 ? picked[picked.length - 1]!.job.status : 0),
      );
    },
  };
}

const SIGNALS: Record<string, "INT" | "TERM"> = { INT: "INT", SIGINT: "INT", "2": "INT", TERM: "TERM", SIGTERM: "TERM", "15": "TERM", KILL: "TERM", SIGKILL: "TERM", "9": "TERM" };

/** kill [-SIG] %N|PID...: signals background jobs (INT and TERM; KILL acts as TERM). */
export function killBuiltin(shell: Shell): Command {
  return {
    name: "kill",
    summary: "send a signal (TERM, INT) to a background job: kill %1",
    run(argv, ctx) {
      let args = argv.slice(1);
      let sig: "INT" | "TERM" = "TERM";
      if (args[0] === "-s" || args[0] === "-n") {
        const s = SIGNALS[(args[1] ?? "").toUpperCase()];
        if (s === undefined) {
          ctx.err(`vnet: kill: ${args[1] ?? ""}: invalid signal specification\n`);
          return 1;
        }
        sig = s;
        args = args.slice(2);
      } else if (args[0]?.startsWith("-") === true) {
        const s = SIGNALS[args[0].slice(1).toUpperCase()];
        if (s === undefined) {
          ctx.err(`vnet: kill: ${args[0].slice(1)}: invalid signal specification\n`);
          return 1;
        }
        sig = s;
        args = args.slice(1);
      }
      if (args.length === 0) {
        ctx.err("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n");
        return 2;
      }
      let status = 0;
      for (const spec of args) {
        const e = shell.jobs.find(spec);
        if (e === undefined || e.job.done) {
          ctx.err(spec.startsWith("%") ? `vnet: kill: ${spec}: no such job\n` : `vnet: kill: (${spec}) - No such process\n`);
          status = 1;
          continue;
        }
        e.signalled = sig;
        e.job.signal(sig);
      }
      return status;
    },
  };
}
