import { describe, expect, it } from "vitest";
import { testShell } from "../../test-helpers.js";

async function net() {
  const t = testShell();
  await t.ok(
    "insmod etun", "ip netns add a", "ip link add p0 type veth peer name p1 netns a", "ip addr add 10.0.0.1/24 dev p0", "ip link set p0 up",
    "ip -n a addr add 10.0.0.2/24 dev p1", "ip -n a link set p1 up",
  );
  return t;
}

describe("ping", () => {
  it("prints iputils' lines and statistics, exit 0", async () => {
    const t = await net();
    expect(await t.run("ping -c 3 10.0.0.2")).toEqual({
      status: 0,
      err: "",
      out:
        "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" +
        "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.000 ms\n64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.000 ms\n" +
        "64 bytes from 10.0.0.2: icmp_seq=3 ttl=64 time=0.000 ms\n\n--- 10.0.0.2 ping statistics ---\n" +
        "3 packets transmitted, 3 received, 0% packet loss, time 2000ms\nrtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms\n",
    });
  });

  it("takes -s, -i, -q, -t, -I and names from /etc/hosts", async () => {
    const t = await net();
    await t.ok("echo '10.0.0.2 peer' >> /etc/hosts");
    const r = await t.run("ping -c 2 -i 0.5 -s 100 peer");
    expect(r.out).toMatch(/^PING peer \(10\.0\.0\.2\) 100\(128\) bytes of data\.\n108 bytes from peer \(10\.0\.0\.2\): icmp_seq=1 ttl=64 time=0\.000 ms\n/);
    expect(r.out).toContain("2 packets transmitted, 2 received, 0% packet loss, time 500ms\n");
    expect((await t.run("ping -n -c 1 peer")).out).toContain("64 bytes from 10.0.0.2: icmp_seq=1");
    expect((await t.run("ping -q -c 2 10.0.0.2")).out).toBe(
      "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n\n--- 10.0.0.2 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss, time 1000ms\nrtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms\n",
    );
    expect((await t.run("ping -I p0 -c 1 10.0.0.2")).out).toMatch(/^PING 10\.0\.0\.2 \(10\.0\.0\.2\) from 10\.0\.0\.1 p0: 56\(84\) bytes of data\.\n/);
    expect((await t.run("ping -t 1 -c 1 10.0.0.2")).status).toBe(0);
  });

  it("reports unreachable hosts and exits 1 without a reply", async () => {
    const t = await net();
    const r = await t.run("ping -c 2 10.0.0.9");
    expect(r.status).toBe(1);
    expect(r.out).toContain("From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n");
    expect(r.out).toMatch(/2 packets transmitted, 0 received, \+2 errors, 100% packet loss, time \d+ms\n/);
    const w = await t.run("ping -c 1 -W 1 10.0.0.9");
    expect(w.status).toBe(1);
    expect(w.out).toContain("1 packets transmitted, 0 received, 100% packet loss");
  });

  it("stops at the -w deadline", async () => {
    const t = await net();
    const r = await t.run("ping -w 3 10.0.0.2");
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/(\d) packets transmitted, \1 received, 0% packet loss/);
    expect((await t.run("ping -c 5 -w 2 10.0.0.2")).status).toBe(1);
  });

  it("floods, printing dots and backspaces, with ipg/ewma", async () => {
    const t = await net();
    const r = await t.run("ping -f -c 5 10.0.0.2");
    expect(r.out).toBe(
      "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" + ".\b".repeat(5) +
        "\n--- 10.0.0.2 ping statistics ---\n5 packets transmitted, 5 received, 0% packet loss, time 0ms\n" +
        "rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms, ipg/ewma 0.000/0.000 ms\n",
    );
  });

  it("lingers as iputils: -W (10 s by default) only when nothing came back, else one interval or two round trips", async () => {
    const t = await net();
    const now = (): number => t.kernel.scheduler.now / 1e6;
    await t.ok("ip netns exec a sysctl -w net.ipv4.icmp_echo_ignore_all=1");
    let t0 = now();
    const silent = await t.run("ping -c 2 -W 3 10.0.0.2");
    // Last request at 1 s, then the 3 s linger; "time" ends at the last request.
    expect(now() - t0).toBe(4000);
    expect(silent.status).toBe(1);
    expect(silent.out).toContain("2 packets transmitted, 0 received, 100% packet loss, time 1000ms\n");
    t0 = now();
    await t.run("ping -c 1 10.0.0.2");
    expect(now() - t0).toBe(10_000);
    // Two answers, then silence: the wait after the last request is one interval, whatever -W says.
    await t.ok("ip netns exec a sysctl -w net.ipv4.icmp_echo_ignore_all=0");
    t0 = now();
    await t.ok("ping -c 4 -i 0.5 -W 9 10.0.0.2 > ping.txt &", "sleep 0.7", "ip netns exec a sysctl -w net.ipv4.icmp_echo_ignore_all=1", "wait");
    expect(now() - t0).toBe(2000);
    expect(new TextDecoder().decode(t.sh.files.read("ping.txt"))).toContain("4 packets transmitted, 2 received, 50% packet loss, time 1500ms\n");
  });

  it("goes on past -c until the -w deadline, and stops at the first error under -w", async () => {
    const t = await net();
    await t.ok("ip netns exec a sysctl -w net.ipv4.icmp_echo_ignore_all=1");
    const r = await t.run("ping -c 2 -w 3 10.0.0.2");
    expect(r.status).toBe(1);
    expect(r.out).toContain("3 packets transmitted, 0 received, 100% packet loss, time 2000ms\n");
    const e = await t.run("ping -w 10 10.0.0.9");
    expect(e.status).toBe(1);
    expect(e.out).toMatch(/From 10\.0\.0\.1 icmp_seq=1 Destination Host Unreachable\n\n--- 10\.0\.0\.9 ping statistics ---\n\d+ packets transmitted, 0 received, \+1 errors, 100% packet loss/);
    // -w 0 is no deadline.
    expect((await t.run("ping -c 1 -w 0 10.0.0.9")).out).toContain("1 packets transmitted, 0 received, +1 errors");
  });

  it("parses -W and -i as iputils does", async () => {
    const t = await net();
    expect(await t.run("ping -W -1 10.0.0.2")).toEqual({ status: 2, out: "", err: "ping: bad linger time: -1\n" });
    expect(await t.run("ping -i -1 10.0.0.2")).toEqual({ status: 2, out: "", err: "ping: bad timing interval: -1\n" });
    expect(await t.run("ping -w 1.5 10.0.0.2")).toMatchObject({ status: 2, err: "ping: invalid argument: '1.5'\n" });
    const g = await t.run("ping -c 1 -W 2x 10.0.0.2");
    expect(g.status).toBe(0);
    expect(g.err).toBe("ping: option argument contains garbage: x\nping: this will become fatal error in the future\n");
  });

  it("floods quietly to the same statistics, and marks ICMP errors with \\bE", async () => {
    const t = await net();
    expect((await t.run("ping -f -q -c 1000 10.0.0.2")).out).toBe(
      "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n\n--- 10.0.0.2 ping statistics ---\n" +
        "1000 packets transmitted, 1000 received, 0% packet loss, time 0ms\nrtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms, ipg/ewma 0.000/0.000 ms\n",
    );
    const r = await t.run("ping -f -c 2 10.0.0.9");
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/^PING 10\.0\.0\.9 \(10\.0\.0\.9\) 56\(84\) bytes of data\.\n\.+(\x08E)+\n--- /);
    expect(r.out).toContain("2 packets transmitted, 0 received, +2 errors, 100% packet loss");
  });

  it("is interrupted by kill, and runs in the background", async () => {
    const t = await net();
    await t.ok("ping 10.0.0.2 > /dev/null &", "sleep 4");
    const r = await t.run("kill -INT %1");
    expect(r.status).toBe(0);
    expect(await t.ok("jobs")).toBe("");
    await t.ok("ping -c 2 10.0.0.2 > ping.txt &", "wait");
    expect(new TextDecoder().decode(t.sh.files.read("ping.txt"))).toContain("2 packets transmitted, 2 received");
  });

  it("prints ping's errors, exit 2", async () => {
    const t = await net();
    expect(await t.run("ping")).toEqual({ status: 2, out: "", err: "ping: usage error: Destination address required\n" });
    expect(await t.run("ping nowhere")).toEqual({ status: 2, out: "", err: "ping: nowhere: Name or service not known\n" });
    expect(await t.run("ping -c 0 10.0.0.2")).toMatchObject({ status: 2, err: "ping: invalid argument: '0': out of range: 1 <= value <= 9007199254740991\n" });
    expect(await t.run("ping -c x 10.0.0.2")).toMatchObject({ status: 2, err: "ping: invalid argument: 'x'\n" });
    expect(await t.run("ping -s 70000 10.0.0.2")).toMatchObject({ status: 2, err: "ping: invalid argument: '70000': out of range: 0 <= value <= 65507\n" });
    expect((await t.run("ping -z 10.0.0.2")).err).toMatch(/^ping: invalid option -- 'z'\n/);
    expect(await t.run("ping -c 1 8.8.8.8")).toEqual({ status: 2, out: "", err: "ping: connect: Network is unreachable\n" });
    expect(await t.run("ping -I nope -c 1 10.0.0.2")).toEqual({ status: 2, out: "", err: "ping: SO_BINDTODEVICE nope: No such device\n" });
    await t.ok("su alice");
    expect(await t.run("ping -f 10.0.0.2")).toEqual({ status: 2, out: "", err: "ping: cannot flood, minimal interval for user must be >= 2 ms, use -i 0.002 (or higher)\n" });
  });
});
