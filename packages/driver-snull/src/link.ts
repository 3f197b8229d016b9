/**
 * `ip link add [NAME] type snull [peer [name] PEER]`: a new twin pair at run time. NAME and PEER
 * default to the "sn%d" template; the pair gets the lowest free address slot, so NAME carries
 * "\0SNUL" + ('0' + 2*slot) and PEER the same address with its last bit toggled. Deleting either
 * twin deletes both, as for veth; rmmod deletes every pair that is left.
 */
import {
  EINVAL, EOPNOTSUPP, KernelError, NETREG_REGISTERED, devChangeTxQueueLen, devSetMtu, unregisterNetdevMany,
  type NetDevice, type NewLinkRequest, type RtnlLinkOps,
} from "@vnet/core";
import { SNULL_MAX_MTU, SNULL_MIN_MTU } from "./constants.js";
import { snullNewPair } from "./device.js";
import type { SnullDriver, SnullPriv } from "./priv.js";

const USAGE = "Usage: ip link <options> type snull [peer [name] NAME]";

/** Parses what follows `type snull`. */
function snullParse(args: readonly string[]): Record<string, unknown> {
  let peer: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg !== "peer" || peer !== undefined) throw new KernelError(EINVAL, `snull: unexpected "${arg}"\n${USAGE}`);
    let name = args[++i];
    if (name === "name") name = args[++i];
    if (name === undefined) throw new KernelError(EINVAL, `snull: peer needs a name\n${USAGE}`);
    peer = name;
  }
  return peer === undefined ? {} : { peer };
}

/** The link kind "snull", bound to one loaded instance of the module. */
export function snullLinkOps(drv: SnullDriver): RtnlLinkOps {
  const ops: RtnlLinkOps = {
    kind: "snull",
    usage: USAGE,
    parse: snullParse,
    newlink(req: NewLinkRequest): NetDevice {
      const peer = req.data["peer"];
      if (peer !== undefined && typeof peer !== "string") throw new KernelError(EINVAL, "snull: peer must be a name");
      if (req.mtu !== undefined && (req.mtu < SNULL_MIN_MTU || req.mtu > SNULL_MAX_MTU)) throw new KernelError(EINVAL, "snull: mtu");
      // The twins find each other by address: the address is snull's to choose, at open.
      if (req.address !== undefined) throw new KernelError(EOPNOTSUPP, "snull: the hardware address is assigned at open");
      const [a, b] = snullNewPair(drv, req.net, req.name ?? "sn%d", peer ?? "sn%d");
      b.linkKind = ops;
      try {
        if (req.mtu !== undefined) devSetMtu(a, req.mtu);
        if (req.txQueueLen !== undefined) devChangeTxQueueLen(a, req.txQueueLen);
      } catch (e) {
        unregisterNetdevMany([a, b]);
        throw e;
      }
      return a;
    },
    dellink(dev: NetDevice, dying: NetDevice[]): void {
      dying.push(dev);
      const peer = (dev as NetDevice<SnullPriv>).priv.peer;
      if (peer !== null && peer.regState === NETREG_REGISTERED && !dying.includes(peer)) dying.push(peer);
    },
  };
  return ops;
}
