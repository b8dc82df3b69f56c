/**
 * Go types as plain values: each builder here makes one Go type's decoder
 * (`GoDecoder.ts`: Go's `encoding/json` reading, the only decoding there
 * is), its encoder (the JSON tree `json.Marshal` writes) and its zero value,
 * with a description of its shape from which `GoSchema.ts` derives the
 * Effect Schema of the decoded value (types, validation before encoding,
 * arbitraries). No Effect here: runc's state.json types are defined with
 * these builders once (`internal/runcTypes.ts`), so a program that only
 * reads state files — the CLI's `list` — decodes them without building a
 * schema.
 *
 * - object keys match struct fields exactly first, otherwise
 *   case-insensitively; unknown keys are ignored;
 * - a missing key leaves the field at its zero value; `null` leaves a
 *   string, number, bool or struct as it is, and clears a pointer, slice or
 *   map; a key met twice decodes twice, into the same field, as in Go;
 * - integers must be integer literals within the Go type's range; Go's
 *   64-bit `int64`/`uint64` become `bigint`s, Go's `int`/`uint` and smaller
 *   integers become `number`s (a value beyond 2^53 there is refused, not
 *   rounded);
 * - `omitempty` fields are absent in the value when empty and never written.
 */
import type * as ArbitraryModule from "effect/Arbitrary"
import type * as SchemaModule from "effect/Schema"
import type { Simplify } from "effect/Types"
import { compareBytes } from "../byteOrder.js"
import { constructorOf, emptyRecord } from "../plainRecord.js"
import {
  Context,
  type Decoder,
  type Inline,
  isIndexKey,
  isObjectValue,
  literalOf,
  type MemberReader,
  memberRaw,
  rawTextOf,
  readMembers
} from "./GoDecoder.js"
import { type EncodableValue, JsonNumber, JsonObject, OrderedObject } from "./GoJson.js"
import { asciiBytes, bail, delimiters, type Scanner, scanOf } from "./GoScan.js"
import * as GoTimeJson from "./GoTime.js"

/** A value to the JSON tree Go writes for it. */
export type Encoder<A> = (value: A) => EncodableValue

/** How a struct field is held: always, absent when empty, absent when nil. */
export type Kind = "field" | "omitEmpty" | "omitNil"

/** What a Go type is, as far as its Effect Schema needs to know (see `GoSchema.fromType`). */
export type Shape =
  | {
    readonly kind: "string"
    /** The values it usually holds (Go does not restrict them): arbitraries draw from these. */
    readonly values: ReadonlyArray<string> | undefined
  }
  | { readonly kind: "bool" }
  | { readonly kind: "number"; readonly min: bigint; readonly max: bigint }
  | { readonly kind: "bigint"; readonly min: bigint; readonly max: bigint }
  | { readonly kind: "nullable"; readonly inner: GoType<unknown> }
  | { readonly kind: "slice"; readonly element: GoType<unknown> }
  | { readonly kind: "map"; readonly value: GoType<unknown> }
  | {
    readonly kind: "struct"
    readonly fields: Fields
    readonly inline: string | undefined
  }
  | { readonly kind: "time" }
  /** A type with its own `UnmarshalJSON` (runc's `Hooks`), whose value's schema is made by its own recipe. */
  | { readonly kind: "unmarshaler"; readonly schema: SchemaRecipe<unknown> }

/**
 * What a {@link SchemaRecipe} is given: Effect's Schema and Arbitrary
 * modules and the schema of any Go type — handed over by `GoSchema.ts`
 * when it derives a schema, so that defining a Go type loads neither.
 */
export interface SchemaTools {
  readonly Schema: typeof SchemaModule
  readonly Arbitrary: typeof ArbitraryModule
  readonly fromType: <A>(type: GoType<A>) => SchemaModule.Schema<A, unknown>
}

/** How the schema of a value of type `A` is made, when one is (see {@link SchemaTools}). */
export type SchemaRecipe<A> = (tools: SchemaTools) => SchemaModule.Schema<A>

/** A Go type: how it is read, written and made, and what it is. */
export interface GoType<A> {
  readonly decoder: Decoder<A>
  readonly encode: Encoder<A>
  readonly shape: Shape
}

/** The TypeScript type of the values of a Go type. */
export type TypeOf<T> = T extends GoType<infer A> ? A : never

const same = <A>(a: A): EncodableValue => a as EncodableValue

const goType = <A>(decoder: Decoder<A>, encode: Encoder<A>, shape: Shape): GoType<A> => ({ decoder, encode, shape })

// ---------------------------------------------------------------------------
// Scalars

const stringInline: Inline = { kind: "string", zero: "" }
const nilInline: Inline = { kind: "nil" }

/** The decoder of a Go string type: `string`, or a named one (`configs.NamespaceType`) as errors name it. */
export const stringDecoder = (goType: string): Decoder<string> => {
  const decode: Decoder<string>["decode"] = (u, into, cx) => {
    if (typeof u === "string") return u
    if (u !== null) cx.kindMismatch(u, goType)
    return into ?? ""
  }
  return { goType, zero: () => "", nilable: false, raw: false, inline: stringInline, decode, scan: (s) => s.leaf(decode) }
}

/** Options of {@link goString}. */
export interface StringOptions {
  /** The values it usually holds (Go does not restrict them): arbitraries draw from these. */
  readonly values?: ReadonlyArray<string>
}

