/**
 * The cgroup manager port: runc's cgroup manager
 * (`libcontainer/cgroups/manager/new.go`): `New` and `NewWithPaths` pick the
 * v1 (fs), v2 (fs2) or systemd flavour for this host's cgroup mode and
 * compute the container's cgroup paths; the manager answers the questions
 * Create, Load and the container operations ask — does the cgroup exist,
 * which pids are in it, is it frozen — and freezes, thaws, kills and
 * removes it.
 *
 * The manager needs nothing from a host but its filesystem: {@link make}
 * builds it over the Filesystem port, and {@link layer} over the
 * Filesystem in context — the real one (this machine's cgroupfs) or the
 * simulated host's, whose tree has cgroupfs mounted in it. Every file is
 * checked with `fstatfs` to be on cgroupfs before it is read or written,
 * every read is bounded, every removal is made through directory
 * descriptors on cgroupfs. The systemd flavours compute their paths without
 * D-Bus; the steps runc performs over D-Bus (stopping a unit, a rootless
 * user manager's cgroup) fail with a `CgroupError` of reason
 * `DbusRequired`. What refuses a path that is not on cgroupfs is reason
 * `WrongFilesystem`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Cgroup, Resources } from "./Config.js"
import type { SystemError } from "./ContainerError.js"
import { Filesystem, type FilesystemService } from "./Filesystem.js"
import type { CgroupError } from "./internal/cgroups/errors.js"
import type { CgroupParseError, CgroupScanError, CgroupStatsV2Error } from "./internal/cgroups/stats/errors.js"
import type { Stats } from "./internal/cgroups/stats/types.js"
import type { CgroupSetError } from "./internal/cgroups/update/plan.js"
import { isAbsentOrNoDevice } from "./internal/cgroups/files.js"
import { type LayoutOptions, makeLayout } from "./internal/cgroups/layout.js"
import * as Service from "./internal/cgroups/service.js"

export {
  /** A cgroup failure with runc's text; `cause` is the system error underneath, `reason` its kind when callers branch on it. */
  CgroupError,
  /** `NotFound` (runc's `NotFoundError`) or `DbusRequired` (a systemd step this library cannot perform). */
  type CgroupErrorReason
} from "./internal/cgroups/errors.js"
export {
  /** fscommon's `ParseError`: `unable to parse <path/file>: <reason>`. */
  CgroupParseError,
  /** A `bufio.Scanner` failure (`bufio.Scanner: token too long`) runc returns unwrapped. */
  CgroupScanError,
  /** fs2's `GetStats` failure: every controller that failed, and the stats gathered anyway. */
  CgroupStatsV2Error
} from "./internal/cgroups/stats/errors.js"
export type {
  /** `cgroups.BlkioStatEntry`. */
  BlkioStatEntry,
  /** `cgroups.BlkioStats`. */
  BlkioStats,
  /** `cgroups.CpuStats`. */
  CpuStats,
  /** `cgroups.CPUSetStats`. */
  CPUSetStats,
  /** `cgroups.CpuUsage`. */
  CpuUsage,
  /** `cgroups.HugetlbStats`. */
  HugetlbStats,
  /** `cgroups.MemoryData`. */
  MemoryData,
  /** `cgroups.MemoryStats`. */
  MemoryStats,
  /** `cgroups.PageStats`. */
  PageStats,
  /** `cgroups.PageUsageByNUMA`. */
  PageUsageByNUMA,
  /** `cgroups.PidsStats`. */
  PidsStats,
  /** `cgroups.RdmaEntry`. */
  RdmaEntry,
  /** `cgroups.RdmaStats`. */
  RdmaStats,
  /** runc 1.1.x's `cgroups.Stats`: what {@link Manager.getStats} returns. */
  Stats,
  /** `cgroups.ThrottlingData`. */
  ThrottlingData
} from "./internal/cgroups/stats/types.js"
export {
  /** A failure of `Set` with runc's text (`unable to set memory limit to …`, `the minimum allowed cpu-shares is 2`, …). */
  CgroupSetError
} from "./internal/cgroups/update/plan.js"

/**
 * Every way {@link Manager.getStats} can fail: a file that could not be read
 * (v1 stops at the first), one that does not parse, or v2's collected
 * failures ({@link CgroupStatsV2Error}, which carries what was read).
 */
export type StatsError =
  | CgroupError
  | SystemError
  | CgroupParseError
  | CgroupScanError
  | CgroupStatsV2Error<CgroupError | SystemError>

/** Every way {@link Manager.oomKillCount} can fail. */
export type OomKillCountError = CgroupError | SystemError | CgroupParseError

/** Every way {@link Manager.set} can fail: a file that could not be read or written, or runc's own refusals. */
export type SetError = CgroupError | SystemError | CgroupSetError

