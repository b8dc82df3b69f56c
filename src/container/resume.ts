/** runc's `Resume()` (`libcontainer/container_linux.go`). */
import * as Effect from "effect/Effect"
import type { CgroupError } from "../CgroupManager.js"
import { ErrNotPaused, type SystemError } from "../ContainerError.js"
import type { Filesystem } from "../Filesystem.js"
import type { Processes } from "../Processes.js"
import { canResume } from "../Status.js"
import { mutating } from "./lock.js"
import type { Container } from "./model.js"
import { moveTo, refresh, type RefreshError } from "./status.js"

/** Every way {@link resume} can fail: the refresh, `container not paused`, the thaw, the state dir's lock. */
export type ResumeError = RefreshError | ErrNotPaused | CgroupError | SystemError

/** runc's `Resume()`: a paused container is thawed and runs; otherwise {@link ErrNotPaused}. */
export const resume: (c: Container) => Effect.Effect<void, ResumeError, Processes | Filesystem> = Effect.fn(
  "Container.resume"
)(function*(c: Container) {
  yield* mutating(c, (draft) =>
    Effect.gen(function*() {
      if (!canResume(yield* refresh(c, draft))) return yield* new ErrNotPaused()
      yield* c.cgroupManager.freeze("THAWED")
      yield* moveTo(draft, "running")
    }))
})
