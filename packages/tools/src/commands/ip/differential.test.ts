/**
 * vnet's `ip` against the real one: the same command sequence runs in a network namespace of
 * this machine (dummy-free: veth pairs, no traffic) and in a vnet namespace; after each step the
 * exit status, the error text and the fields of `ip -j -d link show` must agree.
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testShell, type TestShell } from "../../test-helpers.js";
import { isRoot, missing, runs } from "../../root-tests.js";

const NS = `vnet-t-${process.pid}`;
const skip = missing([
  [isRoot(), "not root (network namespaces need it)"],
  [runs("ip", ["-V"]), "iproute2's ip is not installed"],
]);

function real(args: string): { status: number; out: string; err: string } {
  const r = spawnSync("ip", ["-n", NS, ...args.split(" ")], { encoding: "utf8" });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Fields that mean the same in both (addresses are random; etun is veth under another name). */
const FIELDS = ["ifindex", "ifname", "link", "flags", "mtu", "qdisc", "operstate", "linkmode", "group", "txqlen", "link_type", "broadcast", "promiscuity", "allmulti", "max_mtu", "ifalias"];

function project(json: string): Record<string, unknown>[] {
  return (JSON.parse(json) as Record<string, unknown>[])
    .filter((d) => d["ifname"] !== "lo")
    // etun's default queue length is 0 where veth's is 1000: the same "default" for this comparison.
    .map((d) => Object.fromEntries(FIELDS.filter((f) => f in d && !(f === "txqlen" && d[f] === 1000)).map((f) => [f, d[f]])));
}

const STEPS = [
  "link add p0 type veth peer name p1",
  "link set p0 txqueuelen 500",
  "link set p1 txqueuelen 500",
  "link set p0 up",
  "link set p1 up",
  "link set p0 mtu 9000",
  "link set p0 mtu 10",
  "link set p0 mtu 70000",
  "link set p0 mtu abc",
  "link set p1 promisc on",
  "link set p1 allmulticast on",
  "link set p1 arp off",
  "link set p0 alias uplink",
  "link set p0 down",
  "link set p0 name q0",
  "link set q0 up",
  // Renaming a running device: Linux 6.2+ allows it, vnet's core refuses with EBUSY as before.
  "link set q0 down",
  "link set q0 name r0",
  // veth allows address changes while up (IFF_LIVE_ADDR_CHANGE); etun, like the original, does not.
  "link set r0 address ff:ff:ff:ff:ff:ff",
  "link set r0 address zz",
  "link set r0 up",
  "link set nope up",
  "link show nope",
  "link add q0 type veth peer name p1",
  "link add a type veth",
  "link set r0 foo",
  "link set r0 txqueuelen -1",
  "link del lo",
  "link del p1",
  "link del p1",
  "link add p0 type veth peer name p1",
  "link set p1 txqueuelen 500",
];

