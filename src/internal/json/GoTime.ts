/**
 * Go's `time.Time` in JSON, as runc 1.1.5 (built with Go 1.19) reads and
 * writes state.json's `created`: `UnmarshalJSON` is `time.Parse` with the
 * layout `"2006-01-02T15:04:05Z07:00"` — quotes included — over the raw
 * JSON text of the value (so an escape inside the string, or a value that
 * is not a string at all, fails with Go's own message), and `MarshalJSON`
 * writes `time.RFC3339Nano`.
 *
 * Go's parser is more lenient than RFC 3339 in ways runc inherits: a comma
 * may stand for the decimal point, any number of fraction digits is read
 * (truncated to nanoseconds), the fraction may stand where the seconds
 * should be, the hour may have one digit, and the zone offset's hour and
 * minute are read with Go's `atoi` (a sign inside them counts; no range
 * check). Every position and message below follows `time/format.go`'s
 * `parse` byte for byte; `test/fixtures/go1.19/time.json` is Go's own table.
 */

/** The layout `time.Time.UnmarshalJSON` parses with. */
export const jsonLayout = "\"2006-01-02T15:04:05Z07:00\""

/** What a successful parse read: the wall clock and the zone offset in seconds east of UTC. */
export interface GoTimeFields {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly nanos: number
  readonly offset: number
}

/** A parse result: the fields, or Go's error text. */
export type ParseResult =
  | { readonly _tag: "Parsed"; readonly time: GoTimeFields }
  | { readonly _tag: "Failed"; readonly message: string }

/**
 * `s` as one char per UTF-8 byte: Go's string indexing is by byte. With
 * `escapedBytes`, a lone surrogate U+DC80–U+DCFF is the invalid byte it
 * stands for (see `decodeUtf8` in `GoJson.ts`).
 */
const utf8 = new TextEncoder()

const toBytes = (s: string, escapedBytes: boolean): string => {
  let ascii = true
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false
      break
    }
  }
  if (ascii) return s
  let out = ""
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    if (escapedBytes && cp >= 0xdc80 && cp <= 0xdcff) {
      out += String.fromCharCode(cp - 0xdc00)
      continue
    }
    for (const b of utf8.encode(ch)) out += String.fromCharCode(b)
  }
  return out
}

const hexDigits = "0123456789abcdef"
const runeError = 0xfffd

/** Go's `utf8.DecodeRuneInString` over a byte string: the rune and its width, `(RuneError, 1)` when invalid. */
const decodeRune = (b: string, i: number): readonly [number, number] => {
  const b0 = b.charCodeAt(i)
  if (b0 < 0x80) return [b0, 1]
  const cont = (j: number, lo = 0x80, hi = 0xbf) => {
    const c = j < b.length ? b.charCodeAt(j) : -1
    return c >= lo && c <= hi ? c & 0x3f : -1
  }
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(i + 1)
    return c1 < 0 ? [runeError, 1] : [((b0 & 0x1f) << 6) | c1, 2]
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(i + 1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf)
    const c2 = c1 < 0 ? -1 : cont(i + 2)
    return c2 < 0 ? [runeError, 1] : [((b0 & 0x0f) << 12) | (c1 << 6) | c2, 3]
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(i + 1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf)
    const c2 = c1 < 0 ? -1 : cont(i + 2)
    const c3 = c2 < 0 ? -1 : cont(i + 3)
    return c3 < 0 ? [runeError, 1] : [((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4]
  }
  return [runeError, 1]
}

/**
 * The `time` package's own `quote` (not `strconv.Quote`): double quotes,
 * `"` and `\` backslashed, and every byte of a non-ASCII or control
 * character written `\xHH`.
 */
export const quote = (bytes: string): string => {
  let out = "\""
  for (let i = 0; i < bytes.length;) {
    const [c, width] = decodeRune(bytes, i)
    if (c >= 0x80 || c < 0x20) {
      let w = width
      if (c === runeError) w = i + 2 < bytes.length && bytes.slice(i, i + 3) === "\xef\xbf\xbd" ? 3 : 1
      for (let j = 0; j < w; j++) {
        const byte = bytes.charCodeAt(i + j)
        out += "\\x" + hexDigits[byte >> 4] + hexDigits[byte & 0xf]
      }
    } else {
      if (c === 0x22 || c === 0x5c) out += "\\"
      out += bytes[i]
    }
    i += width
  }
  return out + "\""
}

const isDigit = (s: string, i: number): boolean => {
  if (i >= s.length) return false
  const c = s.charCodeAt(i)
  return c >= 0x30 && c <= 0x39
}

/** Go's `atoi` from `time/format.go`: an optional sign, then digits only (none at all reads as 0). */
const atoi = (s: string): number | undefined => {
  let i = 0
  let neg = false
  if (s.length > 0 && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-"
    i = 1
  }
  let x = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined
    x = x * 10 + (c - 0x30)
  }
  return neg ? -x : x
}

