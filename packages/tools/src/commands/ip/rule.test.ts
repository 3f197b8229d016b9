import { describe, expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

async function host() {
  const t = testShell();
  await t.ok(
    "insmod etun", "ip link add p0 type veth peer name p1", "ip link set p0 up", "ip link set p1 up", "ip addr add 10.20.0.1/24 dev p0",
    "ip addr add 10.40.0.1/24 dev p1", "ip route add default via 10.20.0.2", "ip route add default via 10.40.0.2 table 100",
  );
  return t;
}

describe("ip rule", () => {
  it("lists the default rules, in text and JSON", async () => {
    const t = await host();
    expect(await t.ok("ip rule")).toBe("0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n");
    expect(await t.ok("ip -j rule show")).toBe(
      '[{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]\n',
    );
    expect(await t.ok("ip -d rule list pref 0")).toBe("0:\tfrom all lookup local proto kernel\n");
  });

  it("adds rules with every selector and prints them as iproute2 does", async () => {
    const t = await host();
    await t.ok(
      "ip rule add from 10.40.0.0/24 table 100", "ip rule add not from 10.1.0.0/16 to 9.9.9.0/24 tos 0x10 fwmark 0x1/0xff iif p1 oif nope table 7 pref 96",
      "ip rule add prohibit to 6.6.6.6 pref 10", "ip rule add goto 32766 pref 20", "ip rule add nop pref 21", "ip rule add from 1.2.3.4 pref 30",
      "ip rule add lookup main suppress_prefixlength 0 pref 40",
    );
    expect(await t.ok("ip rule")).toBe(
      "0:\tfrom all lookup local\n10:\tfrom all to 6.6.6.6 prohibit\n20:\tfrom all goto 32766\n21:\tfrom all nop\n30:\tfrom 1.2.3.4 lookup main\n" +
        "40:\tfrom all lookup main suppress_prefixlength 0\n" +
        "96:\tnot from 10.1.0.0/16 to 9.9.9.0/24 tos 0x10 fwmark 0x1/0xff iif p1 oif nope [detached] lookup 7\n" +
        "32765:\tfrom 10.40.0.0/24 lookup 100\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n",
    );
    expect(await t.ok("ip -j rule show pref 96")).toBe(
      '[{"priority":96,"not":null,"src":"10.1.0.0","srclen":16,"dst":"9.9.9.0","dstlen":24,"tos":"0x10","fwmark":"0x1","fwmask":"0xff",' +
        '"iif":"p1","oif":"nope","oif_detached":null,"table":"7"}]\n',
    );
    expect(await t.ok("ip rule show table 100")).toBe("32765:\tfrom 10.40.0.0/24 lookup 100\n");
    expect(await t.ok("ip rule show from 10.40.0.0/16")).toBe("32765:\tfrom 10.40.0.0/24 lookup 100\n");
    expect(await t.ok("ip rule show not")).toBe("96:\tnot from 10.1.0.0/16 to 9.9.9.0/24 tos 0x10 fwmark 0x1/0xff iif p1 oif nope [detached] lookup 7\n");
    // oif appears: no longer detached.
    await t.ok("ip link add nope type veth peer name nope1");
    expect(await t.ok("ip rule show oif nope")).toContain(" oif nope lookup 7\n");
  });

  it("routes by the rules: ip route get from/iif picks their table", async () => {
    const t = await host();
    expect(await t.ok("ip route get 8.8.8.8 from 10.40.0.1")).toBe("8.8.8.8 from 10.40.0.1 via 10.20.0.2 dev p0 uid 0 \n    cache \n");
    await t.ok("ip rule add from 10.40.0.1 table 100", "ip rule add iif p0 from 10.30.0.0/16 table 100", "sysctl -qw net.ipv4.ip_forward=1");
    expect(await t.ok("ip route get 8.8.8.8 from 10.40.0.1")).toBe("8.8.8.8 from 10.40.0.1 via 10.40.0.2 dev p1 table 100 uid 0 \n    cache \n");
    expect(await t.ok("ip route get 8.8.8.8")).toBe("8.8.8.8 via 10.20.0.2 dev p0 src 10.20.0.1 uid 0 \n    cache \n");
    expect(await t.ok("ip route get 8.8.8.8 from 10.30.0.7 iif p0")).toBe("8.8.8.8 from 10.30.0.7 via 10.40.0.2 dev p1 table 100 \n    cache iif p0 \n");
    expect(await t.ok("ip -j route get 8.8.8.8 from 10.30.0.7 iif p0")).toBe(
      '[{"dst":"8.8.8.8","from":"10.30.0.7","gateway":"10.40.0.2","dev":"p1","table":"100","flags":[],"cache":[],"iif":"p0"}]\n',
    );
    await t.ok("ip rule add unreachable to 5.5.5.5", "ip rule add blackhole to 4.4.4.4");
    expect(await t.run("ip route get 5.5.5.5")).toMatchObject({ status: 2, err: "RTNETLINK answers: Network is unreachable\n" });
    expect(await t.run("ip route get 4.4.4.4")).toMatchObject({ status: 2, err: "RTNETLINK answers: Invalid argument\n" });
    // Pings follow the rules too.
    expect((await t.run("ping -c 1 4.4.4.4")).err).toBe("ping: connect: Invalid argument\n");
  });

  it("deletes the first matching rule, flushes all but pref 0, and says what went wrong as ip does", async () => {
    const t = await host();
    await t.ok("ip rule add from 10.9.0.0/16 table 100 pref 500", "ip rule add from 10.9.0.0/16 fwmark 1 table 100 pref 500");
    expect(await t.run("ip rule add from 10.9.0.0/16 table 100 pref 500")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: File exists\n" });
    await t.ok("ip rule del from 10.9.0.0/16");
    expect(await t.ok("ip rule show pref 500")).toBe("500:\tfrom 10.9.0.0/16 fwmark 0x1 lookup 100\n");
    expect(await t.run("ip rule del pref 5000")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: No such file or directory\n" });
    expect(await t.run("ip rule add")).toEqual({ status: 1, out: "", err: '"ip rule add" requires arguments.\n' });
    expect(await t.run("ip rule add table foo")).toEqual({ status: 255, out: "", err: 'Error: argument "foo" is wrong: invalid table ID\n\n' });
    expect(await t.run("ip rule add frob")).toEqual({ status: 255, out: "", err: 'Error: argument "frob" is wrong: Failed to parse rule type\n' });
    expect(await t.run("ip rule add tos 0x11 table 9")).toEqual({ status: 2, out: "", err: "Error: Invalid dsfield (tos): ECN bits must be 0.\n" });
    expect(await t.run("ip rule add goto 1 pref 1")).toEqual({ status: 2, out: "", err: "Error: Backward goto not supported.\n" });
    expect(await t.run("ip rule show blah")).toEqual({ status: 1, out: "", err: 'Error: inet prefix is expected rather than "blah".\n' });
    expect(await t.run("ip rule foo")).toEqual({ status: 255, out: "", err: 'Command "foo" is unknown, try "ip rule help".\n' });
    expect(await t.run("su alice -c 'ip rule add table 5'")).toEqual({ status: 2, out: "", err: "RTNETLINK answers: Operation not permitted\n" });
    await t.ok("ip rule flush");
    expect(await t.ok("ip rule")).toBe("0:\tfrom all lookup local\n");
  });
});
