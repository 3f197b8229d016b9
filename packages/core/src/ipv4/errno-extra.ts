// errno values the core's kernel/errno.ts does not define yet (asm-generic/errno-base.h, errno.h).
// KernelError prints them as "Unknown error N" until the core table learns their names.

/** Invalid cross-device link: what fib_validate_source returns for an rp_filter failure. */
export const EXDEV = 18;
/** Machine is not on the network (icmp_err_convert for ICMP_HOST_ISOLATED). */
export const ENONET = 64;
/** Protocol error (ICMP parameter problem). */
export const EPROTO = 71;
/** Socket type not supported. */
export const ESOCKTNOSUPPORT = 94;