/** Go's `getnum`: one or two digits (`fixed` requires two); `undefined` leaves the input unread. */
const getnum = (s: string, fixed: boolean): readonly [number, string] | undefined => {
  if (!isDigit(s, 0)) return undefined
  if (!isDigit(s, 1)) return fixed ? undefined : [s.charCodeAt(0) - 0x30, s.slice(1)]
  return [(s.charCodeAt(0) - 0x30) * 10 + (s.charCodeAt(1) - 0x30), s.slice(2)]
}

const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)

const daysIn = (month: number, year: number): number =>
  month === 2 ? (isLeap(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31

/**
 * `time.Parse(jsonLayout, raw)` with Go 1.19's rules and messages. `raw` is
 * the value's JSON text exactly as it appears in the document (`bytes`: a
 * text from `decodeUtf8`, its invalid bytes escaped).
 */
export const parse = (raw: string, bytes = false): ParseResult => {
  const value0 = toBytes(raw, bytes)
  const failed = (message: string): ParseResult => ({ _tag: "Failed", message: `parsing time ${quote(value0)}${message}` })
  const cannot = (valueElem: string, layoutElem: string) =>
    failed(` as ${quote(jsonLayout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`)
  const outOfRange = (what: string) => failed(`: ${what} out of range`)
  let value = value0
  const skip = (prefix: string): boolean => {
    if (!value.startsWith(prefix)) return false
    value = value.slice(prefix.length)
    return true
  }

  if (!skip("\"")) return cannot(value, "\"")
  // 2006
  if (value.length < 4 || !isDigit(value, 0)) return cannot(value, "2006")
  const year = atoi(value.slice(0, 4))
  value = value.slice(4)
  if (year === undefined) return cannot(value, "2006")
  // -01
  if (!skip("-")) return cannot(value, "-")
  const month = getnum(value, true)
  if (month === undefined) return cannot(value, "01")
  value = month[1]
  if (month[0] <= 0 || month[0] > 12) return outOfRange("month")
  // -02
  if (!skip("-")) return cannot(value, "-")
  const day = getnum(value, true)
  if (day === undefined) return cannot(value, "02")
  value = day[1]
  // T15
  if (!skip("T")) return cannot(value, "T")
  const hour = getnum(value, false)
  if (hour === undefined) return cannot(value, "15")
  value = hour[1]
  if (hour[0] >= 24) return outOfRange("hour")
  // :04
  if (!skip(":")) return cannot(value, ":")
  const minute = getnum(value, true)
  if (minute === undefined) return cannot(value, "04")
  value = minute[1]
  if (minute[0] >= 60) return outOfRange("minute")
  // :05, then a fraction the layout does not name; its success hides a bad seconds field, as in Go
  if (!skip(":")) return cannot(value, ":")
  const second = getnum(value, true)
  let secondOk = second !== undefined
  if (second !== undefined) {
    value = second[1]
    if (second[0] >= 60) return outOfRange("second")
  }
  let nanos = 0
  if (value.length >= 2 && (value[0] === "." || value[0] === ",") && isDigit(value, 1)) {
    let n = 2
    while (isDigit(value, n)) n++
    const digits = value.slice(1, Math.min(n, 10))
    nanos = Number(digits) * 10 ** (9 - digits.length)
    value = value.slice(n)
    secondOk = true
  }
  if (!secondOk) return cannot(value, "05")
  // Z07:00
  let offset = 0
  if (value.length >= 1 && value[0] === "Z") {
    value = value.slice(1)
  } else {
    if (value.length < 6 || value[3] !== ":") return cannot(value, "Z07:00")
    const sign = value[0]
    const hh = atoi(value.slice(1, 3))
    const mm = hh === undefined ? undefined : atoi(value.slice(4, 6))
    value = value.slice(6)
    if (hh === undefined || mm === undefined || (sign !== "+" && sign !== "-")) return cannot(value, "Z07:00")
    offset = (hh * 60 + mm) * 60
    if (sign === "-") offset = -offset
  }
  // the closing quote, then nothing
  if (!skip("\"")) return cannot(value, "\"")
  if (value.length !== 0) return failed(`: extra text: ${quote(value)}`)
  if (day[0] < 1 || day[0] > daysIn(month[0], year)) return failed(": day out of range")
  return {
    _tag: "Parsed",
    time: {
      year,
      month: month[0],
      day: day[0],
      hour: hour[0],
      minute: minute[0],
      second: second?.[0] ?? 0,
      nanos,
      offset: offset === 0 ? 0 : offset
    }
  }
}

/** Go's `appendInt(b, x, width)`: zero-padded to `width`, longer when it must be. */
const padded = (x: number, width: number): string => {
  const digits = String(Math.abs(x))
  return (x < 0 ? "-" : "") + (digits.length < width ? "0".repeat(width - digits.length) + digits : digits)
}

/**
 * `time.Time.MarshalJSON`'s text (without the quotes): RFC 3339 with the
 * fraction's trailing zeros trimmed (none when whole), `Z` for a zero
 * offset, else `±hh:mm`; a year outside 0–9999 is Go's error.
 */
export const format = (t: GoTimeFields): { readonly _tag: "Formatted"; readonly text: string } | {
  readonly _tag: "Failed"
  readonly message: string
} => {
  if (t.year < 0 || t.year >= 10000) {
    return { _tag: "Failed", message: "Time.MarshalJSON: year outside of range [0,9999]" }
  }
  let fraction = ""
  if (t.nanos !== 0) {
    fraction = "." + padded(t.nanos, 9)
    let end = fraction.length
    while (fraction.charCodeAt(end - 1) === 0x30) end--
    fraction = fraction.slice(0, end)
  }
  let zone = "Z"
  if (t.offset !== 0) {
    let minutes = Math.trunc(t.offset / 60)
    const sign = minutes < 0 ? "-" : "+"
    if (minutes < 0) minutes = -minutes
    zone = sign + padded(Math.trunc(minutes / 60), 2) + ":" + padded(minutes % 60, 2)
  }
  return {
    _tag: "Formatted",
    text: `${padded(t.year, 4)}-${padded(t.month, 2)}-${padded(t.day, 2)}T${padded(t.hour, 2)}:${padded(t.minute, 2)}:${
      padded(t.second, 2)
    }${fraction}${zone}`
  }
}

/** A UTC time as `MarshalJSON` writes it, quoted: a fraction of 1–9 digits ending in a non-zero one, or none. */
const marshaledUtc = /^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{0,8}[1-9])?Z"$/

/** The number of the two ASCII digits at `i`. */
const twoDigits = (s: string, i: number): number => (s.charCodeAt(i) - 0x30) * 10 + s.charCodeAt(i + 1) - 0x30

/**
 * Whether `raw` is a valid UTC time exactly as `MarshalJSON` writes it
 * (what runc writes for `created`): then `UnmarshalJSON` and `MarshalJSON`
 * give it back unchanged, and {@link unmarshal} answers without parsing.
 */
const isMarshaledUtc = (raw: string): boolean => {
  if (raw.length < 22 || !marshaledUtc.test(raw)) return false
  const year = twoDigits(raw, 1) * 100 + twoDigits(raw, 3)
  const month = twoDigits(raw, 6)
  const day = twoDigits(raw, 9)
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, year) && twoDigits(raw, 12) < 24 &&
    twoDigits(raw, 15) < 60 && twoDigits(raw, 18) < 60
}

