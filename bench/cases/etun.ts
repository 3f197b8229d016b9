// etun pair at the device layer: 64-byte frames sent on veth0 with devQueueXmit, received on
// veth1 by a protocol handler that frees them. Skbs come from the core's pool; frames go in
// bursts of BURST with kernel.run() (the receive softirq) between bursts.
//
//   node --expose-gc --import tsx --conditions=@vnet/source bench/cases/etun.ts
//
// Metric: etun.frames (frames/s delivered), target >= 1e7. The process exits 1 if a frame is lost.
import { devOpen, Kernel, ROOT_CRED, skbPoolStats, type NetDevice } from "@vnet/core";
import { etun } from "@vnet/driver-etun";
import { benchFrame, countFrames, xmitFrame } from "../frames.js";
import { emit, opsPerSec } from "../lib.js";

// Below netdev_max_backlog (1000), so no frame is dropped at netif_rx.
const BURST = 256;

const k = new Kernel({ seed: 1 });
k.insmod(etun);
k.vfs.write("/sys/module/etun/parameters/newif", "veth0,veth1\n", { net: k.initNet, cred: ROOT_CRED });
const tx: NetDevice = k.initNet.devices.get("veth0")!;
const rx: NetDevice = k.initNet.devices.get("veth1")!;
devOpen(tx);
devOpen(rx);
k.run();

const counter = countFrames(k);
// One frame's bytes, copied into each pooled buffer: destination veth1, source veth0.
const frame = benchFrame(rx, tx);

let sent = 0;
function burst(): number {
  for (let i = 0; i < BURST; i++) xmitFrame(frame, tx);
  sent += BURST;
  k.run();
  return counter.received;
}

const missesBefore = skbPoolStats().misses;
const rate = opsPerSec(burst, { opsPerCall: BURST, batch: 16 });
if (counter.received !== sent) {
  process.stderr.write(`etun: sent ${sent} frames, received ${counter.received}\n`);
  process.exit(1);
}
process.stderr.write(`etun: ${sent} frames, ${skbPoolStats().misses - missesBefore} pool misses\n`);
emit("etun.frames", rate, "frames/s", { target: { min: 1e7 } });
