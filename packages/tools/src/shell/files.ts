import { EISDIR, ENOENT, KernelError } from "@vnet/core";

/**
 * Files outside the simulated kernel (pcap files of `tcpdump -w` and `-r`, scripts). The shell is
 * platform-neutral: the CLI passes the real file system, tests and browsers an in-memory one.
 * Failures are KernelErrors carrying the errno the host reported.
 */
export interface HostFiles {
  read(path: string): Uint8Array;
  /** Creates or truncates `path` (or appends to it). */
  write(path: string, data: Uint8Array, append?: boolean): void;
}

/** Host files kept in memory: what a browser or a test gets by default. */
export class MemoryFiles implements HostFiles {
  readonly files: Map<string, Uint8Array> = new Map();

  read(path: string): Uint8Array {
    const f = this.files.get(path);
    if (f === undefined) throw new KernelError(path.endsWith("/") ? EISDIR : ENOENT, path);
    return f;
  }

  write(path: string, data: Uint8Array, append = false): void {
    const old = append ? this.files.get(path) : undefined;
    if (old === undefined) {
      this.files.set(path, data.slice());
      return;
    }
    const joined = new Uint8Array(old.length + data.length);
    joined.set(old);
    joined.set(data, old.length);
    this.files.set(path, joined);
  }
}
