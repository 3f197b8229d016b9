/** `ip netns`: list, add, delete, exec. Namespaces are the kernel's named `Net`s. */
import { CAP_SYS_ADMIN, capable, type Net } from "@vnet/core";
import type { CommandResult } from "../../shell/types.js";
import { fail, matches, peernetId, type Ip } from "./common.js";
import { ipJson, type JsonValue } from "./json.js";

const USAGE = `Usage:	ip netns list
	ip netns add NAME
	ip netns delete NAME
	ip [-all] netns exec [NAME] cmd ...
	ip netns help
`;

/** Namespaces newest first, as /run/netns lists them. */
function named(ip: Ip): Net[] {
  return [...ip.ctx.kernel.netns.values()].reverse();
}

function list(ip: Ip): number {
  const rows = named(ip).map((n) => [n.name, peernetId(ip.net, n, false)] as const);
  if (ip.opts.json) {
    const out: JsonValue[] = rows.map(([name, id]) => (id === null ? { name } : { name, id }));
    ip.ctx.out(ipJson(out, ip.opts.pretty));
    return 0;
  }
  ip.ctx.out(rows.map(([name, id]) => (id === null ? `${name}\n` : `${name} (id: ${id})\n`)).join(""));
  return 0;
}

function add(ip: Ip, name: string | undefined): number {
  if (name === undefined) fail(ip, "No netns name specified", 255);
  if (name === "" || name.length > 255 || name.includes("/") || name === "." || name === "..") fail(ip, `Invalid netns name "${name}"`, 255);
  if (!capable(ip.ctx.cred, CAP_SYS_ADMIN)) fail(ip, "mount --make-shared /run/netns failed: Operation not permitted", 1);
  if (ip.ctx.kernel.netns.has(name)) fail(ip, `Cannot create namespace file "/run/netns/${name}": File exists`, 1);
  ip.ctx.kernel.createNet(name);
  return 0;
}

function del(ip: Ip, name: string | undefined, all: boolean): number {
  const k = ip.ctx.kernel;
  if (all) {
    if (!capable(ip.ctx.cred, CAP_SYS_ADMIN)) fail(ip, "Cannot remove namespace files: Permission denied", 1);
    for (const n of named(ip)) k.destroyNet(n);
    return 0;
  }
  if (name === undefined) fail(ip, "No netns name specified", 255);
  const net = k.netns.get(name);
  if (!capable(ip.ctx.cred, CAP_SYS_ADMIN)) fail(ip, `Cannot remove namespace file "/run/netns/${name}": Permission denied`, 1);
  if (net === undefined) fail(ip, `Cannot remove namespace file "/run/netns/${name}": No such file or directory`, 1);
  k.destroyNet(net);
  return 0;
}

/** The namespace `name` for `ip -n NAME` and `ip netns exec NAME`: setns() needs CAP_SYS_ADMIN. */
export function enterNetns(ip: Ip, name: string): Net {
  const net = ip.ctx.kernel.netns.get(name);
  if (net === undefined) fail(ip, `Cannot open network namespace "${name}": No such file or directory`, 255);
  if (!capable(ip.ctx.cred, CAP_SYS_ADMIN)) fail(ip, `setting the network namespace "${name}" failed: Operation not permitted`, 255);
  return net;
}

function exec(ip: Ip, argv: readonly string[]): CommandResult {
  const name = argv[0];
  if (name === undefined) fail(ip, "No netns name specified", 255);
  const net = enterNetns(ip, name);
  const cmd = argv.slice(1);
  if (cmd.length === 0) fail(ip, "No command specified", 255);
  if (!ip.ctx.canExec(cmd[0]!)) fail(ip, `exec of "${cmd[0]}" failed: No such file or directory`, 1);
  return ip.ctx.exec(cmd, net);
}

export function ipNetns(ip: Ip, argv: readonly string[], all: boolean): CommandResult {
  const cmd = argv[0];
  if (cmd === undefined || matches(cmd, "list") || cmd === "show") return list(ip);
  if (matches(cmd, "add")) return add(ip, argv[1]);
  if (matches(cmd, "delete")) return del(ip, argv[1], all);
  if (matches(cmd, "exec")) return exec(ip, argv.slice(1));
  if (matches(cmd, "help")) fail(ip, USAGE, 255);
  fail(ip, `Command "${cmd}" is unknown, try "ip netns help".`, 255);
}
