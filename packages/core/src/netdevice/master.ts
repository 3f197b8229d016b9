import { EOPNOTSUPP, KernelError, check } from "../kernel/errno.js";
import { NETDEV_CHANGEUPPER } from "./constants.js";
import { callNetdeviceNotifiers } from "./dev.js";
import type { NetDevice } from "./netdevice.js";

/**
 * do_set_master(): what `ip link set DEV master BR` and `nomaster` do. The old master lets go
 * through its ndo_del_slave, the new one takes the device through ndo_add_slave; each change is
 * announced as NETDEV_CHANGEUPPER. A master without those operations answers EOPNOTSUPP.
 */
export function devSetMaster(dev: NetDevice, master: NetDevice | null): void {
  const old = dev.master;
  if (old === master) return;
  if (old !== null) {
    if (old.ops.delSlave === undefined) throw new KernelError(EOPNOTSUPP, `${old.name}: del_slave`);
    check(old.ops.delSlave(old, dev), `${old.name}: del_slave`);
    dev.master = null;
    callNetdeviceNotifiers(NETDEV_CHANGEUPPER, dev);
  }
  if (master !== null) {
    if (master.ops.addSlave === undefined) throw new KernelError(EOPNOTSUPP, `${master.name}: add_slave`);
    check(master.ops.addSlave(master, dev), `${master.name}: add_slave`);
    dev.master = master;
    callNetdeviceNotifiers(NETDEV_CHANGEUPPER, dev);
  }
}
