/** `ip link add [name] NAME [mtu N] [address LLADDR] [txqueuelen N] type KIND [ARGS]`. */
import { devChangeNetNamespace, KernelError, parseMac, rtnlDellink, rtnlNewlink, type Net, type NewLinkRequest } from "@vnet/core";
import { fail, garbage, invarg, nextArg, rtnlFail, type Ip } from "./common.js";
import { parseTxqlen, parseU32 } from "./parse.js";
import { linkKeyword } from "./keywords.js";
import { LINK_USAGE } from "./usage.js";

export function ipLinkAdd(ip: Ip, argv: readonly string[]): number {
  let name: string | undefined;
  let mtu: number | undefined;
  let address: Uint8Array | undefined;
  let txqlen: number | undefined;
  let kind: string | undefined;
  let kindArgs: string[] = [];
  let netns: Net | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const a = linkKeyword(arg) ?? arg;
    if (a === "help") fail(ip, LINK_USAGE, 255);
    if (a === "type") {
      kind = nextArg(ip, argv, i++);
      kindArgs = argv.slice(i + 1);
      break;
    } else if (a === "mtu") {
      const v = nextArg(ip, argv, i++);
      mtu = parseU32(v) ?? invarg(ip, 'Invalid "mtu" value\n', v);
    } else if (a === "netns") {
      const v = nextArg(ip, argv, i++);
      netns = ip.ctx.kernel.netns.get(v) ?? invarg(ip, 'Invalid "netns" value\n', v);
    } else if (a === "address") {
      const v = nextArg(ip, argv, i++);
      address = parseMac(v) ?? fail(ip, `"${v}" is invalid lladdr.`, 1);
    } else if (a === "txqueuelen" || a === "txqlen" || a === "qlen") {
      const v = nextArg(ip, argv, i++);
      txqlen = parseTxqlen(v) ?? invarg(ip, 'Invalid "txqueuelen" value\n', v);
    } else if (linkKeyword(arg) !== null && a !== "name") {
      fail(ip, `ip link add: "${a}" is not supported by vnet`, 255);
    } else {
      const v = a === "name" || a === "dev" ? nextArg(ip, argv, i++) : arg;
      if (name !== undefined) garbage(ip, "dev", v);
      name = v;
    }
  }
  if (kind === undefined) fail(ip, 'Not enough information: "type" argument is required', 1);
  if (name !== undefined && (name.length >= 16 || /[\s/:]/.test(name) || name === "." || name === "..")) {
    invarg(ip, '"name" not a valid ifname', name);
  }
  const ops = ip.ctx.kernel.linkKinds.get(kind);
  let data: Record<string, unknown> = {};
  if (ops !== undefined) {
    if (ops.parse !== undefined) {
      try {
        data = ops.parse(kindArgs);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        fail(ip, (e.context ?? e.message) + "\n", 1);
      }
    } else if (kindArgs.length > 0) {
      fail(ip, `Garbage instead of arguments "${kindArgs.join(" ")}". Try "ip link help".`, 255);
    }
  }
  const req: NewLinkRequest = {
    net: ip.net,
    data,
    cred: ip.ctx.cred,
    ...(name !== undefined ? { name } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
    ...(address !== undefined ? { address } : {}),
    ...(txqlen !== undefined ? { txQueueLen: txqlen } : {}),
  };
  try {
    const dev = rtnlNewlink(kind, req);
    // IFLA_NET_NS_*: made where the request was, then moved, as the kernel does for `netns NS`.
    if (netns !== undefined && netns !== ip.net) {
      try {
        devChangeNetNamespace(dev, netns);
      } catch (e) {
        rtnlDellink(dev, ip.ctx.cred);
        throw e;
      }
    }
  } catch (e) {
    rtnlFail(ip, e);
  }
  return 0;
}
