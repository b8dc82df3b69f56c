/**
 * Go's string order: strings compared as their UTF-8 bytes. It is the order
 * of `os.ReadDir`, of sorted map keys in `json.Marshal` and `fmt`, and of
 * runc's listings — not JavaScript's UTF-16 order, which differs once a
 * character lies outside the Basic Multilingual Plane.
 */

/**
 * The code point at `i` as its UTF-8 encoding orders it: a surrogate pair's
 * code point, and U+FFFD for a lone surrogate (what `Buffer.from` writes for
 * one).
 */
const codePointAt = (s: string, i: number): number => {
  const c = s.charCodeAt(i)
  if (c < 0xd800 || c > 0xdfff) return c
  if (c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1)
    if (d >= 0xdc00 && d <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
  }
  return 0xfffd
}

/**
 * Compares two strings by their UTF-8 bytes, for `Array.prototype.sort`,
 * without encoding them: UTF-8 orders as code points do, so the first
 * code unit that differs decides — unless a surrogate is involved, where
 * the code points around it decide (a lone surrogate counting as U+FFFD).
 */
export const compareBytes = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++
  // A common high surrogate may be half of a pair in one string and alone in the other.
  if (i > 0 && (a.charCodeAt(i - 1) & 0xfc00) === 0xd800) i--
  while (i < n) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y && (x & 0xf800) !== 0xd800) {
      i++
      continue
    }
    if ((x & 0xf800) !== 0xd800 && (y & 0xf800) !== 0xd800) return x - y
    const p = codePointAt(a, i)
    const q = codePointAt(b, i)
    if (p !== q) return p - q
    // Equal code points take the same number of units: a pair, or one unit (U+FFFD or a lone surrogate).
    i += p > 0xffff ? 2 : 1
  }
  return a.length - b.length
}

const surrogate = /[\ud800-\udfff]/

/**
 * Sorts `entries` in place by name in Go's order (UTF-8 bytes, as
 * `os.ReadDir` lists a directory) and returns them. When no name holds a
 * surrogate, UTF-16 order is that order, and the engine sorts the names
 * itself — no call per comparison, which is most of the time a cold list of
 * 10,000 containers spends ordering its directory; otherwise
 * {@link compareBytes} decides each comparison.
 */
export const sortByName = <E extends { readonly name: string }>(entries: Array<E>): Array<E> => {
  if (entries.length < 2) return entries
  const names = new Array<string>(entries.length)
  const byName = new Map<string, E>()
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    names[i] = entry.name
    byName.set(entry.name, entry)
  }
  // two entries of one name (never in a directory) keep the comparator's stable order
  if (byName.size !== entries.length || surrogate.test(names.join(""))) {
    return entries.sort((a, b) => compareBytes(a.name, b.name))
  }
  names.sort()
  for (let i = 0; i < names.length; i++) entries[i] = byName.get(names[i]!)!
  return entries
}
