/**
 * Removing cgroups: runc's `RemovePath` (children first, then `rmdir`,
 * with runc 1.2's short EBUSY back-off for fs2) and runc 1.1.5's
 * `RemovePaths` (every v1 hierarchy, in rounds, forgetting each one
 * removed, logging what failed), confined to cgroup filesystems.
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
  path: string,
  busyBackoff: boolean
): Effect.Effect<void, CgroupError | SystemError> =>
  Effect.scoped(Effect.gen(function*() {
    const cgroup = yield* openChild(parent, name, path)
    if (cgroup === undefined) return
    yield* checked(env, parent, path)
    yield* checked(env, cgroup, path)
    const fast = yield* Effect.either(rmdirAt(parent, name, path, false))
    if (fast._tag === "Right") return
    for (const entry of yield* cgroup.entries) {
      if (entry.type === "Directory") yield* removeAt(env, cgroup, entry.name, join(path, entry.name), busyBackoff)
    }
    yield* rmdirAt(parent, name, path, busyBackoff)
  }))

/**
 * runc's `RemovePath(path)`, confined: the parent is opened, the cgroup is
 * opened from it without following, and both must be on a cgroup
 * filesystem. A path that is gone (or empty) is removed already; one that
 * is not a cgroup directory is refused, untouched. With `busyBackoff` (runc
 * 1.2, and fs2's destroy here), the last `rmdir` backs off on EBUSY; without
 * it (runc 1.1.5, whose `RemovePaths` retries in rounds instead), it does not.
 */
export const removePath = (
  env: CgroupEnv,
  path: string,
  busyBackoff = true
): Effect.Effect<void, CgroupError | SystemError> =>
  Effect.scoped(Effect.gen(function*() {
    if (path === "") return
    const cleaned = clean(path)
    const name = base(cleaned)
    if (name === "/" || name === "." || name === "..") return yield* notCgroupDirectory(path)
    const parent = yield* env.fs.openDirectory(dir(cleaned)).pipe(
      Effect.catchIf((e) => e.code === "ENOENT", () => Effect.succeed(undefined)),
      Effect.mapError((e) => new SystemError({ op: "rmdir", path, code: e.code }))
    )
    if (parent === undefined) return
    yield* removeAt(env, parent, name, path, busyBackoff)
  }))

/** Rounds of {@link removePaths}, and the pause before the second (doubling after). */
const removeRounds = 5
const firstRoundDelay = 10

/**
 * runc 1.1.5's `RemovePaths(paths)` (`libcontainer/cgroups/utils.go`): up
 * to five rounds over the paths left, 10, 20, 40 and 80 ms apart, each
 * path removed with {@link removePath} and its key deleted from the (live)
 * map once it is gone. A failure is logged as runc logs it — a warning
 * `Failed to remove cgroup (will retry)` in the first round, the error
 * `Failed to remove cgroup` in the last, the failure under the `error`
 * annotation. Unless all went, fails with `Failed to remove paths:
 * map[<what is left>]`. A path refused as not a cgroup directory is not
 * retried (nothing would change); the refusal follows the message
 * (`…: rmdir /tmp/x: not a cgroup directory`) and the error's reason is
 * `WrongFilesystem`.
 */
export const removePaths = (env: CgroupEnv, paths: Record<string, string>): Effect.Effect<void, CgroupError> =>
  Effect.gen(function*() {
    const refused = new Map<string, CgroupError>()
    let delay = firstRoundDelay
    for (let round = 0; round < removeRounds; round++) {
      if (round > 0) {
        yield* Effect.sleep(Duration.millis(delay))
        delay *= 2
      }
      for (const [subsystem, path] of Object.entries(paths)) {
        if (refused.has(subsystem)) continue
        const removed = yield* Effect.either(removePath(env, path, false))
        if (removed._tag === "Right") {
          delete paths[subsystem]
          continue
        }
        const error = removed.left
        if (round === 0) {
          yield* Effect.logWarning("Failed to remove cgroup (will retry)").pipe(Effect.annotateLogs("error", error.message))
        } else if (round === removeRounds - 1) {
          yield* Effect.logError("Failed to remove cgroup").pipe(Effect.annotateLogs("error", error.message))
        }
        if (error._tag === "CgroupError" && error.reason === "WrongFilesystem") refused.set(subsystem, error)
        else if (yield* isGone(env, path)) delete paths[subsystem]
      }
      if (Object.keys(paths).length === refused.size) break
    }
    if (Object.keys(paths).length > 0) {
      const message = `Failed to remove paths: ${goMap(paths)}`
      const [refusal] = refused.values()
      return yield* (refusal === undefined
        ? new CgroupError({ message })
        : new CgroupError({ message: `${message}: ${refusal.message}`, reason: "WrongFilesystem" }))
    }
  })

/** runc's check after a failed removal: `os.Stat` says the path does not exist (someone else removed it). */
const isGone = (env: CgroupEnv, path: string): Effect.Effect<boolean> =>
  Effect.match(env.fs.stat(path), { onFailure: (e) => e.code === "ENOENT", onSuccess: () => false })
