// Test-only: a trivial Ethernet slave that records what it is given and frees it, and frame builders.
import {
  ARPHRD_ETHER, Kernel, NETDEV_TX_OK, ROOT_CRED, allocNetdev, allocSkb, devHardHeader, devOpen, devQueueXmit, etherSetup,
  ethMacAddr, kfreeSkb, registerNetdev, type Cred, type Net, type NetDevice, type NetDeviceOps, type SkBuff, type ToolIo,
} from "@vnet/core";
import insane from "./index.js";
import type { InsanePriv } from "./priv.js";

export const ETH_P_TEST = 0x88b5;
export const PEER_MAC: Uint8Array = new Uint8Array([0x02, 0xee, 0, 0, 0, 0x01]);

/** What a sink saw: every frame's bytes, the virtual time it arrived (ns) and its device. */
export interface SinkPriv {
  frames: Uint8Array[];
  times: number[];
  devs: string[];
  record: boolean;
  count: number;
}

const sinkOps: NetDeviceOps<SinkPriv> = {
  startXmit(skb: SkBuff, dev: NetDevice<SinkPriv>): number {
    const p = dev.priv;
    p.count++;
    dev.stats.txPackets++;
    dev.stats.txBytes += skb.len;
    if (p.record) {
      p.frames.push(skb.bytes().slice());
      p.times.push(dev.net.kernel.scheduler.now);
      p.devs.push(skb.dev?.name ?? "");
    }
    kfreeSkb(skb);
    return NETDEV_TX_OK;
  },
  setMacAddress: ethMacAddr,
};

/** Registers (and by default opens) a sink named `name` with MAC 02:00:00:00:00:<last>. */
export function sink(net: Net, name = "eth0", opts: { last?: number; up?: boolean; type?: number; record?: boolean } = {}): NetDevice<SinkPriv> {
  const dev = allocNetdev<SinkPriv>(net, name, (d) => {
    etherSetup(d);
    d.type = opts.type ?? ARPHRD_ETHER;
    d.ops = sinkOps;
    d.devAddr.set([0x02, 0, 0, 0, 0, opts.last ?? 0x10]);
  }, { frames: [], times: [], devs: [], record: opts.record ?? true, count: 0 });
  registerNetdev(dev);
  if (opts.up ?? true) devOpen(dev);
  return dev;
}

/** An Ethernet frame to PEER_MAC built through `dev`'s header ops; the payload starts with `seq` (32 bits), then bytes 4..len-1. */
export function frame(dev: NetDevice, payload = 46, proto: number = ETH_P_TEST, seq = 0): SkBuff {
  const skb = allocSkb(payload + 128);
  skb.reserve(64);
  const at = skb.put(payload);
  for (let i = 0; i < payload; i++) skb.head[at + i] = i & 0xff;
  new DataView(skb.head.buffer, skb.head.byteOffset + at, 4).setUint32(0, seq);
  skb.dev = dev;
  devHardHeader(skb, dev, proto, PEER_MAC, null, payload);
  return skb;
}

/** Sends `n` frames numbered 0..n-1 through `dev` (devQueueXmit), `gapMs` of kernel time apart (0: all at once). */
export function send(k: Kernel, dev: NetDevice, n: number, gapMs = 0, payload = 46): void {
  for (let i = 0; i < n; i++) {
    if (i > 0 && gapMs > 0) k.runFor(gapMs);
    devQueueXmit(frame(dev, payload, ETH_P_TEST, i));
  }
}

/** The number `send` gave a frame (bytes 14..17). */
export function seqOf(f: Uint8Array): number {
  return new DataView(f.buffer, f.byteOffset + 14, 4).getUint32(0);
}

/** The frame `send` would have built for `seq` on a slave with MAC `src`. */
export function expectedFrame(src: Uint8Array, seq: number, payload = 46): Uint8Array {
  const f = new Uint8Array(14 + payload);
  f.set(PEER_MAC, 0);
  f.set(src.subarray(0, 6), 6);
  f[12] = ETH_P_TEST >> 8;
  f[13] = ETH_P_TEST & 0xff;
  for (let i = 0; i < payload; i++) f[14 + i] = i & 0xff;
  new DataView(f.buffer, 14, 4).setUint32(0, seq);
  return f;
}

/** A kernel with insane loaded, a sink eth0, and insane up. */
export function boot(opts: { seed?: number; legacy?: boolean; up?: boolean } = {}): {
  k: Kernel;
  net: Net;
  eth0: NetDevice<SinkPriv>;
  dev: NetDevice<InsanePriv>;
} {
  const k = new Kernel({ seed: opts.seed ?? 1 });
  k.insmod(insane, opts.legacy === true ? { legacy: 1 } : {});
  const net = k.initNet;
  const eth0 = sink(net);
  const dev = net.devices.get("insane") as NetDevice<InsanePriv>;
  if (opts.up ?? true) devOpen(dev);
  // Counts below are pinned to the seed: start the draws there, whatever booting consumed.
  k.prng.seed(opts.seed ?? 1);
  return { k, net, eth0, dev };
}

/** A tool environment that collects what the command prints. */
export function toolIo(k: Kernel, cred: Cred = ROOT_CRED, net: Net = k.initNet): ToolIo & { stdout: string; stderr: string } {
  const io = {
    kernel: k,
    net,
    cred,
    stdout: "",
    stderr: "",
    out(text: string): void {
      io.stdout += text;
    },
    err(text: string): void {
      io.stderr += text;
    },
  };
  return io;
}
