/**
 * runc's container factory: {@link create} and {@link load}
 * (`libcontainer/factory_linux.go`), and {@link list}, what `runc list`
 * does with them. Every step runs in runc's order with runc's messages; the
 * differences are deliberate and listed in docs/compatibility.md.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { CgroupError, CgroupManager, isNotExistOrNoDevice } from "./CgroupManager.js"
import type * as Config from "./Config.js"
import * as ContainerModel from "./container/model.js"
import { loaded, stopped } from "./container/stateMachine.js"
import { refreshed, type RefreshError } from "./container/status.js"
import type { Container } from "./Container.js"
import * as ContainerId from "./ContainerId.js"
import {
  CgroupFreezerUnavailable,
  CgroupFrozen,
  CgroupNotEmpty,
  CgroupPidsUnavailable,
  ErrExist,
  type ErrInvalidID,
  ErrNotExist,
  ErrRootNotSet,
  StateCorrupt,
  SystemError
} from "./ContainerError.js"
import { type DirectoryEntry, Filesystem, type FilesystemService } from "./Filesystem.js"
import { IntelRdt } from "./IntelRdt.js"
import { zeroTime } from "./internal/json/GoSchema.js"
import { clean } from "./internal/path.js"
import type { Processes } from "./Processes.js"
import { secureJoinVFS } from "./SecureJoin.js"
import * as State from "./State.js"
import * as Validate from "./Validate.js"

/** The services Create, Load and list work with. */
export type Services = Filesystem | CgroupManager | IntelRdt | Processes

/** Everything {@link create} can fail with. */
export type CreateError =
  | ErrRootNotSet
  | ErrInvalidID
  | Validate.ConfigInvalid
  | SystemError
  | ErrExist
  | CgroupError
  | CgroupPidsUnavailable
  | CgroupNotEmpty
  | CgroupFreezerUnavailable
  | CgroupFrozen

/** Everything {@link load} can fail with. */
export type LoadError =
  | ErrRootNotSet
  | ErrInvalidID
  | ErrNotExist
  | SystemError
  | StateCorrupt
  | CgroupError
  | RefreshError

/** The largest state.json Load reads; a bigger one is {@link StateCorrupt}. */
export const maxStateBytes = 16 * 1024 * 1024

/** Options of {@link create}. */
export interface CreateOptions {
  /**
   * The validation rules (`Validate.ValidateOptions.rules`): this library's
   * by default; `"runc-1.1.5"` for a container made as runc 1.1.5 makes it.
   */
  readonly rules?: Validate.Rules
}

/**
 * runc's `Create(root, id, config)`: checks the root and id, validates the
 * config, makes the root (0o700), refuses an existing container
 * ({@link ErrExist}) or a cgroup that has processes or is frozen, then makes
 * the state dir (0o711). Nothing is written to it and no process starts: the
 * container is `stopped` until something saves a state for it.
 *
 * Unlike runc, Creates in one root take turns — an exclusive `flock` on
 * the root dir, held from the existence check to the mkdir — and two
 * Creates of one id racing each other never see a raw `mkdir … file
 * exists`: every loser gets {@link ErrExist}.
 */
