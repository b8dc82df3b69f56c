/**
 * runc's container factory: {@link create} and {@link load}
 * (`libcontainer/factory_linux.go`), and {@link list}, what `runc list`
 * does with them. Every step runs in runc's order with runc's messages; the
 * differences are deliberate and listed in docs/compatibility.md.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import {
  CgroupError,
  CgroupManager,
  type CgroupManagerService,
  isNotExistOrNoDevice,
  type Manager as CgroupManagerOf
} from "./CgroupManager.js"
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
import { Filesystem, type FilesystemService } from "./Filesystem.js"
import { IntelRdt } from "./IntelRdt.js"
import { zeroTime } from "./internal/json/GoSchema.js"
import * as Lean from "./internal/leanLoad.js"
import { clean } from "./internal/path.js"
import { maker } from "./internal/plainRecord.js"
import { Processes, type ProcessesService } from "./Processes.js"
import type * as Scope from "effect/Scope"
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
 *
 * The routine create — a valid config, a root that is a directory nobody
 * else holds locked, no container and no cgroup of that name yet — is
 * direct calls and plain code (see `Validate.validateUnspanned` and
 * {@link createLockedNow}), without a span: one cost more than the rest of
 * the create (docs/benchmarks.md). Anything else starts over the careful
 * way, as effects that say what failed, in a `Factory.create` span.
 */
export const create = (
  root: string,
  id: string,
  config: Config.Config,
  options: CreateOptions = {}
): Effect.Effect<Container, CreateError, Services> =>
  Effect.suspend((): Effect.Effect<Container, CreateError, Services> => {
    if (root === "") return Effect.fail(new ErrRootNotSet())
    const valid = ContainerId.validate(id)
    if (Either.isLeft(valid)) return Effect.fail(valid.left)
    return Effect.zipRight(
      Validate.validateUnspanned(config, options.rules === undefined ? {} : { rules: options.rules }),
      Effect.flatMap(Effect.context<Filesystem | CgroupManager>(), (context) => {
        const fs = Context.get(context, Filesystem)
        const cgroups = Context.get(context, CgroupManager)
        const info = fs.direct.stat(root)
        if (typeof info === "string" || info.type !== "Directory") return createCarefully(fs, root, id, config)
        // Creates in one root take turns (flock on the root dir), so the stat
        // and cgroup checks below are never interleaved with another create.
        const lock = fs.direct.tryLockDirectory(root, "exclusive")
        if (typeof lock === "string") return createCarefully(fs, root, id, config)
        let answer: Container | ErrExist | undefined
        try {
          answer = createLockedNow(fs, cgroups, root, id, config)
        } finally {
          lock.release()
        }
        return answer === undefined
          ? createCarefully(fs, root, id, config)
          : answer instanceof ErrExist
          ? Effect.fail(answer)
          : Effect.succeed(answer)
      })
    )
  })

/**
 * What {@link create} does with the root locked, as plain code, when every
 * answer is routine: no entry named `id` in the root (an entry that is not a
 * symlink: {@link ErrExist}), a cgroup manager built without effects, no
 * such cgroup yet and no frozen one, no Intel RDT — then the root's
 * identity and the state dir made. `undefined`, before anything is made,
 * for anything else: {@link createCarefully} then starts over.
 */
const createLockedNow = (
  fs: FilesystemService,
  cgroups: CgroupManagerService,
  root: string,
  id: string,
  config: Config.Config
): Container | ErrExist | undefined => {
  const stateDir = clean(`${root}/${id}`)
  const entry = fs.direct.lstat(stateDir)
  if (typeof entry !== "string") return entry.type === "SymbolicLink" ? undefined : new ErrExist()
  if (entry !== "ENOENT" || config.intel_rdt != null) return undefined
  const manager = cgroups.newNow?.(config.cgroups)
  if (manager?.existsNow === undefined || manager.getFreezerStateNow === undefined) return undefined
  if (manager.existsNow() || manager.getFreezerStateNow() === undefined) return undefined
  const rootInfo = fs.direct.stat(root)
  if (typeof rootInfo === "string") return undefined
  const made = fs.direct.mkdir(stateDir, 0o711)
  if (made === "EEXIST") return new ErrExist()
  if (made !== undefined) return undefined
  return created({ id, root, stateDir, config, cgroupManager: manager, intelRdtManager: Option.none(), rootInfo })
}

/**
 * The container Create returns, on either path: its state dir just made,
 * no init process yet, `stopped` until something saves a state for it.
 */
