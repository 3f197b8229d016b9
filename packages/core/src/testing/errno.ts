import { KernelError } from "../index.js";

/** Runs `fn` and names the errno it failed with ("EINVAL"), or "ok" when it did not throw. */
export function errnoCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.code;
    throw e;
  }
  return "ok";
}
