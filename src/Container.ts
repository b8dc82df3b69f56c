/**
 * A container as runc's factory returns it (`libcontainer.Container`): its
 * id, state dir, config, cgroup and Intel RDT managers, init process (for a
 * loaded container, the stand-in runc builds from state.json) and state
 * machine. Operations are functions of this module, in runc's words:
 * {@link status} refreshes from the live system, {@link state} is runc's
 * `State()`, {@link ociState} is what `runc state` prints, {@link saveState}
 * writes state.json atomically.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { CgroupError, Manager as CgroupManager } from "./CgroupManager.js"
import { namespaceProcName, namespaceTypes } from "./Config.js"
import type * as Config from "./Config.js"
import {
  ErrNotPaused,
  ErrNotRunning,
  ErrPaused,
  ErrRunning,
  InitStillRunning,
  isSystemError,
  type JsonEncodeError,
  NotStopped,
  OperationFailed,
  ProcessesUnavailable,
  type StateTransitionError,
  type SystemError
} from "./ContainerError.js"
import { cgroupTypes, type FileIdentity, Filesystem } from "./Filesystem.js"
import type { Manager as IntelRdtManager } from "./IntelRdt.js"
import { notCgroupFile } from "./internal/cgroups/files.js"
import * as Hooks from "./internal/container/hooks.js"
import { type MachineState, statusOf, transition } from "./internal/container/stateMachine.js"
import { compareBytes } from "./internal/byteOrder.js"
import { setOwn, stringify, stringifyIndent } from "./internal/json/GoJson.js"
import { Processes } from "./Processes.js"
import * as Signal from "./Signal.js"
import * as State from "./State.js"
import type { Status } from "./Status.js"

/** The init process of a container, as far as the library knows it. */
export interface InitProcess {
  readonly pid: number
  /** Field 22 of `/proc/<pid>/stat` when the process started; tells a reused pid apart. */
  readonly startTime: bigint
  /** What fds 0, 1 and 2 pointed at (state.json's `external_descriptors`). */
  readonly externalDescriptors?: ReadonlyArray<string>
}

const TypeId: unique symbol = Symbol.for("effect-libcontainer/Container")

/** A container; see the module documentation. */
export interface Container {
  readonly [TypeId]: typeof TypeId
  /** The id given to Create or Load (for Load, not the id inside state.json). */
  readonly id: string
  /** The state root given to Create or Load. */
  readonly root: string
  /** `SecureJoin(root, id)`. */
  readonly stateDir: string
  /** The configuration: the caller's for Create, state.json's for Load. */
  readonly config: Config.Config
  readonly cgroupManager: CgroupManager
  /** Present when `config.intel_rdt` is set and resctrl is available. */
  readonly intelRdtManager: Option.Option<IntelRdtManager>
  /** Present for a loaded container (runc's `nonChildProcess`), absent after Create. */
  readonly initProcess: Option.Option<InitProcess>
  /** When the init process became ready (RFC 3339); Go's zero time until then. */
  readonly created: string
}

/** @internal */
export class ContainerImpl implements Container {
  readonly [TypeId]: typeof TypeId = TypeId
  /** runc's container mutex: one operation at a time on this value. */
  readonly lock = Effect.unsafeMakeSemaphore(1)
  constructor(
    readonly id: string,
    readonly root: string,
    readonly stateDir: string,
    public config: Config.Config,
    readonly cgroupManager: CgroupManager,
    readonly intelRdtManager: Option.Option<IntelRdtManager>,
    public initProcess: Option.Option<InitProcess>,
    public created: string,
    public machine: MachineState,
    /** The state root as Create or Load opened it; destroy refuses a root replaced since. */
    readonly rootIdentity?: FileIdentity
  ) {}
}

const impl = (c: Container): ContainerImpl => c as ContainerImpl

/** Whether a value is a {@link Container}. */
export const isContainer = (u: unknown): u is Container => typeof u === "object" && u !== null && TypeId in u

/** Everything refreshing the status can fail with. */
export type RefreshError = CgroupError | SystemError | StateTransitionError | ErrRunning

