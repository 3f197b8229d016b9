import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ETH_BROADCAST, parseIpv4, parseMac } from "./addr.js";
import { ARPOP_REPLY, ARPOP_REQUEST, emitArp } from "./arp.js";
import { emitEthernetHeader, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6 } from "./ethernet.js";
import { emitIcmpEcho, emitIcmpError, ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_TIME_EXCEEDED, icmpFillChecksum } from "./icmp.js";
import { emitIpv4Header, IP_DF, IP_MF, IPPROTO_ICMP, IPPROTO_UDP, Ipv4Packet } from "./ipv4.js";
import { type TcpdumpOptions, tcpdumpLine } from "./tcpdump.js";
import { emitUdpHeader, udpFillChecksum } from "./udp.js";

// Every expected string below was printed by tcpdump 4.99.3 (`tcpdump -r file -t -n [-e] [-v]`)
// for the same bytes; set VNET_REAL_TCPDUMP=tcpdump to check them again against the real thing.

const A = parseMac("02:00:00:00:00:01")!;
const B = parseMac("02:00:00:00:00:02")!;
const ip = (s: string): number => parseIpv4(s)!;
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const bytes = (...v: number[]): Uint8Array => new Uint8Array(v);
const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i & 0xff);
const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

function eth(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  emitEthernetHeader(f, 0, dst, src, type);
  f.set(payload, 14);
  return f;
}

interface IpOpts {
  ttl?: number;
  id?: number;
  fragOff?: number;
  tos?: number;
  options?: Uint8Array;
  totLen?: number;
  check?: number;
}

function ipv4(src: string, dst: string, protocol: number, payload: Uint8Array, o: IpOpts = {}): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const hlen = 20 + opts.length;
  const p = new Uint8Array(hlen + payload.length);
  emitIpv4Header(p, 0, {
    tos: o.tos ?? 0,
    totLen: o.totLen ?? p.length,
    id: o.id ?? 1,
    fragOff: o.fragOff ?? IP_DF,
    ttl: o.ttl ?? 64,
    protocol,
    saddr: ip(src),
    daddr: ip(dst),
  });
  p[0] = 0x40 | (hlen / 4);
  p.set(opts, 20);
  p.set(payload, hlen);
  const v = new Ipv4Packet(p);
  v.fillChecksum();
  if (o.check !== undefined) v.check = o.check;
  return p;
}

function echoRequest(id: number, sequence: number, dataLen: number): Uint8Array {
  const m = new Uint8Array(8 + dataLen);
  emitIcmpEcho(m, 0, ICMP_ECHO, id, sequence);
  m.set(seq(dataLen), 8);
  icmpFillChecksum(m, 0, m.length);
  return m;
}

function udp(sport: number, dport: number, data: Uint8Array, src: string, dst: string, check?: number): Uint8Array {
  const d = new Uint8Array(8 + data.length);
  emitUdpHeader(d, 0, sport, dport, data.length);
  d.set(data, 8);
  udpFillChecksum(d, 0, d.length, ip(src), ip(dst));
  if (check !== undefined) d.set([check >>> 8, check & 0xff], 6);
  return d;
}

/** An ICMP error from `src` to 10.0.0.1 quoting the first 28 octets of `offending`. */
function icmpError(src: string, type: number, code: number, rest: number, offending: Uint8Array, dst = "10.0.0.1"): Uint8Array {
  const m = new Uint8Array(36);
  emitIcmpError(m, 0, type, code, rest, offending, 0, 28);
  return ipv4(src, dst, IPPROTO_ICMP, m, { tos: 0xc0, fragOff: 0, id: 77 });
}

function arp(op: number, sha: Uint8Array, sip: string, tha: Uint8Array | null, tip: string): Uint8Array {
  const p = new Uint8Array(28);
  emitArp(p, 0, op, sha, ip(sip), tha, ip(tip));
  return p;
}

const hello = new TextEncoder().encode("hello");
const udpHello = ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp(5000, 7, hello, "10.0.0.1", "10.0.0.2"));
const udp100 = udp(5000, 7, new Uint8Array(100), "10.0.0.1", "10.0.0.2");
const ping = ipv4("192.168.0.1", "192.168.0.2", IPPROTO_ICMP, echoRequest(1, 1, 56));
const pingTtl1 = ipv4("10.0.0.1", "10.0.0.3", IPPROTO_ICMP, echoRequest(1, 1, 56), { ttl: 1 });
const arpRequest = eth(ETH_BROADCAST, A, ETH_P_ARP, arp(ARPOP_REQUEST, A, "10.0.0.1", null, "10.0.0.2"));