export const create: (
  root: string,
  id: string,
  config: Config.Config,
  options?: CreateOptions
) => Effect.Effect<Container, CreateError, Services> = Effect.fn("Factory.create")(
  function*(root: string, id: string, config: Config.Config, options: CreateOptions = {}) {
    if (root === "") return yield* new ErrRootNotSet()
    yield* ContainerId.validate(id)
    yield* Validate.validate(config, options.rules === undefined ? {} : { rules: options.rules })
    const fs = yield* Filesystem
    yield* fs.makeDirectoryAll(root, 0o700)
    // Creates in one root take turns (flock on the root dir), so the stat
    // and cgroup checks below are never interleaved with another create.
    yield* fs.lockDirectory(root, "exclusive")
    const stateDir = yield* secureJoinVFS(root, id, fs)
    const exists = yield* fs.stat(stateDir).pipe(
      Effect.as(true),
      Effect.catchIf((e) => e.code === "ENOENT", () => Effect.succeed(false))
    )
    if (exists) return yield* new ErrExist()
    const cgroups = yield* CgroupManager
    const manager = yield* cgroups.new(config.cgroups)
    if (yield* manager.exists) {
      const pids = yield* manager.getAllPids.pipe(
        Effect.catchIf(isNotExistOrNoDevice, () => Effect.succeed([] as ReadonlyArray<number>)),
        Effect.mapError((cause) => new CgroupPidsUnavailable({ cause }))
      )
      if (pids.length > 0) return yield* new CgroupNotEmpty({ count: pids.length })
    }
    const freezer = yield* manager.getFreezerState.pipe(
      Effect.mapError((cause) => new CgroupFreezerUnavailable({ cause }))
    )
    if (freezer === "FROZEN") return yield* new CgroupFrozen()
    yield* fs.makeDirectory(stateDir, 0o711).pipe(
      Effect.catchIf((e) => e.code === "EEXIST", () => new ErrExist())
    )
    const rootInfo = yield* fs.stat(root)
    const intelRdtManager = yield* intelRdtManagerFor(config, id, "")
    return yield* ContainerModel.make({
      id,
      root,
      stateDir,
      config,
      cgroupManager: manager,
      intelRdtManager,
      rootIdentity: Option.some({ dev: rootInfo.dev, ino: rootInfo.ino }),
      initProcess: Option.none(),
      created: zeroTime,
      state: stopped
    })
  },
  Effect.scoped
)

/** The Intel RDT manager, asked for only when the config has `intel_rdt`: without it there is never one. */
const intelRdtManagerFor = (config: Config.Config, id: string, path: string) =>
  config.intel_rdt == null ? Effect.succeedNone : Effect.flatMap(IntelRdt, (rdt) => rdt.newManager(config, id, path))

/**
 * runc's `loadState`: state.json read through `openat2(RESOLVE_IN_ROOT)`
 * at the path runc's SecureJoin would pick, so a symlink swapped in during
 * the call cannot lead outside the root; only a regular file, at most
 * {@link maxStateBytes}, opened without blocking (a FIFO cannot hang us).
 */
const loadState = (fs: FilesystemService, root: string, stateDir: string) =>
  Effect.gen(function*() {
    const path = yield* secureJoinVFS(stateDir, State.stateFilename, fs)
    const base = clean(root)
    const inRoot = path.startsWith(base) ? path.slice(base.length) : path
    const file = yield* fs.readFileInRoot(root, inRoot, { regularOnly: true, maxBytes: maxStateBytes }).pipe(
      Effect.mapError((e) =>
        e.code === "ENOENT"
          ? new ErrNotExist()
          : e.code === "EFBIG" || e.code === "EINVAL"
          ? new StateCorrupt({
            path,
            reason: e.code === "EFBIG" ? `larger than ${maxStateBytes} bytes` : "not a regular file"
          })
          : e
      )
    )
    const saved = yield* Either.mapLeft(State.decodeJson(file.content), (e) => new StateCorrupt({ path, reason: e.message }))
    return { saved, rootIdentity: file.rootIdentity }
  })

