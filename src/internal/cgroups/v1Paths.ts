/**
 * The cgroup v1 "fs" manager's paths (`initPaths` and `subsysPath` in
 * runc's `libcontainer/cgroups/fs/paths.go`): the subsystem
 * list, the inner path from `path` / `parent` / `name`, and one directory
 * per mounted hierarchy.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { Cgroup } from "../../Config.js"
import type { SystemError } from "../../ContainerError.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError, isNotFound } from "./errors.js"
import { base, cleanPath, isAbs, join } from "./goPath.js"
import * as V1Mounts from "./v1Mounts.js"

/**
 * The fs manager's subsystems in runc's order; `name=systemd` and `misc`
 * are join-only. A hybrid host adds `""` (the cgroup2 mount) at the end.
 */
export const fsSubsystems: ReadonlyArray<string> = [
  "cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "hugetlb", "net_cls", "net_prio",
  "perf_event", "freezer", "rdma", "name=systemd", "misc"
]

/** The subsystems of this host's fs manager: {@link fsSubsystems}, plus `""` when hybrid. */
export const subsystemsOf = (hybrid: boolean): ReadonlyArray<string> => hybrid ? [...fsSubsystems, ""] : fsSubsystems

/**
 * runc's `innerPath`: `CleanPath(path)`, or `Join(CleanPath(parent),
 * CleanPath(name))` when that is empty; `path` together with `name` or
 * `parent` is an error. The result may be empty, relative or absolute, and a
 * relative one never starts with `..`.
 */
export const innerPath = (cg: Cgroup): Effect.Effect<string, CgroupError> => {
  if (((cg.name ?? "") !== "" || (cg.parent ?? "") !== "") && cg.path !== "") {
    return Effect.fail(new CgroupError({ message: "cgroup: either Path or Name and Parent should be used" }))
  }
  return Effect.succeed(innerPathOf(cg))
}

/** {@link innerPath} of a cgroup that does not give both `path` and `name` or `parent`. */
export const innerPathOf = (cg: Cgroup): string => {
  const inner = cleanPath(cg.path)
  return inner !== "" ? inner : join(cleanPath(cg.parent ?? ""), cleanPath(cg.name ?? ""))
}

/**
 * runc's `subsysPath`: an absolute inner path goes under the hierarchy's
 * directory in the cgroup root; a relative one nests under the calling
 * process's own cgroup in that hierarchy.
 */
export const subsystemPath = (
  env: CgroupEnv,
  root: string,
  inner: string,
  subsystem: string,
  readOwn?: Effect.Effect<ReadonlyMap<string, string>, CgroupError | SystemError>
): Effect.Effect<string, CgroupError | SystemError> =>
  isAbs(inner)
    ? Effect.map(V1Mounts.findMountpoint(env, root, subsystem), underHierarchy(root, inner))
    : Effect.map(V1Mounts.getOwnCgroupPath(env, subsystem, readOwn), (parent) => join(parent, inner))

/** An absolute inner path in the hierarchy mounted at `mountpoint`, under the cgroup root. */
const underHierarchy = (root: string, inner: string) => (mountpoint: string): string => join(root, base(mountpoint), inner)

/**
 * Each hierarchy's directory under the v1 cgroup root (`<root>/<base of its
 * mount point>`), for {@link pathsUnder}, when every hierarchy's mount
 * point was found before (`V1Mounts.knownMountpoint`) — answers that never
 * change once found; `undefined` when one was not asked yet or its lookup
 * failed otherwise than NotFound (initPaths then looks, or fails). A
 * hierarchy found missing is left out, as initPaths leaves it out.
 */
export const knownHierarchies = (
  env: CgroupEnv,
  root: string,
  hybrid: boolean
): ReadonlyArray<readonly [subsystem: string, dir: string]> | undefined => {
  const dirs: Array<readonly [string, string]> = []
  for (const subsystem of subsystemsOf(hybrid)) {
    const known = V1Mounts.knownMountpoint(env, root, subsystem)
    if (known === undefined) return undefined
    if (known._tag === "Right") dirs.push([subsystem, join(root, base(known.right))])
    else if (!isNotFound(known.left) || subsystem === "devices") return undefined
  }
  return dirs
}

/**
 * {@link initPaths}'s paths for an absolute inner path, from
 * {@link knownHierarchies}: the same `Join(root, Base(mountpoint), inner)`,
 * with no second Clean where both parts are clean and absolute.
 */
export const pathsUnder = (
  hierarchies: ReadonlyArray<readonly [subsystem: string, dir: string]>,
  inner: string
): Record<string, string> => {
  const paths: Record<string, string> = {}
  for (const [subsystem, dir] of hierarchies) {
    paths[subsystem] = !isAbs(dir) || !isAbs(inner)
      ? join(dir, inner)
      : inner === "/"
      ? dir
      : dir === "/"
      ? inner
      : dir + inner
  }
  return paths
}

/** `/proc/self/cgroup`, read on first use and then kept: one read serves every subsystem of one `New`. */
const ownCgroupsOnce = (env: CgroupEnv): Effect.Effect<ReadonlyMap<string, string>, CgroupError | SystemError> => {
  let own: ReadonlyMap<string, string> | undefined
  return Effect.suspend(() =>
    own !== undefined ? Effect.succeed(own) : Effect.tap(V1Mounts.ownCgroups(env), (read) => {
      own = read
    })
  )
}

/**
 * runc's fs `initPaths`: one path per subsystem in order; an unmounted
 * hierarchy is left out, except `devices`, which is required. The own
 * cgroups are read once per call (runc reads them once per subsystem).
 */
export const initPaths = Effect.fnUntraced(function*(env: CgroupEnv, cg: Cgroup) {
  const root = yield* env.cgroupRoot
  const inner = yield* innerPath(cg)
  const paths: Record<string, string> = {}
  const readOwn = ownCgroupsOnce(env)
  for (const subsystem of subsystemsOf(yield* env.hybrid)) {
    // A hierarchy found before is answered without running an effect: New is on Create's path.
    const known = isAbs(inner) ? V1Mounts.knownMountpoint(env, root, subsystem) : undefined
    const path = known !== undefined
      ? Either.map(known, underHierarchy(root, inner))
      : yield* Effect.either(subsystemPath(env, root, inner, subsystem, readOwn))
    if (path._tag === "Right") paths[subsystem] = path.right
    else if (!isNotFound(path.left) || subsystem === "devices") return yield* Effect.fail(path.left)
  }
  return paths
})
