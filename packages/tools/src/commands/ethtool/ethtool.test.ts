import { describe, expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

async function pair() {
  const t = testShell();
  await t.ok("insmod etun", "ip link add v0 type veth peer name v1");
  return t;
}

describe("ethtool", () => {
  it("prints the link settings and the link state", async () => {
    const t = await pair();
    const out = await t.ok("ethtool v0");
    expect(out).toMatch(/^Settings for v0:\n\tSupported ports: \[  \]\n/);
    expect(out).toContain("\tSpeed: 10000Mb/s\n\tDuplex: Full\n\tAuto-negotiation: off\n\tPort: Twisted Pair\n\tPHYAD: 0\n\tTransceiver: internal\n");
    expect(out).toMatch(/\tLink detected: no\n$/);
    await t.ok("ip link set v0 up", "ip link set v1 up");
    expect(await t.ok("ethtool v0")).toMatch(/\tLink detected: yes\n$/);
  });

  it("-i, -S", async () => {
    const t = await pair();
    expect(await t.ok("ethtool -i v0")).toBe(
      "driver: etun\nversion: 1.0\nfirmware-version: N/A\nexpansion-rom-version: \nbus-info: \nsupports-statistics: yes\n" +
        "supports-test: no\nsupports-eeprom-access: no\nsupports-register-dump: no\nsupports-priv-flags: no\n",
    );
    expect(await t.ok("ethtool -S v0")).toBe("NIC statistics:\n     peer_ifindex: 2\n");
  });

  it("-k shows features, -K changes them, with short names", async () => {
    const t = await pair();
    expect(await t.ok("ethtool -k v0")).toMatch(/^Features for v0:\nrx-checksumming: off\ntx-checksumming: off\nscatter-gather: off\n/);
    await t.ok("ethtool -K v0 rx on tx on sg on");
    expect(await t.ok("ethtool --show-features v0")).toMatch(/^Features for v0:\nrx-checksumming: on\ntx-checksumming: on\nscatter-gather: on\n/);
    expect(await t.run("ethtool -K v0 highdma off")).toEqual({ status: 1, out: "", err: "Could not change any device features\n" });
  });

  it("prints ethtool's errors and exit statuses", async () => {
    const t = await pair();
    expect(await t.run("ethtool")).toEqual({ status: 1, out: "", err: "ethtool: bad command line argument(s)\nFor more information run ethtool -h\n" });
    expect((await t.run("ethtool -z v0")).status).toBe(1);
    expect((await t.run("ethtool -K v0 foo on")).err).toBe("ethtool: bad command line argument(s)\nFor more information run ethtool -h\n");
    expect((await t.run("ethtool -K v0 rx")).status).toBe(1);
    expect((await t.run("ethtool -K v0 rx maybe")).err).toMatch(/is not followed by 'on' or 'off'/);
    expect(await t.run("ethtool -i lo")).toEqual({ status: 71, out: "", err: "Cannot get driver information: Operation not supported\n" });
    expect(await t.run("ethtool -S lo")).toEqual({ status: 94, out: "", err: "no stats available\n" });
    expect(await t.run("ethtool lo")).toEqual({ status: 75, out: "", err: "No data available\n" });
    expect((await t.run("ethtool eth9")).status).toBe(75);
    expect(await t.run("ethtool -i eth9")).toMatchObject({ status: 71, err: "Cannot get driver information: No such device\n" });
    expect((await t.run("ethtool -k eth9")).status).toBe(1);
    expect((await t.ok("ethtool -h"))).toMatch(/^Usage:/);
  });

  it("needs CAP_NET_ADMIN to change features", async () => {
    const t = await pair();
    await t.ok("su alice");
    expect(await t.ok("ethtool -k v0")).toContain("Features for v0:");
    expect(await t.run("ethtool -K v0 rx on")).toEqual({ status: 1, out: "", err: "Cannot set device feature settings: Operation not permitted\n" });
  });
});
