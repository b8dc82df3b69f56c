/**
 * Schema building blocks that read a {@link JsonValue} tree the way Go's
 * `encoding/json` reads it into runc's structs, and write values back the
 * way `json.Marshal` writes them:
 *
 * - object keys match struct fields exactly first, otherwise
 *   case-insensitively; unknown keys are ignored; the last duplicate wins;
 * - a missing key or a JSON `null` leaves the field at its zero value;
 * - integers must be integer literals within the Go type's range; Go's
 *   64-bit `int64`/`uint64` become `bigint`s, Go's `int`/`uint` and smaller
 *   integers become `number`s (a value beyond 2^53 there is refused, not
 *   rounded);
 * - `omitempty` fields are absent in the value when empty and never written.
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"
import * as Fast from "./GoFast.js"
import { compareBytes } from "../byteOrder.js"
import { type EncodableValue, JsonNumber, JsonRaw, kindOf, quote, stringify } from "./GoJson.js"
import * as GoTimeJson from "./GoTime.js"

/** Annotation holding a schema's Go zero value. */
export const GoZeroId: unique symbol = Symbol.for("effect-libcontainer/GoZero")

/** Annotation holding the Go type name used in error messages. */
export const GoTypeId: unique symbol = Symbol.for("effect-libcontainer/GoType")

/**
 * Annotation marking a Go type with its own `UnmarshalJSON` over the raw
 * bytes of the value (`time.Time`): a struct field of such a type is given
 * the raw texts of its members (see `parseJson`'s `rawMember`).
 */
export const GoRawId: unique symbol = Symbol.for("effect-libcontainer/GoRaw")

/**
 * Annotation on a struct schema: which JSON key fills which of its
 * {@link GoRawId} fields (`undefined` for every other key).
 */
export const GoRawFieldsId: unique symbol = Symbol.for("effect-libcontainer/GoRawFields")

/** The raw-field resolver of a struct schema, when it has fields decoded from raw JSON. */
export const rawFieldsOf = (schema: Schema.Schema.Any): ((key: string) => string | undefined) | undefined => {
  const f = schema.ast.annotations[GoRawFieldsId]
  return typeof f === "function" ? (f as (key: string) => string | undefined) : undefined
}

/** A schema from a JSON tree (or a plain JS value) to a Go-shaped value. */
export type GoSchema<A> = Schema.Schema<A, unknown>

const mismatch = (ast: AST.AST, actual: unknown, goType: string, shown?: string) =>
  new ParseResult.Type(
    ast,
    actual,
    `cannot unmarshal ${shown ?? kindOf(actual)} into Go value of type ${goType}`
  )

/** The Go zero value recorded on a schema built here. */
export const zeroOf = <A, I>(schema: Schema.Schema<A, I, never>): A => {
  const zero = schema.ast.annotations[GoZeroId]
  if (typeof zero === "function") return (zero as () => A)()
  return zero as A
}

const withGo = <S extends Schema.Schema.Any>(
  schema: S,
  goType: string,
  zero: unknown,
  fast: Fast.Fast<Schema.Schema.Type<S>> | undefined
): S =>
  schema.annotations(
    { [GoZeroId]: zero, [GoTypeId]: goType, [Fast.GoFastId]: fast } as Schema.Annotations.Schema<Schema.Schema.Type<S>>
  ) as S

// ---------------------------------------------------------------------------
// Scalars

/** Go `string`. */
export const GoString: GoSchema<string> = withGo(
  Schema.transformOrFail(Schema.Unknown, Schema.String, {
    strict: true,
    decode: (u, _, ast) =>
      typeof u === "string" ? ParseResult.succeed(u) : ParseResult.fail(mismatch(ast, u, "string")),
    encode: ParseResult.succeed
  }),
  "string",
  "",
  Fast.string
)

/** Go `bool`. */
export const GoBool: GoSchema<boolean> = withGo(
  Schema.transformOrFail(Schema.Unknown, Schema.Boolean, {
    strict: true,
    decode: (u, _, ast) =>
      typeof u === "boolean" ? ParseResult.succeed(u) : ParseResult.fail(mismatch(ast, u, "bool")),
    encode: ParseResult.succeed
  }),
  "bool",
  false,
  Fast.boolean
)

