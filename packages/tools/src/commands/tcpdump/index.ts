/** tcpdump: live capture on a device (or `any`) through a packet tap, or reading a pcap file. */
import { CAP_NET_RAW, capable, IFF_LOOPBACK, IFF_UP, type NetDevice } from "@vnet/core";
import { compileFilter, FilterSyntaxError, PCAP_NETMASK_UNKNOWN, type FrameFilter } from "../../capture/index.js";
import type { Command, CommandContext, CommandResult } from "../../shell/types.js";
import { Capture } from "./capture.js";
import { parseTcpdump, USAGE } from "./options.js";
import { readFile } from "./read.js";

/** pcap_lookupdev(): the first device that is up and not a loopback, else the first one. */
function defaultDevice(ctx: CommandContext): NetDevice | undefined {
  const devs = ctx.net.devList();
  return devs.find((d) => d.flags & IFF_UP && !(d.flags & IFF_LOOPBACK)) ?? devs.find((d) => !(d.flags & IFF_LOOPBACK)) ?? devs[0];
}

function run(argv: readonly string[], ctx: CommandContext): CommandResult {
  const o = parseTcpdump(argv);
  if ("error" in o) {
    ctx.err(o.error === "" ? USAGE : `tcpdump: ${o.error}\n${o.usage === true ? USAGE : ""}`);
    return o.usage === true && o.error === "" ? 0 : 1;
  }
  let filter: FrameFilter;
  try {
    filter = compileFilter(o.expr, {
      netmask: o.read !== undefined ? 0 : PCAP_NETMASK_UNKNOWN,
      resolveHost: (name) => {
        const a = ctx.resolveHost(name);
        return a === null ? undefined : [a];
      },
    });
  } catch (e) {
    if (!(e instanceof FilterSyntaxError)) throw e;
    ctx.err(`tcpdump: ${e.message}\n`);
    return 1;
  }
  if (o.read !== undefined) return readFile(ctx, o, filter);
  const name = o.iface ?? defaultDevice(ctx)?.name;
  if (name === undefined) {
    ctx.err("tcpdump: no suitable device found\n");
    return 1;
  }
  let dev: NetDevice | null = null;
  if (name !== "any") {
    dev = ctx.net.devices.get(name) ?? null;
    if (dev === null) {
      ctx.err(`tcpdump: ${name}: No such device exists\n(SIOCGIFHWADDR: No such device)\n`);
      return 1;
    }
  }
  if (!capable(ctx.cred, CAP_NET_RAW)) {
    ctx.err(`tcpdump: ${name}: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)\n`);
    return 1;
  }
  if (dev !== null && !(dev.flags & IFF_UP)) {
    ctx.err(`tcpdump: ${name}: That device is not up\n`);
    return 1;
  }
  const banner = o.verbose === 0 && o.write === undefined ? "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n" : "tcpdump: ";
  const link = dev === null ? "LINUX_SLL2 (Linux cooked v2)" : "EN10MB (Ethernet)";
  ctx.err(`${banner}listening on ${name}, link-type ${link}, snapshot length ${o.snaplen} bytes\n`);
  return new Capture(ctx, o, dev, filter);
}

export const tcpdump: Command = { name: "tcpdump", summary: "capture and print packets (-i IF|any -n -e -c N -w FILE -r FILE -v)", run };
