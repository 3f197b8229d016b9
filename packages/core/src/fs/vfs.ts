import type { Cred } from "../kernel/cred.js";
import type { Net } from "../kernel/net.js";
import { EACCES, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, KernelError } from "../kernel/errno.js";

/** Who is reading or writing: the namespace decides what /sys/class/net and /proc/net show. */
export interface VfsContext {
  readonly net: Net;
  readonly cred: Cred;
}

/** A file of the virtual tree (a sysfs attribute, a procfs entry). */
export interface VfsFile {
  readonly kind?: "file" | undefined;
  /** Permission bits (0o644, 0o200...). */
  readonly mode: number;
  read?(ctx: VfsContext): string;
  /** Receives what was written; throws KernelError (EINVAL, EPERM) to refuse it. */
  write?(ctx: VfsContext, data: string): void;
}

/** A directory whose entries may be computed when listed (like /sys/class/net). */
export interface VfsDir {
  readonly kind: "dir";
  list(ctx: VfsContext): string[];
  lookup(ctx: VfsContext, name: string): VfsNode | null;
}

export type VfsNode = VfsFile | VfsDir;

function isDir(n: VfsNode): n is VfsDir {
  return n.kind === "dir";
}

/** A directory with fixed entries, into which plugins add files. */
export class StaticDir implements VfsDir {
  readonly kind = "dir" as const;
  readonly entries: Map<string, VfsNode> = new Map();

  list(): string[] {
    return [...this.entries.keys()];
  }

  lookup(_ctx: VfsContext, name: string): VfsNode | null {
    return this.entries.get(name) ?? null;
  }
}

/** A directory computed from a function each time (device lists, statistics). */
export function dynamicDir(list: (ctx: VfsContext) => string[], lookup: (ctx: VfsContext, name: string) => VfsNode | null): VfsDir {
  return { kind: "dir", list, lookup };
}

/** A read-only file whose text comes from `read`. */
export function roFile(read: (ctx: VfsContext) => string): VfsFile {
  return { mode: 0o444, read };
}

function split(path: string): string[] {
  if (!path.startsWith("/")) throw new KernelError(ENOENT, path);
  return path.split("/").filter((p) => p !== "" && p !== ".");
}

/** The virtual file tree: /sys, /proc and /etc of one kernel. */
export class Vfs {
  readonly root: StaticDir = new StaticDir();

  /** Resolves a path to its node, or throws ENOENT/ENOTDIR. */
  resolve(path: string, ctx: VfsContext): VfsNode {
    let node: VfsNode = this.root;
    for (const part of split(path)) {
      if (part === "..") throw new KernelError(EINVAL, path);
      if (!isDir(node)) throw new KernelError(ENOTDIR, path);
      const next: VfsNode | null = node.lookup(ctx, part);
      if (next === null) throw new KernelError(ENOENT, path);
      node = next;
    }
    return node;
  }

  exists(path: string, ctx: VfsContext): boolean {
    try {
      this.resolve(path, ctx);
      return true;
    } catch {
      return false;
    }
  }

  isDirectory(path: string, ctx: VfsContext): boolean {
    try {
      return isDir(this.resolve(path, ctx));
    } catch {
      return false;
    }
  }

  /** cat: the file's text. Root passes permission bits; others need a read bit. */
  read(path: string, ctx: VfsContext): string {
    const node = this.resolve(path, ctx);
    if (isDir(node)) throw new KernelError(EISDIR, path);
    if (ctx.cred.uid !== 0 && !(node.mode & 0o004)) throw new KernelError(EACCES, path);
    if (node.read === undefined) {
      if (ctx.cred.uid === 0) return "";
      throw new KernelError(EACCES, path);
    }
    return node.read(ctx);
  }

  /** echo > path. */
  write(path: string, data: string, ctx: VfsContext): void {
    const node = this.resolve(path, ctx);
    if (isDir(node)) throw new KernelError(EISDIR, path);
    if (node.write === undefined || !(node.mode & 0o222)) throw new KernelError(EACCES, path);
    if (ctx.cred.uid !== 0 && !(node.mode & 0o002)) throw new KernelError(EACCES, path);
    node.write(ctx, data);
  }

  list(path: string, ctx: VfsContext): string[] {
    const node = this.resolve(path, ctx);
    if (!isDir(node)) throw new KernelError(ENOTDIR, path);
    return node.list(ctx).sort();
  }

  /** mkdir -p of static directories. */
  mkdirp(path: string): StaticDir {
    let dir = this.root;
    for (const part of split(path)) {
      const next = dir.entries.get(part);
      if (next === undefined) {
        const d = new StaticDir();
        dir.entries.set(part, d);
        dir = d;
      } else if (next instanceof StaticDir) {
        dir = next;
      } else {
        throw new KernelError(ENOTDIR, path);
      }
    }
    return dir;
  }

  /** Adds a node; returns a function that removes it (and empty parents it created). */
  add(path: string, node: VfsNode): () => void {
    const parts = split(path);
    const name = parts.pop()!;
    const dir = this.mkdirp("/" + parts.join("/"));
    if (dir.entries.has(name)) throw new KernelError(EEXIST, path);
    dir.entries.set(name, node);
    return () => {
      if (dir.entries.get(name) === node) dir.entries.delete(name);
      this.prune(parts);
    };
  }

  private prune(parts: string[]): void {
    while (parts.length > 0) {
      const dir = this.mkdirp("/" + parts.join("/"));
      if (dir.entries.size > 0) return;
      const name = parts.pop()!;
      this.mkdirp("/" + parts.join("/")).entries.delete(name);
    }
  }
}
