/**
 * Test support for the stat parsers: a {@link StatReader} over an in-memory
 * cgroup (fixture files keyed by path), and the fixture tables under
 * test/fixtures/cgroup-stats with runc 1.1.5's own answers for them
 * (golden.json, made by scripts/runc-golden.sh).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { StatReader } from "../../../../src/internal/cgroups/stats/reader.js"

/** A failed read, worded as Go's `*os.PathError` for `open`. */
export class FixtureReadError extends Data.TaggedError("FixtureReadError")<{
  readonly path: string
  readonly code: string
}> {
  override get message(): string {
    const text: Record<string, string> = {
      ENOENT: "no such file or directory",
      ENOTSUP: "operation not supported",
      EACCES: "permission denied",
      EIO: "input/output error"
    }
    return `open ${this.path}: ${text[this.code] ?? this.code}`
  }
}

/** Where fixture cgroups live, as runc's golden error texts name it. */
export const fixtureRoot = "/fixture"

/** A file's content in the fixture tables: text, or parts with `[text, count]` repetitions. */
export type FixtureContent = string | ReadonlyArray<string | readonly [string, number]>

/** The text of a fixture file. */
export const contentOf = (content: FixtureContent): string =>
  typeof content === "string"
    ? content
    : content.map((part) => (typeof part === "string" ? part : part[0].repeat(part[1]))).join("")

/** Reads of a fixture cgroup, in order: what runc would have opened. */
export interface RecordingReader extends StatReader<FixtureReadError> {
  readonly reads: Array<string>
}

/**
 * A reader over `files` (absolute paths). Directories exist when listed in
 * `dirs` or when a file lies in them; `failures` makes a read fail with the
 * errno given.
 */
export const fixtureReader = (
  files: Readonly<Record<string, string>>,
  dirs: ReadonlyArray<string> = [],
  failures: Readonly<Record<string, string>> = {}
): RecordingReader => {
  const existing = new Set(dirs)
  for (const path of Object.keys(files)) existing.add(path.slice(0, path.lastIndexOf("/")))
  const reads: Array<string> = []
  return {
    reads,
    read: (dir, file) =>
      Effect.suspend(() => {
        const path = `${dir}/${file}`
        reads.push(path)
        const code = failures[path]
        if (code !== undefined) return Effect.fail(new FixtureReadError({ path, code }))
        const content = Object.prototype.hasOwnProperty.call(files, path) ? files[path] : undefined
        return content === undefined ? Effect.fail(new FixtureReadError({ path, code: "ENOENT" })) : Effect.succeed(content)
      }),
    exists: (path) => Effect.sync(() => existing.has(path) || Object.prototype.hasOwnProperty.call(files, path)),
    errno: (error) => error.code
  }
}

/** A stat case of cases.json / host.json. */
export interface StatsCase {
  readonly name: string
  readonly driver: "v1" | "v2"
  readonly dirs: ReadonlyArray<string>
  readonly missing?: ReadonlyArray<string>
  readonly files: Readonly<Record<string, FixtureContent>>
  readonly rootless?: boolean
  readonly runcId?: string
  readonly runcEvent?: string
}

/** runc's answer for a stat case. */
export interface StatsGolden {
  readonly name: string
  readonly error: string | null
  readonly nil: boolean
  readonly numa?: unknown
  readonly rdma?: unknown
  readonly event?: string
}

const dir = join(import.meta.dirname, "..", "..", "..", "fixtures", "cgroup-stats")

/** Reads a fixture table as text (numbers beyond 2^53 are kept by the callers that need them). */
export const fixtureText = (name: string): string => readFileSync(join(dir, name), "utf8")

/** The stat cases: hand-written (cases.json) and captured on a real host (host.json). */
export const statsCases: ReadonlyArray<StatsCase> = [
  ...(JSON.parse(fixtureText("cases.json")) as ReadonlyArray<StatsCase>),
  ...(JSON.parse(fixtureText("host.json")) as ReadonlyArray<StatsCase>)
]

/** runc's answers. */
export const golden = JSON.parse(fixtureText("golden.json")) as {
  readonly hugePageSizes: ReadonlyArray<string>
  readonly stats: ReadonlyArray<StatsGolden>
  readonly ramInBytes: ReadonlyArray<{ readonly value: string; readonly error: string | null }>
  readonly parseUint: ReadonlyArray<{ readonly value: string; readonly error: string | null }>
  readonly resources: ReadonlyArray<Record<string, unknown>>
  readonly shares: ReadonlyArray<string>
  readonly weights: ReadonlyArray<string>
  readonly swaps: ReadonlyArray<{ readonly value: string; readonly error: string | null }>
}

/** The files of a case as absolute paths under {@link fixtureRoot}. */
export const caseFiles = (c: StatsCase): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, content] of Object.entries(c.files)) out[`${fixtureRoot}/${name}`] = contentOf(content)
  return out
}
