/**
 * runc's `Destroy()` and the common `destroy(c)` behind it
 * (`libcontainer/container_linux.go`, `libcontainer/state_linux.go`, with
 * runc 1.2's texts): the cgroup, the Intel RDT group and the state dir
 * removed, poststop hooks run, the container stopped.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CgroupError } from "../CgroupManager.js"
import {
  CgroupRemovalFailed,
  ErrPaused,
  ErrRunning,
  type HookFailed,
  IntelRdtRemovalFailed,
  StateDirRemovalFailed,
  type StateTransitionError,
  type SystemError,
  withContext
} from "../ContainerError.js"
import { Filesystem } from "../Filesystem.js"
import { Processes } from "../Processes.js"
import * as Signal from "../Signal.js"
import { hookState } from "./format.js"
import * as Hooks from "./hooks.js"
import { mutating } from "./lock.js"
import { type Container, type Draft, hasPrivatePidNamespace } from "./model.js"
import { signalAllProcesses, thawAfterKill } from "./signal.js"
import { initAlive, refresh, type RefreshError } from "./status.js"

/**
 * Every way {@link destroy} can fail, each with runc's `unable to destroy
 * container: ` before its own text: a live init (`container still
 * running`, `container paused`), a step that could not be done, a failed
 * poststop hook, the refresh a loaded container needs, a failed thaw, the
 * state dir's lock.
 */
export type DestroyError =
  | ErrRunning
  | ErrPaused
  | CgroupRemovalFailed
  | IntelRdtRemovalFailed
  | StateDirRemovalFailed
  | HookFailed
  | RefreshError
  | CgroupError
  | StateTransitionError
  | SystemError

/** runc's common `destroy(c)`: every step in order, the first failure ends it; the container is stopped either way once the state dir is gone. */
const destroyCommon = (c: Container, draft: Draft) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    if (!hasPrivatePidNamespace(draft.model.config)) yield* Effect.ignore(signalAllProcesses(c, Signal.SIGKILL))
    yield* c.cgroupManager.destroy.pipe(Effect.mapError((cause) => new CgroupRemovalFailed({ cause })))
    if (Option.isSome(c.intelRdtManager)) {
      yield* c.intelRdtManager.value.destroy.pipe(Effect.mapError((cause) => new IntelRdtRemovalFailed({ cause })))
    }
    // `<root>/<id>` only, reached without following symlinks, in the root Create or Load opened.
    yield* fs.removeAllInRoot(
      c.root,
      c.id,
      Option.match(c.rootIdentity, { onNone: () => ({}), onSome: (rootIdentity) => ({ rootIdentity }) })
    ).pipe(Effect.mapError((cause) => new StateDirRemovalFailed({ cause })))
    draft.model = { ...draft.model, initProcess: Option.none() }
    const hooks = draft.model.config.Hooks
    const ran = hooks === undefined
      ? Effect.void
      : Effect.flatMap(refresh(c, draft), () => Hooks.run(hooks, "poststop", hookState(c.id, draft.model, "stopped")))
    const result = yield* Effect.either(ran)
    draft.model = { ...draft.model, state: { kind: "stopped" } }
    if (result._tag === "Left") return yield* Effect.fail(result.left)
  })

/** runc's `containerState.destroy()` from the state the container is in. */
const destroyFrom = (c: Container, draft: Draft): Effect.Effect<void, DestroyError, Processes | Filesystem> =>
  Effect.gen(function*() {
    const model = draft.model
    switch (model.state.kind) {
      case "stopped":
        return yield* destroyCommon(c, draft)
      case "running":
        if (yield* initAlive(model.initProcess)) return yield* new ErrRunning()
        return yield* destroyCommon(c, draft)
      case "created": {
        if (Option.isSome(model.initProcess)) {
          const init = model.initProcess.value
          const processes = yield* Processes
          yield* Effect.ignore(processes.signal(init.pid, Signal.SIGKILL, { expectedStartTime: init.startTime }))
          // paused since this value last looked: the kill must not stay pending in a frozen cgroup
          yield* thawAfterKill(c)
        }
        return yield* destroyCommon(c, draft)
      }
      case "paused":
        if (yield* initAlive(model.initProcess)) return yield* new ErrPaused()
        yield* c.cgroupManager.freeze("THAWED")
        return yield* destroyCommon(c, draft)
      case "restored": {
        const fs = yield* Filesystem
        yield* fs.stat(`${c.stateDir}/checkpoint`).pipe(Effect.catchIf((e) => e.code === "ENOENT", () => Effect.void))
        return yield* destroyCommon(c, draft)
      }
      case "loaded": {
        yield* refresh(c, draft)
        return yield* destroyFrom(c, draft)
      }
    }
  })

/**
 * runc's `Destroy()`: from the current state, without refreshing it first
 * (a loaded container is refreshed once). Stopped: the cgroup, the Intel
 * RDT group and the state dir are removed and poststop hooks run. Running
 * or paused with a live init: `unable to destroy container: container still
 * running` / `… container paused` ({@link ErrRunning}, {@link ErrPaused}).
 * Created: init is killed first. Every failure keeps its tag and gains
 * runc's `unable to destroy container: ` (`ContainerError.contextOf`).
 */
export const destroy: (c: Container) => Effect.Effect<void, DestroyError, Processes | Filesystem> = Effect.fn(
  "Container.destroy"
)(function*(c: Container) {
  yield* mutating(c, (draft) => destroyFrom(c, draft)).pipe(
    Effect.mapError((error) => withContext("unable to destroy container", error))
  )
})