const integerLiteral = /^-?(?:0|[1-9][0-9]*)$/

/** The integer in `u` as a bigint, if `u` is an integer literal (or a JS integer / bigint). */
const integerOf = (u: unknown): bigint | undefined => {
  if (u instanceof JsonNumber) return integerLiteral.test(u.literal) ? BigInt(u.literal) : undefined
  if (typeof u === "bigint") return u
  if (typeof u === "number" && Number.isSafeInteger(u)) return BigInt(u)
  return undefined
}

const numberText = (u: unknown): string =>
  u instanceof JsonNumber ? `number ${u.literal}` : typeof u === "number" || typeof u === "bigint" ? `number ${u}` : kindOf(u)

const decodeInteger = (u: unknown, ast: AST.AST, goType: string, min: bigint, max: bigint) => {
  if (!(u instanceof JsonNumber) && typeof u !== "number" && typeof u !== "bigint") {
    return Either.left(mismatch(ast, u, goType))
  }
  const n = integerOf(u)
  if (n === undefined || n < min || n > max) return Either.left(mismatch(ast, u, goType, numberText(u)))
  return Either.right(n)
}

const safeMax = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * A Go integer type held as a JS `number`: `int`, `uint`, `int32`,
 * `uint32`, `uint16`, `uint8`. Values outside the type fail like Go; values
 * inside a 64-bit type but beyond 2^53 fail too, rather than lose precision.
 */
export const goNumber = (goType: string, min: bigint, max: bigint): GoSchema<number> => {
  const lo = min < -safeMax ? -safeMax : min
  const hi = max > safeMax ? safeMax : max
  return withGo(
    Schema.transformOrFail(Schema.Unknown, Schema.Int.pipe(Schema.between(Number(lo), Number(hi))), {
      strict: true,
      decode: (u, _, ast) =>
        Either.flatMap(decodeInteger(u, ast, goType, min, max), (n) =>
          n < lo || n > hi
            ? Either.left(
              new ParseResult.Type(ast, u, `${numberText(u)} is beyond 2^53, not supported for Go type ${goType}`)
            )
            : Either.right(Number(n))),
      encode: ParseResult.succeed
    }),
    goType,
    0,
    Fast.number(lo, hi)
  )
}

/** A 64-bit Go integer type held as a `bigint`: `int64`, `uint64`. */
export const goBigInt = (goType: string, min: bigint, max: bigint): GoSchema<bigint> =>
  withGo(
    Schema.transformOrFail(Schema.Unknown, Schema.BigIntFromSelf.pipe(Schema.betweenBigInt(min, max)), {
      strict: true,
      decode: (u, _, ast) => decodeInteger(u, ast, goType, min, max),
      encode: ParseResult.succeed
    }),
    goType,
    0n,
    Fast.bigint(min, max)
  )

/** Go `int` (64-bit; held as a number, so limited to ±(2^53-1)). */
export const GoInt = goNumber("int", -(2n ** 63n), 2n ** 63n - 1n)
/** Go `uint` (64-bit; held as a number, so limited to 2^53-1). */
export const GoUint = goNumber("uint", 0n, 2n ** 64n - 1n)
/** Go `int32` (also `rune`). */
export const GoInt32 = goNumber("int32", -(2n ** 31n), 2n ** 31n - 1n)
/** Go `uint32`. */
export const GoUint32 = goNumber("uint32", 0n, 2n ** 32n - 1n)
/** Go `uint16`. */
export const GoUint16 = goNumber("uint16", 0n, 2n ** 16n - 1n)
/** Go `int64`, as a bigint. */
export const GoInt64 = goBigInt("int64", -(2n ** 63n), 2n ** 63n - 1n)
/** Go `uint64`, as a bigint: 18446744073709551615 survives a round trip. */
export const GoUint64 = goBigInt("uint64", 0n, 2n ** 64n - 1n)

// ---------------------------------------------------------------------------
// References, slices, maps

