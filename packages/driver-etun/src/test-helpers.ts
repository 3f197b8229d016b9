// Shared fixtures for the etun tests (not part of the package's API).
import {
  allocSkb, devQueueXmit, Kernel, kfreeSkb, netdevCmdToName, NET_SKB_PAD, NOTIFY_DONE, registerNetdeviceNotifier,
  ROOT_CRED, type Cred, type Net, type NetDevice, type PacketType, type VfsContext,
} from "@vnet/core";
import { etun } from "./index.js";

/** A local experimental ethertype, so no protocol of the core claims the test frames. */
export const ETH_P_TEST = 0x88b5;
export const BROADCAST: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function boot(): Kernel {
  const k = new Kernel({ seed: 7 });
  k.insmod(etun);
  return k;
}

export function ctxOf(k: Kernel, cred: Cred = ROOT_CRED): VfsContext {
  return { net: k.initNet, cred };
}

export function newif(k: Kernel, text: string, cred: Cred = ROOT_CRED): void {
  k.vfs.write("/sys/module/etun/parameters/newif", text, ctxOf(k, cred));
}

export function delif(k: Kernel, text: string, cred: Cred = ROOT_CRED): void {
  k.vfs.write("/sys/module/etun/parameters/delif", text, ctxOf(k, cred));
}

export function dev(k: Kernel, name: string, net: Net = k.initNet): NetDevice {
  const d = net.devices.get(name);
  if (d === undefined) throw new Error(`no device ${name}`);
  return d;
}

/** Builds an Ethernet frame of `len` bytes (header included) from `src` to `dst` and sends it. */
export function send(src: NetDevice, dst: Uint8Array, len: number = 60, type: number = ETH_P_TEST, mark: number = 0): number {
  const skb = allocSkb(len + NET_SKB_PAD);
  skb.reserve(NET_SKB_PAD);
  const at = skb.put(len);
  const h = skb.head;
  h.fill(0, at, at + len);
  if (len >= 14) {
    h.set(dst.subarray(0, 6), at);
    h.set(src.devAddr.subarray(0, 6), at + 6);
    h[at + 12] = type >> 8;
    h[at + 13] = type & 0xff;
  }
  skb.dev = src;
  skb.mark = mark;
  return devQueueXmit(skb);
}

/** What a protocol handler saw of one frame. */
export interface Delivery {
  dev: string;
  pktType: number;
  ipSummed: number;
  protocol: number;
  len: number;
  mark: number;
}

/** A protocol handler for ETH_P_TEST that records and frees what it receives. */
export function sink(k: Kernel): Delivery[] {
  const got: Delivery[] = [];
  const pt: PacketType = {
    type: ETH_P_TEST,
    func(skb, d) {
      got.push({ dev: d.name, pktType: skb.pktType, ipSummed: skb.ipSummed, protocol: skb.protocol, len: skb.len, mark: skb.mark });
      kfreeSkb(skb);
    },
  };
  k.addPack(pt);
  return got;
}

/** Records "EVENT dev" for every netdevice notifier call after registration. */
export function netdevLog(k: Kernel, only?: (d: NetDevice) => boolean): string[] {
  const log: string[] = [];
  registerNetdeviceNotifier(k, {
    notifierCall(ev, info) {
      if (only === undefined || only(info.dev)) log.push(`${netdevCmdToName(ev)} ${info.dev.name}`);
      return NOTIFY_DONE;
    },
  });
  log.length = 0;
  return log;
}
