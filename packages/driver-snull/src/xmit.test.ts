import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  CHECKSUM_UNNECESSARY, PACKET_HOST, PACKET_OTHERHOST, allocSkb, devClose, devQueueXmit, kfreeSkb, netifQueueStopped,
} from "@vnet/core";
import { boot, csum, ipAddrs, ipv4, sendIp, sendRaw, stats, tap } from "./test-helpers.js";
import { snullFlipIpv4 } from "./hw.js";

const SNUL0 = [0, 0x53, 0x4e, 0x55, 0x4c, 0x30];
const SNUL1 = [0, 0x53, 0x4e, 0x55, 0x4c, 0x31];

describe("header_ops", () => {
  it("points the destination at the twin: source copied, last bit of the destination toggled", () => {
    const { k, sn0, sn1, ip } = boot();
    sendIp(sn0, ipv4({ src: "192.168.0.1", dst: "192.168.0.2" }));
    sendIp(sn1, ipv4({ src: "192.168.1.2", dst: "192.168.1.1" }));
    k.runFor(1);
    expect(ip).toHaveLength(2);
    const [onSn1, onSn0] = ip;
    expect(onSn1!.dev).toBe("sn1");
    expect(Array.from(onSn1!.frame.subarray(0, 6))).toEqual(SNUL1);
    expect(Array.from(onSn1!.frame.subarray(6, 12))).toEqual(SNUL0);
    expect(Array.from(onSn1!.frame.subarray(12, 14))).toEqual([0x08, 0x00]);
    expect(onSn0!.dev).toBe("sn0");
    expect(Array.from(onSn0!.frame.subarray(0, 6))).toEqual(SNUL0);
  });

  it("toggles a destination it is given too (the book's NOARP neighbour passes the device's own)", () => {
    const { sn0 } = boot();
    const skb = allocSkb(100);
    skb.reserve(64);
    const n = sn0.headerOps!.create(skb, sn0, 0x0800, sn0.devAddr, null, 0);
    expect(n).toBe(14);
    expect(Array.from(skb.bytes().subarray(0, 6))).toEqual(SNUL1);
  });
});

describe("the address flip", () => {
  it("delivers a packet for remote0 to local1 with a valid header checksum, as PACKET_HOST", () => {
    const { k, sn0, ip } = boot();
    // local0 = 192.168.0.1 pings remote0 = 192.168.0.2 (host part of local1).
    sendIp(sn0, ipv4({ src: "192.168.0.1", dst: "192.168.0.2", proto: 1 }));
    k.runFor(1);
    expect(ip).toHaveLength(1);
    const got = ip[0]!;
    expect(ipAddrs(got)).toEqual(["192.168.1.1", "192.168.1.2"]); // from remote1 to local1
    expect(csum(got.frame, 14, 20)).toBe(0);
    expect(got.pktType).toBe(PACKET_HOST);
    expect(got.ipSummed).toBe(CHECKSUM_UNNECESSARY);
    expect(got.protocol).toBe(0x0800);
  });

  it("sends 192.168.0.32 to 192.168.1.32 (which no one will own): the book's lost ping", () => {
    const { k, sn0, ip } = boot();
    sendIp(sn0, ipv4({ src: "192.168.0.1", dst: "192.168.0.32" }));
    k.runFor(1);
    expect(ipAddrs(ip[0]!)).toEqual(["192.168.1.1", "192.168.1.32"]);
  });

  it("works the same for any prefix: only bit 0 of the third octet changes", () => {
    const { k, sn0, sn1, ip } = boot();
    sendIp(sn0, ipv4({ src: "10.0.6.77", dst: "10.0.6.200" }));
    sendIp(sn1, ipv4({ src: "10.0.7.200", dst: "10.0.7.77" }));
    k.runFor(1);
    expect(ip.map(ipAddrs)).toEqual([
      ["10.0.7.77", "10.0.7.200"],
      ["10.0.6.200", "10.0.6.77"],
    ]);
    for (const s of ip) expect(csum(s.frame, 14, 20)).toBe(0);
  });

  it("leaves the payload (and so TCP/UDP checksums) untouched", () => {
    const { k, sn0, ip } = boot();
    const p = ipv4({ src: "192.168.0.1", dst: "192.168.0.2", payload: 100 });
    sendIp(sn0, p);
    k.runFor(1);
    expect(Array.from(ip[0]!.frame.subarray(14 + 20))).toEqual(Array.from(p.subarray(20)));
    // Only the two address octets and the checksum differ in the header.
    const diff = [...Array(20).keys()].filter((i) => ip[0]!.frame[14 + i] !== p[i]);
    expect(diff.filter((i) => i !== 10 && i !== 11)).toEqual([14, 18]);
  });

  it("recomputes a wrong header checksum too (the book zeroes and rebuilds it)", () => {
    const { k, sn0, ip } = boot();
    const p = ipv4({ src: "192.168.0.1", dst: "192.168.0.2" });
    p[10] = p[10]! ^ 0xff;
    sendIp(sn0, p);
    k.runFor(1);
    expect(csum(ip[0]!.frame, 14, 20)).toBe(0);
  });

  it("covers the options when ihl > 5", () => {
    const { k, sn0, ip } = boot();
    const p = ipv4({ src: "192.168.0.1", dst: "192.168.0.2", ihl: 7, payload: 28 });
    sendIp(sn0, p);
    k.runFor(1);
    expect(csum(ip[0]!.frame, 14, 28)).toBe(0);
  });

  it("does not write into the sender's skb (a tap or a clone keeps the original)", () => {
    const { k, sn0 } = boot();
    const skb = allocSkb(200);
    skb.reserve(64);
    skb.putData(ipv4({ src: "192.168.0.1", dst: "192.168.0.2", payload: 2 }));
    skb.dev = sn0;
    sn0.headerOps!.create(skb, sn0, 0x0800, null, null, 0);
    const before = skb.bytes().slice();
    skb.get(); // keep a reference past transmit-done
    devQueueXmit(skb);
    k.runFor(1);
    expect(Array.from(skb.bytes())).toEqual(Array.from(before));
    expect(skb.len).toBe(36); // not padded in place
  });
});