const E: TcpdumpOptions = { link: true };
const V: TcpdumpOptions = { verbose: 1 };
const VV: TcpdumpOptions = { verbose: 2 };
const EV: TcpdumpOptions = { link: true, verbose: 1 };

type Case = [name: string, frame: Uint8Array, opts: TcpdumpOptions, expected: string];

const CASES: Case[] = [
  ["echo request", eth(B, A, ETH_P_IP, ping), {}, "IP 192.168.0.1 > 192.168.0.2: ICMP echo request, id 1, seq 1, length 64"],
  [
    "echo request -e",
    eth(B, A, ETH_P_IP, ping),
    E,
    "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 98: 192.168.0.1 > 192.168.0.2: ICMP echo request, id 1, seq 1, length 64",
  ],
  [
    "echo request -v",
    eth(B, A, ETH_P_IP, ping),
    V,
    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ICMP (1), length 84)\n    192.168.0.1 > 192.168.0.2: ICMP echo request, id 1, seq 1, length 64",
  ],
  [
    "echo request -e -v",
    eth(B, A, ETH_P_IP, ping),
    EV,
    "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 98: (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ICMP (1), length 84)\n    192.168.0.1 > 192.168.0.2: ICMP echo request, id 1, seq 1, length 64",
  ],
  [
    "echo request with a bad ICMP checksum -v",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_ICMP, cat(hex("08001234"), bytes(0, 1, 0, 2), new Uint8Array(8)))),
    V,
    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ICMP (1), length 36)\n    10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 2, length 16 (wrong icmp cksum 1234 (->f7fc)!)",
  ],
  ["udp", eth(B, A, ETH_P_IP, udpHello), {}, "IP 10.0.0.1.5000 > 10.0.0.2.7: UDP, length 5"],
  [
    "udp -vv checksum ok",
    eth(B, A, ETH_P_IP, udpHello),
    VV,
    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 33)\n    10.0.0.1.5000 > 10.0.0.2.7: [udp sum ok] UDP, length 5",
  ],
  [
    "udp -vv bad checksum",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp(5000, 7, bytes(0x78), "10.0.0.1", "10.0.0.2", 0x1234), { tos: 0x2b, ttl: 0, fragOff: 0x8000 })),
    VV,
    "IP (tos 0x2b,CE, id 1, offset 0, flags [rsvd], proto UDP (17), length 29)\n    10.0.0.1.5000 > 10.0.0.2.7: [bad udp cksum 0x1234 -> 0x604a!] UDP, length 1",
  ],
  [
    "udp -vv no checksum",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp(5000, 7, bytes(0x78), "10.0.0.1", "10.0.0.2", 0))),
    VV,
    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 29)\n    10.0.0.1.5000 > 10.0.0.2.7: [no cksum] UDP, length 1",
  ],
  ["arp request", arpRequest, {}, "ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28"],
  [
    "arp request -e",
    arpRequest,
    E,
    "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 10.0.0.2 tell 10.0.0.1, length 28",
  ],
  ["arp request -v", arpRequest, V, "ARP, Ethernet (len 6), IPv4 (len 4), Request who-has 10.0.0.2 tell 10.0.0.1, length 28"],
  ["arp request padded to ETH_ZLEN", cat(arpRequest, new Uint8Array(18)), {}, "ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 46"],
  ["arp reply", eth(A, B, ETH_P_ARP, arp(ARPOP_REPLY, B, "10.0.0.2", A, "10.0.0.1")), {}, "ARP, Reply 10.0.0.2 is-at 02:00:00:00:00:02, length 28"],
  [
    "arp request with a target address",
    eth(ETH_BROADCAST, A, ETH_P_ARP, arp(ARPOP_REQUEST, A, "10.0.0.1", B, "10.0.0.2")),
    {},
    "ARP, Request who-has 10.0.0.2 (02:00:00:00:00:02) tell 10.0.0.1, length 28",
  ],
  [
    "arp for another protocol",
    eth(ETH_BROADCAST, A, ETH_P_ARP, cat(hex("000186dd06040001"), arp(1, A, "10.0.0.1", B, "10.0.0.2").subarray(8))),
    {},
    "ARP, Ethernet (len 6), IPv6 (len 4), length 28",
  ],
  [
    "time exceeded",
    eth(B, A, ETH_P_IP, icmpError("10.0.0.1", ICMP_TIME_EXCEEDED, 0, 0, pingTtl1, "10.0.0.3")),
    {},
    "IP 10.0.0.1 > 10.0.0.3: ICMP time exceeded in-transit, length 36",
  ],
  [
    "time exceeded -v quotes the datagram",
    eth(B, A, ETH_P_IP, icmpError("10.0.0.254", ICMP_TIME_EXCEEDED, 0, 0, pingTtl1)),
    V,
    "IP (tos 0xc0, ttl 64, id 77, offset 0, flags [none], proto ICMP (1), length 56)\n    10.0.0.254 > 10.0.0.1: ICMP time exceeded in-transit, length 36\n\tIP (tos 0x0, ttl 1, id 1, offset 0, flags [DF], proto ICMP (1), length 84)\n    10.0.0.1 > 10.0.0.3: ICMP echo request, id 1, seq 1, length 64",
  ],
  [
    "port unreachable",
    eth(B, A, ETH_P_IP, icmpError("10.0.0.2", ICMP_DEST_UNREACH, 3, 0, udpHello)),
    {},
    "IP 10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 7 unreachable, length 36",
  ],
  [
    "port unreachable -e -v",
    eth(B, A, ETH_P_IP, icmpError("10.0.0.2", ICMP_DEST_UNREACH, 3, 0, udpHello)),
    EV,
    "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 70: (tos 0xc0, ttl 64, id 77, offset 0, flags [none], proto ICMP (1), length 56)\n    10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 7 unreachable, length 36\n\t(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 33)\n    10.0.0.1.5000 > 10.0.0.2.7: UDP, length 5",
  ],
  [
    "host unreachable",
    eth(B, A, ETH_P_IP, icmpError("10.0.0.254", ICMP_DEST_UNREACH, 1, 0, ipv4("10.0.0.1", "10.0.9.9", IPPROTO_ICMP, echoRequest(1, 1, 56)))),
    {},
    "IP 10.0.0.254 > 10.0.0.1: ICMP host 10.0.9.9 unreachable, length 36",
  ],
  [
    "fragmentation needed",
    eth(B, A, ETH_P_IP, icmpError("10.0.0.254", ICMP_DEST_UNREACH, 4, 1400, udpHello)),
    {},
    "IP 10.0.0.254 > 10.0.0.1: ICMP 10.0.0.2 unreachable - need to frag (mtu 1400), length 36",
  ],
  [
    "administratively prohibited",
    eth(B, A, ETH_P_IP, icmpError("10.0.0.254", ICMP_DEST_UNREACH, 13, 0, udpHello)),
    {},
    "IP 10.0.0.254 > 10.0.0.1: ICMP host 10.0.0.2 unreachable - admin prohibited filter, length 36",
  ],
  [
    "redirect",
    eth(B, A, ETH_P_IP, icmpError("10.0.0.254", 5, 1, ip("10.0.0.9"), udpHello)),
    {},
    "IP 10.0.0.254 > 10.0.0.1: ICMP redirect 10.0.0.2 to host 10.0.0.9, length 36",
  ],
  [
    "parameter problem",
    eth(B, A, ETH_P_IP, icmpError("10.0.0.254", 12, 0, 20 << 24, udpHello)),
    {},
    "IP 10.0.0.254 > 10.0.0.1: ICMP parameter problem - octet 20, length 36",
  ],
  [
    "first fragment -v",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp100.subarray(0, 80), { fragOff: IP_MF, id: 9 })),
    V,
    "IP (tos 0x0, ttl 64, id 9, offset 0, flags [+], proto UDP (17), length 100)\n    10.0.0.1.5000 > 10.0.0.2.7: UDP, length 100",
  ],
  [
    "later fragment",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp100.subarray(80), { fragOff: 10, id: 9 })),
    {},
    "IP 10.0.0.1 > 10.0.0.2: ip-proto-17",
  ],
  [
    "later fragment -v",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp100.subarray(80), { fragOff: 10, id: 9 })),
    V,
    "IP (tos 0x0, ttl 64, id 9, offset 80, flags [none], proto UDP (17), length 48)\n    10.0.0.1 > 10.0.0.2: ip-proto-17",
  ],
  [
    "bad header checksum and options -v",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp100, { options: bytes(1, 1, 1, 0), check: 0x1234 })),
    V,
    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 132, options (NOP,NOP,NOP,EOL), bad cksum 1234 (->2365)!)\n    10.0.0.1.5000 > 10.0.0.2.7: UDP, length 100",
  ],
  [
    "router alert -v",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp100, { options: bytes(148, 4, 0, 0) })),
    V,
    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 132, options (RA))\n    10.0.0.1.5000 > 10.0.0.2.7: UDP, length 100",
  ],
  ["unknown protocol", eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", 253, new Uint8Array(8))), {}, "IP 10.0.0.1 > 10.0.0.2:  ip-proto-253 8"],
  [
    "truncated IP",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp100).subarray(0, 30)),
    {},
    "IP truncated-ip - 98 bytes missing! 10.0.0.1.5000 > 10.0.0.2.7: UDP, length 100",
  ],
  ["IP header cut short", eth(B, A, ETH_P_IP, udpHello.subarray(0, 10)), {}, "IP  [|ip]"],
  ["no IP header at all", eth(B, A, ETH_P_IP, new Uint8Array(0)), {}, " [|ip]"],
  ["frame shorter than a header", eth(B, A, ETH_P_IP, udpHello).subarray(0, 13), {}, " [|ether]"],
  ["ARP cut short", eth(B, A, ETH_P_ARP, arp(ARPOP_REQUEST, A, "10.0.0.1", B, "10.0.0.2").subarray(0, 20)), {}, " [|arp]"],
  ["ICMP cut short", eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_ICMP, bytes(8, 0, 0))), {}, "IP 10.0.0.1 > 10.0.0.2:  [|icmp]"],
  ["UDP cut short", eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp100.subarray(0, 6))), {}, "IP 10.0.0.1.5000 > 10.0.0.2.7: truncated-udp 6"],
  ["bad header length", eth(B, A, ETH_P_IP, cat(bytes(0x44), udpHello.subarray(1))), {}, "IP bad-hlen 16"],
  ["bad total length", eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp100, { totLen: 12 })), {}, "IP bad-len 12"],
  ["wrong IP version", eth(B, A, ETH_P_IP, cat(bytes(0x55), udpHello.subarray(1))), {}, "IP5 (invalid)"],
  [
    "UDP length beyond the packet",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, cat(udp100.subarray(0, 4), bytes(0, 200), udp100.subarray(6)))),
    {},
    "IP 10.0.0.1.5000 > 10.0.0.2.7: UDP, bad length 192 > 100",
  ],
  [
    "unknown ethertype",
    eth(B, A, 0x1234, seq(46)),
    {},
    "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype Unknown (0x1234), length 60: \n\t0x0000:  0001 0203 0405 0607 0809 0a0b 0c0d 0e0f  ................\n\t0x0010:  1011 1213 1415 1617 1819 1a1b 1c1d 1e1f  ................\n\t0x0020:  2021 2223 2425 2627 2829 2a2b 2c2d       .!\"#$%&'()*+,-",
  ],
  [
    "unknown ethertype -e",
    eth(B, A, 0x1234, seq(3)),
    E,
    "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype Unknown (0x1234), length 17: \n\t0x0000:  0001 02                                  ...",
  ],
  [
    "802.1Q -e",
    eth(B, A, ETH_P_8021Q, cat(bytes(0x20, 0x05, 0x08, 0x00), udpHello)),
    E,
    "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype 802.1Q (0x8100), length 51: vlan 5, p 1, ethertype IPv4 (0x0800), 10.0.0.1.5000 > 10.0.0.2.7: UDP, length 5",
  ],
  ["802.1Q", eth(B, A, ETH_P_8021Q, cat(bytes(0x20, 0x05, 0x08, 0x00), udpHello)), {}, "IP 10.0.0.1.5000 > 10.0.0.2.7: UDP, length 5"],
  [
    "VXLAN",
    eth(B, A, ETH_P_IP, ipv4("10.0.0.1", "10.0.0.2", IPPROTO_UDP, udp(40000, 4789, cat(hex("0800000000002a00"), eth(B, A, ETH_P_IP, ping)), "10.0.0.1", "10.0.0.2"))),
    {},
    "IP 10.0.0.1.40000 > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42\nIP 192.168.0.1 > 192.168.0.2: ICMP echo request, id 1, seq 1, length 64",
  ],
  [
    "IPv6 neighbour solicitation",
    eth(
      parseMac("33:33:ff:00:00:01")!,
      A,
      ETH_P_IPV6,
      hex("6000000000183aff00000000000000000000000000000000ff0200000000000000000001ff00000187007c2500000000fe800000000000000000000000000001"),
    ),
    {},
    "IP6 :: > ff02::1:ff00:1: ICMP6, neighbor solicitation, who has fe80::1, length 24",
  ],
  [
    "IPv6 neighbour solicitation -v",
    eth(
      parseMac("33:33:ff:00:00:01")!,
      A,
      ETH_P_IPV6,
      hex("6000000000183aff00000000000000000000000000000000ff0200000000000000000001ff00000187007c2500000000fe800000000000000000000000000001"),
    ),
    V,
    "IP6 (hlim 255, next-header ICMPv6 (58) payload length: 24) :: > ff02::1:ff00:1: [icmp6 sum ok] ICMP6, neighbor solicitation, length 24, who has fe80::1",
  ],
  [
    "IPv6 MLDv2 report behind hop-by-hop options",
    eth(
      parseMac("33:33:00:00:00:16")!,
      A,
      ETH_P_IPV6,
      hex(
        "6000000000240001fe800000000000000000000000000001ff0200000000000000000000000000163a0005020000010" +
          "08f00ef2f0000000104000000ff0200000000000000000001ff000001",
      ),
    ),
    {},
    "IP6 fe80::1 > ff02::16: HBH ICMP6, multicast listener report v2, 1 group record(s), length 28",
  ],
];