/** A Go string type: `string`, or a named one (`configs.NamespaceType`) as errors name it. */
export const goString = (name: string, options: StringOptions = {}): GoType<string> =>
  goType(stringDecoder(name), same, { kind: "string", values: options.values })

/** Go `string`. */
export const GoString: GoType<string> = goString("string")

/** Go's reading of a `bool`. */
const decodeBool: Decoder<boolean>["decode"] = (u, into, cx) => {
  if (typeof u === "boolean") return u
  if (u !== null) cx.kindMismatch(u, "bool")
  return into ?? false
}

/** The decoder of Go `bool`. */
export const boolDecoder: Decoder<boolean> = {
  goType: "bool",
  zero: () => false,
  nilable: false,
  raw: false,
  inline: { kind: "bool", zero: false },
  decode: decodeBool,
  scan: (s) => s.leaf(decodeBool)
}

/** Go `bool`. */
export const GoBool: GoType<boolean> = goType(boolDecoder, same, { kind: "bool" })

const integerLiteral = /^-?(?:0|[1-9][0-9]*)$/

const safeMax = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Go's `literalStore` of a number into an integer type: `strconv.ParseInt`
 * (or `ParseUint`, which takes no sign, not even `-0`) of the literal, then
 * the type's range; else `UnmarshalTypeError{"number <literal>"}`.
 */
const integerDecoder = <A extends number | bigint>(
  goType: string,
  min: bigint,
  max: bigint,
  make: (n: bigint, literal: string, cx: Context) => A | undefined,
  small: (n: number) => A,
  zero: A
): Decoder<A> => {
  const lo = Number(min)
  const hi = Number(max)
  const unsigned = min >= 0n
  const decode: Decoder<A>["decode"] = (u, into, cx) => {
    if (typeof u === "number" && Number.isSafeInteger(u) && u >= lo && u <= hi && !(unsigned && Object.is(u, -0))) {
      return small(u)
    }
    if (u === null) return into ?? zero
    if (typeof u !== "number" && typeof u !== "bigint" && !(u instanceof JsonNumber)) {
      cx.kindMismatch(u, goType)
      return into ?? zero
    }
    const literal = literalOf(u, cx)
    if (literal === undefined) return into ?? zero
    const n = integerLiteral.test(literal) && !(unsigned && literal.charCodeAt(0) === 0x2d) ? BigInt(literal) : undefined
    if (n === undefined || n < min || n > max) {
      cx.typeMismatch(`number ${literal}`, goType)
      return into ?? zero
    }
    return make(n, literal, cx) ?? into ?? zero
  }
  return {
    goType,
    zero: () => zero,
    nilable: false,
    raw: false,
    inline: { kind: typeof zero === "bigint" ? "bigint" : "number", zero, lo, hi, unsigned },
    decode,
    scan: (s) => s.leaf(decode)
  }
}

/** The range of a Go integer type held as a JS number: its own, within ±(2^53-1). */
export const safeRange = (min: bigint, max: bigint): readonly [number, number] =>
  [Number(min < -safeMax ? -safeMax : min), Number(max > safeMax ? safeMax : max)]

/**
 * The decoder of a Go integer type held as a JS `number`: values outside
 * the type fail like Go; values inside a 64-bit type but beyond 2^53 are
 * refused, rather than rounded.
 */
export const numberDecoder = (goType: string, min: bigint, max: bigint): Decoder<number> => {
  const lo = min < -safeMax ? -safeMax : min
  const hi = max > safeMax ? safeMax : max
  return integerDecoder(goType, min, max, (n, literal, cx) => {
    if (n >= lo && n <= hi) return Number(n)
    cx.refuse(`number ${literal} is beyond 2^53, not supported for Go type ${goType}`)
    return undefined
  }, smallNumber, 0)
}

/**
 * A Go integer type held as a JS `number`: `int`, `uint`, `int32`,
 * `uint32`, `uint16`, `uint8`, or a named one (`devices.Type`).
 */
export const goNumber = (name: string, min: bigint, max: bigint): GoType<number> =>
  goType(numberDecoder(name, min, max), same, { kind: "number", min, max })

/** A safe integer of the JSON tree as an integer field holds it: `-0` as `0`. */
const smallNumber = (n: number): number => (n === 0 ? 0 : n)

/** The bigints of the small integers most 64-bit fields hold, made once. */
const smallBigInts: ReadonlyArray<bigint> = Array.from({ length: 258 }, (_, i) => BigInt(i - 1))

/** A safe integer of the JSON tree as a 64-bit field holds it. */
const smallBigInt = (n: number): bigint => (n >= -1 && n <= 256 ? smallBigInts[n + 1]! : BigInt(n))

/** The decoder of a 64-bit Go integer type held as a `bigint`. */
export const bigIntDecoder = (goType: string, min: bigint, max: bigint): Decoder<bigint> =>
  integerDecoder(goType, min, max, (n) => n, smallBigInt, 0n)

/** A 64-bit Go integer type held as a `bigint`: `int64`, `uint64`, or a named one (`time.Duration`). */
export const goBigInt = (name: string, min: bigint, max: bigint): GoType<bigint> =>
  goType(bigIntDecoder(name, min, max), same, { kind: "bigint", min, max })

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

