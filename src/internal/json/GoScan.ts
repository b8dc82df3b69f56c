/**
 * The compact reading of a document: the decoders read their values
 * straight from its bytes (each type's {@link Decoder.scan}), with no parsed
 * tree in between, for the documents Go's `json.Encoder` writes — runc's
 * state.json: ASCII, no whitespace between tokens, strings without escapes,
 * integers only. Each `scan` is its decoder's `decode` over the value a
 * tree would hold there — scalars are handed to `decode` itself — so a scan
 * gives what decoding the tree gives.
 *
 * It only reads the happy path. At anything else — whitespace, an escape,
 * a control character, a fraction or exponent, a key met twice (in any case
 * variant), an integer-like or `__proto__` map key, `null` in a slice of
 * pointers, deep nesting, a type without a `scan`, or any failure or
 * refusal a decoder records — the scanner stops ({@link bail}), and the
 * caller decodes the text the other ways (`GoDecoder.decodeText`), which
 * give Go's answer or Go's error. So a scan never decides a failure and
 * never accepts what Go's decoder would refuse: everything it takes is
 * valid JSON, read as `JSON.parse` and Go both read it.
 */
import { Buffer } from "node:buffer"
import type { Context, Decoder } from "./GoDecoder.js"
import { JsonNumber } from "./GoJson.js"

/** What the scanner throws where it stops: the document is then decoded from a tree. */
export class Bail {
  readonly _tag = "Bail"
}

/** The one {@link Bail} thrown. */
export const bail = new Bail()

/** Nesting the scanner reads (state.json nests 6 deep); deeper, it stops. */
export const maxScanDepth = 64

/** The literal text of an integer read as digits beyond this many is kept as a {@link JsonNumber}: 15 digits are always below 2^53. */
const exactDigits = 15

const QUOTE = 0x22
const COMMA = 0x2c
const MINUS = 0x2d
const COLON = 0x3a
const OPEN_ARRAY = 0x5b
const BACKSLASH = 0x5c
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const DIGIT_0 = 0x30
const DIGIT_9 = 0x39

/**
 * The shortest string V8 makes a slice of its parent string rather than a
 * copy (`SlicedString::kMinLength`): a slice keeps the whole parent alive.
 */
const shortestSlice = 13

const latin1Slice = Buffer.prototype.latin1Slice

/**
 * `text.slice(start, end)` of an ASCII text, as a string of its own: a
 * string the decoded value keeps must not keep the document's text alive
 * (a state kept after a list held 14 KB instead of 7).
 */
const copyOf = (bytes: Uint8Array, text: string, start: number, end: number): string =>
  end - start < shortestSlice ? text.slice(start, end) : latin1Slice.call(bytes, start, end)

/** The bytes of an ASCII text (a key token of a struct field: `"name":`). */
export const asciiBytes = (text: string): Uint8Array => {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes
}

/**
 * One compact reading: the document's bytes and the same text as a string
 * (ASCII, so offsets agree), where the reading is, and the decoding context
 * the decoders record failures in (any failure stops the reading).
 */
export class Scanner {
  pos = 0
  depth = 0
  /**
   * Where a slice's elements gather while it is read; the slice is then a
   * copy of them (`Array.prototype.slice`). An array literal filled in place
   * would be tracked by V8 as an allocation site whose arrays all outlive
   * the next young collection (a list holds a chunk of containers), and
   * V8 would then allocate every later one straight in the old generation
   * (see `internal/plainRecord.ts`).
   */
  readonly elements: Array<unknown> = []
  constructor(readonly bytes: Uint8Array, readonly text: string, readonly cx: Context) {}

  /** The byte at the reading position (`undefined` past the end). */
  peek(): number | undefined {
    return this.bytes[this.pos]
  }

  /** Whether the value here is `null` (read, when it is). */
  isNull(): boolean {
    const b = this.bytes
    const p = this.pos
    if (b[p] !== 0x6e) return false
    if (b[p + 1] !== 0x75 || b[p + 2] !== 0x6c || b[p + 3] !== 0x6c) throw bail
    this.pos = p + 4
    return true
  }

  /** A string value without escapes or control characters: its content. */
  string(): string {
    const b = this.bytes
    const start = this.pos + 1
    let i = start
    for (;;) {
      const c = b[i]
      if (c === QUOTE) break
      // an escape, a control character, the end of the text
      if (c === undefined || c < 0x20 || c === BACKSLASH) throw bail
      i++
    }
    this.pos = i + 1
    return copyOf(b, this.text, start, i)
  }

