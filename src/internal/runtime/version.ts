/**
 * What `<runtime> --version` prints, read into a typed version, and the
 * runtimes and major versions this library drives.
 *
 * - runc: `runc version 1.1.5+ds1`, then `commit: …`, `spec: 1.0.2-dev`,
 *   `go: go1.19.8`, `libseccomp: 2.5.4` (`main.go`);
 * - crun: `crun version 1.8.1`, then `commit: …`, `rundir: /run/crun`,
 *   `spec: 1.0.0`, and a line of `+FEATURE`s;
 * - youki: `youki version 0.3.3` (before 0.5.5) or `youki version: 0.5.5`,
 *   then `commit: 0.5.5-<sha>` and, in newer ones, `spec: …`.
 */
import * as Either from "effect/Either"
import { RuntimeVersionUnknown, RuntimeVersionUnsupported } from "./errors.js"

/** A runtime's version. */
export interface RuntimeVersion {
  /** The runtime's own name for itself: `runc`, `crun`, `youki`, … */
  readonly runtime: string
  readonly major: number
  readonly minor: number
  readonly patch: number
  /** Whatever follows `major.minor.patch`: `+ds1`, `-rc.1`, `+dev`. */
  readonly suffix: string
  /** The version as printed. */
  readonly text: string
  /** The `key: value` lines after the first (`commit`, `spec`, `go`, …). */
  readonly details: Readonly<Record<string, string>>
  /** crun's `+FEATURE`/`-FEATURE` words. */
  readonly features: ReadonlyArray<string>
}

const firstLine = /^(\S+) version:? (\S+)\s*$/
const numbers = /^v?(\d+)\.(\d+)(?:\.(\d+))?(.*)$/

/** Reads `--version` output; `binary` names the program in the error. */
export const parseVersion = (binary: string, output: string): Either.Either<RuntimeVersion, RuntimeVersionUnknown> => {
  const lines = output.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "")
  const head = firstLine.exec(lines[0] ?? "")
  const parts = head === null ? null : numbers.exec(head[2]!)
  if (head === null || parts === null) return Either.left(new RuntimeVersionUnknown({ binary, output }))
  const details: Record<string, string> = {}
  const features: Array<string> = []
  for (const line of lines.slice(1)) {
    const kv = /^([A-Za-z][\w-]*): (.*)$/.exec(line)
    if (kv !== null) {
      if (!Object.prototype.hasOwnProperty.call(details, kv[1]!)) details[kv[1]!] = kv[2]!
    } else if (/^[+-][A-Z]/.test(line)) {
      features.push(...line.split(/\s+/))
    }
  }
  return Either.right({
    runtime: head[1]!,
    major: Number(parts[1]),
    minor: Number(parts[2]),
    patch: parts[3] === undefined ? 0 : Number(parts[3]),
    suffix: parts[4]!,
    text: head[2]!,
    details,
    features
  })
}

/**
 * The major versions driven, per runtime: runc 1 (its CLI and state.json
 * as of 1.1). The native half of the port — `Factory.load` after a create,
 * `start` through `exec.fifo`, pause, kill, delete — reads runc's
 * `<root>/<id>/state.json`.
 */
export const supportedMajors: Readonly<Record<string, ReadonlyArray<number>>> = {
  runc: [1]
}

/**
 * Runtimes that speak runc's command line but keep their containers' state
 * in a format of their own, which the native half cannot load: a container
 * they create would be one this library cannot start, inspect or delete.
 */
export const foreignState: Readonly<Record<string, string>> = {
  crun: "crun keeps container state in its own format (<root>/<id>/status), not runc's state.json",
  youki: "youki keeps container state in its own format (<root>/<id>/state.json with youki's fields), not runc's"
}

const describeSupported = (): string =>
  Object.entries(supportedMajors).map(([name, majors]) => `${name} ${majors.map((m) => `${m}.x`).join("/")}`).join(", ")

const own = (record: Readonly<Record<string, unknown>>, key: string): boolean => Object.prototype.hasOwnProperty.call(record, key)

/** Refuses a runtime we do not know or drive, or a major version we do not drive; with the reason where we know one. */
export const checkSupported = (version: RuntimeVersion): Either.Either<RuntimeVersion, RuntimeVersionUnsupported> => {
  const majors = own(supportedMajors, version.runtime) ? supportedMajors[version.runtime]! : []
  if (majors.includes(version.major)) return Either.right(version)
  return Either.left(
    new RuntimeVersionUnsupported({
      runtime: version.runtime,
      version: version.text,
      supported: describeSupported(),
      ...(own(foreignState, version.runtime) ? { reason: foreignState[version.runtime]! } : {})
    })
  )
}
