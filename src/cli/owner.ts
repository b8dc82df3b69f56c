/**
 * The owner column of `runc list`: the user name of a uid from
 * `/etc/passwd`, or `#<uid>` when there is none (Go's `user.LookupId`
 * without cgo reads the same file).
 */
import * as Effect from "effect/Effect"
import { Filesystem } from "../Filesystem.js"

/** Parses `/etc/passwd` into uid → name (the first entry for a uid wins). */
export const parsePasswd = (text: string): ReadonlyMap<number, string> => {
  const names = new Map<number, string>()
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue
    const fields = line.split(":")
    const uid = Number(fields[2])
    if (fields.length >= 3 && fields[2] !== "" && Number.isInteger(uid) && !names.has(uid)) names.set(uid, fields[0] ?? "")
  }
  return names
}

/**
 * The most of `/etc/passwd` read: far above any real one; a larger file
 * (or an endless one, a symlink to `/dev/zero`) is not read, and owners are
 * then shown as `#<uid>`.
 */
export const maxPasswdBytes = 16 * 1024 * 1024

/**
 * A lookup from uid to owner name. `/etc/passwd` is read at the first
 * lookup and only then, so listing an empty root reads nothing.
 */
export const makeLookup: Effect.Effect<(uid: number) => Effect.Effect<string>, never, Filesystem> = Effect.gen(
  function*() {
    const fs = yield* Filesystem
    const names = yield* Effect.cached(
      fs.readFile("/etc/passwd", { maxBytes: maxPasswdBytes }).pipe(
        Effect.map((bytes) => parsePasswd(new TextDecoder().decode(bytes))),
        Effect.orElseSucceed((): ReadonlyMap<number, string> => new Map())
      )
    )
    return (uid: number) => Effect.map(names, (known) => known.get(uid) ?? `#${uid}`)
  }
)