/** The decoder of a Go pointer to `inner` (or any nil-able value that is always written): `null` when unset. */
export const nullableDecoder = <A>(inner: Decoder<A>): Decoder<A | null> => {
  const scanInner = scanOf(inner)
  return {
    goType: `*${inner.goType}`,
    zero: () => null,
    nilable: true,
    raw: inner.raw,
    inline: nilInline,
    // Go allocates the pointee on a non-null value, or decodes into the one there.
    decode: (u, into, cx, raw) => (u === null ? null : inner.decode(u, into ?? undefined, cx, raw)),
    scan: (s) => (s.isNull() ? null : scanInner(s))
  }
}

/** The encoder of a pointer. */
export const nullableEncoder = <A>(encode: Encoder<A>): Encoder<A | null> => (a) => (a === null ? null : encode(a))

/** A Go pointer (or any nil-able value that is always written): `null` when unset. */
export const goNullable = <A>(inner: GoType<A>): GoType<A | null> =>
  goType(nullableDecoder(inner.decoder), nullableEncoder(inner.encode), { kind: "nullable", inner: inner as GoType<unknown> })

/** How a slice holds its elements: as values (`[]T`) or as pointers (`[]*T`, where `null` is refused). */
export type Elements = "values" | "pointers"

/** Options of {@link goSlice}. */
export interface SliceOptions {
  /** The slice's Go type name when it is a named type (`configs.Namespaces`). */
  readonly goType?: string
}

/**
 * Go's `decodeState.array` into a slice already there: elements decode
 * into the elements of its backing array (its capacity beyond its length
 * included, with whatever an earlier, longer value left there), which grows
 * as `reflect` grows it when full.
 */
const intoSlice = <A>(
  u: ReadonlyArray<unknown>,
  into: ReadonlyArray<A>,
  cx: Context,
  one: (v: unknown, prev: A | undefined, cx: Context) => A
): Array<A> => {
  let backing: Array<A | undefined> = [...(cx.backingOf(into) ?? into)]
  let length = into.length
  for (let i = 0; i < u.length && !cx.stopped; i++) {
    if (i >= backing.length) {
      const grown: Array<A | undefined> = new Array(Math.max(4, backing.length + (backing.length >> 1)))
      for (let j = 0; j < length; j++) grown[j] = backing[j]
      backing = grown
    }
    if (i >= length) length = i + 1
    const mark = cx.failures.length
    backing[i] = one(u[i], backing[i], cx)
    if (mark !== cx.failures.length) cx.inElement(mark, i)
  }
  const out = backing.slice(0, u.length) as Array<A>
  for (let j = u.length; j < backing.length; j++) {
    if (backing[j] !== undefined) {
      cx.setBacking(out, backing)
      break
    }
  }
  return out
}

/**
 * The decoder of a Go slice: `null` (nil) or an array. A `null` element
 * leaves the element at its zero value (or at what it held: see below),
 * except in a slice of pointers (`[]*Mount`), where Go would store a nil
 * pointer that runc later dereferences: there it is refused. Decoded into a
 * slice already there (a key met twice), the elements decode into the old
 * ones and the backing array is reused, as Go's `decodeState.array` does.
 */
export const sliceDecoder = <A>(
  item: Decoder<A>,
  elements: Elements = "values",
  options: SliceOptions = {}
): Decoder<ReadonlyArray<A> | null> => {
  const goType = options.goType ?? `[]${elements === "pointers" ? "*" : ""}${item.goType}`
  const pointers = elements === "pointers"
  const one = (v: unknown, prev: A | undefined, cx: Context): A => {
    if (v === null && pointers) {
      cx.refuse(`null is not allowed here (Go type ${item.goType})`)
      return null as A
    }
    // the guard checks numbers after keys only: one here has its literal checked in the text
    if (typeof v === "number") cx.doc.arrayNumbers = true
    return item.decode(v, prev ?? undefined, cx, item.raw ? rawTextOf(v, cx) : undefined)
  }
  const scanItem = scanOf(item)
  return {
    goType,
    zero: () => null,
    nilable: true,
    raw: false,
    inline: nilInline,
    scan: (s) => {
      if (s.isNull()) return null
      if (!s.enter(delimiters.OPEN_ARRAY, delimiters.CLOSE_ARRAY)) return []
      // elements gather on the scanner's stack, and the slice is a copy of them: see `Scanner.elements`
      const stack = s.elements
      const base = stack.length
      do {
        // the element `null` the tree's decoding refuses
        if (pointers && s.peek() === 0x6e) throw bail
        stack.push(scanItem(s))
      } while (s.more(delimiters.CLOSE_ARRAY))
      const out = stack.slice(base) as Array<A>
      stack.length = base
      return out
    },
    decode: (u, into, cx) => {
      if (u === null) return null
      if (!Array.isArray(u)) {
        cx.kindMismatch(u, goType)
        return into ?? null
      }
      const n = u.length
      if (n === 0) return []
      cx.depth++
      let out: Array<A>
      if (into === undefined || into === null) {
        out = new Array(n)
        for (let i = 0; i < n && !cx.stopped; i++) {
          const mark = cx.failures.length
          out[i] = one(u[i], undefined, cx)
          if (mark !== cx.failures.length) cx.inElement(mark, i)
        }
      } else {
        out = intoSlice(u, into, cx, one)
      }
      cx.depth--
      return out
    }
  }
}

/** The encoder of a slice. */
export const sliceEncoder = <A>(encode: Encoder<A>): Encoder<ReadonlyArray<A> | null> => (a) =>
  a === null ? null : a.map(encode)

