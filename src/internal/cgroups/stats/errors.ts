/**
 * The failures of runc's stat parsers that are not the caller's read
 * failures: fscommon's `ParseError`, a `bufio.Scanner` giving up on an
 * overlong line, and fs2's aggregate of per-controller failures.
 */
import * as Data from "effect/Data"
import { join } from "../goPath.js"
import type { Stats } from "./types.js"

/**
 * fscommon's `ParseError`: `unable to parse <path/file>: <reason>`, where
 * `reason` is the underlying error's text (a Go `strconv` error, `malformed
 * line: …`, `empty file`, …).
 */
export class CgroupParseError extends Data.TaggedError("CgroupParseError")<{
  readonly path: string
  readonly file: string
  readonly reason: string
}> {
  override get message(): string {
    return `unable to parse ${join(this.path, this.file)}: ${this.reason}`
  }
}

/** fs's `malformedLine`: `unable to parse <path/file>: malformed line: <line>`. */
export const malformedLine = (path: string, file: string, line: string): CgroupParseError =>
  new CgroupParseError({ path, file, reason: `malformed line: ${line}` })

/**
 * A `bufio.Scanner` error returned as it is (fscommon's RDMA reader does
 * not wrap it): `bufio.Scanner: token too long`.
 */
export class CgroupScanError extends Data.TaggedError("CgroupScanError")<{
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/** Anything a stat parser fails with, besides the reader's own error `E`. */
export type StatFailure<E> = E | CgroupParseError | CgroupScanError

/**
 * fs2's `GetStats` failure: every controller that failed, in runc's order
 * (pids, memory, io, cpu, hugetlb, rdma), and the stats gathered anyway —
 * runc returns both. The text is `error while statting cgroup v2: [<e1> <e2>…]`
 * (Go's `%+v` of an error slice).
 */
export class CgroupStatsV2Error<E extends { readonly message: string }> extends Data.TaggedError("CgroupStatsV2Error")<{
  readonly errors: ReadonlyArray<StatFailure<E>>
  readonly stats: Stats
}> {
  override get message(): string {
    return `error while statting cgroup v2: [${this.errors.map((e) => e.message).join(" ")}]`
  }
}
