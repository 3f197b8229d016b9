// /proc/sys/net/ipv4 (ip_forward, icmp_*, ipfrag_*, conf/{all,default,DEV}/*, neigh/*) and the
// IPv4 files of /proc/net (snmp, netstat, route, arp, stat/rt_cache, stat/arp_cache).
import type { Kernel } from "../kernel/kernel.js";
import type { Net } from "../kernel/net.js";
import { capable, CAP_NET_ADMIN } from "../kernel/cred.js";
import { EINVAL, EPERM, KernelError } from "../kernel/errno.js";
import { dynamicDir, roFile, type VfsContext, type VfsFile, type VfsNode } from "../fs/vfs.js";
import { sysctlInt } from "../fs/netfs.js";
import { procNetRoute, fibGet } from "../route/fib.js";
import { arpGet, procNetArp } from "../neigh/arp.js";
import { neighRandReachTime, type NeighParms } from "../neigh/neighbour.js";
import {
  DEVCONF_NAMES, inDevGet, IPV4_DEVCONF_ACCEPT_LOCAL, IPV4_DEVCONF_ACCEPT_REDIRECTS, IPV4_DEVCONF_BC_FORWARDING,
  IPV4_DEVCONF_FORWARDING, IPV4_DEVCONF_MC_FORWARDING, IPV4_DEVCONF_ROUTE_LOCALNET, InDevice, inDevArpParms,
  inDevConfSet, inDevOwnArpParms,
} from "./devinet.js";
import {
  ICMP_MIB_CSUMERRORS, ICMP_MIB_INERRORS, ICMP_MIB_INMSGS, ICMP_MIB_OUTERRORS, ICMP_MIB_OUTMSGS, ICMP_MIB_RATELIMITGLOBAL,
  ICMP_MIB_RATELIMITHOST, ipv4Net, IPSTATS_MIB_INNOROUTES, LINUX_MIB_IPRPFILTER, SNMP4_IPEXTSTATS_NAMES,
  SNMP4_IPSTATS_NAMES, UDP_MIB_NAMES, type NetnsIpv4,
} from "./netns.js";

type IntField = {
  [K in keyof NetnsIpv4]: NetnsIpv4[K] extends number ? K : never;
}[keyof NetnsIpv4];

/** Admin check for writes to files made here (registerSysctl does its own). */
function needAdmin(ctx: VfsContext): void {
  if (!capable(ctx.cred, CAP_NET_ADMIN)) throw new KernelError(EPERM);
}

function intSysctl(k: Kernel, name: string, field: IntField, min?: number, max?: number): void {
  k.registerSysctl(`net/ipv4/${name}`, {
    get: (ctx) => String(ipv4Net(ctx.net)[field]),
    set: (ctx, v) => {
      (ipv4Net(ctx.net) as unknown as Record<string, number>)[field] = sysctlInt(v, min, max);
    },
  });
}

/** devinet_sysctl_forward + inet_forward_change: conf/all/forwarding (= ip_forward) sets every device. */
function forwardChange(net: Net, on: number): void {
  const ns = ipv4Net(net);
  ns.devconfAll[IPV4_DEVCONF_FORWARDING] = on;
  ns.devconfAll[IPV4_DEVCONF_ACCEPT_REDIRECTS] = on ? 0 : 1;
  ns.devconfDflt[IPV4_DEVCONF_FORWARDING] = on;
  for (const dev of net.devList()) {
    const idev = inDevGet(dev);
    // inet_forward_change sets the entry on every device (the set bit is left alone).
    if (idev !== null && idev.cnfSet !== null) idev.cnf[IPV4_DEVCONF_FORWARDING] = on;
  }
  fibGet(net).flushCache();
}

