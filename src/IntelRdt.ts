/**
 * Intel RDT (resctrl) as runc's `intelrdt` package drives it: locating the
 * resctrl filesystem, detecting CAT, MBA, MBM and CMT, and the per-container
 * manager `NewManager` returns (`apply`, `set`, `destroy`, `getPath`,
 * `getStats`), with runc's error texts (intelrdt.md).
 *
 * One implementation of those rules runs over a {@link ResctrlHost}: the
 * real one ({@link layerNode}) is the {@link Filesystem} plus `statfs(2)`
 * and `/proc/self/mountinfo`; the simulated one ({@link layerMemoryFrom}) is
 * a {@link Resctrl} model with the kernel's validation and
 * `last_cmd_status` texts.
 *
 * Stricter than runc, which reads, writes and `os.RemoveAll`s whatever path
 * it is given: every resctrl file is opened and checked with `fstatfs` to be
 * on resctrl before a byte is read or written, every read is bounded,
 * mountinfo must be on procfs, and `destroy` removes a group only below the
 * resctrl root and on resctrl, walking there without following symlinks —
 * anything else is {@link ResctrlRemovalRefused} and left alone.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { SystemError } from "./ContainerError.js"
import * as Errno from "./internal/errno.js"
import { RDTGROUP_SUPER_MAGIC, type WrongFilesystem } from "./internal/filesystemType.js"
import { Resctrl } from "./internal/memory/Resctrl.js"
import * as Mountinfo from "./internal/mountinfo.js"
import * as NodeResctrl from "./internal/node/resctrl.js"
import * as Path from "./internal/path.js"
import * as R from "./internal/resctrl.js"
import * as Strconv from "./internal/strconv.js"
import { removeAllInRoot } from "./internal/SyscallFilesystem.js"
import { Filesystem, type FilesystemService } from "./Filesystem.js"

export {
  /** The simulated resctrl filesystem behind {@link layerMemoryFrom}. */
  Resctrl,
  /** What the simulated RDT hardware and resctrl mount look like. */
  type ResctrlOptions
} from "./internal/memory/Resctrl.js"
export {
  /** A `/proc/self/mountinfo` line runc's parser rejects; `message` is its text. */
  MountinfoParseError
} from "./internal/mountinfo.js"

/** The `intel_rdt` part of a config (`configs.IntelRdt`); empty strings mean unset. */
export interface IntelRdtConfig {
  readonly closID?: string
  readonly l3_cache_schema?: string
  readonly memBwSchema?: string
}

/** The part of a container config the manager reads: `intel_rdt`, absent (or null) when not configured. */
export interface ConfigWithIntelRdt {
  readonly intel_rdt?: IntelRdtConfig | null | undefined
}

/** `Intel RDT not available` — no resctrl filesystem on this host. */
export class IntelRdtNotAvailable extends Data.TaggedError("IntelRdtNotAvailable")<{}> {
  override get message(): string {
    return "Intel RDT not available"
  }
}

/**
 * `statfs /sys/fs/resctrl` failed with something other than ENOENT. runc
 * returns the bare errno, so the message is just its text (`permission denied`).
 */
export class ResctrlProbeError extends Data.TaggedError("ResctrlProbeError")<{ readonly code: string }> {
  override get message(): string {
    return Errno.textOf(this.code)
  }
}

/** Every way locating the resctrl root can fail (`WrongFilesystem`: mountinfo is not on procfs). */
export type RootError = IntelRdtNotAvailable | ResctrlProbeError | Mountinfo.MountinfoParseError | SystemError | WrongFilesystem

/**
 * `clos dir not accessible (must be pre-created when l3CacheSchema and
 * memBwSchema are empty): <cause>` — `apply` with only a `closID` found no
 * such group.
 */
export class ClosDirNotAccessible extends Data.TaggedError("ClosDirNotAccessible")<{ readonly cause: SystemError }> {
  override get message(): string {
    return `clos dir not accessible (must be pre-created when l3CacheSchema and memBwSchema are empty): ${this.cause.message}`
  }
}

