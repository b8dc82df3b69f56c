/**
 * Go's `encoding/json` decoding (`decode.go` of Go 1.19, runc 1.1.5's Go),
 * as plain functions over a parsed JSON tree. Each Go type of a schema
 * (`GoSchema.ts`) carries one {@link Decoder}; a document is decoded by the
 * decoder of its top-level type, which calls those of its parts:
 *
 * - a value is decoded *into* the value already at its place, as Go does: a
 *   key met twice (or in two case variants) decodes twice into the same
 *   field — structs and maps merge, a slice reuses its backing array, `null`
 *   leaves a string, number, bool or struct as it was and clears a pointer,
 *   slice or map;
 * - a type mismatch is remembered (the first, in document order) and
 *   decoding goes on; the error of a type with its own `UnmarshalJSON`
 *   (`time.Time`, runc's `Hooks`) ends decoding at once and wins; texts and
 *   field paths are Go's (`json: cannot unmarshal string into Go struct
 *   field Mount.config.mounts.flags of type int`);
 * - where Go would accept what this library refuses (an integer beyond 2^53
 *   for a field held as a JS number, `null` in a slice of pointers, a map key
 *   `__proto__`), the refusal comes last: any error Go reports wins over it.
 *
 * The tree comes from one of two parsers. {@link decodeText} first tries V8's
 * `JSON.parse` — fast, but it keeps only the last of duplicate keys, moves
 * integer-like keys first, reads numbers as doubles and leaves lone
 * surrogates alone — behind an exactness guard: the text has no number with
 * a fraction or exponent, no `\u0000` or surrogate escape and (for a string
 * input) no raw surrogate; the decoders meet no integer-like map key, no
 * integer beyond 2^53 whose literal the text does not give unambiguously, no
 * `UnmarshalJSON` value whose raw text the tree cannot give back, no
 * nesting near Go's limit; and the objects of the tree hold as many members
 * as the text has keys (so no key was dropped as a duplicate). Any doubt,
 * and the text is parsed again with `GoJson.ts`'s exact scanner, whose tree
 * holds everything Go reads; the same decoders then run over it.
 *
 * Before either, the bytes of a document written as Go's encoder writes it
 * (runc's state.json) are read without a tree: each decoder's `scan`
 * ({@link Decoder.scan}, `GoScan.ts`) takes its value straight from them
 * and hands every scalar to its own `decode`, and stops — leaving the
 * document to the trees — at anything it is not sure of.
 */
import { isAscii, isUtf8 } from "node:buffer"
import { Bail, Scanner } from "./GoScan.js"
import {
  decodeUtf8,
  type EncodableValue,
  type ExactValue,
  JsonNumber,
  JsonObject,
  type JsonSyntaxError,
  maxDepth,
  parseExact,
  quote,
  stringify
} from "./GoJson.js"

// ---------------------------------------------------------------------------
// Failures

/** What went wrong, with the place it went wrong at, built up as decoding unwinds. */
export class Failure {
  /** JSON field names from the document's top, innermost first (Go's `errorContext.FieldStack`, reversed). */
  readonly fields: Array<string> = []
  /** Our path, innermost first: field names, slice indexes, map keys. */
  readonly path: Array<string | number | MapKey> = []
  /** Go's `errorContext.Struct`: the innermost struct type around the failure. */
  struct: string | undefined = undefined
  constructor(
    readonly kind: "mismatch" | "own" | "refusal",
    /** A mismatch: Go's `UnmarshalTypeError.Value` (`string`, `number 1.5`, …); else the whole text. */
    readonly text: string,
    /** A mismatch: the Go type it was read into. */
    readonly goType: string
  ) {}
}

/** A map key in a path (written `.key`, like a field, but not a Go struct field). */
export class MapKey {
  constructor(readonly key: string) {}
}

/** A decoding failure as the document's reader reports it. */
export interface DecodeFailure {
  /** Our path to the failing value: `config.mounts[0].flags`. */
  readonly field: string
  /** The error text: Go's, or ours for a refusal (`State.config.mounts[0]: null is not allowed here …`). */
  readonly reason: string
}

