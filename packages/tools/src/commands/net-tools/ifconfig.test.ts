import { describe, expect, it } from "vitest";
import { testShell, arpRequest, sendFrame } from "../../test-helpers.js";
import { deviceLine, nstrcmp, scaledBytes } from "./ifconfig-show.js";

async function pair() {
  const t = testShell();
  await t.ok("insmod etun", "ip link add v0 type veth peer name v1", "ip link set v0 address 02:00:00:00:00:01");
  return t;
}

describe("ifconfig", () => {
  it("shows up interfaces, -a all of them, in net-tools 2.10's layout", async () => {
    const t = await pair();
    expect(await t.ok("ifconfig")).toBe(
      "lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n        inet 127.0.0.1  netmask 255.0.0.0\n        loop  txqueuelen 0  (Local Loopback)\n" +
        "        RX packets 0  bytes 0 (0.0 B)\n        RX errors 0  dropped 0  overruns 0  frame 0\n" +
        "        TX packets 0  bytes 0 (0.0 B)\n        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n",
    );
    expect(await t.ok("ifconfig -a")).toContain(
      "v0: flags=4098<BROADCAST,MULTICAST>  mtu 1500\n        ether 02:00:00:00:00:01  txqueuelen 0  (Ethernet)\n",
    );
    expect(await t.ok("ifconfig v1")).toMatch(/^v1: flags=4098<BROADCAST,MULTICAST>  mtu 1500\n/);
  });

  it("sets irq, io_addr and mem_start through SIOCSIFMAP, where the driver has ndo_set_config", async () => {
    const t = await pair();
    // veth and loopback have none.
    expect(await t.run("ifconfig v0 irq 5")).toEqual({ status: 1, out: "", err: "irq: SIOCSIFMAP: Operation not supported\n" });
    expect(await t.run("ifconfig lo io_addr 0x300 mem_start 0xd0000")).toEqual({
      status: 1, out: "", err: "io_addr: SIOCSIFMAP: Operation not supported\nmem_start: SIOCSIFMAP: Operation not supported\n",
    });
    expect(await t.run("ifconfig nope irq 5")).toEqual({ status: 1, out: "", err: "irq: SIOCGIFMAP: No such device\n" });
    expect((await t.run("ifconfig v0 irq")).status).toBe(3);
    // snull's snull_config: the IRQ may change while down, the I/O address never.
    await t.ok("insmod snull");
    expect(await t.run("ifconfig sn0 irq 5")).toEqual({ status: 0, out: "", err: "" });
    expect(await t.run("ifconfig sn0 io_addr 0x300")).toEqual({ status: 1, out: "", err: "io_addr: SIOCSIFMAP: Operation not supported\n" });
    expect(await t.ok("dmesg")).toContain("snull: Can't change I/O address\n");
    await t.ok("ifconfig sn0 up");
    expect(await t.run("ifconfig sn0 irq 7")).toEqual({ status: 1, out: "", err: "irq: SIOCSIFMAP: Device or resource busy\n" });
    expect(await t.run("su alice -c 'ifconfig sn1 irq 7'")).toEqual({ status: 1, out: "", err: "irq: SIOCSIFMAP: Operation not permitted\n" });
    // Nothing to show while SIOCGIFMAP reports no resources.
    expect(await t.ok("ifconfig sn0")).not.toContain("device");
  });

  it("shows the resources SIOCGIFMAP reports as net-tools 2.10 does", () => {
    const none = { mem_start: 0, mem_end: 0, base_addr: 0, irq: 0, dma: 0, port: 0 };
    expect(deviceLine(none)).toBe("");
    // An I/O base below 0x100 is not shown, nor the line for it alone.
    expect(deviceLine({ ...none, base_addr: 0xff })).toBe("");
    expect(deviceLine({ ...none, irq: 5, base_addr: 0x300 })).toBe("        device interrupt 5  base 0x300  \n");
    expect(deviceLine({ ...none, mem_start: 0xd0000, mem_end: 0xd3fff, dma: 3 })).toBe("        device memory 0xd0000-d3fff    dma 0x3\n");
  });

  it("counts traffic from /proc/net/dev", async () => {
    const t = await pair();
    await t.ok("ifconfig v0 up", "ifconfig v1 up");
    const v0 = t.kernel.initNet.devices.get("v0")!;
    for (let i = 0; i < 30; i++) sendFrame(v0, arpRequest(v0.address(), 0x0a000001, 0x0a000002));
    t.kernel.run();
    expect(await t.ok("ifconfig v0")).toContain("        TX packets 30  bytes 1260 (1.2 KiB)\n");
    expect(await t.ok("ifconfig v1")).toContain("        RX packets 30  bytes 1260 (1.2 KiB)\n");
  });

  it("-s prints the short table", async () => {
    const t = await pair();
    expect(await t.ok("ifconfig -a -s")).toBe(
      "Iface      MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n" +
        "lo              65536        0      0      0 0             0      0      0      0 LRU\n" +
        "v0               1500        0      0      0 0             0      0      0      0 BM\n" +
        "v1               1500        0      0      0 0             0      0      0      0 BM\n",
    );
  });

  it("changes interfaces through ioctls", async () => {
    const t = await pair();
    await t.ok("ifconfig v0 hw ether 02:00:00:00:00:09", "ifconfig v0 up", "ifconfig v0 mtu 1400 txqueuelen 5 promisc -arp");
    expect(await t.run("ifconfig v0 hw ether 02:00:00:00:00:08")).toMatchObject({ status: 1, err: "SIOCSIFHWADDR: Device or resource busy\n" });
    expect(await t.ok("ifconfig v0")).toMatch(/^v0: flags=4483<UP,BROADCAST,NOARP,PROMISC,MULTICAST>  mtu 1400\n        ether 02:00:00:00:00:09  txqueuelen 5  \(Ethernet\)\n/);
    await t.ok("ifconfig v0 -promisc arp down", "ifconfig v0 name w0");
    expect(await t.ok("ifconfig -a w0")).toMatch(/^w0: flags=4098<BROADCAST,MULTICAST>  mtu 1400\n/);
  });

  it("prints net-tools' errors and exit statuses", async () => {
    const t = await pair();
    expect(await t.run("ifconfig eth9")).toEqual({ status: 1, out: "", err: "eth9: error fetching interface information: Device not found\n" });
    expect(await t.run("ifconfig eth9 up")).toEqual({ status: 255, out: "", err: "eth9: ERROR while getting interface flags: No such device\n" });
    expect(await t.run("ifconfig eth9 mtu 1000")).toEqual({ status: 1, out: "", err: "SIOCSIFMTU: No such device\n" });
    expect(await t.run("ifconfig v0 mtu abc")).toEqual({ status: 1, out: "", err: "SIOCSIFMTU: Invalid argument\n" });
    expect(await t.run("ifconfig v0 mtu 10")).toEqual({ status: 1, out: "", err: "SIOCSIFMTU: Invalid argument\n" });
    expect(await t.run("ifconfig v0 hw ether zz")).toEqual({ status: 1, out: "", err: "zz: invalid ether address.\n" });
    expect(await t.run("ifconfig v0 foo")).toEqual({ status: 1, out: "", err: "foo: Host name lookup failure\nifconfig: `--help' gives usage information.\n" });
    expect(await t.run("ifconfig v0 10.0.0.999")).toMatchObject({ status: 1, err: "10.0.0.999: Unknown host\nifconfig: `--help' gives usage information.\n" });
    expect((await t.run("ifconfig v0 mtu")).status).toBe(3);
    expect(await t.run("ifconfig -x")).toEqual({ status: 1, out: "", err: "ifconfig: option `-x' not recognised.\nifconfig: `--help' gives usage information.\n" });
    expect(await t.run("ifconfig v0 up name v1")).toMatchObject({ status: 1, err: "SIOCSIFNAME: Device or resource busy\n" });
  });

  it("needs CAP_NET_ADMIN to change anything", async () => {
    const t = await pair();
    await t.ok("su alice");
    expect(await t.ok("ifconfig")).toContain("lo: flags=73");
    expect(await t.run("ifconfig v0 up")).toEqual({ status: 255, out: "", err: "SIOCSIFFLAGS: Operation not permitted\n" });
    expect(await t.run("ifconfig v0 mtu 1000")).toEqual({ status: 1, out: "", err: "SIOCSIFMTU: Operation not permitted\n" });
  });

  it("scales byte counts and sorts names as net-tools does", () => {
    expect(scaledBytes(0)).toBe("0.0 B");
    expect(scaledBytes(1024)).toBe("1024.0 B");
    expect(scaledBytes(1536)).toBe("1.5 KiB");
    expect(scaledBytes(5 * 1048576 + 1)).toBe("5.0 MiB");
    expect(["eth10", "eth2", "lo", "eth1"].sort(nstrcmp)).toEqual(["eth1", "eth2", "eth10", "lo"]);
  });
});
