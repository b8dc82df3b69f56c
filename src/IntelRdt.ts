/**
 * The Intel RDT port: resctrl as runc's `intelrdt` package drives it
 * (`libcontainer/intelrdt/intelrdt.go`) — locating the resctrl filesystem,
 * detecting CAT, MBA, MBM and CMT, and the per-container manager
 * `NewManager` returns (`apply`, `set`, `destroy`, `getPath`, `getStats`),
 * with runc's error texts.
 *
 * It needs nothing from a host but its filesystem: {@link make} builds the
 * service over the Filesystem port (`statfs`, mountinfo, the resctrl files),
 * {@link layer} over the Filesystem in context — this machine's, or the
 * simulated host's, whose tree mounts a simulated resctrl with the kernel's
 * validation and `last_cmd_status` texts.
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
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type { SystemError } from "./ContainerError.js"
import { Filesystem, type FilesystemService } from "./Filesystem.js"
import type {
  ClosDirNotAccessible,
  LastCmdStatus,
  NoSuchDirectory,
  ResctrlParseError,
  ResctrlRemovalRefused,
  ResctrlWriteError,
  RootError
} from "./internal/intelrdt/errors.js"
import * as Service from "./internal/intelrdt/service.js"
import type { WrongFilesystem } from "./internal/filesystemType.js"

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

export {
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
} from "./internal/intelrdt/errors.js"

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

/** Options of {@link make} and {@link layerWith}. */
export interface Options {
  /**
   * Use this directory as the resctrl root without probing — how runc's
   * tests point the package at a tree they laid out. Default: probe
   * `/sys/fs/resctrl`, then `/proc/self/mountinfo`.
   */
  readonly resctrlRoot?: string
  /** Where to read mountinfo from; default `/proc/self/mountinfo`. */
  readonly mountinfoPath?: string
  /**
   * Whether resctrl files and groups must be on resctrl and mountinfo on
   * procfs, checked on every opened descriptor; default true. Off only for
   * trees laid out by tests (with `resctrlRoot`), like runc's test mode.
   */
  readonly checkFileType?: boolean
}

/** The most one resctrl file read takes: 1 MiB (a schemata line per domain is a few dozen bytes). */
export const maxFileBytes: number = Service.maxFileBytes

/** The service over a filesystem; the root and the features are located once, on first use. */
export const make = (fs: FilesystemService, options: Options = {}): Effect.Effect<IntelRdtService> =>
  Service.make(fs, options)

/** The service over the {@link Filesystem} in context, with options. */
export const layerWith = (options: Options): Layer.Layer<IntelRdt, never, Filesystem> =>
  Layer.effect(IntelRdt, Effect.flatMap(Filesystem, (fs) => make(fs, options)))

/** The service over the {@link Filesystem} in context: resctrl wherever this host mounts it. */
export const layer: Layer.Layer<IntelRdt, never, Filesystem> = layerWith({})