/** {@link load} without its span, for {@link list}; SecureJoin goes straight to the filesystem. */
const loadUntraced = (root: string, id: string): Effect.Effect<Container, LoadError, Services> =>
  Effect.gen(function*() {
    if (root === "") return yield* new ErrRootNotSet()
    yield* ContainerId.validate(id)
    const fs = yield* Filesystem
    const stateDir = yield* secureJoinVFS(root, id, fs)
    const { rootIdentity, saved } = yield* loadState(fs, root, stateDir)
    const cgroups = yield* CgroupManager
    const manager = yield* cgroups.newWithPaths(saved.config.cgroups, saved.cgroup_paths)
    const intelRdtManager = yield* intelRdtManagerFor(saved.config, id, saved.intel_rdt_path)
    const container = yield* ContainerModel.make({
      id,
      root,
      stateDir,
      config: saved.config,
      cgroupManager: manager,
      intelRdtManager,
      rootIdentity: Option.some(rootIdentity),
      initProcess: Option.some({
        pid: saved.init_process_pid,
        startTime: saved.init_process_start,
        ...(saved.external_descriptors != null ? { externalDescriptors: saved.external_descriptors } : {})
      }),
      created: saved.created,
      state: loaded
    })
    yield* refreshed(container)
    return container
  })

/**
 * runc's `Load(root, id)`: reads `<root>/<id>/state.json` (missing root,
 * dir or file: {@link ErrNotExist}; unreadable or not runc's JSON:
 * {@link StateCorrupt} naming the file — where runc 1.1.5 crashes or hangs),
 * rebuilds the cgroup manager from the saved paths and the Intel RDT
 * manager, and refreshes the status from the live system. The id inside
 * state.json is ignored. Nothing is written.
 */
export const load: (root: string, id: string) => Effect.Effect<Container, LoadError, Services> = Effect.fn(
  "Factory.load"
)(function*(root: string, id: string) {
  return yield* loadUntraced(root, id)
})

/** One entry of {@link list}: a loaded container, or why the entry could not be loaded. */
export type ListEntry =
  | { readonly _tag: "Loaded"; readonly id: string; readonly container: Container }
  | { readonly _tag: "Failed"; readonly id: string; readonly error: LoadError }

/** Options of {@link list}. */
export interface ListOptions {
  /**
   * How many containers are loaded at once (order is kept either way);
   * default 1. The node layer's reads are synchronous system calls, so more
   * at once only adds fibers; a layer with slow, asynchronous reads gains.
   */
  readonly concurrency?: number
}

/** Entries are loaded and emitted this many at a time, which bounds what the stream holds. */
const listChunkSize = 32

/**
 * What `runc list` walks: every directory under `root`, in name order,
 * loaded with {@link load}. An entry that fails to load is an element with
 * its error, never the end of the stream. Non-directories and symlinks are
 * skipped as runc skips them; a missing root is an empty stream. Entries are
 * loaded a few at a time and streamed, so memory stays flat however many
 * containers there are.
 */
export const list = (
  root: string,
  options: ListOptions = {}
): Stream.Stream<ListEntry, ErrRootNotSet | SystemError, Services> =>
  Stream.unwrap(
    Effect.gen(function*() {
      if (root === "") return yield* new ErrRootNotSet()
      const fs = yield* Filesystem
      const entries = yield* fs.readDirectory(root).pipe(
        Effect.catchIf((e) => e.code === "ENOENT", () => Effect.succeed([]))
      )
      const loadEntry = (entry: DirectoryEntry) =>
        loadUntraced(root, entry.name).pipe(
          Effect.match({
            onFailure: (error): ListEntry => ({ _tag: "Failed", id: entry.name, error }),
            onSuccess: (container): ListEntry => ({ _tag: "Loaded", id: entry.name, container })
          })
        )
      const concurrency = Math.max(1, options.concurrency ?? 1)
      return Stream.fromIterable(entries.filter((entry) => entry.type === "Directory")).pipe(
        Stream.rechunk(listChunkSize),
        Stream.mapChunksEffect((chunk) =>
          Effect.map(
            Effect.forEach(chunk, loadEntry, concurrency > 1 ? { concurrency } : {}),
            Chunk.unsafeFromArray
          )
        )
      )
    }).pipe(Effect.withSpan("Factory.list"))
  )

export {
  /** Re-exported for callers matching on create's cgroup errors. */
  CgroupError,
  /** Re-exported for callers matching on system errors. */
  SystemError
}
