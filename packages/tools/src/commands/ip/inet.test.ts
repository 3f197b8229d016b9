import { describe, expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

/** Two namespaces joined by a veth pair: 10.0.0.1 here (p0), 10.0.0.2 in `a` (p1). */
async function net() {
  const t = testShell();
  await t.ok(
    "insmod etun", "ip netns add a", "ip link add p0 type veth peer name p1 netns a", "ip addr add 10.0.0.1/24 dev p0", "ip link set p0 up",
    "ip -n a addr add 10.0.0.2/24 dev p1", "ip -n a link set p1 up", "ip -n a link set lo up",
  );
  return t;
}

describe("ip address", () => {
  it("lists addresses under their device, as iproute2 does", async () => {
    const t = await net();
    await t.ok("ip addr add 10.0.0.9/24 brd + dev p0", "ip addr add 10.1.0.1 peer 10.1.0.2/32 dev p0", "ip addr add 10.2.0.1/24 metric 7 dev p0");
    expect(await t.ok("ip addr show dev p0")).toMatch(
      new RegExp(
        // p0 and its peer have the same ifindex (2) in their namespaces: as in Linux, no @link then.
        "^2: p0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \\n" +
          "    link/ether \\S+ brd ff:ff:ff:ff:ff:ff\\n" +
          "    inet 10\\.0\\.0\\.1/24 scope global p0\\n       valid_lft forever preferred_lft forever\\n" +
          "    inet 10\\.1\\.0\\.1 peer 10\\.1\\.0\\.2/32 scope global p0\\n       valid_lft forever preferred_lft forever\\n" +
          "    inet 10\\.2\\.0\\.1/24 metric 7 scope global p0\\n       valid_lft forever preferred_lft forever\\n" +
          "    inet 10\\.0\\.0\\.9/24 brd 10\\.0\\.0\\.255 scope global secondary p0\\n       valid_lft forever preferred_lft forever\\n$",
      ),
    );
    expect(await t.ok("ip -br addr")).toBe("lo               UNKNOWN        127.0.0.1/8 \np0               UP             10.0.0.1/24 10.1.0.1 peer 10.1.0.2/32 10.2.0.1/24 metric 7 10.0.0.9/24 \n");
    expect(await t.ok("ip -4 -o addr show lo")).toBe("1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n");
    expect(await t.ok("ip -4 addr show lo")).toBe(
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default \n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n",
    );
    const [p0] = JSON.parse(await t.ok("ip -j addr show p0")) as { addr_info: unknown[] }[];
    expect(p0!.addr_info[0]).toEqual({ family: "inet", local: "10.0.0.1", prefixlen: 24, scope: "global", label: "p0", valid_life_time: 4294967295, preferred_life_time: 4294967295 });
    expect(p0!.addr_info[3]).toMatchObject({ broadcast: "10.0.0.255", secondary: true });
    expect(p0!.addr_info[1]).toMatchObject({ local: "10.1.0.1", address: "10.1.0.2", prefixlen: 32 });
    expect(JSON.parse(await t.ok("ip -j -br addr show lo"))).toEqual([{ ifname: "lo", operstate: "UNKNOWN", addr_info: [{ local: "127.0.0.1", prefixlen: 8 }] }]);
  });

  it("adds, deletes and flushes, with iproute2's messages", async () => {
    const t = await net();
    expect(await t.run("ip addr add 10.0.0.1/24 dev p0")).toEqual({ status: 2, out: "", err: "Error: ipv4: Address already assigned.\n" });
    expect(await t.run("ip addr del 10.9.9.9/24 dev p0")).toEqual({ status: 2, out: "", err: "Error: ipv4: Address not found.\n" });
    expect(await t.run("ip addr add 1.2.3.4/33 dev p0")).toEqual({ status: 1, out: "", err: 'Error: any valid prefix is expected rather than "1.2.3.4/33".\n' });
    expect(await t.run("ip addr add 10.0.0.5/24")).toMatchObject({ status: 1, err: 'Not enough information: "dev" argument is required.\n' });
    expect(await t.run("ip addr add 10.0.0.5/24 dev nope")).toMatchObject({ status: 1, err: 'Cannot find device "nope"\n' });
    expect((await t.run("ip addr flush")).err).toBe("Flush requires arguments.\n");
    await t.ok("ip addr replace 10.0.0.1/24 dev p0", "ip addr add 10.0.0.7/24 dev p0");
    const del = await t.run("ip addr del 10.0.0.7 dev p0");
    expect(del.status).toBe(0);
    expect(del.err).toMatch(/^Warning: Executing wildcard deletion/);
    await t.ok("ip addr flush dev p0");
    expect(await t.ok("ip -br addr show p0")).toBe("p0               UP             \n");
    expect(await t.ok("ip route")).toBe("");
    await t.ok("su alice");
    expect(await t.run("ip addr add 10.0.0.8/24 dev p0")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: Operation not permitted\n" });
  });
});

describe("ip route", () => {
  it("shows the main and local tables", async () => {
    const t = await net();
    expect(await t.ok("ip route")).toBe("10.0.0.0/24 dev p0 proto kernel scope link src 10.0.0.1 \n");
    expect(await t.ok("ip route show table local")).toBe(
      "local 10.0.0.1 dev p0 proto kernel scope host src 10.0.0.1 \nbroadcast 10.0.0.255 dev p0 proto kernel scope link src 10.0.0.1 \n" +
        "local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 \nlocal 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 \n" +
        "broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 \n",
    );
    expect(await t.ok("ip -j route")).toBe('[{"dst":"10.0.0.0/24","dev":"p0","protocol":"kernel","scope":"link","prefsrc":"10.0.0.1","flags":[]}]\n');
  });

  it("adds, replaces, deletes and flushes routes", async () => {
    const t = await net();
    await t.ok("ip route add default via 10.0.0.2", "ip route add 10.6.0.0/16 dev p0 metric 5", "ip route add unreachable 10.7.0.0/16", "ip route append 10.6.0.0/16 via 10.0.0.2 metric 5");
    expect(await t.ok("ip route")).toBe(
      "default via 10.0.0.2 dev p0 \n10.0.0.0/24 dev p0 proto kernel scope link src 10.0.0.1 \n10.6.0.0/16 dev p0 scope link metric 5 \n" +
        "10.6.0.0/16 via 10.0.0.2 dev p0 metric 5 \nunreachable 10.7.0.0/16 \n",
    );
    expect(await t.ok("ip route show dev p0 proto kernel")).toBe("10.0.0.0/24 proto kernel scope link src 10.0.0.1 \n");
    expect(await t.run("ip route add 10.6.0.0/16 dev p0 metric 5")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: File exists\n" });
    expect(await t.run("ip route add 10.5.0.0/16 via 10.9.0.1")).toEqual({ status: 2, out: "", err: "Error: Nexthop has invalid gateway.\n" });
    expect(await t.run("ip route del 10.8.0.0/16")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: No such process\n" });
    expect(await t.run("ip route add bogus dev p0")).toEqual({ status: 1, out: "", err: 'Error: any valid prefix is expected rather than "bogus".\n' });
    expect(await t.run("ip route add 10.9.0.1/8 dev p0")).toMatchObject({ status: 2, err: "Error: Invalid prefix for given prefix length.\n" });
    await t.ok("ip route replace default via 10.0.0.2 dev p0 metric 0", "ip route del unreachable 10.7.0.0/16", "ip route flush dev p0");
    expect(await t.ok("ip route")).toBe("");
    await t.ok("su alice");
    expect(await t.run("ip route add 10.8.0.0/16 dev p0")).toMatchObject({ status: 2, err: "RTNETLINK answers: Operation not permitted\n" });
  });

  it("get prints the route a packet would take", async () => {
    const t = await net();
    expect(await t.ok("ip route get 10.0.0.2")).toBe("10.0.0.2 dev p0 src 10.0.0.1 uid 0 \n    cache \n");
    expect(await t.ok("ip route get 10.0.0.1")).toBe("local 10.0.0.1 dev lo src 10.0.0.1 uid 0 \n    cache <local> \n");
    expect(JSON.parse(await t.ok("ip -j route get 10.0.0.2"))).toEqual([{ dst: "10.0.0.2", dev: "p0", prefsrc: "10.0.0.1", flags: [], uid: 0, cache: [] }]);
    expect(await t.run("ip route get 8.8.8.8")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: Network is unreachable\n" });
  });
});

describe("ip neigh", () => {
  it("shows what ARP learnt, adds and deletes entries", async () => {
    const t = await net();
    await t.ok("ping -c 1 10.0.0.2", "ip neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev p0");
    expect(await t.ok("ip neigh")).toMatch(/^10\.0\.0\.2 dev p0 lladdr (\S+) REACHABLE \n10\.0\.0\.7 dev p0 lladdr 02:00:00:00:00:07 PERMANENT \n$/);
    expect(await t.ok("ip neigh show dev p0 nud permanent")).toBe("10.0.0.7 lladdr 02:00:00:00:00:07 PERMANENT \n");
    expect(JSON.parse(await t.ok("ip -j neigh show 10.0.0.7"))).toEqual([{ dst: "10.0.0.7", dev: "p0", lladdr: "02:00:00:00:00:07", state: ["PERMANENT"] }]);
    expect(await t.run("ip neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev p0")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: File exists\n" });
    expect(await t.run("ip neigh del 10.0.0.99 dev p0")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: No such file or directory\n" });
    expect((await t.run("ip neigh add 10.0.0.8 lladdr zz dev p0")).err).toBe('"zz" is invalid lladdr.\n');
    expect(await t.ok("ip -s neigh show 10.0.0.2")).toMatch(/^10\.0\.0\.2 dev p0 lladdr \S+  used \d+\/\d+\/\d+probes \d+ REACHABLE \n$/);
    await t.ok("ip neigh replace 10.0.0.7 lladdr 02:00:00:00:00:08 dev p0", "ip neigh del 10.0.0.7 dev p0", "ip neigh flush dev p0");
    expect(await t.ok("ip neigh show nud permanent")).toBe("");
  });
});