/**
 * runc's `hasInit()`: there is an init process, `/proc/<pid>/stat` reads,
 * its start time is the recorded one, and it is neither a zombie nor dead.
 */
export const hasInit = (c: Container): Effect.Effect<boolean, never, Processes> =>
  Option.match(c.initProcess, {
    onNone: () => Effect.succeed(false),
    onSome: (init) => Effect.flatMap(Processes, (p) => p.isAlive(init.pid, init.startTime))
  })

const execFifoExists = (c: Container) =>
  Effect.flatMap(Filesystem, (fs) => fs.stat(`${c.stateDir}/${State.execFifoFilename}`)).pipe(
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )

/** runc's `refreshState()`, without the container lock (callers hold it). @internal */
export const refreshUnlocked = (c: Container): Effect.Effect<Status, RefreshError, Processes | Filesystem> =>
  Effect.gen(function*() {
    const self = impl(c)
    const freezer = yield* c.cgroupManager.getFreezerState
    const next: MachineState["kind"] = freezer === "FROZEN"
      ? "paused"
      : !(yield* hasInit(c))
      ? "stopped"
      : (yield* execFifoExists(c))
      ? "created"
      : "running"
    self.machine = yield* transition(self.machine, { kind: next }, hasInit(c))
    return statusOf(self.machine)
  })

/**
 * runc's `Status()`: the status derived from the live system — paused when
 * the cgroup is frozen, stopped when the init process is gone (pid missing,
 * another start time, zombie or dead), created while `exec.fifo` exists,
 * running otherwise. Nothing is written.
 */
export const status: (c: Container) => Effect.Effect<Status, RefreshError, Processes | Filesystem> = Effect.fn(
  "Container.status"
)(function*(c: Container) {
  return yield* impl(c).lock.withPermits(1)(refreshUnlocked(c))
})

/** The status the container's state machine holds now, without refreshing. */
export const lastStatus = (c: Container): Status => statusOf(impl(c).machine)

/** `NsName`: the `/proc/<pid>/ns` file of a namespace type; `""` for an unknown one, as runc's. */
const namespaceFileName = (type: string): string =>
  Object.prototype.hasOwnProperty.call(namespaceProcName, type)
    ? namespaceProcName[type as keyof typeof namespaceProcName]
    : ""

/** runc's `currentState()` for a given init pid: `namespace_paths` (state.md §1.1 step 4). */
const namespacePaths = (config: Config.Config, pid: number) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const paths: Record<string, string> = {}
    if (pid <= 0) return paths
    const set = (type: string) => setOwn(paths, type, `/proc/${pid}/ns/${namespaceFileName(type)}`)
    for (const ns of config.namespaces ?? []) if (!Object.prototype.hasOwnProperty.call(paths, ns.type)) set(ns.type)
    for (const type of namespaceTypes) {
      if (Object.prototype.hasOwnProperty.call(paths, type)) continue
      const supported = yield* fs.stat(`/proc/self/ns/${namespaceFileName(type)}`).pipe(
        Effect.as(true),
        Effect.orElseSucceed(() => false)
      )
      if (supported) set(type)
    }
    return paths
  })

/**
 * runc's `State()`: the state.json content for this container now, without
 * refreshing the status — init pid and start time (`-1`/`0` without an init
 * process), the config, cgroup and RDT paths, and `/proc/<pid>/ns/*` for
 * every namespace the config lists or the kernel supports.
 */
export const state: (c: Container) => Effect.Effect<State.State, never, Filesystem> = Effect.fn("Container.state")(
  function*(c: Container) {
    const init = Option.getOrUndefined(c.initProcess)
    const pid = init?.pid ?? -1
    const cgroupPaths = yield* c.cgroupManager.getPaths
    const rdtPath = yield* Option.match(c.intelRdtManager, {
      onNone: () => Effect.succeed(""),
      onSome: (m) => m.getPath
    })
    const fds = init?.externalDescriptors
    return {
      id: c.id,
      init_process_pid: pid,
      init_process_start: init?.startTime ?? 0n,
      created: c.created,
      config: c.config,
      rootless: c.config.rootless_euid === true && c.config.rootless_cgroups === true,
      cgroup_paths: { ...cgroupPaths },
      namespace_paths: yield* namespacePaths(c.config, pid),
      ...(fds !== undefined && fds.length > 0 ? { external_descriptors: fds } : {}),
      intel_rdt_path: rdtPath
    }
  }
)

