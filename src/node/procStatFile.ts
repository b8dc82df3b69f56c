/**
 * `/proc/<pid>/stat` read the way this host's Processes adapter reads it,
 * without effects: the file must be on procfs (`fstatfs` of the open
 * descriptor, before anything is read) and is read at most `maxStatBytes`;
 * a failure is described, never built into an error. `procfs.ts` makes the
 * Processes primitives of it; the CLI's `list` asks {@link isAlive} directly.
 */
import { closeSync, openSync, readSync, statfsSync } from "node:fs"
import * as Errno from "../internal/errno.js"
import { PROC_SUPER_MAGIC } from "../internal/filesystemType.js"
import { isLiveStat, maxStatBytes, statPath } from "../internal/procStat.js"
import * as Libc from "./libc.js"

const codeOf = (cause: unknown): string => {
  const code = (cause as { code?: unknown } | null)?.code
  return typeof code === "string" ? code : "EIO"
}

/** Reads land in chunks of this size; one is enough for any real stat line. */
const chunk = maxStatBytes

/** The fd, or the open failure's errno name; through libc where it can be, so a gone pid costs no exception. */
const openStat = (path: string): number | string => {
  if (Libc.constants !== undefined) {
    const opened = Libc.openNoCreate(path, 0)
    return opened.value >= 0 ? opened.value : Errno.nameOf(opened.errno)
  }
  try {
    return openSync(path, "r")
  } catch (cause) {
    return codeOf(cause)
  }
}

/** Why a read failed, before it is worth building an error for: a system call, or the file is not on procfs. */
export type ReadFailure =
  | { readonly op: "open" | "read" | "statfs"; readonly code: string }
  | { readonly op: "filesystem"; readonly type: number }

/** `fstatfs(2)` of the open fd: its type, or the failure. Through koffi, or `/proc/self/fd/<fd>` without it. */
const filesystemOf = (fd: number): number | ReadFailure => {
  if (Libc.constants === undefined) {
    try {
      return statfsSync(`/proc/self/fd/${fd}`).type
    } catch (cause) {
      return { op: "statfs", code: codeOf(cause) }
    }
  }
  const result = Libc.fstatfs(fd)
  return result.value < 0 ? { op: "statfs", code: Errno.nameOf(result.errno) } : result.value
}

/** The buffer every read lands in first; what was read is copied out. */
const scratch = Buffer.allocUnsafe(chunk)

/**
 * open + fstatfs + bounded read-to-EOF + close: a third of `readFileSync`'s
 * cost on procfs, which reports size 0. A file that is not on procfs is
 * refused before it is read. A failure is described, not built into an
 * error, so a caller that only asks "is it there" pays for no stack trace.
 */
export const readWhole = (path: string): Uint8Array | ReadFailure => {
  const fd = openStat(path)
  if (typeof fd === "string") return { op: "open", code: fd }
  try {
    const type = filesystemOf(fd)
    if (typeof type !== "number") return type
    if (type !== PROC_SUPER_MAGIC) return { op: "filesystem", type }
    const parts: Array<Uint8Array> = []
    let total = 0
    for (;;) {
      const n = readSync(fd, scratch, 0, chunk, null)
      if (n === 0) break
      total += n
      if (total > maxStatBytes) return { op: "read", code: "EFBIG" }
      parts.push(new Uint8Array(scratch.subarray(0, n)))
      // `stat` is a seq_file: the kernel fills each read as far as the file goes, so a short one is the end
      if (n < chunk) break
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
  } catch (cause) {
    return { op: "read", code: codeOf(cause) }
  } finally {
    closeSync(fd)
  }
}

/**
 * runc's `hasInit` test on the real `/proc`: the stat file reads and parses,
 * its start time is `startTime`, and the process is neither a zombie nor
 * dead. Any failure is false, and builds no error on the way.
 */
export const isAlive = (pid: number, startTime: bigint, procRoot = "/proc"): boolean => {
  const read = readWhole(statPath(pid, procRoot))
  return read instanceof Uint8Array && isLiveStat(read, startTime)
}
