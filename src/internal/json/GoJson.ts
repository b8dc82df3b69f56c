/**
 * JSON as runc reads and writes it. {@link parseJson} and {@link parseExact}
 * are Go's `json.Decoder` scanner: the first value of the text, every number
 * kept as its literal text (a uint64 of 18446744073709551615 survives), Go's
 * syntax error texts, Go's nesting limit — iteratively, so no document can
 * exhaust the stack. `parseExact` also keeps what a plain JS object cannot
 * hold: duplicate keys in document order and each member's raw text, which
 * Go's decoder needs (see `GoDecoder.ts`). Encoding writes what Go's
 * `json.Marshal` writes: compact, no trailing newline, `<`, `>`, `&`, U+2028
 * and U+2029 escaped.
 */
import * as Either from "effect/Either"

/** A JSON number, kept as its literal text until a schema decides its Go type. */
export class JsonNumber {
  constructor(readonly literal: string) {}
  toString(): string {
    return this.literal
  }
}

/**
 * A JSON object as Go's decoder sees it: every member in document order,
 * duplicates included, with the span of each member's value in the text
 * (what a Go type with its own `UnmarshalJSON` is handed).
 */
export class JsonObject {
  readonly keys: Array<string> = []
  readonly values: Array<ExactValue> = []
  /** Start and end offset of each member's value, two per member. */
  readonly spans: Array<number> = []
  add(key: string, value: ExactValue, start: number, end: number): void {
    this.keys.push(key)
    this.values.push(value)
    this.spans.push(start, end)
  }
}

/** A parsed JSON value. Objects keep their keys in document order. */
export type JsonValue =
  | null
  | boolean
  | string
  | JsonNumber
  | ReadonlyArray<JsonValue>
  | { readonly [key: string]: JsonValue }

/** A JSON value as {@link parseExact} gives it. */
export type ExactValue = null | boolean | string | JsonNumber | ReadonlyArray<ExactValue> | JsonObject

/** Go's `maxNestingDepth`: arrays and objects nest at most this deep. */
export const maxDepth = 10000

/** Why a text is not one JSON value, in Go's words. */
export interface JsonSyntaxError {
  readonly reason: string
}

/**
 * Sets `key` on a record used as a map, as an own data property: a key
 * `__proto__` stays a key instead of replacing the record's prototype.
 */
export const setOwn = <V>(record: Record<string, V>, key: string, value: V): void => {
  // a plain store unless the key names something the record inherits (`__proto__`'s setter, a frozen prototype's member)
  if (key in Object.prototype) {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    record[key] = value
  }
}

/** Go's `isSpace`: only these four. */
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39

/**
 * The first invalid byte a text read by {@link decodeUtf8} stands for: such
 * a text holds each byte Go's UTF-8 decoder refuses as one lone surrogate,
 * U+DC80 + (byte − 0x80).
 */
const escapedByte = (c: number): number => (c >= 0xdc80 && c <= 0xdcff ? c - 0xdc00 : -1)

/** The byte Go's scanner would be looking at: the first UTF-8 byte of the character at `i`. */
const byteAt = (text: string, i: number, bytes: boolean): number => {
  const c = text.charCodeAt(i)
  if (c < 0x80) return c
  if (c < 0x800) return 0xc0 | (c >> 6)
  const cp = text.codePointAt(i)!
  if (cp >= 0xd800 && cp <= 0xdfff) {
    const b = bytes ? escapedByte(cp) : -1
    return b >= 0 ? b : 0xef // a lone surrogate reads as U+FFFD
  }
  return cp < 0x10000 ? 0xe0 | (cp >> 12) : 0xf0 | (cp >> 18)
}

/** Go's `strconv.IsPrint` for U+0080–U+00FF. */
const isPrintLatin1 = (b: number): boolean => b >= 0xa1 && b !== 0xad

const namedEscapes: Readonly<Record<number, string>> = {
  0x07: "\\a",
  0x08: "\\b",
  0x09: "\\t",
  0x0a: "\\n",
  0x0b: "\\v",
  0x0c: "\\f",
  0x0d: "\\r"
}