/** A Go slice (see {@link sliceDecoder}). */
export const goSlice = <A>(
  element: GoType<A>,
  elements: Elements = "values",
  options: SliceOptions = {}
): GoType<ReadonlyArray<A> | null> =>
  goType(sliceDecoder(element.decoder, elements, options), sliceEncoder(element.encode), { kind: "slice", element: element as GoType<unknown> })

/** Options of {@link goMap}. */
export interface MapOptions {
  /** The Go type of the keys, when it is a named string type (`configs.NamespaceType`). */
  readonly key?: string
}

/**
 * The decoder of a Go `map[string]V`: `null` (nil) or an object. A key
 * met twice keeps its last value; a map decoded into one already there (a
 * key met twice one level up) gains its keys, as in Go. A `__proto__` key
 * is refused explicitly: it cannot be held faithfully in a JS record.
 */
export const mapDecoder = <A>(item: Decoder<A>, options: MapOptions = {}): Decoder<Readonly<Record<string, A>> | null> => {
  const goType = `map[${options.key ?? "string"}]${item.goType}`
  const read: MemberReader<Record<string, A>> = (out, key, v, index, u, cx) => {
    // V8 lists integer-like keys first: the order of failures would not be the document's.
    if (cx.doc.source === "fast" && isIndexKey(key)) return cx.giveUp()
    const mark = cx.failures.length
    // Go decodes each value into a fresh zero element.
    const decoded = item.decode(v, undefined, cx, item.raw ? memberRaw(u, index, v, cx) : undefined)
    if (mark !== cx.failures.length) cx.inKey(mark, key)
    if (key === "__proto__") cx.refuse("map key \"__proto__\" is not supported")
    else out[key] = decoded
  }
  const scanItem = scanOf(item)
  return {
    goType,
    zero: () => null,
    nilable: true,
    raw: false,
    inline: nilInline,
    scan: (s) => {
      if (s.isNull()) return null
      const out = emptyRecord() as Record<string, A>
      if (!s.enter(delimiters.OPEN_OBJECT, delimiters.CLOSE_OBJECT)) return out
      do {
        const key = s.key()
        // what the tree's decoding refuses or gives up on (key order), and a key met twice
        if (key === "__proto__" || isIndexKey(key) || Object.prototype.hasOwnProperty.call(out, key)) throw bail
        out[key] = scanItem(s)
      } while (s.more(delimiters.CLOSE_OBJECT))
      return out
    },
    decode: (u, into, cx) => {
      if (u === null) return null
      if (!isObjectValue(u)) {
        cx.kindMismatch(u, goType)
        return into ?? null
      }
      const out: Record<string, A> = into === undefined || into === null ? emptyRecord() as Record<string, A> : { ...into }
      cx.depth++
      readMembers(u, cx, read, out)
      cx.depth--
      return out
    }
  }
}

/** The encoder of a map: keys written sorted by their UTF-8 bytes, as Go does. */
export const mapEncoder = <A>(encode: Encoder<A>): Encoder<Readonly<Record<string, A>> | null> => (m) => {
  if (m === null) return null
  const keys = Object.keys(m).sort(compareBytes)
  return new OrderedObject(keys, keys.map((k) => encode(m[k]!)))
}

/** A Go `map[string]V` (see {@link mapDecoder}). */
export const goMap = <A>(value: GoType<A>, options: MapOptions = {}): GoType<Readonly<Record<string, A>> | null> =>
  goType(mapDecoder(value.decoder, options), mapEncoder(value.encode), { kind: "map", value: value as GoType<unknown> })

// ---------------------------------------------------------------------------
// Struct fields

/** Go's `isEmptyValue` for the kinds we mark `omitempty` (not pointers to structs). */
export const isEmptyValue = (v: unknown): boolean =>
  v === false || v === 0 || v === 0n || v === "" || v === null || v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (isObjectValue(v) && !(v instanceof JsonNumber) && Object.keys(v).length === 0)

/** How a struct field reads and writes: its kind, decoder and encoder. */
export interface FieldRule {
  readonly kind: Kind
  readonly decoder: Decoder<unknown>
  readonly encode: Encoder<unknown>
}

/** A struct field of a Go type: see {@link field}, {@link omitEmpty} and {@link omitNil}. */
export interface Field<A, K extends Kind> extends FieldRule {
  readonly kind: K
  readonly type: GoType<A>
}

/** A field that is always written; missing in the input, it reads as the zero value. */
export const field = <A>(type: GoType<A>): Field<A, "field"> => ({
  kind: "field",
  type,
  decoder: type.decoder as Decoder<unknown>,
  encode: type.encode as Encoder<unknown>
})

/** Whether an `omitempty` field read as `v` stays present: a non-nil slice or map, or a non-empty scalar. */
export const kept = (v: unknown): boolean => v !== null && (typeof v === "object" || !isEmptyValue(v))

/**
 * An `omitempty` field of a scalar, slice or map type. Never written when
 * empty (`false`, `0`, `""`, nil or empty slice/map). When read, an empty
 * scalar is the same as a missing one (absent), while an empty slice or map
 * stays present: Go tells a non-nil empty map from a nil one, and runc's
 * validation does (`time_offsets: {}` without NEWTIME is an error).
 */
export const omitEmpty = <A>(type: GoType<A>): Field<A, "omitEmpty"> => ({
  kind: "omitEmpty",
  type,
  decoder: type.decoder as Decoder<unknown>,
  encode: type.encode as Encoder<unknown>
})

