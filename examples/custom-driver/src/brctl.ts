/**
 * brctl (bridge-utils), the part vbridge supports: addif, delif, setageing, showmacs. It is user
 * space: it reaches the driver only through ioctl(2), SIOCDEVPRIVATE on the bridge device.
 */
import {
  EBUSY, EINVAL, ELOOP, ENODEV, KernelError, SIOCDEVPRIVATE, SIOCGIFINDEX, devIoctl, strerror, type ToolCommand, type ToolIo,
} from "@vnet/core";
import {
  BRCTL_ADD_IF, BRCTL_DEL_IF, BRCTL_GET_FDB_ENTRIES, BRCTL_SET_AGEING_TIME, USER_HZ, type BrctlArgs, type FdbEntryInfo,
} from "./uapi.js";

/** ioctl(fd, SIOCDEVPRIVATE, {ifr_name: br, ifr_data: args}); returns 0 or the errno. */
function brIoctl(io: ToolIo, br: string, args: BrctlArgs): number {
  try {
    devIoctl(io.net, io.cred, SIOCDEVPRIVATE, { name: br, data: args });
    return 0;
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
}

/** if_nametoindex(3): 0 when there is no such interface. */
function ifNameToIndex(io: ToolIo, name: string): number {
  try {
    return Number(devIoctl(io.net, io.cred, SIOCGIFINDEX, { name }).ifindex);
  } catch {
    return 0;
  }
}

/** br_cmd_addif / br_cmd_delif, with bridge-utils' words for each errno. */
function addDel(io: ToolIo, add: boolean, br: string, ifname: string): number {
  const ifindex = ifNameToIndex(io, ifname);
  const err = ifindex === 0 ? ENODEV : brIoctl(io, br, [add ? BRCTL_ADD_IF : BRCTL_DEL_IF, ifindex, 0, 0]);
  if (err === 0) return 0;
  if (err === ENODEV) io.err(ifindex === 0 ? `interface ${ifname} does not exist!\n` : `bridge ${br} does not exist!\n`);
  else if (add && err === EBUSY) io.err(`device ${ifname} is already a member of a bridge; can't enslave it to bridge ${br}.\n`);
  else if (add && err === ELOOP) io.err(`device ${ifname} is a bridge device itself; can't enslave a bridge device to a bridge device.\n`);
  else if (!add && err === EINVAL) io.err(`device ${ifname} is not a slave of ${br}\n`);
  else io.err(add ? `can't add ${ifname} to bridge ${br}: ${strerror(err)}\n` : `can't delete ${ifname} from ${br}: ${strerror(err)}\n`);
  return 1;
}

/** br_cmd_showmacs: the table sorted by address, ageing timers in seconds. */
function showmacs(io: ToolIo, br: string): number {
  const fdb: FdbEntryInfo[] = [];
  const err = brIoctl(io, br, [BRCTL_GET_FDB_ENTRIES, fdb, 1024, 0]);
  if (err !== 0) {
    io.err(`read of forward table failed: ${strerror(err)}\n`);
    return 1;
  }
  const hex = (f: FdbEntryInfo): string => [...f.macAddr].map((b) => b.toString(16).padStart(2, "0")).join(":");
  fdb.sort((a, b) => (hex(a) < hex(b) ? -1 : 1));
  let out = "port no\tmac addr\t\tis local?\tageing timer\n";
  for (const f of fdb) {
    const t = f.ageingTimerValue;
    const timer = `${String(Math.trunc(t / USER_HZ)).padStart(4)}.${String(t % USER_HZ).padStart(2, "0")}`;
    out += `${String(f.portNo).padStart(3)}\t${hex(f)}\t${f.isLocal ? "yes" : "no"}\t\t${timer}\n`;
  }
  io.out(out);
  return 0;
}

/** bridge-utils' command table: arguments needed, help text. */
const COMMANDS: Record<string, readonly [number, string]> = {
  addif: [2, "<bridge> <device>\tadd interface to bridge"],
  delif: [2, "<bridge> <device>\tdelete interface from bridge"],
  setageing: [2, "<bridge> <time>\t\tset ageing time"],
  showmacs: [1, "<bridge>\t\tshow a list of mac addrs"],
};

const USAGE = "Usage: brctl [commands]\ncommands:\n" + Object.entries(COMMANDS).map(([n, [, h]]) => `\t${n.padEnd(10)}\t${h}\n`).join("");

export const brctl: ToolCommand = {
  name: "brctl",
  summary: "ethernet bridge administration (vbridge): addif, delif, setageing, showmacs",
  usage: USAGE,
  run(argv, io) {
    const cmd = argv[1] ?? "";
    const spec = COMMANDS[cmd];
    if (spec === undefined) {
      io.err(`${cmd === "" ? "" : `never heard of command [${cmd}]\n`}${USAGE}`);
      return 1;
    }
    if (argv.length < spec[0] + 2) {
      io.out(`Incorrect number of arguments for command\nUsage: brctl ${cmd} ${spec[1]}\n`);
      return 1;
    }
    const br = argv[2]!;
    if (cmd === "showmacs") return showmacs(io, br);
    if (cmd === "setageing") {
      const secs = Number.parseFloat(argv[3]!);
      if (Number.isNaN(secs)) {
        io.err("bad ageing time value\n");
        return 1;
      }
      const err = brIoctl(io, br, [BRCTL_SET_AGEING_TIME, Math.round(secs * USER_HZ), 0, 0]);
      if (err !== 0) io.err(`set ageing time failed: ${strerror(err)}\n`);
      return err === 0 ? 0 : 1;
    }
    for (const ifname of argv.slice(3)) if (addDel(io, cmd === "addif", br, ifname) !== 0) return 1;
    return 0;
  },
};
