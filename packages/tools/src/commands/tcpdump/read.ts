/** `tcpdump -r FILE`: prints (or, with -w, copies) the records of a pcap savefile. */
import { tcpdumpLine } from "@vnet/core";
import { LINKTYPE_ETHERNET, PcapFormatError, PcapWriter, readPcap, type FrameFilter, type PcapFile } from "../../capture/index.js";
import type { CommandContext } from "../../shell/types.js";
import { directionName, LINKTYPE_LINUX_SLL2, sll2ToEth } from "./sll2.js";
import { resolveNames, timestamp } from "./format.js";
import type { TcpdumpOptions } from "./options.js";

const LINKTYPES: Record<number, string> = { [LINKTYPE_ETHERNET]: "EN10MB (Ethernet)", [LINKTYPE_LINUX_SLL2]: "LINUX_SLL2 (Linux cooked v2)" };

export function readFile(ctx: CommandContext, o: TcpdumpOptions, filter: FrameFilter): number {
  const path = o.read!;
  let bytes: Uint8Array;
  try {
    bytes = ctx.files.read(path);
  } catch (e) {
    ctx.err(`tcpdump: ${path}: ${e instanceof Error ? e.message.replace(/^.*: /, "") : String(e)}\n`);
    return 1;
  }
  let file: PcapFile;
  let trailer: string | null = null;
  try {
    file = readPcap(bytes);
  } catch (e) {
    if (!(e instanceof PcapFormatError)) throw e;
    if (e.partial === undefined) {
      ctx.err(`tcpdump: ${e.message}\n`);
      return 1;
    }
    file = e.partial;
    trailer = e.message;
  }
  const name = LINKTYPES[file.linktype];
  if (name === undefined) {
    ctx.err(`tcpdump: unsupported data link type ${file.linktype}\n`);
    return 1;
  }
  ctx.err(`reading from file ${path}, link-type ${name}, snapshot length ${file.snaplen}\n`);
  const writer = o.write === undefined ? null : new PcapWriter({ snaplen: file.snaplen, linktype: file.linktype });
  let out = "";
  let n = 0;
  for (const r of file.records) {
    let frame = r.data;
    let prefix = "";
    if (file.linktype === LINKTYPE_LINUX_SLL2) {
      const e = sll2ToEth(r.data);
      if (e === null) continue;
      frame = e.frame;
      prefix = `${(ctx.net.devicesByIndex.get(e.ifindex)?.name ?? "?").padEnd(5)} ${directionName(e.pktType)}`;
    }
    if (!filter(frame, frame.length, frame.length + r.origLen - r.data.length)) continue;
    n++;
    if (writer !== null) writer.writePacket(r.data, r.tsSec, r.tsUsec, r.origLen);
    else {
      let line = tcpdumpLine(frame, 0, frame.length, { link: o.link && prefix === "", verbose: o.verbose });
      if (o.numeric === 0) line = resolveNames(ctx, line);
      out += `${timestamp(o.time, r.tsSec, r.tsUsec)}${prefix}${line}\n`;
    }
    if (o.count > 0 && n >= o.count) break;
  }
  ctx.out(out);
  if (writer !== null) ctx.files.write(o.write!, writer.bytes());
  if (trailer !== null) {
    ctx.err(`tcpdump: pcap_loop: ${trailer}\n`);
    return 1;
  }
  return 0;
}