/** `no such directory for <file>` — a write was asked for with an empty group path. */
export class NoSuchDirectory extends Data.TaggedError("NoSuchDirectory")<{ readonly file: string }> {
  override get message(): string {
    return `no such directory for ${this.file}`
  }
}

/**
 * `intelrdt: unable to write <data>: <cause>` (schemata) or
 * `intelrdt: unable to add pid <pid>: <cause>` (tasks).
 */
export class ResctrlWriteError extends Data.TaggedError("ResctrlWriteError")<{
  readonly file: "schemata" | "tasks"
  readonly data: string
  /** The failed write, or the refusal of a file that is not on resctrl (nothing written). */
  readonly cause: SystemError | WrongFilesystem
}> {
  override get message(): string {
    const what = this.file === "tasks" ? `add pid ${this.data}` : `write ${this.data}`
    return `intelrdt: unable to ${what}: ${this.cause.message}`
  }
}

/**
 * `<cause>, last_cmd_status: <status>` — runc's `newLastCmdError`: the
 * kernel's explanation from `info/last_cmd_status` added to a failure. When
 * that file cannot be read the cause is returned unwrapped instead.
 */
export class LastCmdStatus extends Data.TaggedError("LastCmdStatus")<{
  readonly cause: SystemError | NoSuchDirectory | ResctrlWriteError | LastCmdStatus
  readonly status: string
}> {
  override get message(): string {
    return `${this.cause.message}, last_cmd_status: ${this.status}`
  }
}

/** `unable to parse "<raw>" as a uint from file "<path>"` — a resctrl number file did not parse. */
export class ResctrlParseError extends Data.TaggedError("ResctrlParseError")<{
  readonly raw: string
  readonly path: string
}> {
  override get message(): string {
    return `unable to parse ${Strconv.quote(this.raw)} as a uint from file ${Strconv.quote(this.path)}`
  }
}

/** Why {@link ResctrlRemovalRefused} refused. */
export type RemovalRefusedReason =
  /** The group path is not below the resctrl root (after cleaning). */
  | "outside the resctrl root"
  /** The group path is the resctrl root itself: removing it would remove every group. */
  | "the resctrl root itself"
  /** A directory on the way, or the group, is not on the resctrl filesystem. */
  | "not on resctrl"
  /** A component below the root is a symlink or not a directory (nothing is followed). */
  | "not a directory"
  /** A directory below the group is another filesystem's mount point. */
  | "mount point"
  /** The resctrl root cannot be located, so nothing can be confirmed to be a group. */
  | "no resctrl root"

/**
 * `refusing to remove <path>: <reason>` — `destroy` was asked to remove a
 * group path that is not a resctrl group below the resctrl root, as a
 * hostile `intel_rdt_path` in state.json can ask. Nothing was removed (runc
 * would `os.RemoveAll` it).
 */
export class ResctrlRemovalRefused extends Data.TaggedError("ResctrlRemovalRefused")<{
  readonly path: string
  /** The resctrl root, or `""` when it could not be located. */
  readonly root: string
  readonly reason: RemovalRefusedReason
}> {
  override get message(): string {
    return `refusing to remove ${this.path}: ${this.reason}${this.root === "" ? "" : ` (resctrl root ${this.root})`}`
  }
}

/** Every way {@link Manager.destroy} can fail. */
export type DestroyError = SystemError | ResctrlRemovalRefused

/** Every way {@link Manager.apply} can fail. */
export type ApplyError =
  | RootError
  | ClosDirNotAccessible
  | SystemError
  | NoSuchDirectory
  | ResctrlWriteError
  | LastCmdStatus

/** Every way {@link Manager.set} can fail. */
export type SetError = NoSuchDirectory | ResctrlWriteError | LastCmdStatus

/** Every way {@link Manager.getStats} can fail (`WrongFilesystem`: a file read is not on resctrl). */
export type StatsError = RootError | SystemError | ResctrlParseError | WrongFilesystem

