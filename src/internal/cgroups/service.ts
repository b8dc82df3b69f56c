/**
 * runc's `manager.New` / `manager.NewWithPaths`
 * (`libcontainer/cgroups/manager/new.go`) over a host's Filesystem: validates the config, detects the mode once, and picks fs, fs2 or a
 * systemd flavour, computing paths when none are given.
 */
import * as Effect from "effect/Effect"
import type { CgroupManagerService, Manager } from "../../CgroupManager.js"
import type { Cgroup } from "../../Config.js"
import * as Strconv from "../strconv.js"
import { clean } from "../path.js"
import * as Env from "./env.js"
import { CgroupError, v1NoUnified } from "./errors.js"
import * as Fs2Paths from "./fs2Paths.js"
import { goMap } from "./goFormat.js"
import { isAbs, join } from "./goPath.js"
import type { FilesystemService } from "../../Filesystem.js"
import type { CgroupEnv } from "./env.js"
import type { Layout } from "./layout.js"
import * as Managers from "./managers.js"
import { modeOf } from "./mode.js"
import * as SystemdPaths from "./systemdPaths.js"
import * as V1Paths from "./v1Paths.js"

type Paths = Readonly<Record<string, string>>

const inconsistent = (reason: string) =>
  new CgroupError({ message: `manager.NewWithPaths: inconsistent paths: ${reason}` })

/** runc's `getUnifiedPath`: at most one entry, and its `""` value (if any) clean and absolute. */
const unifiedPath = (paths: Paths | null): Effect.Effect<string, CgroupError> => {
  const entries = paths === null ? [] : Object.keys(paths)
  if (entries.length > 1) return Effect.fail(inconsistent(`expected a single path, got ${goMap(paths!)}`))
  const path = paths?.[""] ?? ""
  if (path !== "" && (clean(path) !== path || !isAbs(path))) {
    return Effect.fail(inconsistent(`invalid path: ${Strconv.quote(path)}`))
  }
  return Effect.succeed(path)
}

const unifiedSet = (cg: Cgroup): boolean => cg.Resources !== undefined && cg.Resources.unified != null

/** The service over `host`, laid out as `layout`. */
export const make = (fs: FilesystemService, layout: Layout): Effect.Effect<CgroupManagerService> =>
  Effect.map(Env.make(fs, layout), (env): CgroupManagerService => {
    // what the mode probe found, for the plain constructor
    let unifiedKnown: boolean | undefined
    const mode = Effect.zipWith(
      Effect.tap(env.unified, (unified) => {
        unifiedKnown = unified
      }),
      env.hybrid,
      modeOf
    )

    const newWithPathsNow = (cg: Cgroup | null, paths: Paths | null): Manager | undefined => {
      if (unifiedKnown === undefined || cg === null || cg.Systemd || paths === null) return undefined
      if (unifiedKnown) {
        const keys = Object.keys(paths)
        if (keys.length !== 1 || keys[0] !== "") return undefined
        const path = paths[""]!
        return path !== "" && isAbs(path) && clean(path) === path ? Managers.fs2(env, cg, path) : undefined
      }
      return cg.Resources === undefined || unifiedSet(cg) ? undefined : Managers.fs(env, cg, paths)
    }

    // what the v1 path computation found, for the plain constructor of new
    let rootKnown: string | undefined
    let hybridKnown: boolean | undefined
    let hierarchies:
      | { readonly root: string; readonly hybrid: boolean; readonly dirs: ReturnType<typeof V1Paths.knownHierarchies> & {} }
      | undefined
    const pathsEnv: CgroupEnv = {
      ...env,
      cgroupRoot: Effect.tap(env.cgroupRoot, (root) => {
        rootKnown = root
      }),
      hybrid: Effect.tap(env.hybrid, (hybrid) => {
        hybridKnown = hybrid
      })
    }

    const newNow = (cg: Cgroup | null): Manager | undefined => {
      if (unifiedKnown === undefined || cg === null || cg.Systemd) return undefined
      if (((cg.name ?? "") !== "" || (cg.parent ?? "") !== "") && cg.path !== "") return undefined
      const inner = V1Paths.innerPathOf(cg)
      if (!isAbs(inner)) return undefined
      if (unifiedKnown) return Managers.fs2(env, cg, join(env.layout.root, inner))
      if (cg.Resources === undefined || unifiedSet(cg) || rootKnown === undefined || hybridKnown === undefined) {
        return undefined
      }
      if (hierarchies === undefined || hierarchies.root !== rootKnown || hierarchies.hybrid !== hybridKnown) {
        const dirs = V1Paths.knownHierarchies(env, rootKnown, hybridKnown)
        if (dirs === undefined) return undefined
        hierarchies = { root: rootKnown, hybrid: hybridKnown, dirs }
      }
      return Managers.fs(env, cg, V1Paths.pathsUnder(hierarchies.dirs, inner))
    }

    // Untraced: Load runs it once per container, and a span would cost more than the work.
    const newWithPaths = Effect.fnUntraced(function*(cg: Cgroup | null, paths: Paths | null) {
      if (cg === null) return yield* new CgroupError({ message: "cgroups/manager.New: config must not be nil" })
      if (cg.Systemd && !(yield* env.systemdRunning)) {
        return yield* new CgroupError({
          message: "systemd not running on this host, cannot use systemd cgroups manager"
        })
      }
      if (yield* env.unified) {
        const given = yield* unifiedPath(paths)
        if (cg.Systemd) {
          const dir = given !== "" ? given : yield* SystemdPaths.unifiedPath(env, cg)
          return Managers.systemdUnified(env, cg, dir)
        }
        return Managers.fs2(env, cg, given !== "" ? given : yield* Fs2Paths.defaultDirPath(env, cg))
      }
      if (cg.Systemd) {
        if (cg.Rootless) {
          return yield* new CgroupError({ message: "cannot use rootless systemd cgroups manager on cgroup v1" })
        }
        if (unifiedSet(cg)) return yield* v1NoUnified()
        return Managers.systemdLegacy(env, cg, paths ?? (yield* SystemdPaths.legacyPaths(env, cg)))
      }
      if (cg.Resources === undefined) {
        return yield* new CgroupError({
          message: "cgroup v1 manager needs configs.Resources to be set during manager creation"
        })
      }
      if (unifiedSet(cg)) return yield* v1NoUnified()
      return Managers.fs(env, cg, paths ?? (yield* V1Paths.initPaths(pathsEnv, cg)))
    })

    return {
      mode,
      new: (cg) => newWithPaths(cg, null),
      newWithPaths,
      newWithPathsNow,
      newNow
    }
  })
