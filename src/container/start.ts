/**
 * runc 1.1.5's `runc start` (`start.go`, then `Exec()` in
 * `libcontainer/container_linux.go`), without runc: a created container's
 * init waits, blocked opening `<stateDir>/exec.fifo` for writing; opening
 * it for reading releases it, and the FIFO is read and removed.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { SystemError } from "../ContainerError.js"
import { Filesystem, type FilesystemService } from "../Filesystem.js"
import { type CannotStart, type ExecFifoFailed, type ExecFifoHost, start as startProtocol } from "../internal/runtime/execFifo.js"
import { Processes, type ProcessesService } from "../Processes.js"
import { mutating } from "./lock.js"
import type { Container } from "./model.js"
import { moveTo, refresh, type RefreshError } from "./status.js"

export {
  /** `runc start` refused, in runc's words. */
  CannotStart,
  /** Opening, reading or removing `exec.fifo` failed. */
  ExecFifoFailed
} from "../internal/runtime/execFifo.js"

/** Every way {@link start} can fail: the refresh, runc's refusals, the FIFO, the state dir's lock. */
export type StartError = RefreshError | CannotStart | ExecFifoFailed | SystemError

/** The start protocol's host operations over the Filesystem and Processes ports. @internal */
export const execFifoHost = (fs: FilesystemService, processes: ProcessesService): ExecFifoHost => ({
  openBlocking: (path) => fs.openFifoReader(path, { waitForWriter: true }),
  openNonBlocking: (path) => fs.openFifoReader(path),
  processState: (pid) =>
    processes.stat(pid).pipe(
      Effect.map((stat) => (stat.state === "Z" ? "zombie" as const : "alive" as const)),
      Effect.orElseSucceed(() => "gone" as const)
    ),
  remove: (path) => fs.remove(path)
})

/**
 * runc's `runc start`: the status is refreshed; only a `created` container
 * starts (`cannot start a container that has stopped`, `cannot start an
 * already running container`, `cannot start a container in the paused
 * state` otherwise); its init process is released through `exec.fifo` —
 * opened for reading, its byte read, the FIFO removed — and the container
 * is `running`. While waiting for init to open the FIFO, init is checked
 * every 100 ms: found dead, the FIFO is read without blocking, and an empty
 * one is `container process is already dead`. Works on containers made by
 * this library's runtime or by `runc create`; the wait is interruptible.
 */
export const start: (c: Container) => Effect.Effect<void, StartError, Processes | Filesystem> = Effect.fn(
  "Container.start"
)(function*(c: Container) {
  const host = execFifoHost(yield* Filesystem, yield* Processes)
  yield* mutating(c, (draft) =>
    Effect.gen(function*() {
      const status = yield* refresh(c, draft)
      const pid = Option.match(draft.model.initProcess, { onNone: () => 0, onSome: (init) => init.pid })
      yield* startProtocol(host, { stateDir: c.stateDir, pid, status })
      yield* moveTo(draft, "running")
    }))
})
