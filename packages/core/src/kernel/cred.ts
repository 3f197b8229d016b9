/** Capabilities vnet checks (include/uapi/linux/capability.h numbering). */
export const CAP_NET_BIND_SERVICE = 10;
export const CAP_NET_BROADCAST = 11;
export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;
export const CAP_SYS_MODULE = 16;
export const CAP_SYS_ADMIN = 21;

/** The credentials a call runs with (struct cred, reduced to what the network layer checks). */
export interface Cred {
  readonly uid: number;
  readonly caps: number;
}

const ALL_CAPS = 0x7fffffff;

/** root: every capability. */
export const ROOT_CRED: Cred = Object.freeze({ uid: 0, caps: ALL_CAPS });

/** An unprivileged user with no capabilities. */
export function userCred(uid = 1000, caps: readonly number[] = []): Cred {
  let mask = 0;
  for (const c of caps) mask |= 1 << c;
  return Object.freeze({ uid, caps: mask });
}

/** capable(): does `cred` hold capability `cap`? */
export function capable(cred: Cred, cap: number): boolean {
  return (cred.caps & (1 << cap)) !== 0;
}
