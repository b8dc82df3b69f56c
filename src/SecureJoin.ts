/**
 * `SecureJoin(root, unsafePath)` exactly as filepath-securejoin v0.2.4 (the
 * copy vendored by runc) computes it: `unsafePath` is resolved component by
 * component as if `root` were `/`, so the result always lies lexically under
 * `root`. runc's factory uses it for `<root>/<id>` and `<stateDir>/state.json`.
 *
 * The result is a string, so it is only as safe as the tree is quiet: a
 * concurrent rename or symlink swap can still redirect a later `open`. Use
 * `Filesystem.readFileInRoot` where the read itself must stay inside the root.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { isNotExist, SystemError } from "./ContainerError.js"
import { Filesystem, type FileType } from "./Filesystem.js"
import { clean } from "./internal/path.js"

/**
 * The two calls SecureJoin makes, as v0.2.4's `VFS` interface. Any
 * `FilesystemService` is one; tests pass mocks. An error for which Go's
 * `os.IsNotExist` would be true (ENOENT, ENOTDIR) means "missing"; every
 * other error is handed back unchanged.
 */
export interface VFS<E, R = never> {
  /** `lstat(2)`: only the type of the entry is used. */
  readonly lstat: (path: string) => Effect.Effect<{ readonly type: FileType }, E, R>
  /** `readlink(2)`: the target of a symlink, as stored. */
  readonly readLink: (path: string) => Effect.Effect<string, E, R>
}

/** Symlink expansions allowed in one join; the 256th fails with ELOOP. */
export const maxSymlinkExpansions = 255

/**
 * v0.2.4's `SecureJoinVFS`: the algorithm of {@link secureJoin} over any
 * {@link VFS}. Missing components are kept as written, `..` is applied to the
 * resolved path and never climbs above `root`, absolute link targets restart
 * at `root`, and the root itself is never inspected. After 255 expansions the
 * join fails with `SecureJoin <root>/<remaining>: too many levels of symbolic
 * links` (v0.2.4 reports the unexpanded remainder, not the original input).
 */
export const secureJoinVFS = <E, R>(
  root: string,
  unsafePath: string,
  vfs: VFS<E, R>
): Effect.Effect<string, E | SystemError, R> =>
  Effect.gen(function*() {
    let current = "/"
    let rest = unsafePath
    let expansions = 0
    while (rest !== "") {
      if (expansions > maxSymlinkExpansions) {
        return yield* new SystemError({ op: "SecureJoin", path: `${root}/${rest}`, code: "ELOOP" })
      }
      const slash = rest.indexOf("/")
      const component = slash === -1 ? rest : rest.slice(0, slash)
      rest = slash === -1 ? "" : rest.slice(slash + 1)

      const next = clean(`${current}/${component}`)
      if (next === "/") {
        current = "/"
        continue
      }
      const full = clean(root + next)
      const info = yield* Effect.either(vfs.lstat(full))
      if (Either.isLeft(info)) {
        if (!isNotExist(info.left)) return yield* Effect.fail(info.left)
        current = next
        continue
      }
      if (info.right.type !== "SymbolicLink") {
        current = next
        continue
      }
      expansions++
      const target = yield* vfs.readLink(full)
      if (target.startsWith("/")) current = "/"
      rest = `${target}/${rest}`
    }
    return clean(root + current)
  })

/**
 * runc's `securejoin.SecureJoin(root, unsafePath)` (v0.2.4) on the
 * {@link Filesystem} service, so it behaves the same on the real host and on
 * the simulated one. `root` must be absolute and trusted; it is only cleaned
 * lexically.
 */
export const secureJoin: (
  root: string,
  unsafePath: string
) => Effect.Effect<string, SystemError, Filesystem> = Effect.fn("SecureJoin.secureJoin")(
  function*(root: string, unsafePath: string) {
    const fs = yield* Filesystem
    return yield* secureJoinVFS(root, unsafePath, fs)
  }
)