/** The decoder of an `omitempty` pointer field whose pointee is `inner`: `null` is nil. */
export const omitNilDecoder = (inner: Decoder<unknown>): Decoder<unknown> => {
  if (inner.nilable) return inner
  const scanInner = scanOf(inner)
  return {
    ...inner,
    nilable: true,
    inline: nilInline,
    decode: (u, into, cx, raw) => (u === null ? null : inner.decode(u, into ?? undefined, cx, raw)),
    scan: (s) => (s.isNull() ? null : scanInner(s))
  }
}

/**
 * An `omitempty` pointer field: absent when nil; a present value is always
 * written. `type` is the pointee's (a type that handles `null` itself, such
 * as runc's `Hooks`, is taken as it is).
 */
export const omitNil = <A>(type: GoType<A>): Field<A, "omitNil"> => ({
  kind: "omitNil",
  type,
  decoder: omitNilDecoder(type.decoder as Decoder<unknown>),
  encode: type.encode as Encoder<unknown>
})

// ---------------------------------------------------------------------------
// Structs

/** Go's case folding for matching object keys to struct fields (ASCII letters, and `K`/`ſ` for `k`/`s`). */
export const foldKey = (key: string): string => {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    if ((c >= 0x41 && c <= 0x5a) || c > 0x7f) return key.toLowerCase().replace(/\u212a/g, "k").replace(/\u017f/g, "s")
  }
  return key
}

/** Options of {@link goStruct}. */
export interface StructOptions {
  /**
   * A field holding an embedded pointer struct (Go `*Resources` inside
   * `Cgroup`): its JSON keys appear directly in this object, at this
   * field's place; in the value they live under `name`, present only when
   * at least one of them was in the input (Go allocates the struct then).
   */
  readonly inline?: { readonly name: string }
}

/**
 * A JSON key of a struct: the field it fills (`slot`), or the embedded
 * struct's field (`inner`) when the key is one of an inlined struct's; the
 * field's decoder.
 */
interface Entry {
  readonly name: string
  /** Its place in Go's field list. */
  readonly order: number
  readonly slot: number
  readonly inner: number
  readonly decoder: Decoder<unknown>
  /** The decoder's `scan` (see `GoScan.scanOf`). */
  readonly scan: (s: Scanner) => unknown
  /** The decoder's {@link Inline}, flattened (one shape for every entry): `kind` 0 when the walk must call it. */
  readonly kind: number
  readonly zero: unknown
  readonly lo: number
  readonly hi: number
  readonly unsigned: boolean
}

const inlineKinds = { string: 1, bool: 2, number: 3, bigint: 4, nil: 5 } as const

/** The inline fields of an entry whose field is filled by `decoder` (`inner` ≥ 0, a field of an embedded struct, never reads inline). */
const inlineOf = (decoder: Decoder<unknown>, inner: number): Pick<Entry, "kind" | "zero" | "lo" | "hi" | "unsigned"> => {
  const inline = inner < 0 ? decoder.inline : undefined
  if (inline === undefined) return { kind: 0, zero: undefined, lo: 0, hi: 0, unsigned: false }
  if (inline.kind === "nil") return { kind: inlineKinds.nil, zero: null, lo: 0, hi: 0, unsigned: false }
  if (inline.kind === "number" || inline.kind === "bigint") {
    return { kind: inlineKinds[inline.kind], zero: inline.zero, lo: inline.lo, hi: inline.hi, unsigned: inline.unsigned }
  }
  return { kind: inlineKinds[inline.kind], zero: inline.zero, lo: 0, hi: 0, unsigned: false }
}

/**
 * Reads `value` into `values[e.slot]` as `e.decoder.decode` would, when its
 * {@link Inline} covers it (see `Decoder.inline`); `false` when the decoder
 * must be called. No failure can come of a value read here.
 */
const readInline = (e: Entry, value: unknown, values: Array<unknown>): boolean => {
  const kind = e.kind
  if (value === null) {
    if (kind === inlineKinds.nil) values[e.slot] = null
    else if (values[e.slot] === undefined) values[e.slot] = e.zero
    return true
  }
  switch (typeof value) {
    case "string":
      if (kind !== inlineKinds.string) return false
      values[e.slot] = value
      return true
    case "boolean":
      if (kind !== inlineKinds.bool) return false
      values[e.slot] = value
      return true
    case "number": {
      if (kind !== inlineKinds.number && kind !== inlineKinds.bigint) return false
      const held = plainInteger(e, value)
      if (held === undefined) return false
      values[e.slot] = held
      return true
    }
  }
  return false
}

/**
 * What an integer field `e` (inline kind number or bigint) holds for the
 * JS number `n` when `decode` would take it as it is — a safe integer in
 * the type's range, not `-0` for an unsigned type —, else `undefined`.
 */
const plainInteger = (e: Entry, n: number): number | bigint | undefined => {
  if (!Number.isSafeInteger(n) || n < e.lo || n > e.hi || (e.unsigned && Object.is(n, -0))) return undefined
  return e.kind === inlineKinds.number ? smallNumber(n) : smallBigInt(n)
}

/**
 * Reads the value of field `e` from a compact document, as `e.scan` would:
 * a plain string, integer ({@link plainInteger}, as {@link readInline}
 * takes one from a tree) or `null` of an {@link Inline} field here;
 * anything else through `e.scan`.
 */
