/** Test helpers: a kernel with a shell, and a way to run lines and see what they printed. */
import {
  allocSkb, ARP_PACKET_LEN, ARPOP_REQUEST, devQueueXmit, emitArp, emitEthernetHeader, emitIpv4Header, emitUdpHeader, ETH_BROADCAST,
  ETH_HLEN, ETH_P_ARP, ETH_P_IP, IP_DF, IPPROTO_UDP, IPV4_HLEN, Kernel, UDP_HLEN, udpFillChecksum, type KernelOptions,
  type NetDevice,
} from "@vnet/core";
import { Shell, type ShellOptions } from "./shell/shell.js";

export interface Ran {
  status: number;
  out: string;
  err: string;
}

export interface TestShell {
  kernel: Kernel;
  sh: Shell;
  /** Runs one line; returns its status and what it wrote to stdout and stderr. */
  run(line: string): Promise<Ran>;
  /** Runs lines that must all succeed; returns their stdout. */
  ok(...lines: string[]): Promise<string>;
}

export function testShell(options: ShellOptions & { kernel?: KernelOptions | undefined } = {}): TestShell {
  const kernel = new Kernel({ seed: 1, ...options.kernel });
  const sh = new Shell(kernel, options);
  // Output made between two lines (by packets the test sends itself) belongs to the next one.
  let mark = 0;
  const run = async (line: string): Promise<Ran> => {
    const status = await sh.run(line);
    const mine = sh.output.slice(mark);
    mark = sh.output.length;
    const out = mine.filter((o) => o.fd === 1).map((o) => o.text).join("");
    const err = mine.filter((o) => o.fd === 2).map((o) => o.text).join("");
    return { status, out, err };
  };
  const ok = async (...lines: string[]): Promise<string> => {
    let out = "";
    for (const l of lines) {
      const r = await run(l);
      if (r.status !== 0) throw new Error(`\`${l}\` failed with status ${r.status}: ${r.err}`);
      out += r.out;
    }
    return out;
  };
  return { kernel, sh, run, ok };
}

/** Transmits raw frame bytes from `dev` (dev_queue_xmit), as a protocol would. */
export function sendFrame(dev: NetDevice, frame: Uint8Array): void {
  const skb = allocSkb(frame.length + 64);
  skb.reserve(32);
  skb.putData(frame);
  skb.dev = dev;
  devQueueXmit(skb);
}

/** An Ethernet ARP request from `src` asking for `tip` (host-order IPv4 addresses). */
export function arpRequest(src: Uint8Array, sip: number, tip: number): Uint8Array {
  const f = new Uint8Array(ETH_HLEN + ARP_PACKET_LEN);
  const at = emitEthernetHeader(f, 0, ETH_BROADCAST, src, ETH_P_ARP);
  emitArp(f, at, ARPOP_REQUEST, src, sip, null, tip);
  return f;
}

/** An Ethernet/IPv4/UDP frame with valid checksums. */
export function udpFrame(src: Uint8Array, dst: Uint8Array, saddr: number, daddr: number, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(ETH_HLEN + IPV4_HLEN + UDP_HLEN + payload.length);
  let at = emitEthernetHeader(f, 0, dst, src, ETH_P_IP);
  at = emitIpv4Header(f, at, {
    tos: 0, totLen: IPV4_HLEN + UDP_HLEN + payload.length, id: 1, fragOff: IP_DF, ttl: 64, protocol: IPPROTO_UDP, saddr, daddr,
  });
  const udp = at;
  at = emitUdpHeader(f, at, sport, dport, payload.length);
  f.set(payload, at);
  udpFillChecksum(f, udp, UDP_HLEN + payload.length, saddr, daddr);
  return f;
}