/**
 * The cross-process half of a container's lock (runc has only its
 * in-process mutex): `flock(LOCK_EX)` on the state dir for the scope, so
 * saveState, pause, resume, signal and destroy from any number of
 * processes run one at a time. A state dir that is gone — the container
 * was destroyed — needs no lock; the operation then fails as it would have.
 * Readers (Load, list, status) never take it: they rely on state.json being
 * replaced by rename.
 */
const lockStateDir = (c: Container): Effect.Effect<void, SystemError, Filesystem | Scope.Scope> =>
  Effect.flatMap(Filesystem, (fs) => fs.lockDirectory(c.stateDir, "exclusive")).pipe(
    Effect.catchIf((e) => e.code === "ENOENT", () => Effect.void)
  )

/** runc's container mutex, then the state dir's flock: one mutating operation at a time, across processes too. */
const withLock = <A, E, R>(c: Container, effect: Effect.Effect<A, E, R>) =>
  impl(c).lock.withPermits(1)(Effect.scoped(Effect.zipRight(lockStateDir(c), effect)))

/** The temp-file prefix of {@link saveState}: runc's own, so runc's leftovers are recognised too. @internal */
export const stateTempPrefix = "state-"

/** How old a leftover `state-<digits>` temp file must be before {@link saveState} removes it. */
export const staleTempAge: Duration.Duration = Duration.minutes(1)

/** Options of {@link saveState}. */
export interface SaveStateOptions {
  /** Remove leftover temp files at least this old (default {@link staleTempAge}; `0` removes them all). */
  readonly removeTempsOlderThan?: Duration.DurationInput
}

/**
 * Writes state.json the way runc's `saveState` does — compact JSON, mode
 * 0o600, a temp file `state-<random>` in the state dir renamed over
 * state.json — and, beyond runc, under the container's cross-process lock,
 * fsyncing the temp file and the directory so a crash leaves the old or the
 * new state, never a torn one, and first removing `state-<digits>` temp
 * files a crashed writer left (older than {@link staleTempAge}).
 */
export const saveState: (
  c: Container,
  options?: SaveStateOptions
) => Effect.Effect<void, SystemError | JsonEncodeError, Filesystem> = Effect.fn("Container.saveState")(
  function*(c: Container, options?: SaveStateOptions) {
    const fs = yield* Filesystem
    yield* withLock(
      c,
      Effect.gen(function*() {
        const text = yield* stateJson(c)
        yield* fs.writeFileAtomic(c.stateDir, State.stateFilename, new TextEncoder().encode(text), {
          mode: 0o600,
          tempPrefix: stateTempPrefix,
          removeStaleTemps: options?.removeTempsOlderThan ?? staleTempAge
        })
      })
    )
  }
)

/**
 * Labels split as runc's `utils.Annotations`: `bundle=` gives the bundle
 * (the last one wins), every other `key=value` an annotation (later
 * duplicates win); labels without `=` are skipped.
 */
export const annotations = (
  labels: ReadonlyArray<string> | null
): { readonly bundle: string; readonly annotations: Readonly<Record<string, string>> } => {
  let bundle = ""
  const out: Record<string, string> = {}
  for (const label of labels ?? []) {
    const eq = label.indexOf("=")
    if (eq < 0) continue
    const key = label.slice(0, eq)
    const value = label.slice(eq + 1)
    if (key === "bundle") bundle = value
    else setOwn(out, key, value)
  }
  return { bundle, annotations: out }
}

