// etun pair at the device layer: 64-byte frames sent on veth0 with devQueueXmit, received on
// veth1 by a protocol handler that frees them. Skbs come from the core's pool; frames go in
// bursts of BURST with kernel.run() (the receive softirq) between bursts.
//
//   node --expose-gc --import tsx --conditions=@vnet/source bench/cases/etun.ts
//
// Metric: etun.frames (frames/s delivered), target >= 1e7. The process exits 1 if a frame is lost.
import {
  allocSkb, devOpen, devQueueXmit, Kernel, kfreeSkb, NET_SKB_PAD, ROOT_CRED, skbPoolStats, type NetDevice,
  type PacketType,
} from "@vnet/core";
import { etun } from "@vnet/driver-etun";
import { emit, opsPerSec } from "../lib.js";

const FRAME_LEN = 64;
// Below netdev_max_backlog (1000), so no frame is dropped at netif_rx.
const BURST = 256;
const ETH_P_BENCH = 0x88b5;

const k = new Kernel({ seed: 1 });
k.insmod(etun);
k.vfs.write("/sys/module/etun/parameters/newif", "veth0,veth1\n", { net: k.initNet, cred: ROOT_CRED });
const tx: NetDevice = k.initNet.devices.get("veth0")!;
const rx: NetDevice = k.initNet.devices.get("veth1")!;
devOpen(tx);
devOpen(rx);
k.run();

let received = 0;
const handler: PacketType = {
  type: ETH_P_BENCH,
  func(skb) {
    received++;
    kfreeSkb(skb);
  },
};
k.addPack(handler);

// One frame's bytes, copied into each pooled buffer: destination veth1, source veth0.
const frame = new Uint8Array(FRAME_LEN);
frame.set(rx.devAddr.subarray(0, 6), 0);
frame.set(tx.devAddr.subarray(0, 6), 6);
frame[12] = ETH_P_BENCH >> 8;
frame[13] = ETH_P_BENCH & 0xff;

let sent = 0;
function burst(): number {
  for (let i = 0; i < BURST; i++) {
    const skb = allocSkb(FRAME_LEN + NET_SKB_PAD);
    skb.reserve(NET_SKB_PAD);
    skb.head.set(frame, skb.put(FRAME_LEN));
    skb.dev = tx;
    devQueueXmit(skb);
  }
  sent += BURST;
  k.run();
  return received;
}

const missesBefore = skbPoolStats().misses;
const rate = opsPerSec(burst, { opsPerCall: BURST, batch: 16 });
if (received !== sent) {
  process.stderr.write(`etun: sent ${sent} frames, received ${received}\n`);
  process.exit(1);
}
process.stderr.write(`etun: ${sent} frames, ${skbPoolStats().misses - missesBefore} pool misses\n`);
emit("etun.frames", rate, "frames/s", { target: { min: 1e7 } });
