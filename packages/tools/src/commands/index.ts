/** Every tool command of the vnet shell, by name. */
import type { Command } from "../shell/types.js";
import { ipCommand } from "./ip/index.js";
import { insmod, lsmod, modinfo, rmmod } from "./modules/index.js";
import { ethtool } from "./ethtool/index.js";
import { ifconfig } from "./net-tools/ifconfig.js";
import { sysctl } from "./procps/sysctl.js";
import { tcpdump } from "./tcpdump/index.js";
import { ping } from "./iputils/ping.js";
import { route } from "./net-tools/route.js";

/** The commands a new Shell gets (its builtins come on top). */
export function defaultCommands(): Map<string, Command> {
  const list: Command[] = [ipCommand, ifconfig, route, ping, ethtool, tcpdump, sysctl, insmod, rmmod, lsmod, modinfo];
  return new Map(list.map((c) => [c.name, c]));
}
