/**
 * `/proc/<pid>/cgroup` parsing, in runc's two flavours: the v1 map of
 * controller (or `name=` hierarchy) to cgroup path (`ParseCgroupFile` in
 * `libcontainer/cgroups/utils.go`), and the single unified path fs2 looks
 * for (`parseCgroupFromReader` in `cgroups/fs2/defaultpath.go`).
 */
import * as Either from "effect/Either"
import * as Strconv from "../strconv.js"
import { CgroupError } from "./errors.js"

const decoder = new TextDecoder()

/**
 * The most of a `/proc/<pid>/cgroup` file the library reads: 1 MiB (a line
 * per hierarchy, each path at most `PATH_MAX`). More is `file too large`.
 */
export const maxBytes = 1024 * 1024

/**
 * The lines Go's `bufio.Scanner` yields: split on `\n`, one trailing `\r`
 * dropped from each, no empty line after a final newline.
 */
export const scanLines = (content: string | Uint8Array): ReadonlyArray<string> => {
  const text = typeof content === "string" ? content : decoder.decode(content)
  if (text === "") return []
  const lines = text.split("\n")
  if (text.endsWith("\n")) lines.pop()
  return lines.map((line) => line.endsWith("\r") ? line.slice(0, -1) : line)
}

/** Go's `strings.SplitN(s, ":", 3)`. */
const splitFields = (line: string): ReadonlyArray<string> => {
  const first = line.indexOf(":")
  if (first < 0) return [line]
  const second = line.indexOf(":", first + 1)
  if (second < 0) return [line.slice(0, first), line.slice(first + 1)]
  return [line.slice(0, first), line.slice(first + 1, second), line.slice(second + 1)]
}

/**
 * runc's `ParseCgroupFile` for v1: every controller of every line maps to
 * that line's path, later lines winning; `0::/x` gives the key `""`. A line
 * with fewer than two colons fails with
 * `invalid cgroup entry: must contain at least two colons: <line>`.
 */
export const parseV1 = (content: string | Uint8Array): Either.Either<ReadonlyMap<string, string>, CgroupError> => {
  const out = new Map<string, string>()
  for (const line of scanLines(content)) {
    const parts = splitFields(line)
    if (parts.length < 3) {
      return Either.left(new CgroupError({ message: `invalid cgroup entry: must contain at least two colons: ${line}` }))
    }
    for (const controller of parts[1]!.split(",")) out.set(controller, parts[2]!)
  }
  return Either.right(out)
}

/**
 * fs2's `parseCgroupFromReader`: the path of the first `0::<path>` line.
 * A malformed line fails with `invalid cgroup entry: "<line>"`, a file
 * without such a line with `cgroup path not found`.
 */
export const parseV2 = (content: string | Uint8Array): Either.Either<string, CgroupError> => {
  for (const line of scanLines(content)) {
    const parts = splitFields(line)
    if (parts.length < 3) {
      return Either.left(new CgroupError({ message: `invalid cgroup entry: ${Strconv.quote(line)}` }))
    }
    if (parts[0] === "0" && parts[1] === "") return Either.right(parts[2]!)
  }
  return Either.left(new CgroupError({ message: "cgroup path not found" }))
}