/** Writes one devconf entry of conf/all, conf/default or a device, as devinet_conf_proc does. */
export function devconfWrite(net: Net, which: "all" | "default" | InDevice, i: number, value: number): void {
  const ns = ipv4Net(net);
  if (i === IPV4_DEVCONF_MC_FORWARDING) throw new KernelError(EPERM);
  if (i === IPV4_DEVCONF_FORWARDING) {
    if (which === "all") {
      if (ns.devconfAll[i] !== value) forwardChange(net, value);
      return;
    }
    if (which === "default") {
      ns.devconfDflt[i] = value;
      return;
    }
    inDevConfSet(which, i, value);
    fibGet(net).flushCache();
    return;
  }
  const arr = which === "all" ? ns.devconfAll : which === "default" ? ns.devconfDflt : which.cnf;
  const old = arr[i]!;
  if (which === "all") arr[i] = value;
  else if (which === "default") {
    arr[i] = value;
    // devinet_copy_dflt_conf: devices that never set the entry follow the default (those still
    // sharing conf/default see it already).
    for (const dev of net.devList()) {
      const idev = inDevGet(dev);
      if (idev !== null && idev.cnfSet !== null && !idev.cnfSet[i]) idev.cnf[i] = value;
    }
  } else {
    inDevConfSet(which, i, value);
  }
  if ((i === IPV4_DEVCONF_ACCEPT_LOCAL || i === IPV4_DEVCONF_ROUTE_LOCALNET) && value === 0 && old !== 0) fibGet(net).flushCache();
  if (i === IPV4_DEVCONF_BC_FORWARDING && value !== old) fibGet(net).flushCache();
  if (value !== old) fibGet(net).flushCache();
}

function confDir(which: "all" | "default" | string): VfsNode {
  const names = [...DEVCONF_NAMES.keys()];
  return dynamicDir(
    () => names,
    (ctx, name) => {
      const i = DEVCONF_NAMES.get(name);
      if (i === undefined) return null;
      const resolve = (): "all" | "default" | InDevice => {
        if (which === "all" || which === "default") return which;
        const dev = ctx.net.devices.get(which);
        const idev = dev === undefined ? null : inDevGet(dev);
        if (idev === null) throw new KernelError(EINVAL);
        return idev;
      };
      const file: VfsFile = {
        mode: i === IPV4_DEVCONF_MC_FORWARDING ? 0o444 : 0o644,
        read: (c) => {
          const w = resolve();
          const ns = ipv4Net(c.net);
          const arr = w === "all" ? ns.devconfAll : w === "default" ? ns.devconfDflt : w.cnf;
          return `${arr[i]}\n`;
        },
        write: (c, data) => {
          needAdmin(c);
          devconfWrite(c.net, resolve(), i, sysctlInt(data));
        },
      };
      return file;
    },
  );
}

interface ParmEntry {
  get(p: NeighParms, hz: number): number;
  set(p: NeighParms, v: number, hz: number): void;
}

const NEIGH_PARMS: ReadonlyMap<string, ParmEntry> = new Map<string, ParmEntry>([
  ["base_reachable_time", { get: (p, hz) => Math.floor(p.baseReachableTime / hz), set: (p, v, hz) => (p.baseReachableTime = v * hz) }],
  ["base_reachable_time_ms", { get: (p, hz) => Math.floor((p.baseReachableTime * 1000) / hz), set: (p, v, hz) => (p.baseReachableTime = Math.ceil((v * hz) / 1000)) }],
  ["retrans_time", { get: (p, hz) => Math.floor((p.retransTime * 100) / hz), set: (p, v, hz) => (p.retransTime = Math.ceil((v * hz) / 100)) }],
  ["retrans_time_ms", { get: (p, hz) => Math.floor((p.retransTime * 1000) / hz), set: (p, v, hz) => (p.retransTime = Math.ceil((v * hz) / 1000)) }],
  ["delay_first_probe_time", { get: (p, hz) => Math.floor(p.delayProbeTime / hz), set: (p, v, hz) => (p.delayProbeTime = v * hz) }],
  ["gc_stale_time", { get: (p, hz) => Math.floor(p.gcStaletime / hz), set: (p, v, hz) => (p.gcStaletime = v * hz) }],
  ["locktime", { get: (p, hz) => Math.floor((p.locktime * 100) / hz), set: (p, v, hz) => (p.locktime = Math.ceil((v * hz) / 100)) }],
  ["ucast_solicit", { get: (p) => p.ucastProbes, set: (p, v) => (p.ucastProbes = v) }],
  ["mcast_solicit", { get: (p) => p.mcastProbes, set: (p, v) => (p.mcastProbes = v) }],
  ["mcast_resolicit", { get: (p) => p.mcastReprobes, set: (p, v) => (p.mcastReprobes = v) }],
  ["app_solicit", { get: (p) => p.appProbes, set: (p, v) => (p.appProbes = v) }],
  ["unres_qlen", { get: (p) => p.queueLen, set: (p, v) => (p.queueLen = v) }],
  ["proxy_qlen", { get: (p) => p.proxyQlen, set: (p, v) => (p.proxyQlen = v) }],
  ["anycast_delay", { get: (p, hz) => Math.floor((p.anycastDelay * 100) / hz), set: (p, v, hz) => (p.anycastDelay = Math.ceil((v * hz) / 100)) }],
  ["proxy_delay", { get: (p, hz) => Math.floor((p.proxyDelay * 100) / hz), set: (p, v, hz) => (p.proxyDelay = Math.ceil((v * hz) / 100)) }],
  ["interval_probe_time_ms", { get: (p) => p.intervalProbeTimeMs, set: (p, v) => (p.intervalProbeTimeMs = v) }],
]);

