/**
 * What the library needs to know about, and do to, a host process: its start
 * time and state from `/proc/<pid>/stat` (runc's `system.Stat`), whether it
 * is still the process a container recorded (runc's `hasInit` rule), and
 * sending it a signal without ever hitting a recycled pid.
 *
 * {@link layerNode} reads the real `/proc` — each stat file checked to be
 * on procfs and read at most 4 KiB — and signals through a pidfd
 * (`pidfd_open` + `pidfd_send_signal`), falling back to `kill(2)` where the
 * kernel has no pidfds. {@link layerMemoryFrom} answers from a simulated
 * {@link ProcessTable}.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { SystemError } from "./ContainerError.js"
import * as Errno from "./internal/errno.js"
import type { WrongFilesystem } from "./internal/filesystemType.js"
import { ProcessTable } from "./internal/memory/ProcessTable.js"
import * as Pidfd from "./internal/node/pidfd.js"
import * as Procfs from "./internal/node/procfs.js"
import * as Signal from "./Signal.js"

export {
  /** The simulated process table behind {@link layerMemoryFrom}. */
  ProcessTable
} from "./internal/memory/ProcessTable.js"
export {
  /** `invalid stat data (…): …` — runc's `parseStat` rejected `/proc/<pid>/stat`. */
  StatParseError
} from "./internal/node/procfs.js"

/** Name, state letter and start time of a process, as runc's `system.Stat` returns them. */
export type ProcessStat = Procfs.ProcStat

/** `os: process already released` — Go's text for signalling pid -1 (a released process). */
export class ProcessReleased extends Data.TaggedError("ProcessReleased")<{}> {
  override get message(): string {
    return "os: process already released"
  }
}

/** `os: process not initialized` — Go's text for signalling pid 0. */
export class ProcessNotInitialized extends Data.TaggedError("ProcessNotInitialized")<{}> {
  override get message(): string {
    return "os: process not initialized"
  }
}

/**
 * `os: process already finished` — Go's `os.ErrProcessDone`, which runc
 * returns when `kill` fails with ESRCH. Here it also covers a pid that now
 * belongs to another process (its start time differs from the expected
 * one) or whose identity could not be read: `reason` tells which.
 */
export class ProcessFinished extends Data.TaggedError("ProcessFinished")<{
  readonly pid: number
  readonly reason: "no such process" | "start time differs" | "identity unreadable"
}> {
  override get message(): string {
    return "os: process already finished"
  }
}

/**
 * Any other failure to send a signal, carrying the errno name; the message is
 * the bare errno text, as Go's `os.Process.Signal` returns the errno itself
 * (`operation not permitted`, `invalid argument`).
 */
export class SignalFailed extends Data.TaggedError("SignalFailed")<{
  readonly pid: number
  readonly signal: number
  readonly code: string
}> {
  override get message(): string {
    return Errno.textOf(this.code)
  }
}

/** Every way {@link ProcessesService.signal} can fail. */
export type SignalError = ProcessReleased | ProcessNotInitialized | ProcessFinished | SignalFailed

/**
 * Every way reading `/proc/<pid>/stat` can fail; `WrongFilesystem` when the
 * file is not on procfs (refused unread — runc does not check).
 */
export type StatError = SystemError | WrongFilesystem | Procfs.StatParseError

/** Options of {@link ProcessesService.signal}. */
export interface SignalOptions {
  /**
   * The start time (field 22 of `/proc/<pid>/stat`) the target must have.
   * When given, a pid now held by another process is never signalled: the
   * call fails with {@link ProcessFinished} instead.
   */
  readonly expectedStartTime?: bigint
}

/** The process operations; see the module documentation. */
export interface ProcessesService {
  /** runc's `system.Stat(pid)`: name, state and start time. */
  readonly stat: (pid: number) => Effect.Effect<ProcessStat, StatError>
  /** Field 22 of `/proc/<pid>/stat`: clock ticks since boot at start. */
  readonly startTime: (pid: number) => Effect.Effect<bigint, StatError>
  /** Field 3 of `/proc/<pid>/stat`: the state letter. */
  readonly state: (pid: number) => Effect.Effect<string, StatError>
  /**
   * runc's `hasInit` test: the stat file reads and parses, the start time is
   * `startTime`, and the state is neither `Z` (zombie) nor `X` (dead). Any
   * failure reads as false.
   */
  readonly isAlive: (pid: number, startTime: bigint) => Effect.Effect<boolean>
  /**
   * Sends `signal` (0 checks existence) to `pid`, as runc's `Signal` does
   * through Go's `os.Process.Signal`: pid -1 and 0 fail with Go's texts, a
   * gone process with `os: process already finished`. With
   * `expectedStartTime`, the node layer opens a pidfd first, then checks the
   * start time, then signals through the pidfd — so the process checked is
   * the process signalled. Negative pids (process groups), pids beyond
   * int32 and signals outside 0..64 fail with EINVAL without a system call.
   */
  readonly signal: (pid: number, signal: number, options?: SignalOptions) => Effect.Effect<void, SignalError>
}

/** The process service. */
export class Processes extends Context.Tag("effect-libcontainer/Processes")<Processes, ProcessesService>() {}

type Deliver = (pid: number, signal: number, verify: Effect.Effect<boolean>) => Effect.Effect<void, SignalError>

const maxPid = 0x7fffffff

const errnoFailure = (pid: number, signal: number, code: string): Effect.Effect<never, SignalError> =>
  code === "ESRCH"
    ? Effect.fail(new ProcessFinished({ pid, reason: "no such process" }))
    : Effect.fail(new SignalFailed({ pid, signal, code }))

