/**
 * The system calls that deliver a signal: `pidfd_open(2)` and
 * `pidfd_send_signal(2)` through koffi, and `kill(2)` as the fallback for
 * kernels without pidfds. They return errno names instead of throwing, and
 * sit behind an interface so tests can force the fallback.
 */
import { closeSync } from "node:fs"
import * as Errno from "../internal/errno.js"
import * as Libc from "./libc.js"

/** A raw result: a value (a file descriptor, or 0) or the errno name of the failure. */
export type SyscallOutcome =
  | { readonly _tag: "Ok"; readonly value: number }
  | { readonly _tag: "Errno"; readonly code: string }

/** The signal-delivery system calls the node `Processes` layer uses. */
export interface SignalSyscalls {
  /** `pidfd_open(pid, 0)`: a file descriptor referring to that very process. */
  readonly pidfdOpen: (pid: number) => SyscallOutcome
  /** `pidfd_send_signal(pidfd, signal, NULL, 0)`. */
  readonly pidfdSendSignal: (pidfd: number, signal: number) => SyscallOutcome
  /** `kill(pid, signal)`. */
  readonly kill: (pid: number, signal: number) => SyscallOutcome
  /** `close(fd)`; errors are of no interest once the signal has been sent. */
  readonly close: (fd: number) => void
}

const enosys: SyscallOutcome = { _tag: "Errno", code: "ENOSYS" }

const raw = (number: number | undefined, ...args: ReadonlyArray<Libc.SyscallArg>): SyscallOutcome => {
  if (number === undefined) return enosys
  let result: Libc.SyscallResult
  try {
    result = Libc.syscall(number, ...args)
  } catch {
    // koffi could not be loaded: no raw system calls on this host.
    return enosys
  }
  return result.value < 0 ? { _tag: "Errno", code: Errno.nameOf(result.errno) } : { _tag: "Ok", value: result.value }
}

/** This host's system calls; `kill` goes through Node's `process.kill`, which needs no koffi. */
export const native: SignalSyscalls = {
  pidfdOpen: (pid) => raw(Libc.constants?.SYS_pidfd_open, pid, 0),
  pidfdSendSignal: (pidfd, signal) => raw(Libc.constants?.SYS_pidfd_send_signal, pidfd, signal, null, 0),
  kill: (pid, signal) => {
    try {
      process.kill(pid, signal)
      return { _tag: "Ok", value: 0 }
    } catch (cause) {
      const code = (cause as { code?: unknown } | null)?.code
      return { _tag: "Errno", code: typeof code === "string" ? code : "EINVAL" }
    }
  },
  close: (fd) => {
    try {
      closeSync(fd)
    } catch {
      // the descriptor is gone either way
    }
  }
}