function neighDir(which: string): VfsNode {
  const names = [...NEIGH_PARMS.keys()];
  const dflt = which === "default";
  const extra = dflt ? ["gc_interval", "gc_thresh1", "gc_thresh2", "gc_thresh3"] : [];
  return dynamicDir(
    () => [...names, ...extra],
    (ctx, name) => {
      const tbl = arpGet(ctx.net);
      const hz = ctx.net.kernel.hz;
      if (dflt && extra.includes(name)) {
        return {
          mode: 0o644,
          read: () => {
            if (name === "gc_interval") return `${Math.floor(tbl.gcInterval / hz)}\n`;
            return `${name === "gc_thresh1" ? tbl.gcThresh1 : name === "gc_thresh2" ? tbl.gcThresh2 : tbl.gcThresh3}\n`;
          },
          write: (c, data) => {
            needAdmin(c);
            const v = sysctlInt(data, 0);
            if (name === "gc_interval") tbl.gcInterval = v * hz;
            else if (name === "gc_thresh1") tbl.gcThresh1 = v;
            else if (name === "gc_thresh2") tbl.gcThresh2 = v;
            else tbl.gcThresh3 = v;
          },
        } satisfies VfsFile;
      }
      const e = NEIGH_PARMS.get(name);
      if (e === undefined) return null;
      const parms = (): NeighParms | InDevice => {
        if (dflt) return tbl.parms;
        const dev = ctx.net.devices.get(which);
        const idev = dev === undefined ? null : inDevGet(dev);
        if (idev === null) throw new KernelError(EINVAL);
        return idev;
      };
      return {
        mode: 0o644,
        read: () => {
          const p = parms();
          return `${e.get(p instanceof InDevice ? inDevArpParms(p) : p, hz)}\n`;
        },
        write: (c, data) => {
          needAdmin(c);
          const w = parms();
          const p = w instanceof InDevice ? inDevOwnArpParms(w) : w;
          e.set(p, sysctlInt(data, 0), hz);
          if (name.startsWith("base_reachable_time")) p.reachableTime = neighRandReachTime(tbl, p.baseReachableTime);
        },
      } satisfies VfsFile;
    },
  );
}

/** /proc/net/snmp (snmp_seq_show): the Ip, Icmp, IcmpMsg, Tcp, Udp and UdpLite line pairs. */
export function procNetSnmp(net: Net): string {
  const ns = ipv4Net(net);
  const ip = ns.ipMib;
  let out = "Ip: Forwarding DefaultTTL";
  for (const n of SNMP4_IPSTATS_NAMES) out += ` ${n}`;
  out += `\nIp: ${ns.devconfAll[IPV4_DEVCONF_FORWARDING] ? 1 : 2} ${ns.ipDefaultTtl}`;
  for (let i = 0; i < SNMP4_IPSTATS_NAMES.length; i++) out += ` ${ip[i]}`;
  const types: [string, number][] = [
    ["DestUnreachs", 3], ["TimeExcds", 11], ["ParmProbs", 12], ["SrcQuenchs", 4], ["Redirects", 5], ["Echos", 8],
    ["EchoReps", 0], ["Timestamps", 13], ["TimestampReps", 14], ["AddrMasks", 17], ["AddrMaskReps", 18],
  ];
  const icmp = ns.icmpMib;
  const msg = ns.icmpMsgMib;
  out += "\nIcmp: InMsgs InErrors InCsumErrors";
  for (const [n] of types) out += ` In${n}`;
  out += " OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost";
  for (const [n] of types) out += ` Out${n}`;
  out += `\nIcmp: ${icmp[ICMP_MIB_INMSGS]} ${icmp[ICMP_MIB_INERRORS]} ${icmp[ICMP_MIB_CSUMERRORS]}`;
  for (const [, t] of types) out += ` ${msg[t]}`;
  out += ` ${icmp[ICMP_MIB_OUTMSGS]} ${icmp[ICMP_MIB_OUTERRORS]} ${icmp[ICMP_MIB_RATELIMITGLOBAL]} ${icmp[ICMP_MIB_RATELIMITHOST]}`;
  for (const [, t] of types) out += ` ${msg[0x100 + t]}`;
  // icmpmsg_put: nonzero types, 16 per line pair.
  let names = "";
  let vals = "";
  let count = 0;
  for (let i = 0; i < 512; i++) {
    const v = msg[i]!;
    if (v === 0) continue;
    names += ` ${i & 0x100 ? "Out" : "In"}Type${i & 0xff}`;
    vals += ` ${v}`;
    if (++count === 16) {
      out += `\nIcmpMsg:${names}\nIcmpMsg:${vals}`;
      names = "";
      vals = "";
      count = 0;
    }
  }
  if (count > 0) out += `\nIcmpMsg:${names}\nIcmpMsg:${vals}`;
  out += "\nTcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors";
  out += "\nTcp: 1 200 120000 -1 0 0 0 0 0 0 0 0 0 0 0";
  const udpNames = UDP_MIB_NAMES.join(" ");
  out += `\nUdp: ${udpNames}\nUdp: ${[...ns.udpMib].join(" ")}`;
  out += `\nUdpLite: ${udpNames}\nUdpLite: ${UDP_MIB_NAMES.map(() => "0").join(" ")}\n`;
  return out;
}

