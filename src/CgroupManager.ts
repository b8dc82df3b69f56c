/**
 * runc's cgroup manager (`libcontainer/cgroups/manager`): `new` and
 * `newWithPaths` pick the v1 (fs), v2 (fs2) or systemd flavour for this
 * host's cgroup mode and compute the container's cgroup paths; the manager
 * answers the questions Create, Load and the container operations ask —
 * does the cgroup exist, which pids are in it, is it frozen — and freezes,
 * thaws and removes it.
 *
 * One implementation of runc's rules runs over two hosts: {@link layerNode}
 * reads and writes this machine's cgroupfs through the {@link Filesystem}
 * service (plus raw `readdir` order from node) — every file checked with
 * `fstatfs` to be on cgroupfs before it is read or written, every read
 * bounded, every removal made through directory descriptors on cgroupfs —
 * and {@link layerMemoryFrom} runs the same rules over a {@link CgroupTree},
 * a simulated cgroupfs whose members and freezers act on a simulated
 * process table. The systemd flavours compute their paths without D-Bus;
 * the steps runc performs over D-Bus (stopping a unit, a rootless user
 * manager's cgroup) fail with a `CgroupError` of reason `DbusRequired`.
 * What refuses a path that is not on cgroupfs is reason `WrongFilesystem`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Cgroup } from "./Config.js"
import type { SystemError } from "./ContainerError.js"
import { Filesystem } from "./Filesystem.js"
import type { CgroupError } from "./internal/cgroups/errors.js"
import { isAbsentOrNoDevice } from "./internal/cgroups/files.js"
import { type LayoutOptions, makeLayout } from "./internal/cgroups/host.js"
import * as NodeHost from "./internal/cgroups/nodeHost.js"
import * as Service from "./internal/cgroups/service.js"
import { CgroupTree } from "./internal/memory/CgroupTree.js"
import { ProcessTable } from "./internal/memory/ProcessTable.js"

export {
  /** A cgroup failure with runc's text; `cause` is the system error underneath, `reason` its kind when callers branch on it. */
  CgroupError,
  /** `NotFound` (runc's `NotFoundError`) or `DbusRequired` (a systemd step this library cannot perform). */
  type CgroupErrorReason
} from "./internal/cgroups/errors.js"
export {
  /** The simulated cgroup filesystem behind {@link layerMemoryFrom}. */
  CgroupTree,
  /** Its layout options and seed. */
  type CgroupTreeOptions,
  type CgroupTreeSeed,
  /** One v1 hierarchy of a seed. */
  type HierarchySeed,
  /** The v1 hierarchies of the development machine (the hybrid default). */
  thisHostHierarchies
} from "./internal/memory/CgroupTree.js"

/**
 * The host's cgroup layout (cgroups.md §2.4): `legacy` (v1 controllers
 * only), `hybrid` (v1 controllers plus cgroup2 at `/sys/fs/cgroup/unified`),
 * `unified` (cgroup2 at `/sys/fs/cgroup`).
 */
export type CgroupMode = "legacy" | "hybrid" | "unified"

/** runc's `configs.FreezerState`: `""` undefined, `FROZEN`, `THAWED`. */
export type FreezerState = "" | "FROZEN" | "THAWED"

/** A manager for one container's cgroup (runc's `cgroups.Manager`, the parts the factory uses). */
export interface Manager {
  /**
   * Whether the cgroup exists: `stat` of the `devices` path on v1 (only that
   * hierarchy is consulted; no `devices` path means false), of the cgroup
   * directory on v2.
   */
  readonly exists: Effect.Effect<boolean>
  /**
   * Every pid in the cgroup and its descendants, walking `cgroup.procs`
   * depth-first in name order (cgroups.md §8.2) — on v1 in the `devices`
   * hierarchy only. A missing cgroup fails with `lstat <path>: no such file
   * or directory`; see {@link isNotExistOrNoDevice} for runc's tolerance.
   */
  readonly getAllPids: Effect.Effect<ReadonlyArray<number>, CgroupError | SystemError>
  /**
   * The freezer state (cgroups.md §8.4–8.5). A cgroup frozen only through an
   * ancestor reads THAWED on v1; no freezer path, a missing control file or
   * ENODEV read as `""`.
   */
  readonly getFreezerState: Effect.Effect<FreezerState, CgroupError | SystemError>
  /** Freezes or thaws the cgroup (cgroups.md §8.6–8.8). */
  readonly freeze: (state: FreezerState) => Effect.Effect<void, CgroupError | SystemError>
  /**
   * Removes the cgroup directories, children first (runc's `RemovePath`).
   * Only directories on a cgroup filesystem are removed, reached without
   * following symlinks; any other path (a saved `/tmp/victim`, a hierarchy
   * root) is refused with reason `WrongFilesystem` and left untouched. On v1
   * each removed hierarchy leaves the paths map, so afterwards `getPaths` is
   * `{}`. The systemd flavours also stop their unit, which needs D-Bus: they
   * fail with reason `DbusRequired` (v1 after removing the directories, as
   * runc does; v2 before).
   */
  readonly destroy: Effect.Effect<void, CgroupError | SystemError>
  /** The cgroup paths as state.json's `cgroup_paths` records them (v2: `{"": dir}`). */
  readonly getPaths: Effect.Effect<Readonly<Record<string, string>>>
  /** The path for one subsystem (`""` for the unified one), or `""` when there is none; v2 ignores the argument. */
  readonly path: (subsystem: string) => Effect.Effect<string>
}

