/** runc's `Processes()` (`libcontainer/container_linux.go`): every pid in the container's cgroup. */
import * as Effect from "effect/Effect"
import { isSystemError, ProcessesUnavailable } from "../ContainerError.js"
import type { Processes } from "../Processes.js"
import type { Container } from "./model.js"
import { hasInit } from "./status.js"

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