const nullToZero = <A>(schema: GoSchema<A>, allowNull: boolean): GoSchema<A> => {
  const goType = schema.ast.annotations[GoTypeId]
  const hasZero = allowNull && schema.ast.annotations[GoZeroId] !== undefined
  return Schema.transformOrFail(Schema.Unknown, schema, {
    strict: true,
    decode: (u, _, ast) => {
      if (u !== null) return ParseResult.succeed(u)
      return hasZero
        ? ParseResult.encodeUnknown(schema)(zeroOf(schema))
        : ParseResult.fail(new ParseResult.Type(ast, u, `null is not allowed here (Go type ${String(goType)})`))
    },
    encode: ParseResult.succeed
  })
}

/** What `make` builds from a part's fast decoder; nothing when the part has none (the schema then always decides). */
const fastWith = <A, B>(part: GoSchema<A>, make: (fast: Fast.Fast<A>) => B): B | undefined => {
  const fast = Fast.fastOf(part)
  return fast === undefined ? undefined : make(fast)
}

/** A maker of the schema's zero value, read from its annotation once rather than on every call. */
const zeroMaker = <A>(schema: GoSchema<A>): () => A => {
  const zero = schema.ast.annotations[GoZeroId]
  return typeof zero === "function" ? (zero as () => A) : () => zero as A
}

/** The zero value a `null` slice element or map value reads as (see {@link nullToZero}). */
const elementZero = <A>(schema: GoSchema<A>): (() => A) | undefined =>
  schema.ast.annotations[GoZeroId] === undefined ? undefined : zeroMaker(schema)

/** A Go pointer (or any nil-able value that is always written): `null` when unset. */
export const goNullable = <A>(schema: GoSchema<A>): GoSchema<A | null> =>
  withGo(
    Schema.NullOr(schema),
    `*${String(schema.ast.annotations[GoTypeId] ?? "value")}`,
    null,
    fastWith(schema, Fast.nullable)
  ) as GoSchema<A | null>

/**
 * A Go slice: `null` (nil) or an array. A `null` element reads as the
 * element's zero value, except in a slice of pointers (`[]*Mount`), where Go
 * would store a nil pointer that runc later dereferences: there it is refused.
 */
export const goSlice = <A>(
  element: GoSchema<A>,
  elements: "values" | "pointers" = "values"
): GoSchema<ReadonlyArray<A> | null> => {
  const goType = `[]${elements === "pointers" ? "*" : ""}${String(element.ast.annotations[GoTypeId] ?? "value")}`
  return withGo(
    Schema.transformOrFail(Schema.Unknown, Schema.NullOr(Schema.Array(nullToZero(element, elements === "values"))), {
      strict: true,
      decode: (u, _, ast) =>
        u === null || Array.isArray(u) ? ParseResult.succeed(u) : ParseResult.fail(mismatch(ast, u, goType)),
      encode: ParseResult.succeed
    }),
    goType,
    null,
    fastWith(element, (fast) => Fast.slice(fast, elements === "values" ? elementZero(element) : undefined))
  ) as GoSchema<ReadonlyArray<A> | null>
}

const isPlainObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof JsonNumber)


/**
 * A Go `map[string]V`: `null` (nil) or an object. Keys are written sorted by
 * their UTF-8 bytes, as Go does. A `__proto__` key is refused explicitly: it
 * cannot be held faithfully in a JS record.
 */
export const goMap = <A>(value: GoSchema<A>): GoSchema<Readonly<Record<string, A>> | null> => {
  const goType = `map[string]${String(value.ast.annotations[GoTypeId] ?? "value")}`
  const record = Schema.Record({ key: Schema.String, value: nullToZero(value, true) }).pipe(
    Schema.filter((m) => !Object.prototype.hasOwnProperty.call(m, "__proto__"), {
      message: () => "map key \"__proto__\" is not supported"
    })
  )
  return withGo(
    Schema.transformOrFail(Schema.Unknown, Schema.NullOr(record), {
      strict: true,
      decode: (u, _, ast) => {
        if (u === null) return ParseResult.succeed(null)
        if (!isPlainObject(u)) return ParseResult.fail(mismatch(ast, u, goType))
        if (Object.prototype.hasOwnProperty.call(u, "__proto__")) {
          return ParseResult.fail(new ParseResult.Type(ast, u, "map key \"__proto__\" is not supported"))
        }
        return ParseResult.succeed(u)
      },
      encode: (m) => {
        if (m === null) return ParseResult.succeed(null)
        const out: Record<string, unknown> = {}
        for (const k of Object.keys(m).sort(compareBytes)) out[k] = (m as Record<string, unknown>)[k]
        return ParseResult.succeed(out)
      }
    }),
    goType,
    null,
    fastWith(value, (fast) => Fast.map(fast, elementZero(value)))
  ) as GoSchema<Readonly<Record<string, A>> | null>
}

