/**
 * Where a path leads: into the kernel's virtual tree (/sys, /proc, /etc), to /dev/null, or to a
 * host file. Opening, reading and writing with bash's and cat's error wording.
 */
import {
  EACCES, EISDIR, ENOENT, KernelError, strerror, type Kernel, type VfsContext, type VfsNode,
} from "@vnet/core";
import { RegularFile } from "./etc.js";
import type { HostFiles } from "./files.js";

/** Whether `path` belongs to the kernel's virtual tree (its first component exists there). */
export function isKernelPath(kernel: Kernel, path: string): boolean {
  if (!path.startsWith("/")) return false;
  const top = path.split("/").find((p) => p !== "");
  return top !== undefined && kernel.vfs.root.entries.has(top);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The errno of a failure, EIO when it is not a KernelError. */
export function errnoOf(e: unknown): number {
  return e instanceof KernelError ? e.errno : 5;
}

/** Reads a file's text: a kernel file or a host file. Throws KernelError. */
export function readText(kernel: Kernel, files: HostFiles, path: string, ctx: VfsContext): string {
  if (isKernelPath(kernel, path)) return kernel.vfs.read(path, ctx);
  return decoder.decode(files.read(path));
}

/** An open output file (bash's `> FILE`): text written to it in one or many writes. */
export interface OutputFile {
  write(text: string): void;
}

/**
 * Opens `path` for writing as bash does before running the command: the node must exist (kernel
 * tree) and be writable by `ctx.cred`. Throws KernelError (ENOENT, EACCES, EISDIR).
 */
export function openOutput(kernel: Kernel, files: HostFiles, path: string, append: boolean, ctx: VfsContext): OutputFile {
  if (path === "/dev/null") return { write: () => {} };
  if (!isKernelPath(kernel, path)) {
    let first = !append;
    files.write(path, new Uint8Array(0), !first);
    return {
      write(text) {
        files.write(path, encoder.encode(text), !first);
        first = false;
      },
    };
  }
  const node: VfsNode = kernel.vfs.resolve(path, ctx);
  if (node.kind === "dir") throw new KernelError(EISDIR, path);
  const writable = node.write !== undefined && (node.mode & 0o222) !== 0;
  if (!writable || (ctx.cred.uid !== 0 && !(node.mode & 0o002))) throw new KernelError(EACCES, path);
  if (node instanceof RegularFile) {
    if (!append) node.text = "";
    return { write: (text) => node.append(text) };
  }
  return { write: (text) => kernel.vfs.write(path, text, ctx) };
}

/** bash's message for a redirection that could not be opened: `vnet: PATH: No such file or directory`. */
export function openError(path: string, e: unknown): string {
  return `vnet: ${path}: ${strerror(errnoOf(e) || ENOENT)}\n`;
}
