/**
 * A pcap written by vnet's `tcpdump -w` is read by the real tcpdump (same lines as vnet's own -r)
 * and by tshark with checksum validation on, without a malformed or bad packet.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NodeFiles } from "../../node/files.js";
import { missing, runs } from "../../root-tests.js";
import { arpRequest, sendFrame, testShell, udpFrame } from "../../test-helpers.js";

const skip = missing([
  [runs("tcpdump", ["--version"]), "tcpdump is not installed"],
  [runs("tshark", ["--version"]), "tshark is not installed"],
]);

describe.skipIf(skip !== null)("pcap files and the real tcpdump and tshark", () => {
  it("are read without errors, and printed as vnet prints them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vnet-pcap-"));
    const file = join(dir, "cap.pcap");
    const t = testShell({ files: new NodeFiles() });
    await t.ok(
      "insmod etun", "ip netns add a", "ip link add v0 type veth peer name v1 netns a", "ip addr add 10.0.0.1/24 dev v0", "ip link set v0 up",
      "ip -n a addr add 10.0.0.2/24 dev v1", "ip -n a link set v1 up", `tcpdump -i v0 -w ${file} &`,
    );
    const v0 = t.kernel.initNet.devices.get("v0")!;
    const v1 = t.kernel.getNet("a")!.devices.get("v1")!;
    for (let i = 0; i < 5; i++) {
      sendFrame(v0, arpRequest(v0.address(), 0x0a000001, 0x0a000002));
      sendFrame(v0, udpFrame(v0.address(), v1.address(), 0x0a000001, 0x0a000002, 40000 + i, 9000 + i, new TextEncoder().encode(`hello ${i}`)));
      t.kernel.runFor(250);
    }
    await t.ok("ping -c 3 10.0.0.2", "kill %1");

    const mine = await t.run(`tcpdump -n -r ${file}`);
    const real = spawnSync("tcpdump", ["-n", "-r", file], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
    expect(real.status).toBe(0);
    expect(real.stderr).toContain("reading from file");
    expect(real.stdout).toBe(mine.out);
    // ARP requests and their replies, UDP datagrams and the port unreachables they cause, pings.
    expect(real.stdout.split("\n").filter((l) => l !== "").length).toBeGreaterThanOrEqual(26);

    const args = ["-r", file, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"];
    const bad = spawnSync(
      "tshark",
      [...args, "-Y", "_ws.malformed || _ws.expert.severity >= warning || ip.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0"],
      { encoding: "utf8" },
    );
    expect(bad.status).toBe(0);
    expect(bad.stdout).toBe("");
    const all = spawnSync("tshark", [...args, "-T", "fields", "-e", "frame.protocols"], { encoding: "utf8" });
    const kinds = new Set(all.stdout.split("\n").filter((l) => l !== ""));
    expect([...kinds].sort()).toEqual(["eth:ethertype:arp", "eth:ethertype:ip:icmp:data", "eth:ethertype:ip:icmp:ip:udp:data", "eth:ethertype:ip:udp:data"]);
    const echo = spawnSync("tshark", [...args, "-Y", "icmp.type == 8 || icmp.type == 0", "-T", "fields", "-e", "icmp.checksum.status", "-e", "icmp.seq"], { encoding: "utf8" });
    expect(echo.stdout.split("\n").filter((l) => l !== "")).toEqual(["1\t1", "1\t1", "1\t2", "1\t2", "1\t3", "1\t3"]);
  });
});