const scanField = (e: Entry, s: Scanner): unknown => {
  const kind = e.kind
  const c = s.peek()
  if (kind === inlineKinds.string) {
    if (c === 0x22) return s.string()
  } else if (kind === inlineKinds.number || kind === inlineKinds.bigint) {
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
      const n = s.integer()
      const held = typeof n === "number" ? plainInteger(e, n) : undefined
      return held !== undefined ? held : s.decoded(e.decoder.decode, n)
    }
  } else if (kind === inlineKinds.nil) {
    if (s.isNull()) return null
  }
  return e.scan(s)
}

/** What the decoder of a struct knows of it: its fields, their rules, and how to build its value. */
interface StructPlan {
  readonly goType: string
  readonly names: ReadonlyArray<string>
  readonly rules: ReadonlyArray<FieldRule>
  /** The values of `value`'s fields by slot (`undefined`: at the zero value). */
  readonly valuesOf: (value: unknown) => Array<unknown>
  /** The struct value from its fields' values, in declaration order. */
  readonly build: (values: ReadonlyArray<unknown>) => Record<string, unknown>
}

const StructPlanId: unique symbol = Symbol.for("effect-libcontainer/GoStructPlan")

/**
 * The value of a struct from its fields' values (by slot, `undefined` for
 * the zero value), in declaration order: `field`s always, `omitEmpty`
 * fields when kept, `omitNil` fields when not nil.
 */
export type Build = (values: ReadonlyArray<unknown>) => Record<string, unknown>

/** {@link Build} as a loop over the fields. Exported for tests. */
export const buildLoop = (names: ReadonlyArray<string>, kinds: ReadonlyArray<Kind>, zeros: ReadonlyArray<() => unknown>): Build =>
(values) => {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < names.length; i++) {
    const v = values[i]
    switch (kinds[i]) {
      case "field":
        out[names[i]!] = v === undefined ? zeros[i]!() : v
        break
      case "omitEmpty":
        if (v !== undefined && kept(v)) out[names[i]!] = v
        break
      default:
        if (v !== undefined && v !== null) out[names[i]!] = v
    }
  }
  return out
}

/**
 * {@link Build} as straight-line code made from the field list when the
 * struct is defined: a constructor of plain objects storing each field by
 * name (`plainRecord.constructorOf`; a constructor rather than an object
 * literal, so that V8 does not start allocating the states a list keeps in
 * the old generation — see `internal/plainRecord.ts`). Falls back to
 * {@link buildLoop} where code generation is disallowed. The code holds
 * nothing but the field names, quoted, and slot numbers. Exported for tests.
 */
export const buildCode = (names: ReadonlyArray<string>, kinds: ReadonlyArray<Kind>, zeros: ReadonlyArray<() => unknown>): Build => {
  if (names.includes("__proto__")) return buildLoop(names, kinds, zeros)
  const stores = names.map((name, i) => {
    const key = JSON.stringify(name)
    const v = `v[${i}]`
    if (kinds[i] === "field") return `this[${key}] = ${v} === undefined ? z[${i}]() : ${v};`
    const present = kinds[i] === "omitEmpty" ? `kept(${v})` : `${v} !== null`
    return `if (${v} !== undefined && ${present}) this[${key}] = ${v};`
  })
  return constructorOf<Record<string, unknown>>(["v"], stores.join(" "), { kept, z: zeros }) ?? buildLoop(names, kinds, zeros)
}

const makePlan = (goType: string, names: ReadonlyArray<string>, rules: ReadonlyArray<FieldRule>): StructPlan => {
  const kinds = rules.map((r) => r.kind)
  const zeros = rules.map((r) => r.decoder.zero)
  // made on the first value built: a program that never decodes this struct never compiles its code
  let build: Build | undefined
  return {
    goType,
    names,
    rules,
    valuesOf: (value) => {
      const record = value as Record<string, unknown>
      return names.map((name) => record[name])
    },
    build: (values) => (build ??= buildCode(names, kinds, zeros))(values)
  }
}

/** The short name Go's errors give a struct type: `configs.Mount` → `Mount`. */
export const shortName = (goType: string): string => goType.slice(goType.lastIndexOf(".") + 1)

/**
 * The decoder of a Go struct whose fields are `names` read by `rules`:
 * keys matched exactly, then case-insensitively (the first field in
 * declaration order whose name folds the same); unknown keys ignored.
 */
