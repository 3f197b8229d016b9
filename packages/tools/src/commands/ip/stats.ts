/** `ip -s` (and `-s -s`) statistics blocks, text and JSON, as iproute2 6.x prints them. */
import type { NetDeviceStats } from "@vnet/core";
import type { JsonValue } from "./json.js";

/** Column widths: the headers' lengths, grown to fit every number (size_columns). */
function columns(s: NetDeviceStats): number[] {
  const cols = ["*X errors:".length, "packets".length, "errors".length, "dropped".length, "heartbt".length, "overrun".length, "compressed".length, "nohandler".length];
  const rows = [
    [s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissedErrors, s.multicast, s.rxCompressed, s.rxNohandler],
    [s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrierErrors, s.collisions, s.txCompressed, 0],
    [0, s.rxLengthErrors, s.rxCrcErrors, s.rxFrameErrors, s.rxFifoErrors, s.rxOverErrors],
    [0, s.txAbortedErrors, s.txFifoErrors, s.txWindowErrors, s.txHeartbeatErrors, 0],
  ];
  for (const row of rows) row.forEach((v, i) => (cols[i] = Math.max(cols[i]!, String(v).length)));
  return cols;
}

function nums(cols: readonly number[], values: readonly (number | null)[]): string {
  return "    " + values.map((v, i) => (v === null ? "" : String(v).padStart(cols[i]!) + " ")).join("");
}

export function statsLines(s: NetDeviceStats, level: number): string[] {
  const c = columns(s);
  const rxExtra = [s.rxCompressed ? s.rxCompressed : null, s.rxNohandler ? s.rxNohandler : null];
  const head = (dir: string, a: string, b: string): string =>
    `    ${dir}: ${"bytes".padStart(c[0]! - 4)} ${"packets".padStart(c[1]!)} ${"errors".padStart(c[2]!)} ${"dropped".padStart(c[3]!)} ` +
    `${a.padStart(c[4]!)} ${b.padStart(c[5]!)} ${(dir === "RX" ? (s.rxCompressed ? "compressed" : "") : s.txCompressed ? "compressed" : "").padStart(c[6]!)}` +
    (dir === "RX" && s.rxNohandler ? ` ${"nohandler".padStart(c[7]!)}` : "");
  const lines = [
    head("RX", "missed", "mcast"),
    nums(c, [s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissedErrors, s.multicast, ...rxExtra]),
  ];
  if (level > 1) {
    lines.push(`    RX errors: ${"length".padStart(c[1]!)} ${"crc".padStart(c[2]!)} ${"frame".padStart(c[3]!)} ${"fifo".padStart(c[4]!)} ${"overrun".padStart(c[5]!)}`);
    lines.push("    " + " ".repeat(c[0]!) + " " + nums(c, [null, s.rxLengthErrors, s.rxCrcErrors, s.rxFrameErrors, s.rxFifoErrors, s.rxOverErrors]).slice(4));
  }
  lines.push(head("TX", "carrier", "collsns"));
  lines.push(nums(c, [s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrierErrors, s.collisions, s.txCompressed ? s.txCompressed : null]));
  if (level > 1) {
    lines.push(`    TX errors: ${"aborted".padStart(c[1]!)} ${"fifo".padStart(c[2]!)} ${"window".padStart(c[3]!)} ${"heartbt".padStart(c[4]!)} ${"transns".padStart(c[5]!)}`);
    lines.push("    " + " ".repeat(c[0]!) + " " + nums(c, [null, s.txAbortedErrors, s.txFifoErrors, s.txWindowErrors, s.txHeartbeatErrors, 0]).slice(4));
  }
  return lines;
}

export function statsJson(s: NetDeviceStats, level: number): Record<string, JsonValue> {
  const rx: Record<string, JsonValue> = {
    bytes: s.rxBytes, packets: s.rxPackets, errors: s.rxErrors, dropped: s.rxDropped, over_errors: s.rxOverErrors, multicast: s.multicast,
  };
  if (s.rxCompressed) rx["compressed"] = s.rxCompressed;
  if (level > 1) {
    Object.assign(rx, {
      length_errors: s.rxLengthErrors, crc_errors: s.rxCrcErrors, frame_errors: s.rxFrameErrors, fifo_errors: s.rxFifoErrors,
      missed_errors: s.rxMissedErrors,
    });
    if (s.rxNohandler) rx["nohandler"] = s.rxNohandler;
  }
  const tx: Record<string, JsonValue> = {
    bytes: s.txBytes, packets: s.txPackets, errors: s.txErrors, dropped: s.txDropped, carrier_errors: s.txCarrierErrors, collisions: s.collisions,
  };
  if (s.txCompressed) tx["compressed"] = s.txCompressed;
  if (level > 1) {
    Object.assign(tx, { aborted_errors: s.txAbortedErrors, fifo_errors: s.txFifoErrors, window_errors: s.txWindowErrors, heartbeat_errors: s.txHeartbeatErrors });
  }
  return { rx, tx };
}