describe("zero-copy transmit", () => {
  /** A frame from local0 to remote0 in an skb of its own, ready for sn0. */
  function frame(sn0: Parameters<typeof devQueueXmit>[0]["dev"]) {
    const skb = allocSkb(200);
    skb.reserve(64);
    skb.putData(ipv4({ src: "192.168.0.1", dst: "192.168.0.2", payload: 8 }));
    skb.dev = sn0;
    sn0!.headerOps!.create(skb, sn0!, 0x0800, null, null, 0);
    return skb;
  }

  it("hands a frame nobody else holds to the receiver in its own skb, without copying it", () => {
    const { k, sn0, sn1, ip } = boot();
    const skb = frame(sn0);
    const sent = skb.head;
    const heads: Uint8Array[] = [];
    k.addPack({ type: 0x0003, dev: sn1, func: (rx) => void heads.push(rx.head) });
    devQueueXmit(skb);
    k.runFor(1);
    expect(heads).toEqual([sent]);
    expect(ip).toHaveLength(1);
    expect(ipAddrs(ip[0]!)).toEqual(["192.168.1.1", "192.168.1.2"]);
    expect(csum(ip[0]!.frame, 14, 20)).toBe(0);
    expect(stats(sn0).txPackets).toBe(1);
  });

  it("copies a frame whose bytes a clone shares, and leaves the clone's bytes as sent", () => {
    const { k, sn0, sn1, ip } = boot();
    const skb = frame(sn0);
    const clone = skb.clone();
    const before = clone.bytes().slice();
    const heads: Uint8Array[] = [];
    k.addPack({ type: 0x0003, dev: sn1, func: (rx) => void heads.push(rx.head) });
    devQueueXmit(skb);
    k.runFor(1);
    expect(heads).toHaveLength(1);
    expect(heads[0]).not.toBe(clone.head);
    expect(Array.from(clone.bytes())).toEqual(Array.from(before));
    expect(ipAddrs(ip[0]!)).toEqual(["192.168.1.1", "192.168.1.2"]);
    kfreeSkb(clone);
  });

  it("keeps every pool buffer usable whichever way frames went (copied or travelling)", () => {
    const { k, sn0, ip } = boot();
    for (let i = 0; i < 40; i++) {
      const skb = frame(sn0);
      const clone = i % 3 === 0 ? skb.clone() : null;
      devQueueXmit(skb);
      k.runFor(1);
      if (clone !== null) kfreeSkb(clone);
    }
    expect(ip).toHaveLength(40);
    for (const got of ip) expect(csum(got.frame, 14, 20)).toBe(0);
    expect(stats(sn0).txPackets).toBe(40);
  });
});

describe("padding", () => {
  it("pads short frames to 60 octets and counts the padded length", () => {
    const { k, sn0, sn1, ip } = boot();
    sendIp(sn0, ipv4({ src: "192.168.0.1", dst: "192.168.0.2", payload: 8 })); // 14+28 = 42 octets
    k.runFor(1);
    expect(ip[0]!.frame.length).toBe(60);
    expect(Array.from(ip[0]!.frame.subarray(42))).toEqual(new Array(18).fill(0));
    expect(stats(sn0)).toMatchObject({ txPackets: 1, txBytes: 60 });
    expect(stats(sn1)).toMatchObject({ rxPackets: 1, rxBytes: 60 });
  });

  it("counts long frames as they are", () => {
    const { k, sn0, sn1 } = boot();
    sendIp(sn0, ipv4({ src: "192.168.0.1", dst: "192.168.0.2", payload: 1480 }));
    k.runFor(1);
    expect(stats(sn0)).toMatchObject({ txPackets: 1, txBytes: 1514 });
    expect(stats(sn1)).toMatchObject({ rxPackets: 1, rxBytes: 1514 });
  });
});