/** Go's `quoteChar(c)` for one byte, as its syntax errors show it. */
const quoteChar = (b: number): string => {
  if (b === 0x27) return "'\\''"
  if (b === 0x22) return "'\"'"
  if (b === 0x5c) return "'\\\\'"
  if (b >= 0x20 && b < 0x7f) return `'${String.fromCharCode(b)}'`
  if (b < 0x80) return `'${namedEscapes[b] ?? `\\x${hex[b >> 4]}${hex[b & 0xf]}`}'`
  return isPrintLatin1(b) ? `'${String.fromCharCode(b)}'` : `'\\u00${hex[b >> 4]}${hex[b & 0xf]}'`
}

const unexpectedEof: JsonSyntaxError = { reason: "unexpected EOF" }

const loneSurrogates = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const escapes: Readonly<Record<number, string>> = {
  0x22: "\"",
  0x5c: "\\",
  0x2f: "/",
  0x62: "\b",
  0x66: "\f",
  0x6e: "\n",
  0x72: "\r",
  0x74: "\t"
}

/** V8 makes a substring at least this long a view into its parent (a sliced string). */
const slicedMinLength = 13

/**
 * `s` held on its own: a decoded state keeps its strings, and a slice of
 * the document would keep the whole document alive with it. Slicing a
 * concatenation makes V8 flatten it into a fresh string first, so the
 * result refers to that copy, never to the document.
 */
const detached = (s: string): string => (s.length < slicedMinLength ? s : (" " + s).slice(1))

const literalRest: Readonly<Record<number, string>> = { 0x74: "rue", 0x66: "alse", 0x6e: "ull" }
const literalValue: Readonly<Record<number, boolean | null>> = { 0x74: true, 0x66: false, 0x6e: null }
const literalName: Readonly<Record<number, string>> = { 0x74: "true", 0x66: "false", 0x6e: "null" }

/**
 * One pass over a text, with Go's scanner rules. Strings are decoded as
 * Go's `unquote` does (an escaped lone surrogate, or a raw one in a string
 * input, becomes U+FFFD); no string keeps the text alive.
 */
class Scanner {
  i = 0
  error: JsonSyntaxError | undefined
  constructor(readonly text: string, readonly bytes: boolean) {}

  skipSpace(): void {
    const text = this.text
    let i = this.i
    while (i < text.length && isSpace(text.charCodeAt(i))) i++
    this.i = i
  }

  fail(error: JsonSyntaxError): undefined {
    this.error = error
    return undefined
  }

  invalid(i: number, context: string): JsonSyntaxError {
    return { reason: `invalid character ${quoteChar(byteAt(this.text, i, this.bytes))} ${context}` }
  }

  /** A string literal starting at the opening quote. */
  string(): string | undefined {
    const text = this.text
    const n = text.length
    let i = this.i + 1
    let start = i
    let out: string | undefined
    let surrogates = false
    for (;;) {
      if (i >= n) return this.fail(unexpectedEof)
      const c = text.charCodeAt(i)
      if (c === 0x22) break
      if (c === 0x5c) {
        out = (out ?? "") + text.slice(start, i)
        if (++i >= n) return this.fail(unexpectedEof)
        const e = text.charCodeAt(i)
        const simple = escapes[e]
        if (simple !== undefined) {
          out += simple
          start = ++i
          continue
        }
        if (e !== 0x75) return this.fail(this.invalid(i, "in string escape code"))
        const unit = this.hex4(i + 1)
        if (unit === undefined) return undefined
        i += 5
        if (unit >= 0xd800 && unit <= 0xdfff) {
          // Go pairs a high surrogate with an escaped low one that follows, else writes U+FFFD.
          const next = unit <= 0xdbff && text.charCodeAt(i) === 0x5c && text.charCodeAt(i + 1) === 0x75
            ? this.hex4Quiet(i + 2)
            : undefined
          if (next !== undefined && next >= 0xdc00 && next <= 0xdfff) {
            out += String.fromCharCode(unit, next)
            i += 6
          } else {
            out += "\uFFFD"
          }
        } else {
          out += String.fromCharCode(unit)
        }
        start = i
        continue
      }
      if (c < 0x20) return this.fail(this.invalid(i, "in string literal"))
      if (c >= 0xd800 && c <= 0xdfff) surrogates = true
      i++
    }
    const tail = text.slice(start, i)
    this.i = i + 1
    const s = out === undefined ? tail : out + tail
    return detached(surrogates ? s.replace(loneSurrogates, "\uFFFD") : s)
  }