const fromOutcome = (pid: number, signal: number, outcome: Pidfd.SyscallOutcome): Effect.Effect<void, SignalError> =>
  outcome._tag === "Ok" ? Effect.void : errnoFailure(pid, signal, outcome.code)

const whenVerified = (
  pid: number,
  verify: Effect.Effect<boolean>,
  send: Effect.Effect<void, SignalError>
): Effect.Effect<void, SignalError> =>
  Effect.flatMap(verify, (same) =>
    same ? send : Effect.fail(new ProcessFinished({ pid, reason: "start time differs" }))
  )

/**
 * The service over a stat reader and a signal sender. The reads are one
 * small file each and run once per container on `list`, so they carry no
 * span (one would cost more than the read); `signal` keeps its span.
 * `alive` replaces the liveness test built on `readStat` where a layer has
 * a cheaper one.
 */
const make = (
  readStat: (pid: number) => Effect.Effect<ProcessStat, StatError>,
  deliver: Deliver,
  alive?: (pid: number, startTime: bigint) => boolean
): ProcessesService => {
  // Suspended, so the stat file is read when the effect runs, not when it is built.
  const stat = (pid: number) => Effect.suspend(() => readStat(pid))
  const startTime = (pid: number) => Effect.map(stat(pid), (s) => s.startTime)
  const state = (pid: number) => Effect.map(stat(pid), (s) => s.state)
  const isAlive = alive !== undefined
    ? (pid: number, expected: bigint) => Effect.sync(() => alive(pid, expected))
    : (pid: number, expected: bigint) =>
      stat(pid).pipe(
        Effect.map((s) => s.startTime === expected && s.state !== "Z" && s.state !== "X"),
        Effect.orElseSucceed(() => false)
      )
  const signal = Effect.fn("Processes.signal")(function*(pid: number, signal: number, options?: SignalOptions) {
    if (pid === -1) return yield* new ProcessReleased()
    if (pid === 0) return yield* new ProcessNotInitialized()
    if (!Number.isInteger(pid) || pid < 0 || pid > maxPid || !Signal.isValid(signal)) {
      return yield* new SignalFailed({ pid, signal, code: "EINVAL" })
    }
    const expected = options?.expectedStartTime
    const verify = expected === undefined
      ? Effect.succeed(true)
      : readStat(pid).pipe(
        Effect.map((s) => s.startTime === expected),
        Effect.orElseSucceed(() => false)
      )
    return yield* deliver(pid, signal, verify)
  })
  return { stat, startTime, state, isAlive, signal }
}

/** Options of {@link layerNodeWith}. */
export interface NodeOptions {
  /** Where procfs is mounted; default `/proc`. */
  readonly procRoot?: string
  /** The signal system calls; tests replace them to force the `kill(2)` fallback. */
  readonly syscalls?: Pidfd.SignalSyscalls
}

/**
 * The real layer with options: `/proc` reads, pidfd signalling, and a
 * permanent switch to `kill(2)` after the first ENOSYS from `pidfd_open`.
 */
export const layerNodeWith = (options: NodeOptions = {}): Layer.Layer<Processes> =>
  Layer.sync(Processes, () => {
    const procRoot = options.procRoot ?? "/proc"
    const syscalls = options.syscalls ?? Pidfd.native
    let pidfdMissing = false
    const readStat = (pid: number) => Procfs.readStat(pid, procRoot)
    const viaKill = (pid: number, signal: number, verify: Effect.Effect<boolean>) =>
      whenVerified(pid, verify, Effect.suspend(() => fromOutcome(pid, signal, syscalls.kill(pid, signal))))
    const deliver: Deliver = (pid, signal, verify) =>
      Effect.suspend(() => {
        if (pidfdMissing) return viaKill(pid, signal, verify)
        return Effect.acquireUseRelease(
          Effect.sync(() => syscalls.pidfdOpen(pid)),
          (opened) => {
            if (opened._tag === "Ok") {
              const send = Effect.suspend(() =>
                fromOutcome(pid, signal, syscalls.pidfdSendSignal(opened.value, signal))
              )
              return whenVerified(pid, verify, send)
            }
            if (opened.code !== "ENOSYS") return errnoFailure(pid, signal, opened.code)
            pidfdMissing = true
            return viaKill(pid, signal, verify)
          },
          (opened) => opened._tag === "Ok" ? Effect.sync(() => syscalls.close(opened.value)) : Effect.void
        )
      })
    return make(readStat, deliver, (pid, startTime) => Procfs.isAlive(pid, startTime, procRoot))
  })

/** The real layer: this host's `/proc` and signals. */
export const layerNode: Layer.Layer<Processes> = layerNodeWith()

/**
 * The memory layer over a given table, so tests and the simulated host can
 * seed and inspect it. A pid not in the table reads as
 * `open /proc/<pid>/stat: no such file or directory`; its stat line goes
 * through the same parser as the real file.
 */
export const layerMemoryFrom = (table: ProcessTable): Layer.Layer<Processes> =>
  Layer.succeed(
    Processes,
    make(
      (pid) =>
        Option.match(table.statLine(pid), {
          onNone: () => Effect.fail(new SystemError({ op: "open", path: Procfs.statPath(pid), code: "ENOENT" })),
          onSome: Procfs.parseStat
        }),
      (pid, signal, verify) =>
        whenVerified(pid, verify, Effect.suspend(() => {
          const outcome = table.signal(pid, signal)
          return outcome === "ok" ? Effect.void : errnoFailure(pid, signal, outcome)
        }))
    )
  )

/** The memory layer over a fresh, empty {@link ProcessTable}. */
export const layerMemory: Layer.Layer<Processes> = Layer.suspend(() => layerMemoryFrom(new ProcessTable()))
