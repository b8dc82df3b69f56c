/**
 * runc's status refresh (`refreshState`, `currentStatus`, `hasInit` in
 * `libcontainer/container_linux.go`): the status derived from the live
 * system — the freezer, then `/proc/<pid>/stat`, then `exec.fifo`, in
 * runc's order — and the state object moved to match.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CgroupError } from "../CgroupManager.js"
import type { ErrRunning, StateTransitionError, SystemError } from "../ContainerError.js"
import { Filesystem } from "../Filesystem.js"
import { Processes } from "../Processes.js"
import * as State from "../State.js"
import type { Status } from "../Status.js"
import { type OciState, ociStateOf } from "./format.js"
import { type Container, snapshot, type Draft, exclusive, type InitProcess } from "./model.js"
import { type MachineState, statusOf, transition } from "./stateMachine.js"

/** Everything refreshing the status can fail with. */
export type RefreshError = CgroupError | SystemError | StateTransitionError | ErrRunning

/**
 * @internal
 * runc's `hasInit()` on a recorded init process: `/proc/<pid>/stat` reads,
 * its start time is the recorded one, and it is neither a zombie nor dead.
 */
export const initAlive = (init: Option.Option<InitProcess>): Effect.Effect<boolean, never, Processes> =>
  Option.match(init, {
    onNone: () => Effect.succeed(false),
    onSome: (process) => Effect.flatMap(Processes, (p) => p.isAlive(process.pid, process.startTime))
  })

/** runc's `hasInit()`: whether the container's init process is still the one it recorded, and alive. */
export const hasInit = (c: Container): Effect.Effect<boolean, never, Processes> =>
  Effect.flatMap(snapshot(c), (model) => initAlive(model.initProcess))

const execFifoExists = (c: Container) =>
  Effect.flatMap(Filesystem, (fs) => fs.stat(`${c.stateDir}/${State.execFifoFilename}`)).pipe(
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )

/** Moves the draft's state object to `next` by runc's `transition` rules. @internal */
export const moveTo = (draft: Draft, next: MachineState["kind"]): Effect.Effect<void, StateTransitionError | ErrRunning, Processes> =>
  Effect.flatMap(transition(draft.model.state, { kind: next }, initAlive(draft.model.initProcess)), (state) =>
    Effect.sync(() => {
      draft.model = { ...draft.model, state }
    }))

/** runc's `refreshState()` under the mutex: paused, stopped, created or running, and the state object moved there. @internal */
export const refresh = (c: Container, draft: Draft): Effect.Effect<Status, RefreshError, Processes | Filesystem> =>
  Effect.gen(function*() {
    const freezer = yield* c.cgroupManager.getFreezerState
    const next: MachineState["kind"] = freezer === "FROZEN"
      ? "paused"
      : !(yield* initAlive(draft.model.initProcess))
      ? "stopped"
      : (yield* execFifoExists(c))
      ? "created"
      : "running"
    yield* moveTo(draft, next)
    return statusOf(draft.model.state)
  })

/** Refreshes under the mutex, without a span: Load runs it once per container. @internal */
export const refreshed = (c: Container): Effect.Effect<Status, RefreshError, Processes | Filesystem> =>
  exclusive(c, (draft) => refresh(c, draft))

/**
 * runc's `Status()`: the status derived from the live system — paused when
 * the cgroup is frozen, stopped when the init process is gone (pid missing,
 * another start time, zombie or dead), created while `exec.fifo` exists,
 * running otherwise. Nothing is written.
 */
export const status: (c: Container) => Effect.Effect<Status, RefreshError, Processes | Filesystem> = Effect.fn(
  "Container.status"
)(function*(c: Container) {
  return yield* refreshed(c)
})

/** What `runc state <id>` reports: the OCI state after refreshing the status. */
export const ociState: (c: Container) => Effect.Effect<OciState, RefreshError, Processes | Filesystem> = Effect.fn(
  "Container.ociState"
)(function*(c: Container) {
  const now = yield* refreshed(c)
  return ociStateOf(c.id, yield* snapshot(c), now)
})

/**
 * The OCI state for the status last seen, without refreshing — what `runc
 * list` prints for each container it loaded; `owner` is the state dir's
 * owner, as `runc list` fills it.
 */
export const lastOciState = (c: Container, owner = ""): Effect.Effect<OciState> =>
  Effect.map(snapshot(c), (model) => ociStateOf(c.id, model, statusOf(model.state), owner))
