/**
 * Removing cgroups: runc's `RemovePath` (children first, then `rmdir` with
 * a short EBUSY back-off) and `RemovePaths` (every hierarchy, forgetting
 * each one removed), confined to cgroup filesystems.
 *
 * runc (`libcontainer/cgroups/utils.go`) `rmdir`s whatever path state.json
 * names and, when that fails, every subdirectory below it — so a saved path
 * of `/tmp/victim` loses every empty directory under it. Here the cgroup's
 * parent directory is opened (following symlinks, as a `cpu` →
 * `cpu,cpuacct` link must be), the cgroup is opened from it without
 * following anything, and both descriptors must be on a cgroup or cgroup2
 * filesystem (`fstatfs`) before anything is removed; children are opened and
 * checked the same way, and every `rmdir` is an `unlinkat` on the parent's
 * descriptor. Anything else is refused with `rmdir <path>: not a cgroup
 * directory` and left untouched. (In runc's test mode only the filesystem
 * check is skipped.)
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { SystemError } from "../../ContainerError.js"
import type { DirectoryHandle } from "../../Filesystem.js"
import { cgroupTypes } from "../filesystemType.js"
import { clean } from "../path.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError } from "./errors.js"
import { goMap } from "./goFormat.js"
import { base, dir, join } from "./goPath.js"

/** EBUSY retries of the slow path: sleeps of 1, 2, 4 … 512 ms. */
const busyRetries = 10

/** The refusal: `path` is not a directory on a cgroup filesystem, and nothing was removed. */
export const notCgroupDirectory = (path: string): CgroupError =>
  new CgroupError({ message: `rmdir ${path}: not a cgroup directory`, reason: "WrongFilesystem" })

const checked = (env: CgroupEnv, handle: DirectoryHandle, path: string): Effect.Effect<DirectoryHandle, CgroupError> =>
  !env.layout.checkFileType || cgroupTypes.includes(handle.filesystemType)
    ? Effect.succeed(handle)
    : Effect.fail(notCgroupDirectory(path))

/**
 * runc's `rmdir(path, retry)` as `unlinkat` on the parent's descriptor: gone
 * already is fine, EINTR is retried at once, EBUSY (a cgroup still
 * emptying) is retried with back-off when `retry`; anything else is
 * `rmdir <path>: <errno text>`.
 */
const rmdirAt = (parent: DirectoryHandle, name: string, path: string, retry: boolean): Effect.Effect<void, SystemError> =>
  Effect.gen(function*() {
    let delay = 1
    let tries = busyRetries
    for (;;) {
      const result = yield* Effect.either(parent.removeDirectory(name))
      if (result._tag === "Right" || result.left.code === "ENOENT") return
      const code = result.left.code
      if (code === "EINTR") continue
      if (code === "EBUSY" && retry && tries > 0) {
        yield* Effect.sleep(Duration.millis(delay))
        delay *= 2
        tries--
        continue
      }
      return yield* new SystemError({ op: "rmdir", path, code })
    }
  })

/**
 * The directory `name` below `parent`, opened without following;
 * `undefined` when it is gone. A symlink or a file is runc's `rmdir` error,
 * ENOTDIR.
 */
const openChild = (
  parent: DirectoryHandle,
  name: string,
  path: string
): Effect.Effect<DirectoryHandle | undefined, SystemError, Scope.Scope> =>
  parent.openDirectory(name).pipe(
    Effect.catchIf((e) => e.code === "ENOENT", () => Effect.succeed(undefined)),
    Effect.mapError((e) => new SystemError({ op: "rmdir", path, code: e.code }))
  )

/**
 * runc's `RemovePath` below an open parent: the cgroup is opened and both
 * descriptors checked (a gone cgroup needs no check: nothing is removed),
 * then one `rmdir` attempt, else the child cgroups are removed (stopping at
 * the first failure) and `rmdir` is tried again with retries.
 */
const removeAt = (
  env: CgroupEnv,
  parent: DirectoryHandle,
  name: string,
  path: string
): Effect.Effect<void, CgroupError | SystemError> =>
  Effect.scoped(Effect.gen(function*() {
    const cgroup = yield* openChild(parent, name, path)
    if (cgroup === undefined) return
    yield* checked(env, parent, path)
    yield* checked(env, cgroup, path)
    const fast = yield* Effect.either(rmdirAt(parent, name, path, false))
    if (fast._tag === "Right") return
    for (const entry of yield* cgroup.entries) {
      if (entry.type === "Directory") yield* removeAt(env, cgroup, entry.name, join(path, entry.name))
    }
    yield* rmdirAt(parent, name, path, true)
  }))

/**
 * runc's `RemovePath(path)`, confined: the parent is opened, the cgroup is
 * opened from it without following, and both must be on a cgroup
 * filesystem. A path that is gone (or empty) is removed already; one that
 * is not a cgroup directory is refused, untouched.
 */
export const removePath = (env: CgroupEnv, path: string): Effect.Effect<void, CgroupError | SystemError> =>
  Effect.scoped(Effect.gen(function*() {
    if (path === "") return
    const cleaned = clean(path)
    const name = base(cleaned)
    if (name === "/" || name === "." || name === "..") return yield* notCgroupDirectory(path)
    const parent = yield* env.host.openDirectory(dir(cleaned)).pipe(
      Effect.catchIf((e) => e.code === "ENOENT", () => Effect.succeed(undefined)),
      Effect.mapError((e) => new SystemError({ op: "rmdir", path, code: e.code }))
    )
    if (parent === undefined) return
    yield* removeAt(env, parent, name, path)
  }))

/**
 * runc's `RemovePaths(paths)`: removes every path, deleting the key of each
 * one removed from the (live) map; fails with
 * `Failed to remove paths: map[<what is left>]` unless all went. When a
 * path was refused as not a cgroup directory, that refusal follows
 * (`…: rmdir /tmp/x: not a cgroup directory`) and the error's reason is
 * `WrongFilesystem`.
 */
export const removePaths = (env: CgroupEnv, paths: Record<string, string>): Effect.Effect<void, CgroupError> =>
  Effect.gen(function*() {
    let refused: CgroupError | undefined
    for (const [subsystem, path] of Object.entries(paths)) {
      const removed = yield* Effect.either(removePath(env, path))
      if (removed._tag === "Right") delete paths[subsystem]
      else if (removed.left._tag === "CgroupError" && removed.left.reason === "WrongFilesystem") refused ??= removed.left
    }
    if (Object.keys(paths).length > 0) {
      const message = `Failed to remove paths: ${goMap(paths)}`
      return yield* (refused === undefined
        ? new CgroupError({ message })
        : new CgroupError({ message: `${message}: ${refused.message}`, reason: "WrongFilesystem" }))
    }
  })
