/** ping (iputils): ICMP echo through the core's ping sockets, as a job on the kernel's clock. */
import {
  CAP_NET_RAW, capable, IP_TTL, ipv4ToString, KernelError, parseIpv4, pingSocket, SO_BINDTODEVICE, SOL_IP, SOL_SOCKET, strerror,
  type PingSocket,
} from "@vnet/core";
import type { Command, CommandContext, CommandResult } from "../../shell/types.js";
import { PingJob } from "./ping-job.js";
import { parsePing, PingUsage, type PingOptions } from "./ping-options.js";

/** The smallest interval an unprivileged user may ask for (iputils' MIN_USER_INTERVAL_MS). */
const MIN_USER_INTERVAL_MS = 2;

function setup(ctx: CommandContext, o: PingOptions, dst: number): PingSocket {
  const sock = pingSocket(ctx.net, ctx.cred);
  try {
    if (o.ttl !== undefined) sock.setsockopt(SOL_IP, IP_TTL, o.ttl);
    if (o.iface !== undefined) {
      const addr = parseIpv4(o.iface);
      if (addr !== null) sock.bind(addr);
      else {
        if (!capable(ctx.cred, CAP_NET_RAW)) throw new KernelError(1, `SO_BINDTODEVICE ${o.iface}`);
        try {
          sock.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, o.iface);
        } catch (e) {
          throw e instanceof KernelError ? new KernelError(e.errno, `SO_BINDTODEVICE ${o.iface}`) : e;
        }
      }
    }
    try {
      sock.connect(dst);
    } catch (e) {
      throw e instanceof KernelError ? new KernelError(e.errno, "connect") : e;
    }
    return sock;
  } catch (e) {
    sock.close();
    throw e;
  }
}

function run(argv: readonly string[], ctx: CommandContext): CommandResult {
  let o: PingOptions;
  const warnings: string[] = [];
  try {
    o = parsePing(argv, warnings);
    if (ctx.cred.uid !== 0 && (o.flood || o.interval < MIN_USER_INTERVAL_MS)) {
      throw new PingUsage(`cannot flood, minimal interval for user must be >= ${MIN_USER_INTERVAL_MS} ms, use -i 0.002 (or higher)`);
    }
  } catch (e) {
    if (!(e instanceof PingUsage)) throw e;
    ctx.err(`ping: ${e.message}\n`);
    return 2;
  }
  for (const w of warnings) ctx.err(`ping: ${w}\n`);
  const dst = ctx.resolveHost(o.target);
  if (dst === null) {
    ctx.err(`ping: ${o.target}: Name or service not known\n`);
    return 2;
  }
  let sock: PingSocket;
  try {
    sock = setup(ctx, o, dst);
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    ctx.err(`ping: ${e.context === undefined ? "socket" : e.context}: ${strerror(e.errno)}\n`);
    return 2;
  }
  const isName = parseIpv4(o.target) === null;
  const from = o.iface !== undefined && parseIpv4(o.iface) === null ? ` from ${ipv4ToString(sock.saddr)} ${o.iface}:` : "";
  ctx.out(`PING ${o.target} (${ipv4ToString(dst)})${from} ${o.size}(${o.size + 28}) bytes of data.\n`);
  return new PingJob(ctx, sock, o, isName ? o.target : null);
}

export const ping: Command = { name: "ping", summary: "send ICMP echo requests (-c -i -s -t -W -w -I -q -f)", run };
