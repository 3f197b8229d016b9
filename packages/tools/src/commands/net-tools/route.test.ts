import { describe, expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

async function net() {
  const t = testShell();
  await t.ok("insmod etun", "ip link add p0 type veth peer name p1", "ip addr add 10.0.0.1/24 dev p0", "ip link set p0 up", "ip link set p1 up");
  return t;
}

const HEAD = "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n";

describe("route", () => {
  it("prints /proc/net/route in net-tools' table, names without -n", async () => {
    const t = await net();
    await t.ok("route add default gw 10.0.0.2", "route add -net 10.5.0.0 netmask 255.255.0.0 gw 10.0.0.2 metric 3", "route add -host 10.6.0.1 dev p0");
    expect(await t.ok("route -n")).toBe(
      HEAD +
        "0.0.0.0         10.0.0.2        0.0.0.0         UG    0      0        0 p0\n" +
        "10.0.0.0        0.0.0.0         255.255.255.0   U     0      0        0 p0\n" +
        "10.5.0.0        10.0.0.2        255.255.0.0     UG    3      0        0 p0\n" +
        "10.6.0.1        0.0.0.0         255.255.255.255 UH    0      0        0 p0\n",
    );
    await t.ok("echo '10.0.0.2 gw' >> /etc/hosts", "echo 'lab 10.5' >> /etc/networks");
    expect(await t.ok("route")).toBe(
      HEAD +
        "default         gw              0.0.0.0         UG    0      0        0 p0\n" +
        "10.0.0.0        0.0.0.0         255.255.255.0   U     0      0        0 p0\n" +
        "lab             gw              255.255.0.0     UG    3      0        0 p0\n" +
        "10.6.0.1        0.0.0.0         255.255.255.255 UH    0      0        0 p0\n",
    );
    expect(await t.ok("route -ne")).toMatch(/Iface    MSS   Window irtt\n/);
    await t.ok("route del -net lab netmask 255.255.0.0 gw gw", "route del default", "route add -net 10.7.0.0/16 dev p0");
    expect(await t.ok("route -n")).toContain("10.7.0.0        0.0.0.0         255.255.0.0     U     0      0        0 p0\n");
  });

  it("reports ioctl errors with exit 7 and usage errors with exit 3", async () => {
    const t = await net();
    expect(await t.run("route add -net 10.1.0.0 netmask 255.255.0.0 gw 10.9.0.2")).toEqual({ status: 7, out: "", err: "SIOCADDRT: Network is unreachable\n" });
    expect(await t.run("route del -net 10.9.0.0/16")).toEqual({ status: 7, out: "", err: "SIOCDELRT: No such process\n" });
    expect((await t.run("route add -net 10.1.0.0/33 dev p0")).status).toBe(3);
    expect((await t.run("route add -net 10.1.0.1/16 dev p0")).err).toMatch(/^route: netmask doesn't match route address\n/);
    expect((await t.run("route add")).status).toBe(3);
    expect((await t.run("route bogus")).status).toBe(3);
    await t.ok("su alice");
    expect(await t.run("route add default gw 10.0.0.2")).toEqual({ status: 7, out: "", err: "SIOCADDRT: Operation not permitted\n" });
  });
});
