/**
 * The file access the stat parsers need, as an interface the caller
 * implements (on cgroupfs, on the simulated host, or over fixtures), and
 * fscommon's helpers on top of it: `GetCgroupParamUint`, `GetCgroupParamInt`,
 * `GetValueByKey`, `ParseKeyValue`
 * (`libcontainer/cgroups/fscommon/utils.go`).
 *
 * The parsers take whole file contents as strings and are linear in their
 * size; the reader must bound its reads (see {@link maxStatFileSize}).
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { CgroupParseError, type StatFailure } from "./errors.js"
import { parseUintClamped, parseUintError, splitN, trimSpace } from "./goText.js"
import * as Strconv from "../../strconv.js"

/**
 * The largest stat file a reader should return, in bytes. Every file runc's
 * stat code reads is a few KiB on real hosts (`memory.stat` ≈ 1 KiB,
 * `io.stat` ≈ 100 bytes a device); `cgroup.procs`, which v2 counts when
 * `pids.current` is absent, holds one line per process (≈ 8 bytes each), so
 * 4 MiB covers half a million processes. A reader that finds a longer file
 * should fail (with an error its {@link StatReader.errno} does not call
 * `ENOENT`) rather than return it.
 */
export const maxStatFileSize = 4 * 1024 * 1024

/**
 * What the stat parsers read through. `E` is the reader's failure; the
 * parsers never inspect it beyond {@link errno} (runc's `os.IsNotExist` and
 * `errors.Is(err, unix.ENOTSUP)` tests) and its `message` (for fs2's
 * aggregate error text).
 */
export interface StatReader<E extends { readonly message: string }> {
  /** runc's `cgroups.ReadFile(dir, file)`: the whole file, bounded by the reader. */
  readonly read: (dir: string, file: string) => Effect.Effect<string, E>
  /** runc's `cgroups.PathExists(path)`: whether `stat(path)` succeeds. */
  readonly exists: (path: string) => Effect.Effect<boolean>
  /** The errno name behind a failed read (`ENOENT`, `ENOTSUP`, …), or `undefined` when it is not a system error. */
  readonly errno: (error: E) => string | undefined
}

/** Go's `os.IsNotExist` on a reader failure: ENOENT. */
export const isNotExist = <E extends { readonly message: string }>(reader: StatReader<E>, error: StatFailure<E>): boolean =>
  !isOwnFailure(error) && reader.errno(error as E) === "ENOENT"

const isOwnFailure = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "_tag" in error &&
  (error._tag === "CgroupParseError" || error._tag === "CgroupScanError")

/** `math.MaxUint64`: what a `max` file reads as. */
export const maxUint64 = (1n << 64n) - 1n

/** `math.MaxInt64`. */
export const maxInt64 = (1n << 63n) - 1n

/**
 * The value of a single-number file as `GetCgroupParamUint` reads it:
 * whitespace trimmed, `max` is 2^64−1, negative numbers are 0.
 */
export const paramUint = (path: string, file: string, content: string): Either.Either<bigint, CgroupParseError> => {
  const trimmed = trimSpace(content)
  if (trimmed === "max") return Either.right(maxUint64)
  const parsed = parseUintClamped(trimmed)
  return parsed._tag === "Ok"
    ? Either.right(parsed.value)
    : Either.left(new CgroupParseError({ path, file, reason: parseUintError(trimmed, parsed.kind) }))
}

/** The value of a single-number file as `GetCgroupParamInt` reads it: `max` is 2^63−1. */
export const paramInt = (path: string, file: string, content: string): Either.Either<bigint, CgroupParseError> => {
  const trimmed = trimSpace(content)
  if (trimmed === "max") return Either.right(maxInt64)
  const parsed = Strconv.parseInt(trimmed)
  return parsed._tag === "Ok"
    ? Either.right(parsed.value)
    : Either.left(new CgroupParseError({ path, file, reason: Strconv.numErrorText("ParseInt", trimmed, parsed.kind) }))
}

/**
 * `GetValueByKey` over a file's content: the value of the first line that
 * is exactly `<key> <value>` (one space), 0 when there is none.
 */
export const valueByKey = (
  path: string,
  file: string,
  content: string,
  key: string
): Either.Either<bigint, CgroupParseError> => {
  for (const line of content.split("\n")) {
    const parts = line.split(" ")
    if (parts.length === 2 && parts[0] === key) {
      const parsed = parseUintClamped(parts[1]!)
      return parsed._tag === "Ok"
        ? Either.right(parsed.value)
        : Either.left(new CgroupParseError({ path, file, reason: parseUintError(parts[1]!, parsed.kind) }))
    }
  }
  return Either.right(0n)
}

/**
 * `ParseKeyValue(line)`: `<key> <value>` split on the first space. Fails
 * with the bare reason (callers wrap it in a {@link CgroupParseError}):
 * `line "…" is not in key value format` or the number's `strconv` error.
 */
export const keyValue = (line: string): Either.Either<readonly [string, bigint], string> => {
  const parts = splitN(line, " ", 3)
  if (parts.length !== 2) return Either.left(`line ${Strconv.quote(line)} is not in key value format`)
  const parsed = parseUintClamped(parts[1]!)
  return parsed._tag === "Ok"
    ? Either.right([parts[0]!, parsed.value] as const)
    : Either.left(parseUintError(parts[1]!, parsed.kind))
}

/** `GetCgroupParamUint(dir, file)`. */
export const readParamUint = <E extends { readonly message: string }>(
  reader: StatReader<E>,
  dir: string,
  file: string
): Effect.Effect<bigint, E | CgroupParseError> =>
  Effect.flatMap(reader.read(dir, file), (content) => paramUint(dir, file, content))

/** `GetCgroupParamInt(dir, file)`. */
export const readParamInt = <E extends { readonly message: string }>(
  reader: StatReader<E>,
  dir: string,
  file: string
): Effect.Effect<bigint, E | CgroupParseError> =>
  Effect.flatMap(reader.read(dir, file), (content) => paramInt(dir, file, content))

/** `GetValueByKey(dir, file, key)`. */
export const readValueByKey = <E extends { readonly message: string }>(
  reader: StatReader<E>,
  dir: string,
  file: string,
  key: string
): Effect.Effect<bigint, E | CgroupParseError> =>
  Effect.flatMap(reader.read(dir, file), (content) => valueByKey(dir, file, content, key))
