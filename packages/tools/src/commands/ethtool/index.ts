/** ethtool: settings, driver information (-i), statistics (-S), offload features (-k, -K). */
import {
  ethtoolGetDrvinfo, ethtoolGetFeatures, ethtoolGetLink, ethtoolGetSettings, ethtoolGetStats, ethtoolSetFeatures, KernelError,
  strerror, type NetDevice,
} from "@vnet/core";
import type { Command, CommandContext } from "../../shell/types.js";

const BAD_ARGS = "ethtool: bad command line argument(s)\nFor more information run ethtool -h\n";

/** ethtool's short names for features (`-K eth0 tx off`). */
const ALIASES: Record<string, string> = {
  rx: "rx-checksumming", tx: "tx-checksumming", sg: "scatter-gather", tso: "tcp-segmentation-offload",
  gro: "generic-receive-offload",
};

const PORTS: Record<string, string> = { TP: "Twisted Pair", AUI: "AUI", BNC: "BNC", MII: "MII", FIBRE: "FIBRE", Other: "Other", None: "None" };

/** The message part of a core ethtool error ("dev: Cannot get ..." -> "Cannot get ..."). */
function what(e: KernelError): string {
  return (e.context ?? "").replace(/^[^:]*: (?=Cannot|no |Could)/, "");
}

function settings(ctx: CommandContext, dev: NetDevice): number {
  let out = `Settings for ${dev.name}:\n`;
  let any = false;
  try {
    const s = ethtoolGetSettings(dev);
    any = true;
    out += "\tSupported ports: [  ]\n\tSupported link modes:   Not reported\n\tSupported pause frame use: No\n";
    out += `\tSupports auto-negotiation: ${s.autoneg ? "Yes" : "No"}\n\tSupported FEC modes: Not reported\n`;
    out += "\tAdvertised link modes:  Not reported\n\tAdvertised pause frame use: No\n";
    out += `\tAdvertised auto-negotiation: ${s.autoneg ? "Yes" : "No"}\n\tAdvertised FEC modes: Not reported\n`;
    out += `\tSpeed: ${s.speed < 0 ? "Unknown!" : `${s.speed}Mb/s`}\n`;
    out += `\tDuplex: ${s.duplex === "full" ? "Full" : s.duplex === "half" ? "Half" : "Unknown! (255)"}\n`;
    out += `\tAuto-negotiation: ${s.autoneg ? "on" : "off"}\n`;
    out += `\tPort: ${PORTS[s.port] ?? "Other"}\n`;
    out += `\tPHYAD: ${s.phyad ?? 0}\n`;
    if (s.transceiver !== undefined) out += `\tTransceiver: ${s.transceiver}\n`;
    if (s.port === "TP") out += "\tMDI-X: Unknown\n";
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
  }
  const level = dev.ethtoolOps?.getMsglevel?.(dev);
  if (level !== undefined) {
    any = true;
    out += `\tCurrent message level: 0x${level.toString(16).padStart(8, "0")} (${level})\n\t\t\t       \n`;
  }
  try {
    out += `\tLink detected: ${ethtoolGetLink(dev) ? "yes" : "no"}\n`;
    any = true;
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
  }
  if (!any) {
    ctx.err("No data available\n");
    return 75;
  }
  ctx.out(out);
  return 0;
}

