/**
 * A VXLAN device's configuration (struct vxlan_config) and iproute2's parser for
 * `ip link add NAME type vxlan ARGS` (ip/iplink_vxlan.c), reduced to what vnet models.
 */
import { EINVAL, KernelError, ipv4IsMulticast, parseIpv4 } from "@vnet/core";
import { IANA_VXLAN_UDP_PORT, VXLAN_N_VID } from "./wire.js";

/** FDB_AGE_DEFAULT: learned entries live 300 s after the last frame from them. */
export const FDB_AGE_DEFAULT = 300;

/** What `parse` produces and `newlink` reads (IFLA_INFO_DATA of kind vxlan). */
export type VxlanLinkData = {
  /** `id VNI` (IFLA_VXLAN_ID), 0..16777215. Required. */
  vni?: number | undefined;
  /** `remote IP`: the default destination, as an all-zeros FDB entry (IFLA_VXLAN_GROUP). */
  remote?: number | undefined;
  /** `local IP`: the source address and the address the socket binds to (IFLA_VXLAN_LOCAL). */
  local?: number | undefined;
  /** `dstport PORT` (IFLA_VXLAN_PORT); 0 or absent: the module's udp_port (4789). */
  dstPort?: number | undefined;
  /** `srcport MIN MAX` (IFLA_VXLAN_PORT_RANGE); 0 0: net.ipv4.ip_local_port_range. */
  portMin?: number | undefined;
  portMax?: number | undefined;
  /** `learning` / `nolearning` (IFLA_VXLAN_LEARNING), default learning. */
  learning?: boolean | undefined;
  /** `ageing SECONDS` (IFLA_VXLAN_AGEING); 0 keeps learned entries for ever. */
  ageing?: number | undefined;
};

export const VXLAN_USAGE: string = [
  "Usage: ... vxlan id VNI",
  "                 [ { remote } ADDR ]",
  "                 [ local ADDR ]",
  "                 [ dstport PORT ]",
  "                 [ srcport MIN MAX ]",
  "                 [ [no]learning ]",
  "                 [ ageing SECONDS ]",
  "",
  "Where: VNI   := 0-16777215",
  "       ADDR  := { IP_ADDRESS | any }",
  "       PORT  := 0-65535 (0: the driver's default, 4789)",
].join("\n");

/** iproute2's invarg(): `Error: argument "X" is wrong: WHAT`. */
function invarg(what: string, arg: string): never {
  throw new KernelError(EINVAL, `Error: argument "${arg}" is wrong: ${what}`);
}

function u32(text: string | undefined, max: number): number | null {
  if (text === undefined || !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) return null;
  const n = text.startsWith("0x") ? parseInt(text, 16) : Number(text);
  return n <= max ? n : null;
}

function addr(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (text === "any") return 0;
  const a = parseIpv4(text);
  return a === null ? null : a >>> 0;
}

/** Parses the words after `type vxlan`, as iproute2's vxlan_parse_opt does; throws EINVAL. */
export function vxlanParse(args: readonly string[]): Record<string, unknown> {
  const data: VxlanLinkData = {};
  const need = (i: number): string => {
    const v = args[i + 1];
    if (v === undefined) throw new KernelError(EINVAL, `Command line is not complete. Try option "help"`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === "id" || w === "vni") {
      const v = need(i++);
      data.vni = u32(v, VXLAN_N_VID - 1) ?? invarg("invalid id", v);
    } else if (w === "remote" || w === "group") {
      const v = need(i++);
      const a = addr(v);
      // vnet has no multicast underlay: a group is refused as iproute2 refuses a multicast remote.
      if (a === null || ipv4IsMulticast(a)) invarg(w === "group" ? "invalid group address (multicast groups are not supported)" : "invalid remote address", v);
      data.remote = a;
    } else if (w === "local") {
      const v = need(i++);
      const a = addr(v);
      if (a === null || ipv4IsMulticast(a)) invarg("invalid local address", v);
      data.local = a;
    } else if (w === "dstport") {
      const v = need(i++);
      data.dstPort = u32(v, 0xffff) ?? invarg("dstport", v);
    } else if (w === "srcport" || w === "port") {
      const lo = need(i++);
      const hi = need(i++);
      data.portMin = u32(lo, 0xffff) ?? invarg("min port", lo);
      data.portMax = u32(hi, 0xffff) ?? invarg("max port", hi);
    } else if (w === "learning") {
      data.learning = true;
    } else if (w === "nolearning") {
      data.learning = false;
    } else if (w === "ageing") {
      const v = need(i++);
      data.ageing = v === "none" ? 0 : (u32(v, 0xffffffff) ?? invarg("ageing", v));
    } else if (w === "help") {
      throw new KernelError(EINVAL, VXLAN_USAGE);
    } else {
      throw new KernelError(EINVAL, `vxlan: unknown command "${w}"?\n${VXLAN_USAGE}`);
    }
  }
  if (data.vni === undefined) throw new KernelError(EINVAL, "vxlan: missing virtual network identifier");
  return data;
}

/** A device's configuration, resolved from the link data and the module's defaults. */
export interface VxlanConfig {
  vni: number;
  /** 0: no default remote. */
  remote: number;
  local: number;
  dstPort: number;
  /** 0 0: the kernel's local port range. */
  portMin: number;
  portMax: number;
  learning: boolean;
  /** Seconds; 0: never. */
  ageing: number;
}

function isU(v: unknown, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
}

/** vxlan_nl2conf(): checks the link data (also when it did not come from `parse`). */
export function vxlanConfig(data: Record<string, unknown>, defaultPort: number = IANA_VXLAN_UDP_PORT): VxlanConfig {
  const d = data as VxlanLinkData;
  if (!isU(d.vni, VXLAN_N_VID - 1)) throw new KernelError(EINVAL, "vxlan: VNI must be 0-16777215");
  const opt = (v: unknown, max: number, what: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!isU(v, max)) throw new KernelError(EINVAL, `vxlan: invalid ${what}`);
    return v;
  };
  const remote = opt(d.remote, 0xffffffff, "remote address", 0);
  const local = opt(d.local, 0xffffffff, "local address", 0);
  if (ipv4IsMulticast(remote) || ipv4IsMulticast(local)) throw new KernelError(EINVAL, "vxlan: multicast addresses are not supported");
  const portMin = opt(d.portMin, 0xffff, "source port", 0);
  const portMax = opt(d.portMax, 0xffff, "source port", 0);
  if (portMax < portMin) throw new KernelError(EINVAL, "Invalid source port range");
  if (d.learning !== undefined && typeof d.learning !== "boolean") throw new KernelError(EINVAL, "vxlan: learning");
  const dstPort = opt(d.dstPort, 0xffff, "destination port", 0);
  return {
    vni: d.vni,
    remote,
    local,
    dstPort: dstPort === 0 ? defaultPort : dstPort,
    portMin,
    portMax,
    learning: d.learning ?? true,
    ageing: opt(d.ageing, 0xffffffff, "ageing", FDB_AGE_DEFAULT),
  };
}
