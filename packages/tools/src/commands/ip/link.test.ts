import { describe, expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

async function pair() {
  const t = testShell();
  await t.ok("insmod etun", "ip link add v0 type veth peer name v1");
  return t;
}

describe("ip link show", () => {
  it("prints iproute2's two lines per device, @peer from ndo_get_iflink", async () => {
    const t = await pair();
    expect(await t.ok("ip link show")).toMatch(
      new RegExp(
        "^1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default \\n" +
          "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\\n" +
          "2: v1@v0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default \\n" +
          "    link/ether ([0-9a-f]{2}:){5}[0-9a-f]{2} brd ff:ff:ff:ff:ff:ff\\n" +
          "3: v0@v1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default \\n",
      ),
    );
  });

  it("shows carrier and state as devices come up, NO-CARRIER while the peer is down", async () => {
    const t = await pair();
    await t.ok("ip link set v0 up");
    expect(await t.ok("ip link show v0")).toMatch(/^3: v0@v1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN /);
    await t.ok("ip link set v1 up");
    expect(await t.ok("ip link show dev v0")).toMatch(/^3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP /);
    expect(await t.ok("ip link show up")).not.toContain("M-DOWN");
  });

  it("filters by kind and by state", async () => {
    const t = await pair();
    expect(await t.ok("ip link show type veth")).not.toContain("lo:");
    expect(await t.ok("ip link show up")).toMatch(/^1: lo:[^\n]*\n[^\n]*\n$/);
  });

  it("prints qlen only when there is a queue length, and -1 for 4294967295", async () => {
    const t = await pair();
    await t.ok("ip link set v0 txqueuelen 1000");
    expect(await t.ok("ip link show v0")).toMatch(/group default qlen 1000\n/);
    await t.ok("ip link set v0 txqueuelen -1");
    expect(await t.ok("ip link show v0")).toMatch(/group default qlen -1\n/);
  });

  it("-s and -s -s print the statistics blocks", async () => {
    const t = await pair();
    const out = await t.ok("ip -s link show v0");
    expect(out.split("\n").slice(2).join("\n")).toBe(
      "    RX:  bytes packets errors dropped  missed   mcast           \n" +
        "             0       0      0       0       0       0 \n" +
        "    TX:  bytes packets errors dropped carrier collsns           \n" +
        "             0       0      0       0       0       0 \n",
    );
    const out2 = await t.ok("ip -s -s link show v0");
    expect(out2).toContain("    RX errors:  length    crc   frame    fifo overrun\n                     0      0       0       0       0 \n");
    expect(out2).toContain("    TX errors: aborted   fifo  window heartbt transns\n");
  });

  it("-d adds promiscuity, mtu bounds and the link kind", async () => {
    const t = await pair();
    const out = await t.ok("ip -d link show v0");
    expect(out).toMatch(/brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 46 maxmtu 65535 \n    etun numtxqueues 1 numrxqueues 1 \n$/);
  });

  it("-br prints one line per device", async () => {
    const t = await pair();
    expect(await t.ok("ip -br link show lo")).toBe("lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n");
    expect(await t.ok("ip -br link")).toMatch(/^v0@v1            DOWN           \S+ <BROADCAST,MULTICAST,M-DOWN> $/m);
  });

  it("-o joins a device's lines with a backslash", async () => {
    const t = await pair();
    expect(await t.ok("ip -o link show lo")).toBe(
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default \\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n",
    );
  });

  it("-j prints iproute2's field names, and nothing but JSON", async () => {
    const t = await pair();
    await t.ok("ip link set v0 alias uplink");
    const r = await t.run("ip -j -s -d link show v0");
    expect(r.err).toBe("");
    const [o] = JSON.parse(r.out) as Record<string, unknown>[];
    expect(Object.keys(o!)).toEqual([
      "ifindex", "link", "ifname", "flags", "mtu", "qdisc", "operstate", "linkmode", "group", "link_type", "address", "broadcast",
      "promiscuity", "allmulti", "min_mtu", "max_mtu", "linkinfo", "num_tx_queues", "num_rx_queues", "ifalias", "stats64",
    ]);
    expect(o).toMatchObject({ ifindex: 3, link: "v1", ifname: "v0", flags: ["BROADCAST", "MULTICAST", "M-DOWN"], linkinfo: { info_kind: "etun" } });
    expect(o!["stats64"]).toEqual({
      rx: { bytes: 0, packets: 0, errors: 0, dropped: 0, over_errors: 0, multicast: 0 },
      tx: { bytes: 0, packets: 0, errors: 0, dropped: 0, carrier_errors: 0, collisions: 0 },
    });
    expect(JSON.parse(await t.ok("ip -j -br link"))).toContainEqual(expect.objectContaining({ link: "v1", ifname: "v0", operstate: "DOWN" }));
    const pretty = await t.ok("ip -j -p link show lo");
    expect(pretty.startsWith('[ {\n        "ifindex": 1,\n        "ifname": "lo",\n        "flags": [ "LOOPBACK","UP","LOWER_UP" ],')).toBe(true);
  });

  it("says which device does not exist, exit 1", async () => {
    const t = await pair();
    expect(await t.run("ip link show eth9")).toEqual({ status: 1, out: "", err: 'Device "eth9" does not exist.\n' });
    expect(await t.run("ip -j link show eth9")).toEqual({ status: 1, out: "", err: 'Device "eth9" does not exist.\n' });
    expect(await t.run("ip link show x y")).toMatchObject({ status: 255, err: 'Error: either "dev" is duplicate, or "y" is a garbage.\n' });
    expect((await t.run("ip link show h")).err).toMatch(/^Usage: ip link add/);
    expect(await t.run("ip link show dev")).toMatchObject({ status: 255, err: 'Command line is not complete. Try option "help"\n' });
  });
});

describe("ip link add/delete", () => {
  it("creates pairs of the loaded kinds, by alias too, with mtu, address and txqueuelen", async () => {
    const t = testShell();
    expect(await t.run("ip link add p0 type veth peer name p1")).toEqual({ status: 2, out: "", err: "Error: Unknown device type.\n" });
    await t.ok("insmod etun", "ip link add p0 mtu 9000 address 02:00:00:00:00:0a txqueuelen 10 type etun peer name p1");
    expect(await t.ok("ip link show p0")).toMatch(/^\d+: p0@p1: .* mtu 9000 .* qlen 10\n    link\/ether 02:00:00:00:00:0a /);
    await t.ok("ip link add type veth");
    expect(await t.ok("ip -br link")).toMatch(/veth1@veth0/);
  });

  it("reports iproute2's errors", async () => {
    const t = testShell();
    await t.ok("insmod etun", "ip link add p0 type veth peer name p1");
    expect(await t.run("ip link add p0 type veth peer name p2")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: File exists\n" });
    expect(await t.run("ip link add x")).toMatchObject({ status: 1, err: 'Not enough information: "type" argument is required\n' });
    expect((await t.run("ip link add a type veth")).err).toBe('"type" is invalid lladdr.\n');
    expect(await t.run("ip link add x y type veth")).toMatchObject({ status: 255, err: 'Error: either "dev" is duplicate, or "y" is a garbage.\n' });
    expect(await t.run("ip link add x mtu abc type veth")).toMatchObject({ status: 255, err: 'Error: argument "abc" is wrong: Invalid "mtu" value\n\n' });
    expect(await t.run("ip link add x address zz type veth")).toMatchObject({ status: 1, err: '"zz" is invalid lladdr.\n' });
    expect((await t.run("ip link add x type veth bogus")).status).toBe(1);
    expect(await t.run("ip link add waytoolongname012 type veth")).toMatchObject({ status: 255 });
    expect(await t.run("ip link del lo")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: Operation not supported\n" });
    expect(await t.run("ip link del nope")).toEqual({ status: 1, out: "", err: 'Cannot find device "nope"\n' });
    expect(await t.run("ip link del")).toMatchObject({ status: 255, err: 'Not enough information: "dev" argument is required.\n' });
  });

  it("deletes both ends of a pair", async () => {
    const t = testShell();
    await t.ok("insmod etun", "ip link add p0 type veth peer name p1", "ip link delete dev p0");
    expect(await t.ok("ip -br link")).toBe("lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n");
  });

  it("creates in another namespace with netns", async () => {
    const t = testShell();
    await t.ok("insmod etun", "ip netns add ns1", "ip link add p0 netns ns1 type veth peer name p1");
    expect(await t.ok("ip -n ns1 -br link")).toMatch(/^p0@if\d+ /m);
    expect(await t.ok("ip -br link")).toMatch(/^p1@if\d+ /m);
    expect((await t.run("ip link add p2 netns nope type veth")).status).toBe(255);
  });

  it("needs CAP_NET_ADMIN", async () => {
    const t = testShell();
    await t.ok("insmod etun", "su alice");
    expect(await t.run("ip link add p0 type veth")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: Operation not permitted\n" });
    await t.ok("sudo ip link add p0 type veth peer name p1");
    expect(await t.run("ip link del p0")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: Operation not permitted\n" });
  });
});

describe("ip link set", () => {
  it("changes flags, mtu, address, name, alias and txqueuelen", async () => {
    const t = await pair();
    await t.ok("ip link set v0 mtu 1400 address 02:11:22:33:44:55 txqueuelen 7 alias up0 promisc on arp off");
    await t.ok("ip link set dev v0 name w0", "ip link set w0 up", "ip link set w0 multicast off allmulticast on");
    const out = await t.ok("ip link show w0");
    expect(out).toMatch(/^3: w0@v1: <NO-CARRIER,BROADCAST,NOARP,ALLMULTI,PROMISC,UP,M-DOWN> mtu 1400 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 7\n/);
    expect(out).toContain("link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff\n    alias up0\n");
    expect(await t.ok("cat /sys/class/net/w0/mtu")).toBe("1400\n");
    expect(await t.ok("ip link set w0")).toBe("");
  });

  it("reports errors as iproute2 does, changing nothing on bad input", async () => {
    const t = await pair();
    expect(await t.run("ip link set v0 mtu 10")).toEqual({ status: 2, out: "", err: "Error: mtu less than device minimum.\n" });
    expect(await t.run("ip link set v0 mtu 70000")).toEqual({ status: 2, out: "", err: "Error: mtu greater than device maximum.\n" });
    expect(await t.run("ip link set v0 mtu abc")).toMatchObject({ status: 255, err: 'Error: argument "abc" is wrong: Invalid "mtu" value\n\n' });
    expect(await t.run("ip link set v0 txqueuelen abc")).toMatchObject({ status: 255, err: 'Error: argument "abc" is wrong: Invalid "txqueuelen" value\n\n' });
    expect(await t.run("ip link set v0 address zz")).toMatchObject({ status: 1, err: '"zz" is invalid lladdr.\n' });
    expect(await t.run("ip link set v0 address ff:ff:ff:ff:ff:ff")).toMatchObject({ status: 2, err: "RTNETLINK answers: Cannot assign requested address\n" });
    expect(await t.run("ip link set v0 name v1")).toMatchObject({ status: 2, err: "RTNETLINK answers: File exists\n" });
    expect(await t.run("ip link set v0 promisc x")).toMatchObject({ status: 1, err: 'Error: argument of "promisc" must be "on" or "off", not "x"\n' });
    expect(await t.run("ip link set v0 foo")).toMatchObject({ status: 255, err: 'Error: either "dev" is duplicate, or "foo" is a garbage.\n' });
    expect(await t.run("ip link set v9 up")).toEqual({ status: 1, out: "", err: 'Cannot find device "v9"\n' });
    expect(await t.run("ip link set")).toMatchObject({ status: 255, err: 'Not enough information: "dev" argument is required.\n' });
    expect(await t.run("ip link set v0 netns nope")).toMatchObject({ status: 255, err: 'Error: argument "nope" is wrong: Invalid "netns" value\n\n' });
    expect(await t.run("ip link set lo address 02:00:00:00:00:01")).toMatchObject({ status: 2, err: "RTNETLINK answers: Operation not supported\n" });
    await t.ok("ip link set v0 up");
    expect(await t.run("ip link set v0 name x")).toMatchObject({ status: 2, err: "RTNETLINK answers: Device or resource busy\n" });
    expect(await t.ok("ip -br link show v0")).toMatch(/^v0@v1 /);
  });

  it("moves devices between namespaces, naming the peer's namespace", async () => {
    const t = await pair();
    await t.ok("ip netns add blue", "ip link set v1 netns blue");
    expect(await t.ok("ip link show v0")).toMatch(/^3: v0@if2: .*\n    link\/ether \S+ brd ff:ff:ff:ff:ff:ff link-netns blue\n$/);
    expect(JSON.parse(await t.ok("ip -j link show v0"))[0]).toMatchObject({ link_index: 2, link_netnsid: 0 });
    expect(await t.ok("ip -n blue link show v1")).toMatch(/^2: v1@if3: [^\n]*\n[^\n]*link-netnsid 0\n$/);
    expect(await t.run("ip link set lo netns blue")).toMatchObject({ status: 2, err: "RTNETLINK answers: Invalid argument\n" });
  });

  it("needs CAP_NET_ADMIN, and shows is free", async () => {
    const t = await pair();
    await t.ok("su alice");
    expect(await t.ok("ip link show lo")).toContain("lo:");
    expect(await t.run("ip link set v0 up")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: Operation not permitted\n" });
  });
});

describe("ip front end", () => {
  it("knows its options and objects, and says what it does not know", async () => {
    const t = testShell();
    expect(await t.run("ip foo")).toEqual({ status: 1, out: "", err: 'Object "foo" is unknown, try "ip help".\n' });
    expect(await t.run("ip link foo")).toEqual({ status: 255, out: "", err: 'Command "foo" is unknown, try "ip link help".\n' });
    expect(await t.run("ip -z link")).toEqual({ status: 255, out: "", err: 'Option "-z" is unknown, try "ip -help".\n' });
    expect(await t.run("ip xfrm")).toMatchObject({ status: 255, err: 'Object "xfrm" is not supported by vnet, try "ip help".\n' });
    expect((await t.run("ip")).err).toMatch(/^Usage: ip \[ OPTIONS \] OBJECT/);
    expect((await t.run("ip help")).status).toBe(255);
    expect((await t.run("ip link help")).err).toMatch(/^Usage: ip link add/);
    expect(await t.ok("ip -V")).toBe("ip utility, iproute2-6.1.0 (vnet)\n");
    expect(await t.ok("ip l", "ip li sh lo", "ip --json link", "ip -family link link")).toContain("lo");
    expect((await t.run("ip -family foo link")).status).toBe(255);
  });
});

describe("ip link set master", () => {
  it("refuses a master that is not a bridge, and a master that does not exist", async () => {
    const t = await pair();
    const notBridge = await t.run("ip link set v0 master v1");
    expect(notBridge.status).toBe(2);
    expect(notBridge.err).toBe("RTNETLINK answers: Operation not supported\n");
    const missing = await t.run("ip link set v0 master nope");
    expect(missing.status).toBe(255);
    expect(missing.err).toBe('Error: argument "nope" is wrong: Device does not exist\n\n');
    expect((await t.run("ip link set v0 nomaster")).status).toBe(0);
  });
});

describe("ip link abbreviations", () => {
  it("reads `ip l s DEV up` as set, as iproute2 does", async () => {
    const t = await pair();
    await t.ok("ip l s v0 up");
    expect(await t.ok("ip link show v0")).toMatch(/<[^>]*\bUP\b[^>]*>/);
  });
});
