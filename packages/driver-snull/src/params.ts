/** Module parameters (module_param) and their validation at insmod. */
import { EINVAL, KernelError, type Kernel } from "@vnet/core";

/**
 * The parameters `insmod snull` accepts; each is readable under /sys/module/snull/parameters.
 * (The book hides them: perm 0.) `timeout` defaults to SNULL_TIMEOUT; Plugin<> checks the shape.
 */
export const SNULL_PARAMS = {
  lockup: { type: "int", default: 0, perm: 0o444, description: "Lose the transmit-complete interrupt of every Nth packet (0: never)" },
  timeout: { type: "int", default: 5, perm: 0o444, description: "Transmit watchdog timeout in jiffies (0: the kernel's 5*HZ)" },
  use_napi: { type: "int", default: 0, perm: 0o444, description: "Receive by NAPI polling (1) instead of one interrupt per packet (0)" },
  pool_size: { type: "int", default: 8, perm: 0o444, description: "Transmit buffers per device (1..4096)" },
  pairs: { type: "int", default: 1, perm: 0o444, description: "Pairs of devices to create: sn0..sn(2N-1) (1..64)" },
  rx_lifo: { type: "bool", default: false, perm: 0o444, description: "Keep the book's LIFO receive queue, which reorders packets" },
  rx_nomem: { type: "int", default: 0, perm: 0o444, description: "Fail every Nth receive skb allocation, counted in rx_dropped (0: never)" },
} as const;

/** The parameters as setup receives them. */
export interface SnullParamValues {
  readonly lockup: number;
  readonly timeout: number;
  readonly use_napi: number;
  readonly pool_size: number;
  readonly pairs: number;
  readonly rx_lifo: boolean;
  readonly rx_nomem: number;
}

/** The validated configuration every device of the module shares. */
export interface SnullConfig {
  readonly lockup: number;
  /** Watchdog timeout in jiffies, always > 0. */
  readonly timeout: number;
  readonly useNapi: boolean;
  readonly poolSize: number;
  readonly pairs: number;
  readonly rxLifo: boolean;
  readonly rxNomem: number;
}

const INT_MAX = 0x7fffffff;

/** Checks the parameters; a bad one is logged and fails insmod with EINVAL before anything exists. */
export function snullValidate(kernel: Kernel, p: SnullParamValues): SnullConfig {
  range(kernel, "lockup", p.lockup, 0, INT_MAX);
  range(kernel, "timeout", p.timeout, 0, INT_MAX);
  range(kernel, "use_napi", p.use_napi, 0, 1);
  range(kernel, "pool_size", p.pool_size, 1, 4096);
  range(kernel, "pairs", p.pairs, 1, 64);
  range(kernel, "rx_nomem", p.rx_nomem, 0, INT_MAX);
  return {
    lockup: p.lockup,
    // dev_activate() turns a watchdog_timeo of 0 into 5 seconds.
    timeout: p.timeout === 0 ? 5 * kernel.hz : p.timeout,
    useNapi: p.use_napi === 1,
    poolSize: p.pool_size,
    pairs: p.pairs,
    rxLifo: p.rx_lifo,
    rxNomem: p.rx_nomem,
  };
}

function range(kernel: Kernel, name: string, v: number, min: number, max: number): void {
  if (Number.isInteger(v) && v >= min && v <= max) return;
  kernel.printk(`snull: invalid ${name}=${v} (must be ${min}..${max})`);
  throw new KernelError(EINVAL, `snull: ${name}`);
}
