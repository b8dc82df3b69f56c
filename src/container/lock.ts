/**
 * The cross-process half of a container's lock (runc has only its
 * in-process mutex): `flock(LOCK_EX)` on the state dir while a mutating
 * operation runs, so saveState, pause, resume, signal and destroy from any
 * number of processes run one at a time. Readers (Load, list, status) never
 * take it: they rely on state.json being replaced by rename.
 */
import * as Effect from "effect/Effect"
import type { SystemError } from "../ContainerError.js"
import { Filesystem } from "../Filesystem.js"
import { type Container, type Draft, exclusive } from "./model.js"

/**
 * `flock(LOCK_EX)` on the state dir for the scope. A state dir that is gone
 * — the container was destroyed — needs no lock; the operation then fails
 * as it would have.
 */
const lockStateDir = (c: Container) =>
  Effect.flatMap(Filesystem, (fs) => fs.lockDirectory(c.stateDir, "exclusive")).pipe(
    Effect.catchIf((e) => e.code === "ENOENT", () => Effect.void)
  )

/** runc's container mutex, then the state dir's flock: one mutating operation at a time, across processes too. @internal */
export const mutating = <A, E, R>(
  c: Container,
  body: (draft: Draft) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | SystemError, R | Filesystem> =>
  exclusive(c, (draft) => Effect.scoped(Effect.zipRight(lockStateDir(c), body(draft))))
