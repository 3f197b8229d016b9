import { capable, CAP_SYS_ADMIN } from "@vnet/core";
import { credFor, type Shell } from "../shell.js";
import type { Command } from "../types.js";

const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * su [USER] [-c CMD]: become USER (anyone but root has no capabilities, so privileged calls fail
 * with EPERM). Without -c it nests, as su starts a shell; `exit` comes back.
 */
export function suBuiltin(shell: Shell): Command {
  return {
    name: "su",
    summary: "become another user (su alice; exit returns); su USER -c CMD",
    run(argv, ctx) {
      const args = argv.slice(1).filter((a) => a !== "-" && a !== "-l" && a !== "--login");
      let cmd: string | undefined;
      const c = args.indexOf("-c");
      if (c >= 0) {
        cmd = args[c + 1];
        args.splice(c, 2);
        if (cmd === undefined) {
          ctx.err("su: option requires an argument -- 'c'\n");
          return 1;
        }
      }
      const user = args[0] ?? "root";
      if (!USER_RE.test(user)) {
        ctx.err(`su: user ${user} does not exist or the user entry does not contain all the required fields\n`);
        return 1;
      }
      // Only root may become someone else without a password.
      if (ctx.cred.uid !== 0 && user !== ctx.user) {
        ctx.err("su: Authentication failure\n");
        return 1;
      }
      if (cmd === undefined) {
        shell.push(ctx.net, user);
        return 0;
      }
      return ctx.exec(["sh", "-c", cmd], ctx.net, credFor(user), user);
    },
  };
}

/** sudo CMD...: runs one command as root. */
export function sudoBuiltin(): Command {
  return {
    name: "sudo",
    summary: "run one command as root",
    run(argv, ctx) {
      if (argv.length < 2) {
        ctx.err("usage: sudo command\n");
        return 1;
      }
      return ctx.exec(argv.slice(1), ctx.net, credFor("root"), "root");
    },
  };
}

/** exit [N]: leaves a nested shell (su, ip netns exec NS sh), or the shell itself. */
export function exitBuiltin(shell: Shell): Command {
  return {
    name: "exit",
    summary: "leave su / a namespace shell, or the shell",
    run(argv, ctx) {
      const arg = argv[1];
      const n = arg === undefined ? shell.status : Number(arg);
      if (!Number.isInteger(n)) {
        ctx.err(`vnet: exit: ${arg}: numeric argument required\n`);
        if (!shell.pop()) shell.exited = 2;
        return 2;
      }
      if (!shell.pop()) shell.exited = n & 0xff;
      return n & 0xff;
    },
  };
}

/** whoami / id. */
export function whoamiBuiltin(): Command {
  return {
    name: "whoami",
    summary: "print the current user",
    run(_argv, ctx) {
      ctx.out(ctx.user + "\n");
      return 0;
    },
  };
}

export function idBuiltin(): Command {
  return {
    name: "id",
    summary: "print the current user and group ids",
    run(_argv, ctx) {
      const u = ctx.cred.uid;
      ctx.out(`uid=${u}(${ctx.user}) gid=${u}(${ctx.user}) groups=${u}(${ctx.user})\n`);
      return 0;
    },
  };
}

/** hostname [NAME]: prints or (root) sets the kernel's host name. */
export function hostnameBuiltin(): Command {
  return {
    name: "hostname",
    summary: "print or set the host name",
    run(argv, ctx) {
      const name = argv[1];
      if (name === undefined) {
        ctx.out(ctx.kernel.hostname + "\n");
        return 0;
      }
      if (!capable(ctx.cred, CAP_SYS_ADMIN)) {
        ctx.err("hostname: you must be root to change the host name\n");
        return 1;
      }
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(name)) {
        ctx.err("hostname: the specified hostname is invalid\n");
        return 1;
      }
      ctx.kernel.hostname = name;
      return 0;
    },
  };
}
