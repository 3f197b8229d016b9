import {
  NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_DOWN, NETDEV_UNREGISTER, NETDEV_UP, NETREG_UNREGISTERING, NOTIFY_DONE,
  type NetdevNotifierBlock, type NetdevNotifierInfo,
} from "@vnet/core";
import type { InsaneDriver } from "./priv.js";
import { insaneCopyAddr, insaneDetach, insaneSyncCarrier } from "./slave.js";

/**
 * The fix the article left as an exercise: hear about our slaves. A slave that goes away for good
 * is let go, so its unregister can finish; a namespace move (UNREGISTER while the slave stays
 * NETREG_REGISTERED) is not a removal and keeps it. Its address and carrier are followed.
 */
export function insaneNetdevNotifier(drv: InsaneDriver): NetdevNotifierBlock {
  return {
    notifierCall(event: number, info: NetdevNotifierInfo): number {
      const slave = info.dev;
      for (const dev of drv.instances) {
        if (dev.priv.slave !== slave) continue;
        switch (event) {
          case NETDEV_UNREGISTER:
            if (slave.regState !== NETREG_UNREGISTERING) break;
            drv.kernel.printk(`${dev.name}: slave ${slave.name} is going away, detaching`);
            insaneDetach(dev);
            break;
          case NETDEV_CHANGEADDR:
            insaneCopyAddr(dev, slave);
            break;
          case NETDEV_UP:
          case NETDEV_DOWN:
          case NETDEV_CHANGE:
            insaneSyncCarrier(dev);
            break;
        }
      }
      return NOTIFY_DONE;
    },
  };
}
