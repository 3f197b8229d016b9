/**
 * `ip link set DEV ...`: parsed whole first (bad input changes nothing), then applied in
 * do_setlink()'s order: namespace, address, mtu, name, alias, flags, master, txqueuelen.
 */
import {
  CAP_NET_ADMIN, capable, devChangeFlags, devChangeName, devChangeNetNamespace, devChangeTxQueueLen, devGetFlags,
  devSetMacAddress, devSetMaster, devSetMtu, IFF_ALLMULTI, IFF_DYNAMIC, IFF_MULTICAST, IFF_NOARP, IFF_PROMISC, IFF_UP, parseMac,
  type Net, type NetDevice,
} from "@vnet/core";
import { fail, findDev, garbage, invarg, nextArg, rtnlFail, type Ip } from "./common.js";
import { parseTxqlen, parseU32 } from "./parse.js";
import { linkKeyword } from "./keywords.js";
import { LINK_USAGE } from "./usage.js";

/** parse_on_off(). */
function onOff(ip: Ip, key: string, v: string): boolean {
  if (v === "on") return true;
  if (v === "off") return false;
  fail(ip, `Error: argument of "${key}" must be "on" or "off", not "${v}"`, 1);
}

const FLAG_KEYS: Record<string, [number, boolean]> = {
  arp: [IFF_NOARP, true],
  multicast: [IFF_MULTICAST, false],
  allmulticast: [IFF_ALLMULTI, false],
  promisc: [IFF_PROMISC, false],
  dynamic: [IFF_DYNAMIC, false],
};

export function ipLinkSet(ip: Ip, argv: readonly string[]): number {
  let name: string | undefined;
  let mask = 0;
  let flags = 0;
  let mtu: number | undefined;
  let address: Uint8Array | undefined;
  let newName: string | undefined;
  let netns: Net | undefined;
  let txqlen: number | undefined;
  let alias: string | undefined;
  let master: NetDevice | null | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const a = linkKeyword(arg) ?? arg;
    if (a === "help") fail(ip, LINK_USAGE, 255);
    if (a === "up" || a === "down") {
      mask |= IFF_UP;
      flags = a === "up" ? flags | IFF_UP : flags & ~IFF_UP;
    } else if (a in FLAG_KEYS) {
      const [bit, inverted] = FLAG_KEYS[a]!;
      const on = onOff(ip, a, nextArg(ip, argv, i++));
      mask |= bit;
      flags = on !== inverted ? flags | bit : flags & ~bit;
    } else if (a === "mtu") {
      const v = nextArg(ip, argv, i++);
      mtu = parseU32(v) ?? invarg(ip, 'Invalid "mtu" value\n', v);
    } else if (a === "address") {
      const v = nextArg(ip, argv, i++);
      address = parseMac(v) ?? fail(ip, `"${v}" is invalid lladdr.`, 1);
    } else if (a === "name") {
      newName = nextArg(ip, argv, i++);
      if (newName.length >= 16 || /[\s/:]/.test(newName)) invarg(ip, '"name" not a valid ifname', newName);
    } else if (a === "netns") {
      const v = nextArg(ip, argv, i++);
      netns = ip.ctx.kernel.netns.get(v) ?? invarg(ip, 'Invalid "netns" value\n', v);
    } else if (a === "txqueuelen" || a === "txqlen" || a === "qlen") {
      const v = nextArg(ip, argv, i++);
      txqlen = parseTxqlen(v) ?? invarg(ip, 'Invalid "txqueuelen" value\n', v);
    } else if (a === "alias") {
      alias = nextArg(ip, argv, i++);
    } else if (a === "master") {
      const v = nextArg(ip, argv, i++);
      master = ip.ctx.net.devices.get(v) ?? invarg(ip, "Device does not exist\n", v);
    } else if (a === "nomaster") {
      master = null;
    } else if (a === "link" || a === "broadcast" || a === "brd" || a === "carrier" || a === "group" || a === "type" || a === "trailers" || a === "index") {
      fail(ip, `ip link set: "${a}" is not supported by vnet`, 255);
    } else {
      const v = a === "dev" ? nextArg(ip, argv, i++) : arg;
      if (name !== undefined) garbage(ip, "dev", v);
      name = v;
    }
  }
  if (name === undefined) fail(ip, 'Not enough information: "dev" argument is required.', 255);
  const dev = findDev(ip, name);
  const changes = mask !== 0 || mtu !== undefined || address !== undefined || newName !== undefined || netns !== undefined || txqlen !== undefined || alias !== undefined || master !== undefined;
  if (!changes) return 0;
  if (!capable(ip.ctx.cred, CAP_NET_ADMIN)) fail(ip, "RTNETLINK answers: Operation not permitted", 2);
  try {
    if (netns !== undefined) devChangeNetNamespace(dev, netns);
    if (address !== undefined) devSetMacAddress(dev, address);
    if (mtu !== undefined) devSetMtu(dev, mtu);
    if (newName !== undefined) devChangeName(dev, newName);
    if (alias !== undefined) dev.ifalias = alias;
    if (mask !== 0) devChangeFlags(dev, (devGetFlags(dev) & ~mask) | (flags & mask));
    if (master !== undefined) devSetMaster(dev, master);
    if (txqlen !== undefined) devChangeTxQueueLen(dev, txqlen);
  } catch (e) {
    rtnlFail(ip, e);
  }
  return 0;
}
