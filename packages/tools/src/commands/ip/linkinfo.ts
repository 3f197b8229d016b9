/**
 * One device as `ip link` and `ip addr` print it (iproute2's print_linkinfo): the text lines and
 * the JSON object, from the same fields in the same order.
 */
import {
  arphrdName, devGetByIndex, devGetFlags, devGetStats, devOperstate, IF_OPER_NAMES, IFF_NAMES, IFF_POINTOPOINT, IFF_RUNNING,
  IFF_UP, macToString, NetDeviceStats, type Kernel, type NetDevice,
} from "@vnet/core";
import type { Ip } from "./common.js";
import { peernetId } from "./common.js";
import type { JsonValue } from "./json.js";
import { statsJson, statsLines } from "./stats.js";

/** The device this one sits on (its peer for veth/etun), as ip names it. */
interface LinkRef {
  /** "@name" / "@ifN" / "@NONE" for the text. */
  text: string;
  json: Record<string, JsonValue>;
  /** The peer is down (M-DOWN). */
  mdown: boolean;
  /** Set when the peer is in another namespace: its nsid there and the namespace name. */
  netnsid: number | null;
  netnsName: string;
}

function linkRef(dev: NetDevice): LinkRef | null {
  const iflink = dev.ops.getIflink?.(dev) ?? dev.ifindex;
  if (iflink === dev.ifindex) return null;
  if (iflink === 0) return { text: "@NONE", json: { link: null }, mdown: false, netnsid: null, netnsName: "" };
  const peer = dev.ops.getPeerDev?.(dev) ?? null;
  if (peer !== null && peer.net !== dev.net) {
    return { text: `@if${iflink}`, json: { link_index: iflink }, mdown: false, netnsid: peernetId(dev.net, peer.net), netnsName: peer.net.name };
  }
  const other = peer ?? devGetByIndex(dev.net, iflink);
  const name = other?.name ?? `if${iflink}`;
  return { text: `@${name}`, json: { link: name }, mdown: other !== null && (devGetFlags(other) & IFF_UP) === 0, netnsid: null, netnsName: "" };
}

/** print_link_flags(): the names in iproute2's order, NO-CARRIER first, M-DOWN last. */
export function linkFlags(dev: NetDevice, mdown: boolean): string[] {
  let flags = devGetFlags(dev);
  const out: string[] = [];
  if (flags & IFF_UP && !(flags & IFF_RUNNING)) out.push("NO-CARRIER");
  flags &= ~IFF_RUNNING;
  for (const [bit, name] of IFF_NAMES) {
    if (flags & bit) {
      flags &= ~bit;
      out.push(name);
    }
  }
  if (flags) out.push(flags.toString(16));
  if (mdown) out.push("M-DOWN");
  return out;
}

/** The qdisc a device got when it last came up (the kernel keeps dev->qdisc attached after down). */
const attached = new WeakMap<NetDevice, string>();
const watched = new WeakSet<Kernel>();

function activeQdisc(dev: NetDevice): string {
  return dev.qdisc === null ? "noqueue" : "pfifo_fast";
}

/** Remembers, from now on, the qdisc each device of `kernel` gets at dev_open. */
export function watchQdiscs(kernel: Kernel): void {
  if (watched.has(kernel)) return;
  watched.add(kernel);
  kernel.events.on("up", (dev) => attached.set(dev, activeQdisc(dev)));
}

/** The qdisc ip reports: noop until the first up, then the one attached (noqueue or a pfifo). */
export function qdiscName(dev: NetDevice): string {
  if (dev.flags & IFF_UP) return activeQdisc(dev);
  return attached.get(dev) ?? "noop";
}

export function operstateName(dev: NetDevice): string {
  return IF_OPER_NAMES[devOperstate(dev)] ?? "UNKNOWN";
}

function hwaddr(dev: NetDevice, a: Uint8Array): string {
  return macToString(a.subarray(0, dev.addrLen));
}

/** Primitive IFLA_INFO_DATA values (objects like a resolved namespace are not attributes). */
function infoData(dev: NetDevice): Record<string, JsonValue> | null {
  const data = dev.linkKind?.fillInfo?.(dev);
  if (data === undefined) return null;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
  return out;
}