export const structDecoder = (
  goType: string,
  names: ReadonlyArray<string>,
  rules: ReadonlyArray<FieldRule>,
  options: StructOptions = {}
): Decoder<Record<string, unknown>> => {
  const plan = makePlan(goType, names, rules)
  const struct = shortName(goType)
  const inlineSlot = options.inline === undefined ? -1 : names.indexOf(options.inline.name)
  const inline = inlineSlot < 0
    ? undefined
    : (rules[inlineSlot]!.decoder as unknown as { readonly [StructPlanId]?: StructPlan })[StructPlanId]
  // Go's field list: declaration order, an embedded struct's fields at its place.
  const entries: Array<Entry> = []
  const entry = (name: string, slot: number, inner: number, decoder: Decoder<unknown>): Entry => ({
    name,
    order: entries.length,
    slot,
    inner,
    decoder,
    scan: scanOf(decoder),
    ...inlineOf(decoder, inner)
  })
  names.forEach((name, slot) => {
    if (slot !== inlineSlot) entries.push(entry(name, slot, -1, rules[slot]!.decoder))
    else inline?.names.forEach((innerName, inner) => entries.push(entry(innerName, slot, inner, inline.rules[inner]!.decoder)))
  })
  const exact = new Map(entries.map((e) => [e.name, e]))
  const folded = new Map<string, Entry>()
  for (const e of [...entries].reverse()) folded.set(foldKey(e.name), e)

  /**
   * One decoding of the struct: its fields' values by slot, the embedded
   * struct's once one of its keys appeared, and the entry the next key is
   * most likely to be (writers put the keys in field order).
   */
  interface Reading {
    readonly values: Array<unknown>
    embedded: Array<unknown> | undefined
    next: number
  }
  const read: MemberReader<Reading> = (reading, key, value, index, u, cx) => {
    const guess = reading.next < entries.length ? entries[reading.next]! : undefined
    const e = guess !== undefined && guess.name === key ? guess : exact.get(key) ?? folded.get(foldKey(key))
    if (e === undefined) return cx.skip(value)
    reading.next = e.order + 1
    const mark = cx.failures.length
    let target = reading.values
    let slot = e.slot
    if (e.inner >= 0) {
      // Go allocates the embedded struct as soon as one of its keys appears.
      if (reading.embedded === undefined) {
        const current = target[e.slot]
        reading.embedded = current === undefined ? new Array<unknown>(inline!.names.length) : inline!.valuesOf(current)
      }
      target = reading.embedded
      slot = e.inner
    }
    const { decoder } = e
    target[slot] = decoder.decode(value, target[slot], cx, decoder.raw ? memberRaw(u, index, value, cx) : undefined)
    if (mark !== cx.failures.length) cx.inField(mark, e.name, struct)
  }

  /** Each entry's key as Go's encoder writes it, with its colon (`"name":`), in bytes; made when the struct is first scanned. */
  let tokens: ReadonlyArray<Uint8Array> | undefined
  /**
   * The compact reading of the struct: each key the next field's token (as
   * Go writes them) or looked up as the walk looks it up, each field read
   * once — a second key for one, and the reading stops —, plain scalars
   * read here as {@link readInline} reads them from a tree.
   */
  const scan = (s: Scanner): Record<string, unknown> => {
    if (s.isNull()) return plan.build([])
    const values = new Array<unknown>(names.length)
    if (!s.enter(delimiters.OPEN_OBJECT, delimiters.CLOSE_OBJECT)) return plan.build(values)
    const keyTokens = tokens ??= entries.map((e) => asciiBytes(`"${e.name}":`))
    let embedded: Array<unknown> | undefined
    let next = 0
    do {
      let e = next < entries.length ? entries[next]! : undefined
      if (e === undefined || !s.token(keyTokens[e.order]!)) {
        const key = s.key()
        e = exact.get(key) ?? folded.get(foldKey(key))
        if (e === undefined) {
          s.skipValue()
          continue
        }
      }
      next = e.order + 1
      if (e.inner >= 0) {
        embedded ??= new Array<unknown>(inline!.names.length)
        if (embedded[e.inner] !== undefined) throw bail
        embedded[e.inner] = e.scan(s)
      } else {
        if (values[e.slot] !== undefined) throw bail
        values[e.slot] = scanField(e, s)
      }
    } while (s.more(delimiters.CLOSE_OBJECT))
    if (embedded !== undefined) values[inlineSlot] = inline!.build(embedded)
    return plan.build(values)
  }

  const decoder: Decoder<Record<string, unknown>> & { readonly [StructPlanId]: StructPlan } = {
    [StructPlanId]: plan,
    goType,
    zero: () => plan.build([]),
    nilable: false,
    raw: false,
    scan,
    decode: (u, into, cx) => {
      if (u === null) return into ?? plan.build([])
      if (!isObjectValue(u)) {
        cx.kindMismatch(u, goType)
        return into ?? plan.build([])
      }
      const reading: Reading = {
        values: into === undefined ? new Array<unknown>(names.length) : plan.valuesOf(into),
        embedded: undefined,
        next: 0
      }
      cx.depth++
      // readMembers, inline: the call to `read` stays monomorphic here
      if (u instanceof JsonObject) {
        const { keys, values } = u
        for (let i = 0; i < keys.length && !cx.stopped; i++) read(reading, keys[i]!, values[i], i, u, cx)
      } else if (cx.doc.source === "fast") {
        const record = u as Record<string, unknown>
        let i = 0
        for (const key in record) {
          const value = record[key]
          // the field the writer most likely put next, read without a call to its decoder when it can be
          const guess = reading.next < entries.length ? entries[reading.next]! : undefined
          if (guess !== undefined && guess.kind !== 0 && guess.name === key && readInline(guess, value, reading.values)) {
            reading.next = guess.order + 1
            i++
            continue
          }
          read(reading, key, value, i++, u, cx)
          if (cx.stopped) break
        }
        cx.doc.members += i
      } else {
        readMembers(u, cx, read, reading)
      }
      cx.depth--
      if (reading.embedded !== undefined) reading.values[inlineSlot] = inline!.build(reading.embedded)
      return plan.build(reading.values)
    }
  }
  return decoder
}

/** The encoder of a struct: its fields in declaration order, an `omitempty` field only when not empty, an inlined struct's fields in its place. */
export const structEncoder = (
  names: ReadonlyArray<string>,
  rules: ReadonlyArray<FieldRule>,
  options: StructOptions = {}
): Encoder<Record<string, unknown>> => {
  const inlineSlot = options.inline === undefined ? -1 : names.indexOf(options.inline.name)
  return (a) => {
    const out: Record<string, EncodableValue> = {}
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      const rule = rules[i]!
      const v = a[name]
      if (v === undefined || (rule.kind === "omitEmpty" && isEmptyValue(v))) continue
      const written = rule.encode(v)
      if (i === inlineSlot) Object.assign(out, written)
      else out[name] = written
    }
    return out
  }
}

