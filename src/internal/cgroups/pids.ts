/**
 * runc's `GetAllPids(path)` (`libcontainer/cgroups/getallpids.go`):
 * `filepath.WalkDir` over the
 * cgroup, reading `cgroup.procs` of every directory before its children,
 * children in byte order. The first failure ends the walk.
 */
import * as Effect from "effect/Effect"
import type { SystemError } from "../../ContainerError.js"
import type { CgroupEnv } from "./env.js"
import type { CgroupError } from "./errors.js"
import { readProcs } from "./files.js"
import { join } from "./goPath.js"

const walk = (env: CgroupEnv, dir: string, into: Array<number>): Effect.Effect<void, CgroupError | SystemError> =>
  Effect.gen(function*() {
    // One push per pid: a spread's arguments live on the stack, and a cgroup can hold 200,000 pids.
    for (const pid of yield* readProcs(env, dir)) into.push(pid)
    for (const entry of yield* env.fs.readDirectory(dir)) {
      if (entry.type === "Directory") yield* walk(env, join(dir, entry.name), into)
    }
  })

/**
 * Every pid under `path`, pre-order. `lstat(path)` failing is the error
 * (`lstat <path>: no such file or directory`); a `path` that is not a
 * directory (a symlink included) has no pids.
 */
export const getAllPids = (env: CgroupEnv, path: string): Effect.Effect<ReadonlyArray<number>, CgroupError | SystemError> =>
  Effect.gen(function*() {
    const info = yield* env.fs.lstat(path)
    const pids: Array<number> = []
    if (info.type === "Directory") yield* walk(env, path, pids)
    return pids
  })