  /** Four hex digits at `at` (a `\u` escape's), or the scanner's error. */
  private hex4(at: number): number | undefined {
    const text = this.text
    for (let j = at; j < at + 4; j++) {
      if (j >= text.length) return this.fail(unexpectedEof)
      if (!isHex(text.charCodeAt(j))) return this.fail(this.invalid(j, "in \\u hexadecimal character escape"))
    }
    return parseInt(text.slice(at, at + 4), 16)
  }

  /** Four hex digits at `at`, or `undefined` (no error: the escape is scanned again on its own). */
  private hex4Quiet(at: number): number | undefined {
    const text = this.text
    if (at + 4 > text.length) return undefined
    for (let j = at; j < at + 4; j++) if (!isHex(text.charCodeAt(j))) return undefined
    return parseInt(text.slice(at, at + 4), 16)
  }

  /** A number literal, Go's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. */
  number(): JsonNumber | undefined {
    const text = this.text
    const n = text.length
    const start = this.i
    let i = start
    if (text.charCodeAt(i) === 0x2d) {
      if (++i >= n) return this.fail(unexpectedEof)
      if (!isDigit(text.charCodeAt(i))) return this.fail(this.invalid(i, "in numeric literal"))
    }
    if (text.charCodeAt(i) === 0x30) i++
    else while (i < n && isDigit(text.charCodeAt(i))) i++
    if (i < n && text.charCodeAt(i) === 0x2e) {
      if (++i >= n) return this.fail(unexpectedEof)
      if (!isDigit(text.charCodeAt(i))) return this.fail(this.invalid(i, "after decimal point in numeric literal"))
      while (i < n && isDigit(text.charCodeAt(i))) i++
    }
    if (i < n && (text.charCodeAt(i) === 0x65 || text.charCodeAt(i) === 0x45)) {
      if (++i < n && (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d)) i++
      if (i >= n) return this.fail(unexpectedEof)
      if (!isDigit(text.charCodeAt(i))) return this.fail(this.invalid(i, "in exponent of numeric literal"))
      while (i < n && isDigit(text.charCodeAt(i))) i++
    }
    this.i = i
    return new JsonNumber(text.slice(start, i))
  }

  /** `true`, `false` or `null`, checked a byte at a time as Go's scanner does. */
  literal(first: number): boolean | null | undefined {
    const text = this.text
    const rest = literalRest[first]!
    let i = this.i + 1
    for (let k = 0; k < rest.length; k++, i++) {
      if (i >= text.length) return this.fail(unexpectedEof)
      if (text.charCodeAt(i) !== rest.charCodeAt(k)) {
        return this.fail(this.invalid(i, `in literal ${literalName[first]} (expecting '${rest[k]}')`))
      }
    }
    this.i = i
    return literalValue[first]!
  }

  /** After `{` or `,` in an object: the key and its colon; the scanner then stands at the value. */
  key(): string | undefined {
    const text = this.text
    this.skipSpace()
    if (this.i >= text.length) return this.fail(unexpectedEof)
    if (text.charCodeAt(this.i) !== 0x22) {
      return this.fail(this.invalid(this.i, "looking for beginning of object key string"))
    }
    const key = this.string()
    if (key === undefined) return undefined
    this.skipSpace()
    if (this.i >= text.length) return this.fail(unexpectedEof)
    if (text.charCodeAt(this.i) !== 0x3a) return this.fail(this.invalid(this.i, "after object key"))
    this.i++
    return key
  }
}

