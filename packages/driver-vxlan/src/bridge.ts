/**
 * `bridge fdb` (iproute2's bridge/fdb.c) for VXLAN devices: add, append, replace, del, show.
 * Output and messages as bridge 6.1 prints them. @vnet/tools shadows this command once it has a
 * `bridge` of its own; until then the module registers it.
 */
import {
  CAP_NET_ADMIN, KernelError, capable, devGetByName, parseIpv4, strerror, type NetDevice, type ToolCommand, type ToolIo,
} from "@vnet/core";
import { fdbAdd, fdbAppend, fdbDel, fdbDump, fdbReplace, type FdbInfo, type FdbState } from "./fdb.js";
import { vxlanDevices } from "./device.js";

const USAGE = `Usage: bridge fdb { add | append | del | replace } ADDR dev DEV
              [ self ] [ permanent | static | dynamic ]
              [ dst IPADDR ] [ port PORT ]
       bridge fdb [ show [ dev DEV ] ]
`;

class Fail extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

function fail(text: string): never {
  throw new Fail(text);
}

function line(f: FdbInfo, dev: string | null): string {
  let s = `${f.mac} `;
  if (dev !== null) s += `dev ${dev} `;
  s += `dst ${f.dst} `;
  if (f.port !== undefined) s += `port ${f.port} `;
  return `${s}${f.flags.map((x) => `${x} `).join("")}${f.state}\n`;
}

function json(f: FdbInfo, dev: string | null): Record<string, unknown> {
  return {
    mac: f.mac,
    ...(dev !== null ? { ifname: dev } : {}),
    dst: f.dst,
    ...(f.port !== undefined ? { port: f.port } : {}),
    flags: f.flags,
    state: f.state,
  };
}

function show(io: ToolIo, args: readonly string[], asJson: boolean): void {
  let devName: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "dev" || a === "brport") devName = args[++i] ?? fail(`Command line is not complete. Try option "help"\n`);
    else fail(`Unknown argument "${a}"\n`);
  }
  let devs: NetDevice[];
  if (devName !== null) {
    const d = devGetByName(io.net, devName);
    if (d === null) fail(`Cannot find device "${devName}"\n`);
    devs = [d];
  } else {
    devs = vxlanDevices(io.net).filter((d) => d.net === io.net);
  }
  const out: Record<string, unknown>[] = [];
  let text = "";
  for (const d of devs) {
    let entries: FdbInfo[];
    try {
      entries = fdbDump(d);
    } catch {
      // Not a VXLAN device: nothing of ours to show (Linux would list its bridge and multicast entries).
      continue;
    }
    for (const f of entries) {
      if (asJson) out.push(json(f, devName === null ? d.name : null));
      else text += line(f, devName === null ? d.name : null);
    }
  }
  io.out(asJson ? `${JSON.stringify(out)}\n` : text);
}

function modify(io: ToolIo, cmd: string, args: readonly string[]): void {
  let mac: string | null = null;
  let devName: string | null = null;
  let dst: string | undefined;
  let port: number | undefined;
  let state: FdbState | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string => args[++i] ?? fail(`Command line is not complete. Try option "help"\n`);
    if (a === "dev") devName = next();
    else if (a === "dst") dst = next();
    else if (a === "port" || a === "dst_port") {
      const v = next();
      if (!/^\d+$/.test(v) || Number(v) > 0xffff) fail(`Error: argument "${v}" is wrong: port\n`);
      port = Number(v);
    } else if (a === "self") continue;
    else if (a === "permanent" || a === "local") state = "permanent";
    else if (a === "static" || a === "temp") state = "static";
    else if (a === "dynamic") state = "dynamic";
    else if (a === "master" || a === "vlan" || a === "vni" || a === "via" || a === "src_vni" || a === "nhid") {
      fail(`bridge fdb: "${a}" is not supported by vnet\n`);
    } else if (mac === null) mac = a;
    else fail(`Error: either "dev" is duplicate, or "${a}" is a garbage.\n`);
  }
  if (mac === null || devName === null) fail("Device and address are required arguments.\n");
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(mac)) fail(`Invalid mac address ${mac}\n`);
  const dev = devGetByName(io.net, devName) ?? fail(`Cannot find device "${devName}"\n`);
  if (!capable(io.cred, CAP_NET_ADMIN)) fail(`RTNETLINK answers: ${strerror(1)}\n`);
  if (dst !== undefined && parseIpv4(dst) === null) fail(`Error: inet address is expected rather than "${dst}".\n`);
  if (cmd !== "del" && dst === undefined) fail(`RTNETLINK answers: ${strerror(22)}\n`);
  if (cmd === "add") fdbAdd(dev, mac, dst!, port, state);
  else if (cmd === "append") fdbAppend(dev, mac, dst!, port, state);
  else if (cmd === "replace") fdbReplace(dev, mac, dst!, port, state);
  else fdbDel(dev, mac, dst, port);
}

/** The `bridge` command, `fdb` object only. Exit status 255 on any error, as bridge returns -1. */
export const bridgeCommand: ToolCommand = {
  name: "bridge",
  summary: "show and change the forwarding database of VXLAN devices (bridge fdb)",
  usage: USAGE,
  run(argv: readonly string[], io: ToolIo): number {
    let i = 1;
    let asJson = false;
    while (i < argv.length && argv[i]!.startsWith("-")) {
      const o = argv[i]!;
      if (o === "-j" || o === "-json") asJson = true;
      else if (o !== "-p" && o !== "-pretty") {
        io.err(`Option "${o}" is unknown, try "bridge -help".\n`);
        return 255;
      }
      i++;
    }
    const object = argv[i];
    if (object === undefined || object === "help" || object === "-h") {
      io.err(USAGE);
      return object === undefined ? 255 : 0;
    }
    if (object !== "fdb") {
      io.err(`Object "${object}" is unknown, try "bridge help".\n`);
      return 255;
    }
    const cmd = argv[i + 1] ?? "show";
    const rest = argv.slice(i + 2);
    try {
      if (cmd === "show" || cmd === "list" || cmd === "lst") show(io, rest, asJson);
      else if (cmd === "add" || cmd === "append" || cmd === "replace" || cmd === "del" || cmd === "delete") {
        modify(io, cmd === "delete" ? "del" : cmd, rest);
      } else if (cmd === "help") io.err(USAGE);
      else {
        io.err(`Command "${cmd}" is unknown, try "bridge fdb help".\n`);
        return 255;
      }
    } catch (e) {
      if (e instanceof Fail) io.err(e.text);
      else if (e instanceof KernelError) io.err(`${e.context === undefined || e.context.startsWith("RTNETLINK") ? e.message : e.context}\n`);
      else throw e;
      return 255;
    }
    return 0;
  },
};