const pathText = (path: ReadonlyArray<string | number | MapKey>): string => {
  let out = ""
  for (let i = path.length - 1; i >= 0; i--) {
    const p = path[i]!
    if (typeof p === "number") out += `[${p}]`
    else {
      const name = typeof p === "string" ? p : p.key
      out += out === "" ? name : `.${name}`
    }
  }
  return out
}

/** The text Go's `UnmarshalTypeError.Error()` gives for a mismatch. */
const mismatchText = (f: Failure): string =>
  f.struct === undefined
    ? `json: cannot unmarshal ${f.text} into Go value of type ${f.goType}`
    : `json: cannot unmarshal ${f.text} into Go struct field ${f.struct}.${[...f.fields].reverse().join(".")} of type ${f.goType}`

const toDecodeFailure = (f: Failure, document: string): DecodeFailure => {
  const field = pathText(f.path)
  switch (f.kind) {
    case "mismatch":
      return { field, reason: mismatchText(f) }
    case "own":
      return { field, reason: f.goType === "" ? f.text : mismatchText(f) }
    case "refusal":
      return { field, reason: field === "" ? f.text : `${document}.${field}: ${f.text}` }
  }
}

// ---------------------------------------------------------------------------
// The document being decoded

/**
 * Where a tree came from: `JSON.parse` of `text` (`"fast"`, guarded),
 * `parseExact` of `text` (`"exact"`), or a value built in JS (`"plain"`:
 * numbers are JS numbers or bigints, raw texts are re-encoded); or no tree:
 * the decoders' `scan` read `text` (`"scan"`, `GoScan.ts`), handing
 * `decode` only scalars, integers beyond 15 digits as their literal, and
 * the raw text of a string or `null`.
 */
export type Source = "fast" | "exact" | "plain" | "scan"

/** A member value of a struct or map that the decoding walk does not read; counted and measured on the fast path. */
interface Pending {
  readonly value: unknown
  readonly depth: number
}

/** Go's nesting limit, less a margin for the depth of the decoders' own schemas. */
const depthMargin = maxDepth - 256

const integerLiteral = /^-?(?:0|[1-9][0-9]*)$/

/**
 * The state shared by every decoder of one document: where the tree came
 * from, and what the fast path's guard learns while the tree is walked.
 */
export class Document {
  /** Object members seen by the walk (fast path: compared with the keys of the text). */
  members = 0
  /** Set when the fast path's tree cannot give what Go reads: the text is then decoded exactly. */
  inexact = false
  /** Set when a number in an array was decoded: its literal is then checked in the text (see `countKeys`). */
  arrayNumbers = false
  private bigLiterals: Map<number, string | null> | undefined
  private escapedStrings: Set<string> | undefined
  constructor(
    readonly source: Source,
    readonly text: string,
    /** The text came from {@link decodeUtf8}: a lone surrogate stands for an invalid byte. */
    readonly bytes: boolean
  ) {}

  /**
   * The literal text of an integer the fast path read as a double beyond
   * 2^53: the only digit run of the text with that value, else `undefined`
   * (and the text is decoded exactly).
   */
  bigLiteral(n: number): string | undefined {
    const known = (this.bigLiterals ??= new Map()).get(n)
    const literal = known !== undefined ? known : findLiteral(this.text, n)
    this.bigLiterals.set(n, literal)
    if (literal !== null) return literal
    this.inexact = true
    return undefined
  }

  /**
   * Whether a string of the fast path's tree was written without escapes
   * (its raw text is then `"s"`): true unless some escaped string literal of
   * the text has the same value.
   */
  unescaped(s: string): boolean {
    const text = this.text
    if (text.indexOf("\\") < 0) return true
    if (this.escapedStrings === undefined) {
      const found = new Set<string>()
      // Every string literal holding a backslash: from each backslash back to its opening quote and on to its closing one.
      for (let at = text.indexOf("\\"); at >= 0;) {
        let open = at
        while (open > 0 && !(text.charCodeAt(open - 1) === 0x22 && !escapedQuote(text, open - 1))) open--
        let close = at
        while (close < text.length && !(text.charCodeAt(close) === 0x22 && !escapedQuote(text, close))) close++
        try {
          found.add(JSON.parse(text.slice(open - 1, close + 1)) as string)
        } catch {
          this.inexact = true
        }
        at = text.indexOf("\\", close + 1)
      }
      this.escapedStrings = found
    }
    return !this.escapedStrings.has(s)
  }
}

const isDigitAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i)
  return c >= 0x30 && c <= 0x39
}

/** The digits every integer literal that rounds to `n` starts with, by `n` (a few values recur: 2^64−1 in every runc state). */
const leads = new Map<number, string | null>()

/**
 * The leading digits shared by every integer that rounds to the double `n`
 * (beyond 2^53): those within two units in the last place of it; `null`
 * when they share none or the interval's ends differ in length.
 */
const leadOf = (n: number): string | null => {
  const known = leads.get(n)
  if (known !== undefined) return known
  let lead: string | null = null
  if (Number.isFinite(n)) {
    const exact = BigInt(n)
    const magnitude = exact < 0n ? -exact : exact
    const ulp = 2n ** BigInt(Math.max(0, magnitude.toString(2).length - 53))
    const lo = (magnitude - 2n * ulp).toString()
    const hi = (magnitude + 2n * ulp).toString()
    let prefix = 0
    if (lo.length === hi.length) while (lo.charCodeAt(prefix) === hi.charCodeAt(prefix)) prefix++
    lead = prefix === 0 ? null : lo.slice(0, prefix)
  }
  if (leads.size >= 64) leads.clear()
  leads.set(n, lead)
  return lead
}

/**
 * The literal of `text` that reads as the double `n` (an integer beyond
 * 2^53), when exactly one distinct literal does; else `null`. Every integer
 * that rounds to `n` lies within two units in the last place of it, so all
 * share the leading digits of that interval's ends: only the digit runs of
 * the text that start with them are read. Digit runs inside strings count
 * too; they can only make the answer `null`.
 */
const findLiteral = (text: string, n: number): string | null => {
  const lead = leadOf(n)
  if (lead === null) return null
  const negative = n < 0
  let found: string | null = null
  for (let at = text.indexOf(lead); at >= 0; at = text.indexOf(lead, at + 1)) {
    if (at > 0 && isDigitAt(text, at - 1)) continue
    if ((at > 0 && text.charCodeAt(at - 1) === 0x2d) !== negative) continue
    let end = at + lead.length
    while (isDigitAt(text, end)) end++
    const literal = (negative ? "-" : "") + text.slice(at, end)
    if (Number(literal) !== n) continue
    if (found !== null && found !== literal) return null
    found = literal
  }
  return found
}

/** Whether the quote at `i` is escaped: preceded by an odd number of backslashes. */
const escapedQuote = (text: string, i: number): boolean => {
  let n = 0
  while (i - n - 1 >= 0 && text.charCodeAt(i - n - 1) === 0x5c) n++
  return n % 2 === 1
}

/**
 * One decoding, as Go's `decodeState`: the failures met so far (Go keeps
 * the first mismatch and stops at the first error of an `UnmarshalJSON`),
 * and, on the fast path, the values left unread, to be counted and measured.
 */
export class Context {
  /** Every failure that is still being placed: the open ones gain a path segment as each enclosing value returns. */
  readonly failures: Array<Failure> = []
  own: Failure | undefined = undefined
  mismatch: Failure | undefined = undefined
  refusal: Failure | undefined = undefined
  /** An `UnmarshalJSON` failed, or the fast path gave up: nothing more is read. */
  stopped = false
  /** Values not decoded, with the depth they sit at (fast path only). */
  readonly pending: Array<Pending> = []
  depth = 0
  constructor(readonly doc: Document) {}

  /** Go's `saveError` for an `UnmarshalTypeError`: `value` (`string`, `number 1.5`) could not go into `goType`. */
  typeMismatch(value: string, goType: string): void {
    const f = new Failure("mismatch", value, goType)
    this.failures.push(f)
    this.mismatch ??= f
  }

  /** A mismatch for `u`, described by its JSON kind (`object`, `array`, …) as Go does for non-numbers. */
  kindMismatch(u: unknown, goType: string): void {
    this.typeMismatch(kindOf(u), goType)
    this.skip(u)
  }

  /** The error of a type's own `UnmarshalJSON`: decoding ends here. */
  ownError(text: string, goType = ""): Failure {
    const f = new Failure("own", text, goType)
    this.failures.push(f)
    this.own ??= f
    this.stopped = true
    return f
  }

