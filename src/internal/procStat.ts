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
const maxUint64 = 2n ** 64n - 1n
const space = 0x20
const decoder = new TextDecoder()

/**
 * Where runc's `parseStat` (`libcontainer/system/proc.go`) finds its fields
 * in a stat line: the name between the first `(` and the last `)`, the
 * state right after `) `, the start time after 19 more spaces and up to the
 * next one (`start`–`end`, maybe empty); or why it finds none.
 */
type StatFields =
  | { readonly first: number; readonly last: number; readonly start: number; readonly end: number }
  | "no comm or too short"
  | "too short"

const statFields = (data: Uint8Array): StatFields => {
  const first = data.indexOf(0x28)
  const last = data.lastIndexOf(0x29)
  if (first < 0 || first + minAfterName >= data.length || last <= first || last + minAfterName >= data.length) {
    return "no comm or too short"
  }
  let skip = 22 - 3
  let start = last + 2
  while (skip > 0 && start < data.length) {
    if (data[start] === space) skip--
    start++
  }
  const end = data.indexOf(space, start)
  return end < 0 ? "too short" : { first, last, start, end }
}

/** runc's `parseStat` (`libcontainer/system/proc.go`): the name, state and start time of a stat line, or Go's error. */
export const parseStat = (input: string | Uint8Array): Either.Either<ProcStat, StatParseError> => {
  const data = Strconv.bytesOf(input)
  const fields = statFields(data)
  if (fields === "no comm or too short") {
    return Either.left(new StatParseError({ reason: fields, detail: Strconv.quote(data) }))
  }
  if (fields === "too short") {
    return Either.left(new StatParseError({ reason: fields, detail: Strconv.quote(data.subarray(data.lastIndexOf(0x29) + 2)) }))
  }
  const name = decoder.decode(data.subarray(fields.first + 1, fields.last))
  const state = String.fromCharCode(data[fields.last + 2]!)
  const field = data.subarray(fields.start, fields.end)
  const parsed = Strconv.parseUint(Buffer.from(field).toString("latin1"))
  if (parsed._tag === "Err") {
    const detail = Strconv.numErrorText("ParseUint", field, parsed.kind)
    return Either.left(new StatParseError({ reason: "bad start time", detail }))
  }
  return Either.right({ name, state, startTime: parsed.value })
}

/**
 * Whether stat data shows a live process that started at `startTime`: what
 * {@link parseStat} succeeding with that start time and a state other than
 * `Z` or `X` says (runc's `runType` over `parseStat`), without decoding the
 * name or building a value — a listing asks this once per container. The
 * start time is compared as digits: `ParseUint` takes nothing but digits in
 * base 10, and a field that does not parse, or parses to another value,
 * cannot spell `startTime` once its leading zeros are dropped.
 */
export const isLiveStat = (data: Uint8Array, startTime: bigint): boolean => {
  // no field parses beyond a uint64, or below zero
  if (startTime < 0n || startTime > maxUint64) return false
  const fields = statFields(data)
  if (typeof fields === "string") return false
  const state = data[fields.last + 2]
  if (state === 0x5a || state === 0x58) return false
  const { end } = fields
  // only digits can match `startTime`'s: any other byte fails the comparison below, as it fails ParseUint
  let from = fields.start
  while (from < end - 1 && data[from] === 0x30) from++
  const digits = startTime.toString()
  if (end - from !== digits.length) return false
  for (let i = 0; i < digits.length; i++) if (data[from + i] !== digits.charCodeAt(i)) return false
  return true
}

/** The path of a process's stat file under a procfs mount. */
export const statPath = (pid: number, procRoot = "/proc"): string => `${procRoot}/${pid}/stat`

/**
 * The most of a stat file read: 4 KiB, several times any real stat line
 * (a 64-byte name at most, 52 numeric fields of at most 20 digits). More
 * is `read /proc/<pid>/stat: file too large`.
 */
export const maxStatBytes = 4096
