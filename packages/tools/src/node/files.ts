/** Host files on the real file system, for the CLI (`tcpdump -w`, `> out.json`, scripts). */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { EIO, errnoByName, KernelError } from "@vnet/core";
import type { HostFiles } from "../shell/files.js";

function kernelError(e: unknown, path: string): KernelError {
  const code = (e as { code?: string }).code;
  return new KernelError((code !== undefined ? errnoByName(code) : undefined) ?? EIO, path);
}

export class NodeFiles implements HostFiles {
  read(path: string): Uint8Array {
    try {
      return new Uint8Array(readFileSync(path));
    } catch (e) {
      throw kernelError(e, path);
    }
  }

  write(path: string, data: Uint8Array, append = false): void {
    try {
      if (append) appendFileSync(path, data);
      else writeFileSync(path, data);
    } catch (e) {
      throw kernelError(e, path);
    }
  }
}