/** The JSON object of one device; `doLink` adds linkmode and stats as `ip link` does. */
export function linkJson(ip: Ip, dev: NetDevice, doLink: boolean): Record<string, JsonValue> {
  const ref = linkRef(dev);
  const o: Record<string, JsonValue> = { ifindex: dev.ifindex, ...(ref?.json ?? {}), ifname: dev.name };
  o["flags"] = linkFlags(dev, ref?.mdown ?? false);
  o["mtu"] = dev.mtu;
  o["qdisc"] = qdiscName(dev);
  if (dev.master !== null) o["master"] = dev.master.name;
  o["operstate"] = operstateName(dev);
  if (doLink) o["linkmode"] = "DEFAULT";
  o["group"] = dev.group === 0 ? "default" : String(dev.group);
  if (dev.txQueueLen !== 0) o["txqlen"] = dev.txQueueLen | 0;
  o["link_type"] = arphrdName(dev.type);
  if (dev.addrLen > 0) {
    o["address"] = hwaddr(dev, dev.devAddr);
    o["broadcast"] = hwaddr(dev, dev.broadcast);
  }
  if (ref?.netnsid !== null && ref?.netnsid !== undefined) o["link_netnsid"] = ref.netnsid;
  if (ip.opts.details) {
    o["promiscuity"] = dev.promiscuity;
    o["allmulti"] = dev.allmulti;
    o["min_mtu"] = dev.minMtu;
    o["max_mtu"] = dev.maxMtu;
    if (dev.linkKind !== null) {
      const data = infoData(dev);
      o["linkinfo"] = data === null || Object.keys(data).length === 0 ? { info_kind: dev.linkKind.kind } : { info_kind: dev.linkKind.kind, info_data: data };
    }
    o["num_tx_queues"] = 1;
    o["num_rx_queues"] = 1;
  }
  if (dev.ifalias !== "") o["ifalias"] = dev.ifalias;
  if (doLink && ip.opts.stats > 0) o["stats64"] = statsJson(devGetStats(dev, new NetDeviceStats()), ip.opts.stats);
  return o;
}

/** The text lines of one device (without addresses); `doLink` as for linkJson. */
export function linkLines(ip: Ip, dev: NetDevice, doLink: boolean): string[] {
  const ref = linkRef(dev);
  let first = `${dev.ifindex}: ${dev.name}${ref?.text ?? ""}: <${linkFlags(dev, ref?.mdown ?? false).join(",")}> `;
  first += `mtu ${dev.mtu} qdisc ${qdiscName(dev)} `;
  if (dev.master !== null) first += `master ${dev.master.name} `;
  first += `state ${operstateName(dev)} `;
  if (doLink) first += "mode DEFAULT ";
  first += `group ${dev.group === 0 ? "default" : dev.group} `;
  if (dev.txQueueLen !== 0) first += `qlen ${dev.txQueueLen | 0}`;
  let second = `    link/${arphrdName(dev.type)} `;
  if (dev.addrLen > 0) {
    second += hwaddr(dev, dev.devAddr);
    second += (devGetFlags(dev) & IFF_POINTOPOINT ? " peer " : " brd ") + hwaddr(dev, dev.broadcast);
  }
  if (ref !== null && ref.netnsid !== null) second += ref.netnsName !== "" ? ` link-netns ${ref.netnsName}` : ` link-netnsid ${ref.netnsid}`;
  const lines = [first, second];
  if (ip.opts.details) {
    lines[1] += ` promiscuity ${dev.promiscuity}  allmulti ${dev.allmulti} minmtu ${dev.minMtu} maxmtu ${dev.maxMtu} `;
    let tail = "numtxqueues 1 numrxqueues 1 ";
    if (dev.linkKind !== null) {
      const data = infoData(dev) ?? {};
      tail = `    ${dev.linkKind.kind} ` + Object.entries(data).map(([k, v]) => `${k} ${String(v)} `).join("") + tail;
      lines.push(tail);
    } else {
      lines[1] += tail;
    }
  }
  if (dev.ifalias !== "") lines.push(`    alias ${dev.ifalias}`);
  if (doLink && ip.opts.stats > 0) lines.push(...statsLines(devGetStats(dev, new NetDeviceStats()), ip.opts.stats));
  return lines;
}

/** `ip -br link`: name@link, state, address, flags. */
export function linkBrief(dev: NetDevice): string {
  const ref = linkRef(dev);
  const name = `${dev.name}${ref?.text ?? ""}`;
  const addr = dev.addrLen > 0 ? hwaddr(dev, dev.devAddr) + " " : "";
  return `${name.padEnd(16)} ${operstateName(dev).padEnd(14)} ${addr}<${linkFlags(dev, ref?.mdown ?? false).join(",")}> \n`;
}

/** `ip -j -br link`. */
export function linkBriefJson(dev: NetDevice, withAddress: boolean): Record<string, JsonValue> {
  const ref = linkRef(dev);
  const o: Record<string, JsonValue> = { ...(ref?.json ?? {}), ifname: dev.name, operstate: operstateName(dev) };
  if (withAddress) {
    if (dev.addrLen > 0) o["address"] = hwaddr(dev, dev.devAddr);
    o["flags"] = linkFlags(dev, ref?.mdown ?? false);
  }
  return o;
}

/** The name ip prints with its link (`veth0@veth1`), for brief address listings. */
export function linkName(dev: NetDevice): string {
  return `${dev.name}${linkRef(dev)?.text ?? ""}`;
}
