import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PCAP_MAGIC, PCAP_MAGIC_KUZNETZOV, PCAP_MAGIC_NANOS, PcapFormatError, PcapWriter, readPcap, type PcapFile } from "./pcap.js";

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.replace(/[\s:]/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
}

/** ICMP echo request 10.0.0.1 -> 10.0.0.2, id 0x1234 seq 1, with valid checksums. */
const PING = hex(
  "02:00:00:00:00:02 02:00:00:00:00:01 0800" +
    "4500 0024 0001 0000 4001 66d6 0a000001 0a000002" +
    "0800 5435 1234 0001 6162636465666768",
);
/** ARP who-has 10.0.0.2 tell 10.0.0.1, broadcast. */
const ARP = hex(
  "ff:ff:ff:ff:ff:ff 02:00:00:00:00:01 0806" + "0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002",
);
/** UDP 10.0.0.1:1024 -> 10.0.0.2:9 (discard), 4 bytes, checksum 0 (none). */
const UDP = hex(
  "02:00:00:00:00:02 02:00:00:00:00:01 0800" + "4500 0020 0002 0000 4011 66c9 0a000001 0a000002" + "0400 0009 000c 0000 deadbeef",
);

interface RawRecord {
  sec: number;
  frac: number;
  incl: number;
  orig: number;
  data: Uint8Array;
}

/** A savefile built field by field, in either byte order, for the reader's tests. */
function rawPcap(o: {
  littleEndian?: boolean;
  magic?: number;
  major?: number;
  minor?: number;
  snaplen?: number;
  linktype?: number;
  records?: RawRecord[];
  recordHeaderLen?: number;
}): Uint8Array {
  const le = o.littleEndian ?? true;
  const rh = o.recordHeaderLen ?? 16;
  const recs = o.records ?? [];
  const size = 24 + recs.reduce((n, r) => n + rh + r.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint32(0, o.magic ?? PCAP_MAGIC, le);
  v.setUint16(4, o.major ?? 2, le);
  v.setUint16(6, o.minor ?? 4, le);
  v.setUint32(16, o.snaplen ?? 262144, le);
  v.setUint32(20, o.linktype ?? 1, le);
  let at = 24;
  for (const r of recs) {
    v.setUint32(at, r.sec, le);
    v.setUint32(at + 4, r.frac, le);
    v.setUint32(at + 8, r.incl, le);
    v.setUint32(at + 12, r.orig, le);
    out.set(r.data, at + rh);
    at += rh + r.data.length;
  }
  return out;
}

function errorOf(bytes: Uint8Array): PcapFormatError {
  try {
    readPcap(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(PcapFormatError);
    return e as PcapFormatError;
  }
  throw new Error("readPcap accepted the file");
}

describe("PcapWriter", () => {
  it("writes libpcap's global header: LE magic, 2.4, zone 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET", () => {
    expect(new PcapWriter().bytes()).toEqual(hex("d4c3b2a1 0200 0400 00000000 00000000 00000400 01000000"));
    expect(new PcapWriter({ snaplen: 96, linktype: 113 }).bytes()).toEqual(
      hex("d4c3b2a1 0200 0400 00000000 00000000 60000000 71000000"),
    );
  });

  it("writes ts seconds, microseconds, incl_len and orig_len before each packet", () => {
    const w = new PcapWriter();
    w.writePacket(ARP, 1700000000, 123456);
    const b = w.bytes();
    expect(b.length).toBe(24 + 16 + ARP.length);
    expect(b.subarray(24, 40)).toEqual(hex("00f15365 40e20100 2a000000 2a000000"));
    expect(b.subarray(40)).toEqual(ARP);
    expect(w.recordCount).toBe(1);
    expect(w.byteLength).toBe(b.length);
  });

  it("cuts packets to the snapshot length and keeps the original length", () => {
    const w = new PcapWriter({ snaplen: 20 });
    w.writePacket(PING, 5, 6);
    w.writePacket(PING.subarray(0, 10), 7, 8, 1514);
    const f = readPcap(w.bytes());
    expect(f.snaplen).toBe(20);
    expect(f.records.map((r) => [r.data.length, r.origLen])).toEqual([
      [20, PING.length],
      [10, 1514],
    ]);
    expect(f.records[0]!.data).toEqual(PING.subarray(0, 20));
  });

  it("round-trips many records across its growable chunks, large ones included", () => {
    const w = new PcapWriter();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const p = new Uint8Array(60 + ((i * 37) % 1455));
      for (let k = 0; k < p.length; k++) p[k] = (i + k) & 0xff;
      sent.push(p);
    }
    sent.push(new Uint8Array(200_000).fill(0xab)); // bigger than a chunk
    sent.push(PING);
    sent.forEach((p, i) => w.writePacket(p, 1000 + i, (i * 7919) % 1_000_000));
    const f = readPcap(w.bytes());
    expect(f.records.length).toBe(sent.length);
    const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, k) => x === b[k]);
    f.records.forEach((r, i) => {
      expect(same(r.data, sent[i]!), `record ${i}`).toBe(true);
      expect(r.origLen).toBe(sent[i]!.length);
      expect([r.tsSec, r.tsUsec, r.tsNsec]).toEqual([1000 + i, (i * 7919) % 1_000_000, ((i * 7919) % 1_000_000) * 1000]);
    });
    expect(w.byteLength).toBe(24 + sent.reduce((n, p) => n + 16 + p.length, 0));
  });

  it("bytes() reflects packets written after an earlier call", () => {
    const w = new PcapWriter();
    w.writePacket(ARP, 1, 0);
    expect(readPcap(w.bytes()).records.length).toBe(1);
    w.writePacket(UDP, 2, 0);
    expect(readPcap(w.bytes()).records.map((r) => r.tsSec)).toEqual([1, 2]);
  });

  it("rejects timestamps and lengths a savefile cannot hold", () => {
    const w = new PcapWriter();
    expect(() => w.writePacket(ARP, 1, 1_000_000)).toThrow(RangeError);
    expect(() => w.writePacket(ARP, -1, 0)).toThrow(RangeError);
    expect(() => w.writePacket(ARP, 2 ** 32, 0)).toThrow(RangeError);
    expect(() => w.writePacket(ARP, 1, 0.5)).toThrow(RangeError);
    expect(() => w.writePacket(ARP, 1, 0, 10)).toThrow(RangeError);
    expect(() => new PcapWriter({ snaplen: 0 })).toThrow(RangeError);
    expect(w.recordCount).toBe(0);
  });
});

