/**
 * The fast path of Go-style decoding: plain functions from a parsed
 * {@link JsonValue} tree to the value the matching schema of `GoSchema.ts`
 * would produce, without Effect Schema's interpreter. Each schema builder
 * attaches its fast decoder as an annotation ({@link GoFastId}); a composite
 * schema has one only when all its parts do.
 *
 * A fast decoder never reports an error: on anything the schema might
 * refuse it returns {@link bail}, and the caller runs the schema instead, so
 * failures keep the schema's messages exactly. On success the value is the
 * one the schema produces — same fields, same key order, same zero values.
 * The schemas stay the reference; `test/internal/json/fastDecode.test.ts`
 * holds the two to each other.
 */
import type * as Schema from "effect/Schema"
import { JsonNumber } from "./GoJson.js"

/** What a fast decoder returns when the schema has to decide. */
export const bail: unique symbol = Symbol.for("effect-libcontainer/GoFast/bail")

/** A fast decoder: the decoded value, or {@link bail}. */
export type Fast<A> = (u: unknown) => A | typeof bail

/** Annotation holding a schema's fast decoder. */
export const GoFastId: unique symbol = Symbol.for("effect-libcontainer/GoFast")

/** The fast decoder recorded on a schema, if it has one. */
export const fastOf = <A>(schema: Schema.Schema<A, unknown>): Fast<A> | undefined => {
  const fast = schema.ast.annotations[GoFastId]
  return typeof fast === "function" ? (fast as Fast<A>) : undefined
}

/** Whether `u` is a JSON object as the parser produces it (not an array, not a number). */
export const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof JsonNumber)

// ---------------------------------------------------------------------------
// Scalars

/** Written by {@link flat}, so the read it does is never dropped as dead code. */
let _lastFirstChar = 0

/**
 * The same string, flattened: reading a character makes V8 flatten a
 * concatenation (a rope) in place. `parseJson` hands out flat strings; a
 * value built any other way may be a rope several times its size.
 */
const flat = (s: string): string => {
  _lastFirstChar ^= s.charCodeAt(0) | 0
  return s
}

/** Go `string`. */
export const string: Fast<string> = (u) => (typeof u === "string" ? flat(u) : bail)

/** Go `bool`. */
export const boolean: Fast<boolean> = (u) => (typeof u === "boolean" ? u : bail)

/**
 * Whether `s` is an integer literal as the schemas accept it: an optional
 * `-`, then `0` or digits without a leading zero.
 */
const isIntegerLiteral = (s: string): boolean => {
  let i = s.charCodeAt(0) === 0x2d ? 1 : 0
  const first = i
  if (i >= s.length) return false
  if (s.charCodeAt(i) === 0x30) return s.length === i + 1
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false
  }
  return i > first
}

/** Literals this short (sign included) are exact as doubles: at most 15 digits. */
const exactLength = 15

/**
 * A Go integer held as a number, within `[min, max]` (bounds already clamped
 * to what a double holds exactly).
 */
export const number = (min: bigint, max: bigint): Fast<number> => {
  const lo = Number(min)
  const hi = Number(max)
  return (u) => {
    if (!(u instanceof JsonNumber)) return bail
    const s = u.literal
    if (!isIntegerLiteral(s)) return bail
    if (s.length <= exactLength) {
      const n = Number(s)
      return n < lo || n > hi ? bail : n === 0 ? 0 : n
    }
    const n = BigInt(s)
    return n < min || n > max ? bail : Number(n)
  }
}

/** A 64-bit Go integer held as a bigint, within `[min, max]`. */
export const bigint = (min: bigint, max: bigint): Fast<bigint> => (u) => {
  if (!(u instanceof JsonNumber) || !isIntegerLiteral(u.literal)) return bail
  const n = BigInt(u.literal)
  return n < min || n > max ? bail : n
}

/**
 * Go `time.Time`: the text `decode` gives for the value (a string or the
 * member's raw occurrences), or bail when Go would refuse it.
 */
export const time = (decode: (u: unknown) => string | undefined): Fast<string> => (u) => {
  const text = decode(u)
  return text === undefined ? bail : flat(text)
}

// ---------------------------------------------------------------------------
// References, slices, maps

/** A Go pointer: `null` stays `null`. */
export const nullable = <A>(value: Fast<A>): Fast<A | null> => (u) => (u === null ? null : value(u))

/** A slice element or map value: `null` is `zero()` (refused without one), anything else goes through `decode`. */
const item = <A>(u: unknown, decode: Fast<A>, zero: (() => A) | undefined): A | typeof bail =>
  u === null ? (zero === undefined ? bail : zero()) : decode(u)

/**
 * A Go slice: `null` or an array; a `null` element is `zero()` when given
 * (a slice of values), else refused (a slice of pointers).
 */
export const slice = <A>(element: Fast<A>, zero: (() => A) | undefined): Fast<ReadonlyArray<A> | null> => (u) => {
  if (u === null) return null
  if (!Array.isArray(u)) return bail
  const out: Array<A> = new Array(u.length)
  for (let i = 0; i < u.length; i++) {
    const decoded = item(u[i], element, zero)
    if (decoded === bail) return bail
    out[i] = decoded
  }
  return out
}

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key)

