/** `ip address`: show (with the link lines), add, del, flush. */
import type { NetDevice } from "@vnet/core";
import { fail, garbage, matches, nextArg, record, type Ip } from "./common.js";
import { ipJson, type JsonValue } from "./json.js";
import { linkBriefJson, linkJson, linkLines, linkName, operstateName } from "./linkinfo.js";
import {
  addrsOf, inetAddrBrief, inetAddrBriefJson, inetAddrJson, inetAddrLines, inetAddrOneline, ipAddrFlush, ipAddrModify,
} from "./inet-addr.js";

function show(ip: Ip, argv: readonly string[]): number {
  let name: string | undefined;
  let up = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "up") up = true;
    else if (a === "dev") name = nextArg(ip, argv, i++);
    else if (a === "scope" || a === "to" || a === "label") i++;
    else if (name === undefined) name = a;
    else garbage(ip, "dev", a);
  }
  let devs: NetDevice[];
  if (name !== undefined) {
    const dev = ip.net.devices.get(name);
    if (dev === undefined) fail(ip, `Device "${name}" does not exist.`, 1);
    devs = [dev];
  } else devs = ip.net.devList();
  if (up) devs = devs.filter((d) => d.flags & 1);
  // With an address family asked for, devices without such addresses are left out.
  const family = ip.opts.family === "inet" || ip.opts.family === "inet6";
  if (family) devs = devs.filter((d) => addrsOf(ip, d).length > 0);
  if (ip.opts.json) {
    const list: JsonValue[] = devs.map((d) =>
      ip.opts.brief ? { ...linkBriefJson(d, false), addr_info: inetAddrBriefJson(ip, d) } : { ...linkJson(ip, d, false), addr_info: inetAddrJson(ip, d) },
    );
    ip.ctx.out(ipJson(list, ip.opts.pretty));
    return 0;
  }
  let out = "";
  for (const d of devs) {
    if (ip.opts.brief) out += `${linkName(d).padEnd(16)} ${operstateName(d).padEnd(14)} ${inetAddrBrief(ip, d)}\n`;
    else if (ip.opts.oneline) out += inetAddrOneline(ip, d);
    else if (family) out += record(ip, [linkLines(ip, d, false)[0]!, ...inetAddrLines(ip, d)]);
    else out += record(ip, [...linkLines(ip, d, false), ...inetAddrLines(ip, d)]);
  }
  ip.ctx.out(out);
  return 0;
}

export function ipAddr(ip: Ip, argv: readonly string[]): number {
  const cmd = argv[0];
  const rest = argv.slice(1);
  if (cmd === undefined) return show(ip, []);
  if (matches(cmd, "show") || matches(cmd, "lst") || matches(cmd, "list")) return show(ip, rest);
  if (matches(cmd, "add")) return ipAddrModify(ip, rest, "add");
  if (matches(cmd, "change")) return ipAddrModify(ip, rest, "change");
  if (matches(cmd, "replace")) return ipAddrModify(ip, rest, "replace");
  if (matches(cmd, "delete")) return ipAddrModify(ip, rest, "del");
  if (matches(cmd, "flush")) return ipAddrFlush(ip, rest);
  if (matches(cmd, "help")) {
    fail(ip, "Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ] [ CONFFLAG-LIST ]\n       ip address del IFADDR dev IFNAME\n       ip address flush dev IFNAME\n       ip address [ show [ dev IFNAME ] [ up ] ]\nIFADDR := PREFIX [ broadcast ADDR ] [ label IFNAME ] [ scope SCOPE-ID ]\n", 255);
  }
  fail(ip, `Command "${cmd}" is unknown, try "ip address help".`, 255);
}