const created = (
  options: Pick<ContainerModel.Options, "id" | "root" | "stateDir" | "config" | "cgroupManager" | "intelRdtManager"> & {
    readonly rootInfo: { readonly dev: number; readonly ino: number }
  }
): Container => {
  const { rootInfo, ...fields } = options
  return ContainerModel.unsafeMake({
    ...fields,
    rootIdentity: Option.some({ dev: rootInfo.dev, ino: rootInfo.ino }),
    initProcess: Option.none(),
    created: zeroTime,
    state: stopped
  })
}

/**
 * {@link create} after validation, the careful way: the root made as Go's
 * `MkdirAll` makes it, its lock waited for, and every step an effect that
 * says what failed.
 */
const createCarefully = (fs: FilesystemService, root: string, id: string, config: Config.Config) =>
  Effect.withSpan(createStepByStep(fs, root, id, config), "Factory.create")

const createStepByStep = (fs: FilesystemService, root: string, id: string, config: Config.Config) =>
  Effect.scoped(Effect.gen(function*() {
    yield* fs.makeDirectoryAll(root, 0o700)
    yield* fs.lockDirectory(root, "exclusive")
    const { exists, stateDir } = yield* stateDirForCreate(fs, root, id)
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
    const rootInfo = yield* fs.stat(root)
    yield* fs.makeDirectory(stateDir, 0o711).pipe(
      Effect.catchIf((e) => e.code === "EEXIST", () => new ErrExist())
    )
    const intelRdtManager = yield* intelRdtManagerFor(config, id, "")
    return created({ id, root, stateDir, config, cgroupManager: manager, intelRdtManager, rootInfo })
  }))

/**
 * `SecureJoin(root, id)` for a valid id, and whether something is there
 * (`stat` succeeds): the routine answers — nothing there, or a plain entry —
 * from one direct `lstat`, with no error object; a symlink, or any other
 * answer, takes SecureJoin's own resolution and a `stat`, as runc does.
 */
const stateDirForCreate = (
  fs: FilesystemService,
  root: string,
  id: string
): Effect.Effect<{ readonly stateDir: string; readonly exists: boolean }, SystemError> => {
  const path = clean(`${root}/${id}`)
  const info = fs.direct.lstat(path)
  if (info === "ENOENT") return Effect.succeed({ stateDir: path, exists: false })
  if (typeof info !== "string" && info.type !== "SymbolicLink") return Effect.succeed({ stateDir: path, exists: true })
  return Effect.gen(function*() {
    const stateDir = yield* secureJoinVFS(root, id, fs)
    const exists = yield* fs.stat(stateDir).pipe(
      Effect.as(true),
      Effect.catchIf((e) => e.code === "ENOENT", () => Effect.succeed(false))
    )
    return { stateDir, exists }
  })
}

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
          : e.op === "openat2"
          // runc opens the file with os.Open: its failure reads `open <path>: …`
          ? new SystemError({ op: "open", path: e.path, code: e.code })
          : e
      )
    )
    const saved = yield* Either.mapLeft(State.decodeJson(file.content), (e) => new StateCorrupt({ path, reason: e.message }))
    return { saved, rootIdentity: file.rootIdentity }
  })

/** {@link load} the careful way, without its span: SecureJoin, `readFileInRoot`, the managers and the refresh as effects. */
const loadCarefully = (root: string, id: string): Effect.Effect<Container, LoadError, Services> =>
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
      initProcess: Option.some(
        ContainerModel.initProcess(saved.init_process_pid, saved.init_process_start, saved.external_descriptors)
      ),
      created: saved.created,
      state: loaded
    })
    yield* refreshed(container)
    return container
  })

/** What the lean path of one `list` or `load` works with: the held root and the services it asks. */
interface LeanContext {
  readonly reader: Lean.Reader
  readonly processes: ProcessesService
  readonly cgroups: CgroupManagerService
}

/**
 * The lean path's context for `root`, its descriptor held until the scope
 * closes; `undefined` (every container then goes the careful way) when the
 * root cannot be opened or the cgroup mode is unknown.
 */
const leanContext = (
  fs: FilesystemService,
  root: string
): Effect.Effect<LeanContext | undefined, never, CgroupManager | Processes | Scope.Scope> =>
  Effect.gen(function*() {
    const cgroups = yield* CgroupManager
    const mode = yield* Effect.either(cgroups.mode)
    if (mode._tag === "Left") return undefined
    const held = yield* Effect.acquireRelease(
      Effect.sync(() => fs.direct.openRoot(root)),
      (held) => Effect.sync(() => typeof held === "string" ? undefined : held.close())
    )
    if (typeof held === "string") return undefined
    return {
      reader: { direct: fs.direct, held, root, unified: mode.right === "unified" },
      processes: yield* Processes,
      cgroups
    }
  })

