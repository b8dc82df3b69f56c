import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import * as Config from "../../../src/Config.js"
import { isUtf8 } from "node:buffer"
import { bytesOf } from "../../../scripts/go-fixtures/decode-corpus.js"
import {
  decodeUtf8,
  JsonNumber,
  JsonObject,
  type JsonValue,
  parseExact,
  parseJson,
  quote,
  setOwn,
  stringify,
  stringifyIndent
} from "../../../src/internal/json/GoJson.js"
import * as State from "../../../src/State.js"
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

  it("reports syntax errors in Go's words", () => {
    expect(reason(`{bad}`)).toBe("invalid character 'b' looking for beginning of object key string")
    expect(reason(`{"a":tru}`)).toBe("invalid character '}' in literal true (expecting 'e')")
  })

  it("accepts Go's nesting limit and refuses one more level, without overflowing the stack", () => {
    expect(reason("[".repeat(200_000))).toBe("invalid character '[' exceeded max depth")
    expect(reason("[".repeat(10_001) + "]".repeat(10_001))).toBe("invalid character '[' exceeded max depth")
    expect(reason(`{"a":`.repeat(100_000) + "1" + "}".repeat(100_000))).toBe("invalid character '{' exceeded max depth")
    expect(Either.isRight(parseJson("[".repeat(10_000) + "]".repeat(10_000)))).toBe(true)
    expect(Either.isRight(parseJson(`{"a":`.repeat(10_000) + "1" + "}".repeat(10_000)))).toBe(true)
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

describe("parseExact", () => {
  it("keeps every member in document order, duplicates included, with the raw text of each value", () => {
    const text = `{"a":1, "b" : [ 1 ,2 ], "a":{"x":"\\u0041"} }`
    const v = Either.getOrThrow(parseExact(text)) as JsonObject
    expect(v).toBeInstanceOf(JsonObject)
    expect(v.keys).toEqual(["a", "b", "a"])
    const raw = v.keys.map((_, i) => text.slice(v.spans[2 * i], v.spans[2 * i + 1]))
    expect(raw).toEqual(["1", "[ 1 ,2 ]", `{"x":"\\u0041"}`])
    expect((v.values[2] as JsonObject).values).toEqual(["A"])
  })

  it.prop("reads what parseJson reads, objects aside", [FastCheck.jsonValue({ maxDepth: 3 })], ([v]) => {
    const text = JSON.stringify(v)
    const plain = (x: unknown): unknown =>
      x instanceof JsonObject
        ? Object.fromEntries(x.keys.map((k, i) => [k, plain(x.values[i])]))
        : Array.isArray(x)
        ? x.map(plain)
        : x
    expect(stringify(plain(Either.getOrThrow(parseExact(text))) as JsonValue)).toBe(stringify(parsed(text)))
  })
})

describe("decodeUtf8 (bytes as Go reads them)", () => {
  it.prop("valid UTF-8 reads as Node reads it; any bytes can be recovered from the text", [FastCheck.uint8Array({ maxLength: 64 })], ([b]) => {
    const text = decodeUtf8(b)
    if (isUtf8(b)) expect(text).toBe(Buffer.from(b).toString("utf8"))
    expect(Buffer.from(bytesOf(text))).toEqual(Buffer.from(b))
  }, { fastCheck: { numRuns: 1000 } })

  it("each byte Go's decoder refuses is one character, as Go's U+FFFD per byte", () => {
    expect(decodeUtf8(Uint8Array.from([0x61, 0xe2, 0x82, 0x62, 0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80])))
      .toBe("a\udce2\udc82b\udcff\udcc0\udcaf\udced\udca0\udc80")
    expect(Either.getOrThrow(parseExact(decodeUtf8(Uint8Array.from([0x22, 0xe2, 0x82, 0x22])), true))).toBe("\ufffd\ufffd")
  })
})

interface SyntaxRow {
  readonly document: string
  readonly error: string | null
  readonly value: string | null
}
interface DepthRow {
  readonly open: string
  readonly middle: string
  readonly close: string
  readonly times: number
  readonly error: string | null
}
const syntax = JSON.parse(readFileSync(new URL("../../fixtures/go1.19/syntax.json", import.meta.url), "utf8")) as {
  readonly go: string
  readonly rows: ReadonlyArray<SyntaxRow>
  readonly depth: ReadonlyArray<DepthRow>
}

/** A parsed value as Go's `interface{}` holds it and `json.Marshal` sorts it: numbers as float64, keys sorted. */
const asGo = (v: JsonValue): unknown =>
  v instanceof JsonNumber
    ? Number(v.literal)
    : Array.isArray(v)
    ? v.map(asGo)
    : v !== null && typeof v === "object"
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, asGo(x as JsonValue)]))
    : v

