/**
 * The parts of Go's `strconv` that show through in runc's texts and parsing:
 * `Quote` (what `%q` prints), `Atoi`, and base-10 `ParseUint` / `ParseInt`
 * with their exact accept/reject rules and error texts.
 *
 * Inputs may be bytes: Go strings are byte strings, and `/proc` or mountinfo
 * content is not guaranteed to be UTF-8, so quoting works on bytes and
 * escapes invalid sequences as `\xNN` like Go does.
 */

const encoder = new TextEncoder()

/** The bytes of a Go string: a JS string is encoded as UTF-8, bytes are taken as they are. */
export const bytesOf = (input: string | Uint8Array): Uint8Array =>
  typeof input === "string" ? encoder.encode(input) : input

const isContinuation = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80

/**
 * Decodes one UTF-8 sequence at `i` with Go's `utf8.DecodeRune` rules
 * (no overlongs, no surrogates, nothing above U+10FFFF). Returns the code
 * point and its width, or -1 and width 1 for an invalid byte.
 */
const decodeRune = (b: Uint8Array, i: number): readonly [number, number] => {
  const b0 = b[i]!
  if (b0 < 0x80) return [b0, 1]
  const b1 = b[i + 1]
  if (b0 >= 0xc2 && b0 <= 0xdf && isContinuation(b1)) {
    return [((b0 & 0x1f) << 6) | (b1! & 0x3f), 2]
  }
  if (b0 >= 0xe0 && b0 <= 0xef && b1 !== undefined) {
    const low = b0 === 0xe0 ? 0xa0 : 0x80
    const high = b0 === 0xed ? 0x9f : 0xbf
    const b2 = b[i + 2]
    if (b1 >= low && b1 <= high && isContinuation(b2)) {
      return [((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2! & 0x3f), 3]
    }
  }
  if (b0 >= 0xf0 && b0 <= 0xf4 && b1 !== undefined) {
    const low = b0 === 0xf0 ? 0x90 : 0x80
    const high = b0 === 0xf4 ? 0x8f : 0xbf
    const b2 = b[i + 2]
    const b3 = b[i + 3]
    if (b1 >= low && b1 <= high && isContinuation(b2) && isContinuation(b3)) {
      return [((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2! & 0x3f) << 6) | (b3! & 0x3f), 4]
    }
  }
  return [-1, 1]
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u

/** Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const isPrint = (cp: number): boolean =>
  cp < 0x80 ? cp >= 0x20 && cp < 0x7f : printable.test(String.fromCodePoint(cp))

const hex = (value: number, width: number): string => value.toString(16).padStart(width, "0")

const namedEscapes: Readonly<Record<number, string>> = {
  0x07: "\\a",
  0x08: "\\b",
  0x0c: "\\f",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x0b: "\\v"
}

const escapeRune = (cp: number): string => {
  if (cp === 0x22) return "\\\""
  if (cp === 0x5c) return "\\\\"
  if (isPrint(cp)) return String.fromCodePoint(cp)
  const named = namedEscapes[cp]
  if (named !== undefined) return named
  if (cp < 0x20 || cp === 0x7f) return "\\x" + hex(cp, 2)
  if (cp < 0x10000) return "\\u" + hex(cp, 4)
  return "\\U" + hex(cp, 8)
}

/** Go's `strconv.Quote` — the text `fmt`'s `%q` prints for a string or byte slice. */
export const quote = (input: string | Uint8Array): string => {
  const b = bytesOf(input)
  let out = "\""
  let i = 0
  while (i < b.length) {
    const [cp, width] = decodeRune(b, i)
    out += cp < 0 ? "\\x" + hex(b[i]!, 2) : escapeRune(cp)
    i += width
  }
  return out + "\""
}

/** Why a Go number parse failed: `strconv.ErrSyntax` or `strconv.ErrRange`. */
export type NumErrorKind = "syntax" | "range"

/** The outcome of a Go number parse: the value, or the failure kind with the value Go returns alongside it. */
export type NumResult =
  | { readonly _tag: "Ok"; readonly value: bigint }
  | { readonly _tag: "Err"; readonly kind: NumErrorKind; readonly value: bigint }

const ok = (value: bigint): NumResult => ({ _tag: "Ok", value })
const err = (kind: NumErrorKind, value: bigint): NumResult => ({ _tag: "Err", kind, value })

const maxUint64 = (1n << 64n) - 1n

const lower = (c: number): number => c | 0x20

/** Go's `underscoreOK`: underscores only between digits (or after a base prefix). */
const underscoreOK = (s: string): boolean => {
  let saw = "^"
  let i = 0
  if (s.length >= 1 && (s[0] === "-" || s[0] === "+")) s = s.slice(1)
  let hex = false
  if (s.length >= 2 && s[0] === "0" && "box".includes(String.fromCharCode(lower(s.charCodeAt(1))))) {
    i = 2
    saw = "0"
    hex = lower(s.charCodeAt(1)) === 0x78
  }
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c >= 0x30 && c <= 0x39) || (hex && lower(c) >= 0x61 && lower(c) <= 0x66)) {
      saw = "0"
      continue
    }
    if (c === 0x5f) {
      if (saw !== "0") return false
      saw = "_"
      continue
    }
    if (saw === "_") return false
    saw = "!"
  }
  return saw !== "_"
}