/** The container a lean read describes, with its manager and the status runc's refresh would give. */
const leanContainer = (context: LeanContext, read: Lean.Read, cgroupManager: CgroupManagerOf, alive: boolean): Container => {
  const { saved } = read
  return ContainerModel.unsafeMake({
    id: read.id,
    root: context.reader.root,
    stateDir: read.stateDir,
    config: saved.config,
    cgroupManager,
    intelRdtManager: Option.none(),
    rootIdentity: Option.some(read.rootIdentity),
    initProcess: Option.some(
      ContainerModel.initProcess(saved.init_process_pid, saved.init_process_start, saved.external_descriptors)
    ),
    created: saved.created,
    state: ContainerModel.machineState(Lean.statusAfter(context.reader.direct, read, alive))
  })
}

/**
 * Loads `ids` the lean way (see `internal/leanLoad.ts`), as one effect of
 * plain code: the reads, the freezer, `hasInit` and each container's
 * manager (from its saved paths) are plain calls where the services offer
 * them (`Processes.isAliveNow`, `CgroupManager.newWithPathsNow`); only a
 * container they do not answer takes effects of its own. `undefined` at an
 * index hands that container to the careful way. Each status comes out as
 * the careful refresh leaves it: freezer, then `hasInit`, then `exec.fifo`.
 */
const loadLean = (context: LeanContext, ids: ReadonlyArray<string>): Effect.Effect<Array<Container | undefined>> =>
  Effect.suspend(() => {
    const { cgroups, processes } = context
    const isAliveNow = processes.isAliveNow
    const managerNow = cgroups.newWithPathsNow
    const loaded: Array<Container | undefined> = []
    const rest: Array<number> = []
    const reads = ids.map((id, i) => {
      const read = Lean.read(context.reader, id)
      const manager = read === undefined || managerNow === undefined
        ? undefined
        : managerNow(read.saved.config.cgroups, read.saved.cgroup_paths)
      if (read !== undefined && manager !== undefined && isAliveNow !== undefined) {
        const alive = isAliveNow(read.saved.init_process_pid, read.saved.init_process_start)
        loaded.push(leanContainer(context, read, manager, alive))
      } else {
        loaded.push(undefined)
        if (read !== undefined) rest.push(i)
      }
      return read
    })
    if (rest.length === 0) return Effect.succeed(loaded)
    return Effect.as(
      Effect.forEach(rest, (i) => {
        const { saved } = reads[i]!
        return Effect.flatMap(processes.isAlive(saved.init_process_pid, saved.init_process_start), (alive) =>
          Effect.match(cgroups.newWithPaths(saved.config.cgroups, saved.cgroup_paths), {
            onFailure: () => undefined,
            onSuccess: (manager) => {
              loaded[i] = leanContainer(context, reads[i]!, manager, alive)
            }
          }))
      }, { discard: true }),
      loaded
    )
  })

/**
 * runc's `Load(root, id)`: reads `<root>/<id>/state.json` (missing root,
 * dir or file: {@link ErrNotExist}; unreadable or not runc's JSON:
 * {@link StateCorrupt} naming the file — where runc 1.1.5 crashes or hangs),
 * rebuilds the cgroup manager from the saved paths and the Intel RDT
 * manager, and refreshes the status from the live system. The id inside
 * state.json is ignored. Nothing is written.
 *
 * A container as runc leaves it is read the lean way (one `openat2` of
 * state.json with no symlink on the way, plain code, no error objects);
 * anything else — symlinks, missing or corrupt files, a paused container —
 * the careful way, with SecureJoin and every check as effects. Both give
 * the same container (see `internal/leanLoad.ts`).
 */
export const load: (root: string, id: string) => Effect.Effect<Container, LoadError, Services> = Effect.fn(
  "Factory.load"
)(function*(root: string, id: string) {
  if (root === "") return yield* new ErrRootNotSet()
  const fs = yield* Filesystem
  const lean = yield* Effect.scoped(
    Effect.flatMap(
      leanContext(fs, root),
      (context) => context === undefined ? Effect.succeed(undefined) : Effect.map(loadLean(context, [id]), (loaded) => loaded[0])
    )
  )
  return lean ?? (yield* loadCarefully(root, id))
})

