import { expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

it("loads the bundled vxlan module, whose bridge command manages the forwarding database", async () => {
  const t = testShell();
  await t.ok("insmod vxlan", "ip link add vx0 type vxlan id 42 dstport 4789 nolearning");
  await t.ok("bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.2", "bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.3");
  expect(await t.ok("bridge fdb show dev vx0")).toBe(
    "00:00:00:00:00:00 dst 10.0.0.2 self permanent\n00:00:00:00:00:00 dst 10.0.0.3 self permanent\n",
  );
  expect(await t.ok("ip link show vx0")).toMatch(/vx0: <BROADCAST,MULTICAST> mtu 1450 /);
  expect(await t.ok("lsmod")).toMatch(/^vxlan /m);
});
