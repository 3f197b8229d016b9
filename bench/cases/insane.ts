// insane in pass mode: frames per second relayed through `insane` onto a trivial slave, against
// the same frames handed to that slave directly, measured in the same process.
//
//   node bench/run.mjs insane --runs 5
//
// Metrics: insane.slave_alone (frames/s, the baseline), insane.pass (frames/s, ratio to the
// baseline) and insane.pass_ratio (pass / slave_alone within one process). Target: insane costs
// at most one extra device hop, so the ratio should stay at or above 0.6 (0.81 measured when written).
import {
  IFF_NO_QUEUE, Kernel, NETDEV_TX_OK, ROOT_CRED, allocNetdev, allocSkb, devGetStats, devHardHeader, devOpen, devQueueXmit, etherSetup,
  kfreeSkb, registerNetdev, type NetDevice, type NetDeviceOps,
} from "@vnet/core";
import insane, { insanelySet } from "@vnet/driver-insane";
import { emit, opsPerSec } from "../lib.js";

const ETH_P_TEST = 0x88b5;
const DST = new Uint8Array([0x02, 0xee, 0, 0, 0, 1]);
const PAYLOAD = 46;

/** The trivial slave: counts and frees. */
const slaveOps: NetDeviceOps<{ sent: number }> = {
  startXmit(skb, dev) {
    dev.priv.sent++;
    kfreeSkb(skb);
    return NETDEV_TX_OK;
  },
};

const k = new Kernel({ seed: 1 });
k.insmod(insane);
const eth0 = allocNetdev(k.initNet, "eth0", (d) => {
  etherSetup(d);
  d.ops = slaveOps;
  d.privFlags |= IFF_NO_QUEUE;
  d.devAddr.set([0x02, 0, 0, 0, 0, 0x10]);
}, { sent: 0 });
registerNetdev(eth0);
devOpen(eth0);
const dev = k.initNet.devices.get("insane")!;
devOpen(dev);
insanelySet(k.initNet, ROOT_CRED, "insane", { slave: "eth0", mode: "pass" });
k.run();

/** One frame built through `through`'s header ops and queued on it. */
function xmit(through: NetDevice): number {
  const skb = allocSkb(128);
  skb.reserve(64);
  skb.put(PAYLOAD);
  skb.dev = through;
  devHardHeader(skb, through, ETH_P_TEST, DST, null, PAYLOAD);
  return devQueueXmit(skb);
}

const opts = { minMs: 500, warmupMs: 200, batch: 1000 };
let alone = 0;
let pass = 0;
// Alternate so that drift of the machine spreads over both; keep the best of three each.
for (let round = 0; round < 3; round++) {
  alone = Math.max(alone, opsPerSec(() => xmit(eth0), opts));
  pass = Math.max(pass, opsPerSec(() => xmit(dev), opts));
}
if (eth0.priv.sent === 0 || devGetStats(dev).txDropped !== 0) throw new Error("insane bench: frames did not reach the slave");

emit("insane.slave_alone", alone, "frames/s");
emit("insane.pass", pass, "frames/s", { baseline: "insane.slave_alone" });
emit("insane.pass_ratio", pass / alone, "ratio", { target: { min: 0.6 } });
