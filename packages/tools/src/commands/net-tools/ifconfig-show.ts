/** What `ifconfig` prints (net-tools 2.10's ife_print_long and ife_print_short). */
import {
  ARPHRD_ETHER, ARPHRD_LOOPBACK, IFF_ALLMULTI, IFF_BROADCAST, IFF_DEBUG, IFF_DYNAMIC, IFF_LOOPBACK, IFF_MASTER, IFF_MULTICAST,
  IFF_NOARP, IFF_NOTRAILERS, IFF_POINTOPOINT, IFF_PROMISC, IFF_RUNNING, IFF_SLAVE, IFF_UP, ipv4ToString, macToString,
  SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFFLAGS, SIOCGIFHWADDR, SIOCGIFMAP, SIOCGIFMTU, SIOCGIFNETMASK, SIOCGIFTXQLEN,
  type Cred, type Net,
} from "@vnet/core";
import { ifmapOf, ifrAddr, ioctl, type IfMap } from "./ifreq.js";

/** One /proc/net/dev row. */
export interface DevCounters {
  rxBytes: number; rxPackets: number; rxErrs: number; rxDrop: number; rxFifo: number; rxFrame: number; rxCompressed: number; rxMulticast: number;
  txBytes: number; txPackets: number; txErrs: number; txDrop: number; txFifo: number; txColls: number; txCarrier: number; txCompressed: number;
}

/** Parses /proc/net/dev as net-tools does (get_dev_fields). */
export function parseProcNetDev(text: string): Map<string, DevCounters> {
  const out = new Map<string, DevCounters>();
  for (const line of text.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const n = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    const v = (i: number): number => n[i] ?? 0;
    out.set(line.slice(0, colon).trim(), {
      rxBytes: v(0), rxPackets: v(1), rxErrs: v(2), rxDrop: v(3), rxFifo: v(4), rxFrame: v(5), rxCompressed: v(6), rxMulticast: v(7),
      txBytes: v(8), txPackets: v(9), txErrs: v(10), txDrop: v(11), txFifo: v(12), txColls: v(13), txCarrier: v(14), txCompressed: v(15),
    });
  }
  return out;
}

const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [IFF_UP, "UP"], [IFF_BROADCAST, "BROADCAST"], [IFF_DEBUG, "DEBUG"], [IFF_LOOPBACK, "LOOPBACK"], [IFF_POINTOPOINT, "POINTOPOINT"],
  [IFF_NOTRAILERS, "NOTRAILERS"], [IFF_RUNNING, "RUNNING"], [IFF_NOARP, "NOARP"], [IFF_PROMISC, "PROMISC"], [IFF_ALLMULTI, "ALLMULTI"],
  [IFF_SLAVE, "SLAVE"], [IFF_MASTER, "MASTER"], [IFF_MULTICAST, "MULTICAST"], [IFF_DYNAMIC, "DYNAMIC"],
];

/** Hardware types net-tools knows: name, title, whether a null address is hidden. */
function hwType(type: number): [string, string] {
  if (type === ARPHRD_ETHER) return ["ether", "Ethernet"];
  if (type === ARPHRD_LOOPBACK) return ["loop", "Local Loopback"];
  if (type === 0xfffe) return ["unspec", "UNSPEC"];
  return ["unspec", "UNSPEC"];
}

/** "(1.5 KiB)": net-tools' scaled byte counts, one decimal, binary units. */
export function scaledBytes(n: number): string {
  const units: [number, string][] = [[1125899906842624, "PiB"], [1099511627776, "TiB"], [1073741824, "GiB"], [1048576, "MiB"], [1024, "KiB"]];
  let tenths = n * 10;
  let ext = "B";
  for (const [div, name] of units) {
    if (n > div) {
      tenths = Math.floor(tenths / div);
      ext = name;
      break;
    }
  }
  return `${Math.floor(tenths / 10)}.${tenths % 10} ${ext}`;
}

/** An interface as ifconfig learns it: ioctls for flags and addresses, /proc/net/dev for counters. */
export interface Interface {
  name: string;
  flags: number;
  mtu: number;
  txqlen: number;
  hwType: number;
  hwaddr: Uint8Array;
  inet: { addr: number; netmask: number; broadcast: number; dstaddr: number } | null;
  counters: DevCounters | undefined;
  /** SIOCGIFMAP: the device's IRQ, I/O base, shared memory and DMA channel (zeros when none). */
  map: IfMap;
}