/** What `runc state` prints for a container (state.md §6.2); `owner` is filled by `runc list`. */
export interface OciState {
  readonly ociVersion: string
  readonly id: string
  /** The init pid, `0` when stopped. */
  readonly pid: number
  readonly status: Status
  readonly bundle: string
  readonly rootfs: string
  readonly created: string
  /** Absent when there are none, as runc omits the key. */
  readonly annotations?: Readonly<Record<string, string>>
  readonly owner: string
}

/**
 * The `runc state` record of a container for a given status, without
 * refreshing: the saved version, id, pid (`0` when stopped), bundle and
 * annotations from the labels, rootfs and creation time.
 */
export const ociStateFor = (c: Container, current: Status, owner = ""): OciState => {
  const { annotations: extra, bundle } = annotations(c.config.labels)
  const init = Option.getOrUndefined(c.initProcess)
  return {
    ociVersion: c.config.version,
    id: c.id,
    pid: current === "stopped" ? 0 : init?.pid ?? -1,
    status: current,
    bundle,
    rootfs: c.config.rootfs,
    created: c.created,
    ...(Object.keys(extra).length > 0 ? { annotations: extra } : {}),
    owner
  }
}

/** What `runc state <id>` reports: {@link ociStateFor} after refreshing the status. */
export const ociState: (c: Container) => Effect.Effect<OciState, RefreshError, Processes | Filesystem> = Effect.fn(
  "Container.ociState"
)(function*(c: Container) {
  return ociStateFor(c, yield* status(c))
})

const sortedRecord = (r: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const k of Object.keys(r).sort(compareBytes)) setOwn(out, k, r[k] ?? "")
  return out
}

const ociStateValue = (s: OciState) => ({
  ociVersion: s.ociVersion,
  id: s.id,
  pid: s.pid,
  status: s.status,
  bundle: s.bundle,
  rootfs: s.rootfs,
  created: s.created,
  ...(s.annotations !== undefined && Object.keys(s.annotations).length > 0
    ? { annotations: sortedRecord(s.annotations) }
    : {}),
  owner: s.owner
})

/** An {@link OciState} as `runc state` prints it: Go's indented JSON, keys in runc's order, annotations sorted. */
export const formatOciState = (s: OciState): string => stringifyIndent(ociStateValue(s))

/** An {@link OciState} as one element of `runc list --format json`: compact, same key order. */
export const formatOciStateCompact = (s: OciState): string => stringify(ociStateValue(s))

/**
 * runc's `Processes()`: every pid in the container's cgroup tree. When the
 * init process is gone and the cgroup no longer exists, the not-exist
 * failure is swallowed (nothing is running); any other failure is
 * `unable to get all container pids: <err>`.
 */
export const processes: (
  c: Container
) => Effect.Effect<ReadonlyArray<number>, ProcessesUnavailable, Processes> = Effect.fn("Container.processes")(
  function*(c: Container) {
    return yield* c.cgroupManager.getAllPids.pipe(
      Effect.catchAll((error) =>
        Effect.gen(function*() {
          const cause = error._tag === "CgroupError" ? error.cause : error
          if (isSystemError(cause, "ENOENT") && !(yield* hasInit(c)) && !(yield* c.cgroupManager.exists)) {
            return [] as ReadonlyArray<number>
          }
          return yield* Effect.fail(new ProcessesUnavailable({ cause: error }))
        })
      )
    )
  }
)

/** The encoded state.json of a container, for inspection and tests. */
export const stateJson = (c: Container): Effect.Effect<string, JsonEncodeError, Filesystem> =>
  Effect.flatMap(state(c), State.encodeJson)

// ---------------------------------------------------------------------------
// Operations

/** Whether the config gives the container its own PID namespace (a NEWPID entry without a path). @internal */
export const hasPrivatePidNamespace = (config: Config.Config): boolean =>
  (config.namespaces ?? []).some((ns) => ns.type === "NEWPID" && ns.path === "")

const setMachine = (c: Container, kind: MachineState["kind"]) =>
  Effect.flatMap(transition(impl(c).machine, { kind }, hasInit(c)), (next) =>
    Effect.sync(() => {
      impl(c).machine = next
    }))