/** `info/L3`: the read-only L3 cache allocation parameters. */
export interface L3CacheInfo {
  readonly cbm_mask: string
  readonly min_cbm_bits: bigint
  readonly num_closids: bigint
}

/** `info/MB`: the read-only memory bandwidth allocation parameters. */
export interface MemBwInfo {
  readonly bandwidth_gran: bigint
  readonly delay_linear: bigint
  readonly min_bandwidth: bigint
  readonly num_closids: bigint
}

/** One NUMA node's memory bandwidth counters (0 when the event is not enabled). */
export interface MBMNumaNodeStats {
  readonly mbm_total_bytes: bigint
  readonly mbm_local_bytes: bigint
}

/** One NUMA node's cache occupancy. */
export interface CMTNumaNodeStats {
  readonly llc_occupancy: bigint
}

/**
 * runc's `intelrdt.Stats`, keyed as its JSON. A field is present when runc
 * would set it: the info and schema fields when CAT/MBA is enabled (a schema
 * only when a matching line exists), both lists whenever monitoring ran.
 */
export interface Stats {
  readonly l3_cache_info?: L3CacheInfo
  readonly l3_cache_schema_root?: string
  readonly l3_cache_schema?: string
  readonly mem_bw_info?: MemBwInfo
  readonly mem_bw_schema_root?: string
  readonly mem_bw_schema?: string
  readonly mbm_stats?: ReadonlyArray<MBMNumaNodeStats>
  readonly cmt_stats?: ReadonlyArray<CMTNumaNodeStats>
}

/** A container's resctrl group, as runc's `intelrdt.Manager`. */
export interface Manager {
  readonly id: string
  /** The `intel_rdt` settings it was made with (absent: every operation does nothing). */
  readonly config: Option.Option<IntelRdtConfig>
  /**
   * Puts `pid` in the group (-1: only create it): with only a `closID`, the
   * group must exist; otherwise it is created (`mkdir -p`, 0755). Remembers
   * the group path.
   */
  readonly apply: (pid: number) => Effect.Effect<void, ApplyError>
  /** Writes the schemata of `config` (not the stored one) to the group; nothing when it has none. */
  readonly set: (config: ConfigWithIntelRdt) => Effect.Effect<void, SetError>
  /**
   * Removes the group, unless a `closID` was configured (then it is someone
   * else's) — only a directory below the resctrl root and on resctrl,
   * reached without following symlinks; anything else is
   * {@link ResctrlRemovalRefused}, untouched.
   */
  readonly destroy: Effect.Effect<void, DestroyError>
  /** The group path: the one given or applied, else computed (`""` when resctrl is unavailable). */
  readonly getPath: Effect.Effect<string>
  /** The group's statistics; none when `intel_rdt` is not configured. */
  readonly getStats: Effect.Effect<Option.Option<Stats>, StatsError>
}

/** The four RDT features runc detects. */
export interface Features {
  /** Cache Allocation: `info/L3` exists. */
  readonly cat: boolean
  /** Memory Bandwidth Allocation: `info/MB` exists. */
  readonly mba: boolean
  /** Memory Bandwidth Monitoring: `info/L3_MON` lists `mbm_total_bytes` or `mbm_local_bytes`. */
  readonly mbm: boolean
  /** Cache Monitoring: `info/L3_MON` lists `llc_occupancy`. */
  readonly cmt: boolean
}

/** The Intel RDT service. */
export interface IntelRdtService {
  /** runc's `Root()`: the resctrl mount point, located once and cached (failure too). */
  readonly root: Effect.Effect<string, RootError>
  /** Which features are enabled; all false when there is no root. Detected once. */
  readonly features: Effect.Effect<Features>
  /** runc's `NewManager`: none when `intel_rdt` is absent or resctrl unavailable; nothing is touched. */
  readonly newManager: (config: ConfigWithIntelRdt, id: string, path: string) => Effect.Effect<Option.Option<Manager>>
  /** runc's internal `newManager`: a manager even without resctrl (for trees laid out by tests). */
  readonly newManagerUnchecked: (config: ConfigWithIntelRdt, id: string, path: string) => Effect.Effect<Manager>
}