describe("tcpdumpLine", () => {
  for (const [name, frame, opts, expected] of CASES) {
    it(`prints ${name} as tcpdump does`, () => {
      expect(tcpdumpLine(frame, 0, frame.length, opts)).toBe(expected);
    });
  }

  it("prints a frame inside a larger buffer", () => {
    const frame = eth(B, A, ETH_P_IP, udpHello);
    const buf = new Uint8Array(frame.length + 20).fill(0xff);
    buf.set(frame, 7);
    expect(tcpdumpLine(buf.subarray(3), 4, frame.length)).toBe("IP 10.0.0.1.5000 > 10.0.0.2.7: UDP, length 5");
  });

  it("never throws on truncated or random bytes", () => {
    let seed = 99;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (const [, frame] of CASES) {
      for (let len = 0; len <= frame.length; len++) {
        for (const opts of [{}, EV, VV]) expect(typeof tcpdumpLine(frame, 0, len, opts)).toBe("string");
      }
    }
    for (let i = 0; i < 3000; i++) {
      const f = Uint8Array.from({ length: Math.floor(rnd() * 120) }, () => Math.floor(rnd() * 256));
      if (f.length > 14) f[12] = [0x08, 0x86, 0x81][i % 3]!;
      if (f.length > 14) f[13] = [0x00, 0xdd, 0x00][i % 3]!;
      if (f.length > 15 && i % 3 === 0) f[14] = 0x45;
      expect(typeof tcpdumpLine(f, 0, f.length, i % 2 ? VV : E)).toBe("string");
    }
  });
});

/** A libpcap file (LINKTYPE_ETHERNET) holding `frames`. */
function pcap(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(24 + frames.reduce((n, f) => n + 16 + f.length, 0));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true);
  dv.setUint32(20, 1, true);
  let o = 24;
  for (const f of frames) {
    dv.setUint32(o + 8, f.length, true);
    dv.setUint32(o + 12, f.length, true);
    out.set(f, o + 16);
    o += 16 + f.length;
  }
  return out;
}

const REAL_TCPDUMP = process.env["VNET_REAL_TCPDUMP"];

describe.skipIf(!REAL_TCPDUMP)("tcpdumpLine against the real tcpdump", () => {
  for (const [name, frame, opts, expected] of CASES) {
    it(`agrees on ${name}`, () => {
      const dir = mkdtempSync(join(tmpdir(), "vnet-tcpdump-"));
      try {
        const file = join(dir, "one.pcap");
        writeFileSync(file, pcap([frame]));
        const flags = [...(opts.link ? ["-e"] : []), ...(opts.verbose ? ["-" + "v".repeat(opts.verbose)] : [])];
        const out = execFileSync(REAL_TCPDUMP!, ["-r", file, "-t", "-n", ...flags], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        expect(out.replace(/\n$/, "")).toBe(expected);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