/** How {@link scan} builds the tree: plain objects (last duplicate wins) or {@link JsonObject}s. */
type Build = "plain" | "exact"

type Container = Array<unknown> | Record<string, JsonValue> | JsonObject

/**
 * Parses the first value of `text` with Go's scanner rules (see
 * {@link parseJson}); `bytes` says the text came from {@link decodeUtf8},
 * so a lone surrogate there is an invalid byte, shown as Go shows it.
 */
const scan = (text: string, build: Build, bytes: boolean): Either.Either<unknown, JsonSyntaxError> => {
  const s = new Scanner(text, bytes)
  const n = text.length
  const exact = build === "exact"
  const stack: Array<Container> = []
  const keys: Array<string> = []
  const starts: Array<number> = []
  let start = 0
  let value: unknown
  for (;;) {
    // A value begins.
    s.skipSpace()
    if (s.i >= n) return Either.left(stack.length === 0 ? { reason: "EOF" } : unexpectedEof)
    start = s.i
    const c = text.charCodeAt(s.i)
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= maxDepth) return Either.left(s.invalid(s.i, "exceeded max depth"))
      s.i++
      s.skipSpace()
      if (s.i >= n) return Either.left(unexpectedEof)
      if (text.charCodeAt(s.i) === c + 2) {
        // `{}` or `[]`
        s.i++
        value = c === 0x5b ? [] : exact ? new JsonObject() : {}
      } else if (c === 0x7b) {
        const key = s.key()
        if (key === undefined) return Either.left(s.error!)
        stack.push(exact ? new JsonObject() : {})
        keys.push(key)
        starts.push(start)
        continue
      } else {
        stack.push([])
        keys.push("")
        starts.push(start)
        continue
      }
    } else if (c === 0x22) {
      value = s.string()
    } else if (c === 0x2d || isDigit(c)) {
      value = s.number()
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      value = s.literal(c)
    } else {
      return Either.left(s.invalid(s.i, "looking for beginning of value"))
    }
    if (value === undefined) return Either.left(s.error!)
    // A value ended: it goes into its container, which may end too.
    for (;;) {
      const depth = stack.length
      if (depth === 0) return Either.right(value)
      const top = stack[depth - 1]!
      if (Array.isArray(top)) top.push(value)
      else if (top instanceof JsonObject) top.add(keys[depth - 1]!, value as ExactValue, start, s.i)
      else setOwn(top, keys[depth - 1]!, value as JsonValue)
      s.skipSpace()
      if (s.i >= n) return Either.left(unexpectedEof)
      const d = text.charCodeAt(s.i)
      if (d === 0x2c) {
        s.i++
        if (!Array.isArray(top)) {
          const key = s.key()
          if (key === undefined) return Either.left(s.error!)
          keys[depth - 1] = key
        }
        break
      }
      if (d === (Array.isArray(top) ? 0x5d : 0x7d)) {
        s.i++
        value = top
        stack.pop()
        keys.pop()
        start = starts.pop()!
        continue
      }
      return Either.left(s.invalid(s.i, Array.isArray(top) ? "after array element" : "after object key:value pair"))
    }
  }
}

/**
 * Parses the first JSON value of `text` as Go's `json.Decoder` does: bytes
 * after it are ignored; a duplicate key keeps the last value; nesting
 * deeper than {@link maxDepth} fails as in Go. Failures carry Go's texts:
 * `EOF` for a blank text, `unexpected EOF` for a truncated one, `invalid
 * character 'x' looking for beginning of value` and the like. Iterative:
 * the stack does not grow with the nesting.
 */
export const parseJson = (text: string): Either.Either<JsonValue, JsonSyntaxError> =>
  scan(text, "plain", false) as Either.Either<JsonValue, JsonSyntaxError>

/**
 * {@link parseJson} keeping everything Go's decoder reads: objects are
 * {@link JsonObject}s with every member, duplicates included, and the raw
 * text of each member's value. `bytes` says `text` came from
 * {@link decodeUtf8}: a syntax error at an invalid byte then shows that byte,
 * as Go's does.
 */
