/**
 * runc's `saveState` (`libcontainer/container_linux.go`): state.json written
 * atomically, under the container's lock.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { JsonEncodeError, SystemError } from "../ContainerError.js"
import { Filesystem } from "../Filesystem.js"
import * as State from "../State.js"
import { mutating } from "./lock.js"
import type { Container, Model } from "./model.js"
import { stateOf } from "./state.js"

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
    yield* mutating(c, (draft) => writeState(c, draft.model, options))
  }
)

/**
 * @internal
 * The write of {@link saveState} for an operation that already holds the
 * container's lock (runc's `updateState` inside `Set`).
 */
export const writeState = (
  c: Container,
  model: Model,
  options?: SaveStateOptions
): Effect.Effect<void, SystemError | JsonEncodeError, Filesystem> =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const text = yield* Effect.flatMap(stateOf(c, model), State.encodeJson)
    yield* fs.writeFileAtomic(c.stateDir, State.stateFilename, new TextEncoder().encode(text), {
      mode: 0o600,
      tempPrefix: stateTempPrefix,
      removeStaleTemps: options?.removeTempsOlderThan ?? staleTempAge
    })
  })