/** The fields of a struct type, by name. */
export type Fields = Readonly<Record<string, FieldRule & { readonly type: unknown }>>

/** The value of a struct with `fields`: `field`s always there, the others optional. */
export type StructType<F extends Fields> = Simplify<
  & { readonly [K in keyof F as F[K]["kind"] extends "field" ? K : never]: TypeOf<F[K]["type"]> }
  & { readonly [K in keyof F as F[K]["kind"] extends "field" ? never : K]?: TypeOf<F[K]["type"]> }
>

/**
 * A Go struct: keys matched exactly, then case-insensitively (the first
 * field in declaration order whose name folds the same); unknown keys
 * ignored; written in field declaration order.
 */
export const goStruct = <F extends Fields>(
  name: string,
  fields: F,
  options: StructOptions = {}
): GoType<StructType<F>> => {
  const names = Object.keys(fields)
  const rules = names.map((n) => fields[n]!)
  return goType(
    structDecoder(name, names, rules, options),
    structEncoder(names, rules, options),
    { kind: "struct", fields, inline: options.inline?.name }
  ) as unknown as GoType<StructType<F>>
}

// ---------------------------------------------------------------------------
// Types with their own UnmarshalJSON

/** Options of {@link goUnmarshaler}. */
export interface UnmarshalerOptions<I, A> {
  /** The Go type's name. */
  readonly goType: string
  /** What its `UnmarshalJSON` reads the raw value into, with `json.Unmarshal`. */
  readonly from: Decoder<I>
  /** The value it then makes of what it read. */
  readonly decode: (read: I) => A
  /** Its `MarshalJSON`, as a JSON tree. */
  readonly encode: Encoder<A>
  /** Its zero value. */
  readonly zero: () => A
}

/** Options of {@link goUnmarshaler}: {@link UnmarshalerOptions} and the schema of its values. */
export interface UnmarshalerTypeOptions<I, A> extends UnmarshalerOptions<I, A> {
  /** The schema of the decoded value (types, validation, arbitraries). */
  readonly schema: SchemaRecipe<A>
}

/**
 * The decoder of a Go type whose `UnmarshalJSON` decodes its raw value
 * with `json.Unmarshal` into another type (runc's `Hooks`): each occurrence
 * replaces the value (`null` included: `json.Unmarshal` of `null`), and the
 * first error of that inner decoding ends the whole decoding, as Go's
 * decoder returns an `UnmarshalJSON` error at once — a type mismatch then
 * reads as Go's outer decoder rewrites it, naming this field.
 */
export const unmarshalerDecoder = <I, A>(options: UnmarshalerOptions<I, A>): Decoder<A> => {
  const from = options.from
  const scanFrom = scanOf(from)
  return {
    goType: options.goType,
    zero: options.zero,
    nilable: true,
    raw: false,
    // a failure inside stops the reading, so there is no error of its own to make
    scan: (s) => options.decode(scanFrom(s)),
    decode: (u, into, cx) => {
      const inner = new Context(cx.doc)
      inner.depth = cx.depth
      const read = from.decode(u, undefined, inner, undefined)
      cx.pending.push(...inner.pending)
      if (inner.doc.inexact) cx.giveUp()
      const failed = inner.own ?? inner.mismatch
      if (failed !== undefined) {
        cx.ownError(failed.text, failed.goType).path.push(...failed.path)
        return into ?? options.zero()
      }
      if (inner.refusal !== undefined) cx.adopt(inner.refusal)
      return options.decode(read)
    }
  }
}

/** A Go type with its own `UnmarshalJSON` (see {@link unmarshalerDecoder}). */
export const goUnmarshaler = <I, A>(options: UnmarshalerTypeOptions<I, A>): GoType<A> =>
  goType(unmarshalerDecoder(options), options.encode, {
    kind: "unmarshaler",
    schema: options.schema as SchemaRecipe<unknown>
  })

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

/**
 * Go `time.Time`'s reading, a json.Unmarshaler: decoded from the
 * member's raw JSON text (`UnmarshalJSON` is `time.Parse` over it; `null`
 * changes nothing), with Go's parse errors as the whole message; held as
 * the text `MarshalJSON` writes back.
 */
const decodeTime: Decoder<string>["decode"] = (u, into, cx, raw) => {
  const text = raw ?? rawTextOf(u, cx)
  if (text === undefined) return into ?? zeroTime
  const r = GoTimeJson.unmarshal(text, cx.doc.bytes)
  if (r._tag === "Failed") cx.ownError(r.message)
  return r._tag === "Time" ? r.text : into ?? zeroTime
}

/** The decoder of Go `time.Time` (see {@link decodeTime}); its scan reads a string or `null` only. */
export const timeDecoder: Decoder<string> = {
  goType: "time.Time",
  zero: () => zeroTime,
  nilable: false,
  raw: true,
  decode: decodeTime,
  scan: (s) => s.leaf(decodeTime, true)
}

/**
 * Go `time.Time` (see {@link timeDecoder}). Its raw text is exact as a
 * struct field or map value; elsewhere it is the value written again.
 */
export const GoTime: GoType<string> = goType(timeDecoder, same, { kind: "time" })
