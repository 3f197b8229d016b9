// @vnet/core device layer: raw packets/s through devQueueXmit -> a trivial driver -> netifRx ->
// a protocol handler; notifier calls/s; devices registered/s and bytes per device.
// Baselines from the same process: a bare JS loop doing the same buffer work without the stack.
import {
  Kernel, NotifierChain, NOTIFY_DONE, allocNetdev, allocSkb, devOpen, devQueueXmit, etherSetup, ethTypeTrans, kfreeSkb,
  netifRx, NETDEV_TX_OK, registerNetdev, skbPoolStats, type NetDevice, type NetDeviceOps, type SkBuff,
} from "@vnet/core";
import { emit, heapBytes, opsPerSec } from "../lib.js";

const ETH_P_TEST = 0x88b5;

// A driver that loops each frame to its peer, like the smallest possible wire.
interface Wire {
  peer: NetDevice<Wire> | null;
}
const wireOps: NetDeviceOps<Wire> = {
  startXmit(skb: SkBuff, dev: NetDevice<Wire>): number {
    const peer = dev.priv.peer!;
    dev.stats.txPackets++;
    dev.stats.txBytes += skb.len;
    skb.protocol = ethTypeTrans(skb, peer);
    peer.stats.rxPackets++;
    netifRx(skb);
    return NETDEV_TX_OK;
  },
};

function pair(k: Kernel): [NetDevice<Wire>, NetDevice<Wire>] {
  const mk = (): NetDevice<Wire> =>
    allocNetdev<Wire>(k.initNet, "w%d", (d) => {
      etherSetup(d);
      d.txQueueLen = 0;
      d.ops = wireOps;
    }, { peer: null });
  const a = mk();
  const b = mk();
  a.priv.peer = b;
  b.priv.peer = a;
  registerNetdev(a);
  registerNetdev(b);
  devOpen(a);
  devOpen(b);
  return [a, b];
}

// 1. packets per second, 64-byte frames, bursts of 256 drained by one softirq run
{
  const k = new Kernel();
  const [a] = pair(k);
  let delivered = 0;
  k.addPack({ type: ETH_P_TEST, func: (skb) => (delivered++, kfreeSkb(skb)) });
  const BURST = 256;
  const send = (): void => {
    for (let i = 0; i < BURST; i++) {
      const skb = allocSkb(128);
      skb.reserve(32);
      const at = skb.put(64);
      const h = skb.head;
      h[at] = h[at + 1] = h[at + 2] = h[at + 3] = h[at + 4] = h[at + 5] = 0xff;
      h[at + 12] = ETH_P_TEST >> 8;
      h[at + 13] = ETH_P_TEST & 0xff;
      skb.dev = a;
      devQueueXmit(skb);
    }
    k.run();
  };
  const pps = opsPerSec(send, { minMs: 1500, batch: 16, opsPerCall: BURST });
  const misses = skbPoolStats().misses;
  opsPerSec(send, { minMs: 200, warmupMs: 0, batch: 16, opsPerCall: BURST });
  if (delivered === 0) throw new Error("nothing delivered");
  emit("core.xmit_rx_pps", pps, "pkt/s", { target: { min: 20e6 } });
  emit("core.pool_misses_steady", skbPoolStats().misses - misses, "allocs", { target: { max: 0 } });

  // baseline: the same buffer work (take, write header, hand over, free) as a bare loop
  const ring: SkBuff[] = [];
  const bare = (): void => {
    for (let i = 0; i < BURST; i++) {
      const skb = allocSkb(128);
      skb.reserve(32);
      const at = skb.put(64);
      const h = skb.head;
      h[at] = h[at + 1] = h[at + 2] = h[at + 3] = h[at + 4] = h[at + 5] = 0xff;
      h[at + 12] = ETH_P_TEST >> 8;
      h[at + 13] = ETH_P_TEST & 0xff;
      ring.push(skb);
    }
    for (let i = 0; i < BURST; i++) kfreeSkb(ring.pop()!);
  };
  emit("core.bare_buffer_loop", opsPerSec(bare, { minMs: 1000, batch: 16, opsPerCall: BURST }), "pkt/s");
  emit("core.xmit_rx_vs_bare", pps, "pkt/s", { baseline: "core.bare_buffer_loop" });
}

// 2. notifier chain calls per second (8 blocks, the typical netdevice chain size)
{
  const chain = new NotifierChain<number>();
  let n = 0;
  for (let i = 0; i < 8; i++) chain.register({ priority: i % 3, notifierCall: (ev) => ((n += ev), NOTIFY_DONE) });
  emit("core.notifier_calls", opsPerSec(() => chain.call(1, 0), { minMs: 1000, batch: 1000 }), "chain calls/s");
  if (n === 0) throw new Error("no calls");
}

// 3. 100,000 devices registered: time and heap per device
{
  const N = 100_000;
  const k = new Kernel();
  const noop: NetDeviceOps = { startXmit: (skb) => (kfreeSkb(skb), NETDEV_TX_OK) };
  const before = heapBytes();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const d = allocNetdev(k.initNet, `d${i}`, (dev) => {
      etherSetup(dev);
      dev.ops = noop;
    }, null);
    registerNetdev(d);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const bytes = (heapBytes() - before) / N;
  if (k.initNet.devices.size !== N + 1) throw new Error("lost devices");
  emit("core.register_100k_ms", ms, "ms", { target: { max: 2000 } });
  emit("core.registers_per_s", (N * 1000) / ms, "dev/s");
  emit("core.bytes_per_device", bytes, "bytes", { target: { max: 1024 } });
}