describe("parseJson against Go 1.19's json.Decoder (fixture from scripts/go-fixtures)", () => {
  it("is Go 1.19.8's table", () => {
    expect(syntax.go).toBe("go1.19.8")
    expect(syntax.rows.length).toBeGreaterThan(100)
  })

  it("every document: Go's syntax error text, or the same value", () => {
    for (const row of syntax.rows) {
      const r = parseJson(row.document)
      // a number too large for Go's float64 is a decode error, not a syntax error: the text parses
      if (row.error !== null && !row.error.startsWith("json: cannot unmarshal")) {
        expect(Either.isLeft(r) ? r.left.reason : "parsed", JSON.stringify(row.document)).toBe(row.error)
      } else {
        expect(Either.isRight(r), JSON.stringify(row.document)).toBe(true)
        if (Either.isRight(r) && row.value !== null) expect(asGo(r.right)).toEqual(asGo(parsed(row.value)))
      }
    }
  })

  it("nesting at and past Go's limit of 10000, 100000 deep included", () => {
    for (const row of syntax.depth) {
      const document = row.open.repeat(row.times) + row.middle + row.close.repeat(row.times)
      const r = parseJson(document)
      expect(Either.isLeft(r) ? r.left.reason : null, `${row.open} × ${row.times}`).toBe(row.error)
    }
  })

  it("state.json and config.json report Go's syntax errors as runc prints them", () => {
    for (const row of syntax.rows.filter((r) => r.error !== null && !r.error.startsWith("json:"))) {
      expect(Either.getOrThrow(Either.flip(State.decodeJson(row.document))).message).toBe(row.error)
      expect(Either.getOrThrow(Either.flip(Config.decodeJson(row.document))).message).toBe(row.error)
    }
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

  it.prop(
    "property: every string is written as Go's encodeState.string writes it, one UTF-16 unit at a time",
    [
      FastCheck.oneof(
        FastCheck.string({ unit: "binary", maxLength: 40 }),
        FastCheck.string({
          unit: FastCheck.constantFrom("a", "/", "é", "😀", "<", ">", "&", "\"", "\\", "\n", "\u0000", "\u001f", "\u007f", "\u2028", "\u2029", "\ud800", "\udc00"),
          maxLength: 20
        })
      )
    ],
    ([s]) => {
      // the reference: Go's escaping table, applied unit by unit
      let expected = "\""
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        const next = i + 1 < s.length ? s.charCodeAt(i + 1) : -1
        if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          expected += s.slice(i, i + 2)
          i++
        } else if (c >= 0xd800 && c <= 0xdfff) expected += "\\ufffd"
        else if (c === 0x22 || c === 0x5c) expected += `\\${s[i]}`
        else if (c === 0x0a || c === 0x0d || c === 0x09) expected += c === 0x0a ? "\\n" : c === 0x0d ? "\\r" : "\\t"
        else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
          expected += `\\u${c.toString(16).padStart(4, "0")}`
        } else expected += s[i]
      }
      expect(quote(s)).toBe(`${expected}"`)
    }
  )

  it.prop("is valid JSON that reads back as the same string", [FastCheck.string({ unit: "grapheme", maxLength: 40 })], ([s]) => {
    expect(JSON.parse(quote(s))).toBe(s)
  })
})

describe("setOwn", () => {
  it.prop("any key becomes an own, enumerable data property; the record's prototype stays", [FastCheck.oneof(
    FastCheck.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"),
    FastCheck.string()
  ), FastCheck.string()], ([key, value]) => {
    const record: Record<string, string> = {}
    setOwn(record, key, value)
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(record, key)).toEqual({ value, enumerable: true, writable: true, configurable: true })
    expect(Object.keys(record)).toEqual([key])
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
