/**
 * `flock(2)` through the raw `syscall(2)` binding of `libc.ts`, always with
 * `LOCK_NB`: a call never blocks the thread (Node's event loop runs on it),
 * so waiting for a lock is the caller's retry loop, which stays
 * interruptible and can give up.
 */
import * as Errno from "../internal/errno.js"
import * as Libc from "./libc.js"

/** `LOCK_SH`, `LOCK_EX`, `LOCK_NB`, `LOCK_UN` from `<sys/file.h>` (the same on every Linux architecture). */
export const LOCK_SH = 1
export const LOCK_EX = 2
export const LOCK_NB = 4
export const LOCK_UN = 8

/** What one non-blocking `flock` attempt gave: the lock, "someone else holds it", or an errno name. */
export type TryLockResult = "locked" | "busy" | { readonly errno: string }

/**
 * `flock(fd, LOCK_EX|LOCK_NB)` (or `LOCK_SH`): `busy` when another open file
 * description holds a conflicting lock (EWOULDBLOCK); EINTR is retried.
 * Where raw syscalls are unsupported the answer is ENOSYS.
 */
export const tryLock = (fd: number, mode: "exclusive" | "shared"): TryLockResult => {
  const constants = Libc.constants
  if (constants === undefined) return { errno: "ENOSYS" }
  const operation = (mode === "exclusive" ? LOCK_EX : LOCK_SH) | LOCK_NB
  for (;;) {
    const result = Libc.syscall(constants.SYS_flock, fd, operation)
    if (result.value === 0) return "locked"
    const name = Errno.nameOf(result.errno)
    if (name === "EINTR") continue
    return name === "EAGAIN" || name === "EWOULDBLOCK" ? "busy" : { errno: name }
  }
}
