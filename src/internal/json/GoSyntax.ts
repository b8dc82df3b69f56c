/**
 * The syntax check of Go's `json.Decoder.Decode`, with its error texts: the
 * first value of the input is scanned byte by byte with the state machine
 * of `encoding/json`'s `scanner.go`, and a malformed one is reported as Go
 * reports it (`invalid character '}' looking for beginning of value`,
 * `unexpected EOF`, `EOF`). Bytes after the first complete value are not
 * looked at, as the decoder leaves them unread.
 */

/** Go's `quoteChar`: a byte as a single-quoted Go character literal. */
const quoteChar = (c: number): string => {
  if (c === 0x27) return "'\\''"
  if (c === 0x22) return "'\"'"
  switch (c) {
    case 0x07:
      return "'\\a'"
    case 0x08:
      return "'\\b'"
    case 0x0c:
      return "'\\f'"
    case 0x0a:
      return "'\\n'"
    case 0x0d:
      return "'\\r'"
    case 0x09:
      return "'\\t'"
    case 0x0b:
      return "'\\v'"
    case 0x5c:
      return "'\\\\'"
  }
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, "0")}'`
  // A byte above 0x7f is read as the rune of the same number (Latin-1); of
  // those, U+0080–U+00A0 and U+00AD are not printable and Go escapes them.
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u00${c.toString(16).padStart(2, "0")}'`
  return `'${String.fromCharCode(c)}'`
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)

/** Go's nesting limit (`maxNestingDepth`). */
const maxNestingDepth = 10000

type Parse = "objectKey" | "objectValue" | "arrayValue"

type State =
  | "beginValue"
  | "beginStringOrEmpty"
  | "beginString"
  | "beginValueOrEmpty"
  | "endValue"
  | "inString"
  | "inStringEsc"
  | "inStringEscU"
  | "inStringEscU1"
  | "inStringEscU12"
  | "inStringEscU123"
  | "neg"
  | "zero"
  | "one"
  | "dot"
  | "dot0"
  | "e"
  | "eSign"
  | "e0"
  | "literal"
  | "done"

/** The outcome of {@link scan}: where the first value ends, or Go's error text. */
export type ScanResult = { readonly _tag: "Value"; readonly end: number } | { readonly _tag: "Error"; readonly reason: string }

/**
 * Scans the first JSON value of `bytes` as Go's decoder does: the offset
 * just past it (a top-level number ends at the first byte that cannot
 * continue it), or Go's error text.
 */
export const scan = (bytes: Uint8Array): ScanResult => {
  const result = scanFirst(bytes)
  return typeof result === "number" ? { _tag: "Value", end: result } : { _tag: "Error", reason: result }
}

/** Go's error text for the first value of `bytes`, or `undefined` when it is well formed. */
export const syntaxError = (bytes: Uint8Array): string | undefined => {
  const result = scan(bytes)
  return result._tag === "Error" ? result.reason : undefined
}