/**
 * runc's `Pause()`: a running or created container has its cgroup frozen and
 * becomes paused; anything else (a paused one included, as runc's code does)
 * is {@link ErrNotRunning}.
 */
export const pause: (c: Container) => Effect.Effect<
  void,
  RefreshError | ErrNotRunning | CgroupError,
  Processes | Filesystem
> = Effect.fn("Container.pause")(function*(c: Container) {
  yield* withLock(
    c,
    Effect.gen(function*() {
      const current = yield* refreshUnlocked(c)
      if (current !== "running" && current !== "created") return yield* new ErrNotRunning()
      yield* c.cgroupManager.freeze("FROZEN")
      yield* setMachine(c, "paused")
    })
  )
})

/** runc's `Resume()`: a paused container is thawed and runs; otherwise {@link ErrNotPaused}. */
export const resume: (c: Container) => Effect.Effect<
  void,
  RefreshError | ErrNotPaused | CgroupError,
  Processes | Filesystem
> = Effect.fn("Container.resume")(function*(c: Container) {
  yield* withLock(
    c,
    Effect.gen(function*() {
      const current = yield* refreshUnlocked(c)
      if (current !== "paused") return yield* new ErrNotPaused()
      yield* c.cgroupManager.freeze("THAWED")
      yield* setMachine(c, "running")
    })
  )
})

/**
 * After a SIGKILL: a frozen cgroup is thawed so the kill lands, as runc's
 * `Signal` does for a paused container. A v1 freezer holds even SIGKILL
 * until the thaw; a v2-frozen cgroup lets it through but would still read
 * as paused. A freezer that cannot be read is thawed anyway; every failure
 * is ignored (the kill itself was delivered).
 */
const thawAfterKill = (c: Container): Effect.Effect<void> =>
  c.cgroupManager.getFreezerState.pipe(
    Effect.orElseSucceed(() => "FROZEN" as const),
    Effect.flatMap((state) => state === "FROZEN" ? c.cgroupManager.freeze("THAWED") : Effect.void),
    Effect.ignore
  )

/**
 * runc's `signalAllProcesses`: every process in the cgroup gets `sig`.
 * SIGKILL goes through `cgroup.kill` where there is a unified cgroup, and a
 * frozen cgroup is then thawed (on a hybrid host the v1 freezer would keep
 * the killed processes frozen); otherwise the cgroup is frozen, its pids
 * signalled (gone ones ignored) and thawed, so no process can fork away in
 * between.
 *
 * @internal
 */
export const signalAllProcesses = (
  c: Container,
  sig: number
): Effect.Effect<void, ErrNotRunning | CgroupError | SystemError, Processes | Filesystem> =>
  Effect.gen(function*() {
    const manager = c.cgroupManager
    if (!(yield* manager.exists)) return yield* new ErrNotRunning()
    const fs = yield* Filesystem
    const unified = yield* manager.path("")
    if (sig === Signal.SIGKILL && unified !== "") {
      const killFile = `${unified}/cgroup.kill`
      // Only a file on cgroupfs is written: a hostile saved path gets runc's refusal, not a "1".
      const killed = yield* fs.writeFileOn(killFile, new TextEncoder().encode("1"), cgroupTypes).pipe(
        Effect.as(true),
        Effect.catchTag("WrongFilesystem", () => Effect.fail(notCgroupFile(killFile))),
        Effect.catchIf((e) => e._tag === "SystemError" && e.code === "ENOENT", () => Effect.succeed(false))
      )
      if (killed) return yield* thawAfterKill(c)
    }
    yield* manager.freeze("FROZEN").pipe(
      Effect.catchAll((e) => Effect.logWarning(`freeze before signalling all processes: ${e.message}`))
    )
    const pids = yield* manager.getAllPids.pipe(Effect.tapError(() => Effect.ignore(manager.freeze("THAWED"))))
    const processes = yield* Processes
    for (const pid of pids) {
      yield* processes.signal(pid, sig).pipe(
        Effect.catchTag("ProcessFinished", () => Effect.void),
        Effect.catchAll((e) => Effect.logWarning(`signal ${sig} to pid ${pid}: ${e.message}`))
      )
    }
    yield* manager.freeze("THAWED").pipe(
      Effect.catchAll((e) => Effect.logWarning(`thaw after signalling all processes: ${e.message}`))
    )
  })

