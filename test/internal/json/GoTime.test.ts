/**
 * state.json's `created` against Go 1.19's own table
 * (`test/fixtures/go1.19/time.json`, made by `scripts/go-fixtures`): every
 * row decodes to Go's error text or to the time Go writes back, through
 * `State.decodeJson` and `State.encodeJson` as a state.json is read and
 * written; properties of the parser and formatter beyond the table.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import { JsonDecodeError } from "../../../src/ContainerError.js"
import { canonicalTime, isMarshaledTime } from "../../../src/internal/json/GoSchema.js"
import * as GoTime from "../../../src/internal/json/GoTime.js"
import * as State from "../../../src/State.js"

interface Row {
  readonly value?: string
  readonly document?: string
  readonly error: string | null
  readonly marshaled: string | null
  readonly marshalError?: string
}

const fixture = JSON.parse(readFileSync(new URL("../../fixtures/go1.19/time.json", import.meta.url), "utf8")) as {
  readonly go: string
  readonly rows: ReadonlyArray<Row>
}

const documentOf = (row: Row): string => row.document ?? `{"created":${row.value}}`

describe("time.Time against Go 1.19's table", () => {
  it("the table is Go 1.19.8's (runc 1.1.5's Go) and large", () => {
    expect(fixture.go).toBe("go1.19.8")
    expect(fixture.rows.length).toBeGreaterThan(2000)
    expect(fixture.rows.filter((r) => r.error === null).length).toBeGreaterThan(500)
    // MarshalJSON cannot fail on a time Parse made: its year is always 0000–9999
    expect(fixture.rows.filter((r) => r.marshalError !== undefined)).toEqual([])
  })

  it("every row: State.decodeJson gives Go's error text, or the time Go writes back, and encodeJson writes it", () => {
    const mismatches: Array<string> = []
    for (const row of fixture.rows) {
      const document = documentOf(row)
      const decoded = State.decodeJson(document)
      if (row.error !== null) {
        const reason = Either.isLeft(decoded) ? decoded.left.reason : `accepted as ${decoded.right.created}`
        if (reason !== row.error) mismatches.push(`${document}\n  go:   ${row.error}\n  ours: ${reason}`)
        if (Either.isLeft(decoded)) expect(decoded.left).toBeInstanceOf(JsonDecodeError)
        continue
      }
      if (Either.isLeft(decoded)) {
        mismatches.push(`${document}\n  go:   ${row.marshaled}\n  ours: ${decoded.left.reason}`)
        continue
      }
      const written = `"created":${row.marshaled}`
      const encoded = Either.getOrThrow(State.encodeJson(decoded.right))
      if (JSON.stringify(decoded.right.created) !== row.marshaled || !encoded.includes(written)) {
        mismatches.push(`${document}\n  go:   ${row.marshaled}\n  ours: ${JSON.stringify(decoded.right.created)}`)
      }
    }
    expect(mismatches.slice(0, 10).join("\n")).toBe("")
    expect(mismatches.length).toBe(0)
  })

  it("the issue's case: a comma before the fraction is read, and written back with a period", () => {
    const state = Either.getOrThrow(State.decodeJson(`{"created":"2026-11-29T10:48:00,5Z"}`))
    expect(state.created).toBe("2026-11-29T10:48:00.5Z")
  })

  it("an escape inside the string fails as in Go, which parses the raw JSON text", () => {
    const e = Either.getOrThrow(Either.flip(State.decodeJson(`{"created":"2026-11-29T10:48:00\\u002e5Z"}`)))
    expect(e.field).toBe("created")
    expect(e.message).toBe(
      `parsing time "\\"2026-11-29T10:48:00\\\\u002e5Z\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "\\\\u002e5Z\\"" as "Z07:00"`
    )
  })

  it("Go's error wins over a type mismatch before it, and over one after it", () => {
    const time = `parsing time "\\"x\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "x\\"" as "2006"`
    for (const document of [`{"id":5,"created":"x"}`, `{"created":"x","rootless":"yes"}`]) {
      expect(Either.getOrThrow(Either.flip(State.decodeJson(document))).message).toBe(time)
    }
  })
})

/** Times as `MarshalJSON` writes them: real dates, any nanoseconds, offsets of whole minutes under 100 hours. */
const canonicalTimes: FastCheck.Arbitrary<string> = FastCheck.record({
  year: FastCheck.integer({ min: 0, max: 9999 }),
  month: FastCheck.integer({ min: 1, max: 12 }),
  day: FastCheck.integer({ min: 1, max: 31 }),
  hour: FastCheck.integer({ min: 0, max: 23 }),
  minute: FastCheck.integer({ min: 0, max: 59 }),
  second: FastCheck.integer({ min: 0, max: 59 }),
  nanos: FastCheck.oneof(FastCheck.constant(0), FastCheck.integer({ min: 0, max: 999_999_999 })),
  offset: FastCheck.oneof(FastCheck.constant(0), FastCheck.integer({ min: -(99 * 60 + 59), max: 99 * 60 + 59 }))
}).map((t) => {
  const f = GoTime.format({ ...t, offset: t.offset * 60 })
  return f._tag === "Formatted" ? f.text : ""
}).filter(isMarshaledTime)