/** What `UnmarshalJSON` then `MarshalJSON` make of a raw value: the text written back, or Go's error. */
export type RoundTrip =
  | { readonly _tag: "Time"; readonly text: string }
  | { readonly _tag: "Null" }
  | { readonly _tag: "Failed"; readonly message: string }

/**
 * `time.Time.UnmarshalJSON(raw)`: `null` changes nothing; anything else is
 * parsed, and the result is given as `MarshalJSON` would write it.
 */
export const unmarshal = (raw: string, bytes = false): RoundTrip => {
  if (raw === "null") return { _tag: "Null" }
  if (isMarshaledUtc(raw)) return { _tag: "Time", text: raw.slice(1, -1) }
  return unmarshalParsed(raw, bytes)
}

/** {@link unmarshal} through {@link parse} and {@link format}, whatever the text. Exported for tests. */
export const unmarshalParsed = (raw: string, bytes = false): RoundTrip => {
  if (raw === "null") return { _tag: "Null" }
  const parsed = parse(raw, bytes)
  if (parsed._tag === "Failed") return parsed
  const formatted = format(parsed.time)
  return formatted._tag === "Failed" ? formatted : { _tag: "Time", text: formatted.text }
}

/**
 * Whether `s` can be the content of a JSON string literal without escapes
 * (no `"`, `\` or control character): only then is its raw text `"s"`.
 */
export const needsNoEscape = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x22 || c === 0x5c) return false
  }
  return true
}

/**
 * The text Go writes back for a JSON string `s` read as a `time.Time`, or
 * `undefined` when Go refuses it — assuming, as a plain string cannot tell,
 * that its literal had no escapes.
 */
export const canonical = (s: string): string | undefined => {
  if (!needsNoEscape(s)) return undefined
  const r = unmarshal(`"${s}"`)
  return r._tag === "Time" ? r.text : undefined
}
