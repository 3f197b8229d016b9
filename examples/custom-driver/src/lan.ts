import { Kernel } from "@vnet/core";
import { Shell, bundledModules, moduleRegistry } from "@vnet/tools";
import { vbridge } from "./vbridge.js";

/** Three namespaces, each with one end of an etun pair; the other ends are ports of br0. */
export const SCRIPT = `insmod etun
insmod vbridge
ip link add br0 type vbridge
ip addr add 10.0.0.254/24 dev br0
ip link set br0 up
ip netns add red
ip link add veth-red type etun peer name eth0 netns red
ip link set veth-red master br0
ip link set veth-red up
ip -n red addr add 10.0.0.1/24 dev eth0
ip -n red link set eth0 up
ip netns add green
ip link add veth-green type etun peer name eth0 netns green
ip link set veth-green master br0
ip link set veth-green up
ip -n green addr add 10.0.0.2/24 dev eth0
ip -n green link set eth0 up
ip netns add blue
ip link add veth-blue type etun peer name eth0 netns blue
brctl addif br0 veth-blue
ip link set veth-blue up
ip -n blue addr add 10.0.0.3/24 dev eth0
ip -n blue link set eth0 up
ip link show veth-red
ip netns exec red ping -c 2 10.0.0.3
ip netns exec green ping -c 1 10.0.0.254
brctl showmacs br0
sleep 200
ip netns exec red ping -c 1 10.0.0.3
brctl showmacs br0
sleep 150
brctl showmacs br0
ip link del veth-blue
brctl showmacs br0
ip link show br0`;

/** Runs SCRIPT in a fresh kernel; returns the transcript, each command after a `# ` prompt. */
export async function lan(): Promise<string[]> {
  const sh = new Shell(new Kernel({ seed: 1 }), { modules: moduleRegistry([...bundledModules.names().map((n) => bundledModules.get(n)), vbridge]) });
  const out: string[] = [];
  for (const line of SCRIPT.split("\n")) {
    await sh.run(line);
    out.push(`# ${line}`, ...sh.text().split("\n").slice(0, -1));
    sh.clear();
  }
  return out;
}