describe.skipIf(skip !== null)("ip compared with iproute2 in a real namespace", () => {
  let t: TestShell;

  beforeAll(async () => {
    spawnSync("ip", ["netns", "del", NS]);
    expect(spawnSync("ip", ["netns", "add", NS]).status).toBe(0);
    t = testShell();
    await t.ok("insmod etun", `ip netns add ${NS}`);
  });

  afterAll(() => {
    spawnSync("ip", ["netns", "del", NS]);
  });

  it("agrees step by step on statuses, errors and link fields", async () => {
    for (const step of STEPS) {
      const r = real(step);
      const v = await t.run(`ip -n ${NS} ${step}`);
      expect({ step, status: v.status, err: v.err }).toEqual({ step, status: r.status, err: r.err });
      const rl = real("-j -d link show");
      const vl = await t.run(`ip -n ${NS} -j -d link show`);
      expect({ step, links: project(vl.out) }).toEqual({ step, links: project(rl.out) });
    }
  });

  it("agrees on address and route sequences", async () => {
    const steps = [
      "link set p0 up", "link set p1 up",
      "addr add 10.0.0.1/24 dev p0", "addr add 10.0.0.1/24 dev p0", "addr add 10.0.0.9/24 brd + dev p0", "addr add 10.0.0.2/24 dev p1",
      "addr add 10.1.0.1 peer 10.1.0.2/32 dev p0", "addr add 10.2.0.1/24 metric 7 dev p0", "addr add 1.2.3.4/33 dev p0", "addr add foo dev p0",
      "addr add 10.0.0.5/24", "addr del 10.9.9.9/24 dev p0",
      "route add default via 10.0.0.2", "route add 10.5.0.0/16 via 10.9.0.1", "route add 10.6.0.0/16 dev p0 metric 5",
      "route add 10.6.0.0/16 dev p0 metric 5", "route append 10.6.0.0/16 via 10.0.0.2 metric 5", "route add unreachable 10.7.0.0/16",
      "route del 10.8.0.0/16", "route add bogus dev p0", "route add 10.9.0.1/8 dev p0", "route replace default via 10.0.0.2 metric 3",
      "addr del 10.0.0.1/24 dev p0", "addr flush dev p1",
    ];
    const inet = (json: string): unknown =>
      (JSON.parse(json) as { ifname: string; addr_info: { family: string }[] }[])
        .filter((d) => d.ifname !== "lo")
        .map((d) => ({ ifname: d.ifname, addr_info: d.addr_info.filter((a) => a.family === "inet") }));
    for (const step of steps) {
      const r = real(step);
      const v = await t.run(`ip -n ${NS} ${step}`);
      expect({ step, status: v.status, err: v.err }).toEqual({ step, status: r.status, err: r.err });
      expect({ step, addrs: inet((await t.run(`ip -n ${NS} -j addr show`)).out) }).toEqual({ step, addrs: inet(real("-j addr show").out) });
      expect({ step, routes: (await t.run(`ip -n ${NS} route show`)).out }).toEqual({ step, routes: real("route show").out });
      expect({ step, local: (await t.run(`ip -n ${NS} route show table local`)).out }).toEqual({ step, local: real("route show table local").out });
    }
    for (const cmd of ["route get 10.0.0.2", "route get 10.0.0.9", "-j route get 10.6.1.1", "route get 10.7.0.1", "-4 -o addr", "-br -4 addr"]) {
      const r = real(cmd);
      const v = await t.run(`ip -n ${NS} ${cmd}`);
      expect({ cmd, status: v.status, out: v.out, err: v.err }).toEqual({ cmd, status: r.status, out: r.out.replace(/^lo .*\n/m, "").replace(/^1: lo .*\n/m, ""), err: r.err });
    }
  });

  it("agrees on ip rule sequences, the -j fields and the routes the rules choose", async () => {
    const steps = [
      "rule add from 10.0.0.0/24 table 100", "rule add from 10.0.0.0/24 table 100", "rule add to 192.168.1.0/24 lookup main pref 100",
      "rule add from 1.2.3.4", "rule add iif lo table 5", "rule add oif nope table 6",
      "rule add not from 10.1.0.0/16 tos 0x10 fwmark 0x1/0xff table 7", "rule add unreachable to 5.5.5.5",
      "rule add prohibit to 6.6.6.6 pref 10", "rule add blackhole from 7.7.7.7", "rule add from 10.0.0.1/8 table 9 pref 50",
      "rule add from 10.0.0.0/33 table 9", "rule add tos 0x11 table 9", "rule add tos CS1 table 9 pref 60", "rule add fwmark 5 table 8",
      "rule add nop pref 70", "rule add goto 32766 pref 71", "rule add goto 300 pref 72", "rule add goto 10 pref 73", "rule add local pref 74",
      "rule add from 10.9.0.0/16 table 100 pref 500", "rule add from 10.9.0.0/16 table 100 pref 500", "rule add not from 10.9.0.0/16 table 100 pref 500",
      "rule add table 0 pref 510", "rule add anycast pref 511", "rule add blackhole table 5 pref 512", "rule add table 1000000 pref 513",
      "rule add main suppress_prefixlength 0 pref 514", "rule add iif p0 table 100 pref 515",
      "rule add", "rule del", "rule add frob", "rule add from 10.9.0.0/16 table foo", "rule add pref x", "rule add fwmark 1/x",
      "rule add tos 0x100", "rule add goto", "rule add from bogus", "rule add iif a/b",
      "rule del from 10.0.0.0/24 table 100", "rule del pref 5000", "rule del table 12345", "rule del not from 10.9.0.0/16",
      "rule del pref 300", "rule show blah", "rule foo", "rule show pref 500", "rule show table 100", "rule list iif lo",
      "rule show lookup main", "rule show from 10.9.0.0/16", "rule show not", "rule show to 5.5.5.5",
    ];
    for (const step of steps) {
      const r = real(step);
      const v = await t.run(`ip -n ${NS} ${step}`);
      expect({ step, status: v.status, out: v.out, err: v.err }).toEqual({ step, status: r.status, out: r.out, err: r.err });
      expect({ step, rules: (await t.run(`ip -n ${NS} rule show`)).out }).toEqual({ step, rules: real("rule show").out });
    }
    for (const cmd of ["-j rule show", "-j -p rule show", "-d rule show", "-d -j rule show"]) {
      const r = real(cmd);
      const v = await t.run(`ip -n ${NS} ${cmd}`);
      if (process.env["DBG"]) console.log("DBG", cmd, JSON.stringify(r), JSON.stringify(v));
      expect({ cmd, status: v.status, out: v.out, err: v.err }).toEqual({ cmd, status: r.status, out: r.out, err: r.err });
    }
    // Routes through the rules: table 100 for a local source and for what p1 receives from 10.30/16.
    spawnSync("ip", ["netns", "exec", NS, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    await t.ok(`ip netns exec ${NS} sysctl -qw net.ipv4.ip_forward=1`);
    for (const step of [
      "addr add 10.20.0.1/24 dev p0", "route add default via 10.20.0.2 table 100", "route add 10.3.0.0/16 via 10.20.0.3 table 100",
      "rule add from 10.20.0.1 table 100 pref 400", "rule add from 10.30.0.0/16 iif p1 table 100 pref 401",
      // The goto at 71 would skip them.
      "rule del pref 71", "addr add 10.40.0.1/24 dev p1",
    ]) {
      const r = real(step);
      const v = await t.run(`ip -n ${NS} ${step}`);
      expect({ step, status: v.status, err: v.err }).toEqual({ step, status: r.status, err: r.err });
    }
    for (const cmd of [
      "route get 8.8.8.8 from 10.20.0.1", "route get 10.3.1.1 from 10.20.0.1", "-j route get 8.8.8.8 from 10.20.0.1", "route get 5.5.5.5",
      "route get 6.6.6.6", "route get 7.7.7.8", "route get 8.8.8.8 from 10.30.0.7 iif p1", "route get 10.3.1.1 from 10.30.0.7 iif p1",
      "-j route get 8.8.8.8 from 10.30.0.7 iif p1", "route get 10.20.0.1 from 10.30.0.7 iif p1", "-j route get 10.20.0.1 from 10.30.0.7 iif p1",
      "route get 8.8.8.8 from 10.40.0.1", "route get 10.40.0.9", "route get 8.8.8.8 from 10.40.0.1 iif p1",
    ]) {
      const r = real(cmd);
      const v = await t.run(`ip -n ${NS} ${cmd}`);
      if (process.env["DBG"]) console.log("DBG", cmd, JSON.stringify(r), JSON.stringify(v));
      expect({ cmd, status: v.status, out: v.out, err: v.err }).toEqual({ cmd, status: r.status, out: r.out, err: r.err });
    }
    for (const step of ["rule flush", "rule show", "rule del pref 0", "rule show", "rule add table 5", "rule add table 6", "rule show"]) {
      const r = real(step);
      const v = await t.run(`ip -n ${NS} ${step}`);
      expect({ step, status: v.status, out: v.out, err: v.err }).toEqual({ step, status: r.status, out: r.out, err: r.err });
    }
  });

  it("agrees on -batch files: comments, continuations, quotes, failures with and without -force", async () => {
    const file = `/tmp/${NS}.batch`;
    const batches = [
      "link set lo up\nroute add 10.0.0.0/8 dev nope\n# comment\nlink show lo  # trailing\n\nroute add 10.1.0.0/16 via 1.2.3.4\n" +
        "foo bar\nrule add from bogus\nlink set lo mtu abc\nlink show lo\n",
      // (Not `addr show` after `link show`: ip 6.1 keeps link mode for the rest of a batch.)
      "route show table 'local'\nlink show lo \\\n  up\nlink show \"lo\"",
      "rule add pref 900 table 9\nrule add pref 900 table 9\nrule show pref 900\nrule del pref 900\nlink set lo mtu abc\nrule show pref 900\n",
      "link show lo \\\n",
      "link show 'lo\n",
    ];
    try {
      for (const text of batches) {
        writeFileSync(file, text);
        t.sh.files.write(file, new TextEncoder().encode(text));
        for (const opts of ["-batch", "-force -batch", "-b"]) {
          const cmd = `${opts} ${file}`;
          const r = real(cmd);
          const v = await t.run(`ip -n ${NS} ${cmd}`);
          // vnet's loopback has no queue (qlen 1000 on Linux).
          const out = r.out.replace(/qlen 1000$/gm, "");
          expect({ text, cmd, status: v.status, out: v.out, err: v.err }).toEqual({ text, cmd, status: r.status, out, err: r.err });
        }
      }
      const missing = real("-batch /nonexistent/file");
      expect(await t.run(`ip -n ${NS} -batch /nonexistent/file`)).toEqual({ status: missing.status, out: missing.out, err: missing.err });
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("agrees on the text layouts, addresses aside", async () => {
    const mac = /([0-9a-f]{2}:){5}[0-9a-f]{2}/g;
    for (const cmd of ["link show", "-br link", "-o link", "-s link show p0", "-s -s link show p1", "-j -p link show p1", "link show up"]) {
      const r = real(cmd);
      const v = await t.run(`ip -n ${NS} ${cmd}`);
      // Loopbacks differ (vnet's has no queue); default queue lengths differ (etun 0, veth 1000).
      const norm = (s: string): string =>
        // Real devices see IPv6 traffic of their own: counters are compared for their layout only.
        s.replace(/^( +)(\d+( +\d+)+ ?)$/gm, (_m, lead: string, nums: string) => lead + nums.replace(/\d+/g, (n) => "0".padStart(n.length)))
          .replace(mac, "MAC").replace(/^1: lo:.*\n.*\n/m, "").replace(/^lo .*\n/m, "").replace(/qlen 1000(?=$|\\)/gm, "").replace(/^ *"txqlen": 1000,\n/gm, "");
      expect(norm(v.out)).toBe(norm(r.out));
    }
  });
});
