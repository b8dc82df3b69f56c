/**
 * Finding cgroup v1 hierarchies (runc's `libcontainer/cgroups/v1_utils.go`,
 * `utils.go` and `fs/paths.go`): where a
 * controller is mounted, the v1 cgroup root, and the calling process's own
 * cgroup path in a hierarchy.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { SystemError } from "../../ContainerError.js"
import { secureJoinVFS } from "../../SecureJoin.js"
import type { HostFacts } from "./env.js"
import { CgroupError, isNotFound, notFound, unifiedUnsupported } from "./errors.js"
import { readProcfsFile } from "./files.js"
import { dir, join, rel } from "./goPath.js"
import { CGROUP_SUPER_MAGIC, TMPFS_MAGIC } from "./mode.js"
import * as ProcCgroup from "./procCgroup.js"

/** The prefix of a named (controller-less) hierarchy, as in `name=systemd`. */
export const namePrefix = "name="

/** A hierarchy found by {@link getCgroupMounts}: runc's `cgroups.Mount`. */
export interface CgroupMount {
  readonly mountpoint: string
  readonly root: string
  /** The controllers found on it, `name=` stripped. */
  readonly subsystems: ReadonlyArray<string>
}

/** The calling process's `/proc/self/cgroup`, parsed the v1 way; read afresh on every call, as runc does. */
export const ownCgroups = (facts: HostFacts): Effect.Effect<ReadonlyMap<string, string>, CgroupError | SystemError> =>
  Effect.flatMap(
    readProcfsFile(facts.fs, facts.layout, facts.layout.procSelfCgroupPath, ProcCgroup.maxBytes),
    ProcCgroup.parseV1
  )

const failOnUnified = (facts: HostFacts): Effect.Effect<void, CgroupError> =>
  Effect.flatMap(facts.unified, (unified) => unified ? Effect.fail(unifiedUnsupported()) : Effect.void)

/**
 * runc's `FindCgroupMountpointAndRoot`: the first v1 mount whose mount point
 * starts with `cgroupPath` and whose super options list `subsystem`.
 */
export const findMountpointAndRoot = (
  facts: HostFacts,
  cgroupPath: string,
  subsystem: string
): Effect.Effect<{ readonly mountpoint: string; readonly root: string }, CgroupError | SystemError> =>
  Effect.gen(function*() {
    yield* failOnUnified(facts)
    for (const mount of yield* facts.v1Mounts) {
      if (mount.mountpoint.startsWith(cgroupPath) && mount.vfsOptions.split(",").includes(subsystem)) {
        return { mountpoint: mount.mountpoint, root: mount.root }
      }
    }
    return yield* notFound(subsystem)
  })

/** Whether `path` is a mount point: its device differs from its parent's. */
const isMountpointDirectory = (facts: HostFacts, path: string): Effect.Effect<boolean, SystemError> =>
  Effect.gen(function*() {
    const info = yield* facts.fs.lstat(path)
    if (info.type !== "Directory") return false
    const parent = yield* facts.fs.lstat(dir(path))
    return info.dev !== parent.dev
  })

/**
 * runc's `tryDefaultPath`: `<root>/<subsystem without name=>` resolved with
 * SecureJoin (so a `cpu → cpu,cpuacct` link is followed), when it is a
 * cgroup v1 mount point. Only tried when `cgroupPath` is a prefix of the
 * root. Any failure means "not here".
 */
const tryDefaultPath = (facts: HostFacts, cgroupPath: string, subsystem: string): Effect.Effect<Option.Option<string>> => {
  const root = facts.layout.root
  if (!root.startsWith(cgroupPath)) return Effect.succeedNone
  const name = subsystem.startsWith(namePrefix) ? subsystem.slice(namePrefix.length) : subsystem
  return Effect.gen(function*() {
    const path = yield* secureJoinVFS(root, name, facts.fs)
    if (!(yield* isMountpointDirectory(facts, path))) return Option.none<string>()
    return (yield* facts.fs.statfs(path)) === CGROUP_SUPER_MAGIC ? Option.some(path) : Option.none<string>()
  }).pipe(Effect.orElseSucceed(Option.none<string>))
}

/**
 * runc's `FindCgroupMountpoint`: the hybrid mount point for `""`, else the
 * default location when it is a v1 mount, else the first matching mount.
 * Found once per service (see `HostFacts.mountpoints`).
 */
export const findMountpoint = (
  facts: HostFacts,
  cgroupPath: string,
  subsystem: string
): Effect.Effect<string, CgroupError | SystemError> => {
  const known = knownMountpoint(facts, cgroupPath, subsystem)
  if (known !== undefined) return known
  return Effect.flatten(Effect.tap(Effect.either(lookUpMountpoint(facts, cgroupPath, subsystem)), (result) =>
    Effect.sync(() => {
      if (Either.isRight(result) || isNotFound(result.left)) {
        facts.mountpoints.set(mountpointKey(cgroupPath, subsystem), result)
      }
    })))
}

