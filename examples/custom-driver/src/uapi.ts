/**
 * What user space and vbridge agree on (include/uapi/linux/if_bridge.h): the legacy bridge
 * ioctl, SIOCDEVPRIVATE on the bridge device with `unsigned long args[4]` in ifr_data.
 */

/** args[0] of the legacy ioctl (the BRCTL_* numbers vbridge answers). */
export const BRCTL_ADD_IF = 4;
export const BRCTL_DEL_IF = 5;
export const BRCTL_SET_AGEING_TIME = 11;
export const BRCTL_GET_FDB_ENTRIES = 18;

/** USER_HZ: the ioctl counts time in clock_t, hundredths of a second. */
export const USER_HZ = 100;

/** One forwarding-table entry as BRCTL_GET_FDB_ENTRIES returns it (struct __fdb_entry). */
export interface FdbEntryInfo {
  macAddr: Uint8Array;
  /** The port's number; 0 for the bridge's own address. */
  portNo: number;
  isLocal: boolean;
  /** clock_t since the entry was last refreshed; 0 for local entries, which never age. */
  ageingTimerValue: number;
}

/**
 * ifr_data of the legacy ioctl: [BRCTL_*, arg1, arg2, arg3]. For BRCTL_GET_FDB_ENTRIES, arg1 is
 * the caller's buffer (filled in), arg2 the most entries wanted, arg3 the first one.
 */
export type BrctlArgs = [cmd: number, arg1: number | FdbEntryInfo[], arg2: number, arg3: number];
