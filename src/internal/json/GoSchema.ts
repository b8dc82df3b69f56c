/**
 * Go types as Effect schemas: each schema here carries one Go type's
 * decoder and encoder from `GoType.ts` (Go's `encoding/json` reading and
 * `json.Marshal`'s writing, the only ones there are) together with an
 * Effect Schema of the decoded value, for types, validation before
 * encoding, and fast-check arbitraries.
 *
 * Two ways in: {@link fromType} derives the schema of a Go type defined
 * with `GoType.ts`'s builders (runc's state.json types, in
 * `internal/runcTypes.ts`, so that reading a state needs no schema), and
 * the builders here make a Go type and its schema in one go, from schemas
 * of the parts (the OCI spec, the cgroup stats). Either way the decoder is
 * `GoType.ts`'s, and the Schema decodes too (`Schema.decodeUnknown(schema)`),
 * with that decoder over a value built in JS.
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { decodePlain, type Decoder } from "./GoDecoder.js"
import type { EncodableValue } from "./GoJson.js"
import * as GoTimeJson from "./GoTime.js"
import * as GoType from "./GoType.js"

export {
  /** Go's case folding for matching object keys to struct fields. */
  foldKey,
  /** {@link Build} as straight-line code. */
  buildCode,
  /** {@link Build} as a loop over the fields. */
  buildLoop,
  type Build,
  type Encoder,
  type Kind,
  /** Go's `isEmptyValue` for the kinds marked `omitempty`. */
  isEmptyValue,
  /** The text `MarshalJSON` writes back for a time read from a JSON string. */
  canonicalTime,
  /** Go's zero `time.Time`, as written to JSON. */
  zeroTime
} from "./GoType.js"

/** Annotation holding a schema's Go zero value (a function making a fresh one). */
export const GoZeroId: unique symbol = Symbol.for("effect-libcontainer/GoZero")

/** Annotation holding the Go type name used in error messages. */
export const GoTypeId: unique symbol = Symbol.for("effect-libcontainer/GoType")

/** Annotation holding a schema's Go decoder (see `GoDecoder.ts`). */
export const GoDecoderId: unique symbol = Symbol.for("effect-libcontainer/GoDecoder")

/** Annotation holding a schema's encoder: the value to the JSON tree `json.Marshal` writes. */
export const GoEncoderId: unique symbol = Symbol.for("effect-libcontainer/GoEncoder")

/** A schema from a JSON tree (or a plain JS value) to a Go-shaped value. */
export type GoSchema<A> = Schema.Schema<A, unknown>

/**
 * The Go decoder of a schema built here; any other schema is read through
 * Effect Schema, its failures refused with Effect's text.
 */
export const decoderOf = <A>(schema: Schema.Schema<A, unknown>): Decoder<A> => {
  const decoder = schema.ast.annotations[GoDecoderId]
  if (decoder !== undefined) return decoder as Decoder<A>
  const goType = String(schema.ast.annotations[GoTypeId] ?? "value")
  return {
    goType,
    zero: () => undefined as A,
    nilable: true,
    raw: false,
    decode: (u, into, cx) => {
      const r = Schema.decodeUnknownEither(schema)(u)
      if (r._tag === "Right") return r.right
      cx.refuse(ParseResult.TreeFormatter.formatErrorSync(r.left))
      return into as A
    }
  }
}

/** The encoder of a schema built here; any other schema encodes with Effect Schema. */
export const encoderOf = <A>(schema: Schema.Schema<A, unknown>): GoType.Encoder<A> => {
  const encoder = schema.ast.annotations[GoEncoderId]
  return encoder !== undefined ? (encoder as GoType.Encoder<A>) : (a) => Schema.encodeSync(schema)(a) as EncodableValue
}

/** The Go zero value recorded on a schema built here. */
export const zeroOf = <A, I>(schema: Schema.Schema<A, I, never>): A => {
  const zero = schema.ast.annotations[GoZeroId]
  if (typeof zero === "function") return (zero as () => A)()
  return zero as A
}

/**
 * The schema of a Go type: decoding is `decoder` (over a value built in JS),
 * encoding validates against `type` then writes with `encode`.
 */
