/** runc's `Pause()` (`libcontainer/container_linux.go`). */
import * as Effect from "effect/Effect"
import type { CgroupError } from "../CgroupManager.js"
import { ErrNotRunning, type SystemError } from "../ContainerError.js"
import type { Filesystem } from "../Filesystem.js"
import type { Processes } from "../Processes.js"
import { canPause } from "../Status.js"
import { mutating } from "./lock.js"
import type { Container } from "./model.js"
import { moveTo, refresh, type RefreshError } from "./status.js"

/** Every way {@link pause} can fail: the refresh, `container not running`, the freeze, the state dir's lock. */
export type PauseError = RefreshError | ErrNotRunning | CgroupError | SystemError

/**
 * runc's `Pause()`: a running or created container has its cgroup frozen and
 * becomes paused; anything else (a paused one included, as runc's code does)
 * is {@link ErrNotRunning}. Nothing is written to state.json.
 */
export const pause: (c: Container) => Effect.Effect<void, PauseError, Processes | Filesystem> = Effect.fn(
  "Container.pause"
)(function*(c: Container) {
  yield* mutating(c, (draft) =>
    Effect.gen(function*() {
      if (!canPause(yield* refresh(c, draft))) return yield* new ErrNotRunning()
      yield* c.cgroupManager.freeze("FROZEN")
      yield* moveTo(draft, "paused")
    }))
})