/** The cgroup manager factory: runc's `manager.New` and `manager.NewWithPaths`. */
export interface CgroupManagerService {
  /** This host's cgroup mode, detected once. */
  readonly mode: Effect.Effect<CgroupMode, CgroupError | SystemError>
  /** runc's `manager.New(cg)`: paths computed from `path`/`parent`/`name`. */
  readonly new: (cgroup: Cgroup | null) => Effect.Effect<Manager, CgroupError | SystemError>
  /**
   * runc's `manager.NewWithPaths(cg, paths)`: `paths` as saved in state.json;
   * `null` means compute them as `new` does.
   */
  readonly newWithPaths: (
    cgroup: Cgroup | null,
    paths: Readonly<Record<string, string>> | null
  ) => Effect.Effect<Manager, CgroupError | SystemError>
}

/** The cgroup manager service. */
export class CgroupManager extends Context.Tag("effect-libcontainer/CgroupManager")<
  CgroupManager,
  CgroupManagerService
>() {}

/**
 * runc's tolerance test in `Create` and the freezer readers: the failure
 * is, or wraps, ENOENT (Go's not-exist) or ENODEV.
 */
export const isNotExistOrNoDevice = (error: CgroupError | SystemError): boolean => isAbsentOrNoDevice(error)

/** Options of {@link layerNodeWith}: where to look (runc's constants by default) and the probes. */
export interface NodeOptions extends LayoutOptions {
  /**
   * `statfs(2)` of a path, for host detection; the {@link Filesystem}'s by
   * default. The checks on opened files use `fstatfs` through the
   * `Filesystem` and are not affected.
   */
  readonly statfs?: (path: string) => Effect.Effect<number, SystemError>
  /** The first entry of a directory in the kernel's order; node's `fs.opendir` by default. */
  readonly firstEntry?: NodeHost.Probes["firstEntry"]
}

/**
 * The real layer with options: file access and `statfs` through the
 * {@link Filesystem} in context, raw `readdir` order from node. With `root`
 * pointed at a cgroup2 mount (e.g. `/sys/fs/cgroup/unified` on a hybrid
 * host) the host reads as unified and `new` returns fs2 managers there.
 */
export const layerNodeWith = (options: NodeOptions = {}): Layer.Layer<CgroupManager, never, Filesystem> =>
  Layer.effect(
    CgroupManager,
    Effect.flatMap(Filesystem, (fs) =>
      Service.make(
        NodeHost.make(fs, {
          ...(options.statfs === undefined ? {} : { statfs: options.statfs }),
          firstEntry: options.firstEntry ?? NodeHost.nodeProbes.firstEntry
        }),
        makeLayout(options)
      ))
  )

/** The real layer: this host's cgroupfs at `/sys/fs/cgroup`, through the {@link Filesystem} in context. */
export const layerNode: Layer.Layer<CgroupManager, never, Filesystem> = layerNodeWith()

/** The memory layer over a given simulated cgroup tree, so tests can seed and inspect it. */
export const layerMemoryFrom = (tree: CgroupTree): Layer.Layer<CgroupManager> =>
  Layer.effect(CgroupManager, Service.make(tree.host, makeLayout()))

/** The memory layer over a fresh unified (cgroup v2) tree with an empty process table. */
export const layerMemory: Layer.Layer<CgroupManager> = Layer.suspend(() =>
  layerMemoryFrom(new CgroupTree(new ProcessTable()))
)