/** /proc/net/netstat: the TcpExt counters vnet keeps, then the IpExt line pair. */
export function procNetNetstat(net: Net): string {
  const ns = ipv4Net(net);
  let out = `TcpExt: IPReversePathFilter\nTcpExt: ${ns.linuxMib[LINUX_MIB_IPRPFILTER]}\n`;
  out += `IpExt: ${SNMP4_IPEXTSTATS_NAMES.join(" ")}\nIpExt:`;
  for (let i = 0; i < SNMP4_IPEXTSTATS_NAMES.length; i++) out += ` ${ns.ipMib[IPSTATS_MIB_INNOROUTES + i]}`;
  return out + "\n";
}

/** /proc/net/stat/rt_cache (rt_cpu_seq_show), one CPU. */
export function procNetStatRtCache(net: Net): string {
  const s = ipv4Net(net).rtStat;
  const hex = (v: number): string => (v >>> 0).toString(16).padStart(8, "0");
  const cols = [0, 0, s[0]!, s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, 0, s[6]!, s[7]!, 0, 0, 0, 0, 0, 0];
  return (
    "entries  in_hit   in_slow_tot in_slow_mc in_no_route in_brd   in_martian_dst in_martian_src  out_hit  out_slow_tot out_slow_mc  gc_total gc_ignored gc_goal_miss gc_dst_overflow in_hlist_search out_hlist_search\n" +
    `${hex(cols[0]!)}  ${cols.slice(1).map(hex).join(" ")} \n`
  );
}

/** /proc/net/stat/arp_cache (neigh_stat_seq_show), one CPU. */
export function procNetStatArpCache(net: Net): string {
  const tbl = arpGet(net);
  const st = tbl.stats;
  const hex = (v: number): string => (v >>> 0).toString(16).padStart(8, "0");
  const vals = [
    tbl.entries, st.allocs, st.destroys, st.hashGrows, st.lookups, st.hits, st.resFailed, st.rcvProbesMcast, st.rcvProbesUcast,
    st.periodicGcRuns, st.forcedGcRuns, st.unresDiscards, st.tableFulls,
  ];
  return (
    "entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls\n" +
    `${vals.map((v) => hex(v)).join(" ")} \n`
  );
}

function portRange(net: Net): string {
  const ns = ipv4Net(net);
  return `${ns.ipLocalPortLow}\t${ns.ipLocalPortHigh}`;
}