const goSchema = <A>(type: Schema.Schema<A>, decoder: Decoder<A>, encode: GoType.Encoder<A>): GoSchema<A> =>
  Schema.transformOrFail(Schema.Unknown, type, {
    strict: true,
    decode: (u, _, ast) => {
      const r = decodePlain(decoder, u, GoType.shortName(decoder.goType))
      return r._tag === "Ok"
        ? ParseResult.succeed(r.value)
        : ParseResult.fail(new ParseResult.Type(ast, u, r.failure.reason))
    },
    encode: (a) => ParseResult.succeed(encode(a))
  }).annotations({
    [GoDecoderId]: decoder,
    [GoEncoderId]: encode,
    [GoZeroId]: decoder.zero,
    [GoTypeId]: decoder.goType
  } as Schema.Annotations.Schema<A>) as GoSchema<A>

const same = <A>(a: A): EncodableValue => a as EncodableValue

// ---------------------------------------------------------------------------
// Schemas of Go types

const schemas = new WeakMap<object, GoSchema<unknown>>()

/**
 * The schema of a Go type made with `GoType.ts`'s builders, with that
 * type's decoder and encoder; one schema per type (the same type gives the
 * same schema).
 */
export const fromType = <A>(type: GoType.GoType<A>): GoSchema<A> => {
  const known = schemas.get(type)
  if (known !== undefined) return known as GoSchema<A>
  const made = derive(type as GoType.GoType<unknown>) as GoSchema<A>
  schemas.set(type, made as GoSchema<unknown>)
  return made
}

const nullableType = <A>(schema: GoSchema<A>) => Schema.NullOr(Schema.typeSchema(schema))

const sliceType = <A>(element: GoSchema<A>) => Schema.NullOr(Schema.Array(Schema.typeSchema(element)))

const hasOwnProto = (m: object): boolean => Object.prototype.hasOwnProperty.call(m, "__proto__")

const mapType = <A>(value: GoSchema<A>) =>
  Schema.NullOr(
    Schema.Record({ key: Schema.String, value: Schema.typeSchema(value) }).pipe(
      Schema.filter((m) => !hasOwnProto(m), { message: () => "map key \"__proto__\" is not supported" })
    )
  )

const numberType = (min: bigint, max: bigint) => {
  const [lo, hi] = GoType.safeRange(min, max)
  return Schema.Int.pipe(Schema.between(lo, hi))
}

const fieldSchema = (f: GoType.Fields[string]) => {
  const schema = fromType(f.type as GoType.GoType<unknown>)
  return f.kind === "field" ? field(schema) : f.kind === "omitEmpty" ? omitEmpty(schema) : omitNil(schema)
}

/** A schema of some Go type, as the derivation hands them around. */
const erased = <A>(schema: GoSchema<A>): GoSchema<unknown> => schema as unknown as GoSchema<unknown>

const derive = (type: GoType.GoType<unknown>): GoSchema<unknown> => {
  const shape = type.shape
  const decoder = type.decoder
  switch (shape.kind) {
    case "string": {
      const schema = goSchema(Schema.String, decoder as Decoder<string>, same)
      const values = shape.values
      return erased(values === undefined ? schema : schema.annotations({ arbitrary: () => (fc) => fc.constantFrom(...values) }))
    }
    case "bool":
      return erased(goSchema(Schema.Boolean, decoder as Decoder<boolean>, same))
    case "number":
      return erased(goSchema(numberType(shape.min, shape.max), decoder as Decoder<number>, same))
    case "bigint":
      return erased(goSchema(Schema.BigIntFromSelf.pipe(Schema.betweenBigInt(shape.min, shape.max)), decoder as Decoder<bigint>, same))
    case "nullable":
      return erased(goSchema(nullableType(fromType(shape.inner)), decoder, type.encode))
    case "slice":
      return erased(goSchema(sliceType(fromType(shape.element)), decoder as Decoder<ReadonlyArray<unknown> | null>, type.encode))
    case "map":
      return erased(goSchema(mapType(fromType(shape.value)), decoder as Decoder<Record<string, unknown> | null>, type.encode))
    case "struct": {
      const fields: Record<string, Schema.Struct.Field> = {}
      for (const name of Object.keys(shape.fields)) fields[name] = fieldSchema(shape.fields[name]!)
      return erased(goSchema(Schema.typeSchema(Schema.Struct(fields)), decoder as Decoder<object>, type.encode))
    }
    case "time":
      return erased(goSchema(GoTimeText, decoder as Decoder<string>, same))
    case "unmarshaler":
      return goSchema(shape.schema({ Schema, Arbitrary, fromType }), decoder, type.encode)
  }
}

