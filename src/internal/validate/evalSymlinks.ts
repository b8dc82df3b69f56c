/**
 * Go's `filepath.Abs` and `filepath.EvalSymlinks` on POSIX, over the
 * {@link Filesystem} service so they resolve on the real host and on the
 * simulated one alike (runc's `rootfs` check resolves the rootfs with them).
 *
 * EvalSymlinks walks the path one component at a time: `.` is skipped, `..`
 * removes the last resolved component lexically, every other component is
 * `lstat`ed and, when it is a symlink, its target is spliced into the rest of
 * the path (an absolute target restarts from `/`, a relative one replaces the
 * link's own component). The result is cleaned. Failures are Go's: the
 * `lstat`/`readlink` path error, a bare `not a directory` when a non-directory
 * has components after it, and `EvalSymlinks: too many links` after 255 links.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { type DirectCalls, Filesystem } from "../../Filesystem.js"
import * as GoPath from "../path.js"

/** Links EvalSymlinks follows before giving up. */
const maxLinks = 255

/** A failure of EvalSymlinks that is not a path error; `message` is Go's text. */
export class EvalSymlinksError extends Data.TaggedError("EvalSymlinksError")<{
  readonly reason: "not-a-directory" | "too-many-links"
}> {
  override get message(): string {
    return this.reason === "not-a-directory" ? "not a directory" : "EvalSymlinks: too many links"
  }
}

/** Go's `filepath.Abs` with an explicit working directory: clean when absolute, else joined to `cwd`. */
export const abs = (path: string, cwd: string): string =>
  path.startsWith("/") ? GoPath.clean(path) : GoPath.join(cwd, path)

/** Index of the last `/` in `dest` at or after `floor`, or -1 when there is none. */
const lastSlash = (dest: string, floor: number): number => {
  const at = dest.lastIndexOf("/")
  return at >= floor ? at : -1
}

/** Go's `filepath.EvalSymlinks`: `path` with every symlink resolved, cleaned; each component must exist. */
export const evalSymlinks = Effect.fn("Validate.evalSymlinks")(function*(input: string) {
  const fs = yield* Filesystem
  let path = input
  const rootLength = path.startsWith("/") ? 1 : 0
  let dest = path.slice(0, rootLength)
  let links = 0
  let end = rootLength
  while (end < path.length) {
    let start = end
    while (start < path.length && path[start] === "/") start++
    end = start
    while (end < path.length && path[end] !== "/") end++
    if (end === start) break
    const name = path.slice(start, end)
    if (name === ".") continue
    if (name === "..") {
      const slash = lastSlash(dest, rootLength)
      if (slash < 0 || dest.slice(slash + 1) === "..") {
        dest += (dest.length > rootLength ? "/" : "") + ".."
      } else {
        dest = dest.slice(0, slash)
      }
      continue
    }
    if (dest.length > 0 && !dest.endsWith("/")) dest += "/"
    dest += name
    const info = yield* fs.lstat(dest)
    if (info.type !== "SymbolicLink") {
      if (info.type !== "Directory" && end < path.length) {
        return yield* new EvalSymlinksError({ reason: "not-a-directory" })
      }
      continue
    }
    links++
    if (links > maxLinks) return yield* new EvalSymlinksError({ reason: "too-many-links" })
    const target = yield* fs.readLink(dest)
    path = target + path.slice(end)
    if (target.startsWith("/")) {
      dest = "/"
      end = 1
    } else {
      const slash = lastSlash(dest, rootLength)
      dest = slash < 0 ? input.slice(0, rootLength) : dest.slice(0, slash)
      end = 0
    }
  }
  return GoPath.clean(dest)
})

/**
 * {@link evalSymlinks} of a clean absolute path when the answer is plain:
 * every component `lstat`s (a direct call) as a directory, the last as
 * anything but a symlink — then the path is its own resolution. `undefined`
 * for a symlink, a failing `lstat` or a non-directory with components
 * after it: {@link evalSymlinks} says what those resolve to or why they fail.
 */
export const evalSymlinksNow = (direct: DirectCalls, path: string): string | undefined => {
  let end = 0
  while (end < path.length && path !== "/") {
    const next = path.indexOf("/", end + 1)
    end = next < 0 ? path.length : next
    const info = direct.lstat(path.slice(0, end))
    if (typeof info === "string" || info.type === "SymbolicLink") return undefined
    if (info.type !== "Directory" && end < path.length) return undefined
  }
  return path
}
