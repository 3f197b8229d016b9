// LDD3's snull pair (sn0/sn1) through the whole stack, in its own process (see pairs-etun.ts): UDP
// 64-byte datagrams both ways between local0 and local1, and ping round trips, as ratios to the
// etun pair measured by pairs-etun.ts in the same harness run.
//
// Metrics: pairs.snull_udp (ratio to pairs.etun_udp, target >= 0.7), pairs.snull_ping (ratio to
// pairs.etun_ping, target >= 0.7).
import { measure, snullLink } from "../pairs-lib.js";

measure("snull", snullLink(), { udp: { baseline: "pairs.etun_udp" }, ping: { baseline: "pairs.etun_ping" } });
