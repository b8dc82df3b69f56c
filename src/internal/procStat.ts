/**
 * `/proc/<pid>/stat` as runc's `system.Stat` reads it (name, state and
 * start time only): the parser both hosts use, on bytes as Go's works on
 * its byte string — the command name is whatever lies between the first
 * `(` and the last `)`, so names with spaces and parentheses are recovered
 * exactly.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Strconv from "./strconv.js"

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
 * runc's `parseStat` (`libcontainer/system/proc.go`): first `(`, last `)`, state right after
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

/**
 * The most of a stat file read: 4 KiB, several times any real stat line
 * (a 64-byte name at most, 52 numeric fields of at most 20 digits). More
 * is `read /proc/<pid>/stat: file too large`.
 */
export const maxStatBytes = 4096
