/**
 * runc's container state machine (`libcontainer/state_linux.go`): which
 * state a container may move to from which, and with what error.
 */
import * as Effect from "effect/Effect"
import { ErrRunning, StateTransitionError } from "../ContainerError.js"
import type { Status } from "../Status.js"

/** The state objects runc keeps; `restored` reports `running`, `loaded` reports what it was loaded as. */
export type StateKind = "stopped" | "running" | "created" | "paused" | "restored" | "loaded"

/** A state of the machine: its kind and, for `loaded`, the status it was loaded with. */
export interface MachineState {
  readonly kind: StateKind
  /** For `loaded`: the status it reports (runc's zero value, `created`, when unset). */
  readonly loaded?: Status
}

/** The status a state reports (runc's `containerState.status()`). */
export const statusOf = (state: MachineState): Status => {
  switch (state.kind) {
    case "restored":
      return "running"
    case "loaded":
      return state.loaded ?? "created"
    default:
      return state.kind
  }
}

/** A state of the given kind. */
export const of = (kind: StateKind, loaded?: Status): MachineState => (loaded === undefined ? { kind } : { kind, loaded })

/** runc's `stoppedState`: where Create leaves a container. */
export const stopped: MachineState = { kind: "stopped" }

/** runc's `loadedState`: where Load starts, before the first refresh. */
export const loaded: MachineState = { kind: "loaded" }

const allowed: Readonly<Record<Exclude<StateKind, "loaded" | "running" | "restored">, ReadonlyArray<StateKind>>> = {
  stopped: ["stopped", "running", "restored"],
  created: ["created", "running", "paused", "stopped"],
  paused: ["paused", "running", "stopped"]
}

/**
 * runc's `transition(next)` from `from`: the resulting state, or
 * `invalid state transition from X to Y`. Leaving a running state for
 * stopped fails with {@link ErrRunning} while the init process is alive —
 * the only rule that looks at the live system, through `hasInit`.
 */
export const transition = <R>(
  from: MachineState,
  next: MachineState,
  hasInit: Effect.Effect<boolean, never, R>
): Effect.Effect<MachineState, StateTransitionError | ErrRunning, R> => {
  // Built only when it is the answer: an error captures a stack trace.
  const invalid = Effect.failSync(() => new StateTransitionError({ from: statusOf(from), to: statusOf(next) }))
  switch (from.kind) {
    case "loaded":
      return Effect.succeed(next)
    case "restored":
      return next.kind === "stopped" || next.kind === "running" ? Effect.succeed(from) : invalid
    case "running":
      if (next.kind === "running" || next.kind === "paused") return Effect.succeed(next)
      if (next.kind === "stopped") {
        return Effect.flatMap(hasInit, (alive) => (alive ? Effect.fail(new ErrRunning()) : Effect.succeed(next)))
      }
      return invalid
    default:
      return allowed[from.kind].includes(next.kind) ? Effect.succeed(next.kind === from.kind ? from : next) : invalid
  }
}
