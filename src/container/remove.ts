/** What `runc delete [--force]` does with a container (`delete.go`'s `killContainer` and `destroy`). */
import * as Effect from "effect/Effect"
import { InitStillRunning, NotStopped } from "../ContainerError.js"
import type { Filesystem } from "../Filesystem.js"
import type { Processes } from "../Processes.js"
import * as Signal from "../Signal.js"
import { canDelete } from "../Status.js"
import { destroy, type DestroyError } from "./destroy.js"
import type { Container } from "./model.js"
import { signal } from "./signal.js"
import { type RefreshError, status } from "./status.js"
import * as WallClock from "../internal/wallClock.js"

/** Every way {@link remove} can fail: the refresh, a live container without `force`, init outliving SIGKILL, destroy. */
export type RemoveError = RefreshError | NotStopped | InitStillRunning | DestroyError

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
) => Effect.Effect<void, RemoveError, Processes | Filesystem> = Effect.fn("Container.remove")(
  function*(c: Container, options?: RemoveOptions) {
    const current = yield* status(c)
    if (current === "stopped") return yield* destroy(c)
    if (!canDelete(current) && options?.force !== true) {
      return yield* new NotStopped({ id: c.id, status: current })
    }
    yield* Effect.ignore(signal(c, Signal.SIGKILL))
    const polls = options?.killPolls ?? 100
    for (let i = 0; i < polls; i++) {
      yield* WallClock.sleep("100 millis")
      const gone = yield* signal(c, 0).pipe(Effect.as(false), Effect.orElseSucceed(() => true))
      if (gone) return yield* destroy(c)
    }
    return yield* new InitStillRunning()
  }
)
