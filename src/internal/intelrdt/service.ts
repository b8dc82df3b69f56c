/**
 * runc's Intel RDT rules over the Filesystem port (`IntelRdt.make`):
 * locating resctrl, detecting features, and the per-container manager.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { SystemError } from "../../ContainerError.js"
import type { FilesystemService } from "../../Filesystem.js"
import type {
  CMTNumaNodeStats,
  ConfigWithIntelRdt,
  DestroyError,
  Features,
  IntelRdtConfig,
  IntelRdtService,
  L3CacheInfo,
  Manager,
  MBMNumaNodeStats,
  MemBwInfo,
  Options,
  SetError,
  Stats
} from "../../IntelRdt.js"
import { PROC_SUPER_MAGIC, RDTGROUP_SUPER_MAGIC, type WrongFilesystem } from "../filesystemType.js"
import * as Mountinfo from "../mountinfo.js"
import * as Path from "../path.js"
import {
  ClosDirNotAccessible,
  IntelRdtNotAvailable,
  LastCmdStatus,
  NoSuchDirectory,
  type RemovalRefusedReason,
  ResctrlParseError,
  ResctrlProbeError,
  ResctrlRemovalRefused,
  ResctrlWriteError,
  type RootError
} from "./errors.js"
import * as R from "./resctrl.js"

/** The most one resctrl file read takes: 1 MiB (a schemata line per domain is a few dozen bytes). */
export const maxFileBytes = 1024 * 1024

const decoder = new TextDecoder()
const encoder = new TextEncoder()

const intelRdtOf = (config: ConfigWithIntelRdt): Option.Option<IntelRdtConfig> => Option.fromNullable(config.intel_rdt)

/**
 * runc's `Root()` probe: statfs of the default mount point, then the first
 * resctrl entry of mountinfo — read bounded and, outside test mode, only
 * from procfs.
 */
const locateRoot = (fs: FilesystemService, options: Options): Effect.Effect<string, RootError> =>
  Effect.gen(function*() {
    const type = yield* fs.statfs(R.defaultMountpoint).pipe(
      Effect.mapError((e) => e.code === "ENOENT" ? new IntelRdtNotAvailable() : new ResctrlProbeError({ code: e.code }))
    )
    if (type === R.RDTGROUP_SUPER_MAGIC) return R.defaultMountpoint
    const path = options.mountinfoPath ?? "/proc/self/mountinfo"
    const content = yield* (options.checkFileType ?? true)
      ? fs.readFileOn(path, [PROC_SUPER_MAGIC], { maxBytes: Mountinfo.maxBytes })
      : fs.readFile(path, { maxBytes: Mountinfo.maxBytes })
    const mounts = yield* Mountinfo.parse(content, Mountinfo.firstOfType("resctrl"))
    const first = mounts[0]
    if (first === undefined) return yield* new IntelRdtNotAvailable()
    return first.mountpoint
  })

const resctrlTypes: ReadonlyArray<number> = [RDTGROUP_SUPER_MAGIC]

/** The service over a filesystem (`IntelRdt.make`); root and features are computed once per service. */
export const make = (fs: FilesystemService, options: Options): Effect.Effect<IntelRdtService> =>
  Effect.gen(function*() {
    const root = options.resctrlRoot === undefined
      ? yield* Effect.cached(locateRoot(fs, options))
      : Effect.succeed(options.resctrlRoot)
    const checked = options.checkFileType ?? true

    const exists = (path: string) => Effect.isSuccess(fs.stat(path))

    const read = (path: string): Effect.Effect<Uint8Array, SystemError | WrongFilesystem> =>
      checked ? fs.readFileOn(path, resctrlTypes, { maxBytes: maxFileBytes }) : fs.readFile(path, { maxBytes: maxFileBytes })

    /** runc's `os.WriteFile(path, data, 0o600)`; outside test mode, only to an existing file on resctrl. */
    const write = (path: string, data: string): Effect.Effect<void, SystemError | WrongFilesystem> =>
      checked
        ? fs.writeFileOn(path, encoder.encode(data), resctrlTypes)
        : fs.writeFile(path, encoder.encode(data), { flag: "truncate", mode: 0o600 })

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
        const entries = yield* fs.readDirectory(monData)
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
        yield* fs.removeAllInRoot(
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
            yield* Effect.mapError(fs.stat(target), (cause) => new ClosDirNotAccessible({ cause }))
          }
          yield* Effect.catchAll(fs.makeDirectoryAll(target, 0o755), withLastCmd)
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