/** Options of {@link signal}. */
export interface SignalOptions {
  /** Signal every process in the cgroup, not just init (`runc kill --all`); nothing to do once the cgroup is gone. */
  readonly all?: boolean
}

/**
 * runc's `Signal(sig)`: SIGKILL to a container sharing the host's PID
 * namespace (or any signal with `all`) goes to every process in its cgroup;
 * otherwise the init process is signalled — through a pidfd checked against
 * the recorded start time, so a recycled pid is never hit — and a frozen
 * cgroup is thawed after SIGKILL so the kill can land.
 */
export const signal: (
  c: Container,
  sig: number,
  options?: SignalOptions
) => Effect.Effect<void, OperationFailed | ErrNotRunning, Processes | Filesystem> = Effect.fn("Container.signal")(
  function*(c: Container, sig: number, options?: SignalOptions) {
    yield* withLock(
      c,
      Effect.gen(function*() {
        if (options?.all === true || (sig === Signal.SIGKILL && !hasPrivatePidNamespace(c.config))) {
          // `runc kill --all` on a container whose cgroup is gone succeeds: nothing is left to signal.
          if (options?.all === true && !(yield* c.cgroupManager.exists)) return
          return yield* signalAllProcesses(c, sig).pipe(
            Effect.mapError((cause) => new OperationFailed({ step: "kill all processes", cause }))
          )
        }
        if (!(yield* hasInit(c))) return yield* new ErrNotRunning()
        const init = Option.getOrThrow(c.initProcess)
        const processes = yield* Processes
        yield* processes.signal(init.pid, sig, { expectedStartTime: init.startTime }).pipe(
          Effect.mapError((cause) => new OperationFailed({ step: "signal init", cause }))
        )
        if (sig === Signal.SIGKILL) yield* thawAfterKill(c)
      })
    ).pipe(Effect.catchTag("SystemError", (cause) => new OperationFailed({ step: "lock container state dir", cause })))
  }
)

/** The runtime-spec state poststop hooks get on stdin. */
const hookState = (c: Container, status: Status): string => {
  const { annotations: extra, bundle } = annotations(c.config.labels)
  return JSON.stringify({
    ociVersion: specVersion,
    id: c.id,
    status,
    bundle,
    ...(Object.keys(extra).length > 0 ? { annotations: extra } : {})
  })
}

/** The runtime-spec version this library reports to hooks, as the seed commit does. */
export const specVersion = "1.1.0+dev"

/** runc's common `destroy(c)` (state.md §5.1). */
const destroyCommon = (c: Container) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    if (!hasPrivatePidNamespace(c.config)) yield* Effect.ignore(signalAllProcesses(c, Signal.SIGKILL))
    yield* c.cgroupManager.destroy.pipe(
      Effect.mapError((cause) => new OperationFailed({ step: "remove container's cgroup", cause }))
    )
    if (Option.isSome(c.intelRdtManager)) {
      yield* c.intelRdtManager.value.destroy.pipe(
        Effect.mapError((cause) => new OperationFailed({ step: "remove container's IntelRDT group", cause }))
      )
    }
    // `<root>/<id>` only, reached without following symlinks, in the root Create or Load opened.
    const rootIdentity = impl(c).rootIdentity
    yield* fs.removeAllInRoot(c.root, c.id, rootIdentity === undefined ? {} : { rootIdentity }).pipe(
      Effect.mapError((cause) => new OperationFailed({ step: "remove container state dir", cause }))
    )
    impl(c).initProcess = Option.none()
    const hooks = c.config.Hooks
    const ran = hooks === undefined
      ? Effect.void
      : Effect.flatMap(refreshUnlocked(c), () => Hooks.run(hooks, "poststop", hookState(c, "stopped")))
    const result = yield* Effect.either(ran)
    impl(c).machine = { kind: "stopped" }
    if (result._tag === "Left") return yield* Effect.fail(result.left)
  })