export const parseExact = (text: string, bytes = false): Either.Either<ExactValue, JsonSyntaxError> =>
  scan(text, "exact", bytes) as Either.Either<ExactValue, JsonSyntaxError>

/**
 * Bytes read as Go reads them: valid UTF-8 as its characters, and each byte
 * Go's `utf8.DecodeRune` refuses (it refuses one byte at a time) as the lone
 * surrogate U+DC80 + (byte − 0x80). Parsed with {@link parseExact}, such a
 * byte becomes one U+FFFD inside a string, as in Go, and is shown as itself
 * in a syntax error.
 */
export const decodeUtf8 = (bytes: Uint8Array): string => {
  const n = bytes.length
  /** Byte `j` when it continues a sequence within [lo, hi], else -1. */
  const cont = (j: number, lo = 0x80, hi = 0xbf): number => {
    const c = j < n ? bytes[j]! : -1
    return c >= lo && c <= hi ? c & 0x3f : -1
  }
  let out = ""
  const units: Array<number> = []
  for (let i = 0; i < n;) {
    const b0 = bytes[i]!
    let cp = -1
    let width = 1
    if (b0 < 0x80) cp = b0
    else if (b0 >= 0xc2 && b0 <= 0xdf) {
      const c1 = cont(i + 1)
      if (c1 >= 0) {
        cp = ((b0 & 0x1f) << 6) | c1
        width = 2
      }
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      const c1 = cont(i + 1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf)
      const c2 = c1 < 0 ? -1 : cont(i + 2)
      if (c2 >= 0) {
        cp = ((b0 & 0x0f) << 12) | (c1 << 6) | c2
        width = 3
      }
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      const c1 = cont(i + 1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf)
      const c2 = c1 < 0 ? -1 : cont(i + 2)
      const c3 = c2 < 0 ? -1 : cont(i + 3)
      if (c3 >= 0) {
        cp = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
        width = 4
      }
    }
    if (cp < 0) units.push(0xdc00 + b0)
    else if (cp < 0x10000) units.push(cp)
    else units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff))
    i += width
    if (units.length >= 8192) {
      out += String.fromCharCode(...units)
      units.length = 0
    }
  }
  return out + String.fromCharCode(...units)
}

/** The kind of a JSON value as Go names it in `UnmarshalTypeError`s. */
export const kindOf = (value: unknown): string => {
  if (value === null) return "null"
  if (typeof value === "boolean") return "bool"
  if (typeof value === "string") return "string"
  if (value instanceof JsonNumber) return "number"
  if (Array.isArray(value)) return "array"
  if (typeof value === "object") return "object"
  return typeof value
}

const hex = "0123456789abcdef"

/** What Go's encoder never writes as it is: control characters, the quote, the backslash, `<`, `>`, `&`, U+2028, U+2029 and surrogates (a lone one becomes U+FFFD). */
// eslint-disable-next-line no-control-regex -- control characters are what Go escapes first
const escaped = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/

/** A JSON string literal escaped exactly as Go's encoder escapes it (HTML-safe). */
export const quote = (s: string): string => (escaped.test(s) ? quoteEscaping(s) : `"${s}"`)

const quoteEscaping = (s: string): string => {
  let out = "\""
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let esc: string | undefined
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      switch (c) {
        case 0x22:
          esc = "\\\""
          break
        case 0x5c:
          esc = "\\\\"
          break
        case 0x0a:
          esc = "\\n"
          break
        case 0x0d:
          esc = "\\r"
          break
        case 0x09:
          esc = "\\t"
          break
        default:
          esc = "\\u00" + hex[c >> 4] + hex[c & 0xf]
      }
    } else if (c === 0x2028 || c === 0x2029) {
      esc = c === 0x2028 ? "\\u2028" : "\\u2029"
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const paired =
        c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff
      if (paired) {
        i++
        continue
      }
      esc = "\\ufffd"
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc
      start = i + 1
    }
  }
  return out + s.slice(start) + "\""
}

