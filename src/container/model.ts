/**
 * The container value: what never changes (id, root, state dir, managers)
 * as plain fields, and what does (config, init process, creation time,
 * runc's state object) as one {@link Model} in a `SynchronizedRef` — whose
 * `modifyEffect` is runc's container mutex: one operation at a time on a
 * container, each seeing the model the previous one left.
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Option from "effect/Option"
import * as SynchronizedRef from "effect/SynchronizedRef"
import type { Manager as CgroupManager } from "../CgroupManager.js"
import type * as Config from "../Config.js"
import type { FileIdentity } from "../Filesystem.js"
import type { Manager as IntelRdtManager } from "../IntelRdt.js"
import type { Status } from "../Status.js"
import { maker } from "../internal/plainRecord.js"
import { type MachineState, statusOf } from "./stateMachine.js"

/** The init process of a container, as far as the library knows it. */
export interface InitProcess {
  readonly pid: number
  /** Field 22 of `/proc/<pid>/stat` when the process started; tells a reused pid apart. */
  readonly startTime: bigint
  /** What fds 0, 1 and 2 pointed at (state.json's `external_descriptors`). */
  readonly externalDescriptors?: ReadonlyArray<string>
}

/** What changes over a container's life, as runc keeps it in its `linuxContainer` under the mutex. */
export interface Model {
  /** The configuration: the caller's for Create, state.json's for Load. */
  readonly config: Config.Config
  /** Present for a loaded container (runc's `nonChildProcess`); absent after Create and after destroy. */
  readonly initProcess: Option.Option<InitProcess>
  /** When the init process became ready (RFC 3339); Go's zero time until then. */
  readonly created: string
  /** runc's state object (`containerState`): what the status was last seen as. */
  readonly state: MachineState
}

const modelOf = maker<Model>(["config", "initProcess", "created", "state"])
const initProcessOf = maker<InitProcess>(["pid", "startTime"])
const initProcessWithDescriptorsOf = maker<InitProcess>(["pid", "startTime", "externalDescriptors"])
const stateOf = maker<MachineState>(["kind"])

/**
 * @internal
 * The init process a loaded container records (made as `internal/plainRecord.ts`
 * makes the values a list keeps).
 */
export const initProcess = (
  pid: number,
  startTime: bigint,
  externalDescriptors: ReadonlyArray<string> | null | undefined
): InitProcess =>
  externalDescriptors != null ? initProcessWithDescriptorsOf(pid, startTime, externalDescriptors) : initProcessOf(pid, startTime)

/** @internal The state object of a status `kind` (made as {@link initProcess} is). */
export const machineState = (kind: MachineState["kind"]): MachineState => stateOf(kind)

const TypeId: unique symbol = Symbol.for("effect-libcontainer/Container")

/** What never changes about a container. */
export interface Fields {
  /** The id given to Create or Load (for Load, not the id inside state.json). */
  readonly id: string
  /** The state root given to Create or Load. */
  readonly root: string
  /** `SecureJoin(root, id)`. */
  readonly stateDir: string
  readonly cgroupManager: CgroupManager
  /** Present when `config.intel_rdt` is set and resctrl is available. */
  readonly intelRdtManager: Option.Option<IntelRdtManager>
  /** The state root as Create or Load opened it; destroy refuses a root replaced since. */
  readonly rootIdentity: Option.Option<FileIdentity>
}

/** A container, as runc's factory returns it (`libcontainer.Container`). */
export interface Container extends Fields {
  readonly [TypeId]: typeof TypeId
  /** What changes, behind runc's container mutex (see the module documentation). */
  readonly model: SynchronizedRef.SynchronizedRef<Model>
}

/** What {@link make} builds a container from. */
export interface Options extends Model, Fields {}

/**
 * A container value: its fields, and the model's `SynchronizedRef` made
 * when something first asks for it — `Factory.list` builds thousands of
 * containers that a caller often only reads (`lastStatus` asks too), and
 * the ref with its semaphore is most of what building one would allocate.
 */
class ContainerValue implements Container {
  readonly [TypeId]: typeof TypeId = TypeId
  readonly id: Fields["id"]
  readonly root: Fields["root"]
  readonly stateDir: Fields["stateDir"]
  readonly cgroupManager: Fields["cgroupManager"]
  readonly intelRdtManager: Fields["intelRdtManager"]
  readonly rootIdentity: Fields["rootIdentity"]
  private initial: Model | undefined
  private ref: SynchronizedRef.SynchronizedRef<Model> | undefined
  constructor(options: Options) {
    this.id = options.id
    this.root = options.root
    this.stateDir = options.stateDir
    this.cgroupManager = options.cgroupManager
    this.intelRdtManager = options.intelRdtManager
    this.rootIdentity = options.rootIdentity
    this.initial = modelOf(options.config, options.initProcess, options.created, options.state)
  }
  get model(): SynchronizedRef.SynchronizedRef<Model> {
    if (this.ref === undefined) {
      this.ref = SynchronizedRef.unsafeMake(this.initial!)
      this.initial = undefined
    }
    return this.ref
  }
  /** The model as made, while nothing has asked for the ref (so nothing can have changed it). */
  get untouched(): Model | undefined {
    return this.initial
  }
}

/**
 * A container value, made at once: what {@link make} makes, for a loop
 * that builds thousands (`Factory.list`) without an effect per container.
 */
export const unsafeMake = (options: Options): Container => new ContainerValue(options)

/** A container value (what runc's `newContainer` assembles for Create and Load). */
export const make = (options: Options): Effect.Effect<Container> => Effect.sync(() => unsafeMake(options))

/** Whether a value is a {@link Container}. */
export const isContainer = (u: unknown): u is Container => typeof u === "object" && u !== null && TypeId in u

/** The model now, without waiting for an operation in progress. */
export const snapshot = (c: Container): Effect.Effect<Model> =>
  Effect.suspend(() => {
    const untouched = c instanceof ContainerValue ? c.untouched : undefined
    return untouched !== undefined ? Effect.succeed(untouched) : SynchronizedRef.get(c.model)
  })

/** The status the container's state object holds now, without refreshing. */
export const lastStatus = (c: Container): Effect.Effect<Status> => Effect.map(snapshot(c), (m) => statusOf(m.state))

/**
 * @internal
 * The model an operation works on while it holds the mutex: it reads
 * `model` and replaces it as runc's code assigns `c.state` and
 * `c.initProcess` along the way.
 */
export interface Draft {
  model: Model
}

/**
 * @internal
 * runc's container mutex: `body` runs alone on this container, with a
 * {@link Draft} of its model; the draft's model is kept when `body` ends —
 * when it fails too, as runc's `destroy` leaves a container stopped even
 * when a poststop hook failed.
 */
export const exclusive = <A, E, R>(c: Container, body: (draft: Draft) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatten(SynchronizedRef.modifyEffect(c.model, (model) => {
    const draft: Draft = { model }
    return Effect.map(Effect.exit(body(draft)), (exit): readonly [Exit.Exit<A, E>, Model] => [exit, draft.model])
  }))

/** Whether the config gives the container its own PID namespace (a NEWPID entry without a path), runc's `IsPrivate(NEWPID)`. @internal */
export const hasPrivatePidNamespace = (config: Config.Config): boolean =>
  (config.namespaces ?? []).some((ns) => ns.type === "NEWPID" && ns.path === "")