/**
 * The host's cgroup layout, as runc's `IsCgroup2UnifiedMode` and
 * `IsCgroup2HybridMode` tell them apart: `legacy` (v1 controllers only), `hybrid` (v1 controllers plus cgroup2 at `/sys/fs/cgroup/unified`),
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
  /** {@link exists} as a plain call, where the manager offers one. */
  readonly existsNow?: () => boolean
  /**
   * {@link getFreezerState} as a plain call where the answer is routine —
   * `""` (no freezer path, no control file) or `THAWED` — and the manager
   * offers one; `undefined` for anything else, which `getFreezerState`
   * answers.
   */
  readonly getFreezerStateNow?: () => "" | "THAWED" | undefined
  /**
   * Every pid in the cgroup and its descendants, walking `cgroup.procs`
   * depth-first in name order (runc's `GetAllPids`) — on v1 in the `devices`
   * hierarchy only. A missing cgroup fails with `lstat <path>: no such file
   * or directory`; see {@link isNotExistOrNoDevice} for runc's tolerance.
   */
  readonly getAllPids: Effect.Effect<ReadonlyArray<number>, CgroupError | SystemError>
  /**
   * The freezer state (runc's `GetFreezerState`). A cgroup frozen only through an
   * ancestor reads THAWED on v1; no freezer path, a missing control file or
   * ENODEV read as `""`.
   */
  readonly getFreezerState: Effect.Effect<FreezerState, CgroupError | SystemError>
  /** Freezes or thaws the cgroup (runc's `Freeze`). */
  readonly freeze: (state: FreezerState) => Effect.Effect<void, CgroupError | SystemError>
  /**
   * Kills every process in the cgroup and its descendants at once by
   * writing `1` to the unified cgroup's `cgroup.kill` (v2, or the cgroup2
   * part of a hybrid host) — the first step of runc 1.2's
   * `signalAllProcesses` for SIGKILL. True when it was written; false where
   * there is no unified cgroup or no `cgroup.kill` (before Linux 5.14), and
   * the caller signals the pids one by one instead. A `cgroup.kill` that is
   * not on cgroupfs is refused unwritten (`open <path>: not a cgroup file`).
   */
  readonly kill: Effect.Effect<boolean, CgroupError | SystemError>
  /**
   * Removes the cgroup directories, children first (runc's `RemovePath`;
   * on v1 in runc 1.1.5's rounds of `RemovePaths`, logging each failure as
   * runc does). Only directories on a cgroup filesystem are removed, reached without
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
  /**
   * runc's `GetStats()`: the cgroup's counters and limits from the files
   * runc reads. v1 (fs) reads cpuset, memory, cpu, cpuacct, pids, blkio,
   * hugetlb and rdma, each in its own hierarchy, and stops at the first
   * failure; v2 (fs2) reads pids, memory, io, cpu, hugetlb and rdma in the
   * one directory and reports every failure at once (unless rootless), a
   * missing file other than the pids ones being no failure. Every file is
   * checked to be on cgroupfs and read bounded (`maxStatFileSize`). The
   * systemd flavours read the same files.
   */
  readonly getStats: Effect.Effect<Stats, StatsError>
  /**
   * runc's `OOMKillCount()`: how many processes the kernel's OOM killer
   * killed in the cgroup — v1: `memory.oom_control`'s `oom_kill`, v2:
   * `memory.events`' `oom_kill` (0 when the kernel does not count).
   * Rootless, a missing file reads 0.
   */
  readonly oomKillCount: Effect.Effect<bigint, OomKillCountError>
  /**
   * runc's `Set(resources)`: writes the limits `resources` gives, in the
   * driver's order with its conversions (v2: shares → `cpu.weight`,
   * quota/period → `cpu.max`, memory + swap → `memory.swap.max`) and its
   * refusals (`unable to set memory limit to … (current usage: …)` when the
   * kernel answers EBUSY, the cpu shares read back, …). A zero value leaves
   * its file alone; devices are never written. Returns the resources as runc
   * leaves them (v1: `memory` −1 with swap accounting also makes
   * `memory_swap` −1). The systemd flavours set unit properties over D-Bus
   * first: reason `DbusRequired`.
   */
  readonly set: (resources: Resources) => Effect.Effect<Resources, SetError>
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
  /**
   * {@link newWithPaths} as a plain call, for the configs whose manager
   * needs no probe and no check beyond the saved paths — cgroupfs (not
   * systemd); on v1 with resources and no unified keys; on v2 with one
   * clean absolute path — once the host's mode is known (after
   * {@link mode} ran): the same manager. `undefined` for anything else,
   * which `newWithPaths` then builds or refuses. `Factory.list` builds each
   * container's manager this way.
   */
  readonly newWithPathsNow?: (
    cgroup: Cgroup | null,
    paths: Readonly<Record<string, string>> | null
  ) => Manager | undefined
  /**
   * {@link new} as a plain call, for the configs whose paths need no probe
   * — cgroupfs (not systemd), an absolute cgroup path; on v1 with resources,
   * no unified keys and every hierarchy's mount point found before — once
   * the host's mode is known (after {@link mode} ran): the same manager.
   * `undefined` for anything else, which `new` then builds or refuses.
   * `Factory.create` builds its manager this way.
   */
  readonly newNow?: (cgroup: Cgroup | null) => Manager | undefined
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

/** Options of {@link layerWith} and {@link make}: where to look, runc's constants by default. */
export type Options = LayoutOptions

/**
 * The service over a filesystem: the host's mode and mounts are probed
 * once, on first use.
 */
export const make = (fs: FilesystemService, options: Options = {}): Effect.Effect<CgroupManagerService> =>
  Service.make(fs, makeLayout(options))

/**
 * The service over the {@link Filesystem} in context, with options. With
 * `root` pointed at a cgroup2 mount (e.g. `/sys/fs/cgroup/unified` on a
 * hybrid host) the host reads as unified and `new` returns fs2 managers
 * there.
 */
export const layerWith = (options: Options): Layer.Layer<CgroupManager, never, Filesystem> =>
  Layer.effect(CgroupManager, Effect.flatMap(Filesystem, (fs) => make(fs, options)))

/** The service over the {@link Filesystem} in context, at runc's `/sys/fs/cgroup`. */
export const layer: Layer.Layer<CgroupManager, never, Filesystem> = layerWith({})