// ---------------------------------------------------------------------------
// Struct fields

/** Go's `isEmptyValue` for the kinds we mark `omitempty` (not pointers to structs). */
export const isEmptyValue = (v: unknown): boolean =>
  v === false || v === 0 || v === 0n || v === "" || v === null || v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (isPlainObject(v) && Object.keys(v).length === 0)

/** Property signatures of fields whose Go type decodes from raw JSON ({@link GoRawId}). */
const rawFields = new WeakSet<object>()

/** A field that is always written; missing or `null` in the input reads as the zero value. */
export const field = <A>(schema: GoSchema<A>) => {
  const ps = Fast.registerField(
    Schema.optionalWith(schema, { default: () => zeroOf(schema) }),
    fastWith(schema, (decode): Fast.FieldRule => ({ _tag: "Field", decode, zero: zeroMaker(schema) }))
  )
  if (schema.ast.annotations[GoRawId] === true) rawFields.add(ps)
  return ps
}

/**
 * An `omitempty` field of a scalar, slice or map type. Never written when
 * empty (`false`, `0`, `""`, nil or empty slice/map). When read, an empty
 * scalar is the same as a missing one (absent), while an empty slice or map
 * stays present: Go tells a non-nil empty map from a nil one, and runc's
 * validation does (`time_offsets: {}` without NEWTIME is an error).
 */
export const omitEmpty = <A>(schema: GoSchema<A>) => {
  const to = Schema.typeSchema(schema).annotations({
    arbitrary: () => () => Arbitrary.make(Schema.typeSchema(schema)).filter((v) => !isEmptyValue(v))
  })
  const kept = (v: unknown): boolean => v !== null && (typeof v === "object" || !isEmptyValue(v))
  return Fast.registerField(
    Schema.optionalToOptional(schema, to, {
      decode: Option.filter(kept),
      encode: Option.filter((v) => !isEmptyValue(v))
    }),
    fastWith(schema, (decode): Fast.FieldRule => ({ _tag: "OmitEmpty", decode, isEmpty: (v) => !kept(v) }))
  )
}

/** An `omitempty` pointer field: absent when nil; a present value is always written. */
export const omitNil = <A>(schema: GoSchema<A>) =>
  Fast.registerField(
    Schema.optionalWith(schema, { exact: true }),
    fastWith(schema, (decode): Fast.FieldRule => ({ _tag: "OmitNil", decode }))
  )

// ---------------------------------------------------------------------------
// Structs

/** Go's case folding for matching object keys to struct fields. */
export const foldKey = (key: string): string =>
  key.toLowerCase().replace(/\u212a/g, "k").replace(/\u017f/g, "s")

/** Options of {@link goStruct}. */
export interface StructOptions {
  /**
   * Fields of an embedded pointer struct (Go `*Resources` inside `Cgroup`):
   * its JSON keys appear directly in this object, and in the value they live
   * under `name`, present only when at least one of them was in the input.
   * `after` is the field they are written after.
   */
  readonly inline?: {
    readonly name: string
    readonly keys: ReadonlyArray<string>
    readonly after: string
  }
  /**
   * Fields whose JSON `null` is kept rather than read as "missing" — for a
   * type with its own null handling, such as `Hooks`.
   */
  readonly keepNull?: ReadonlyArray<string>
}

/**
 * A Go struct: keys matched exactly, then case-insensitively; unknown keys
 * ignored; `null` and missing both mean the zero value; written in field
 * declaration order.
 */