/** The Intel RDT service tag. */
export class IntelRdt extends Context.Tag("effect-libcontainer/IntelRdt")<IntelRdt, IntelRdtService>() {}

/**
 * The file operations and probes the RDT rules need, with Go's semantics:
 * `writeFile` is `os.WriteFile(path, data, 0o600)`, `readDirectory` is
 * `os.ReadDir` (sorted by name). The other calls are the `Filesystem`
 * port's calls of the same name.
 */
export interface ResctrlHost {
  /** `statfs(2)`: the filesystem type (`f_type`). */
  readonly statfs: (path: string) => Effect.Effect<number, SystemError>
  /** The content of `/proc/self/mountinfo`, bounded (and on procfs, outside test mode). */
  readonly readMountinfo: Effect.Effect<Uint8Array, SystemError | WrongFilesystem>
  /** `os.Stat`: succeeds when the path exists. */
  readonly stat: (path: string) => Effect.Effect<void, SystemError>
  /** `os.MkdirAll(path, mode)`. */
  readonly makeDirectoryAll: (path: string, mode: number) => Effect.Effect<void, SystemError>
  /** `os.WriteFile(path, data, 0o600)`: no filesystem check (test mode). */
  readonly writeFile: (path: string, data: string) => Effect.Effect<void, SystemError>
  readonly writeFileOn: FilesystemService["writeFileOn"]
  /** `os.ReadFile(path)`, bounded: no filesystem check (test mode). */
  readonly readFile: FilesystemService["readFile"]
  readonly readFileOn: FilesystemService["readFileOn"]
  /** `os.ReadDir(path)`: entries sorted by name. */
  readonly readDirectory: FilesystemService["readDirectory"]
  readonly openDirectory: FilesystemService["openDirectory"]
}

/** The most one resctrl file read takes: 1 MiB (a schemata line per domain is a few dozen bytes). */
export const maxFileBytes = 1024 * 1024

const decoder = new TextDecoder()

const intelRdtOf = (config: ConfigWithIntelRdt): Option.Option<IntelRdtConfig> => Option.fromNullable(config.intel_rdt)

/** runc's `Root()` probe: statfs of the default mount point, then the first resctrl entry of mountinfo. */
const locateRoot = (host: ResctrlHost): Effect.Effect<string, RootError> =>
  Effect.gen(function*() {
    const type = yield* host.statfs(R.defaultMountpoint).pipe(
      Effect.mapError((e) => e.code === "ENOENT" ? new IntelRdtNotAvailable() : new ResctrlProbeError({ code: e.code }))
    )
    if (type === R.RDTGROUP_SUPER_MAGIC) return R.defaultMountpoint
    const mounts = yield* Mountinfo.parse(yield* host.readMountinfo, Mountinfo.firstOfType("resctrl"))
    const first = mounts[0]
    if (first === undefined) return yield* new IntelRdtNotAvailable()
    return first.mountpoint
  })

/** How a service is put together from a host: where the root comes from, and whether files are checked. */
interface MakeOptions {
  /** A fixed root: no probing (how runc's tests point the package at a temp dir). */
  readonly root?: string
  /** Whether files and groups must be on resctrl (off only for test trees, like runc's test mode). */
  readonly checkFileType: boolean
}

const resctrlTypes: ReadonlyArray<number> = [RDTGROUP_SUPER_MAGIC]