// ---------------------------------------------------------------------------
// Builders from schemas

/** A Go string type: `string`, or a named one (`configs.NamespaceType`) as errors name it. */
export const goString = (goType: string): GoSchema<string> => fromType(GoType.goString(goType))

/** Go `string`. */
export const GoString: GoSchema<string> = fromType(GoType.GoString)

/** Go `bool`. */
export const GoBool: GoSchema<boolean> = fromType(GoType.GoBool)

/**
 * A Go integer type held as a JS `number`: `int`, `uint`, `int32`,
 * `uint32`, `uint16`, `uint8`, or a named one (`devices.Type`). Values
 * outside the type fail like Go; values inside a 64-bit type but beyond
 * 2^53 are refused, rather than rounded.
 */
export const goNumber = (goType: string, min: bigint, max: bigint): GoSchema<number> =>
  fromType(GoType.goNumber(goType, min, max))

/** A 64-bit Go integer type held as a `bigint`: `int64`, `uint64`, or a named one (`time.Duration`). */
export const goBigInt = (goType: string, min: bigint, max: bigint): GoSchema<bigint> =>
  fromType(GoType.goBigInt(goType, min, max))

/** Go `int` (64-bit; held as a number, so limited to ±(2^53-1)). */
export const GoInt = fromType(GoType.GoInt)
/** Go `uint` (64-bit; held as a number, so limited to 2^53-1). */
export const GoUint = fromType(GoType.GoUint)
/** Go `int32` (also `rune`). */
export const GoInt32 = fromType(GoType.GoInt32)
/** Go `uint32`. */
export const GoUint32 = fromType(GoType.GoUint32)
/** Go `uint16`. */
export const GoUint16 = fromType(GoType.GoUint16)
/** Go `int64`, as a bigint. */
export const GoInt64 = fromType(GoType.GoInt64)
/** Go `uint64`, as a bigint: 18446744073709551615 survives a round trip. */
export const GoUint64 = fromType(GoType.GoUint64)

/** A Go pointer (or any nil-able value that is always written): `null` when unset. */
export const goNullable = <A>(schema: GoSchema<A>): GoSchema<A | null> =>
  goSchema(nullableType(schema), GoType.nullableDecoder(decoderOf(schema)), GoType.nullableEncoder(encoderOf(schema)))

export type {
  /** Options of {@link goSlice}. */
  SliceOptions,
  /** Options of {@link goMap}. */
  MapOptions,
  /** Options of {@link goStruct}. */
  StructOptions
} from "./GoType.js"

/** A Go slice (`GoType.sliceDecoder`): `null` (nil) or an array; `null` elements of a slice of pointers refused. */
export const goSlice = <A>(
  element: GoSchema<A>,
  elements: GoType.Elements = "values",
  options: GoType.SliceOptions = {}
): GoSchema<ReadonlyArray<A> | null> =>
  goSchema(
    sliceType(element),
    GoType.sliceDecoder(decoderOf(element), elements, options),
    GoType.sliceEncoder(encoderOf(element))
  )

/**
 * A Go `map[string]V` (`GoType.mapDecoder`): `null` (nil) or an object;
 * keys written sorted by their UTF-8 bytes, as Go does; a `__proto__` key
 * refused.
 */
export const goMap = <A>(value: GoSchema<A>, options: GoType.MapOptions = {}): GoSchema<Readonly<Record<string, A>> | null> =>
  goSchema(mapType(value), GoType.mapDecoder(decoderOf(value), options), GoType.mapEncoder(encoderOf(value)))

// ---------------------------------------------------------------------------
// Struct fields

/** Where a struct field's reading rule is kept, on its property signature. */
const GoFieldId: unique symbol = Symbol.for("effect-libcontainer/GoField")

const withRule = <P extends object>(ps: P, rule: GoType.FieldRule): P => {
  Object.defineProperty(ps, GoFieldId, { value: rule, enumerable: false })
  return ps
}

