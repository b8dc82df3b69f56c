/**
 * JSON as runc reads and writes it. Parsing goes through `lossless-json`, so
 * every number keeps its literal text (a uint64 of 18446744073709551615
 * survives); the tree is then read with Go `encoding/json` conventions by the
 * schemas in `GoSchema.ts`. Encoding writes what Go's `json.Marshal` writes:
 * compact, no trailing newline, `<`, `>`, `&`, U+2028 and U+2029 escaped.
 */
import * as Either from "effect/Either"
import { parse } from "lossless-json"

/** A JSON number, kept as its literal text until a schema decides its Go type. */
export class JsonNumber {
  constructor(readonly literal: string) {}
  toString(): string {
    return this.literal
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

/**
 * The deepest nesting accepted. Go's decoder allows 10000 levels; the
 * recursive parser we use would exhaust the stack well before that, and no
 * runc document nests beyond ten, so deeper input is refused up front.
 */
export const maxDepth = 1000

/** Why a text is not one JSON value, in Go's words where Go has them. */
export interface JsonSyntaxError {
  readonly reason: string
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/**
 * Scans past strings and counts brackets: the end offset of the first
 * complete top-level value, or `undefined` when the text ends first; fails
 * early when nesting goes beyond {@link maxDepth}, so a hostile document of a
 * million `[` cannot overflow the parser's stack.
 */
const scan = (text: string): { readonly end: number | undefined; readonly tooDeep: boolean } => {
  let i = 0
  while (i < text.length && isSpace(text.charCodeAt(i))) i++
  let depth = 0
  let started = false
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      // a string: skip to its closing quote
      i++
      while (i < text.length && text.charCodeAt(i) !== 0x22) {
        if (text.charCodeAt(i) === 0x5c) i++
        i++
      }
      if (i >= text.length) return { end: undefined, tooDeep: false }
      if (depth === 0) return { end: i + 1, tooDeep: false }
      started = true
    } else if (c === 0x7b || c === 0x5b) {
      depth++
      started = true
      if (depth > maxDepth) return { end: undefined, tooDeep: true }
    } else if (c === 0x7d || c === 0x5d) {
      depth--
      if (depth <= 0) return { end: i + 1, tooDeep: false }
    } else if (depth === 0 && !started) {
      // a scalar at top level: runs to the next delimiter
      let j = i
      while (j < text.length && !isSpace(text.charCodeAt(j)) && !",]}".includes(text.charAt(j))) j++
      return { end: j, tooDeep: false }
    }
  }
  return { end: undefined, tooDeep: false }
}

const replaceLoneSurrogates = (s: string): string =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")

const normaliseStrings = (value: JsonValue): JsonValue => {
  if (typeof value === "string") return replaceLoneSurrogates(value)
  if (Array.isArray(value)) return (value as ReadonlyArray<JsonValue>).map(normaliseStrings)
  if (value !== null && typeof value === "object" && !(value instanceof JsonNumber)) {
    const out: Record<string, JsonValue> = {}
    for (const [k, v] of Object.entries(value)) setOwn(out, replaceLoneSurrogates(k), normaliseStrings(v))
    return out
  }
  return value
}

/**
 * Whether the text may hold a lone surrogate: escaped (`\ud800`), or raw in
 * a string input — which, written out as UTF-8, is U+FFFD already.
 */
const hasLoneSurrogate = (text: string): boolean => /\\u[dD][89a-fA-F]|[\uD800-\uDFFF]/.test(text)

/**
 * Parses the first JSON value of `text` with Go's `json.Decoder` reading
 * rules: bytes after the first complete value are ignored; a duplicate key
 * keeps the last value; an escaped lone surrogate becomes U+FFFD. An empty
 * text fails with `EOF` and a truncated one with `unexpected EOF`, as Go
 * reports them.
 */
export const parseJson = (text: string): Either.Either<JsonValue, JsonSyntaxError> => {
  const { end, tooDeep } = scan(text)
  if (tooDeep) return Either.left({ reason: "exceeded max depth" })
  if (text.trim() === "") return Either.left({ reason: "EOF" })
  if (end === undefined) {
    // Either truncated or malformed before the end: let the parser say which.
    try {
      parse(text, null, { parseNumber: (n) => new JsonNumber(n), onDuplicateKey: ({ newValue }) => newValue })
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      const at = /at position (\d+)/.exec(message)
      const atEnd = /reached end of input/.test(message) || (at !== null && Number(at[1]) >= text.trimEnd().length)
      return Either.left({ reason: atEnd ? "unexpected EOF" : message })
    }
    return Either.left({ reason: "unexpected EOF" })
  }
  try {
    const value = parse(text.slice(0, end), null, {
      parseNumber: (n) => new JsonNumber(n),
      onDuplicateKey: ({ newValue }) => newValue
    }) as JsonValue
    return Either.right(hasLoneSurrogate(text) ? normaliseStrings(value) : value)
  } catch (e) {
    return Either.left({ reason: e instanceof Error ? e.message : String(e) })
  }
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

/** A JSON string literal escaped exactly as Go's encoder escapes it (HTML-safe). */
export const quote = (s: string): string => {
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
 * Sets `key` on a record used as a map, as an own data property: a key
 * `__proto__` stays a key instead of replacing the record's prototype.
 */
export const setOwn = <V>(record: Record<string, V>, key: string, value: V): void => {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
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
  | ReadonlyArray<EncodableValue>
  | { readonly [key: string]: EncodableValue }

/** Compact JSON, as `json.Marshal` writes it. */
export const stringify = (value: EncodableValue): string => {
  if (value === null) return "null"
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
  if (Array.isArray(value)) {
    return "[" + (value as ReadonlyArray<EncodableValue>).map(stringify).join(",") + "]"
  }
  const parts: Array<string> = []
  for (const [k, v] of Object.entries(value as { readonly [key: string]: EncodableValue })) {
    if (v === undefined) continue
    parts.push(quote(k) + ":" + stringify(v))
  }
  return "{" + parts.join(",") + "}"
}

/**
 * Indented JSON as Go's `json.MarshalIndent(v, "", "  ")` writes it — what
 * `runc state` and `runc list --format json` print.
 */
export const stringifyIndent = (value: EncodableValue, indent = "  ", prefix = ""): string => {
  if (value === null || typeof value !== "object" || value instanceof JsonNumber) return stringify(value)
  const inner = prefix + indent
  if (Array.isArray(value)) {
    const items = value as ReadonlyArray<EncodableValue>
    if (items.length === 0) return "[]"
    return "[\n" + items.map((v) => inner + stringifyIndent(v, indent, inner)).join(",\n") + "\n" + prefix + "]"
  }
  const entries = Object.entries(value as { readonly [key: string]: EncodableValue }).filter(([, v]) => v !== undefined)
  if (entries.length === 0) return "{}"
  return "{\n" +
    entries.map(([k, v]) => inner + quote(k) + ": " + stringifyIndent(v, indent, inner)).join(",\n") +
    "\n" + prefix + "}"
}
