/**
 * One host's cgroup facts as a service sees them: the host, the layout, and
 * the answers runc computes once per process (mode, systemd, the v1 mount
 * list, the v1 cgroup root), computed once per service here.
 */
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import type { SystemError } from "../../ContainerError.js"
import * as Mountinfo from "../mountinfo.js"
import { CgroupError } from "./errors.js"
import { readProcfsFile } from "./files.js"
import type { FilesystemService } from "../../Filesystem.js"
import type { Layout } from "./layout.js"
import * as Mode from "./mode.js"
import { hugePageSizes } from "./stats/hugepages.js"
import * as V1Mounts from "./v1Mounts.js"

/** The facts the v1 cgroup root is derived from. */
export interface HostFacts {
  /** The filesystem every cgroup, procfs and mountinfo file is read and written through. */
  readonly fs: FilesystemService
  readonly layout: Layout
  /** `IsCgroup2UnifiedMode`, cached. */
  readonly unified: Effect.Effect<boolean>
  /** `IsCgroup2HybridMode`, cached. */
  readonly hybrid: Effect.Effect<boolean>
  /** `IsRunningSystemd`, cached. */
  readonly systemdRunning: Effect.Effect<boolean>
  /** The `cgroup` entries of mountinfo, read once (result and error cached, as runc's `readCgroupMountinfo`). */
  readonly v1Mounts: Effect.Effect<ReadonlyArray<Mountinfo.MountInfo>, CgroupError | SystemError>
  /**
   * Where each hierarchy was found (`FindCgroupMountpoint`), by cgroup root
   * and subsystem: found once, like the mount list it falls back on, where
   * runc probes again on every `New` — a dozen `lstat`s and `statfs`es each.
   * Answers and NotFound are kept; other failures are not.
   */
  readonly mountpoints: Map<string, Either.Either<string, CgroupError | SystemError>>
}

/** What every cgroup rule is evaluated against. */
export interface CgroupEnv extends HostFacts {
  /** The v1 cgroup root (runc's `rootPath` in `fs/paths.go`), cached after its first success. */
  readonly cgroupRoot: Effect.Effect<string, CgroupError | SystemError>
  /**
   * runc's `HugePageSizes()`: the hugetlb page size names (`2MB`, `1GB`) of
   * the entries of `/sys/kernel/mm/hugepages` in the kernel's order, read
   * once; none when the directory cannot be read. The first odd entry is
   * logged as runc logs it (`HugePageSizes: …`).
   */
  readonly hugePageSizes: Effect.Effect<ReadonlyArray<string>>
}

/** runc's `HugePageSizes` over the host's filesystem. */
const readHugePageSizes = (fs: FilesystemService, layout: Layout): Effect.Effect<ReadonlyArray<string>> =>
  fs.readDirectoryUnsorted(layout.hugePagesDir).pipe(
    Effect.map((entries) => hugePageSizes(entries.map((e) => e.name))),
    Effect.tap(({ warning }) => warning === undefined ? Effect.void : Effect.logWarning(`HugePageSizes: ${warning}`)),
    Effect.map(({ sizes }) => sizes),
    Effect.orElseSucceed((): ReadonlyArray<string> => [])
  )

const readV1Mounts = (fs: FilesystemService, layout: Layout) =>
  Effect.flatMap(Effect.suspend(() => readProcfsFile(fs, layout, layout.mountinfoPath, Mountinfo.maxBytes)), (content) =>
    Effect.mapError(
      Mountinfo.parse(content, Mountinfo.fstypeFilter("cgroup")),
      (error) => new CgroupError({ message: error.message })
    ))

/** The environment of one service; the probes run on first use. */
export const make = (fs: FilesystemService, layout: Layout): Effect.Effect<CgroupEnv> =>
  Effect.gen(function*() {
    const facts: HostFacts = {
      fs,
      layout,
      unified: yield* cachedForever(Mode.isUnified(fs, layout)),
      hybrid: yield* cachedForever(Mode.isHybrid(fs, layout)),
      systemdRunning: yield* cachedForever(Mode.isRunningSystemd(fs, layout)),
      v1Mounts: yield* cachedForever(readV1Mounts(fs, layout)),
      mountpoints: new Map()
    }
    return {
      ...facts,
      cgroupRoot: yield* cachedOnSuccess(V1Mounts.rootPath(facts)),
      hugePageSizes: yield* cachedForever(readHugePageSizes(fs, layout))
    }
  })

/**
 * `Effect.cached` — `effect` runs once, concurrent first callers wait for
 * it, its result (success or failure) is kept — made cheap after the first
 * run: the kept result is handed back as it is, without the cache's
 * synchronisation. Load consults the mode once per container.
 */
export const cachedForever = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<Effect.Effect<A, E, R>> =>
  Effect.map(Effect.cached(effect), (once) => {
    let kept: Exit.Exit<A, E> | undefined
    return Effect.suspend(() =>
      kept ?? Effect.onExit(once, (exit) =>
        Effect.sync(() => {
          kept = exit
        }))
    )
  })

/**
 * An effect that runs `effect` until it first succeeds and then keeps that
 * value; failures are not remembered (how runc caches the v1 cgroup root).
 */
export const cachedOnSuccess = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<Effect.Effect<A, E, R>> =>
  Effect.sync(() => {
    let value: { readonly a: A } | undefined
    return Effect.suspend(() =>
      value !== undefined ? Effect.succeed(value.a) : Effect.tap(effect, (a) => {
        value = { a }
      })
    )
  })
