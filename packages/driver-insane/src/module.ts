import { definePlugin, registerNetdev, type Plugin } from "@vnet/core";
import { InsaneDriver } from "./priv.js";
import { INSANE_VERSION, insaneAlloc, insaneLinkOps } from "./device.js";
import { insaneNetdevNotifier } from "./notifier.js";
import { insanelyCommand } from "./insanely.js";

/** The module's parameters. */
export const INSANE_PARAMS = {
  legacy: {
    type: "bool",
    default: false,
    perm: 0o444,
    description: "1: no netdevice notifier, as in the 2000 driver (removing the slave leaks its reference)",
  },
} as const;

/**
 * insane (INterface SAmple for Network Errors): a virtual Ethernet interface that relays to a
 * slave, dropping packets on purpose. insmod creates `insane`; `ip link add NAME type insane`
 * makes more; `insanely` configures them.
 */
export const insane: Plugin<typeof INSANE_PARAMS> = definePlugin({
  name: "insane",
  version: INSANE_VERSION,
  coreRange: ">=0.1.0 <1.0.0",
  description: "INterface SAmple for Network Errors (after Alessandro Rubini)",
  license: "GPL",
  params: INSANE_PARAMS,
  setup(ctx) {
    const drv = new InsaneDriver(ctx.kernel, ctx.module, ctx.params.legacy);
    if (!drv.legacy) ctx.registerNetdeviceNotifier(insaneNetdevNotifier(drv));
    // Unregistering the kind at rmmod removes every insane device, before the notifier goes.
    const ops = insaneLinkOps(drv);
    ctx.registerLinkKind(ops);
    const dev = insaneAlloc(drv, ctx.kernel.initNet, "insane");
    dev.linkKind = ops;
    registerNetdev(dev);
    ctx.registerCommand(insanelyCommand);
  },
});

export default insane;
