/**
 * The vxlan module: `insmod vxlan [udp_port=N]`, then `ip link add NAME type vxlan id VNI ...`.
 * Which underlay the devices use is the module's choice (`createVxlan({ transport })`): the
 * kernel's own UDP by default, memory between kernels, or a real socket (`@vnet/driver-vxlan/node`).
 */
import { definePlugin, unregisterNetdevMany, type NetDevice, type ParamSpec, type Plugin } from "@vnet/core";
import { bridgeCommand } from "./bridge.js";
import { DRV_NAME, vxlanLinkOps, type VxlanDriver } from "./device.js";
import { VxlanPriv } from "./priv.js";
import { kernelUdp, type VxlanTransportFactory } from "./transport.js";
import { IANA_VXLAN_UDP_PORT } from "./wire.js";

export const VXLAN_MODULE_VERSION = "0.1.0";

/** The module parameters (module_param). */
export interface VxlanParams extends Record<string, ParamSpec> {
  /** The default dstport (Linux: vxlan.udp_port, 8472 there). */
  udp_port: ParamSpec;
}

const params: VxlanParams = {
  udp_port: {
    type: "ushort",
    default: IANA_VXLAN_UDP_PORT,
    perm: 0o444,
    // Linux's default is 8472 (pre-IANA); vnet has no installed base to stay compatible with.
    description: "Destination UDP port (dstport when `ip link add` gives none; Linux's is 8472)",
  },
};

export interface VxlanOptions {
  /** The underlay of devices created without their own `transport` (default: `kernelUdp`). */
  transport?: VxlanTransportFactory | undefined;
  /** Register `bridge fdb` as a tool command when none exists yet (default true). */
  bridgeCommand?: boolean | undefined;
}

/** A vxlan module whose devices use `options.transport` as their underlay. */
export function createVxlan(options: VxlanOptions = {}): Plugin<VxlanParams> {
  const transport = options.transport ?? kernelUdp;
  return definePlugin({
    name: DRV_NAME,
    version: VXLAN_MODULE_VERSION,
    coreRange: ">=0.1.0 <1.0.0",
    description: "Virtual eXtensible Local Area Network (RFC 7348)",
    license: "MIT",
    params,
    setup(ctx) {
      const kernel = ctx.kernel;
      const drv: VxlanDriver = {
        module: ctx.module,
        defaultPort: () => Number(ctx.module.params.get("udp_port")) || IANA_VXLAN_UDP_PORT,
        transport,
      };
      // Unregistering the kind at rmmod deletes every vxlan device, which closes the sockets.
      ctx.registerLinkKind(vxlanLinkOps(drv));
      // vxlan_exit_batch_rtnl: a device moved out of its namespace dies with the namespace it was made in.
      ctx.onExit(
        kernel.registerPernetOps({
          exit(net) {
            const dying: NetDevice[] = [];
            for (const n of kernel.nets) {
              if (n === net) continue;
              for (const d of n.devices.values()) if (d.priv instanceof VxlanPriv && d.priv.srcNet === net) dying.push(d);
            }
            if (dying.length > 0) unregisterNetdevMany(dying);
          },
        }),
      );
      if (options.bridgeCommand !== false && !kernel.commands.has(bridgeCommand.name)) ctx.registerCommand(bridgeCommand);
    },
  });
}

/** The vxlan module over the simulated kernel's own UDP (platform-neutral). */
export const vxlan: Plugin<VxlanParams> = createVxlan();


