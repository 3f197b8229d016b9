#!/usr/bin/env bash
# Linux baseline for the vnet benchmarks: 64-byte UDP datagrams through a real veth pair between
# two network namespaces created here, plus flood-ping round trips over the same pair.
#
# Needs: root, iproute2 (`ip netns`; Debian: apt-get install -y iproute2), gcc; ping (iputils-ping)
# is optional. Without root or `ip netns` it says why on stderr and exits 0 with no output.
# Traffic stays between the two namespaces it creates; both are deleted on exit, even on failure.
#
# Prints JSON lines for bench/run.mjs (through bench/cases/linux-veth.ts):
#   {"name":"linux.veth.udp","value":<received datagrams/s>,"unit":"dgram/s"}
#   {"name":"linux.veth.ping","value":<round trips/s>,"unit":"rtt/s"}
# Environment: VNET_VETH_SECONDS (default 2), VNET_VETH_PING_COUNT (default 20000, 0 disables).
set -euo pipefail

seconds=${VNET_VETH_SECONDS:-2}
ping_count=${VNET_VETH_PING_COUNT:-20000}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

note() { echo "veth-baseline: $*" >&2; }
skip() { note "skipped: $*"; exit 0; }

[ "$(id -u)" -eq 0 ] || skip "needs root (creates network namespaces and a veth pair)"
command -v ip >/dev/null 2>&1 || skip "iproute2 is not installed (Debian: apt-get install -y iproute2)"
command -v gcc >/dev/null 2>&1 || skip "gcc is not installed (Debian: apt-get install -y gcc)"

ns_a="vnetb-$$-a"
ns_b="vnetb-$$-b"
dev_a="vb$$a" # interface names stay under IFNAMSIZ (15 characters)
dev_b="vb$$b"
addr_a=10.203.0.1
addr_b=10.203.0.2
port=9000

tmp=$(mktemp -d -t vnet-veth.XXXXXX)
created_a=0
created_b=0
recv_pid=""
cleanup() {
  set +e
  [ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null && wait "$recv_pid" 2>/dev/null
  # Only namespaces this run created; deleting a namespace also deletes its end of the veth pair.
  [ "$created_a" = 1 ] && ip netns del "$ns_a"
  [ "$created_b" = 1 ] && ip netns del "$ns_b"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'note "failed: line $LINENO: $BASH_COMMAND"' ERR

gcc -O2 -Wall -o "$tmp/veth-udp" "$here/veth-udp.c"

ip netns add "$ns_a" 2>"$tmp/err" || skip "ip netns unavailable: $(cat "$tmp/err")"
created_a=1
ip netns add "$ns_b"
created_b=1
ip link add "$dev_a" netns "$ns_a" type veth peer name "$dev_b" netns "$ns_b" 2>"$tmp/err" \
  || skip "cannot create a veth pair: $(cat "$tmp/err")"
ip -n "$ns_a" addr add "$addr_a/30" dev "$dev_a"
ip -n "$ns_b" addr add "$addr_b/30" dev "$dev_b"
for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
ip -n "$ns_a" link set "$dev_a" up
ip -n "$ns_b" link set "$dev_b" up

# UDP: the receiver counts from its first datagram for $seconds; the sender outlasts it.
ip netns exec "$ns_b" "$tmp/veth-udp" recv "$addr_b" "$port" "$seconds" >"$tmp/recv.out" &
recv_pid=$!
sleep 0.2
send_seconds=$(awk -v s="$seconds" 'BEGIN { print s + 0.5 }')
ip netns exec "$ns_a" "$tmp/veth-udp" send "$addr_b" "$port" "$send_seconds" 64 >"$tmp/send.out"
wait "$recv_pid"
recv_pid=""
read -r received elapsed_ns <"$tmp/recv.out"
read -r sent <"$tmp/send.out"
note "udp: sent $sent in ${send_seconds} s, received $received in $((elapsed_ns / 1000000)) ms"
awk -v n="$received" -v ns="$elapsed_ns" \
  'BEGIN { printf "{\"name\":\"linux.veth.udp\",\"value\":%.1f,\"unit\":\"dgram/s\"}\n", n / (ns / 1e9) }'

# ICMP echo: flood ping round trips per second over the same pair.
if [ "$ping_count" -gt 0 ]; then
  if command -v ping >/dev/null 2>&1; then
    out=$(ip netns exec "$ns_a" ping -f -q -c "$ping_count" -w 30 "$addr_b" 2>&1) || true
    summary=$(printf '%s\n' "$out" | grep -E 'packets transmitted' || true)
    rx=$(printf '%s\n' "$summary" | sed -nE 's/.* ([0-9]+) received.*/\1/p')
    ms=$(printf '%s\n' "$summary" | sed -nE 's/.*time ([0-9]+)ms.*/\1/p')
    if [ -n "$rx" ] && [ -n "$ms" ] && [ "$ms" -gt 0 ]; then
      note "ping: $summary"
      awk -v n="$rx" -v ms="$ms" \
        'BEGIN { printf "{\"name\":\"linux.veth.ping\",\"value\":%.1f,\"unit\":\"rtt/s\"}\n", n / (ms / 1000) }'
    else
      note "ping: could not parse output: $out"
    fi
  else
    note "ping not installed (Debian: apt-get install -y iputils-ping); skipping linux.veth.ping"
  fi
fi