/** Builds the service over a host; root and features are computed once per service. */
const make = (host: ResctrlHost, options: MakeOptions): Effect.Effect<IntelRdtService> =>
  Effect.gen(function*() {
    const root = options.root === undefined
      ? yield* Effect.cached(locateRoot(host))
      : Effect.succeed(options.root)
    const checked = options.checkFileType

    const exists = (path: string) => Effect.isSuccess(host.stat(path))

    const read = (path: string): Effect.Effect<Uint8Array, SystemError | WrongFilesystem> =>
      checked ? host.readFileOn(path, resctrlTypes, { maxBytes: maxFileBytes }) : host.readFile(path, { maxBytes: maxFileBytes })

    const write = (path: string, data: string): Effect.Effect<void, SystemError | WrongFilesystem> =>
      checked ? host.writeFileOn(path, new TextEncoder().encode(data), resctrlTypes) : host.writeFile(path, data)

    const readString = (dir: string, file: string) =>
      Effect.map(read(R.join(dir, file)), (bytes) => R.trimSpace(decoder.decode(bytes)))

    const readUint = (dir: string, file: string) =>
      Effect.flatMap(read(R.join(dir, file)), (bytes) => {
        const raw = decoder.decode(bytes)
        return Option.match(R.parseUint(R.trimSpace(raw)), {
          onNone: () => Effect.fail(new ResctrlParseError({ raw, path: R.join(dir, file) })),
          onSome: Effect.succeed
        })
      })

    const detect = Effect.gen(function*() {
      const none = { cat: false, mba: false, mbm: false, cmt: false, mon: R.parseMonFeatures("").features }
      const found = yield* Effect.option(root)
      if (Option.isNone(found)) return none
      const info = R.join(found.value, "info")
      const cat = yield* exists(R.join(info, "L3"))
      const mba = yield* exists(R.join(info, "MB"))
      if (!(yield* exists(R.join(info, "L3_MON")))) return { ...none, cat, mba }
      const content = yield* Effect.option(read(R.join(info, "L3_MON", "mon_features")))
      if (Option.isNone(content)) return { ...none, cat, mba }
      const parsed = R.parseMonFeatures(decoder.decode(content.value))
      for (const line of parsed.unsupported) {
        yield* Effect.logWarning(`Unsupported Intel RDT monitoring feature: ${line}`)
      }
      const mon = parsed.features
      return { cat, mba, mbm: mon.mbmTotalBytes || mon.mbmLocalBytes, cmt: mon.llcOccupancy, mon }
    })
    const detected = yield* Effect.cached(detect)

    /** runc's `newLastCmdError`: adds `last_cmd_status` when it can be read. */
    const withLastCmd = <E extends SystemError | NoSuchDirectory | ResctrlWriteError | LastCmdStatus>(
      cause: E
    ): Effect.Effect<never, E | LastCmdStatus> =>
      Effect.flatMap(
        Effect.either(Effect.flatMap(root, (r) => readString(R.join(r, "info"), "last_cmd_status"))),
        (status) => Effect.fail(Either.isRight(status) ? new LastCmdStatus({ cause, status: status.right }) : cause)
      )

    const writeTasks = (
      dir: string,
      pid: number
    ): Effect.Effect<void, NoSuchDirectory | ResctrlWriteError | LastCmdStatus> => {
      if (dir === "") return Effect.fail(new NoSuchDirectory({ file: "tasks" }))
      if (pid === -1) return Effect.void
      return Effect.catchAll(
        write(R.join(dir, "tasks"), String(pid)),
        (cause) => withLastCmd(new ResctrlWriteError({ file: "tasks", data: String(pid), cause }))
      )
    }

    const writeSchemata = (dir: string, data: string): Effect.Effect<void, SetError> => {
      if (dir === "") return Effect.fail(new NoSuchDirectory({ file: "schemata" }))
      return Effect.catchAll(
        write(R.join(dir, "schemata"), data + "\n"),
        (cause) => withLastCmd(new ResctrlWriteError({ file: "schemata", data, cause }))
      )
    }

    const monitoringStats = (groupPath: string, flags: Features & { readonly mon: R.MonFeatures }) =>
      Effect.gen(function*() {
        const monData = R.join(groupPath, "mon_data")
        const entries = yield* host.readDirectory(monData)
        const mbm: Array<MBMNumaNodeStats> = []
        const cmt: Array<CMTNumaNodeStats> = []
        for (const entry of entries) {
          if (entry.type !== "Directory") continue
          const node = R.join(monData, entry.name)
          if (flags.mbm) {
            mbm.push({
              mbm_total_bytes: flags.mon.mbmTotalBytes ? yield* readUint(node, "mbm_total_bytes") : 0n,
              mbm_local_bytes: flags.mon.mbmLocalBytes ? yield* readUint(node, "mbm_local_bytes") : 0n
            })
          }
          if (flags.cmt) {
            cmt.push({ llc_occupancy: flags.mon.llcOccupancy ? yield* readUint(node, "llc_occupancy") : 0n })
          }
        }
        return { mbm_stats: mbm, cmt_stats: cmt }
      })

    /** `{ [key]: last line mentioning needle, trimmed }`, or nothing (runc overwrites while it scans). */
    const lastLineWith = <K extends string>(key: K, lines: ReadonlyArray<string>, needle: string) => {
      let found: string | undefined
      for (const line of lines) if (line.includes(needle)) found = line
      return (found === undefined ? {} : { [key]: R.trimSpace(found) }) as { readonly [P in K]?: string }
    }

    /**
     * runc's `os.RemoveAll(group)`, confined: the group must be below the
     * root (lexically, then walked from the root's descriptor without
     * following anything) and on resctrl; a plain `rmdir` removes a real
     * group, a test tree is emptied first.
     */
    const removeGroup = (target: string): Effect.Effect<void, DestroyError> =>
      Effect.gen(function*() {
        const refused = (rootPath: string, reason: RemovalRefusedReason) =>
          new ResctrlRemovalRefused({ path: target, root: rootPath, reason })
        const rootPath = yield* Effect.mapError(root, () => refused("", "no resctrl root"))
        const base = Path.clean(rootPath)
        const cleaned = Path.clean(target)
        if (cleaned === base) return yield* refused(rootPath, "the resctrl root itself")
        const prefix = base === "/" ? "/" : `${base}/`
        if (!cleaned.startsWith(prefix)) return yield* refused(rootPath, "outside the resctrl root")
        yield* removeAllInRoot(host.openDirectory)(
          base,
          cleaned.slice(prefix.length),
          checked ? { filesystemTypes: resctrlTypes } : {}
        ).pipe(
          Effect.catchTags({
            NotConfined: (e) => Effect.fail(refused(rootPath, e.reason === "mount point" ? "mount point" : "not a directory")),
            WrongFilesystem: () => Effect.fail(refused(rootPath, "not on resctrl"))
          })
        )
      })

    const newManagerUnchecked = Effect.fn("IntelRdt.newManagerUnchecked")(function*(
      config: ConfigWithIntelRdt,
      id: string,
      initialPath: string
    ) {
      const rdt = intelRdtOf(config)
      const lock = yield* Effect.makeSemaphore(1)
      let path = initialPath

      const groupPath = Effect.map(root, (r) => {
        const closID = Option.getOrUndefined(rdt)?.closID ?? ""
        return R.join(r, closID !== "" ? closID : id)
      })

      const getPath = Effect.suspend(() => {
        if (path !== "") return Effect.succeed(path)
        return Effect.map(Effect.orElseSucceed(groupPath, () => ""), (computed) => {
          path = computed
          return computed
        })
      })

      const apply = Effect.fn("IntelRdt.apply")(function*(pid: number) {
        if (Option.isNone(rdt)) return
        const target = yield* groupPath
        const { closID = "", l3_cache_schema = "", memBwSchema = "" } = rdt.value
        yield* lock.withPermits(1)(Effect.gen(function*() {
          if (closID !== "" && l3_cache_schema === "" && memBwSchema === "") {
            yield* Effect.mapError(host.stat(target), (cause) => new ClosDirNotAccessible({ cause }))
          }
          yield* Effect.catchAll(host.makeDirectoryAll(target, 0o755), withLastCmd)
          yield* Effect.catchAll(writeTasks(target, pid), withLastCmd)
          path = target
        }))
      })

      const set = Effect.fn("IntelRdt.set")(function*(next: ConfigWithIntelRdt) {
        const wanted = intelRdtOf(next)
        if (Option.isNone(wanted)) return
        const { l3_cache_schema: l3 = "", memBwSchema: mb = "" } = wanted.value
        const data = l3 !== "" && mb !== "" ? `${l3}\n${mb}` : l3 !== "" ? l3 : mb
        if (data === "") return
        yield* writeSchemata(yield* getPath, data)
      })

      const destroy = Effect.suspend((): Effect.Effect<void, DestroyError> => {
        if (Option.isNone(rdt) || (rdt.value.closID ?? "") !== "") return Effect.void
        return lock.withPermits(1)(Effect.gen(function*() {
          const target = yield* getPath
          if (target !== "") yield* removeGroup(target)
          path = ""
        }))
      }).pipe(Effect.withSpan("IntelRdt.destroy"))

      const getStats = Effect.suspend(() => {
        if (Option.isNone(rdt)) return Effect.succeed(Option.none<Stats>())
        return lock.withPermits(1)(Effect.gen(function*() {
          const rootPath = yield* root
          const rootLines = (yield* readString(rootPath, "schemata")).split("\n")
          const groupPath = yield* getPath
          const lines = (yield* readString(groupPath, "schemata")).split("\n")
          const flags = yield* detected
          const schemas = <K extends string, L extends string>(rootKey: K, key: L, needle: string) => ({
            ...lastLineWith(rootKey, rootLines, needle),
            ...lastLineWith(key, lines, needle)
          })
          let stats: Stats = {}
          if (flags.cat) {
            const dir = R.join(rootPath, "info", "L3")
            const l3_cache_info: L3CacheInfo = {
              cbm_mask: yield* readString(dir, "cbm_mask"),
              min_cbm_bits: yield* readUint(dir, "min_cbm_bits"),
              num_closids: yield* readUint(dir, "num_closids")
            }
            stats = { ...stats, l3_cache_info, ...schemas("l3_cache_schema_root", "l3_cache_schema", "L3") }
          }
          if (flags.mba) {
            const dir = R.join(rootPath, "info", "MB")
            const mem_bw_info: MemBwInfo = {
              bandwidth_gran: yield* readUint(dir, "bandwidth_gran"),
              delay_linear: yield* readUint(dir, "delay_linear"),
              min_bandwidth: yield* readUint(dir, "min_bandwidth"),
              num_closids: yield* readUint(dir, "num_closids")
            }
            stats = { ...stats, mem_bw_info, ...schemas("mem_bw_schema_root", "mem_bw_schema", "MB") }
          }
          if (flags.mbm || flags.cmt) stats = { ...stats, ...(yield* monitoringStats(groupPath, flags)) }
          return Option.some(stats)
        }))
      }).pipe(Effect.withSpan("IntelRdt.getStats"))

      return { id, config: rdt, apply, set, destroy, getPath, getStats } satisfies Manager
    })

    const newManager = Effect.fn("IntelRdt.newManager")(function*(
      config: ConfigWithIntelRdt,
      id: string,
      path: string
    ) {
      if (Option.isNone(intelRdtOf(config))) return Option.none<Manager>()
      if (Either.isLeft(yield* Effect.either(root))) return Option.none<Manager>()
      return Option.some(yield* newManagerUnchecked(config, id, path))
    })

    const features = Effect.map(detected, ({ cat, cmt, mba, mbm }): Features => ({ cat, mba, mbm, cmt }))

    return { root, features, newManager, newManagerUnchecked } satisfies IntelRdtService
  })