/** Text near the RFC 3339 shape: a well-formed time with a few characters replaced, inserted or removed. */
const nearTimes = FastCheck.tuple(
  canonicalTimes,
  FastCheck.array(
    FastCheck.tuple(
      FastCheck.nat(),
      FastCheck.constantFrom("replace", "insert", "delete"),
      FastCheck.constantFrom(...",.:-+TZtz 0159e\"\\é\u0000")
    ),
    { maxLength: 3 }
  )
).map(([text, edits]) => {
  let s = text
  for (const [at, how, c] of edits) {
    const i = s.length === 0 ? 0 : at % s.length
    s = how === "replace" ? s.slice(0, i) + c + s.slice(i + 1) : how === "insert" ? s.slice(0, i) + c + s.slice(i) : s.slice(0, i) + s.slice(i + 1)
  }
  return s
})

describe("time.Time properties", () => {
  it.prop("format then parse gives the same time back (offsets under 100 hours)", [canonicalTimes], ([text]) => {
    const parsed = GoTime.parse(`"${text}"`)
    expect(parsed._tag).toBe("Parsed")
    if (parsed._tag === "Parsed") expect(GoTime.format(parsed.time)).toEqual({ _tag: "Formatted", text })
    expect(canonicalTime(text)).toBe(text)
  })

  it.prop("whatever is accepted is written as MarshalJSON writes, and reading that again changes nothing", [nearTimes], ([s]) => {
    const c = canonicalTime(s)
    if (c === undefined) return
    expect(isMarshaledTime(c)).toBe(true)
    const hours = /([+-])(\d+):\d\d$/.exec(c)
    if (hours === null || Number(hours[2]) < 100) expect(canonicalTime(c)).toBe(c)
  })

  it.prop("a comma stands for the decimal point", [nearTimes], ([s]) => {
    const m = /^(.*T\d+:\d\d:\d\d)\.(\d.*)$/.exec(s)
    if (m === null) return
    expect(canonicalTime(`${m[1]},${m[2]}`)).toBe(canonicalTime(s))
  })

  it.prop("a refusal is Go's ParseError text for the raw value; a plain string and its JSON literal agree", [nearTimes], ([s]) => {
    const raw = JSON.stringify(s)
    const r = GoTime.unmarshal(raw)
    const decoded = State.decodeJson(`{"created":${raw}}`)
    if (r._tag === "Failed") {
      expect(r.message.startsWith(`parsing time ${GoTime.quote(Buffer.from(raw).toString("latin1"))}`)).toBe(true)
      expect(Either.getOrThrow(Either.flip(decoded)).message).toBe(r.message)
    } else {
      expect(r._tag).toBe("Time")
      expect(Either.getOrThrow(decoded).created).toBe(r._tag === "Time" ? r.text : "")
      if (raw === `"${s}"`) expect(canonicalTime(s)).toBe(r._tag === "Time" ? r.text : "")
    }
  }, { fastCheck: { numRuns: 500 } })

  it.prop("UnmarshalJSON's answer without parsing (a UTC time as MarshalJSON writes it) is the parsed one", [
    FastCheck.oneof(canonicalTimes, nearTimes, canonicalTimes.map((t) => t.replace(/[+-]\d+:\d\d$/, "Z")))
  ], ([s]) => {
    const raw = `"${s}"`
    expect(GoTime.unmarshal(raw)).toEqual(GoTime.unmarshalParsed(raw))
  }, { fastCheck: { numRuns: 2000 } })

  it("UnmarshalJSON of UTC times at the edges of their fields, as Go reads them", () => {
    const cases: ReadonlyArray<readonly [string, string | undefined]> = [
      ["2024-02-29T23:59:59.999999999Z", "2024-02-29T23:59:59.999999999Z"],
      ["2023-02-29T00:00:00Z", undefined],
      ["1900-02-29T00:00:00Z", undefined],
      ["2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z"],
      ["0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"],
      ["2026-13-01T00:00:00Z", undefined],
      ["2026-00-01T00:00:00Z", undefined],
      ["2026-04-31T00:00:00Z", undefined],
      ["2026-01-01T24:00:00Z", undefined],
      ["2026-01-01T00:60:00Z", undefined],
      ["2026-01-01T00:00:60Z", undefined],
      ["2026-01-01T00:00:00.10Z", "2026-01-01T00:00:00.1Z"],
      ["2026-01-01T00:00:00.0000000001Z", "2026-01-01T00:00:00Z"]
    ]
    for (const [text, written] of cases) {
      const r = GoTime.unmarshal(`"${text}"`)
      expect(r, text).toEqual(written === undefined ? GoTime.unmarshalParsed(`"${text}"`) : { _tag: "Time", text: written })
      if (written === undefined) expect(r._tag, text).toBe("Failed")
    }
  })

  it.prop("any text whatever: a typed answer, never a throw", [FastCheck.string({ unit: "binary", maxLength: 60 })], ([s]) => {
    const r = GoTime.unmarshal(s)
    expect(["Time", "Null", "Failed"]).toContain(r._tag)
  })

  it("the schema refuses to write what MarshalJSON could not have written", () => {
    for (const text of ["2026-11-29T10:48:00.50Z", "2026-11-29T10:48:00+00:00", "2026-02-30T00:00:00Z", "2026-11-29T10:48:00,5Z"]) {
      expect(Either.isLeft(State.encodeJson(State.make({ created: text }))), text).toBe(true)
    }
    // an offset Go read as +99:99 is written back as +100:39, and must be writable again
    expect(Either.getOrThrow(State.encodeJson(State.make({ created: "2026-11-29T10:48:00+100:39" }))))
      .toContain(`"created":"2026-11-29T10:48:00+100:39"`)
  })
})