/** Registers the IPv4 sysctls and /proc/net files with a kernel. */
export function inetSysctlInit(k: Kernel): void {
  k.registerSysctl("net/ipv4/ip_forward", {
    get: (ctx) => String(ipv4Net(ctx.net).devconfAll[IPV4_DEVCONF_FORWARDING]),
    set: (ctx, v) => {
      const on = sysctlInt(v);
      if (ipv4Net(ctx.net).devconfAll[IPV4_DEVCONF_FORWARDING] !== on) forwardChange(ctx.net, on);
    },
  });
  intSysctl(k, "ip_default_ttl", "ipDefaultTtl", 1, 255);
  intSysctl(k, "ip_no_pmtu_disc", "ipNoPmtuDisc", 0, 3);
  intSysctl(k, "ip_forward_use_pmtu", "ipFwdUsePmtu", 0, 1);
  intSysctl(k, "ip_nonlocal_bind", "ipNonlocalBind", 0, 1);
  intSysctl(k, "ip_unprivileged_port_start", "ipUnprivilegedPortStart", 0, 65535);
  intSysctl(k, "icmp_echo_ignore_all", "icmpEchoIgnoreAll", 0, 1);
  intSysctl(k, "icmp_echo_ignore_broadcasts", "icmpEchoIgnoreBroadcasts", 0, 1);
  intSysctl(k, "icmp_ignore_bogus_error_responses", "icmpIgnoreBogusErrorResponses", 0, 1);
  intSysctl(k, "icmp_errors_use_inbound_ifaddr", "icmpErrorsUseInboundIfaddr", 0, 1);
  intSysctl(k, "icmp_ratelimit", "icmpRatelimit", 0);
  intSysctl(k, "icmp_ratemask", "icmpRatemask");
  intSysctl(k, "icmp_msgs_per_sec", "icmpMsgsPerSec", 0);
  intSysctl(k, "icmp_msgs_burst", "icmpMsgsBurst", 0);
  intSysctl(k, "ipfrag_time", "ipfragTime", 1);
  intSysctl(k, "ipfrag_high_thresh", "ipfragHighThresh", 0);
  intSysctl(k, "ipfrag_low_thresh", "ipfragLowThresh", 0);
  intSysctl(k, "ipfrag_max_dist", "ipfragMaxDist", 0);
  k.registerSysctl("net/ipv4/ip_local_port_range", {
    get: (ctx) => portRange(ctx.net),
    set: (ctx, v) => {
      const parts = v.trim().split(/\s+/);
      if (parts.length !== 2) throw new KernelError(EINVAL);
      const lo = sysctlInt(parts[0]!, 1, 65535);
      const hi = sysctlInt(parts[1]!, 1, 65535);
      if (hi < lo) throw new KernelError(EINVAL);
      const ns = ipv4Net(ctx.net);
      ns.ipLocalPortLow = lo;
      ns.ipLocalPortHigh = hi;
    },
  });
  k.registerSysctl("net/ipv4/ping_group_range", {
    get: (ctx) => `${ipv4Net(ctx.net).pingGroupLow}\t${ipv4Net(ctx.net).pingGroupHigh}`,
    set: (ctx, v) => {
      const parts = v.trim().split(/\s+/);
      if (parts.length !== 2) throw new KernelError(EINVAL);
      const ns = ipv4Net(ctx.net);
      ns.pingGroupLow = sysctlInt(parts[0]!, 0);
      ns.pingGroupHigh = sysctlInt(parts[1]!, 0);
    },
  });
  k.vfs.add(
    "/proc/sys/net/ipv4/conf",
    dynamicDir(
      (ctx) => ["all", "default", ...ctx.net.devList().filter((d) => inDevGet(d) !== null).map((d) => d.name)],
      (ctx, name) => {
        if (name === "all" || name === "default") return confDir(name);
        const dev = ctx.net.devices.get(name);
        return dev !== undefined && inDevGet(dev) !== null ? confDir(name) : null;
      },
    ),
  );
  k.vfs.add(
    "/proc/sys/net/ipv4/neigh",
    dynamicDir(
      (ctx) => ["default", ...ctx.net.devList().filter((d) => inDevGet(d) !== null).map((d) => d.name)],
      (ctx, name) => {
        if (name === "default") return neighDir(name);
        const dev = ctx.net.devices.get(name);
        return dev !== undefined && inDevGet(dev) !== null ? neighDir(name) : null;
      },
    ),
  );
  k.vfs.add("/proc/net/snmp", roFile((ctx) => procNetSnmp(ctx.net)));
  k.vfs.add("/proc/net/netstat", roFile((ctx) => procNetNetstat(ctx.net)));
  k.vfs.add("/proc/net/route", roFile((ctx) => procNetRoute(ctx.net)));
  k.vfs.add("/proc/net/arp", roFile((ctx) => procNetArp(ctx.net)));
  k.vfs.add("/proc/net/stat/rt_cache", roFile((ctx) => procNetStatRtCache(ctx.net)));
  k.vfs.add("/proc/net/stat/arp_cache", roFile((ctx) => procNetStatArpCache(ctx.net)));
}

