/**
 * snull, the Simple Network Utility of LDD3 chapter 17, as a vnet module: insmod creates the twins
 * sn0 and sn1 (or `pairs` of them); what one sends, the other receives, with the third octet of
 * both IPv4 addresses toggled. rmmod removes them (EBUSY while one is up).
 */
import { NETREG_REGISTERED, definePlugin, unregisterNetdevMany, type NetDevice, type Plugin } from "@vnet/core";
import { snullNewPair } from "./device.js";
import { snullNapiInterrupt, snullRegularInterrupt } from "./interrupt.js";
import { snullLinkOps } from "./link.js";
import { SNULL_PARAMS, snullValidate } from "./params.js";
import { SnullDriver, type SnullPriv } from "./priv.js";

/** The snull module: `kernel.insmod(snull, { use_napi: 1 })`. */
export const snull: Plugin<typeof SNULL_PARAMS> = definePlugin({
  name: "snull",
  version: "0.1.0",
  coreRange: ">=0.1.0 <1.0.0",
  description: "LDD3's Simple Network Utility: twin Ethernet interfaces that talk to each other",
  license: "Dual BSD/GPL",
  author: "Alessandro Rubini, Jonathan Corbet (the book); vnet",
  params: SNULL_PARAMS,
  setup(ctx) {
    const k = ctx.kernel;
    const config = snullValidate(k, ctx.params);
    const drv = new SnullDriver(k, ctx.module, config, config.useNapi ? snullNapiInterrupt : snullRegularInterrupt);
    const devs: NetDevice<SnullPriv>[] = [];
    // snull_cleanup: registered first so a failure half-way still undoes what was made.
    ctx.onExit(() => unregisterNetdevMany(devs.filter((d) => d.regState === NETREG_REGISTERED)));
    for (let i = 0; i < config.pairs; i++) devs.push(...snullNewPair(drv, k.initNet, "sn%d", "sn%d"));
    ctx.registerLinkKind(snullLinkOps(drv));
  },
});

export default snull;