export const goStruct = <Fields extends Schema.Struct.Fields>(
  goType: string,
  fields: Fields,
  options: StructOptions = {}
) => {
  const inner = Schema.Struct(fields)
  const own = Object.keys(fields).filter((k) => k !== options.inline?.name)
  const inlineKeys = options.inline?.keys ?? []
  const keepNull = new Set(options.keepNull ?? [])
  const exact = new Map<string, "own" | "inline">()
  const folded = new Map<string, string>()
  for (const k of own) exact.set(k, "own")
  for (const k of inlineKeys) exact.set(k, "inline")
  // Go picks the first field (in declaration order) whose name folds equal.
  for (const k of [...own, ...inlineKeys].reverse()) folded.set(foldKey(k), k)
  const schema = Schema.transformOrFail(Schema.Unknown, Schema.encodedSchema(inner), {
    strict: true,
    decode: (u, _, ast) => {
      if (!isPlainObject(u)) return ParseResult.fail(mismatch(ast, u, goType))
      const out: Record<string, unknown> = {}
      let nested: Record<string, unknown> | undefined
      for (const [key, value] of Object.entries(u)) {
        const target = exact.has(key) ? key : folded.get(foldKey(key))
        if (target === undefined) continue
        if (exact.get(target) === "inline") {
          // Go allocates the embedded struct as soon as one of its keys appears.
          nested ??= {}
          if (value === null) delete nested[target]
          else nested[target] = value
        } else if (value === null && !keepNull.has(target)) {
          delete out[target]
        } else {
          out[target] = value
        }
      }
      if (nested !== undefined && options.inline !== undefined) out[options.inline.name] = nested
      return ParseResult.succeed(out as Schema.Struct.Encoded<Fields>)
    },
    encode: (e) => {
      if (options.inline === undefined) return ParseResult.succeed(e)
      const { after, name } = options.inline
      const out: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(e)) {
        if (key === name) continue
        out[key] = value
        if (key === after) {
          const nested = (e as Record<string, unknown>)[name]
          if (isPlainObject(nested)) Object.assign(out, nested)
        }
      }
      return ParseResult.succeed(out as Schema.Struct.Encoded<Fields>)
    }
  }).pipe(Schema.compose(inner, { strict: false }))
  const target = (key: string): string | undefined => exact.has(key) ? key : folded.get(foldKey(key))
  const raw = new Set(Object.entries(fields).filter(([, ps]) => rawFields.has(ps)).map(([name]) => name))
  const rawTarget = (key: string): string | undefined => {
    const t = target(key)
    return t !== undefined && raw.has(t) ? t : undefined
  }
  const fast = structFast(fields, target, options)
  const slow = () => Schema.decodeUnknownSync(schema as unknown as Schema.Schema<unknown, unknown>)({})
  const zero = fast === undefined ? slow : () => {
    const value = fast({})
    return value === Fast.bail ? slow() : value
  }
  const annotated = raw.size === 0 ? schema : schema.annotations({ [GoRawFieldsId]: rawTarget })
  return withGo(annotated, goType, zero, fast as Fast.Fast<Schema.Struct.Type<Fields>> | undefined) as unknown as Schema.Schema<
    Schema.Struct.Type<Fields>,
    unknown
  >
}

/** The fast decoder of a struct, when every field has a fast rule. */
const structFast = (
  fields: Schema.Struct.Fields,
  target: (key: string) => string | undefined,
  options: StructOptions
): Fast.Fast<Record<string, unknown>> | undefined => {
  const plan: Array<readonly [string, Fast.FieldRule]> = []
  for (const [name, ps] of Object.entries(fields)) {
    const rule = Fast.ruleOf(ps)
    if (rule === undefined) return undefined
    plan.push([name, rule])
  }
  return Fast.struct({
    fields: plan,
    target,
    inline: options.inline === undefined
      ? undefined
      : { name: options.inline.name, keys: new Set(options.inline.keys) },
    keepNull: new Set(options.keepNull ?? [])
  })
}

// ---------------------------------------------------------------------------
// time.Time

/** Go's zero `time.Time`, as written to JSON. */
export const zeroTime = "0001-01-01T00:00:00Z"

/**
 * The text Go's `time.Time.MarshalJSON` writes back for a JSON string read
 * as a time (see `GoTime.ts`), or `undefined` when `UnmarshalJSON` refuses
 * it. A plain string cannot tell whether its literal held escapes; this
 * assumes it held none, as any literal of a well-formed time does.
 */