  /**
   * An integer literal (`-?(0|[1-9][0-9]*)`, no fraction or exponent) as
   * `JSON.parse` gives it up to 15 digits (`-0` included), beyond as a
   * {@link JsonNumber} holding its literal.
   */
  integer(): number | JsonNumber {
    const b = this.bytes
    const start = this.pos
    let i = start
    let c = b[i]
    const negative = c === MINUS
    if (negative) c = b[++i]
    let n = 0
    if (c === DIGIT_0) {
      c = b[++i]
    } else if (c !== undefined && c > DIGIT_0 && c <= DIGIT_9) {
      do {
        n = n * 10 + (c - DIGIT_0)
        c = b[++i]
      } while (c !== undefined && c >= DIGIT_0 && c <= DIGIT_9)
    } else {
      throw bail
    }
    // a fraction, an exponent, or digits after a leading 0: the caller's delimiter check would not see those
    if (c === 0x2e || c === 0x65 || c === 0x45 || (c !== undefined && c >= DIGIT_0 && c <= DIGIT_9)) throw bail
    this.pos = i
    if (i - start - (negative ? 1 : 0) > exactDigits) return new JsonNumber(this.text.slice(start, i))
    return negative ? -n : n
  }

  /** `true`, `false` or `null`, spelled out. */
  private word(text: string, value: boolean | null): boolean | null {
    const b = this.bytes
    const p = this.pos
    for (let i = 1; i < text.length; i++) if (b[p + i] !== text.charCodeAt(i)) throw bail
    this.pos = p + text.length
    return value
  }

  /** A scalar: a string, an integer (see {@link integer}), a boolean or `null`. */
  scalar(): string | number | JsonNumber | boolean | null {
    const c = this.bytes[this.pos]
    if (c === QUOTE) return this.string()
    if (c === 0x74) return this.word("true", true)
    if (c === 0x66) return this.word("false", false)
    if (c === 0x6e) return this.word("null", null)
    if (c === MINUS || (c !== undefined && c >= DIGIT_0 && c <= DIGIT_9)) return this.integer()
    throw bail
  }

  /**
   * `decode` of a scalar read here, into Go's zero value, as a decoder
   * reads a tree's scalar; a failure it records stops the reading. With
   * `raw`, `decode` gets the value's text (a string or `null` only).
   */
  leaf<A>(decode: Decoder<A>["decode"], raw = false): A {
    const start = this.pos
    const u = this.scalar()
    let text: string | undefined
    if (raw) {
      if (u !== null && typeof u !== "string") throw bail
      text = copyOf(this.bytes, this.text, start, this.pos)
    }
    return this.decoded(decode, u, text)
  }

  /** `decode` of `u` (read here) into Go's zero value; a failure it records stops the reading. */
  decoded<A>(decode: Decoder<A>["decode"], u: unknown, raw?: string): A {
    const cx = this.cx
    const failures = cx.failures.length
    const value = decode(u, undefined, cx, raw)
    if (cx.failures.length !== failures || cx.stopped) throw bail
    return value
  }

  /** Enters an object or array at `open`: `false` when it is empty (and read). */
  enter(open: number, close: number): boolean {
    const b = this.bytes
    if (b[this.pos] !== open) throw bail
    if (++this.depth > maxScanDepth) throw bail
    if (b[this.pos + 1] === close) {
      this.pos += 2
      this.depth--
      return false
    }
    this.pos++
    return true
  }

  /** After a member or element: `true` past a comma (another follows), `false` past `close` (left). */
  more(close: number): boolean {
    const c = this.bytes[this.pos++]
    if (c === COMMA) return true
    if (c !== close) throw bail
    this.depth--
    return false
  }

  /** An object key and its colon: the key. */
  key(): string {
    if (this.bytes[this.pos] !== QUOTE) throw bail
    const key = this.string()
    if (this.bytes[this.pos++] !== COLON) throw bail
    return key
  }

  /** Whether the key token `"name":` (its bytes) is here (passed, when it is). */
  token(token: Uint8Array): boolean {
    const b = this.bytes
    const p = this.pos
    const n = token.length
    for (let i = 0; i < n; i++) if (b[p + i] !== token[i]) return false
    this.pos = p + n
    return true
  }

  /** Any value, checked and passed over (the value of a key no field takes). */
  skipValue(): void {
    const c = this.bytes[this.pos]
    if (c === OPEN_OBJECT) {
      if (!this.enter(OPEN_OBJECT, CLOSE_OBJECT)) return
      do {
        this.key()
        this.skipValue()
      } while (this.more(CLOSE_OBJECT))
    } else if (c === OPEN_ARRAY) {
      if (!this.enter(OPEN_ARRAY, CLOSE_ARRAY)) return
      do this.skipValue(); while (this.more(CLOSE_ARRAY))
    } else {
      this.scalar()
    }
  }

  /** Whether the reading ended where the document does: at its end, or before one final newline (as `json.Encoder` writes). */
  atEnd(): boolean {
    const n = this.bytes.length
    return this.pos === n || (this.pos === n - 1 && this.bytes[this.pos] === 0x0a)
  }
}

/** The bytes `enter`, `more` and the decoders compare with. */
export const delimiters = { OPEN_ARRAY, CLOSE_ARRAY, OPEN_OBJECT, CLOSE_OBJECT } as const

/** The `scan` of `decoder`, or one that stops the reading (a type that cannot be read compactly). */
export const scanOf = <A>(decoder: Decoder<A>): (s: Scanner) => A => decoder.scan ?? stop

const stop = (): never => {
  throw bail
}
