/**
 * Container ids as runc's `validateID` accepts them (`ContainerId.ts`
 * re-exports these), without Effect: the CLI checks ids before it loads
 * anything else.
 */
import { clean } from "./path.js"

/**
 * runc's `utils.CleanPath` (`libcontainer/utils/utils.go`): cleans a path so that a
 * relative one can never begin with `..` and an absolute one stays absolute;
 * `""` stays `""`.
 */
export const cleanPath = (path: string): string => {
  if (path === "") return ""
  let p = clean(path)
  if (!p.startsWith("/")) {
    p = clean("/" + p).slice(1)
    if (p === "") p = "."
  }
  return clean(p)
}

const allowedByte = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || // a-z
  (c >= 0x41 && c <= 0x5a) || // A-Z
  (c >= 0x30 && c <= 0x39) || // 0-9
  c === 0x5f || c === 0x2b || c === 0x2d || c === 0x2e // _ + - .

/**
 * Whether runc 1.2's `validateID` (`libcontainer/factory_linux.go`)
 * accepts `id`: non-empty, every byte in `[A-Za-z0-9_+.-]`, and `"/" + id`
 * already clean — which rules out exactly `.` and `..`. There is no length
 * limit.
 */
export const isValid = (id: string): boolean => check(id, false)

const check = (id: string, allowComma: boolean): boolean => {
  if (id.length === 0) return false
  for (let i = 0; i < id.length; i++) {
    // any code unit above 0x7f is a non-ASCII byte in UTF-8
    const c = id.charCodeAt(i)
    if (!allowedByte(c) && !(allowComma && c === 0x2c)) return false
  }
  return cleanPath("/" + id) === "/" + id
}

/**
 * Whether runc 1.1.5 accepts `id`. Its pattern `^[\w+-\.]+$` reads `+-\.` as
 * the range `+`..`.`, so it also admits `,`; a container named `a,b` made by
 * runc 1.1.5 is invalid for runc 1.2 (and for this library).
 */
export const isValidRunc115 = (id: string): boolean => check(id, true)