export const canonicalTime = (text: string): string | undefined => GoTimeJson.canonical(text)

const marshaled = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{0,8}[1-9])?(?:Z|[+-](\d{2}|[1-9]\d{2,}):(\d{2}))$/

/**
 * Whether `s` is a text `MarshalJSON` can write: RFC 3339 with a real date,
 * up to nine fraction digits without trailing zeros, `Z` or an offset of
 * whole minutes other than zero — whose hours may run past 99, as Go writes
 * an offset it read as `+99:99` (`+100:39`).
 */
export const isMarshaledTime = (s: string): boolean => {
  const m = marshaled.exec(s)
  if (m === null) return false
  const [, , mo, d, h, mi, sec, oh, om] = m
  const month = Number(mo)
  if (month < 1 || month > 12 || Number(d) < 1 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return false
  if (oh !== undefined && (Number(om) > 59 || (Number(oh) === 0 && Number(om) === 0))) return false
  return GoTimeJson.canonical(`${s.slice(0, 10)}T00:00:00Z`) !== undefined
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

const timeArbitrary: Arbitrary.LazyArbitrary<string> = (fc) =>
  fc.record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    nanos: fc.integer({ min: 0, max: 999_999_999 }),
    offset: fc.oneof(fc.constant(0), fc.integer({ min: -(99 * 60 + 59), max: 99 * 60 + 59 }))
  }).map(({ day, hour, minute, month, nanos, offset, second, year }) => {
    const frac = pad(nanos, 9).replace(/0+$/, "")
    const zone = offset === 0
      ? "Z"
      : `${offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offset) / 60), 2)}:${pad(Math.abs(offset) % 60, 2)}`
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${
      frac === "" ? "" : "." + frac
    }${zone}`
  })

/** A Go `time.Time` as the text `MarshalJSON` writes (see {@link isMarshaledTime}). */
export const GoTimeText = Schema.String.pipe(
  Schema.filter(isMarshaledTime, { message: () => "expected an RFC 3339 timestamp as Go's MarshalJSON writes it" }),
  Schema.annotations({ arbitrary: () => timeArbitrary, identifier: "GoTime" })
)

/**
 * The raw JSON text Go would have handed `UnmarshalJSON` for a value that
 * came without one (a plain JS value rather than a parsed document).
 */
const rawTextOf = (u: unknown): string => {
  if (typeof u === "string") return GoTimeJson.needsNoEscape(u) ? `"${u}"` : quote(u)
  if (u === null || typeof u === "boolean" || typeof u === "number" || typeof u === "bigint") return String(u)
  if (u instanceof JsonNumber) return u.literal
  return stringify(u as EncodableValue)
}

/**
 * Go's `UnmarshalJSON` over every raw occurrence of the member, in order:
 * `null` leaves the time as it was, the first failure is the result, else
 * the last time read, as `MarshalJSON` writes it.
 */
const unmarshalTime = (u: unknown): { readonly text: string } | { readonly error: string } => {
  const literals = u instanceof JsonRaw ? u.literals : [rawTextOf(u)]
  let text = zeroTime
  for (const literal of literals) {
    const r = GoTimeJson.unmarshal(literal)
    if (r._tag === "Failed") return { error: r.message }
    if (r._tag === "Time") text = r.text
  }
  return { text }
}

/**
 * Go `time.Time`, a json.Unmarshaler: decoded from the member's raw JSON
 * text (a struct field of this type is handed its raw occurrences by
 * `parseJson`, see {@link rawFieldsOf}), with Go's parse errors as the
 * whole message; held as the text `MarshalJSON` writes back.
 */
export const GoTime: GoSchema<string> = withGo(
  Schema.transformOrFail(Schema.Unknown, GoTimeText, {
    strict: true,
    decode: (u, _, ast) => {
      const r = unmarshalTime(u)
      return "text" in r ? ParseResult.succeed(r.text) : ParseResult.fail(new ParseResult.Type(ast, u, r.error))
    },
    encode: ParseResult.succeed
  }),
  "time.Time",
  zeroTime,
  Fast.time((u) => {
    const r = unmarshalTime(u)
    return "text" in r ? r.text : undefined
  })
).annotations({ [GoRawId]: true })
