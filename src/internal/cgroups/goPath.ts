/**
 * The Go `path/filepath` functions the cgroup path rules are written in
 * (Go 1.19's `path/filepath`, POSIX only): variadic `Join`, `Dir`, `Base`,
 * `Rel`, and runc's `utils.CleanPath`. `Clean` itself lives in
 * `internal/path.ts`.
 */
import * as Either from "effect/Either"
import { cleanPath } from "../../ContainerId.js"
import { clean } from "../path.js"

export {
  /** runc's `utils.CleanPath`: a relative result never starts with `..`; `""` stays `""`. */
  cleanPath
}

/**
 * Go's `filepath.Join`: empty elements dropped, the rest joined with `/` and
 * cleaned; all empty gives `""`. No `/` is doubled where an element already
 * ends or starts with one (Clean drops such empty elements anyway), so
 * joining clean paths, the common case, gives a clean string at once.
 */
export const join = (...elements: ReadonlyArray<string>): string => {
  let joined = ""
  for (const element of elements) {
    if (element === "") continue
    if (joined === "") {
      joined = element
      continue
    }
    const ends = joined.charCodeAt(joined.length - 1) === 0x2f
    const starts = element.charCodeAt(0) === 0x2f
    joined += ends && starts ? element.slice(1) : ends || starts ? element : `/${element}`
  }
  return joined === "" ? "" : clean(joined)
}

/** Go's `filepath.IsAbs`. */
export const isAbs = (path: string): boolean => path.startsWith("/")

/** Go's `filepath.Dir`: everything before the last `/`, cleaned; `.` when there is no `/`. */
export const dir = (path: string): string => {
  const slash = path.lastIndexOf("/")
  return clean(path.slice(0, slash + 1))
}

/** Go's `filepath.Base`: the last element after trailing slashes are removed; `.` for `""`, `/` for all slashes. */
export const base = (path: string): string => {
  if (path === "") return "."
  const trimmed = path.replace(/\/+$/, "")
  if (trimmed === "") return "/"
  return trimmed.slice(trimmed.lastIndexOf("/") + 1)
}

const elementsOf = (cleaned: string): ReadonlyArray<string> => {
  if (cleaned === "/" || cleaned === ".") return []
  return (cleaned.startsWith("/") ? cleaned.slice(1) : cleaned).split("/")
}

/**
 * Go's `filepath.Rel(basepath, targpath)`: a path that joined to `basepath`
 * gives `targpath`, lexically. Fails (with Go's text) when one path is
 * absolute and the other is not, or when `basepath` has a `..` left after the
 * common prefix.
 */
export const rel = (basepath: string, targpath: string): Either.Either<string, string> => {
  const b = clean(basepath)
  const t = clean(targpath)
  if (b === t) return Either.right(".")
  const failure = Either.left(`Rel: can't make ${targpath} relative to ${basepath}`)
  if (isAbs(b) !== isAbs(t)) return failure
  const from = elementsOf(b)
  // Go keeps a lone "." target as an element, so Rel("a", ".") is "../.".
  const to = t === "." ? ["."] : elementsOf(t)
  let common = 0
  while (common < from.length && common < to.length && from[common] === to[common]) common++
  if (from[common] === "..") return failure
  const up = from.slice(common).map(() => "..")
  return Either.right([...up, ...to.slice(common)].join("/"))
}
