import { constants } from "node:os"

/**
 * Linux errno names and the lower-case texts Go's `syscall.Errno.Error()`
 * prints for them, so our rendered errors read exactly like runc's.
 */
const texts: Readonly<Record<string, string>> = {
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ESRCH: "no such process",
  EINTR: "interrupted system call",
  EIO: "input/output error",
  ENXIO: "no such device or address",
  E2BIG: "argument list too long",
  ENOEXEC: "exec format error",
  EBADF: "bad file descriptor",
  ECHILD: "no child processes",
  EAGAIN: "resource temporarily unavailable",
  ENOMEM: "cannot allocate memory",
  EACCES: "permission denied",
  EFAULT: "bad address",
  EBUSY: "device or resource busy",
  EEXIST: "file exists",
  EXDEV: "invalid cross-device link",
  ENODEV: "no such device",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EINVAL: "invalid argument",
  ENFILE: "too many open files in system",
  EMFILE: "too many open files",
  ENOTTY: "inappropriate ioctl for device",
  ETXTBSY: "text file busy",
  EFBIG: "file too large",
  ENOSPC: "no space left on device",
  ESPIPE: "illegal seek",
  EROFS: "read-only file system",
  EMLINK: "too many links",
  EPIPE: "broken pipe",
  ERANGE: "numerical result out of range",
  EDEADLK: "resource deadlock avoided",
  ENAMETOOLONG: "file name too long",
  ENOLCK: "no locks available",
  ENOSYS: "function not implemented",
  ENOTEMPTY: "directory not empty",
  ELOOP: "too many levels of symbolic links",
  ENODATA: "no data available",
  EOVERFLOW: "value too large for defined data type",
  EOPNOTSUPP: "operation not supported",
  ENOTSUP: "operation not supported",
  ETIMEDOUT: "connection timed out",
  ESTALE: "stale NFS file handle",
  EDQUOT: "disk quota exceeded",
  ECANCELED: "operation canceled"
}

const byNumber = new Map<number, string>()
for (const [name, value] of Object.entries(constants.errno)) {
  if (!byNumber.has(value)) byNumber.set(value, name)
}

/** The errno name for a Linux errno number (`2` -> `ENOENT`), or `errno <n>`. */
export const nameOf = (errno: number): string => byNumber.get(errno) ?? `errno ${errno}`

/** The errno number for a name (`ENOENT` -> `2`), or `undefined` when unknown. */
export const numberOf = (name: string): number | undefined =>
  (constants.errno as Readonly<Record<string, number>>)[name]

/** Go's text for an errno name, falling back to the name itself. */
export const textOf = (name: string): string => texts[name] ?? name