const ruleOf = (ps: unknown): GoType.FieldRule => {
  const rule = (ps as { readonly [GoFieldId]?: GoType.FieldRule })[GoFieldId]
  if (rule !== undefined) return rule
  const schema = ps as Schema.Schema<unknown, unknown>
  return { kind: "field", decoder: decoderOf(schema), encode: encoderOf(schema) }
}

/** A field that is always written; missing in the input, it reads as the zero value. */
export const field = <A>(schema: GoSchema<A>) =>
  withRule(Schema.optionalWith(schema, { default: () => zeroOf(schema) }), {
    kind: "field",
    decoder: decoderOf(schema) as Decoder<unknown>,
    encode: encoderOf(schema) as GoType.Encoder<unknown>
  })

/**
 * An `omitempty` field of a scalar, slice or map type (`GoType.omitEmpty`):
 * never written when empty; read, an empty scalar is absent while an empty
 * slice or map stays present.
 */
export const omitEmpty = <A>(schema: GoSchema<A>) => {
  const to = Schema.typeSchema(schema).annotations({
    arbitrary: () => () => Arbitrary.make(Schema.typeSchema(schema)).filter((v) => !GoType.isEmptyValue(v))
  })
  return withRule(
    Schema.optionalToOptional(schema, to, {
      decode: Option.filter(GoType.kept),
      encode: Option.filter((v) => !GoType.isEmptyValue(v))
    }),
    {
      kind: "omitEmpty",
      decoder: decoderOf(schema) as Decoder<unknown>,
      encode: encoderOf(schema) as GoType.Encoder<unknown>
    }
  )
}

/**
 * An `omitempty` pointer field: absent when nil; a present value is always
 * written. `schema` is the pointee's (a type that handles `null` itself, such
 * as runc's `Hooks`, is taken as it is).
 */
export const omitNil = <A>(schema: GoSchema<A>) =>
  withRule(Schema.optionalWith(schema, { exact: true }), {
    kind: "omitNil",
    decoder: GoType.omitNilDecoder(decoderOf(schema) as Decoder<unknown>),
    encode: encoderOf(schema) as GoType.Encoder<unknown>
  })

// ---------------------------------------------------------------------------
// Structs

/**
 * A Go struct (`GoType.structDecoder`): keys matched exactly, then
 * case-insensitively; unknown keys ignored; written in field declaration
 * order.
 */
export const goStruct = <Fields extends Schema.Struct.Fields>(
  goType: string,
  fields: Fields,
  options: GoType.StructOptions = {}
): GoSchema<Schema.Struct.Type<Fields>> => {
  const names = Object.keys(fields)
  const rules = names.map((name) => ruleOf(fields[name]))
  return goSchema(
    Schema.typeSchema(Schema.Struct(fields)) as unknown as Schema.Schema<Record<string, unknown>>,
    GoType.structDecoder(goType, names, rules, options),
    GoType.structEncoder(names, rules, options)
  ) as unknown as GoSchema<Schema.Struct.Type<Fields>>
}

// ---------------------------------------------------------------------------
// Types with their own UnmarshalJSON

/** Options of {@link goUnmarshaler}. */
export interface UnmarshalerOptions<I, A> {
  /** The Go type's name. */
  readonly goType: string
  /** What its `UnmarshalJSON` reads the raw value into, with `json.Unmarshal`. */
  readonly from: GoSchema<I>
  /** The value it then makes of what it read. */
  readonly decode: (read: I) => A
  /** The decoded value's schema (types, validation, arbitrary). */
  readonly type: Schema.Schema<A>
  /** Its `MarshalJSON`, as a JSON tree. */
  readonly encode: GoType.Encoder<A>
  /** Its zero value. */
  readonly zero: () => A
}

/** A Go type whose `UnmarshalJSON` decodes its raw value with `json.Unmarshal` into another type (`GoType.unmarshalerDecoder`). */
export const goUnmarshaler = <I, A>(options: UnmarshalerOptions<I, A>): GoSchema<A> =>
  goSchema(options.type, GoType.unmarshalerDecoder({ ...options, from: decoderOf(options.from) }), options.encode)

// ---------------------------------------------------------------------------
// time.Time

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
 * Go `time.Time`, a json.Unmarshaler (`GoType.GoTime`): decoded from the
 * member's raw JSON text, with Go's parse errors as the whole message;
 * held as the text `MarshalJSON` writes back.
 */
export const GoTime: GoSchema<string> = fromType(GoType.GoTime)