/** Fetches an interface; null when SIOCGIFFLAGS says it does not exist. */
export function fetchInterface(net: Net, cred: Cred, name: string, counters: Map<string, DevCounters>): Interface | number {
  const f = ioctl(net, cred, SIOCGIFFLAGS, { name });
  if (typeof f === "number") return f;
  const mtu = ioctl(net, cred, SIOCGIFMTU, { name });
  const txq = ioctl(net, cred, SIOCGIFTXQLEN, { name });
  const hw = ioctl(net, cred, SIOCGIFHWADDR, { name });
  const hwaddr = typeof hw === "number" ? { family: 0, data: new Uint8Array(6) } : (hw.hwaddr as { family: number; data: Uint8Array });
  let inet: Interface["inet"] = null;
  const a = ioctl(net, cred, SIOCGIFADDR, { name });
  if (typeof a !== "number") {
    const get = (cmd: number, field: string): number => {
      const r = ioctl(net, cred, cmd, { name });
      return typeof r === "number" ? 0 : ifrAddr(r, field) ?? 0;
    };
    inet = {
      addr: ifrAddr(a, "addr") ?? 0,
      netmask: get(SIOCGIFNETMASK, "netmask"),
      broadcast: get(SIOCGIFBRDADDR, "broadaddr"),
      dstaddr: get(SIOCGIFDSTADDR, "dstaddr"),
    };
  }
  const map = ioctl(net, cred, SIOCGIFMAP, { name });
  return {
    name,
    flags: Number(f.flags),
    mtu: typeof mtu === "number" ? 0 : Number(mtu.mtu),
    txqlen: typeof txq === "number" ? 0 : Number(txq.qlen) | 0,
    hwType: hwaddr.family,
    hwaddr: hwaddr.data,
    inet,
    counters: counters.get(name),
    map: typeof map === "number" ? ifmapOf({ name }) : ifmapOf(map),
  };
}

/** ife_print_long(). */
export function printLong(i: Interface): string {
  const names = FLAG_NAMES.filter(([bit]) => i.flags & bit).map(([, n]) => n);
  let s = `${i.name}: flags=${i.flags}<${names.join(",")}>  mtu ${i.mtu}\n`;
  if (i.inet !== null) {
    s += `        inet ${ipv4ToString(i.inet.addr)}`;
    if (i.flags & IFF_POINTOPOINT) s += `  destination ${ipv4ToString(i.inet.dstaddr)}`;
    s += `  netmask ${ipv4ToString(i.inet.netmask)}`;
    if (i.flags & IFF_BROADCAST) s += `  broadcast ${ipv4ToString(i.inet.broadcast)}`;
    s += "\n";
  }
  const [hw, title] = hwType(i.hwType);
  const showAddr = i.hwType === ARPHRD_ETHER;
  s += `        ${hw} ${showAddr ? macToString(i.hwaddr.subarray(0, 6)) + "  " : " "}txqueuelen ${i.txqlen}  (${title})\n`;
  const c = i.counters;
  if (c !== undefined) {
    s += `        RX packets ${c.rxPackets}  bytes ${c.rxBytes} (${scaledBytes(c.rxBytes)})\n`;
    if (c.rxCompressed) s += `        RX compressed:${c.rxCompressed}\n`;
    s += `        RX errors ${c.rxErrs}  dropped ${c.rxDrop}  overruns ${c.rxFifo}  frame ${c.rxFrame}\n`;
    s += `        TX packets ${c.txPackets}  bytes ${c.txBytes} (${scaledBytes(c.txBytes)})\n`;
    if (c.txCompressed) s += `        TX compressed:${c.txCompressed}\n`;
    s += `        TX errors ${c.txErrs}  dropped ${c.txDrop} overruns ${c.txFifo}  carrier ${c.txCarrier}  collisions ${c.txColls}\n`;
  }
  s += deviceLine(i.map);
  return s + "\n";
}

/**
 * The `device` line of the resources SIOCGIFMAP reports, only what is set; an I/O base below
 * 0x100 is not an I/O map and is left out.
 */
export function deviceLine(m: IfMap): string {
  if (!(m.irq || m.mem_start || m.dma || m.base_addr >= 0x100)) return "";
  let s = "        device ";
  if (m.irq) s += `interrupt ${m.irq}  `;
  if (m.base_addr >= 0x100) s += `base 0x${m.base_addr.toString(16)}  `;
  if (m.mem_start) s += `memory 0x${m.mem_start.toString(16)}-${m.mem_end.toString(16)}  `;
  if (m.dma) s += `  dma 0x${m.dma.toString(16)}`;
  return s + "\n";
}

export const SHORT_HEADER = "Iface      MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n";

/** ife_print_short() (ifconfig -s). */
export function printShort(i: Interface): string {
  const c = i.counters;
  const n = (v: number | undefined, w: number): string => String(v ?? 0).padStart(w);
  let s = `${i.name.slice(0, 15).padEnd(15)} ${n(i.mtu, 5)} ${n(c?.rxPackets, 8)} ${n(c?.rxErrs, 6)} ${n(c?.rxDrop, 6)} ${String(c?.rxFifo ?? 0).padEnd(6)} `;
  s += `${n(c?.txPackets, 8)} ${n(c?.txErrs, 6)} ${n(c?.txDrop, 6)} ${n(c?.txFifo, 6)} `;
  const f = i.flags;
  const letters: [number, string][] = [
    [IFF_ALLMULTI, "A"], [IFF_BROADCAST, "B"], [IFF_DEBUG, "D"], [IFF_LOOPBACK, "L"], [IFF_MULTICAST, "M"], [IFF_DYNAMIC, "d"],
    [IFF_PROMISC, "P"], [IFF_NOTRAILERS, "N"], [IFF_NOARP, "O"], [IFF_POINTOPOINT, "P"], [IFF_SLAVE, "s"], [IFF_MASTER, "m"],
    [IFF_RUNNING, "R"], [IFF_UP, "U"],
  ];
  for (const [bit, l] of letters) if (f & bit) s += l;
  return s + "\n";
}

/** nstrcmp(): names compared with their numbers as numbers (eth2 before eth10). */
export function nstrcmp(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}
