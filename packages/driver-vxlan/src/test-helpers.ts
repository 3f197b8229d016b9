// Shared fixtures for the vxlan tests (not part of the package's API).
import {
  devOpen, ipAddrAdd, Kernel, parseIpv4, pingSocket, ROOT_CRED, rtnlNewlink, udpSocket, EchoReply, type Net, type NetDevice,
  type UdpSocket,
} from "@vnet/core";
import { createVxlan, MemoryUnderlay, type VxlanDevice, type VxlanTransportFactory } from "./index.js";

export function ip(text: string): number {
  const a = parseIpv4(text);
  if (a === null) throw new Error(`bad address ${text}`);
  return a >>> 0;
}

/** A kernel with the vxlan module over `transport`. */
export function boot(transport?: VxlanTransportFactory, seed = 7): Kernel {
  const k = new Kernel({ seed });
  k.insmod(createVxlan(transport === undefined ? {} : { transport }));
  return k;
}

/** `ip link add NAME type vxlan ARGS...` through the kind's own parser. */
export function linkAdd(k: Kernel, name: string, args: readonly string[], net: Net = k.initNet, extra: Record<string, unknown> = {}): VxlanDevice {
  const ops = k.linkKinds.get("vxlan")!;
  return rtnlNewlink("vxlan", { net, name, data: { ...ops.parse!(args), ...extra }, cred: ROOT_CRED }) as VxlanDevice;
}

/** `ip addr add ADDR/PLEN dev DEV` + `ip link set DEV up`. */
export function up(dev: NetDevice, cidr?: string): void {
  if (cidr !== undefined) {
    const [a, p] = cidr.split("/");
    ipAddrAdd(dev.net, ROOT_CRED, { dev: dev.name, local: ip(a!), prefixLen: Number(p ?? 32) });
  }
  devOpen(dev);
}

/** Two kernels joined over a memory underlay, each with vx0 (VNI 42) pointing at the other. */
export function pair(opts: { vni?: number; learning?: boolean } = {}): {
  wire: MemoryUnderlay;
  a: Kernel;
  b: Kernel;
  va: VxlanDevice;
  vb: VxlanDevice;
} {
  const wire = new MemoryUnderlay();
  const a = boot(wire.host("192.0.2.1"), 1);
  const b = boot(wire.host("192.0.2.2"), 2);
  const vni = String(opts.vni ?? 42);
  const learn = opts.learning === false ? ["nolearning"] : [];
  const va = linkAdd(a, "vx0", ["id", vni, "remote", "192.0.2.2", ...learn]);
  const vb = linkAdd(b, "vx0", ["id", vni, "remote", "192.0.2.1", ...learn]);
  up(va, "10.99.0.1/24");
  up(vb, "10.99.0.2/24");
  lockstep([a, b], () => false, 10);
  return { wire, a, b, va, vb };
}

/**
 * Runs kernels side by side in 1 ms slices of virtual time until `pred` holds (true) or `ms`
 * pass (false): what the wire between them sees is simultaneous, and the run is deterministic.
 */
export function lockstep(kernels: readonly Kernel[], pred: () => boolean, ms: number): boolean {
  for (let t = 0; t < ms; t++) {
    for (const k of kernels) k.runFor(1);
    if (pred()) return true;
  }
  return pred();
}

/** Pings `dst` from `net` `count` times (1 s apart); returns the replies, running `kernels` meanwhile. */
export function ping(kernels: readonly Kernel[], net: Net, dst: string, count = 3, size = 56): EchoReply[] {
  const sk = pingSocket(net, ROOT_CRED);
  const got: EchoReply[] = [];
  for (let seq = 1; seq <= count; seq++) {
    sk.sendEcho(ip(dst), seq, size);
    lockstep(kernels, () => {
      for (let r = sk.recv(); r !== null; r = sk.recv()) got.push(r);
      return got.some((r) => r.seq === seq);
    }, 1000);
  }
  sk.close();
  return got;
}

/** A UDP socket bound to `port` in `net`. */
export function udpBound(net: Net, port: number): UdpSocket {
  const sk = udpSocket(net, ROOT_CRED);
  sk.bind(0, port);
  return sk;
}
