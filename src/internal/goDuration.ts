/**
 * Go's `time.ParseDuration` (Go 1.19, `time/format.go`): what a
 * `DurationFlag` such as `runc events --interval` accepts — `300ms`,
 * `1.5h`, `2h45m`, `-1s`, `0` — and its error texts (with the `time`
 * package's own quoting).
 */
const encoder = new TextEncoder()
const hex = (b: number) => b.toString(16).padStart(2, "0")

/**
 * The `time` package's own `quote`: `"` and `\` escaped, any byte of a
 * character below a space or beyond ASCII written as `\xNN`.
 */
const quote = (s: string): string => {
  let out = "\""
  for (const c of s) {
    const code = c.codePointAt(0)!
    if (code < 0x20 || code >= 0x80) {
      for (const b of encoder.encode(c)) out += `\\x${hex(b)}`
    } else {
      out += c === "\"" || c === "\\" ? `\\${c}` : c
    }
  }
  return `${out}"`
}

/** A parsed duration in nanoseconds, or Go's error text. */
export type DurationResult =
  | { readonly _tag: "Ok"; readonly nanos: bigint }
  | { readonly _tag: "Err"; readonly message: string }

const units: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  "\u00b5s": 1000n,
  "\u03bcs": 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n
}

const limit = 1n << 63n

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9"

/** Go's `time.ParseDuration(s)`. */
export const parseDuration = (orig: string): DurationResult => {
  const invalid = (): DurationResult => ({ _tag: "Err", message: `time: invalid duration ${quote(orig)}` })
  let s = orig
  let negative = false
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    negative = s[0] === "-"
    s = s.slice(1)
  }
  if (s === "0") return { _tag: "Ok", nanos: 0n }
  if (s === "") return invalid()
  let total = 0n
  while (s !== "") {
    if (!(s[0] === "." || isDigit(s[0]))) return invalid()
    // leadingInt
    let i = 0
    let whole = 0n
    for (; isDigit(s[i]); i++) {
      if (whole > limit / 10n) return invalid()
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48)
      if (whole > limit) return invalid()
    }
    const pre = i > 0
    s = s.slice(i)
    // leadingFraction
    let fraction = 0n
    let scale = 1
    let post = false
    if (s[0] === ".") {
      s = s.slice(1)
      let j = 0
      let overflow = false
      for (; isDigit(s[j]); j++) {
        if (overflow) continue
        if (fraction > (limit - 1n) / 10n) {
          overflow = true
          continue
        }
        const next = fraction * 10n + BigInt(s.charCodeAt(j) - 48)
        if (next > limit) {
          overflow = true
          continue
        }
        fraction = next
        scale *= 10
      }
      post = j > 0
      s = s.slice(j)
    }
    if (!pre && !post) return invalid()
    let k = 0
    while (k < s.length && !(s[k] === "." || isDigit(s[k]))) k++
    if (k === 0) return { _tag: "Err", message: `time: missing unit in duration ${quote(orig)}` }
    const name = s.slice(0, k)
    s = s.slice(k)
    const unit = Object.prototype.hasOwnProperty.call(units, name) ? units[name]! : undefined
    if (unit === undefined) {
      return { _tag: "Err", message: `time: unknown unit ${quote(name)} in duration ${quote(orig)}` }
    }
    if (whole > limit / unit) return invalid()
    let value = whole * unit
    if (fraction > 0n) {
      // Go: uint64(float64(f) * (float64(unit) / scale)), truncated
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)))
      if (value > limit) return invalid()
    }
    total += value
    if (total > limit) return invalid()
  }
  if (negative) return { _tag: "Ok", nanos: -total }
  if (total > limit - 1n) return invalid()
  return { _tag: "Ok", nanos: total }
}
