import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { JsonNumber, parseJson, quote, stringify, stringifyIndent } from "../../../src/internal/json/GoJson.js"
import { canonicalTime } from "../../../src/internal/json/GoSchema.js"

const parsed = (text: string) => Either.getOrThrow(parseJson(text))
const reason = (text: string) => Either.flip(parseJson(text)).pipe(Either.getOrThrow).reason

describe("parseJson", () => {
  it("keeps every number's literal text", () => {
    const v = parsed(`{"a":18446744073709551615,"b":-1,"c":1.50}`) as Record<string, JsonNumber>
    expect(v["a"]).toEqual(new JsonNumber("18446744073709551615"))
    expect(v["b"]?.literal).toBe("-1")
    expect(v["c"]?.literal).toBe("1.50")
  })

  it("reads only the first value, as Go's Decoder does", () => {
    expect(parsed(`{"a":"x"} trailing garbage {`)).toEqual({ a: "x" })
    expect(parsed(`  [1] ]`)).toEqual([new JsonNumber("1")])
  })

  it("keeps the last of duplicate keys", () => {
    expect(parsed(`{"a":1,"a":2}`)).toEqual({ a: new JsonNumber("2") })
  })

  it("reports Go's EOF texts", () => {
    expect(reason("")).toBe("EOF")
    expect(reason(" \n\t")).toBe("EOF")
    expect(reason(`{"id":"x"`)).toBe("unexpected EOF")
    expect(reason(`{"id":`)).toBe("unexpected EOF")
    expect(reason(`{"id":"unterminated`)).toBe("unexpected EOF")
    expect(reason(`[1,2`)).toBe("unexpected EOF")
  })

  it("reports syntax errors with their position", () => {
    expect(reason(`{bad}`)).toMatch(/position 1/)
    expect(reason(`{"a":tru}`)).toMatch(/position/)
  })

  it("refuses nesting deeper than Go's limit without overflowing the stack", () => {
    expect(reason("[".repeat(200_000))).toBe("exceeded max depth")
    expect(reason("[".repeat(1001) + "]".repeat(1001))).toBe("exceeded max depth")
    expect(Either.isRight(parseJson("[".repeat(1000) + "]".repeat(1000)))).toBe(true)
    expect(Either.isRight(parseJson(`{"a":`.repeat(1000) + "1" + "}".repeat(1000)))).toBe(true)
  })

  it("replaces lone surrogate escapes with U+FFFD, as Go does", () => {
    expect(parsed(`"a\\ud800b"`)).toBe("a\uFFFDb")
    expect(parsed(`{"\\udc00":"\\ud83d\\ude00"}`)).toEqual({ "\uFFFD": "😀" })
  })

  it("keeps a __proto__ key as data", () => {
    const v = parsed(`{"__proto__":{"x":1}}`) as object
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(Object.keys(v)).toEqual(["__proto__"])
  })

  it.prop("never throws on any text", [FastCheck.string({ unit: "binary", maxLength: 64 })], ([s]) => {
    const r = parseJson(s)
    expect(Either.isLeft(r) || Either.isRight(r)).toBe(true)
  })

  it.prop("round-trips any JSON value through stringify", [FastCheck.jsonValue({ maxDepth: 4 })], ([v]) => {
    const text = JSON.stringify(v)
    const again = stringify(parsed(text))
    expect(JSON.parse(again)).toEqual(JSON.parse(text))
  })
})

describe("Go string escaping", () => {
  it("escapes HTML characters, line separators and control characters like Go", () => {
    expect(quote("/a<b>&")).toBe(`"/a\\u003cb\\u003e\\u0026"`)
    expect(quote("\u2028\u2029")).toBe(`"\\u2028\\u2029"`)
    expect(quote("\n\r\t\b\f\u0001\u001f\u007f")).toBe(`"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\u007f"`)
    expect(quote(`"\\`)).toBe(`"\\"\\\\"`)
    expect(quote("é😀")).toBe(`"é😀"`)
    expect(quote("a\ud800")).toBe(`"a\\ufffd"`)
  })

  it.prop("is valid JSON that reads back as the same string", [FastCheck.string({ unit: "grapheme", maxLength: 40 })], ([s]) => {
    expect(JSON.parse(quote(s))).toBe(s)
  })
})

describe("stringify", () => {
  it("writes compact JSON with bigints and literal numbers exact", () => {
    expect(stringify({ a: 18446744073709551615n, b: new JsonNumber("-0"), c: [true, null, "x"], d: 7 }))
      .toBe(`{"a":18446744073709551615,"b":-0,"c":[true,null,"x"],"d":7}`)
  })

  it("indents like json.MarshalIndent", () => {
    expect(stringifyIndent({ a: 1, b: [], c: {}, d: ["x"], e: { f: null } })).toBe(
      `{\n  "a": 1,\n  "b": [],\n  "c": {},\n  "d": [\n    "x"\n  ],\n  "e": {\n    "f": null\n  }\n}`
    )
  })
})

describe("time.Time text", () => {
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ["2026-11-29T10:07:59.89537064Z", "2026-11-29T10:07:59.89537064Z"],
    ["2026-11-29T10:07:59.895370640Z", "2026-11-29T10:07:59.89537064Z"],
    ["2026-11-29T10:07:59.000000000Z", "2026-11-29T10:07:59Z"],
    ["2026-11-29T10:07:59.1234567891Z", "2026-11-29T10:07:59.123456789Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"],
    ["2026-11-29T12:07:59+02:00", "2026-11-29T12:07:59+02:00"],
    ["2026-11-29T10:07:59+00:00", "2026-11-29T10:07:59Z"],
    ["2026-11-29T10:07:59-00:00", "2026-11-29T10:07:59Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"],
    ["2023-02-29T00:00:00Z", undefined],
    ["2026-13-01T00:00:00Z", undefined],
    ["2026-11-29T24:00:00Z", undefined],
    ["2026-11-29 10:07:59Z", undefined],
    ["2026-11-29T10:07:59", undefined],
    ["", undefined]
  ]
  for (const [input, output] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(output)}`, () => {
      expect(canonicalTime(input)).toBe(output)
    })
  }
})
