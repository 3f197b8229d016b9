import {
  ARPHRD_ETHER, ARPHRD_LOOPBACK, CAP_NET_ADMIN, EFAULT, EINVAL, ENODEV, EOPNOTSUPP, EPERM, capable, devGetByName,
  type Cred, type IfReq, type NetDevice,
} from "@vnet/core";
import {
  INSANE_NAMELEN, INSANE_PASS, INSANE_PERCENT, INSANE_TIME, SIOCINSANEGETINFO, SIOCINSANESETINFO, type InsaneUserinfo,
} from "./uapi.js";
import { InsanePriv } from "./priv.js";
import { netemCheck } from "./netem.js";
import { insaneAttach } from "./slave.js";


/**
 * The caller's credentials. The core does not yet pass them to ndo_siocdevprivate (see README):
 * until it does, insanelySet/insanelyGet and the insanely tool also put them in ifr.cred. A
 * caller we cannot identify has no capabilities.
 */
/** ndo_siocdevprivate: SIOCINSANESETINFO (CAP_NET_ADMIN) and SIOCINSANEGETINFO; others EOPNOTSUPP. */
export function insaneSiocdevprivate(dev: NetDevice<InsanePriv>, ifr: IfReq, cmd: number, cred: Cred): number {
  if (cmd === SIOCINSANESETINFO && !capable(cred, CAP_NET_ADMIN)) return -EPERM;
  switch (cmd) {
    case SIOCINSANEGETINFO:
      insaneGetInfo(dev, ifr);
      return 0;
    case SIOCINSANESETINFO:
      return insaneSetInfo(dev, ifr);
    default:
      return -EOPNOTSUPP;
  }
}

/** Fills the caller's structure (copy_to_user), or gives it one. */
function insaneGetInfo(dev: NetDevice<InsanePriv>, ifr: IfReq): void {
  const priv = dev.priv;
  const out = (typeof ifr.data === "object" && ifr.data !== null ? ifr.data : {}) as InsaneUserinfo;
  out.name = priv.slave === null ? "" : priv.slave.name;
  out.mode = priv.mode;
  out.arg1 = priv.arg1;
  out.arg2 = priv.arg2;
  out.netem = { ...priv.netem.info };
  ifr.data = out;
}

/** Validates everything first, so that a failed SET changes nothing; then attaches and configures. */
function insaneSetInfo(dev: NetDevice<InsanePriv>, ifr: IfReq): number {
  const info = ifr.data as Partial<InsaneUserinfo> | null | undefined;
  if (typeof info !== "object" || info === null || typeof info.name !== "string") return -EFAULT;
  const { mode, arg1, arg2 } = info;
  if (!Number.isInteger(mode) || !Number.isInteger(arg1) || !Number.isInteger(arg2)) return -EFAULT;
  const slave = devGetByName(dev.net, info.name.slice(0, INSANE_NAMELEN - 1));
  if (slave === null) return -ENODEV;
  if (slave.type !== ARPHRD_ETHER && slave.type !== ARPHRD_LOOPBACK) return -EINVAL;
  if (wouldLoop(dev, slave)) return -EINVAL;
  if (!modeValid(mode!, arg1!, arg2!)) return -EINVAL;
  const netem = netemCheck(info.netem);
  if (netem === null) return -EINVAL;

  const priv = dev.priv;
  const k = dev.net.kernel;
  insaneAttach(dev, slave);
  priv.mode = mode!;
  priv.arg1 = arg1!;
  priv.arg2 = arg2!;
  priv.epoch = k.jiffies;
  priv.netem.configure(netem, k.prng);
  return 0;
}

/** The checks the 2000 driver left out ("no checks here"). */
function modeValid(mode: number, arg1: number, arg2: number): boolean {
  switch (mode) {
    case INSANE_PASS:
      return true;
    case INSANE_PERCENT:
      return arg1 >= 0 && arg1 <= 100;
    case INSANE_TIME:
      return arg1 >= 0 && arg2 >= 0 && arg1 + arg2 > 0 && arg1 + arg2 <= 0x7fffffff;
    default:
      return false;
  }
}

/** Would relaying to `slave` come back to `dev` (itself, or a chain of insane devices)? */
function wouldLoop(dev: NetDevice, slave: NetDevice): boolean {
  for (let d: NetDevice | null = slave; d !== null && d.priv instanceof InsanePriv; d = d.priv.slave) {
    if (d === dev) return true;
  }
  return false;
}