  /** What Go would accept but this library refuses, with our text. */
  refuse(text: string): void {
    const f = new Failure("refusal", text, "")
    this.failures.push(f)
    this.refusal ??= f
  }

  /** The fast path cannot decide: stop, and decode the text exactly. */
  giveUp(): void {
    this.doc.inexact = true
    this.stopped = true
  }

  /** The failures opened since `mark` are inside the struct field `name` of the Go struct `struct`. */
  inField(mark: number, name: string, struct: string): void {
    for (let i = mark; i < this.failures.length; i++) {
      const f = this.failures[i]!
      f.fields.push(name)
      f.path.push(name)
      f.struct ??= struct
    }
  }

  /** The failures opened since `mark` are inside element `index` of a slice. */
  inElement(mark: number, index: number): void {
    for (let i = mark; i < this.failures.length; i++) this.failures[i]!.path.push(index)
  }

  /** The failures opened since `mark` are inside the value of map key `key`. */
  inKey(mark: number, key: string): void {
    for (let i = mark; i < this.failures.length; i++) this.failures[i]!.path.push(new MapKey(key))
  }

  /** A value Go skips (an unknown key, a mismatched kind): on the fast path its members are counted and its depth checked. */
  skip(u: unknown): void {
    if (this.doc.source === "fast" && typeof u === "object" && u !== null) this.pending.push({ value: u, depth: this.depth })
  }

  /** A refusal from a decoding inside this one (an `UnmarshalJSON`'s), placed from here on. */
  adopt(f: Failure): void {
    this.failures.push(f)
    this.refusal ??= f
  }

  private backings: WeakMap<ReadonlyArray<unknown>, ReadonlyArray<unknown>> | undefined

  /** The backing array of a slice this decoding made, when it holds elements beyond the slice's length. */
  backingOf<A>(slice: ReadonlyArray<A>): ReadonlyArray<A | undefined> | undefined {
    return this.backings?.get(slice) as ReadonlyArray<A | undefined> | undefined
  }

  /** Records the backing array of a slice (see {@link backingOf}). */
  setBacking(slice: ReadonlyArray<unknown>, backing: ReadonlyArray<unknown>): void {
    ;(this.backings ??= new WeakMap()).set(slice, backing)
  }

  /** The first failure Go would report, else our first refusal. */
  failure(): Failure | undefined {
    return this.own ?? this.mismatch ?? this.refusal
  }
}

// ---------------------------------------------------------------------------
// Decoders

/**
 * How one Go type is read: Go's `decodeState.value` for it. `into` is the
 * value already at that place (`undefined` for Go's zero value), which the
 * JSON value decodes into; `raw` is the value's JSON text, given to a type
 * that decodes its raw text ({@link Decoder.raw}).
 */
export interface Decoder<A> {
  /** The Go type's name as `reflect` prints it in errors: `uint64`, `configs.Mount`, `[]*configs.Mount`. */
  readonly goType: string
  /** A fresh Go zero value. */
  readonly zero: () => A
  /** Whether the type can be nil (a pointer, slice, map, or a type handling `null` itself). */
  readonly nilable: boolean
  /** Whether the type has an `UnmarshalJSON` over the raw text of its value (`time.Time`). */
  readonly raw: boolean
  readonly decode: (u: unknown, into: A | undefined, cx: Context, raw: string | undefined) => A
  /**
   * The values a struct's walk may read itself, without calling
   * {@link Decoder.decode} (see `GoType.structDecoder`): what `decode` gives
   * for them is plain — a scalar of the right kind as it is, `null` as nil
   * or as the value already there. Absent: always call `decode`.
   */
  readonly inline?: Inline
  /**
   * Reads the value from a compact document, as `decode` reads it from a
   * tree into Go's zero value (see `GoScan.ts`); stops the reading at
   * anything else. Absent: a document holding this type is not scanned.
   */
  readonly scan?: (s: Scanner) => A
}

/**
 * What {@link Decoder.inline} promises: `decode` of a JS string (`"string"`),
 * boolean (`"bool"`) or safe integer within `[lo, hi]` (`"number"`,
 * `"bigint"`; not `-0` when `unsigned`) gives that value (a bigint for
 * `"bigint"`, `-0` read as `0`), and `decode` of `null` gives the value
 * already there, else the type's zero; for `"nil"`, `decode` of `null` gives
 * `null`. Nothing else is promised.
 */
