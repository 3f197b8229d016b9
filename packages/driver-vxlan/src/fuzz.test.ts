import { describe, expect, it } from "vitest";
import { devGetStats, ethtoolGetStats, neighAdd, Prng, ROOT_CRED, NUD_PERMANENT } from "@vnet/core";
import { emitVxlanHeader, fdbAdd } from "./index.js";
import { ip, lockstep, pair, ping } from "./test-helpers.js";

const DATAGRAMS = 100_000;

describe("fuzz: untrusted datagrams at the transport", () => {
  it(`survives ${DATAGRAMS.toLocaleString("en")} random and mutated datagrams and keeps answering pings`, () => {
    const { wire, a, b, va, vb } = pair();
    // Pin what an attacker could legitimately spoof (ARP replies, a MAC claimed from elsewhere), so
    // the pings below test that the kernel keeps working, not that ARP is unauthenticated.
    neighAdd(a.initNet, ROOT_CRED, { dst: ip("10.99.0.2"), dev: "vx0", lladdr: vb.devAddr.slice(0, 6), state: NUD_PERMANENT });
    neighAdd(b.initNet, ROOT_CRED, { dst: ip("10.99.0.1"), dev: "vx0", lladdr: va.devAddr.slice(0, 6), state: NUD_PERMANENT });
    fdbAdd(vb, va.devAddr.slice(0, 6), "192.0.2.1");

    // Seeds: real datagrams of a ping and a UDP exchange.
    const seeds: Uint8Array[] = [];
    wire.tap = (bytes) => {
      if (seeds.length < 64) seeds.push(bytes.slice());
    };
    expect(ping([a, b], a.initNet, "10.99.0.2", 2).length).toBe(2);
    wire.tap = null;
    expect(seeds.length).toBeGreaterThan(0);

    const rng = new Prng(20240601);
    const B = ip("192.0.2.2");
    const sources = [ip("192.0.2.1"), ip("192.0.2.3"), ip("198.51.100.7")];
    let delivered = 0;
    for (let i = 0; i < DATAGRAMS; i++) {
      let d: Uint8Array;
      const kind = rng.below(5);
      if (kind === 4) {
        // A valid header for the VNI in use around an inner frame of any size and content.
        d = new Uint8Array(8 + (rng.below(8) === 0 ? rng.below(66000) : rng.below(1600)));
        rng.bytes(d);
        emitVxlanHeader(d, 0, 42);
      } else if (kind === 0) {
        // Pure noise, mostly short, sometimes huge.
        d = new Uint8Array(rng.below(10) === 0 ? rng.below(70000) : rng.below(120));
        rng.bytes(d);
      } else {
        const seed = seeds[rng.below(seeds.length)]!;
        const len = kind === 1 ? rng.below(seed.length + 40) : seed.length;
        d = new Uint8Array(len);
        d.set(seed.subarray(0, Math.min(len, seed.length)));
        const flips = 1 + rng.below(kind === 3 ? 1 : 8);
        for (let f = 0; f < flips && len > 0; f++) {
          // Favour the headers: the VXLAN header and the inner Ethernet/IP headers.
          const at = rng.below(2) === 0 ? rng.below(Math.min(len, 50)) : rng.below(len);
          d[at] = rng.below(256);
        }
      }
      if (wire.deliver(d, sources[rng.below(sources.length)]!, 1024 + rng.below(60000), B, 4789)) delivered++;
      if (i % 500 === 499) b.runFor(1);
      if (i % 20_000 === 19_999) expect(ping([a, b], a.initNet, "10.99.0.2", 1).length).toBe(1);
    }
    lockstep([a, b], () => false, 100);
    expect(delivered).toBe(DATAGRAMS);
    // Still serving, both ways.
    expect(ping([a, b], a.initNet, "10.99.0.2", 3).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(ping([a, b], b.initNet, "10.99.0.1", 2).map((r) => r.seq)).toEqual([1, 2]);
    // Every drop has a reason.
    const s = Object.fromEntries(ethtoolGetStats(vb));
    const dropped = s["rx_short"]! + s["rx_bad_flags"]! + s["rx_unknown_vni"]! + s["rx_truncated"]! + s["rx_oversize"]! + s["rx_loop"]! +
      s["rx_bad_src_mac"]! + s["rx_fdb_conflict"]!;
    expect(dropped).toBeGreaterThan(DATAGRAMS / 2);
    expect(devGetStats(vb).rxPackets + dropped).toBeGreaterThanOrEqual(DATAGRAMS);
    for (const key of ["rx_short", "rx_bad_flags", "rx_unknown_vni", "rx_truncated", "rx_oversize"]) expect(s[key]).toBeGreaterThan(0);
  }, 120_000);
});
