/** IPv4 addresses for `ip address`: listing (text, -br, -j) and add/del/flush through the core's rtnetlink API. */
import {
  IFA_F_NOPREFIXROUTE, ipAddrAdd, ipAddrDel, ipAddrDump, ipAddrFlush as coreAddrFlush, ipv4ToString, KernelError, EADDRNOTAVAIL, EEXIST,
  type IpAddrArgs, type IpAddrInfo, type NetDevice,
} from "@vnet/core";
import { fail, findDev, nextArg, rtnlFail, type Ip } from "./common.js";
import type { JsonValue } from "./json.js";
import { parseAddr, parsePrefix, parseScope, scopeName } from "./prefix.js";
import { parseU32 } from "./parse.js";

/** The device's IPv4 addresses, unless -6/-0 asks for another family. */
export function addrsOf(ip: Ip, dev: NetDevice): IpAddrInfo[] {
  if (ip.opts.family !== "" && ip.opts.family !== "inet") return [];
  return ipAddrDump(ip.net, { dev: dev.name });
}

/** One address line and its lifetime line (print_addrinfo). */
function addrText(a: IpAddrInfo): string[] {
  let s = "    inet ";
  s += a.address !== a.local ? `${ipv4ToString(a.local)} peer ${ipv4ToString(a.address)}/${a.prefixLen} ` : `${ipv4ToString(a.local)}/${a.prefixLen} `;
  if (a.metric !== 0) s += `metric ${a.metric} `;
  if (a.broadcast !== 0) s += `brd ${ipv4ToString(a.broadcast)} `;
  s += `scope ${scopeName(a.scope)} `;
  if (a.secondary) s += "secondary ";
  if (a.flags & IFA_F_NOPREFIXROUTE) s += "noprefixroute ";
  s += a.label;
  return [s, "       valid_lft forever preferred_lft forever"];
}

export function inetAddrLines(ip: Ip, dev: NetDevice): string[] {
  return addrsOf(ip, dev).flatMap(addrText);
}

/** The `-o` form: `IFINDEX: NAME    inet ...\       valid_lft ...`. */
export function inetAddrOneline(ip: Ip, dev: NetDevice): string {
  return addrsOf(ip, dev).map((a) => `${dev.ifindex}: ${dev.name.padEnd(5)} ${addrText(a).join("\\").slice(4)}\n`).join("");
}

export function inetAddrJson(ip: Ip, dev: NetDevice): JsonValue[] {
  return addrsOf(ip, dev).map((a) => {
    const o: Record<string, JsonValue> = { family: "inet", local: ipv4ToString(a.local) };
    if (a.address !== a.local) o["address"] = ipv4ToString(a.address);
    o["prefixlen"] = a.prefixLen;
    if (a.metric !== 0) o["metric"] = a.metric;
    if (a.broadcast !== 0) o["broadcast"] = ipv4ToString(a.broadcast);
    o["scope"] = scopeName(a.scope);
    if (a.secondary) o["secondary"] = true;
    if (a.flags & IFA_F_NOPREFIXROUTE) o["noprefixroute"] = true;
    o["label"] = a.label;
    o["valid_life_time"] = 4294967295;
    o["preferred_life_time"] = 4294967295;
    return o;
  });
}

export function inetAddrBriefJson(ip: Ip, dev: NetDevice): JsonValue[] {
  return addrsOf(ip, dev).map((a) => {
    const o: Record<string, JsonValue> = { local: ipv4ToString(a.local) };
    if (a.address !== a.local) o["address"] = ipv4ToString(a.address);
    o["prefixlen"] = a.prefixLen;
    if (a.metric !== 0) o["metric"] = a.metric;
    return o;
  });
}

export function inetAddrBrief(ip: Ip, dev: NetDevice): string {
  return addrsOf(ip, dev)
    .map((a) => {
      const addr = a.address !== a.local ? `${ipv4ToString(a.local)} peer ${ipv4ToString(a.address)}/${a.prefixLen} ` : `${ipv4ToString(a.local)}/${a.prefixLen} `;
      return addr + (a.metric !== 0 ? `metric ${a.metric} ` : "");
    })
    .join("");
}