const scanFirst = (bytes: Uint8Array): number | string => {
  const stack: Array<Parse> = []
  let state: State = "beginValue"
  let literal = ""
  let literalAt = 0
  let started = false
  const fail = (c: number, context: string) => `invalid character ${quoteChar(c)} ${context}`

  const push = (p: Parse): string | undefined => {
    stack.push(p)
    return stack.length > maxNestingDepth ? "exceeded max depth" : undefined
  }
  /** After a value ends: what the enclosing container expects next. */
  const afterValue = (): State => stack.length === 0 ? "done" : "endValue"

  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!
    // A state may hand the byte to the next state: loop until it is consumed.
    for (;;) {
      switch (state) {
        case "beginValueOrEmpty":
          if (isSpace(c)) break
          if (c === 0x5d) {
            stack.pop()
            state = afterValue()
            break
          }
          state = "beginValue"
          continue
        case "beginValue": {
          if (isSpace(c)) break
          started = true
          if (c === 0x7b) {
            const e = push("objectKey")
            if (e !== undefined) return e
            state = "beginStringOrEmpty"
          } else if (c === 0x5b) {
            const e = push("arrayValue")
            if (e !== undefined) return e
            state = "beginValueOrEmpty"
          } else if (c === 0x22) {
            state = "inString"
          } else if (c === 0x2d) {
            state = "neg"
          } else if (c === 0x30) {
            state = "zero"
          } else if (c >= 0x31 && c <= 0x39) {
            state = "one"
          } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
            literal = c === 0x74 ? "true" : c === 0x66 ? "false" : "null"
            literalAt = 1
            state = "literal"
          } else {
            return fail(c, "looking for beginning of value")
          }
          break
        }
        case "beginStringOrEmpty":
          if (isSpace(c)) break
          if (c === 0x7d) {
            stack.pop()
            state = afterValue()
            break
          }
          state = "beginString"
          continue
        case "beginString":
          if (isSpace(c)) break
          if (c === 0x22) {
            state = "inString"
            break
          }
          return fail(c, "looking for beginning of object key string")
        case "endValue": {
          const top = stack[stack.length - 1]
          if (isSpace(c)) break
          if (top === "objectKey") {
            if (c === 0x3a) {
              stack[stack.length - 1] = "objectValue"
              state = "beginValue"
              break
            }
            return fail(c, "after object key")
          }
          if (top === "objectValue") {
            if (c === 0x2c) {
              stack[stack.length - 1] = "objectKey"
              state = "beginString"
              break
            }
            if (c === 0x7d) {
              stack.pop()
              state = afterValue()
              break
            }
            return fail(c, "after object key:value pair")
          }
          if (c === 0x2c) {
            state = "beginValue"
            break
          }
          if (c === 0x5d) {
            stack.pop()
            state = afterValue()
            break
          }
          return fail(c, "after array element")
        }
        case "inString":
          if (c === 0x22) {
            state = afterValue()
            break
          }
          if (c === 0x5c) {
            state = "inStringEsc"
            break
          }
          if (c < 0x20) return fail(c, "in string literal")
          break
        case "inStringEsc":
          if ("bfnrt\\/\"".includes(String.fromCharCode(c))) {
            state = "inString"
            break
          }
          if (c === 0x75) {
            state = "inStringEscU"
            break
          }
          return fail(c, "in string escape code")
        case "inStringEscU":
        case "inStringEscU1":
        case "inStringEscU12":
        case "inStringEscU123":
          if (!isHex(c)) return fail(c, "in \\u hexadecimal character escape")
          state = state === "inStringEscU"
            ? "inStringEscU1"
            : state === "inStringEscU1"
            ? "inStringEscU12"
            : state === "inStringEscU12"
            ? "inStringEscU123"
            : "inString"
          break
        case "neg":
          if (c === 0x30) {
            state = "zero"
            break
          }
          if (c >= 0x31 && c <= 0x39) {
            state = "one"
            break
          }
          return fail(c, "in numeric literal")
        case "one":
          if (isDigit(c)) break
          state = "zero"
          continue
        case "zero":
          if (c === 0x2e) {
            state = "dot"
            break
          }
          if (c === 0x65 || c === 0x45) {
            state = "e"
            break
          }
          state = afterValue()
          if (state === "done") return i
          continue
        case "dot":
          if (isDigit(c)) {
            state = "dot0"
            break
          }
          return fail(c, "after decimal point in numeric literal")
        case "dot0":
          if (isDigit(c)) break
          if (c === 0x65 || c === 0x45) {
            state = "e"
            break
          }
          state = afterValue()
          if (state === "done") return i
          continue
        case "e":
          if (c === 0x2b || c === 0x2d) {
            state = "eSign"
            break
          }
          state = "eSign"
          continue
        case "eSign":
          if (isDigit(c)) {
            state = "e0"
            break
          }
          return fail(c, "in exponent of numeric literal")
        case "e0":
          if (isDigit(c)) break
          state = afterValue()
          if (state === "done") return i
          continue
        case "literal": {
          const expected = literal.charCodeAt(literalAt)
          if (c !== expected) return fail(c, `in literal ${literal} (expecting ${quoteChar(expected)})`)
          literalAt++
          if (literalAt === literal.length) state = afterValue()
          break
        }
      }
      break
    }
    if (state === "done") return i + 1
  }
  // The input ended inside the value (a number at top level ends at EOF).
  if (!started) return "EOF"
  if (stack.length === 0 && (state === "zero" || state === "one" || state === "dot0" || state === "e0")) return bytes.length
  return "unexpected EOF"
}
