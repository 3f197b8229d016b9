/** `ip link`: show, add, delete, set, help. */
import { rtnlDellink, type NetDevice } from "@vnet/core";
import { fail, findDev, garbage, matches, nextArg, record, rtnlFail, type Ip } from "./common.js";
import { ipJson, type JsonValue } from "./json.js";
import { linkBrief, linkBriefJson, linkJson, linkLines } from "./linkinfo.js";
import { ipLinkAdd } from "./link-add.js";
import { ipLinkSet } from "./link-set.js";
import { LINK_USAGE } from "./usage.js";


/** `ip link show [dev] NAME [up] [type KIND]`. */
export function ipLinkShow(ip: Ip, argv: readonly string[], doLink = true): number {
  let name: string | undefined;
  let up = false;
  let kind: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "up") up = true;
    else if (a === "type") kind = nextArg(ip, argv, i++);
    else if (a.length > 0 && "help".startsWith(a)) fail(ip, LINK_USAGE, 255);
    else if (a === "dev") {
      const v = nextArg(ip, argv, i++);
      if (name !== undefined) garbage(ip, "dev", v);
      name = v;
    } else if (name === undefined) name = a;
    else garbage(ip, "dev", a);
  }
  let devs: NetDevice[];
  if (name !== undefined) {
    const dev = ip.net.devices.get(name);
    if (dev === undefined) fail(ip, `Device "${name}" does not exist.`, 1);
    devs = [dev];
  } else devs = ip.net.devList();
  if (up) devs = devs.filter((d) => d.flags & 1);
  if (kind !== undefined) devs = devs.filter((d) => d.linkKind !== null && (d.linkKind.kind === kind || d.linkKind.aliases?.includes(kind) === true));
  if (ip.opts.json) {
    const list: JsonValue[] = devs.map((d) => (ip.opts.brief ? linkBriefJson(d, true) : linkJson(ip, d, doLink)));
    ip.ctx.out(ipJson(list, ip.opts.pretty));
    return 0;
  }
  let out = "";
  for (const d of devs) out += ip.opts.brief ? linkBrief(d) : record(ip, linkLines(ip, d, doLink));
  ip.ctx.out(out);
  return 0;
}

/** `ip link delete { DEV | dev DEV }`. */
function ipLinkDel(ip: Ip, argv: readonly string[]): number {
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "type") {
      i++;
      continue;
    }
    const v = a === "dev" ? nextArg(ip, argv, i++) : a;
    if (name !== undefined) garbage(ip, "dev", v);
    name = v;
  }
  if (name === undefined) fail(ip, 'Not enough information: "dev" argument is required.', 255);
  const dev = findDev(ip, name);
  try {
    rtnlDellink(dev, ip.ctx.cred);
  } catch (e) {
    rtnlFail(ip, e);
  }
  return 0;
}

export function ipLink(ip: Ip, argv: readonly string[]): number {
  const cmd = argv[0];
  const rest = argv.slice(1);
  if (cmd === undefined) return ipLinkShow(ip, []);
  // iproute2's order, so that `ip l s` is set, not show.
  if (matches(cmd, "add")) return ipLinkAdd(ip, rest);
  if (matches(cmd, "set") || matches(cmd, "change")) return ipLinkSet(ip, rest);
  if (matches(cmd, "delete")) return ipLinkDel(ip, rest);
  if (matches(cmd, "show") || matches(cmd, "lst") || matches(cmd, "list")) return ipLinkShow(ip, rest);
  if (matches(cmd, "help")) {
    const kind = rest[0] !== undefined ? ip.ctx.kernel.linkKinds.get(rest[0]) : undefined;
    fail(ip, kind?.usage !== undefined ? kind.usage + "\n" : LINK_USAGE, 255);
  }
  fail(ip, `Command "${cmd}" is unknown, try "ip link help".`, 255);
}
