/**
 * Inputs whose size would grow the call stack of a recursive or spreading
 * implementation: 100,000-deep nesting and 200,000-element arrays, through
 * the parser, the writers and the state.json / config.json decoders. Each
 * gives its answer or a typed error — never a RangeError.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Config from "../../../src/Config.js"
import { JsonDecodeError } from "../../../src/ContainerError.js"
import { type EncodableValue, parseJson, stringify, stringifyIndent } from "../../../src/internal/json/GoJson.js"
import * as State from "../../../src/State.js"

const deepArrays = (depth: number): string => "[".repeat(depth) + "]".repeat(depth)
const deepObjects = (depth: number): string => `{"a":`.repeat(depth) + "1" + "}".repeat(depth)

/** A value nested `depth` levels deep, built without recursion. */
const nested = (depth: number, kind: "array" | "object"): EncodableValue => {
  let v: EncodableValue = 1
  for (let i = 0; i < depth; i++) v = kind === "array" ? [v] : { a: v }
  return v
}

describe("nesting", () => {
  it("100,000 levels: Go's max-depth error from the parser, and a typed error from State and Config", () => {
    for (const text of [deepArrays(100_000), deepObjects(100_000), `{"x":${deepArrays(100_000)}}`]) {
      const parsed = parseJson(text)
      expect(Either.isLeft(parsed) && parsed.left.reason).toMatch(/^invalid character '[[{]' exceeded max depth$/)
      for (const e of [Either.getOrThrow(Either.flip(State.decodeJson(text))), Either.getOrThrow(Either.flip(Config.decodeJson(text)))]) {
        expect(e).toBeInstanceOf(JsonDecodeError)
        expect(e.message).toMatch(/exceeded max depth$/)
      }
    }
  })

  it("10,000 levels, the document's own object included, under keys runc ignores: read, as runc reads it", () => {
    const text = `{"id":"x","ignored":${deepArrays(9_999)},"also":${deepObjects(9_999)},"created":"2026-11-29T10:48:00,5Z"}`
    const state = Either.getOrThrow(State.decodeJson(text))
    expect(state.id).toBe("x")
    expect(state.created).toBe("2026-11-29T10:48:00.5Z")
  })

  it("the writers take any depth: 100,000 levels of arrays and of objects", () => {
    for (const kind of ["array", "object"] as const) {
      const v = nested(100_000, kind)
      const compact = stringify(v)
      expect(compact).toBe(kind === "array" ? deepArrays(100_000).replace("[]", "[1]") : deepObjects(100_000))
      // without an indent (the margins alone would grow with the square of the depth)
      const lines = stringifyIndent(v, "").split("\n")
      expect(lines).toHaveLength(2 * 100_000 + 1)
      expect(lines.at(-1)).toBe(kind === "array" ? "]" : "}")
    }
    const indented = stringifyIndent(nested(2_000, "object")).split("\n")
    expect(indented[2_000]).toBe(`${"  ".repeat(2_000)}"a": 1`)
  })

  it("parse then write: a document at Go's limit comes back as it went in", () => {
    for (const text of [deepArrays(10_000), deepObjects(10_000)]) {
      expect(stringify(Either.getOrThrow(parseJson(text)))).toBe(text)
    }
  })
})

describe("width", () => {
  const n = 200_000

  it("200,000-element arrays parse and write back", () => {
    const text = "[" + Array.from({ length: n }, (_, i) => String(i)).join(",") + "]"
    const parsed = Either.getOrThrow(parseJson(text))
    expect((parsed as ReadonlyArray<unknown>).length).toBe(n)
    expect(stringify(parsed)).toBe(text)
    expect(stringifyIndent(parsed).split("\n")).toHaveLength(n + 2)
  })

  it("a state.json with 200,000 external descriptors and a 200,000-key ignored object round-trips", () => {
    const descriptors = Array.from({ length: n }, (_, i) => `/dev/fd/${i}`)
    const ignored = "{" + Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",") + "}"
    const text = `{"id":"wide","external_descriptors":${JSON.stringify(descriptors)},"ignored":${ignored}}`
    const state = Either.getOrThrow(State.decodeJson(text))
    expect(state.external_descriptors).toEqual(descriptors)
    const again = Either.getOrThrow(State.decodeJson(Either.getOrThrow(State.encodeJson(state))))
    expect(again.external_descriptors).toHaveLength(n)
  })

  it("a 200,000-character string and a 200,000-digit number", () => {
    const long = "x".repeat(n)
    expect(Either.getOrThrow(parseJson(JSON.stringify(long)))).toBe(long)
    const digits = "9".repeat(n)
    expect(stringify(Either.getOrThrow(parseJson(digits)))).toBe(digits)
  })
})

/** JSON values whose strings need no escaping that Go and JSON.stringify would write differently. */
const plainJson = FastCheck.letrec((tie) => ({
  value: FastCheck.oneof(
    { depthSize: "small", withCrossShrink: true },
    FastCheck.constant(null),
    FastCheck.boolean(),
    FastCheck.integer(),
    FastCheck.stringMatching(/^[a-z0-9 ]{0,8}$/),
    FastCheck.array(tie("value"), { maxLength: 4 }),
    FastCheck.dictionary(FastCheck.stringMatching(/^[a-z]{1,4}$/), tie("value"), { maxKeys: 4 })
  )
})).value as FastCheck.Arbitrary<EncodableValue>

describe("the writers against JSON.stringify", () => {
  it.prop("compact: the same text", [plainJson], ([v]) => {
    expect(stringify(v)).toBe(JSON.stringify(v))
  })

  it.prop("indented: the same text as JSON.stringify(v, null, 2), and with a prefix as Go's MarshalIndent", [plainJson], ([v]) => {
    expect(stringifyIndent(v)).toBe(JSON.stringify(v, null, 2))
    expect(stringifyIndent(v, "\t", ">")).toBe(JSON.stringify(v, null, "\t").replace(/\n/g, "\n>"))
  })
})
