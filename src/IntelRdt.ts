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
import { Resctrl } from "./internal/memory/Resctrl.js"
import * as Mountinfo from "./internal/mountinfo.js"
import * as NodeResctrl from "./internal/node/resctrl.js"
import * as R from "./internal/resctrl.js"
import * as Strconv from "./internal/strconv.js"
import { Filesystem, type DirectoryEntry } from "./Filesystem.js"

export {
  /** The simulated resctrl filesystem behind {@link layerMemoryFrom}. */
  Resctrl
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

/** Every way locating the resctrl root can fail. */
export type RootError = IntelRdtNotAvailable | ResctrlProbeError | Mountinfo.MountinfoParseError | SystemError

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
  readonly cause: SystemError
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

/** Every way {@link Manager.getStats} can fail. */
export type StatsError = RootError | SystemError | ResctrlParseError

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
  /** Removes the group, unless a `closID` was configured (then it is someone else's). */
  readonly destroy: Effect.Effect<void, SystemError>
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
 * `writeFile` is `os.WriteFile(path, data, 0o600)`, `removeAll` is
 * `os.RemoveAll`, `readDirectory` is `os.ReadDir` (sorted by name).
 */
export interface ResctrlHost {
  /** `statfs(2)`: the filesystem type (`f_type`). */
  readonly statfs: (path: string) => Effect.Effect<number, SystemError>
  /** The content of `/proc/self/mountinfo`. */
  readonly readMountinfo: Effect.Effect<Uint8Array, SystemError>
  /** `os.Stat`: succeeds when the path exists. */
  readonly stat: (path: string) => Effect.Effect<void, SystemError>
  /** `os.MkdirAll(path, mode)`. */
  readonly makeDirectoryAll: (path: string, mode: number) => Effect.Effect<void, SystemError>
  /** `os.WriteFile(path, data, 0o600)`. */
  readonly writeFile: (path: string, data: string) => Effect.Effect<void, SystemError>
  /** `os.ReadFile(path)`. */
  readonly readFile: (path: string) => Effect.Effect<Uint8Array, SystemError>
  /** `os.ReadDir(path)`: entries sorted by name. */
  readonly readDirectory: (path: string) => Effect.Effect<ReadonlyArray<DirectoryEntry>, SystemError>
  /** `os.RemoveAll(path)`: a missing path is success. */
  readonly removeAll: (path: string) => Effect.Effect<void, SystemError>
}

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

/** How a service is put together from a host: where the root comes from. */
interface MakeOptions {
  /** A fixed root: no probing (how runc's tests point the package at a temp dir). */
  readonly root?: string
}

/** Builds the service over a host; root and features are computed once per service. */
const make = (host: ResctrlHost, options: MakeOptions = {}): Effect.Effect<IntelRdtService> =>
  Effect.gen(function*() {
    const root = options.root === undefined
      ? yield* Effect.cached(locateRoot(host))
      : Effect.succeed(options.root)

    const exists = (path: string) => Effect.isSuccess(host.stat(path))

    const readString = (dir: string, file: string) =>
      Effect.map(host.readFile(R.join(dir, file)), (bytes) => R.trimSpace(decoder.decode(bytes)))

    const readUint = (dir: string, file: string) =>
      Effect.flatMap(host.readFile(R.join(dir, file)), (bytes) => {
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
      const content = yield* Effect.option(host.readFile(R.join(info, "L3_MON", "mon_features")))
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
        host.writeFile(R.join(dir, "tasks"), String(pid)),
        (cause) => withLastCmd(new ResctrlWriteError({ file: "tasks", data: String(pid), cause }))
      )
    }

    const writeSchemata = (dir: string, data: string): Effect.Effect<void, SetError> => {
      if (dir === "") return Effect.fail(new NoSuchDirectory({ file: "schemata" }))
      return Effect.catchAll(
        host.writeFile(R.join(dir, "schemata"), data + "\n"),
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

      const destroy = Effect.suspend(() => {
        if (Option.isNone(rdt) || (rdt.value.closID ?? "") !== "") return Effect.void
        return lock.withPermits(1)(Effect.gen(function*() {
          const target = yield* getPath
          if (target !== "") yield* host.removeAll(target)
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
  /** The `statfs(2)` probe (node's `fs.statfs` by default); tests replace it. */
  readonly statfs?: (path: string) => Effect.Effect<number, SystemError>
}

/** The real layer: resctrl through the {@link Filesystem} service. */
export const layerNode = (options: NodeOptions = {}): Layer.Layer<IntelRdt, never, Filesystem> =>
  Layer.effect(
    IntelRdt,
    Effect.flatMap(Filesystem, (fs) =>
      make(
        NodeResctrl.makeHost(fs, {
          statfs: options.statfs ?? NodeResctrl.statfs,
          mountinfoPath: options.mountinfoPath ?? "/proc/self/mountinfo"
        }),
        options.resctrlRoot === undefined ? {} : { root: options.resctrlRoot }
      ))
  )

/** The simulated resctrl as a host; every call reads the model when the effect runs. */
const memoryHost = (resctrl: Resctrl): ResctrlHost => ({
  statfs: (path) => Effect.suspend(() => resctrl.statfs(path)),
  readMountinfo: Effect.sync(() => new TextEncoder().encode(resctrl.mountinfo())),
  stat: (path) => Effect.suspend(() => resctrl.stat(path)),
  makeDirectoryAll: (path, mode) => Effect.suspend(() => resctrl.makeDirectoryAll(path, mode)),
  writeFile: (path, data) => Effect.suspend(() => resctrl.writeFile(path, data)),
  readFile: (path) => Effect.suspend(() => resctrl.readFile(path)),
  readDirectory: (path) => Effect.suspend(() => resctrl.readDirectory(path)),
  removeAll: (path) => Effect.suspend(() => resctrl.removeAll(path))
})

/** The memory layer over a given simulated resctrl, so tests can shape and inspect it. */
export const layerMemoryFrom = (resctrl: Resctrl): Layer.Layer<IntelRdt> =>
  Layer.effect(IntelRdt, make(memoryHost(resctrl)))

/** The memory layer over a host without RDT (what the simulated host has by default). */
export const layerMemory: Layer.Layer<IntelRdt> = Layer.suspend(() => layerMemoryFrom(new Resctrl()))
