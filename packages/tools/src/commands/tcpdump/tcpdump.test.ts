import { describe, expect, it } from "vitest";
import { MemoryFiles } from "../../shell/files.js";
import { readPcap } from "../../capture/index.js";
import { arpRequest, sendFrame, testShell, udpFrame } from "../../test-helpers.js";
import { LINKTYPE_LINUX_SLL2 } from "./sll2.js";

async function pair(files = new MemoryFiles()) {
  const t = testShell({ files });
  await t.ok("insmod etun", "ip link add v0 type veth peer name v1", "ip link set v0 address 02:00:00:00:00:01", "ip link set v0 up", "ip link set v1 up");
  const v0 = t.kernel.initNet.devices.get("v0")!;
  const arp = (tip = 0x0a000002): void => sendFrame(v0, arpRequest(v0.address(), 0x0a000001, tip));
  const udp = (): void =>
    sendFrame(v0, udpFrame(v0.address(), new Uint8Array([2, 0, 0, 0, 0, 2]), 0x0a000001, 0x0a000002, 5000, 53, new Uint8Array(12)));
  return { ...t, v0, arp, udp, files };
}

describe("tcpdump", () => {
  it("prints captured packets with a timestamp and stops after -c", async () => {
    const t = await pair();
    const r = await t.run("tcpdump -i v1 -n -c 2 &");
    expect(r.err).toBe("tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on v1, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n");
    t.arp();
    t.udp();
    t.arp();
    const w = await t.run("wait");
    expect(w.out).toBe(
      "00:00:00.000000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n" +
        "00:00:00.000000 IP 10.0.0.1.5000 > 10.0.0.2.53: UDP, length 12\n",
    );
    expect(w.err).toBe("2 packets captured\n2 packets received by filter\n0 packets dropped by kernel\n");
    expect(await t.ok("dmesg")).toContain("device v1 entered promiscuous mode");
    expect(await t.ok("dmesg")).toContain("device v1 left promiscuous mode");
  });

  it("applies capture filters and -e, -t, -v", async () => {
    const t = await pair();
    await t.ok("tcpdump -i v0 -n -e -t -c 1 udp &");
    t.arp();
    t.udp();
    expect((await t.run("wait")).out).toBe(
      "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 54: 10.0.0.1.5000 > 10.0.0.2.53: UDP, length 12\n",
    );
    expect((await t.run("tcpdump -i v0 'ip and (('")).err).toMatch(/^tcpdump: .*syntax error/);
  });

  it("names hosts from /etc/hosts without -n", async () => {
    const t = await pair();
    await t.ok("echo '10.0.0.2 server' >> /etc/hosts", "tcpdump -i v0 -t -c 1 host server &");
    t.arp(0x0a000009);
    t.arp();
    expect((await t.run("wait")).out).toBe("ARP, Request who-has server tell 10.0.0.1, length 28\n");
  });

  it("-i any prefixes the device and direction", async () => {
    const t = await pair();
    await t.ok("tcpdump -i any -n -t -c 2 &");
    t.arp();
    expect((await t.run("wait")).out).toBe(
      "v0    Out ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\nv1    B   ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n",
    );
  });

  it("is stopped by kill with a blank line before its statistics", async () => {
    const t = await pair();
    await t.ok("tcpdump -i v1 -n &");
    t.arp();
    t.kernel.run();
    const r = await t.run("kill %1");
    expect(r.out).toMatch(/ARP, Request who-has 10\.0\.0\.2 tell 10\.0\.0\.1, length 28\n$/);
    expect(r.err).toBe("\n1 packet captured\n1 packet received by filter\n0 packets dropped by kernel\n");
    expect(await t.ok("jobs")).toBe("");
  });

  it("writes a pcap with -w and reads it back with -r", async () => {
    const t = await pair();
    const r = await t.run("tcpdump -i v1 -w cap.pcap -c 3 &");
    expect(r.err).toBe("tcpdump: listening on v1, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n");
    t.arp();
    t.udp();
    t.kernel.runFor(1500);
    t.arp();
    expect((await t.run("wait")).out).toBe("");
    const file = readPcap(t.files.read("cap.pcap"));
    expect(file.records.map((x) => [x.tsSec, x.data.length])).toEqual([[0, 42], [0, 54], [1, 42]]);
    const rd = await t.run("tcpdump -n -r cap.pcap");
    expect(rd.err).toBe("reading from file cap.pcap, link-type EN10MB (Ethernet), snapshot length 262144\n");
    expect(rd.out.split("\n")).toHaveLength(4);
    expect(rd.out).toContain("00:00:01.500000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n");
    expect((await t.run("tcpdump -n -r cap.pcap udp")).out).toBe("00:00:00.000000 IP 10.0.0.1.5000 > 10.0.0.2.53: UDP, length 12\n");
    expect((await t.run("tcpdump -n -tt -c 1 -r cap.pcap")).out).toBe("0.000000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n");
    await t.ok("tcpdump -r cap.pcap -w udp.pcap udp");
    expect(readPcap(t.files.read("udp.pcap")).records).toHaveLength(1);
  });

  it("writes Linux cooked v2 for -i any, and reads it back", async () => {
    const t = await pair();
    await t.ok("tcpdump -i any -w any.pcap -c 2 &");
    t.arp();
    await t.ok("wait");
    const file = readPcap(t.files.read("any.pcap"));
    expect(file.linktype).toBe(LINKTYPE_LINUX_SLL2);
    expect(file.records.map((x) => x.data.length)).toEqual([48, 48]);
    expect((await t.run("tcpdump -n -t -r any.pcap")).out).toBe(
      "v0    Out ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\nv1    B   ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n",
    );
  });

  it("prints tcpdump's and libpcap's errors", async () => {
    const t = await pair();
    expect(await t.run("tcpdump -i eth9")).toEqual({ status: 1, out: "", err: "tcpdump: eth9: No such device exists\n(SIOCGIFHWADDR: No such device)\n" });
    await t.ok("ip link set v0 down");
    expect(await t.run("tcpdump -i v0")).toEqual({ status: 1, out: "", err: "tcpdump: v0: That device is not up\n" });
    expect(await t.run("tcpdump -r nope.pcap")).toEqual({ status: 1, out: "", err: "tcpdump: nope.pcap: No such file or directory\n" });
    t.files.write("bad.pcap", new Uint8Array([1, 2, 3, 4, 5]));
    expect(await t.run("tcpdump -r bad.pcap")).toEqual({ status: 1, out: "", err: "tcpdump: unknown file format\n" });
    expect((await t.run("tcpdump -c x")).err).toBe("tcpdump: invalid packet count x\n");
    expect((await t.run("tcpdump -Z")).err).toMatch(/^tcpdump: invalid option -- 'Z'\n/);
    expect((await t.run("tcpdump -i")).err).toMatch(/^tcpdump: option requires an argument -- 'i'\n/);
    expect((await t.run("tcpdump -Q sideways")).status).toBe(1);
  });

  it("needs CAP_NET_RAW to capture, not to read a file", async () => {
    const t = await pair();
    await t.ok("su alice");
    expect(await t.run("tcpdump -i v0")).toEqual({
      status: 1, out: "", err: "tcpdump: v0: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)\n",
    });
  });

  it("picks the first device that is up by default, and -Q out captures one direction", async () => {
    const t = await pair();
    expect((await t.run("tcpdump -n -t -Q out -c 1 &")).err).toContain("listening on v1,");
    await t.ok("tcpdump -n -t -i v1 -Q in -c 1 &");
    t.arp();
    const w = await t.run("wait %2");
    expect(w.out).toBe("ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n");
    expect(await t.ok("jobs")).toBe("[1]+  Running                 tcpdump -n -t -Q out -c 1 &\n");
  });
});
