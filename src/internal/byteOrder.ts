/**
 * Go's string order: strings compared as their UTF-8 bytes. It is the order
 * of `os.ReadDir`, of sorted map keys in `json.Marshal` and `fmt`, and of
 * runc's listings — not JavaScript's UTF-16 order, which differs once a
 * character lies outside the Basic Multilingual Plane.
 */

/** Compares two strings by their UTF-8 bytes, for `Array.prototype.sort`. */
export const compareBytes = (a: string, b: string): number =>
  a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b))
