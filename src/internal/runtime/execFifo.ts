/**
 * Starting a created container the way runc 1.1.5 does (`start.go`, then
 * `libcontainer/container_linux.go` `exec`): the container's init waits,
 * blocked opening `<stateDir>/exec.fifo` for writing; opening it for
 * reading lets init write one byte and exec the user process. The reader
 * reads to EOF and removes the FIFO, which turns the container's status
 * from `created` to `running`.
 *
 * While the blocking open waits, the init process is checked every 100 ms;
 * if it is gone or a zombie, the FIFO is opened without blocking instead,
 * and an empty read means the process died before starting.
 *
 * The host comes in as {@link ExecFifoHost}, a handful of primitives, so
 * the protocol runs on a real filesystem and on a simulated one alike.
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { SystemError } from "../../ContainerError.js"
import { execFifoFilename } from "../../State.js"
import type { Status } from "../../Status.js"
import * as GoPath from "../path.js"
import * as WallClock from "../wallClock.js"

/** An open read end of the FIFO. */
export interface FifoReader {
  /** Reads until EOF (all writers closed), bounded by the host. */
  readonly readAll: Effect.Effect<Uint8Array, SystemError>
  readonly close: Effect.Effect<void>
}

/** The host operations the start protocol needs. */
export interface ExecFifoHost {
  /**
   * `open(path, O_RDONLY)`: returns once a writer has the FIFO open. Must
   * stop waiting when interrupted (the protocol interrupts it when the init
   * process is found dead), leaving no descriptor open.
   */
  readonly openBlocking: (path: string) => Effect.Effect<FifoReader, SystemError>
  /** `open(path, O_RDONLY | O_NONBLOCK)`: returns at once, writer or not. */
  readonly openNonBlocking: (path: string) => Effect.Effect<FifoReader, SystemError>
  /**
   * The state of the init process as runc's `system.Stat(pid)` reads it:
   * `gone` when its stat cannot be read (no such process).
   */
  readonly processState: (pid: number) => Effect.Effect<"alive" | "zombie" | "gone">
  /** `unlink(path)`. */
  readonly remove: (path: string) => Effect.Effect<void, SystemError>
}

/** Why a start was refused, as `runc start` words it. */
export type CannotStartReason = "stopped" | "running" | "paused" | "already-running" | "process-dead"

/**
 * `runc start` refused: the container is not `created`
 * (`cannot start a container that has stopped`, `cannot start an already
 * running container`, `cannot start a container in the paused state`), the
 * FIFO held no byte (`cannot start an already running container`), or the
 * init process died first (`container process is already dead`).
 */
export class CannotStart extends Data.TaggedError("CannotStart")<{ readonly reason: CannotStartReason }> {
  override get message(): string {
    switch (this.reason) {
      case "stopped":
        return "cannot start a container that has stopped"
      case "running":
      case "already-running":
        return "cannot start an already running container"
      case "paused":
        return "cannot start a container in the paused state"
      case "process-dead":
        return "container process is already dead"
    }
  }
}

/**
 * A system call of the protocol failed: opening the FIFO (runc's text
 * `exec fifo: open <path>: …`), reading it, or removing it.
 */
export class ExecFifoFailed extends Data.TaggedError("ExecFifoFailed")<{
  readonly op: "open" | "read" | "remove"
  readonly cause: SystemError
}> {
  override get message(): string {
    return this.op === "open" ? `exec fifo: ${this.cause.message}` : this.cause.message
  }
}

/** How often the init process is checked while the blocking open waits (runc: 100 ms). */
export const pollInterval = Duration.millis(100)

/**
 * runc's `handleFifoResult`: read to EOF, refuse an empty FIFO, remove it.
 * The open stays interruptible (the blocking one is given up when init is
 * found dead); once it returns, the reader is closed whatever happens.
 */
const consume = (host: ExecFifoHost, path: string, open: Effect.Effect<FifoReader, SystemError>) =>
  Effect.uninterruptibleMask((restore) =>
    restore(Effect.mapError(open, (cause) => new ExecFifoFailed({ op: "open", cause }))).pipe(
      Effect.flatMap((reader) =>
        restore(
          Effect.gen(function*() {
            const data = yield* Effect.mapError(reader.readAll, (cause) => new ExecFifoFailed({ op: "read", cause }))
            if (data.length === 0) return yield* new CannotStart({ reason: "already-running" })
            yield* Effect.mapError(host.remove(path), (cause) => new ExecFifoFailed({ op: "remove", cause }))
          })
        ).pipe(Effect.ensuring(reader.close))
      )
    )
  )

/**
 * runc's `Container.exec`: releases the init process `pid` waiting on the
 * FIFO in `stateDir`.
 */
export const execFifo = (
  host: ExecFifoHost,
  stateDir: string,
  pid: number
): Effect.Effect<void, CannotStart | ExecFifoFailed> => {
  const path = GoPath.join(stateDir, execFifoFilename)
  const watch: Effect.Effect<void, CannotStart | ExecFifoFailed> = Effect.gen(function*() {
    for (;;) {
      yield* WallClock.sleep(pollInterval)
      const state = yield* host.processState(pid)
      if (state === "alive") continue
      // It may have run and finished between two checks: a FIFO that still
      // holds its byte means it did start.
      return yield* consume(host, path, host.openNonBlocking(path)).pipe(
        Effect.mapError(() => new CannotStart({ reason: "process-dead" }))
      )
    }
  })
  // Interruptible whatever the caller's region (a scoped acquire, say): the loser of the race must be stoppable.
  return Effect.raceFirst(Effect.interruptible(consume(host, path, host.openBlocking(path))), Effect.interruptible(watch))
}

/**
 * `runc start` (`start.go`): only a `created` container starts; its init
 * process `pid` is then released through the FIFO in `stateDir`.
 */
export const start: (
  host: ExecFifoHost,
  container: { readonly stateDir: string; readonly pid: number; readonly status: Status }
) => Effect.Effect<void, CannotStart | ExecFifoFailed> = Effect.fn("ExecFifo.start")(function*(
  host: ExecFifoHost,
  container: { readonly stateDir: string; readonly pid: number; readonly status: Status }
) {
  switch (container.status) {
    case "created":
      return yield* execFifo(host, container.stateDir, container.pid)
    case "stopped":
      return yield* new CannotStart({ reason: "stopped" })
    case "running":
      return yield* new CannotStart({ reason: "running" })
    case "paused":
      return yield* new CannotStart({ reason: "paused" })
  }
})