/** A Go `map[string]V`: `null`, or an object without a `__proto__` key; `null` values are `zero()` (refused without one). */
export const map = <A>(value: Fast<A>, zero: (() => A) | undefined): Fast<Readonly<Record<string, A>> | null> => (u) => {
  if (u === null) return null
  if (!isObject(u) || hasOwn(u, "__proto__")) return bail
  const out: Record<string, A> = {}
  for (const key of Object.keys(u)) {
    const decoded = item(u[key], value, zero)
    if (decoded === bail) return bail
    out[key] = decoded
  }
  return out
}

// ---------------------------------------------------------------------------
// Structs

/** How a struct field reads its key: see `field`, `omitEmpty` and `omitNil` in `GoSchema.ts`. */
export type FieldRule =
  /** Always present: missing means `zero()`. */
  | { readonly _tag: "Field"; readonly decode: Fast<unknown>; readonly zero: () => unknown }
  /** Absent when missing, or when the value read is empty (a scalar) or nil. */
  | { readonly _tag: "OmitEmpty"; readonly decode: Fast<unknown>; readonly isEmpty: (v: unknown) => boolean }
  /** Absent when missing. */
  | { readonly _tag: "OmitNil"; readonly decode: Fast<unknown> }

const rules = new WeakMap<object, FieldRule>()

/** Records how the property signature `ps` reads; `GoSchema.ts` calls it for each field it builds. */
export const registerField = <P extends object>(ps: P, rule: FieldRule | undefined): P => {
  if (rule !== undefined) rules.set(ps, rule)
  return ps
}

/** The rule recorded for a property signature, if any. */
export const ruleOf = (ps: object): FieldRule | undefined => rules.get(ps)

/** The struct facts the fast decoder needs, as `goStruct` computes them. */
export interface StructPlan {
  /** Fields in declaration order, with their rules. */
  readonly fields: ReadonlyArray<readonly [name: string, rule: FieldRule]>
  /** The key a JSON key lands on (exact first, then Go's case folding), if any. */
  readonly target: (key: string) => string | undefined
  /** Keys of an embedded pointer struct, and the field that holds them. */
  readonly inline: { readonly name: string; readonly keys: ReadonlySet<string> } | undefined
  /** Fields whose `null` is passed on instead of read as missing. */
  readonly keepNull: ReadonlySet<string>
}

/** Marks a field whose key was seen with `null`: missing, unless the field keeps nulls. */
const missing: unique symbol = Symbol.for("effect-libcontainer/GoFast/missing")

/** Where a JSON key goes: a field's index, {@link ignored}, or an embedded key (`-2 - i`, see `embedded`). */
type Slot = number

const ignored: Slot = -1

/** Slots of unknown keys remembered per struct type; beyond this, they are recomputed each time. */
const maxRememberedKeys = 256

/**
 * A Go struct, as `goStruct` reads it: keys matched to fields (last
 * duplicate wins, `null` means missing), embedded keys gathered under
 * their field, then every field read by its rule, in declaration order.
 */
export const struct = (plan: StructPlan): Fast<Record<string, unknown>> => {
  const count = plan.fields.length
  const names = plan.fields.map(([name]) => name)
  const decoders = plan.fields.map(([, rule]) => rule)
  const keepsNull = names.map((name) => plan.keepNull.has(name))
  const inlineIndex = plan.inline === undefined ? -1 : names.indexOf(plan.inline.name)
  const embedded: Array<string> = []
  const slots = new Map<string, Slot>()
  const slotOf = (key: string): Slot => {
    const known = slots.get(key)
    if (known !== undefined) return known
    const target = plan.target(key)
    let slot = ignored
    if (target !== undefined && plan.inline?.keys.has(target) === true) {
      let at = embedded.indexOf(target)
      if (at < 0) at = embedded.push(target) - 1
      slot = -2 - at
    } else if (target !== undefined) {
      slot = names.indexOf(target)
    }
    if (slots.size < maxRememberedKeys) slots.set(key, slot)
    return slot
  }
  return (u) => {
    if (!isObject(u)) return bail
    const seen: Array<unknown> = new Array(count)
    let nested: Record<string, unknown> | undefined
    for (const key of Object.keys(u)) {
      const slot = slotOf(key)
      if (slot === ignored) continue
      const value = u[key]
      if (slot >= 0) {
        seen[slot] = value === null && !keepsNull[slot] ? missing : value
        continue
      }
      // Go allocates the embedded struct as soon as one of its keys appears.
      const target = embedded[-2 - slot]!
      nested ??= {}
      if (value === null) delete nested[target]
      else nested[target] = value
    }
    if (nested !== undefined && inlineIndex >= 0) seen[inlineIndex] = nested
    const out: Record<string, unknown> = {}
    for (let i = 0; i < count; i++) {
      const rule = decoders[i]!
      const raw = seen[i]
      if (raw === undefined || raw === missing) {
        if (rule._tag === "Field") out[names[i]!] = rule.zero()
        continue
      }
      const decoded = rule.decode(raw)
      if (decoded === bail) return bail
      if (rule._tag === "OmitEmpty" && rule.isEmpty(decoded)) continue
      out[names[i]!] = decoded
    }
    return out
  }
}