/**
 * Go's `strconv.ParseUint(s, base, bitSize)` for base 0 or 2..36 and bit
 * sizes 1..64: the value, or the error kind (and the value Go returns with
 * it: the type's maximum on overflow). Base 0 reads `0b`, `0o`, `0x` and a
 * leading `0` (octal) as prefixes and allows `_` between digits.
 */
export const parseUint = (s: string, base = 10, bitSize = 64): NumResult => {
  if (s === "") return err("syntax", 0n)
  const base0 = base === 0
  const s0 = s
  if (base0) {
    base = 10
    if (s[0] === "0") {
      const prefix = s.length >= 3 ? lower(s.charCodeAt(1)) : 0
      if (prefix === 0x62) [base, s] = [2, s.slice(2)]
      else if (prefix === 0x6f) [base, s] = [8, s.slice(2)]
      else if (prefix === 0x78) [base, s] = [16, s.slice(2)]
      else [base, s] = [8, s.slice(1)]
    }
  }
  const big = BigInt(base)
  const cutoff = maxUint64 / big + 1n
  const maxVal = (1n << BigInt(bitSize)) - 1n
  let underscores = false
  let n = 0n
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let d: number
    if (c === 0x5f && base0) {
      underscores = true
      continue
    } else if (c >= 0x30 && c <= 0x39) {
      d = c - 0x30
    } else if (lower(c) >= 0x61 && lower(c) <= 0x7a) {
      d = lower(c) - 0x61 + 10
    } else {
      return err("syntax", 0n)
    }
    if (d >= base) return err("syntax", 0n)
    if (n >= cutoff) return err("range", maxVal)
    n *= big
    const n1 = n + BigInt(d)
    if (n1 > maxVal || n1 > maxUint64) return err("range", maxVal)
    n = n1
  }
  if (underscores && !underscoreOK(s0)) return err("syntax", 0n)
  return ok(n)
}

/**
 * Go's `strconv.ParseInt(s, base, bitSize)` for base 0 or 2..36: an optional
 * sign, then {@link parseUint}'s rules; out of range clamps to the type's
 * bound and fails.
 */
export const parseInt = (s: string, base = 10, bitSize = 64): NumResult => {
  if (s === "") return err("syntax", 0n)
  const negative = s[0] === "-"
  const digits = s[0] === "+" || negative ? s.slice(1) : s
  const un = parseUint(digits, base, bitSize)
  if (un._tag === "Err" && un.kind === "syntax") return err("syntax", 0n)
  const cutoff = 1n << BigInt(bitSize - 1)
  if (!negative && (un._tag === "Err" || un.value >= cutoff)) return err("range", cutoff - 1n)
  if (negative && (un._tag === "Err" || un.value > cutoff)) return err("range", -cutoff)
  return ok(negative ? -un.value : un.value)
}

/** Go's `strconv.Atoi` on a 64-bit platform: `ParseInt(s, 10, 0)`. */
export const atoi = (s: string): NumResult => parseInt(s)

/** The text of a Go `*strconv.NumError`, e.g. `strconv.ParseUint: parsing "-1": invalid syntax`. */
export const numErrorText = (fn: string, input: string | Uint8Array, kind: NumErrorKind): string =>
  `strconv.${fn}: parsing ${quote(input)}: ${kind === "syntax" ? "invalid syntax" : "value out of range"}`

/** Go's `strconv.ParseBool`. */
export const parseBool = (value: string): boolean | undefined => {
  switch (value) {
    case "1":
    case "t":
    case "T":
    case "TRUE":
    case "true":
    case "True":
      return true
    case "0":
    case "f":
    case "F":
    case "FALSE":
    case "false":
    case "False":
      return false
    default:
      return undefined
  }
}
