/**
 * The process port: what the library needs to know about, and do to, host
 * processes — a process's start time and state from `/proc/<pid>/stat`
 * (runc's `system.Stat`), whether it is still the process a container
 * recorded (runc's `hasInit` rule), sending it a signal without ever hitting
 * a recycled pid, and running a program to completion (hooks, `ps`).
 *
 * A host provides a few primitives ({@link Primitives}); {@link make}
 * derives the service — Go's texts for pid -1 and 0, the argument checks,
 * the start-time check between pinning a process and signalling it. The
 * adapters live with their hosts: `NodeHost.layerProcesses` (the real
 * `/proc`, `pidfd_open` + `pidfd_send_signal`, `child_process.spawn`) and
 * the simulated host's (`MemoryHost`: its process table, its procfs, its
 * registry of simulated programs).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { SystemError } from "./ContainerError.js"
import * as Errno from "./internal/errno.js"
import type { WrongFilesystem } from "./internal/filesystemType.js"
import type { ProcStat, StatParseError } from "./internal/procStat.js"
import * as Strconv from "./internal/strconv.js"
import * as Signal from "./Signal.js"

export {
  /** `invalid stat data (…): …` — runc's `parseStat` rejected `/proc/<pid>/stat`. */
  StatParseError
} from "./internal/procStat.js"

/** Name, state letter and start time of a process, as runc's `system.Stat` returns them. */
export type ProcessStat = ProcStat

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

/**
 * A program that could not be started, in Go's words: `exec: "ps":
 * executable file not found in $PATH` for a bare name not found in `PATH`
 * (`exec.LookPath`), else `fork/exec <path>: <errno text>` (`exec.Cmd.Start`).
 */
export class SpawnFailed extends Data.TaggedError("SpawnFailed")<{
  readonly path: string
  /** The errno name, e.g. `ENOENT`, `EACCES`, `ENOEXEC`. */
  readonly code: string
}> {
  override get message(): string {
    return !this.path.includes("/") && this.code === "ENOENT"
      ? `exec: ${Strconv.quote(this.path)}: executable file not found in $PATH`
      : `fork/exec ${this.path}: ${Errno.textOf(this.code)}`
  }
}

/** Every way {@link ProcessesService.signal} can fail. */
export type SignalError = ProcessReleased | ProcessNotInitialized | ProcessFinished | SignalFailed

/**
 * Every way reading `/proc/<pid>/stat` can fail; `WrongFilesystem` when the
 * file is not on procfs (refused unread — runc does not check).
 */
export type StatError = SystemError | WrongFilesystem | StatParseError

/** Options of {@link ProcessesService.signal}. */
export interface SignalOptions {
  /**
   * The start time (field 22 of `/proc/<pid>/stat`) the target must have.
   * When given, a pid now held by another process is never signalled: the
   * call fails with {@link ProcessFinished} instead.
   */
  readonly expectedStartTime?: bigint
}

/** How much of each output stream {@link ProcessesService.run} keeps unless told otherwise: 16 MiB. */
export const defaultMaxOutputBytes = 16 * 1024 * 1024

/** A program to run to completion. */
export interface Command {
  /**
   * The program: a path, or a bare name (no `/`) looked up in `PATH`, as
   * Go's `exec.Command` does.
   */
  readonly path: string
  /** The argument vector, `argv[0]` included; `[path]` when absent or empty, as runc's hooks. */
  readonly args?: ReadonlyArray<string>
  /** The environment, one `KEY=value` each; the host's own when absent (Go's nil `Env`). */
  readonly env?: ReadonlyArray<string>
  /** What the program reads on its stdin; end of file at once when absent. */
  readonly stdin?: Uint8Array
  /**
   * Keep at most this many bytes of each output stream
   * ({@link defaultMaxOutputBytes} by default); the rest is read and dropped.
   */
  readonly maxOutputBytes?: number
  /**
   * `combined`: stderr goes where stdout goes, interleaved as written — Go's
   * `CombinedOutput`, and `stderr` comes back empty. `separate` by default.
   */
  readonly output?: "separate" | "combined"
}

/** How a program ended: its exit code, or the signal that killed it. */
export type ExitStatus =
  | { readonly _tag: "Exited"; readonly code: number }
  | { readonly _tag: "Signaled"; readonly signal: number }

/** A program that ran to its end, whatever its status. */
export interface Completed {
  readonly status: ExitStatus
  readonly stdout: Uint8Array
  readonly stderr: Uint8Array
}