export type Inline =
  | { readonly kind: "string" | "bool"; readonly zero: string | boolean }
  | {
    readonly kind: "number" | "bigint"
    readonly zero: number | bigint
    readonly lo: number
    readonly hi: number
    readonly unsigned: boolean
  }
  | { readonly kind: "nil" }

/** The JSON kind of a tree value, as Go names it in `UnmarshalTypeError`s. */
export const kindOf = (u: unknown): string => {
  if (u === null || u === undefined) return "null"
  switch (typeof u) {
    case "boolean":
      return "bool"
    case "string":
      return "string"
    case "number":
    case "bigint":
      return "number"
  }
  if (Array.isArray(u)) return "array"
  if (u instanceof JsonNumber) return "number"
  return "object"
}

/** Whether `u` is a JSON object of any of the trees (a plain object or a {@link JsonObject}). */
export const isObjectValue = (u: unknown): u is object =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof JsonNumber)

/** Whether `u` is a number of any of the trees. */
const isNumberValue = (u: unknown): boolean => typeof u === "number" || typeof u === "bigint" || u instanceof JsonNumber

/**
 * The literal text of a number: a parsed literal as it was written; a JS
 * number as JS writes it (on the fast path, where the guard made every
 * number a plain integer literal, a double beyond 2^53 takes its literal
 * from the text); `undefined` when the fast path cannot tell.
 */
export const literalOf = (u: unknown, cx: Context): string | undefined => {
  if (u instanceof JsonNumber) return u.literal
  if (typeof u === "bigint") return String(u)
  const n = u as number
  if (Number.isSafeInteger(n)) return Object.is(n, -0) ? "-0" : String(n)
  if (cx.doc.source !== "fast") return String(n)
  if (!Number.isInteger(n) && Number.isFinite(n)) {
    cx.giveUp()
    return undefined
  }
  const literal = cx.doc.bigLiteral(n)
  if (literal === undefined) cx.giveUp()
  return literal
}

/**
 * The raw JSON text of a member value on the fast path or for a plain
 * value: a string written without escapes, a literal, a number; an array
 * or object only for a plain value (the fast path gives up: whitespace and
 * key order are lost).
 */
export const rawTextOf = (u: unknown, cx: Context): string | undefined => {
  const fast = cx.doc.source === "fast"
  if (typeof u === "string") {
    if (!fast) return needsNoEscape(u) ? `"${u}"` : quote(u)
    if (cx.doc.unescaped(u)) return `"${u}"`
  } else if (u === null || typeof u === "boolean") {
    return String(u)
  } else if (isNumberValue(u)) {
    return literalOf(u, cx)
  } else if (!fast) {
    return stringify(u as EncodableValue)
  }
  cx.giveUp()
  return undefined
}

/** Whether `s` can be the content of a JSON string literal without escapes. */
const needsNoEscape = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x22 || c === 0x5c) return false
  }
  return true
}

/** Reads one member of a JSON object into `state`: see {@link readMembers}. */
export type MemberReader<S> = (state: S, key: string, value: unknown, index: number, object: object, cx: Context) => void

/**
 * Calls `read` for each member of a JSON object in document order (a plain
 * object: V8's order, which differs only for integer-like keys), until
 * decoding stops. Counts the members for the fast path's guard.
 */
export const readMembers = <S>(u: object, cx: Context, read: MemberReader<S>, state: S): void => {
  if (u instanceof JsonObject) {
    const { keys, values } = u
    for (let i = 0; i < keys.length && !cx.stopped; i++) read(state, keys[i]!, values[i], i, u, cx)
    return
  }
  const record = u as Record<string, unknown>
  if (cx.doc.source === "fast") {
    // A tree of JSON.parse: own keys only (an inherited enumerable key makes the count differ from the text's).
    let i = 0
    for (const key in record) {
      read(state, key, record[key], i++, u, cx)
      if (cx.stopped) break
    }
    cx.doc.members += i
    return
  }
  const keys = Object.keys(record)
  for (let i = 0; i < keys.length && !cx.stopped; i++) read(state, keys[i]!, record[keys[i]!], i, u, cx)
}

