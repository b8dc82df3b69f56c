/**
 * Reading `/proc/<pid>/stat` on this host — stricter than runc's
 * `os.ReadFile`: the file must be on procfs (`fstatfs` of the open
 * descriptor, before anything is read) and is read at most
 * `maxStatBytes`. The content goes through the shared parser
 * (`internal/procStat.ts`).
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { SystemError } from "../ContainerError.js"
import { PROC_SUPER_MAGIC, WrongFilesystem } from "../internal/filesystemType.js"
import { parseStat, type ProcStat, type StatParseError, statPath } from "../internal/procStat.js"
import { isAlive, type ReadFailure, readWhole } from "./procStatFile.js"

export {
  /** runc's `hasInit` test on this host's `/proc` (see `procStatFile.ts`). */
  isAlive
}

const failureOf = (path: string, read: ReadFailure): SystemError | WrongFilesystem =>
  read.op === "filesystem"
    ? new WrongFilesystem({ op: "open", path, type: read.type, expected: [PROC_SUPER_MAGIC] })
    : new SystemError({ op: read.op, path, code: read.code })

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

