/**
 * Tab completion for the interactive shell: command names, device names, namespaces, module
 * names, `ip` objects and commands, and paths of the kernel's virtual tree.
 */
import type { Shell } from "./shell.js";

const IP_OBJECTS = ["address", "link", "neighbour", "netns", "route"];
const IP_COMMANDS: Record<string, string[]> = {
  link: ["add", "delete", "help", "set", "show"],
  address: ["add", "delete", "flush", "help", "show"],
  route: ["add", "change", "delete", "flush", "get", "help", "replace", "show"],
  neighbour: ["add", "change", "delete", "flush", "help", "replace", "show"],
  netns: ["add", "delete", "exec", "help", "list"],
};
const DEVICE_WORDS = new Set(["dev", "-i", "-I", "link", "set", "show", "del", "delete", "oif", "iif"]);
const DEVICE_COMMANDS = new Set(["ifconfig", "ethtool"]);

function vfsPaths(shell: Shell, word: string): string[] {
  const slash = word.lastIndexOf("/");
  const dir = slash <= 0 ? "/" : word.slice(0, slash);
  const ctx = { net: shell.net, cred: shell.cred };
  try {
    return shell.kernel.vfs.list(dir, ctx).map((n) => {
      const full = (dir === "/" ? "/" : dir + "/") + n;
      return shell.kernel.vfs.isDirectory(full, ctx) ? full + "/" : full;
    });
  } catch {
    return [];
  }
}

/** Words (after the command words that hand over to another command: sudo, ip netns exec NS). */
function commandWords(words: string[]): string[] {
  for (;;) {
    if (words[0] === "sudo" && words.length > 1) words = words.slice(1);
    else if (words[0] === "ip" && words[1] === "netns" && words[2] === "exec" && words.length >= 4) words = words.slice(4);
    else return words;
  }
}

/** Candidates for the last word of `line` (every one starts with that word). */
export function complete(shell: Shell, line: string): string[] {
  const segment = line.slice(Math.max(line.lastIndexOf(";"), line.lastIndexOf("&")) + 1).replace(/^\s*-?/, "");
  const all = segment.split(/\s+/);
  const word = all.pop() ?? "";
  const words = commandWords(all.filter((w) => w !== ""));
  const devices = [...shell.net.devices.keys()];
  const namespaces = [...shell.kernel.netns.keys()];
  let pool: string[];
  if (word.startsWith("/")) pool = vfsPaths(shell, word);
  else if (words.length === 0) pool = shell.commandNames();
  else {
    const cmd = words[0]!;
    const prev = words[words.length - 1]!;
    const ipArgs = cmd === "ip" ? words.slice(1).filter((w) => !w.startsWith("-")) : [];
    if (prev === "-n" || prev === "netns" || (cmd === "ip" && ipArgs[0] === "netns" && ["exec", "delete", "del"].includes(prev))) pool = namespaces;
    else if (cmd === "ip" && prev !== "-n" && ipArgs.length === 0) pool = IP_OBJECTS;
    else if (cmd === "ip" && ipArgs.length === 1) pool = IP_COMMANDS[IP_OBJECTS.find((o) => o.startsWith(ipArgs[0]!)) ?? ""] ?? [];
    else if (cmd === "insmod" || cmd === "modinfo") pool = shell.modules.names();
    else if (cmd === "rmmod") pool = [...shell.kernel.modules.keys()];
    else if (cmd === "sudo" || cmd === "help") pool = shell.commandNames();
    else if (DEVICE_WORDS.has(prev) || DEVICE_COMMANDS.has(cmd)) pool = devices;
    else pool = [...devices, ...namespaces];
  }
  return [...new Set(pool)].filter((c) => c.startsWith(word)).sort();
}
