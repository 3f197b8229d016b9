// etun and snull through the whole stack, each pair in its own process so that neither runs on
// code the JIT shaped for the other: this case measures the etun pair, pairs-snull.ts the snull
// pair (the harness interleaves them in one run). UDP 64-byte datagrams both ways and ping round
// trips; the links are built in bench/pairs-lib.ts.
//
// Metrics: pairs.etun_udp (target >= 3e6 datagrams/s; ratio to linux.veth.udp when the
// linux-veth case runs in the same harness run), pairs.etun_ping.
//
// The etun ends have agreed to skip checksums (`ethtool -K eth0 tx on rx on` on both), which is
// how Linux's veth starts and what the Linux baseline runs with; snull declares checksum offload
// too. pairs.etun_swcsum_udp is the same exchange with etun's defaults: checksums summed in
// software on both sides.
import { etunLink, measure } from "../pairs-lib.js";

measure("etun", etunLink(true), { udp: { target: { min: 3e6 }, baseline: "linux.veth.udp" }, ping: {} });
measure("etun_swcsum", etunLink(false), { udp: { baseline: "pairs.etun_udp" } });