describe("readPcap", () => {
  const recs: RawRecord[] = [
    { sec: 10, frac: 999999, incl: ARP.length, orig: ARP.length, data: ARP },
    { sec: 11, frac: 1, incl: 14, orig: 98, data: PING.subarray(0, 14) },
  ];

  it("reads both byte orders alike", () => {
    for (const littleEndian of [true, false]) {
      const f = readPcap(rawPcap({ littleEndian, records: recs }));
      expect(f.bigEndian).toBe(!littleEndian);
      expect([f.linktype, f.snaplen, f.nanos, f.versionMajor, f.versionMinor]).toEqual([1, 262144, false, 2, 4]);
      expect(f.records).toEqual([
        { tsSec: 10, tsUsec: 999999, tsNsec: 999999000, origLen: ARP.length, data: ARP },
        { tsSec: 11, tsUsec: 1, tsNsec: 1000, origLen: 98, data: PING.subarray(0, 14) },
      ]);
    }
  });

  it("reads the nanosecond magic in both byte orders, scaling to microseconds as libpcap does", () => {
    for (const littleEndian of [true, false]) {
      const f = readPcap(
        rawPcap({ littleEndian, magic: PCAP_MAGIC_NANOS, records: [{ sec: 3, frac: 123456789, incl: 42, orig: 42, data: ARP }] }),
      );
      expect(f.nanos).toBe(true);
      expect(f.records[0]).toMatchObject({ tsSec: 3, tsUsec: 123456, tsNsec: 123456789 });
    }
  });

  it("returns views into the input, not copies", () => {
    const bytes = rawPcap({ records: recs });
    const f = readPcap(bytes.subarray(0));
    expect(f.records[0]!.data.buffer).toBe(bytes.buffer);
  });

  it("reads from a Uint8Array that is a window into a larger buffer", () => {
    const file = rawPcap({ littleEndian: false, records: recs });
    const big = new Uint8Array(file.length + 100);
    big.set(file, 37);
    expect(readPcap(big.subarray(37, 37 + file.length)).records.length).toBe(2);
  });

  it("applies libpcap's header rules: snaplen 0 means the maximum, the linktype's top bits are flags", () => {
    const f = readPcap(rawPcap({ snaplen: 0, linktype: 0x04000001 }));
    expect([f.snaplen, f.linktype, f.records.length]).toEqual([262144, 1, 0]);
  });

  it("swaps caplen and len in 2.2 files, and in 2.3 files where caplen > len", () => {
    const swapped = { sec: 1, frac: 0, incl: 98, orig: 14, data: PING.subarray(0, 14) };
    for (const minor of [2, 3]) {
      expect(readPcap(rawPcap({ minor, records: [swapped] })).records[0]).toMatchObject({ origLen: 98, data: PING.subarray(0, 14) });
    }
    const plain = { sec: 1, frac: 0, incl: 14, orig: 98, data: PING.subarray(0, 14) };
    expect(readPcap(rawPcap({ minor: 3, records: [plain] })).records[0]!.origLen).toBe(98);
  });

  it("reads Kuznetzov's 24-byte record headers", () => {
    const f = readPcap(rawPcap({ magic: PCAP_MAGIC_KUZNETZOV, recordHeaderLen: 24, records: recs }));
    expect(f.records.map((r) => r.data)).toEqual([ARP, PING.subarray(0, 14)]);
  });

  it("cuts a record longer than the file's snaplen to the snaplen, as libpcap does", () => {
    const f = readPcap(rawPcap({ snaplen: 20, records: [recs[0]!, recs[1]!] }));
    expect(f.records.map((r) => r.data.length)).toEqual([20, 14]);
    expect(f.records[0]!.origLen).toBe(ARP.length);
  });

  describe("errors, worded as libpcap's", () => {
    const good = rawPcap({ records: recs });

    it("truncated global header", () => {
      expect(errorOf(new Uint8Array(0)).message).toBe("truncated dump file; tried to read 4 file header bytes, only got 0");
      expect(errorOf(good.subarray(0, 3)).message).toBe("truncated dump file; tried to read 4 file header bytes, only got 3");
      // libpcap counts the bytes read after the magic.
      expect(errorOf(good.subarray(0, 10)).message).toBe("truncated dump file; tried to read 24 file header bytes, only got 6");
      expect(errorOf(good.subarray(0, 23)).message).toBe("truncated dump file; tried to read 24 file header bytes, only got 19");
      expect(errorOf(good.subarray(0, 23)).partial).toBeUndefined();
    });

    it("bad magic", () => {
      expect(errorOf(new Uint8Array(24)).message).toBe("unknown file format");
      expect(errorOf(hex("a1b2c3d5 0000")).message).toBe("unknown file format");
      expect(errorOf(hex("0a0d0d0a 1c000000 4d3c2b1a")).message).toMatch(/^pcapng savefiles are not supported/);
    });

    it("versions libpcap does not read", () => {
      expect(errorOf(rawPcap({ major: 1 })).message).toBe("archaic pcap savefile format");
      expect(errorOf(rawPcap({ minor: 5 })).message).toBe("unsupported pcap savefile version 2.5");
      expect(errorOf(rawPcap({ major: 3, minor: 0 })).message).toBe("unsupported pcap savefile version 3.0");
      expect(readPcap(rawPcap({ major: 543, minor: 0 })).versionMajor).toBe(543);
    });

    it("truncated record header, with the records before it kept", () => {
      const e = errorOf(good.subarray(0, 24 + 16 + ARP.length + 7));
      expect(e.message).toBe("truncated dump file; tried to read 16 header bytes, only got 7");
      expect(e.partial?.records.map((r) => r.tsSec)).toEqual([10]);
      expect(errorOf(rawPcap({ magic: PCAP_MAGIC_KUZNETZOV, recordHeaderLen: 24, records: recs }).subarray(0, 24 + 20)).message).toBe(
        "truncated dump file; tried to read 24 header bytes, only got 20",
      );
    });

    it("truncated record data", () => {
      const e = errorOf(good.subarray(0, 24 + 16 + 30));
      expect(e.message).toBe(`truncated dump file; tried to read ${ARP.length} captured bytes, only got 30`);
      expect(e.partial?.records).toEqual([]);
      // Longer than the snaplen: libpcap first wants snaplen bytes, then the rest to discard.
      const cut = rawPcap({ snaplen: 20, records: [recs[0]!] });
      expect(errorOf(cut.subarray(0, 24 + 16 + 15)).message).toBe("truncated dump file; tried to read 20 captured bytes, only got 15");
      expect(errorOf(cut.subarray(0, 24 + 16 + 30)).message).toBe(`truncated dump file; tried to read ${ARP.length} captured bytes, only got 30`);
    });

    it("absurd capture length", () => {
      const big = { sec: 1, frac: 0, incl: 300000, orig: 300000, data: new Uint8Array(0) };
      expect(errorOf(rawPcap({ records: [big] })).message).toBe("invalid packet capture length 300000, bigger than snaplen of 262144");
      expect(errorOf(rawPcap({ snaplen: 100, records: [big] })).message).toBe("invalid packet capture length 300000, bigger than snaplen of 100");
      expect(errorOf(rawPcap({ littleEndian: false, records: [{ ...big, incl: 262145 }] })).message).toBe(
        "invalid packet capture length 262145, bigger than snaplen of 262144",
      );
    });

    it("an incl_len of exactly 262144 is fine", () => {
      const data = new Uint8Array(262144);
      expect(readPcap(rawPcap({ records: [{ sec: 1, frac: 0, incl: 262144, orig: 262144, data }] })).records[0]!.data.length).toBe(262144);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The real tools read what we write, and write what we read.

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

describe("interoperability with real tcpdump and tshark", () => {
  const dir = mkdtempSync(join(tmpdir(), "vnet-pcap-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hasTcpdump = which("tcpdump");
  const hasTshark = which("tshark");

  function sample(): string {
    const w = new PcapWriter();
    w.writePacket(ARP, 1700000000, 1);
    w.writePacket(PING, 1700000000, 250000);
    w.writePacket(UDP, 1700000001, 999999, 1514);
    const file = join(dir, "sample.pcap");
    writeFileSync(file, w.bytes());
    return file;
  }

  it.skipIf(!hasTcpdump)(hasTcpdump ? "tcpdump -r reads a PcapWriter file" : "SKIPPED: tcpdump is not installed", () => {
    const r = spawnSync("tcpdump", ["-r", sample(), "-nn", "-tt"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("link-type EN10MB (Ethernet), snapshot length 262144");
    expect(r.stdout.trim().split("\n")).toEqual([
      "1700000000.000001 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28",
      "1700000000.250000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 4660, seq 1, length 16",
      "1700000001.999999 IP 10.0.0.1.1024 > 10.0.0.2.9: UDP, length 4",
    ]);
  });

  it.skipIf(!hasTshark)(hasTshark ? "tshark -r reads a PcapWriter file" : "SKIPPED: tshark is not installed", () => {
    const r = spawnSync(
      "tshark",
      ["-r", sample(), "-T", "fields", "-E", "separator=,", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len", "-e", "_ws.col.Protocol", "-e", "eth.src"],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      "1700000000.000001000,42,42,ARP,02:00:00:00:00:01",
      "1700000000.250000000,50,50,ICMP,02:00:00:00:00:01",
      "1700000001.999999000,1514,46,UDP,02:00:00:00:00:01",
    ]);
  });

  it.skipIf(!hasTcpdump)(hasTcpdump ? "readPcap reads what libpcap writes, micro- and nanosecond" : "SKIPPED: tcpdump is not installed", () => {
    const src = sample();
    const ours = readPcap(readFileSync(src));
    for (const precision of ["micro", "nano"]) {
      const out = join(dir, `rewritten-${precision}.pcap`);
      const r = spawnSync("tcpdump", ["-r", src, `--time-stamp-precision=${precision}`, "-w", out], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const theirs: PcapFile = readPcap(readFileSync(out));
      expect(theirs.nanos).toBe(precision === "nano");
      expect(theirs.records).toEqual(ours.records);
    }
  });

  it.skipIf(!hasTcpdump)(hasTcpdump ? "tcpdump reports the same errors on the same broken files" : "SKIPPED: tcpdump is not installed", () => {
    const good = readFileSync(sample());
    const big = { sec: 1, frac: 0, incl: 300000, orig: 300000, data: new Uint8Array(0) };
    const cases: Uint8Array[] = [
      good.subarray(0, 0),
      good.subarray(0, 2),
      good.subarray(0, 13),
      new Uint8Array(24),
      rawPcap({ major: 1 }),
      rawPcap({ minor: 7 }),
      good.subarray(0, 24 + 16 + 42 + 9),
      good.subarray(0, 24 + 16 + 30),
      rawPcap({ littleEndian: false, records: [big] }),
      rawPcap({ snaplen: 20, records: [{ sec: 1, frac: 0, incl: 42, orig: 42, data: ARP }] }).subarray(0, 24 + 16 + 33),
    ];
    cases.forEach((bytes, i) => {
      const file = join(dir, `broken-${i}.pcap`);
      writeFileSync(file, bytes);
      const r = spawnSync("tcpdump", ["-r", file, "-nn"], { encoding: "utf8" });
      const e = errorOf(bytes);
      // Record errors come out of pcap_loop(); header errors out of pcap_open_offline().
      const line = e.partial === undefined ? `tcpdump: ${e.message}` : `tcpdump: pcap_loop: ${e.message}`;
      expect(r.stderr, `case ${i}`).toContain(line);
    });
  });
});