/** `ip addr add|change|replace|del PREFIX [peer P] [broadcast B|+|-] [label L] [scope S] [metric M] [noprefixroute] dev DEV`. */
export function ipAddrModify(ip: Ip, argv: readonly string[], how: "add" | "change" | "replace" | "del"): number {
  let dev: string | undefined;
  let local: ReturnType<typeof parsePrefix> | undefined;
  let peer: ReturnType<typeof parsePrefix> | undefined;
  let broadcast: number | "+" | undefined;
  let label: string | undefined;
  let scope: number | undefined;
  let metric: number | undefined;
  let noprefixroute = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "peer" || a === "remote") peer = parsePrefix(ip, nextArg(ip, argv, i++), false);
    else if (a === "broadcast" || a === "brd") {
      const v = nextArg(ip, argv, i++);
      broadcast = v === "+" ? "+" : v === "-" ? undefined : parseAddr(ip, v);
    } else if (a === "label") label = nextArg(ip, argv, i++);
    else if (a === "scope") scope = parseScope(ip, nextArg(ip, argv, i++));
    else if (a === "metric" || a === "priority" || a === "preference") {
      const v = nextArg(ip, argv, i++);
      metric = parseU32(v) ?? fail(ip, `Error: argument "${v}" is wrong: metric value is invalid\n`, 255);
    } else if (a === "dev") dev = nextArg(ip, argv, i++);
    else if (a === "noprefixroute") noprefixroute = true;
    else if (a === "valid_lft" || a === "preferred_lft") i++;
    else {
      const v = a === "local" ? nextArg(ip, argv, i++) : a;
      if (local !== undefined) fail(ip, `Error: either "local" is duplicate, or "${v}" is a garbage.`, 255);
      local = parsePrefix(ip, v, false);
    }
  }
  if (dev === undefined) fail(ip, 'Not enough information: "dev" argument is required.', 1);
  findDev(ip, dev);
  const cred = ip.ctx.cred;
  try {
    if (how === "del") {
      if (local !== undefined && !local.explicit && peer === undefined) {
        ip.ctx.err(
          `Warning: Executing wildcard deletion to stay compatible with old scripts.\n         Explicitly specify the prefix length (${ipv4ToString(local.addr)}/32) to avoid this warning.\n         This special behaviour is likely to disappear in further releases,\n         fix your scripts!\n`,
        );
      }
      ipAddrDel(ip.net, cred, {
        dev,
        ...(local !== undefined ? { local: local.addr } : {}),
        ...(local?.explicit === true ? { prefixLen: local.len } : {}),
        ...(peer !== undefined ? { peer: peer.addr } : {}),
        ...(label !== undefined ? { label } : {}),
      });
      return 0;
    }
    if (local === undefined) fail(ip, "Not enough information: \"local\" argument is required.", 1);
    const args: IpAddrArgs = {
      dev,
      local: local.addr,
      prefixLen: peer !== undefined ? peer.len : local.len,
      ...(peer !== undefined ? { peer: peer.addr } : {}),
      ...(broadcast !== undefined ? { broadcast } : {}),
      ...(label !== undefined ? { label } : {}),
      ...(scope !== undefined ? { scope } : {}),
      ...(metric !== undefined ? { metric } : {}),
      noprefixroute,
    };
    ipAddrAdd(ip.net, cred, args, how !== "add");
  } catch (e) {
    // Modern kernels answer these with extended acks.
    if (e instanceof KernelError && e.errno === EEXIST && how === "add") fail(ip, "Error: ipv4: Address already assigned.", 2);
    if (e instanceof KernelError && e.errno === EADDRNOTAVAIL && how === "del") fail(ip, "Error: ipv4: Address not found.", 2);
    rtnlFail(ip, e);
  }
  return 0;
}

/** `ip addr flush [dev DEV] [scope S] [label L]`. */
export function ipAddrFlush(ip: Ip, argv: readonly string[]): number {
  let dev: string | undefined;
  let scope: number | undefined;
  let label: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "scope") scope = parseScope(ip, nextArg(ip, argv, i++));
    else if (a === "label") label = nextArg(ip, argv, i++);
    else dev = a === "dev" ? nextArg(ip, argv, i++) : a;
  }
  if (dev === undefined && scope === undefined && label === undefined) fail(ip, "Flush requires arguments.", 1);
  if (dev !== undefined) findDev(ip, dev);
  try {
    coreAddrFlush(ip.net, ip.ctx.cred, { dev, scope, label });
  } catch (e) {
    rtnlFail(ip, e);
  }
  return 0;
}