type DestroyStepError = RefreshError | ErrPaused | OperationFailed | Hooks.HookFailed | CgroupError

const destroyFrom = (
  c: Container,
  machine: MachineState
): Effect.Effect<void, DestroyStepError, Processes | Filesystem> =>
  Effect.gen(function*() {
    switch (machine.kind) {
      case "stopped":
        return yield* destroyCommon(c)
      case "running":
        if (yield* hasInit(c)) return yield* new ErrRunning()
        return yield* destroyCommon(c)
      case "created": {
        const init = Option.getOrUndefined(c.initProcess)
        if (init !== undefined) {
          const processes = yield* Processes
          yield* Effect.ignore(processes.signal(init.pid, Signal.SIGKILL, { expectedStartTime: init.startTime }))
          // paused since this value last looked: the kill must not stay pending in a frozen cgroup
          yield* thawAfterKill(c)
        }
        return yield* destroyCommon(c)
      }
      case "paused":
        if (yield* hasInit(c)) return yield* new ErrPaused()
        yield* c.cgroupManager.freeze("THAWED")
        return yield* destroyCommon(c)
      case "restored": {
        const fs = yield* Filesystem
        yield* fs.stat(`${c.stateDir}/checkpoint`).pipe(Effect.catchIf((e) => e.code === "ENOENT", () => Effect.void))
        return yield* destroyCommon(c)
      }
      case "loaded": {
        yield* refreshUnlocked(c)
        return yield* destroyFrom(c, impl(c).machine)
      }
    }
  })

/**
 * runc's `Destroy()`: from the current state, without refreshing it first
 * (a loaded container is refreshed once). Stopped: the cgroup, the Intel RDT
 * group and the state dir are removed and poststop hooks run. Running or
 * paused with a live init: `unable to destroy container: container still
 * running` / `… container paused`. Created: init is killed first.
 */
export const destroy: (
  c: Container
) => Effect.Effect<void, OperationFailed, Processes | Filesystem> = Effect.fn("Container.destroy")(
  function*(c: Container) {
    yield* withLock(c, destroyFrom(c, impl(c).machine)).pipe(
      Effect.mapError((cause) => new OperationFailed({ step: "destroy container", cause }))
    )
  }
)

/** Options of {@link remove}. */
export interface RemoveOptions {
  /** Kill a running or paused container first (`runc delete --force`). */
  readonly force?: boolean
  /** How long to wait for init to die after SIGKILL; runc waits 100 × 100 ms. */
  readonly killPolls?: number
}

/**
 * What `runc delete` does with a container: refresh the status; a stopped
 * one is destroyed; a created one (or any, with `force`) gets SIGKILL, is
 * polled every 100 ms until its init is gone and then destroyed; anything
 * else is `cannot delete container <id> that is not stopped: <status>`.
 */
export const remove: (
  c: Container,
  options?: RemoveOptions
) => Effect.Effect<
  void,
  RefreshError | NotStopped | InitStillRunning | OperationFailed,
  Processes | Filesystem
> = Effect.fn("Container.remove")(function*(c: Container, options?: RemoveOptions) {
  const current = yield* status(c)
  if (current === "stopped") return yield* destroy(c)
  if (current !== "created" && options?.force !== true) {
    return yield* new NotStopped({ id: c.id, status: current })
  }
  yield* Effect.ignore(signal(c, Signal.SIGKILL))
  const polls = options?.killPolls ?? 100
  for (let i = 0; i < polls; i++) {
    yield* Effect.sleep("100 millis")
    const gone = yield* signal(c, 0).pipe(Effect.as(false), Effect.orElseSucceed(() => true))
    if (gone) return yield* destroy(c)
  }
  return yield* new InitStillRunning()
})
