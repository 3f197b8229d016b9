/**
 * /etc/hosts and /etc/networks of one kernel: plain, writable files in its virtual tree, read by
 * the tools to turn names into addresses (`ping web`, `route add -net lab`) and back.
 */
import { parseIpv4, ROOT_CRED, type Kernel, type VfsContext, type VfsFile } from "@vnet/core";

/** A regular file of the virtual tree: `>` replaces its text, `>>` appends to it. */
export class RegularFile implements VfsFile {
  readonly mode: number;
  text: string;

  constructor(text: string, mode = 0o644) {
    this.text = text;
    this.mode = mode;
  }

  read(): string {
    return this.text;
  }

  write(_ctx: VfsContext, data: string): void {
    this.text = data;
  }

  append(data: string): void {
    this.text += data;
  }
}

function defaultHosts(hostname: string): string {
  return `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n`;
}

const DEFAULT_NETWORKS = "default\t\t0.0.0.0\nloopback\t127.0.0.0\nlink-local\t169.254.0.0\n";

/** Adds /etc/hosts and /etc/networks to `kernel` unless something already did. */
export function etcInit(kernel: Kernel): void {
  const ctx = { net: kernel.initNet, cred: ROOT_CRED };
  if (!kernel.vfs.exists("/etc/hosts", ctx)) kernel.vfs.add("/etc/hosts", new RegularFile(defaultHosts(kernel.hostname)));
  if (!kernel.vfs.exists("/etc/networks", ctx)) kernel.vfs.add("/etc/networks", new RegularFile(DEFAULT_NETWORKS));
}

/** The lines of an /etc file split into fields, comments dropped. */
function entries(kernel: Kernel, path: string): string[][] {
  let text: string;
  try {
    text = kernel.vfs.read(path, { net: kernel.initNet, cred: ROOT_CRED });
  } catch {
    return [];
  }
  const out: string[][] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line !== "") out.push(line.split(/\s+/));
  }
  return out;
}

/** A network number as /etc/networks writes it ("10.1" is 10.1.0.0). */
function networkNumber(text: string): number | null {
  const parts = text.split(".");
  if (parts.length > 4) return null;
  while (parts.length < 4) parts.push("0");
  return parseIpv4(parts.join("."));
}

/** gethostbyname() over /etc/hosts only. */
export function hostsLookup(kernel: Kernel, name: string): number | null {
  for (const [addr, ...names] of entries(kernel, "/etc/hosts")) {
    if (!names.includes(name)) continue;
    const a = parseIpv4(addr!);
    if (a !== null) return a;
  }
  return null;
}

/** gethostbyaddr() over /etc/hosts: the first name of the first line with `addr`. */
export function hostsReverse(kernel: Kernel, addr: number): string | null {
  for (const [a, name] of entries(kernel, "/etc/hosts")) if (name !== undefined && parseIpv4(a!) === addr) return name;
  return null;
}

/** getnetbyname() over /etc/networks. */
export function networksLookup(kernel: Kernel, name: string): number | null {
  for (const [n, num] of entries(kernel, "/etc/networks")) if (n === name && num !== undefined) return networkNumber(num);
  return null;
}

/** getnetbyaddr() over /etc/networks (route prints network names without -n). */
export function networksReverse(kernel: Kernel, addr: number): string | null {
  for (const [n, num] of entries(kernel, "/etc/networks")) if (num !== undefined && networkNumber(num) === addr) return n!;
  return null;
}