/**
 * A value ready to be written: what the encoding schemas produce. Numbers may
 * be JS numbers (integers), bigints or {@link JsonNumber}s; object keys are
 * written in insertion order (schemas put struct fields in Go's declaration
 * order and sort map keys themselves).
 */
export type EncodableValue =
  | null
  | boolean
  | string
  | number
  | bigint
  | JsonNumber
  | OrderedObject
  | ReadonlyArray<EncodableValue>
  | { readonly [key: string]: EncodableValue }

/**
 * An object to write with its members in this order — what a Go map is
 * written as (keys sorted by bytes): a JS object would list integer-like
 * keys (`"2"`) before all others.
 */
export class OrderedObject {
  constructor(readonly keys: ReadonlyArray<string>, readonly values: ReadonlyArray<EncodableValue>) {}
}

/** The text of a scalar, or `undefined` for an array or object. */
const scalarText = (value: EncodableValue | undefined): string | undefined => {
  if (value === null || value === undefined) return "null"
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false"
    case "string":
      return quote(value)
    case "number":
      return Number.isFinite(value) ? String(value) : "null"
    case "bigint":
      return value.toString()
  }
  if (value instanceof JsonNumber) return value.literal
  return undefined
}

/** An array or object being written: its values, its keys (objects), and how far it got. */
interface Open {
  readonly values: ReadonlyArray<EncodableValue>
  readonly keys: ReadonlyArray<string> | undefined
  next: number
}

const open = (value: EncodableValue): Open => {
  if (Array.isArray(value)) return { values: value as ReadonlyArray<EncodableValue>, keys: undefined, next: 0 }
  if (value instanceof OrderedObject) return { values: value.values, keys: value.keys, next: 0 }
  const keys: Array<string> = []
  const values: Array<EncodableValue> = []
  for (const [k, v] of Object.entries(value as { readonly [key: string]: EncodableValue | undefined })) {
    if (v === undefined) continue
    keys.push(k)
    values.push(v)
  }
  return { values, keys, next: 0 }
}

/**
 * Writes `value` with an explicit stack of open arrays and objects, so no
 * nesting depth can exhaust the call stack: compact when `indent` is
 * undefined, else as `json.MarshalIndent(v, prefix, indent)`.
 */
const write = (value: EncodableValue, indent: string | undefined, prefix: string): string => {
  const first = scalarText(value)
  if (first !== undefined) return first
  const margins: Array<string> = [prefix]
  const margin = (depth: number): string => {
    while (margins.length <= depth) margins.push(margins[margins.length - 1] + (indent ?? ""))
    return margins[depth]!
  }
  const colon = indent === undefined ? ":" : ": "
  const stack: Array<Open> = []
  let out = ""
  let pending: EncodableValue | undefined = value
  for (;;) {
    if (pending !== undefined) {
      const item = open(pending)
      pending = undefined
      if (item.values.length === 0) {
        out += item.keys === undefined ? "[]" : "{}"
      } else {
        out += item.keys === undefined ? "[" : "{"
        stack.push(item)
      }
    }
    const top = stack[stack.length - 1]
    if (top === undefined) return out
    if (top.next === top.values.length) {
      stack.pop()
      if (indent !== undefined) out += "\n" + margin(stack.length)
      out += top.keys === undefined ? "]" : "}"
      continue
    }
    const i = top.next++
    if (i > 0) out += ","
    if (indent !== undefined) out += "\n" + margin(stack.length)
    if (top.keys !== undefined) out += quote(top.keys[i]!) + colon
    const v = top.values[i]!
    const text = scalarText(v)
    if (text === undefined) pending = v
    else out += text
  }
}

/** Compact JSON, as `json.Marshal` writes it; any nesting depth. */
export const stringify = (value: EncodableValue): string => write(value, undefined, "")

/**
 * Indented JSON as Go's `json.MarshalIndent(v, "", "  ")` writes it — what
 * `runc state` and `runc list --format json` print; any nesting depth.
 */
export const stringifyIndent = (value: EncodableValue, indent = "  ", prefix = ""): string => write(value, indent, prefix)
