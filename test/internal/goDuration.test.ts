/**
 * Go's `time.ParseDuration` (runc's `--interval`): every row of Go 1.19.8's
 * own answers (test/fixtures/go1.19/duration.json, made by
 * `scripts/go-fixtures`: Go's test table and 600 random strings over the
 * duration alphabet), nanoseconds and error texts alike.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { checkDuration, checkInt } from "../../src/cli/flagset.js"
import { parseDuration } from "../../src/internal/goDuration.js"

interface Row {
  readonly input: string
  readonly nanos: string | null
  readonly error: string | null
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/go1.19/duration.json"), "utf8")) as {
  readonly go: string
  readonly rows: ReadonlyArray<Row>
}

describe("time.ParseDuration", () => {
  it("was recorded with runc 1.1.5's Go", () => {
    expect(fixture.go).toBe("go1.19.8")
    expect(fixture.rows.length).toBeGreaterThan(400)
  })

  it("gives Go's nanoseconds or Go's error for every row", () => {
    // a row whose input held invalid UTF-8 reached JSON as U+FFFD: Go parsed other bytes than we can
    for (const row of fixture.rows.filter((r) => !r.input.includes("\ufffd"))) {
      const parsed = parseDuration(row.input)
      const ours = parsed._tag === "Ok" ? { nanos: parsed.nanos.toString(), error: null } : { nanos: null, error: parsed.message }
      expect(ours, JSON.stringify(row.input)).toEqual({ nanos: row.nanos, error: row.error })
    }
  })
})

describe("the flag checks of `events --interval` and `update --pids-limit`", () => {
  it("refuse what Go's flag package refuses, with its reasons", () => {
    expect([checkDuration("5s"), checkDuration("-1s"), checkDuration("5"), checkDuration("")]).toEqual([
      undefined,
      undefined,
      "parse error",
      "parse error"
    ])
    expect([checkInt("0x20"), checkInt("-0o7"), checkInt("1_000"), checkInt("x"), checkInt("9223372036854775808")]).toEqual([
      undefined,
      undefined,
      undefined,
      "parse error",
      "value out of range"
    ])
  })
})