/** Options of {@link layerNode}. */
export interface NodeOptions {
  /**
   * Use this directory as the resctrl root without probing — how runc's
   * tests point the package at a tree they laid out. Default: probe
   * `/sys/fs/resctrl`, then `/proc/self/mountinfo`.
   */
  readonly resctrlRoot?: string
  /** Where to read mountinfo from; default `/proc/self/mountinfo`. */
  readonly mountinfoPath?: string
  /** The `statfs(2)` probe (the {@link Filesystem}'s by default); tests replace it. */
  readonly statfs?: (path: string) => Effect.Effect<number, SystemError>
  /**
   * Whether resctrl files and groups must be on resctrl and mountinfo on
   * procfs, checked on every opened descriptor; default true. Off only for
   * trees laid out by tests (with `resctrlRoot`), like runc's test mode.
   */
  readonly checkFileType?: boolean
}

/** The real layer: resctrl through the {@link Filesystem} service. */
export const layerNode = (options: NodeOptions = {}): Layer.Layer<IntelRdt, never, Filesystem> =>
  Layer.effect(
    IntelRdt,
    Effect.flatMap(Filesystem, (fs) => {
      const checkFileType = options.checkFileType ?? true
      return make(
        NodeResctrl.makeHost(fs, {
          statfs: options.statfs ?? fs.statfs,
          mountinfoPath: options.mountinfoPath ?? "/proc/self/mountinfo",
          checkFileType
        }),
        options.resctrlRoot === undefined ? { checkFileType } : { root: options.resctrlRoot, checkFileType }
      )
    })
  )

