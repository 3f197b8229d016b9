/** errno numbers as Linux defines them (asm-generic/errno-base.h, errno.h). */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const ENOTTY = 25;
export const ENOSPC = 28;
export const ERANGE = 34;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const ELOOP = 40;
export const ENODATA = 61;
export const ENONET = 64;
export const EPROTO = 71;
export const ENOTSOCK = 88;
export const EDESTADDRREQ = 89;
export const EMSGSIZE = 90;
export const EPROTOTYPE = 91;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const ESOCKTNOSUPPORT = 94;
export const EOPNOTSUPP = 95;
export const EAFNOSUPPORT = 97;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;
export const ENETDOWN = 100;
export const ENETUNREACH = 101;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;
export const EHOSTDOWN = 112;
export const EHOSTUNREACH = 113;
export const EALREADY = 114;

const table: ReadonlyArray<readonly [number, string, string]> = [
  [EPERM, "EPERM", "Operation not permitted"],
  [ENOENT, "ENOENT", "No such file or directory"],
  [ESRCH, "ESRCH", "No such process"],
  [EINTR, "EINTR", "Interrupted system call"],
  [EIO, "EIO", "Input/output error"],
  [ENXIO, "ENXIO", "No such device or address"],
  [E2BIG, "E2BIG", "Argument list too long"],
  [EBADF, "EBADF", "Bad file descriptor"],
  [EAGAIN, "EAGAIN", "Resource temporarily unavailable"],
  [ENOMEM, "ENOMEM", "Cannot allocate memory"],
  [EACCES, "EACCES", "Permission denied"],
  [EFAULT, "EFAULT", "Bad address"],
  [EBUSY, "EBUSY", "Device or resource busy"],
  [EEXIST, "EEXIST", "File exists"],
  [EXDEV, "EXDEV", "Invalid cross-device link"],
  [ENODEV, "ENODEV", "No such device"],
  [ENOTDIR, "ENOTDIR", "Not a directory"],
  [EISDIR, "EISDIR", "Is a directory"],
  [EINVAL, "EINVAL", "Invalid argument"],
  [ENFILE, "ENFILE", "Too many open files in system"],
  [ENOTTY, "ENOTTY", "Inappropriate ioctl for device"],
  [ENOSPC, "ENOSPC", "No space left on device"],
  [ERANGE, "ERANGE", "Numerical result out of range"],
  [ENAMETOOLONG, "ENAMETOOLONG", "File name too long"],
  [ENOSYS, "ENOSYS", "Function not implemented"],
  [ENOTEMPTY, "ENOTEMPTY", "Directory not empty"],
  [ELOOP, "ELOOP", "Too many levels of symbolic links"],
  [ENODATA, "ENODATA", "No data available"],
  [ENONET, "ENONET", "Machine is not on the network"],
  [EPROTO, "EPROTO", "Protocol error"],
  [ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket"],
  [EDESTADDRREQ, "EDESTADDRREQ", "Destination address required"],
  [EMSGSIZE, "EMSGSIZE", "Message too long"],
  [EPROTOTYPE, "EPROTOTYPE", "Protocol wrong type for socket"],
  [ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available"],
  [EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported"],
  [ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT", "Socket type not supported"],
  [EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported"],
  [EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol"],
  [EADDRINUSE, "EADDRINUSE", "Address already in use"],
  [EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address"],
  [ENETDOWN, "ENETDOWN", "Network is down"],
  [ENETUNREACH, "ENETUNREACH", "Network is unreachable"],
  [ECONNRESET, "ECONNRESET", "Connection reset by peer"],
  [ENOBUFS, "ENOBUFS", "No buffer space available"],
  [EISCONN, "EISCONN", "Transport endpoint is already connected"],
  [ENOTCONN, "ENOTCONN", "Transport endpoint is not connected"],
  [ETIMEDOUT, "ETIMEDOUT", "Connection timed out"],
  [ECONNREFUSED, "ECONNREFUSED", "Connection refused"],
  [EHOSTDOWN, "EHOSTDOWN", "Host is down"],
  [EHOSTUNREACH, "EHOSTUNREACH", "No route to host"],
  [EALREADY, "EALREADY", "Operation already in progress"],
];

const names = new Map<number, string>(table.map(([n, name]) => [n, name]));
const messages = new Map<number, string>(table.map(([n, , msg]) => [n, msg]));
const numbers = new Map<string, number>(table.map(([n, name]) => [name, n]));

/** The symbolic name of an errno ("ENODEV"). */
export function errnoName(errno: number): string {
  return names.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/** strerror(3): the text the C library prints for an errno. */
export function strerror(errno: number): string {
  return messages.get(Math.abs(errno)) ?? `Unknown error ${Math.abs(errno)}`;
}

/** The errno number for a symbolic name, or undefined. */
export function errnoByName(name: string): number | undefined {
  return numbers.get(name);
}

/** A failure the kernel would report: carries the errno name and (positive) number. */
export class KernelError extends Error {
  readonly errno: number;
  readonly code: string;
  /** What was being done ("SIOCSIFFLAGS"), without the strerror text. */
  readonly context: string | undefined;

  constructor(errno: number, context?: string | undefined) {
    const n = Math.abs(errno);
    super(context === undefined ? strerror(n) : `${context}: ${strerror(n)}`);
    this.name = "KernelError";
    this.errno = n;
    this.code = errnoName(n);
    this.context = context;
  }
}

/** True when `e` is a KernelError carrying `errno` (positive or negative). */
export function isErrno(e: unknown, errno: number): boolean {
  return e instanceof KernelError && e.errno === Math.abs(errno);
}

/** Turns a driver's negative return into a thrown KernelError; passes 0 and void through. */
export function check(ret: number | void, context?: string): void {
  if (typeof ret === "number" && ret < 0) throw new KernelError(-ret, context);
}

/** Runs `fn`, returning 0 or the negative errno it threw (the kernel's calling convention). */
export function errnoOf(fn: () => void): number {
  try {
    fn();
    return 0;
  } catch (e) {
    if (e instanceof KernelError) return -e.errno;
    throw e;
  }
}
