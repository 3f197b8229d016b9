import { describe, expect, it } from "vitest";
import { Kernel, NETDEV_CHANGEUPPER, NOTIFY_DONE, devSetMaster, registerNetdeviceNotifier, type NetDevice } from "../index.js";
import { dummy } from "../testing/dummy.js";
import { errnoCode } from "../testing/errno.js";


describe("devSetMaster", () => {
  it("enslaves through ndo_add_slave, releases through ndo_del_slave, announcing CHANGEUPPER", () => {
    const k = new Kernel();
    const br = dummy(k.initNet, "br0");
    const br1 = dummy(k.initNet, "br1");
    const port = dummy(k.initNet, "eth0");
    const log: string[] = [];
    for (const m of [br, br1]) {
      m.ops = {
        ...m.ops,
        addSlave: (d: NetDevice, s: NetDevice) => void log.push(`${d.name} add ${s.name}`),
        delSlave: (d: NetDevice, s: NetDevice) => void log.push(`${d.name} del ${s.name}`),
      };
    }
    registerNetdeviceNotifier(k, { notifierCall: (ev, { dev }) => (ev === NETDEV_CHANGEUPPER && log.push(`CHANGEUPPER ${dev.name} -> ${dev.master?.name ?? "none"}`), NOTIFY_DONE) });
    devSetMaster(port, br);
    devSetMaster(port, br1);
    devSetMaster(port, null);
    expect(log).toEqual([
      "br0 add eth0", "CHANGEUPPER eth0 -> br0",
      "br0 del eth0", "CHANGEUPPER eth0 -> none", "br1 add eth0", "CHANGEUPPER eth0 -> br1",
      "br1 del eth0", "CHANGEUPPER eth0 -> none",
    ]);
  });

  it("answers EOPNOTSUPP for a master that takes no slaves, and keeps the driver's veto", () => {
    const k = new Kernel();
    const plain = dummy(k.initNet, "plain0");
    const port = dummy(k.initNet, "eth0");
    expect(errnoCode(() => devSetMaster(port, plain))).toBe("EOPNOTSUPP");
    expect(port.master).toBeNull();
    plain.ops = { ...plain.ops, addSlave: () => -16 };
    expect(errnoCode(() => devSetMaster(port, plain))).toBe("EBUSY");
    expect(port.master).toBeNull();
  });
});