/** The raw text of member `index` of `u`, for a type decoding raw JSON. */
export const memberRaw = (u: object, index: number, value: unknown, cx: Context): string | undefined => {
  if (u instanceof JsonObject) return cx.doc.text.slice(u.spans[2 * index], u.spans[2 * index + 1])
  return rawTextOf(value, cx)
}

/** Whether a key is an array index, which V8 lists before every other key of a plain object. */
export const isIndexKey = (key: string): boolean => {
  if (key.length === 0) return false
  const c = key.charCodeAt(0)
  return c >= 0x30 && c <= 0x39 && integerLiteral.test(key) && Number(key) < 4294967295
}

// ---------------------------------------------------------------------------
// Documents

/** The result of decoding a tree. */
export type Decoded<A> = { readonly _tag: "Ok"; readonly value: A } | { readonly _tag: "Failed"; readonly failure: DecodeFailure }

/** Decodes a tree into a fresh Go value of `decoder`'s type. */
export const decodeTree = <A>(decoder: Decoder<A>, u: unknown, doc: Document, document: string): Decoded<A> => {
  const cx = new Context(doc)
  const value = decoder.decode(u, undefined, cx, undefined)
  const failure = cx.failure()
  if (doc.source === "fast") settle(cx)
  return failure === undefined ? { _tag: "Ok", value } : { _tag: "Failed", failure: toDecodeFailure(failure, document) }
}

/** A value built in JS, decoded with Go's rules (numbers as JS numbers or bigints). */
export const decodePlain = <A>(decoder: Decoder<A>, u: unknown, document: string): Decoded<A> =>
  decodeTree(decoder, u, new Document("plain", "", false), document)

/** Counts the members of the values the walk skipped, and checks their depth (iteratively: any depth). */
const settle = (cx: Context): void => {
  const doc = cx.doc
  const stack: Array<Pending> = [...cx.pending]
  while (stack.length > 0 && !doc.inexact) {
    const { depth, value } = stack.pop()!
    if (depth >= depthMargin) {
      doc.inexact = true
      break
    }
    if (Array.isArray(value)) {
      for (const v of value) if (typeof v === "object" && v !== null) stack.push({ value: v, depth: depth + 1 })
    } else {
      const keys = Object.keys(value as object)
      doc.members += keys.length
      for (const k of keys) {
        const v = (value as Record<string, unknown>)[k]
        if (typeof v === "object" && v !== null) stack.push({ value: v, depth: depth + 1 })
      }
    }
  }
}

/** The outcome of decoding a document's text. */
export type TextDecoded<A> =
  | Decoded<A>
  | { readonly _tag: "Syntax"; readonly error: JsonSyntaxError }
  | { readonly _tag: "Null" }

/**
 * Numbers the fast path's tree would not give exactly (a fraction or an
 * exponent: `1.0`, `1e2`), and `\u0000` and surrogate escapes. Matches
 * may lie inside strings too: the text then only takes the exact path.
 * Every such number ends in its fraction or exponent, then a delimiter.
 */
const inexactNumber = /[.eE][+-]?\d+[\s,\]}]/
const inexactEscape = /\\u(?:0000|[dD][89a-fA-F])/

/** `String.prototype.isWellFormed` (ES2024, in every Node this package supports): no lone surrogate. */
interface WellFormed {
  isWellFormed(): boolean
}

const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/**
 * How many keys the text holds (of a text `JSON.parse` took): the colons
 * after an unescaped quote and optional whitespace — a colon in a string
 * follows no such quote, which would have ended the string. `-1` when a
 * member's value is a number with a fraction or an exponent (what
 * `JSON.parse` would not give exactly; numbers in arrays are the decoders'
 * to flag, see {@link Document.arrayNumbers}).
 */
const countKeys = (text: string): number => {
  let n = 0
  for (let at = text.indexOf(":"); at >= 0; at = text.indexOf(":", at + 1)) {
    let j = at - 1
    let c = text.charCodeAt(j)
    while (isJsonSpace(c)) c = text.charCodeAt(--j)
    if (c !== 0x22 || escapedQuote(text, j)) continue
    n++
    let k = at + 1
    c = text.charCodeAt(k)
    while (isJsonSpace(c)) c = text.charCodeAt(++k)
    if (c === 0x2d) c = text.charCodeAt(++k)
    if (c < 0x30 || c > 0x39) continue
    do c = text.charCodeAt(++k); while (c >= 0x30 && c <= 0x39)
    if (c === 0x2e || c === 0x65 || c === 0x45) return -1
  }
  return n
}