/**
 * The simulated resctrl as a host; every call reads the model when the
 * effect runs. Paths the model does not serve go to `outside` (the rest of
 * the simulated host) when given.
 */
const memoryHost = (resctrl: Resctrl, outside: ResctrlHost | undefined): ResctrlHost => {
  const own: ResctrlHost = {
    statfs: (path) => Effect.suspend(() => resctrl.statfs(path)),
    readMountinfo: Effect.sync(() => new TextEncoder().encode(resctrl.mountinfo())),
    stat: (path) => Effect.suspend(() => resctrl.stat(path)),
    makeDirectoryAll: (path, mode) => Effect.suspend(() => resctrl.makeDirectoryAll(path, mode)),
    writeFile: (path, data) => Effect.suspend(() => resctrl.writeFile(path, data)),
    writeFileOn: (path, data, types) => Effect.suspend(() => resctrl.writeFileOn(path, decoder.decode(data), types)),
    readFile: (path, options) => Effect.suspend(() => resctrl.readFile(path, options?.maxBytes)),
    readFileOn: (path, types, options) => Effect.suspend(() => resctrl.readFileOn(path, types, options?.maxBytes)),
    readDirectory: (path) => Effect.suspend(() => resctrl.readDirectory(path)),
    openDirectory: (path) => Effect.suspend(() => resctrl.openDirectory(path))
  }
  if (outside === undefined) return own
  const route = <Args extends [string, ...Array<unknown>], R>(pick: (host: ResctrlHost) => (...args: Args) => R) =>
  (...args: Args): R => pick(resctrl.serves(args[0]) ? own : outside)(...args)
  return {
    statfs: route((h) => h.statfs),
    readMountinfo: own.readMountinfo,
    stat: route((h) => h.stat),
    makeDirectoryAll: route((h) => h.makeDirectoryAll),
    writeFile: route((h) => h.writeFile),
    writeFileOn: route((h) => h.writeFileOn),
    readFile: route((h) => h.readFile),
    readFileOn: route((h) => h.readFileOn),
    readDirectory: route((h) => h.readDirectory),
    openDirectory: route((h) => h.openDirectory)
  }
}

/**
 * The memory layer over a given simulated resctrl, so tests can shape and
 * inspect it; with `outside` (the simulated host's filesystem), paths the
 * model does not serve are that filesystem's, so a hostile group path meets
 * the same checks as on a real host.
 */
export const layerMemoryFrom = (resctrl: Resctrl, outside?: FilesystemService): Layer.Layer<IntelRdt> =>
  Layer.effect(
    IntelRdt,
    make(
      memoryHost(
        resctrl,
        outside === undefined
          ? undefined
          : NodeResctrl.makeHost(outside, { statfs: outside.statfs, mountinfoPath: "/proc/self/mountinfo", checkFileType: true })
      ),
      { checkFileType: true }
    )
  )

/** The memory layer over a host without RDT (what the simulated host has by default). */
export const layerMemory: Layer.Layer<IntelRdt> = Layer.suspend(() => layerMemoryFrom(new Resctrl()))
