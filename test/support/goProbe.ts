/**
 * What the decoding tests compare (`test/internal/json`): decodings
 * rendered with everything equality must cover, in one line each; and a
 * probe struct with a field of every kind a decoder reads plainly
 * (`Decoder.inline`) — every integer width, strings, bools, pointers,
 * slices, maps, a time — and documents of it that fast-check draws: keys
 * in field order or any order, in other cases, met twice, unknown; values
 * at the edges of each range, `-0`, fractions, `null`, mismatches. The
 * decoding paths (tree walk, exact path, compact scan) are compared on
 * them.
 */
import * as FastCheck from "effect/FastCheck"
import type { TextDecoded } from "../../src/internal/json/GoDecoder.js"
import * as GoType from "../../src/internal/json/GoType.js"

export const Probe = GoType.goStruct("probe.Probe", {
  s: GoType.field(GoType.GoString),
  b: GoType.field(GoType.GoBool),
  i: GoType.field(GoType.GoInt),
  u: GoType.field(GoType.GoUint),
  i32: GoType.field(GoType.GoInt32),
  u32: GoType.field(GoType.GoUint32),
  u16: GoType.field(GoType.GoUint16),
  i64: GoType.field(GoType.GoInt64),
  u64: GoType.omitEmpty(GoType.GoUint64),
  ps: GoType.field(GoType.goNullable(GoType.GoString)),
  pi: GoType.omitNil(GoType.GoInt),
  ss: GoType.field(GoType.goSlice(GoType.GoString)),
  m: GoType.omitEmpty(GoType.goMap(GoType.GoUint16)),
  t: GoType.field(GoType.GoTime)
})
const keys = ["s", "b", "i", "u", "i32", "u32", "u16", "i64", "u64", "ps", "pi", "ss", "m", "t"]
/** Integer literals of a range: its edges and just beyond, `-0`, anything between; now and then a fraction or exponent. */
const integersIn = (min: bigint, max: bigint) =>
  FastCheck.oneof(
    { arbitrary: FastCheck.bigInt({ min, max }).map(String), weight: 4 },
    { arbitrary: FastCheck.constantFrom(min, max, min - 1n, max + 1n).map(String), weight: 2 },
    { arbitrary: FastCheck.constantFrom("-0", "0", "1.5", "1e3", "9007199254740992"), weight: 2 }
  )
const ranges: Record<string, readonly [bigint, bigint]> = {
  i: [-(2n ** 53n) + 1n, 2n ** 53n - 1n],
  u: [0n, 2n ** 53n - 1n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  u32: [0n, 2n ** 32n - 1n],
  u16: [0n, 2n ** 16n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u64: [0n, 2n ** 64n - 1n],
  pi: [-(2n ** 53n) + 1n, 2n ** 53n - 1n]
}
const strings = FastCheck.string({ maxLength: 6 }).map((s) => JSON.stringify(s))
const anything = FastCheck.oneof(
  FastCheck.constantFrom("null", "true", "false", `[]`, `["a",null]`, `{}`, `{"k":7}`, `[1]`, "-0", "1.5"),
  FastCheck.integer().map(String),
  strings
)
/** What a key's field holds (edges included), now and then `null` or anything at all (a mismatch). */
const valueFor = (key: string) => {
  const range = ranges[key]
  const usual = range !== undefined ? integersIn(...range)
    : key === "s" || key === "ps" ? strings
    : key === "b" ? FastCheck.constantFrom("true", "false")
    : key === "ss" ? FastCheck.constantFrom(`["a"]`, `[]`)
    : key === "m" ? FastCheck.constantFrom(`{"a":1}`, `{}`)
    : key === "t" ? FastCheck.constantFrom(`"2026-11-29T10:47:59.457245983Z"`, `"2026-11-29T10:47:59Z"`)
    : anything
  return FastCheck.oneof({ arbitrary: usual, weight: 12 }, { arbitrary: FastCheck.constant("null"), weight: 2 }, {
    arbitrary: anything,
    weight: 1
  })
}
/** A key as written: the field's name, or another case of it (matched case-insensitively, through the decoder). */
const spelling = (key: string) => FastCheck.constantFrom(key, key.toUpperCase())
const member = FastCheck.constantFrom(...keys, "unknown").chain((key) => FastCheck.tuple(spelling(key), valueFor(key)))
// every field in order (the walk's guess holds throughout), then a few members more: other cases of keys met already
const inOrder = FastCheck.tuple(...keys.map((key) => FastCheck.tuple(FastCheck.constant(key), valueFor(key))))

/** A probe document: every field in order (each reader's guess holds throughout) or members in any order, then a few more. */
export const probeDocument: FastCheck.Arbitrary<string> = FastCheck.tuple(
  FastCheck.oneof(inOrder, FastCheck.array(member, { maxLength: 20 })),
  FastCheck.array(member, { maxLength: 4 })
).map(([members, more]) => `{${[...members, ...more].map(([k, v]) => `"${k}":${v}`).join(",")}}`)

/** A value rendered with everything equality must cover: key order, prototypes, number kinds, -0. */
export const render = (v: unknown): string => {
  if (typeof v === "bigint") return `${v}n`
  if (v === undefined) return "undefined"
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v)
  if (v === null || typeof v !== "object") return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(render).join(",")}]`
  const proto = Object.getPrototypeOf(v) === Object.prototype ? "" : "proto:"
  return `{${proto}${Reflect.ownKeys(v).map((k) => `${String(k)}=${render((v as Record<PropertyKey, unknown>)[k])}`).join(",")}}`
}

/** A decoding's outcome in one line: `ok` and its value as `show` renders it ({@link render} unless told), or the failure's text. */
export const outcomeOf = (r: TextDecoded<unknown>, show: (value: unknown) => string = render): string => {
  switch (r._tag) {
    case "Ok":
      return `ok ${show(r.value)}`
    case "Failed":
      return `failed ${r.failure.field} ${r.failure.reason}`
    case "Syntax":
      return `syntax ${r.error.reason}`
    case "Null":
      return "null"
  }
}
