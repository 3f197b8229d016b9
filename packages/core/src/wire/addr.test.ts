import { describe, expect, it } from "vitest";
import {
  badMask,
  ETH_ALEN,
  ETH_BROADCAST,
  etherAddrCopy,
  etherAddrEqual,
  inetMakeMask,
  inetMaskLen,
  ipv4IsLbcast,
  ipv4IsLocalMulticast,
  ipv4IsLoopback,
  ipv4IsMulticast,
  ipv4IsZeronet,
  ipv4ToString,
  isBroadcastEther,
  isLocalAdministered,
  isMulticastEther,
  isValidEther,
  isZeroEther,
  macToString,
  parseIpv4,
  parseMac,
  readIpv4,
  writeIpv4,
} from "./addr.js";

describe("IPv4 addresses", () => {
  it("round-trips dotted quads as unsigned 32-bit numbers", () => {
    for (const text of ["0.0.0.0", "10.0.0.1", "192.168.0.255", "255.255.255.255", "224.0.0.1", "1.2.3.4"]) {
      const addr = parseIpv4(text);
      expect(addr).not.toBeNull();
      expect(addr!).toBeGreaterThanOrEqual(0);
      expect(ipv4ToString(addr!)).toBe(text);
    }
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4("10.0.0.1")).toBe(0x0a000001);
    expect(ipv4ToString(0xc0a80001)).toBe("192.168.0.1");
  });

  it("rejects anything but a strict dotted quad", () => {
    for (const bad of ["", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.00", "1..3.4", ".1.2.3", "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "0x1.2.3.4", "1.2.3.-4", "1,2,3,4", "10", "a.b.c.d"]) {
      expect(parseIpv4(bad), bad).toBeNull();
    }
  });

  it("reads and writes big-endian addresses in a buffer", () => {
    const buf = new Uint8Array(8);
    writeIpv4(buf, 2, 0xc0a800c7);
    expect([...buf]).toEqual([0, 0, 192, 168, 0, 199, 0, 0]);
    expect(readIpv4(buf, 2)).toBe(0xc0a800c7);
    writeIpv4(buf, 0, 0xffffffff);
    expect(readIpv4(buf, 0)).toBe(0xffffffff);
  });

  it("converts between prefix lengths and netmasks", () => {
    expect(inetMakeMask(0)).toBe(0);
    expect(inetMakeMask(8)).toBe(0xff000000);
    expect(inetMakeMask(24)).toBe(0xffffff00);
    expect(inetMakeMask(31)).toBe(0xfffffffe);
    expect(inetMakeMask(32)).toBe(0xffffffff);
    for (let len = 0; len <= 32; len++) expect(inetMaskLen(inetMakeMask(len))).toBe(len);
    // Linux counts up to the lowest set bit, so a hole in the mask does not shorten it.
    expect(inetMaskLen(0xff00ff00)).toBe(24);
  });

  it("spots bad masks as Linux bad_mask does", () => {
    expect(badMask(0xffffff00, 0x0a000000)).toBe(false);
    expect(badMask(0xffffff00, 0x0a000001)).toBe(true);
    expect(badMask(0xff00ff00, 0)).toBe(true);
    expect(badMask(0, 0)).toBe(false);
    expect(badMask(0xffffffff, 0x0a000001)).toBe(false);
  });

  it("classifies addresses with the Linux predicates", () => {
    expect(ipv4IsMulticast(parseIpv4("224.0.0.1")!)).toBe(true);
    expect(ipv4IsMulticast(parseIpv4("239.255.255.255")!)).toBe(true);
    expect(ipv4IsMulticast(parseIpv4("240.0.0.1")!)).toBe(false);
    expect(ipv4IsMulticast(parseIpv4("223.255.255.255")!)).toBe(false);
    expect(ipv4IsLocalMulticast(parseIpv4("224.0.0.251")!)).toBe(true);
    expect(ipv4IsLocalMulticast(parseIpv4("224.0.1.1")!)).toBe(false);
    expect(ipv4IsLoopback(parseIpv4("127.0.0.1")!)).toBe(true);
    expect(ipv4IsLoopback(parseIpv4("127.255.1.2")!)).toBe(true);
    expect(ipv4IsLoopback(parseIpv4("128.0.0.1")!)).toBe(false);
    expect(ipv4IsZeronet(0)).toBe(true);
    expect(ipv4IsZeronet(parseIpv4("0.1.2.3")!)).toBe(false);
    expect(ipv4IsLbcast(0xffffffff)).toBe(true);
    expect(ipv4IsLbcast(-1)).toBe(true);
    expect(ipv4IsLbcast(parseIpv4("10.255.255.255")!)).toBe(false);
  });
});

describe("MAC addresses", () => {
  it("formats lowercase and parses either case", () => {
    const mac = parseMac("02:AB:cd:0:1:ff");
    expect(mac).not.toBeNull();
    expect(macToString(mac!)).toBe("02:ab:cd:00:01:ff");
    expect(macToString(new Uint8Array([9, 9, 0xde, 0xad, 0xbe, 0xef, 1, 2]), 2)).toBe("de:ad:be:ef:01:02");
  });

  it("rejects malformed text", () => {
    for (const bad of ["", "02:00:00:00:00", "02:00:00:00:00:00:00", "02:00:00:00:00:0g", "002:00:00:00:00:00", "02-00-00-00-00-00", "02::00:00:00:00"]) {
      expect(parseMac(bad), bad).toBeNull();
    }
  });

  it("classifies addresses and compares them in place", () => {
    expect(ETH_ALEN).toBe(6);
    expect(isBroadcastEther(ETH_BROADCAST)).toBe(true);
    expect(isMulticastEther(ETH_BROADCAST)).toBe(true);
    expect(isMulticastEther(parseMac("01:00:5e:00:00:01")!)).toBe(true);
    expect(isBroadcastEther(parseMac("01:00:5e:00:00:01")!)).toBe(false);
    expect(isMulticastEther(parseMac("02:00:00:00:00:01")!)).toBe(false);
    expect(isZeroEther(new Uint8Array(6))).toBe(true);
    expect(isZeroEther(parseMac("00:00:00:00:00:01")!)).toBe(false);
    expect(isLocalAdministered(parseMac("02:00:00:00:00:01")!)).toBe(true);
    expect(isLocalAdministered(parseMac("00:16:3e:00:00:01")!)).toBe(false);
    expect(isValidEther(parseMac("00:16:3e:00:00:01")!)).toBe(true);
    expect(isValidEther(new Uint8Array(6))).toBe(false);
    expect(isValidEther(ETH_BROADCAST)).toBe(false);

    const frame = new Uint8Array(14);
    etherAddrCopy(frame, 6, parseMac("02:00:00:00:00:07")!, 0);
    expect(etherAddrEqual(frame, 6, parseMac("02:00:00:00:00:07")!, 0)).toBe(true);
    expect(etherAddrEqual(frame, 0, parseMac("02:00:00:00:00:07")!, 0)).toBe(false);
    expect(isZeroEther(frame, 0)).toBe(true);
  });
});
