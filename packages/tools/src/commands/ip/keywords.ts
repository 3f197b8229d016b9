/**
 * The keywords of iplink_parse(), in its order of tests: some must be spelled out (strcmp), others
 * may be abbreviated (matches), so that `ip link add a ...` reads `a` as `address`, as iproute2 does.
 */
const LINK_KEYWORDS: ReadonlyArray<readonly [string, boolean]> = [
  ["up", false], ["down", false], ["name", false], ["index", false], ["link", true], ["address", true], ["broadcast", true],
  ["brd", false], ["txqueuelen", true], ["qlen", false], ["txqlen", true], ["mtu", false], ["netns", false], ["multicast", false],
  ["allmulticast", false], ["promisc", false], ["trailers", false], ["arp", false], ["carrier", false], ["master", true],
  ["nomaster", true], ["dynamic", true], ["type", true], ["alias", true], ["group", false],
];

/** The keyword `arg` stands for in `ip link add/set`, or null for a device name. */
export function linkKeyword(arg: string): string | null {
  for (const [word, abbrev] of LINK_KEYWORDS) if (arg === word || (abbrev && arg.length > 0 && word.startsWith(arg))) return word;
  if (arg.length > 0 && "help".startsWith(arg)) return "help";
  return null;
}