const mountpointKey = (cgroupPath: string, subsystem: string): string => `${cgroupPath}\u0000${subsystem}`

/** What {@link findMountpoint} found before for this cgroup root and subsystem, if it was asked. */
export const knownMountpoint = (
  facts: HostFacts,
  cgroupPath: string,
  subsystem: string
): Either.Either<string, CgroupError | SystemError> | undefined => facts.mountpoints.get(mountpointKey(cgroupPath, subsystem))

const lookUpMountpoint = (
  facts: HostFacts,
  cgroupPath: string,
  subsystem: string
): Effect.Effect<string, CgroupError | SystemError> =>
  Effect.gen(function*() {
    yield* failOnUnified(facts)
    if (subsystem === "") return facts.layout.hybridMountpoint
    const found = yield* tryDefaultPath(facts, cgroupPath, subsystem)
    if (Option.isSome(found)) return found.value
    return (yield* findMountpointAndRoot(facts, cgroupPath, subsystem)).mountpoint
  })

/**
 * runc's `GetCgroupMounts(all)` on a v1 host: the mounts carrying the
 * hierarchies `/proc/self/cgroup` names, the first one per hierarchy unless
 * `all`.
 */
export const getCgroupMounts = (
  facts: HostFacts,
  all: boolean
): Effect.Effect<ReadonlyArray<CgroupMount>, CgroupError | SystemError> =>
  Effect.gen(function*() {
    const mounts = yield* facts.v1Mounts
    const seen = new Map<string, boolean>()
    for (const key of (yield* ownCgroups(facts)).keys()) seen.set(key, false)
    const out: Array<CgroupMount> = []
    let found = 0
    for (const mount of mounts) {
      const subsystems: Array<string> = []
      for (const option of mount.vfsOptions.split(",")) {
        const wasSeen = seen.get(option)
        if (wasSeen === undefined || (!all && wasSeen)) continue
        seen.set(option, true)
        subsystems.push(option.startsWith(namePrefix) ? option.slice(namePrefix.length) : option)
        found++
      }
      if (subsystems.length > 0 || all) out.push({ mountpoint: mount.mountpoint, root: mount.root, subsystems })
      if (!all && found >= seen.size) break
    }
    return out
  })

/**
 * runc's `rootPath` (uncached; the environment caches it): `<root>` itself
 * when it is a tmpfs mount whose first raw directory entry is a v1 mount,
 * otherwise the parent of the first hierarchy mountinfo shows.
 */
export const rootPath = (facts: HostFacts): Effect.Effect<string, CgroupError | SystemError> =>
  Effect.gen(function*() {
    if (yield* isDefaultRoot(facts)) return facts.layout.root
    const mounts = yield* getCgroupMounts(facts, false)
    const first = mounts[0]
    if (first === undefined) return yield* new CgroupError({ message: "no cgroup mount found in mountinfo" })
    const root = dir(first.mountpoint)
    yield* facts.fs.stat(root)
    return root
  })

const isDefaultRoot = (facts: HostFacts): Effect.Effect<boolean> => {
  const { fs, layout } = facts
  return Effect.gen(function*() {
    if (!(yield* isMountpointDirectory(facts, layout.root))) return false
    if ((yield* fs.statfs(layout.root)) !== TMPFS_MAGIC) return false
    // runc's Readdirnames(1): whichever entry the kernel lists first
    const [first] = yield* fs.readDirectoryUnsorted(layout.root, { limit: 1 })
    if (first === undefined) return false
    return (yield* fs.statfs(join(layout.root, first.name))) === CGROUP_SUPER_MAGIC
  }).pipe(Effect.orElseSucceed(() => false))
}

/**
 * runc's `GetOwnCgroupPath(subsystem)`: the directory of the calling
 * process's cgroup in that hierarchy — its mount point joined with the
 * cgroup path relative to the mount root. For `""` (hybrid) it is the hybrid
 * mount point itself, never the own v2 cgroup. `readOwn` reads
 * `/proc/self/cgroup` (afresh, by default).
 */
export const getOwnCgroupPath = (
  facts: HostFacts,
  subsystem: string,
  readOwn: Effect.Effect<ReadonlyMap<string, string>, CgroupError | SystemError> = ownCgroups(facts)
): Effect.Effect<string, CgroupError | SystemError> =>
  Effect.gen(function*() {
    yield* failOnUnified(facts)
    const own = yield* readOwn
    const cgroup = own.get(subsystem) ?? own.get(namePrefix + subsystem)
    if (cgroup === undefined) return yield* notFound(subsystem)
    if (subsystem === "") return facts.layout.hybridMountpoint
    const { mountpoint, root } = yield* findMountpointAndRoot(facts, "", subsystem)
    const relative = rel(root, cgroup)
    if (Either.isLeft(relative)) return yield* new CgroupError({ message: relative.left })
    return join(mountpoint, relative.right)
  })