/** One entry of {@link list}: a loaded container, or why the entry could not be loaded. */
export type ListEntry =
  | { readonly _tag: "Loaded"; readonly id: string; readonly container: Container }
  | { readonly _tag: "Failed"; readonly id: string; readonly error: LoadError }

/** A loaded entry, made as `internal/plainRecord.ts` makes the values a list keeps. */
const loadedEntry = maker<Extract<ListEntry, { readonly _tag: "Loaded" }>>(["_tag", "id", "container"])

/** Options of {@link list}. */
export interface ListOptions {
  /**
   * How many containers are loaded at once (order is kept either way);
   * default 1. The node layer's reads are synchronous system calls, so more
   * at once only adds fibers; a layer with slow, asynchronous reads gains.
   */
  readonly concurrency?: number
}

/**
 * Entries are loaded and emitted this many at a time, which bounds what the
 * stream holds (about 1 MB of containers). Not fewer: a list consumed with
 * an effect per entry (`Stream.runForEach`) keeps every chunk alive through
 * a young collection, and after some hundred such chunks V8 allocates
 * `Chunk`'s wrapper of an array in the old generation from then on — where
 * each later chunk's wrapper keeps its entries alive until the next full
 * collection, so every drained list after it promoted all its containers
 * (docs/benchmarks.md, "The night of 6 December").
 */
const listChunkSize = 128

/**
 * What `runc list` walks: every directory under `root`, in name order,
 * loaded with {@link load}. An entry that fails to load is an element with
 * its error, never the end of the stream. Non-directories and symlinks are
 * skipped as runc skips them; a missing root is an empty stream. Entries are
 * loaded a few at a time and streamed, so memory stays flat however many
 * containers there are; the root is held open while the stream runs, for
 * the lean reads of Load.
 */
export const list = (
  root: string,
  options: ListOptions = {}
): Stream.Stream<ListEntry, ErrRootNotSet | SystemError, Services> =>
  Stream.unwrapScoped(
    Effect.gen(function*() {
      if (root === "") return yield* new ErrRootNotSet()
      const fs = yield* Filesystem
      const entries = yield* fs.readDirectory(root).pipe(
        Effect.catchIf((e) => e.code === "ENOENT", () => Effect.succeed([]))
      )
      const context = entries.length === 0 ? undefined : yield* leanContext(fs, root)
      const careful = (id: string) =>
        loadCarefully(root, id).pipe(
          Effect.match({
            onFailure: (error): ListEntry => ({ _tag: "Failed", id, error }),
            onSuccess: (container): ListEntry => loadedEntry("Loaded", id, container)
          })
        )
      const concurrency = Math.max(1, options.concurrency ?? 1)
      const carefully = (ids: ReadonlyArray<string>) =>
        Effect.forEach(ids, careful, concurrency > 1 ? { concurrency } : {})
      // one effect per chunk for what the lean path loads; only what it hands back takes effects of its own
      const loadChunk = (ids: ReadonlyArray<string>): Effect.Effect<Array<ListEntry>, never, Services> =>
        context === undefined ? carefully(ids) : Effect.flatMap(loadLean(context, ids), (lean) => {
          const handed = ids.filter((_, i) => lean[i] === undefined)
          const done = (loaded: ReadonlyArray<ListEntry>): Array<ListEntry> => {
            let next = 0
            return ids.map((id, i) => {
              const container = lean[i]
              return container === undefined ? loaded[next++]! : loadedEntry("Loaded", id, container)
            })
          }
          return handed.length === 0 ? Effect.succeed(done([])) : Effect.map(carefully(handed), done)
        })
      const names = entries.filter((entry) => entry.type === "Directory").map((entry) => entry.name)
      // Each chunk unfolds straight from the names: a stream of names re-chunked and mapped costs a channel
      // step per name, and its buffers keep entries alive long enough for V8 to start allocating them in
      // the old generation, where each young collection then scans them (a list of 10,000 ran 20–30 % slower).
      return Stream.unfoldChunkEffect(0, (at) =>
        at >= names.length
          ? Effect.succeed(Option.none())
          : Effect.map(
            loadChunk(names.slice(at, at + listChunkSize)),
            (loaded) => Option.some([Chunk.unsafeFromArray(loaded), at + listChunkSize] as const)
          ))
    }).pipe(Effect.withSpan("Factory.list"))
  )

export {
  /** Re-exported for callers matching on create's cgroup errors. */
  CgroupError,
  /** Re-exported for callers matching on system errors. */
  SystemError
}
