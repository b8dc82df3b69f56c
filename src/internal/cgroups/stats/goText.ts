/**
 * The Go text primitives runc's stat parsers are written with: `bufio.Scanner`
 * line splitting (with its 64 KiB token limit), `strings.Fields`,
 * `strings.FieldsFunc`, `strings.SplitN`, and the errors and clamping of
 * `strconv.ParseUint` as runc's `fscommon` uses it.
 *
 * Inputs are decoded text; sizes are counted in UTF-8 bytes, as Go counts them.
 */
import * as Strconv from "../../strconv.js"

/** `bufio.MaxScanTokenSize`: the longest line a default `bufio.Scanner` accepts (64 KiB, newline included). */
export const maxScanTokenSize = 64 * 1024

/** `bufio.ErrTooLong`'s text. */
export const tokenTooLong = "bufio.Scanner: token too long"

/** What a `bufio.Scanner` over a whole text yields: its lines, and whether it stopped at an overlong one. */
export interface ScannedLines {
  readonly lines: ReadonlyArray<string>
  /** `sc.Err()` was `bufio.ErrTooLong`: `lines` are the ones before the overlong line. */
  readonly tooLong: boolean
}

const encoder = new TextEncoder()

/** UTF-8 length of `s` (cheap when `s` is short enough that it cannot matter). */
const byteLength = (s: string): number => s.length * 3 < maxScanTokenSize ? s.length : encoder.encode(s).length

/**
 * `bufio.NewScanner` with `ScanLines` over `text`: lines split on `\n`, one
 * trailing `\r` dropped from each, no empty line after a final newline. A
 * line that does not fit the scanner's 64 KiB buffer (together with its `\n`,
 * or alone at the end) stops the scan with `ErrTooLong`.
 */
export const scanLines = (text: string): ScannedLines => {
  const lines: Array<string> = []
  let start = 0
  while (start < text.length) {
    const nl = text.indexOf("\n", start)
    const end = nl < 0 ? text.length : nl
    const raw = text.slice(start, end)
    if (byteLength(raw) >= maxScanTokenSize) return { lines, tooLong: true }
    lines.push(raw.endsWith("\r") ? raw.slice(0, -1) : raw)
    if (nl < 0) break
    start = nl + 1
  }
  return { lines, tooLong: false }
}

/** Go's `unicode.IsSpace`. */
export const isSpace = (c: number): boolean =>
  c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000

/** Go's `strings.FieldsFunc(s, f)`: the non-empty runs of characters for which `f` is false. */
export const fieldsFunc = (s: string, separator: (c: number) => boolean): Array<string> => {
  const out: Array<string> = []
  let start = -1
  for (let i = 0; i < s.length; i++) {
    if (separator(s.charCodeAt(i))) {
      if (start >= 0) out.push(s.slice(start, i))
      start = -1
    } else if (start < 0) {
      start = i
    }
  }
  if (start >= 0) out.push(s.slice(start))
  return out
}

/** Go's `strings.Fields`: split around runs of Unicode white space. */
export const fields = (s: string): Array<string> => fieldsFunc(s, isSpace)

/** Go's `strings.TrimSpace`. */
export const trimSpace = (s: string): string => {
  let start = 0
  let end = s.length
  while (start < end && isSpace(s.charCodeAt(start))) start++
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--
  return s.slice(start, end)
}

/** Go's `strings.SplitN(s, sep, n)` for `n > 0` and a non-empty `sep`. */
export const splitN = (s: string, sep: string, n: number): Array<string> => {
  const out: Array<string> = []
  let rest = s
  while (out.length < n - 1) {
    const at = rest.indexOf(sep)
    if (at < 0) break
    out.push(rest.slice(0, at))
    rest = rest.slice(at + sep.length)
  }
  out.push(rest)
  return out
}

/** The text of the `*strconv.NumError` of a failed {@link parseUint} of `input`. */
export const parseUintError = (input: string, kind: Strconv.NumErrorKind): string =>
  Strconv.numErrorText("ParseUint", input, kind)

/**
 * fscommon's `ParseUint(s, 10, 64)`: Go's `ParseUint`, except that a
 * negative number (the kernel reports some memory counters below zero) is 0,
 * whether or not it fits an int64. Other failures keep `ParseUint`'s error.
 */
export const parseUintClamped = (s: string): Strconv.NumResult => {
  const value = Strconv.parseUint(s)
  if (value._tag === "Ok") return value
  const signed = Strconv.parseInt(s)
  if (signed.value < 0n && (signed._tag === "Ok" || signed.kind === "range")) return { _tag: "Ok", value: 0n }
  return value
}
