/**
 * `/proc/<pid>/stat`: the parser runc's `system.Stat` uses (name, state and
 * start time only) and the read of the real file — which, stricter than
 * runc's `os.ReadFile`, must be on procfs (`fstatfs` of the open
 * descriptor, before anything is read) and is read at most
 * {@link maxStatBytes}.
 *
 * The parser works on bytes, as Go's does on its byte string: the command
 * name is whatever lies between the first `(` and the last `)`, so names
 * with spaces and parentheses are recovered exactly.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { closeSync, openSync, readSync, statfsSync } from "node:fs"
import { SystemError } from "../../ContainerError.js"
import * as Errno from "../errno.js"
import { PROC_SUPER_MAGIC, WrongFilesystem } from "../filesystemType.js"
import * as Strconv from "../strconv.js"
import { withoutStack } from "../withoutStack.js"
import * as Libc from "./libc.js"

/** The three fields of `/proc/<pid>/stat` runc reads. */
export interface ProcStat {
  /** Field 2, the command name (`comm`), decoded as UTF-8 (invalid bytes become U+FFFD). */
  readonly name: string
  /** Field 3, the state letter: `R`, `S`, `D`, `T`, `t`, `Z`, `X`, `P`, `I`. */
  readonly state: string
  /** Field 22, clock ticks since boot when the process started. */
  readonly startTime: bigint
}

/**
 * `invalid stat data (<reason>): <detail>` — the content of `/proc/<pid>/stat`
 * is not what runc's parser accepts. The texts are runc's: the detail is the
 * Go-quoted data for the two "short" reasons (for `too short`, only the part
 * after `) `), and the `strconv.ParseUint` error for a bad start time.
 */
export class StatParseError extends Data.TaggedError("StatParseError")<{
  readonly reason: "no comm or too short" | "too short" | "bad start time"
  readonly detail: string
}> {
  override get message(): string {
    return `invalid stat data (${this.reason}): ${this.detail}`
  }
}

/** Room after the name for 20 minimal fields (`0 `) and one more byte. */
const minAfterName = 20 * 2 + 1
const space = 0x20
const decoder = new TextDecoder()

/**
 * runc's `parseStat` (state.md §3): first `(`, last `)`, state right after
 * `) `, start time after 19 more spaces and followed by a space.
 */
export const parseStat = (input: string | Uint8Array): Either.Either<ProcStat, StatParseError> => {
  const data = Strconv.bytesOf(input)
  const first = data.indexOf(0x28)
  const last = data.lastIndexOf(0x29)
  if (first < 0 || first + minAfterName >= data.length || last <= first || last + minAfterName >= data.length) {
    return Either.left(new StatParseError({ reason: "no comm or too short", detail: Strconv.quote(data) }))
  }
  const name = decoder.decode(data.subarray(first + 1, last))
  const rest = data.subarray(last + 2)
  const state = String.fromCharCode(rest[0]!)
  let skip = 22 - 3
  let at = 0
  while (skip > 0 && at < rest.length) {
    if (rest[at] === space) skip--
    at++
  }
  const end = rest.indexOf(space, at)
  if (end < 0) {
    return Either.left(new StatParseError({ reason: "too short", detail: Strconv.quote(rest) }))
  }
  const field = rest.subarray(at, end)
  const parsed = Strconv.parseUint(Buffer.from(field).toString("latin1"))
  if (parsed._tag === "Err") {
    const detail = Strconv.numErrorText("ParseUint", field, parsed.kind)
    return Either.left(new StatParseError({ reason: "bad start time", detail }))
  }
  return Either.right({ name, state, startTime: parsed.value })
}

/** The path of a process's stat file under a procfs mount. */
export const statPath = (pid: number, procRoot = "/proc"): string => `${procRoot}/${pid}/stat`

const codeOf = (cause: unknown): string => {
  const code = (cause as { code?: unknown } | null)?.code
  return typeof code === "string" ? code : "EIO"
}

/**
 * The most of a stat file read: 4 KiB, several times any real stat line
 * (a 64-byte name at most, 52 numeric fields of at most 20 digits). More
 * is `read /proc/<pid>/stat: file too large`.
 */
export const maxStatBytes = 4096

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
type ReadFailure =
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
const readWhole = (path: string): Uint8Array | ReadFailure => {
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
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
  } catch (cause) {
    return { op: "read", code: codeOf(cause) }
  } finally {
    closeSync(fd)
  }
}

const failureOf = (path: string, read: ReadFailure): SystemError | WrongFilesystem =>
  withoutStack(() =>
    read.op === "filesystem"
      ? new WrongFilesystem({ op: "open", path, type: read.type, expected: [PROC_SUPER_MAGIC] })
      : new SystemError({ op: read.op, path, code: read.code })
  )

/**
 * Reads and parses `/proc/<pid>/stat` (runc's `system.Stat`). A missing
 * process fails with `open /proc/<pid>/stat: no such file or directory`; a
 * file not on procfs with {@link WrongFilesystem}, unread. The read is
 * synchronous: procfs answers from memory and never blocks.
 */
export const readStat = (
  pid: number,
  procRoot = "/proc"
): Effect.Effect<ProcStat, SystemError | WrongFilesystem | StatParseError> =>
  Effect.suspend((): Either.Either<ProcStat, SystemError | WrongFilesystem | StatParseError> => {
    const path = statPath(pid, procRoot)
    const read = readWhole(path)
    return read instanceof Uint8Array ? parseStat(read) : Either.left(failureOf(path, read))
  })

/**
 * runc's `hasInit` test on the real `/proc`: the stat file reads and parses,
 * its start time is `startTime`, and the process is neither a zombie nor
 * dead. Any failure is false, and builds no error on the way.
 */
export const isAlive = (pid: number, startTime: bigint, procRoot = "/proc"): boolean => {
  const read = readWhole(statPath(pid, procRoot))
  if (!(read instanceof Uint8Array)) return false
  const stat = parseStat(read)
  return Either.isRight(stat) && stat.right.startTime === startTime && stat.right.state !== "Z" && stat.right.state !== "X"
}