/** Go's `*exec.ExitError` text for a status: `exit status 1`, `signal: killed`. */
export const statusText = (status: ExitStatus): string =>
  status._tag === "Exited" ? `exit status ${status.code}` : `signal: ${Signal.describe(status.signal)}`

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
   * `expectedStartTime`, the process is pinned first (a pidfd on the real
   * host), then its start time checked, then signalled through the pin —
   * so the process checked is the process signalled. Negative pids (process
   * groups), pids beyond int32 and signals outside 0..64 fail with EINVAL
   * without a system call.
   */
  readonly signal: (pid: number, signal: number, options?: SignalOptions) => Effect.Effect<void, SignalError>
  /**
   * Starts `command` and waits for it to end, collecting its output — Go's
   * `exec.Cmd.Run` as runc's hooks and `ps` use it. A status other than 0
   * is a result, not a failure; only a program that cannot be started fails
   * ({@link SpawnFailed}). Interrupting the run (`Effect.timeout`, say)
   * kills the program with SIGKILL and waits for it to be gone.
   */
  readonly run: (command: Command) => Effect.Effect<Completed, SpawnFailed>
  /**
   * {@link isAlive} as a plain call, where the host answers it without
   * effects: what `Factory.list` asks once per container inside one effect
   * per chunk. Absent, callers use {@link isAlive}.
   */
  readonly isAliveNow?: (pid: number, startTime: bigint) => boolean
}

/** The process service. */
export class Processes extends Context.Tag("effect-libcontainer/Processes")<Processes, ProcessesService>() {}

/** What a host provides; {@link make} builds the service from it. */
export interface Primitives {
  /** Reads and parses `/proc/<pid>/stat`. */
  readonly readStat: (pid: number) => Effect.Effect<ProcessStat, StatError>
  /** A cheaper `hasInit` test than one built on `readStat`, where the host has one. */
  readonly isAlive?: (pid: number, startTime: bigint) => Effect.Effect<boolean>
  /** The `hasInit` test as a plain call (see {@link ProcessesService.isAliveNow}); also serves as `isAlive` when that is absent. */
  readonly isAliveNow?: (pid: number, startTime: bigint) => boolean
  /**
   * Delivers a checked signal (pid and signal already validated): pins the
   * process where the host can (a pidfd), runs `check` — false means the pid
   * is another process now, and nothing is sent — then sends.
   */
  readonly send: (pid: number, signal: number, check: Effect.Effect<boolean>) => Effect.Effect<void, SignalError>
  /** Runs a program to completion; see {@link ProcessesService.run}. */
  readonly run: (command: Command) => Effect.Effect<Completed, SpawnFailed>
}

const maxPid = 0x7fffffff

/**
 * The service over a host's primitives. The reads are one small file each
 * and run once per container on `list`, so they carry no span (one would
 * cost more than the read); `signal` and `run` have theirs.
 */
export const make = (primitives: Primitives): ProcessesService => {
  // Suspended, so the stat file is read when the effect runs, not when it is built.
  const stat = (pid: number) => Effect.suspend(() => primitives.readStat(pid))
  const startTime = (pid: number) => Effect.map(stat(pid), (s) => s.startTime)
  const state = (pid: number) => Effect.map(stat(pid), (s) => s.state)
  const isAliveNow = primitives.isAliveNow
  const isAlive = primitives.isAlive ?? (isAliveNow !== undefined
    ? (pid: number, expected: bigint) => Effect.sync(() => isAliveNow(pid, expected))
    : undefined) ?? ((pid: number, expected: bigint) =>
    stat(pid).pipe(
      Effect.map((s) => s.startTime === expected && s.state !== "Z" && s.state !== "X"),
      Effect.orElseSucceed(() => false)
    ))
  const signal = Effect.fn("Processes.signal")(function*(pid: number, signal: number, options?: SignalOptions) {
    if (pid === -1) return yield* new ProcessReleased()
    if (pid === 0) return yield* new ProcessNotInitialized()
    if (!Number.isInteger(pid) || pid < 0 || pid > maxPid || !Signal.isValid(signal)) {
      return yield* new SignalFailed({ pid, signal, code: "EINVAL" })
    }
    const expected = options?.expectedStartTime
    const check = expected === undefined
      ? Effect.succeed(true)
      : primitives.readStat(pid).pipe(
        Effect.map((s) => s.startTime === expected),
        Effect.orElseSucceed(() => false)
      )
    return yield* primitives.send(pid, signal, check)
  })
  const run = Effect.fn("Processes.run")(function*(command: Command) {
    return yield* primitives.run(command)
  })
  return { stat, startTime, state, isAlive, signal, run, ...(isAliveNow !== undefined ? { isAliveNow } : {}) }
}

/**
 * A `send` primitive's answer to a failed `kill(2)`: ESRCH is Go's
 * `os: process already finished`, anything else the bare errno.
 */
export const signalFailure = (pid: number, signal: number, code: string): SignalError =>
  code === "ESRCH" ? new ProcessFinished({ pid, reason: "no such process" }) : new SignalFailed({ pid, signal, code })

/** A `send` primitive's check step: `send` runs only when `check` says the pid is still the process. */
export const whenChecked = (
  pid: number,
  check: Effect.Effect<boolean>,
  send: Effect.Effect<void, SignalError>
): Effect.Effect<void, SignalError> =>
  Effect.flatMap(check, (same) => same ? send : Effect.fail(new ProcessFinished({ pid, reason: "start time differs" })))