describe("what the book does not check", () => {
  it("corrupts non-IP frames the same way (here an ARP request)", () => {
    const { k, sn0, sn1 } = boot();
    const seen = tap(k, sn1);
    const arp = new Uint8Array(42);
    arp.set(SNUL1, 0);
    arp.set(SNUL0, 6);
    arp.set([0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1], 12);
    sendRaw(sn0, arp);
    k.runFor(1);
    expect(seen).toHaveLength(1);
    const f = seen[0]!.frame;
    expect(seen[0]!.protocol).toBe(0x0806);
    expect(f[28]).toBe(arp[28]! ^ 1);
    expect(f[32]).toBe(arp[32]! ^ 1);
    expect(csum(f, 14, 20)).toBe(0); // octets 24-25 now hold an "IPv4 checksum"
  });

  it("treats an IPv6-version packet like IPv4 (no version check)", () => {
    const { k, sn0, ip } = boot();
    sendIp(sn0, ipv4({ src: "192.168.0.1", dst: "192.168.0.2", version: 6 }));
    k.runFor(1);
    expect(ipAddrs(ip[0]!)).toEqual(["192.168.1.1", "192.168.1.2"]);
  });

  it.each([0, 1, 13, 14, 20, 33, 34])("survives a %i-octet frame: padded, flipped, delivered", (len) => {
    const { k, sn0, sn1 } = boot();
    const seen = tap(k, sn1);
    expect(() => sendRaw(sn0, new Uint8Array(len).fill(0x45))).not.toThrow();
    k.runFor(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.frame.length).toBe(60);
    expect(stats(sn0)).toMatchObject({ txPackets: 1, txBytes: 60, txErrors: 0 });
    expect(stats(sn1)).toMatchObject({ rxPackets: 1, rxBytes: 60 });
  });

  it("clamps a checksum length beyond the frame (ihl 15 in a 60-octet frame)", () => {
    const buf = new Uint8Array(60);
    buf[14] = 0x4f;
    expect(() => snullFlipIpv4(new DataView(buf.buffer), 0, 60)).not.toThrow();
    expect(csum(buf, 14, 46)).toBe(0);
  });

  it("drops a frame larger than any buffer and counts a transmit error", () => {
    const { k, sn0, sn1 } = boot();
    expect(() => sendRaw(sn0, new Uint8Array(1515))).not.toThrow();
    expect(() => sendRaw(sn0, new Uint8Array(4000))).not.toThrow();
    k.runFor(1);
    expect(stats(sn0)).toMatchObject({ txPackets: 0, txErrors: 2 });
    expect(stats(sn1).rxPackets).toBe(0);
    expect(sn0.priv.poolFree).toBe(8);
    expect(k.log.some((l) => l.includes("snull: sn0: packet too long (1515 octets)"))).toBe(true);
  });

  it("loses frames while the twin is down (tx_dropped)", () => {
    const { k, sn0, sn1, ip } = boot();
    devClose(sn1);
    sendIp(sn0, ipv4({ src: "192.168.0.1", dst: "192.168.0.2" }));
    k.runFor(1);
    expect(ip).toHaveLength(0);
    expect(stats(sn0)).toMatchObject({ txPackets: 0, txDropped: 1 });
    expect(sn0.priv.poolFree).toBe(8);
  });

  it("never throws on random frames, and accounts for every one of them", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 1600 }), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        fc.boolean(),
        (frames, napi, lifo) => {
          const { k, sn0, sn1 } = boot({ use_napi: napi ? 1 : 0, rx_lifo: lifo, pool_size: 3 });
          for (const f of frames) sendRaw(sn0, f);
          k.runFor(1000);
          const fit = frames.filter((f) => f.length <= 1514);
          const bytes = fit.reduce((n, f) => n + Math.max(60, f.length), 0);
          expect(stats(sn0)).toMatchObject({ txPackets: fit.length, txBytes: bytes, txErrors: frames.length - fit.length });
          expect(stats(sn1)).toMatchObject({ rxPackets: fit.length, rxBytes: bytes });
          expect(sn1.priv.stats.rxDropped).toBe(0); // the core's own drops (unknown EtherType) aside
          expect(sn0.priv.poolFree).toBe(3);
          expect(sn1.priv.rxQueueLen).toBe(0);
          expect(netifQueueStopped(sn0)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("classifies a frame for another address as PACKET_OTHERHOST", () => {
    const { k, sn0, sn1 } = boot();
    const seen = tap(k, sn1);
    const f = new Uint8Array(60);
    f.set([0, 1, 2, 3, 4, 5], 0);
    f.set([0x08, 0x00], 12);
    sendRaw(sn0, f);
    k.runFor(1);
    expect(seen[0]!.pktType).toBe(PACKET_OTHERHOST);
  });
});