function drvinfo(ctx: CommandContext, dev: NetDevice): number {
  try {
    const i = ethtoolGetDrvinfo(dev);
    const yn = (b: boolean): string => (b ? "yes" : "no");
    ctx.out(
      `driver: ${i.driver}\nversion: ${i.version}\nfirmware-version: ${i.fwVersion}\nexpansion-rom-version: \nbus-info: ${i.busInfo}\n` +
        `supports-statistics: ${yn(i.nStats > 0)}\nsupports-test: ${yn(i.testinfoLen > 0)}\nsupports-eeprom-access: ${yn(i.eedumpLen > 0)}\n` +
        `supports-register-dump: ${yn(i.regdumpLen > 0)}\nsupports-priv-flags: ${yn(i.nPrivFlags > 0)}\n`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    ctx.err(`Cannot get driver information: ${strerror(e.errno)}\n`);
    return 71;
  }
}

function stats(ctx: CommandContext, dev: NetDevice): number {
  try {
    const s = ethtoolGetStats(dev);
    ctx.out("NIC statistics:\n" + s.map(([k, v]) => `     ${k}: ${v}\n`).join(""));
    return 0;
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    ctx.err("no stats available\n");
    return 94;
  }
}

function features(ctx: CommandContext, dev: NetDevice): number {
  ctx.out(`Features for ${dev.name}:\n` + ethtoolGetFeatures(dev).map(([n, on, fixed]) => `${n}: ${on ? "on" : "off"}${fixed ? " [fixed]" : ""}\n`).join(""));
  return 0;
}

function setFeatures(ctx: CommandContext, dev: NetDevice, args: readonly string[]): number {
  if (args.length === 0 || args.length % 2 !== 0) {
    ctx.err(BAD_ARGS);
    return 1;
  }
  const req: Record<string, boolean> = {};
  for (let i = 0; i < args.length; i += 2) {
    const v = args[i + 1]!;
    if (v !== "on" && v !== "off") {
      ctx.err(`ethtool (-K): flag '${args[i]}' for parameter '${v}' is not followed by 'on' or 'off'\n`);
      return 1;
    }
    req[ALIASES[args[i]!] ?? args[i]!] = v === "on";
  }
  try {
    const changes = ethtoolSetFeatures(dev, ctx.cred, req);
    if (changes.length > 0) {
      ctx.out("Actual changes:\n" + changes.map(([n, on, r]) => `${n}: ${on ? "on" : "off"} [requested ${r ? "on" : "off"}]\n`).join(""));
    }
    return 0;
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    const msg = what(e);
    if (msg.startsWith("bad command line")) ctx.err(BAD_ARGS);
    else if (msg === "Could not change any device features") ctx.err(msg + "\n");
    else ctx.err(`Cannot set device feature settings: ${strerror(e.errno)}\n`);
    return 1;
  }
}

const MODES: Record<string, "drvinfo" | "stats" | "features" | "setFeatures"> = {
  "-i": "drvinfo", "--driver": "drvinfo", "-S": "stats", "--statistics": "stats", "-k": "features", "--show-features": "features",
  "--show-offload": "features", "-K": "setFeatures", "--features": "setFeatures", "--offload": "setFeatures",
};

function run(argv: readonly string[], ctx: CommandContext): number {
  const args = argv.slice(1);
  const first = args[0];
  if (first === undefined) {
    ctx.err(BAD_ARGS);
    return 1;
  }
  if (first === "-h" || first === "--help") {
    ctx.out("Usage:\n        ethtool [ FLAGS ] DEVNAME\tDisplay standard information about device\n        ethtool -i|--driver DEVNAME\tShow driver information\n        ethtool -S|--statistics DEVNAME\tShow adapter statistics\n        ethtool -k|--show-features|--show-offload DEVNAME\tGet state of protocol offload and other features\n        ethtool -K|--features|--offload DEVNAME\tSet protocol offload and other features\n");
    return 0;
  }
  const mode = first.startsWith("-") ? MODES[first] : undefined;
  if (first.startsWith("-") && mode === undefined) {
    ctx.err(BAD_ARGS);
    return 1;
  }
  const name = mode === undefined ? first : args[1];
  const rest = args.slice(mode === undefined ? 1 : 2);
  if (name === undefined || (mode !== "setFeatures" && rest.length > 0)) {
    ctx.err(BAD_ARGS);
    return 1;
  }
  const dev = ctx.net.devices.get(name);
  if (dev === undefined) {
    const msg: Record<string, [string, number]> = {
      drvinfo: ["Cannot get driver information: No such device", 71],
      stats: ["Cannot get stats strings information: No such device", 94],
      features: ["Cannot get device feature settings: No such device", 1],
      setFeatures: ["Cannot get device feature settings: No such device", 1],
    };
    const [text, status] = msg[mode ?? ""] ?? ["Cannot get device settings: No such device\nCannot get link status: No such device\nNo data available", 75];
    ctx.err(text + "\n");
    return status;
  }
  switch (mode) {
    case "drvinfo":
      return drvinfo(ctx, dev);
    case "stats":
      return stats(ctx, dev);
    case "features":
      return features(ctx, dev);
    case "setFeatures":
      return setFeatures(ctx, dev, rest);
    default:
      return settings(ctx, dev);
  }
}

export const ethtool: Command = { name: "ethtool", summary: "driver information, statistics and offload features (-i, -S, -k, -K)", run };
