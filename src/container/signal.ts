/**
 * runc's `Signal` and `signalAllProcesses` (`libcontainer/container_linux.go`,
 * `libcontainer/init_linux.go`, as in runc 1.2): a signal to the init
 * process through a pid that cannot be recycled under us, or to every
 * process of the cgroup.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CgroupError } from "../CgroupManager.js"
import { ErrNotRunning, KillAllFailed, SignalInitFailed, type SystemError } from "../ContainerError.js"
import type { Filesystem } from "../Filesystem.js"
import { Processes } from "../Processes.js"
import * as Signal from "../Signal.js"
import { mutating } from "./lock.js"
import { type Container, hasPrivatePidNamespace } from "./model.js"
import { initAlive } from "./status.js"

/** Every way {@link signal} can fail: `container not running`, the kill of all processes or of init, the state dir's lock. */
export type SignalError = ErrNotRunning | KillAllFailed | SignalInitFailed | SystemError

/**
 * @internal
 * After a SIGKILL: a frozen cgroup is thawed so the kill lands, as runc's
 * `Signal` does for a paused container. A v1 freezer holds even SIGKILL
 * until the thaw; a v2-frozen cgroup lets it through but would still read
 * as paused. A freezer that cannot be read is thawed anyway; every failure
 * is ignored (the kill itself was delivered).
 */
export const thawAfterKill = (c: Container): Effect.Effect<void> =>
  c.cgroupManager.getFreezerState.pipe(
    Effect.orElseSucceed(() => "FROZEN" as const),
    Effect.flatMap((state) => state === "FROZEN" ? c.cgroupManager.freeze("THAWED") : Effect.void),
    Effect.ignore
  )

/**
 * runc's `signalAllProcesses`: every process in the cgroup gets `sig`.
 * SIGKILL goes through the manager's `cgroup.kill` where the host has one,
 * and a frozen cgroup is then thawed (on a hybrid host the v1 freezer would
 * keep the killed processes frozen); otherwise the cgroup is frozen, its
 * pids signalled (gone ones ignored) and thawed, so no process can fork
 * away in between.
 *
 * @internal
 */
export const signalAllProcesses = (
  c: Container,
  sig: number
): Effect.Effect<void, ErrNotRunning | CgroupError | SystemError, Processes> =>
  Effect.gen(function*() {
    const manager = c.cgroupManager
    if (!(yield* manager.exists)) return yield* new ErrNotRunning()
    if (sig === Signal.SIGKILL && (yield* manager.kill)) return yield* thawAfterKill(c)
    yield* manager.freeze("FROZEN").pipe(
      Effect.catchAll((e) => Effect.logWarning(`freeze before signalling all processes: ${e.message}`))
    )
    const pids = yield* manager.getAllPids.pipe(Effect.tapError(() => Effect.ignore(manager.freeze("THAWED"))))
    const processes = yield* Processes
    for (const pid of pids) {
      yield* processes.signal(pid, sig).pipe(
        Effect.catchTag("ProcessFinished", () => Effect.void),
        Effect.catchAll((e) => Effect.logWarning(`signal ${sig} to pid ${pid}: ${e.message}`))
      )
    }
    yield* manager.freeze("THAWED").pipe(
      Effect.catchAll((e) => Effect.logWarning(`thaw after signalling all processes: ${e.message}`))
    )
  })

/** Options of {@link signal}. */
export interface SignalOptions {
  /** Signal every process in the cgroup, not just init (`runc kill --all`); nothing to do once the cgroup is gone. */
  readonly all?: boolean
}

/**
 * runc's `Signal(sig)`: SIGKILL to a container sharing the host's PID
 * namespace (or any signal with `all`) goes to every process in its cgroup
 * (`unable to kill all processes: …`); otherwise the init process is
 * signalled — through a pidfd checked against the recorded start time, so
 * a recycled pid is never hit (`unable to signal init: …`) — and a frozen
 * cgroup is thawed after SIGKILL so the kill can land. Without a live init,
 * {@link ErrNotRunning}.
 */
export const signal: (
  c: Container,
  sig: number,
  options?: SignalOptions
) => Effect.Effect<void, SignalError, Processes | Filesystem> = Effect.fn("Container.signal")(
  function*(c: Container, sig: number, options?: SignalOptions) {
    yield* mutating(c, (draft) =>
      Effect.gen(function*() {
        const model = draft.model
        if (options?.all === true || (sig === Signal.SIGKILL && !hasPrivatePidNamespace(model.config))) {
          // `runc kill --all` on a container whose cgroup is gone succeeds: nothing is left to signal.
          if (options?.all === true && !(yield* c.cgroupManager.exists)) return
          return yield* signalAllProcesses(c, sig).pipe(Effect.mapError((cause) => new KillAllFailed({ cause })))
        }
        const init = model.initProcess
        if (Option.isNone(init) || !(yield* initAlive(init))) return yield* new ErrNotRunning()
        const processes = yield* Processes
        yield* processes.signal(init.value.pid, sig, { expectedStartTime: init.value.startTime }).pipe(
          Effect.mapError((cause) => new SignalInitFailed({ cause }))
        )
        if (sig === Signal.SIGKILL) yield* thawAfterKill(c)
      }))
  }
)
