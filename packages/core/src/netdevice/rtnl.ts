import type { Kernel } from "../kernel/kernel.js";
import type { Net } from "../kernel/net.js";
import type { Cred } from "../kernel/cred.js";
import { capable, CAP_NET_ADMIN } from "../kernel/cred.js";
import { EEXIST, EOPNOTSUPP, EPERM, KernelError } from "../kernel/errno.js";
import type { NetDevice } from "./netdevice.js";
import { unregisterNetdevMany } from "./dev.js";

/** What `ip link add NAME type KIND ARGS` asks for (RTM_NEWLINK, decoded). */
export interface NewLinkRequest {
  /** The namespace the request is made in. */
  readonly net: Net;
  /** IFLA_IFNAME; a "%d" template or undefined for the kind's default. */
  readonly name?: string | undefined;
  /** IFLA_INFO_DATA: the kind's own attributes, as its `parse` produced them. */
  readonly data: Record<string, unknown>;
  readonly cred: Cred;
  /** Common attributes applied before registration. */
  readonly mtu?: number | undefined;
  readonly address?: Uint8Array | undefined;
  readonly txQueueLen?: number | undefined;
}

/** A link type (struct rtnl_link_ops): how `ip link add/del ... type KIND` makes and removes it. */
export interface RtnlLinkOps {
  readonly kind: string;
  /** Other names accepted for `type` ("veth" for etun). */
  readonly aliases?: readonly string[] | undefined;
  /** Parses the arguments after `type KIND` (iproute2's link_util); throws KernelError(EINVAL). */
  parse?(args: readonly string[]): Record<string, unknown>;
  /** Creates and registers the device(s); returns the one named in the request. */
  newlink(req: NewLinkRequest): NetDevice;
  /** Queues the device (and whatever must go with it, like a pair's peer) on `dying`. */
  dellink?(dev: NetDevice, dying: NetDevice[]): void;
  /** Devices of this kind go back to the initial namespace instead of dying with theirs. */
  readonly netnsRefund?: boolean | undefined;
  /** Link-specific attributes for `ip -d link` (IFLA_INFO_DATA). */
  fillInfo?(dev: NetDevice): Record<string, unknown>;
  /** Help text for `ip link add ... type KIND help`. */
  readonly usage?: string | undefined;
}

/** rtnl_link_register(). */
export function rtnlLinkRegister(kernel: Kernel, ops: RtnlLinkOps): () => void {
  const names = [ops.kind, ...(ops.aliases ?? [])];
  for (const n of names) if (kernel.linkKinds.has(n)) throw new KernelError(EEXIST, `link kind ${n} already registered`);
  for (const n of names) kernel.linkKinds.set(n, ops);
  return () => rtnlLinkUnregister(kernel, ops);
}

/** rtnl_link_unregister(): also deletes every device of the kind, in every namespace. */
export function rtnlLinkUnregister(kernel: Kernel, ops: RtnlLinkOps): void {
  const dying: NetDevice[] = [];
  for (const net of kernel.nets) for (const dev of net.devices.values()) if (dev.linkKind === ops && !dying.includes(dev)) queueDellink(dev, dying);
  unregisterNetdevMany(dying);
  for (const [n, o] of kernel.linkKinds) if (o === ops) kernel.linkKinds.delete(n);
}

/** rtnl_newlink() for `ip link add`: finds the kind, checks CAP_NET_ADMIN, creates. */
export function rtnlNewlink(kind: string, req: NewLinkRequest): NetDevice {
  if (!capable(req.cred, CAP_NET_ADMIN)) throw new KernelError(EPERM, "RTNETLINK answers");
  const ops = req.net.kernel.linkKinds.get(kind);
  if (ops === undefined) throw new KernelError(EOPNOTSUPP, `Unknown device type ${kind}`);
  if (req.name !== undefined && !req.name.includes("%") && req.net.devices.has(req.name)) {
    throw new KernelError(EEXIST, "RTNETLINK answers");
  }
  const dev = ops.newlink(req);
  dev.linkKind = ops;
  return dev;
}

/** rtnl_dellink() for `ip link del`: devices without a link kind cannot be deleted (EOPNOTSUPP). */
export function rtnlDellink(dev: NetDevice, cred: Cred): void {
  if (!capable(cred, CAP_NET_ADMIN)) throw new KernelError(EPERM, "RTNETLINK answers");
  if (dev.linkKind === null || dev.linkKind.dellink === undefined) throw new KernelError(EOPNOTSUPP, "RTNETLINK answers");
  const dying: NetDevice[] = [];
  queueDellink(dev, dying);
  unregisterNetdevMany(dying);
}

/** Adds `dev` (and its companions) to `dying` through its kind's dellink. */
export function queueDellink(dev: NetDevice, dying: NetDevice[]): void {
  if (dying.includes(dev)) return;
  if (dev.linkKind?.dellink !== undefined) dev.linkKind.dellink(dev, dying);
  else dying.push(dev);
}
