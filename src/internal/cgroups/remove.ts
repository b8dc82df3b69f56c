/**
 * Removing cgroups (cgroups.md §8.9): runc's `RemovePath` (children first,
 * then `rmdir` with a short EBUSY back-off) and `RemovePaths` (every
 * hierarchy, forgetting each one removed).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { SystemError } from "../../ContainerError.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError } from "./errors.js"
import { goMap } from "./goFormat.js"
import { join } from "./goPath.js"

/** EBUSY retries of the slow path: sleeps of 1, 2, 4 … 512 ms. */
const busyRetries = 10

/**
 * runc's `rmdir(path, retry)`: gone already is fine, EINTR is retried at
 * once, EBUSY (a cgroup still emptying) is retried with back-off when
 * `retry`; anything else is `rmdir <path>: <errno text>`.
 */
const rmdir = (env: CgroupEnv, path: string, retry: boolean): Effect.Effect<void, SystemError> =>
  Effect.gen(function*() {
    let delay = 1
    let tries = busyRetries
    for (;;) {
      const result = yield* Effect.either(env.host.rmdir(path))
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
 * runc's `RemovePath`: one `rmdir` attempt, else remove the child cgroups
 * (stopping at the first failure) and `rmdir` again with retries. As in
 * runc, a listing that fails because the directory vanished is returned as
 * the result.
 */
export const removePath = (env: CgroupEnv, path: string): Effect.Effect<void, SystemError> =>
  Effect.gen(function*() {
    const fast = yield* Effect.either(rmdir(env, path, false))
    if (fast._tag === "Right") return
    const listing = yield* Effect.either(env.host.readDirectory(path))
    if (listing._tag === "Left") return yield* Effect.fail(listing.left)
    for (const entry of listing.right) {
      if (entry.type === "Directory") yield* removePath(env, join(path, entry.name))
    }
    yield* rmdir(env, path, true)
  })

/**
 * runc's `RemovePaths(paths)`: removes every path, deleting the key of each
 * one removed from the (live) map; fails with
 * `Failed to remove paths: map[<what is left>]` unless all went.
 */
export const removePaths = (env: CgroupEnv, paths: Record<string, string>): Effect.Effect<void, CgroupError> =>
  Effect.gen(function*() {
    for (const [subsystem, path] of Object.entries(paths)) {
      if ((yield* Effect.either(removePath(env, path)))._tag === "Right") delete paths[subsystem]
    }
    if (Object.keys(paths).length > 0) {
      return yield* new CgroupError({ message: `Failed to remove paths: ${goMap(paths)}` })
    }
  })