/**
 * Decodes a whole document as runc's `json.NewDecoder(f).Decode(&v)`
 * reads it: the first JSON value of the text (the rest is ignored), through
 * `decoder`. A `null` document is reported apart (Go accepts it; runc then
 * fails on the nil value). Bytes are read as Go reads them: invalid UTF-8
 * becomes U+FFFD per byte inside strings.
 *
 * ASCII bytes are first read compactly ({@link scanBytes}); what that does
 * not take, from the fast path's tree; what the guard refuses, from the
 * exact path's. `path: "tree"` starts at the fast path, `path: "exact"`
 * takes the exact one only (tests and benchmarks compare them).
 */
export const decodeText = <A>(
  decoder: Decoder<A>,
  input: string | Uint8Array,
  document: string,
  path: "guarded" | "tree" | "exact" = "guarded"
): TextDecoded<A> => {
  let text: string
  if (typeof input === "string") {
    text = input
    if (path !== "exact" && (text as unknown as WellFormed).isWellFormed()) {
      const fast = decodeFast(decoder, text, document)
      if (fast !== undefined) return fast
    }
  } else {
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
    // ASCII (what runc writes, but for non-ASCII strings) is the same text read as Latin-1, and that read is a copy
    if (isAscii(bytes)) {
      text = bytes.toString("latin1")
      const scanned = path === "guarded" ? scanBytes(decoder, input, text) : undefined
      if (scanned !== undefined) return scanned
    } else if (!isUtf8(input)) {
      return decodeExact(decoder, decodeUtf8(input), true, document)
    } else {
      text = bytes.toString("utf8")
    }
    const fast = path !== "exact" ? decodeFast(decoder, text, document) : undefined
    if (fast !== undefined) return fast
  }
  return decodeExact(decoder, text, false, document)
}

/**
 * The compact reading of an ASCII document (`text` is `bytes` as a
 * string): the decoders' `scan` over the bytes, or `undefined` where it
 * stops (see `GoScan.ts`) — and for a document that starts with `null`,
 * which the tree paths report apart. A scan never fails: failures are the
 * tree paths' to tell.
 */
export const scanBytes = <A>(decoder: Decoder<A>, bytes: Uint8Array, text: string): Decoded<A> | undefined => {
  const scan = decoder.scan
  if (scan === undefined || bytes[0] === 0x6e) return undefined
  const s = new Scanner(bytes, text, new Context(new Document("scan", text, false)))
  try {
    const value = scan(s)
    return s.atEnd() ? { _tag: "Ok", value } : undefined
  } catch (e) {
    if (e instanceof Bail) return undefined
    throw e
  }
}

/** The fast path: `JSON.parse` and the guard, or `undefined` when the text must be decoded exactly. */
export const decodeFast = <A>(decoder: Decoder<A>, text: string, document: string): TextDecoded<A> | undefined => {
  if (text.indexOf("\\") >= 0 && inexactEscape.test(text)) return undefined
  let tree: unknown
  try {
    tree = JSON.parse(text)
  } catch {
    return undefined
  }
  if (tree === null) return { _tag: "Null" }
  const doc = new Document("fast", text, false)
  const decoded = decodeTree(decoder, tree, doc, document)
  if (doc.inexact || doc.members !== countKeys(text)) return undefined
  if (doc.arrayNumbers && inexactNumber.test(text)) return undefined
  return decoded
}

/** The exact path: Go's scanner, every member and literal kept. */
const decodeExact = <A>(decoder: Decoder<A>, text: string, bytes: boolean, document: string): TextDecoded<A> => {
  const parsed = parseExact(text, bytes)
  if (parsed._tag === "Left") return { _tag: "Syntax", error: parsed.left }
  if (parsed.right === null) return { _tag: "Null" }
  return decodeTree(decoder, parsed.right as ExactValue, new Document("exact", text, bytes), document)
}
