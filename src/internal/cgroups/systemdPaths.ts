/**
 * The systemd managers' paths, computed without D-Bus (runc's
 * `libcontainer/cgroups/systemd/common.go`, `v1.go` and `v2.go`):
 * slice expansion, the unit name, the v1 per-hierarchy paths and the v2
 * unified path. The one v2 case that asks systemd itself (a rootless
 * container's user manager) fails with a `DbusRequired` error.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { Cgroup } from "../../Config.js"
import { secureJoinVFS } from "../../SecureJoin.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError, dbusRequired, isNotFound } from "./errors.js"
import { join } from "./goPath.js"
import * as V1Mounts from "./v1Mounts.js"

const sliceSuffix = ".slice"

/**
 * systemd's slice naming, as runc's `ExpandSlice`: `a-b-c.slice` →
 * `/a.slice/a-b.slice/a-b-c.slice`, `-.slice` → `/`. A name without the
 * suffix, with a `/`, or with an empty dash-separated part fails with
 * `invalid slice name: <slice>`.
 */
export const expandSlice = (slice: string): Either.Either<string, CgroupError> => {
  const invalid = Either.left(new CgroupError({ message: `invalid slice name: ${slice}` }))
  if (!slice.endsWith(sliceSuffix) || slice.includes("/")) return invalid
  const stem = slice.slice(0, -sliceSuffix.length)
  if (stem === "-") return Either.right("/")
  let path = ""
  let prefix = ""
  for (const component of stem.split("-")) {
    if (component === "") return invalid
    path += `/${prefix}${component}${sliceSuffix}`
    prefix += `${component}-`
  }
  return Either.right(path)
}

/** runc's `getUnitName`: `name` when it is a slice, else the scope `<scope_prefix>-<name>.scope`. */
export const unitName = (cg: Cgroup): string => {
  const name = cg.name ?? ""
  return name.endsWith(sliceSuffix) ? name : `${cg.scope_prefix}-${name}.scope`
}

/** The subsystems of the legacy systemd manager, in its order (differs from the fs manager's). */
export const legacySubsystems: ReadonlyArray<string> = [
  "cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "hugetlb", "perf_event", "freezer",
  "net_prio", "net_cls", "name=systemd", "rdma", "misc"
]

const sliceOf = (cg: Cgroup, fallback: string): Either.Either<string, CgroupError> => {
  const parent = cg.parent ?? ""
  return parent === "" ? Either.right(fallback) : expandSlice(parent)
}

/**
 * The legacy (v1) systemd manager's `initPaths`: `<mount>/<slice>/<unit>`
 * per mounted hierarchy (own cgroup and mount roots are not consulted), plus
 * `""` under the hybrid mount point.
 */
export const legacyPaths = Effect.fn("CgroupManager.systemdLegacyPaths")(function*(env: CgroupEnv, cg: Cgroup) {
  const slice = yield* sliceOf(cg, "system.slice")
  const unit = unitName(cg)
  const paths: Record<string, string> = {}
  for (const subsystem of legacySubsystems) {
    const mountpoint = yield* Effect.either(V1Mounts.findMountpoint(env, "", subsystem))
    if (mountpoint._tag === "Right") paths[subsystem] = join(mountpoint.right, slice, unit)
    else if (subsystem === "devices" || !isNotFound(mountpoint.left)) return yield* Effect.fail(mountpoint.left)
  }
  if (yield* env.hybrid) paths[""] = join(env.layout.hybridMountpoint, slice, unit)
  return paths
})

/**
 * The unified (v2) systemd manager's path: `SecureJoin(<root>, <slice>/<unit>)`
 * with `system.slice` by default. Rootless needs the user manager's
 * `ControlGroup` property over D-Bus, so it fails here.
 */
export const unifiedPath = Effect.fn("CgroupManager.systemdUnifiedPath")(function*(env: CgroupEnv, cg: Cgroup) {
  const slice = yield* sliceOf(cg, cg.Rootless ? "user.slice" : "system.slice")
  if (cg.Rootless) {
    return yield* dbusRequired(
      "locating a rootless container's cgroup (the user systemd manager's ControlGroup property)",
      "use the fs cgroup driver (Systemd: false) or pass the cgroup path explicitly"
    )
  }
  return yield* secureJoinVFS(env.layout.root, join(slice, unitName(cg)), env.fs)
})
