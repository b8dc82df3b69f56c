/**
 * Every failure the factory and the container operations can produce, as
 * tagged errors. The seven sentinels carry runc's exact texts
 * (`libcontainer/error.go`); the others carry the texts runc builds around
 * the failing step, so `error.message` reads the same as runc's output.
 * Where runc wraps an operation's failure in a text of its own (`unable to
 * destroy container: …`), the error keeps its tag and gains that text
 * ({@link withContext}).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Predicate from "effect/Predicate"
import type { CgroupError } from "./internal/cgroups/errors.js"
import * as Errno from "./internal/errno.js"
import type { NotConfined, WrongFilesystem } from "./internal/filesystemType.js"
import type { ResctrlRemovalRefused } from "./internal/intelrdt/errors.js"
import type { SignalError, SpawnFailed } from "./Processes.js"

/** `container with given ID already exists` — runc's `ErrExist`. */
export class ErrExist extends Data.TaggedError("ErrExist")<{}> {
  override get message(): string {
    return "container with given ID already exists"
  }
}

/** `invalid container ID format` — runc's `ErrInvalidID`. */
export class ErrInvalidID extends Data.TaggedError("ErrInvalidID")<{ readonly id: string }> {
  override get message(): string {
    return "invalid container ID format"
  }
}

/** `container does not exist` — runc's `ErrNotExist`. */
export class ErrNotExist extends Data.TaggedError("ErrNotExist")<{}> {
  override get message(): string {
    return "container does not exist"
  }
}

/** `container paused` — runc's `ErrPaused`. */
export class ErrPaused extends Data.TaggedError("ErrPaused")<{}> {
  override get message(): string {
    return "container paused"
  }
}

/** `container still running` — runc's `ErrRunning`. */
export class ErrRunning extends Data.TaggedError("ErrRunning")<{}> {
  override get message(): string {
    return "container still running"
  }
}

/** `container not running` — runc's `ErrNotRunning`. */
export class ErrNotRunning extends Data.TaggedError("ErrNotRunning")<{}> {
  override get message(): string {
    return "container not running"
  }
}

/** `container not paused` — runc's `ErrNotPaused`. */
export class ErrNotPaused extends Data.TaggedError("ErrNotPaused")<{}> {
  override get message(): string {
    return "container not paused"
  }
}

/** `root not set` — Create or Load was given an empty state root. */
export class ErrRootNotSet extends Data.TaggedError("ErrRootNotSet")<{}> {
  override get message(): string {
    return "root not set"
  }
}

/**
 * A failed system call, rendered like Go's `*os.PathError` (`op path: text`)
 * or, when there is a second path, like `*os.LinkError` (`op old new: text`).
 */
export class SystemError extends Data.TaggedError("SystemError")<{
  /** The operation, as Go names it: `open`, `lstat`, `mkdir`, `rename`, `openat2`, … */
  readonly op: string
  readonly path: string
  /** The second path of a two-path operation (rename, link, symlink). */
  readonly path2?: string
  /** The errno name, e.g. `ENOENT`. */
  readonly code: string
}> {
  /** The errno number on this machine, e.g. `2` for `ENOENT`. */
  get errno(): number | undefined {
    return Errno.numberOf(this.code)
  }
  override get message(): string {
    const paths = this.path2 === undefined ? this.path : `${this.path} ${this.path2}`
    return `${this.op} ${paths}: ${Errno.textOf(this.code)}`
  }
}

/** Whether an error is a {@link SystemError} with one of the given errno names. */
export const isSystemError = (u: unknown, ...codes: ReadonlyArray<string>): u is SystemError =>
  Predicate.isTagged(u, "SystemError") && (codes.length === 0 || codes.includes((u as SystemError).code))

/**
 * "Does not exist" as filepath-securejoin's `IsNotExist` reads it: ENOENT,
 * and ENOTDIR (a path component is a regular file). Go's own
 * `os.IsNotExist`, which runc uses elsewhere, is ENOENT alone:
 * `isSystemError(u, "ENOENT")`.
 */
export const isNotExist = (u: unknown): boolean => isSystemError(u, "ENOENT", "ENOTDIR")

/** Any error with a message: what the wrapping errors below carry as their cause. */
export interface ErrorLike {
  readonly _tag: string
  readonly message: string
}

/** `container's cgroup is not empty: N process(es) found` — Create found live pids. */
export class CgroupNotEmpty extends Data.TaggedError("CgroupNotEmpty")<{ readonly count: number }> {
  override get message(): string {
    return `container's cgroup is not empty: ${this.count} process(es) found`
  }
}

/** `container's cgroup unexpectedly frozen` — Create found the cgroup frozen. */
export class CgroupFrozen extends Data.TaggedError("CgroupFrozen")<{}> {
  override get message(): string {
    return "container's cgroup unexpectedly frozen"
  }
}

/** `unable to get cgroup PIDs: <cause>` — Create could not list the cgroup's pids. */
export class CgroupPidsUnavailable extends Data.TaggedError("CgroupPidsUnavailable")<{
  readonly cause: ErrorLike
}> {
  override get message(): string {
    return `unable to get cgroup PIDs: ${this.cause.message}`
  }
}

/** `unable to get cgroup freezer state: <cause>` — Create could not read the freezer. */
export class CgroupFreezerUnavailable extends Data.TaggedError("CgroupFreezerUnavailable")<{
  readonly cause: ErrorLike
}> {
  override get message(): string {
    return `unable to get cgroup freezer state: ${this.cause.message}`
  }
}

/**
 * A JSON document (a config or a state.json) that does not decode. `field` is
 * the dotted path of the offending value (empty for a syntax error), `reason`
 * what is wrong with it, in the words of Go's `encoding/json` where runc would
 * print them (`unexpected EOF`, `json: cannot unmarshal string into Go struct
 * field State.init_process_pid of type int`).
 */
export class JsonDecodeError extends Data.TaggedError("JsonDecodeError")<{
  /** What was being decoded: `Config`, `State`, `Hooks`, … */
  readonly document: string
  readonly field: string
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/** A value that cannot be written as runc's JSON (it does not satisfy the schema). */
export class JsonEncodeError extends Data.TaggedError("JsonEncodeError")<{
  readonly document: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot encode ${this.document}: ${this.reason}`
  }
}

/**
 * A state.json that exists but cannot be used: unreadable content, a
 * non-regular file, too large, or a document that does not decode. runc
 * 1.1.5 crashes or hangs on several of these; here each is this error.
 */
export class StateCorrupt extends Data.TaggedError("StateCorrupt")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `corrupt state file ${this.path}: ${this.reason}`
  }
}

/** `unable to get all container pids: <cause>` — runc's `Processes()` could not list the cgroup. */
export class ProcessesUnavailable extends Data.TaggedError("ProcessesUnavailable")<{
  readonly cause: ErrorLike
}> {
  override get message(): string {
    return `unable to get all container pids: ${this.cause.message}`
  }
}

/**
 * `unable to remove container's cgroup: <cause>` — runc 1.2's `destroy`
 * could not remove the cgroup (`libcontainer/state_linux.go`).
 */
export class CgroupRemovalFailed extends Data.TaggedError("CgroupRemovalFailed")<{
  readonly cause: CgroupError | SystemError
}> {
  override get message(): string {
    return `unable to remove container's cgroup: ${this.cause.message}`
  }
}

/** `unable to remove container's IntelRDT group: <cause>` — runc 1.2's `destroy`. */
export class IntelRdtRemovalFailed extends Data.TaggedError("IntelRdtRemovalFailed")<{
  readonly cause: SystemError | ResctrlRemovalRefused
}> {
  override get message(): string {
    return `unable to remove container's IntelRDT group: ${this.cause.message}`
  }
}

/** `unable to remove container state dir: <cause>` — runc 1.2's `destroy`. */
export class StateDirRemovalFailed extends Data.TaggedError("StateDirRemovalFailed")<{
  readonly cause: SystemError | NotConfined | WrongFilesystem
}> {
  override get message(): string {
    return `unable to remove container state dir: ${this.cause.message}`
  }
}

/** `unable to kill all processes: <cause>` — runc 1.2's `Signal` could not signal the whole cgroup. */
export class KillAllFailed extends Data.TaggedError("KillAllFailed")<{
  readonly cause: ErrNotRunning | CgroupError | SystemError
}> {
  override get message(): string {
    return `unable to kill all processes: ${this.cause.message}`
  }
}

/** `unable to signal init: <cause>` — runc's `Signal` could not signal the init process. */
export class SignalInitFailed extends Data.TaggedError("SignalInitFailed")<{ readonly cause: SignalError }> {
  override get message(): string {
    return `unable to signal init: ${this.cause.message}`
  }
}

/**
 * `error running <name> hook #<index>: <cause>` — runc's `Hooks.Run`: the
 * hook could not be started (`fork/exec …`), ended with a failure status
 * ({@link HookExited}) or ran past its timeout ({@link HookTimedOut}).
 */
export class HookFailed extends Data.TaggedError("HookFailed")<{
  /** The hook list, e.g. `poststop`. */
  readonly name: string
  readonly index: number
  readonly cause: SpawnFailed | HookExited | HookTimedOut
}> {
  override get message(): string {
    return `error running ${this.name} hook #${this.index}: ${this.cause.message}`
  }
}

/**
 * `<status>, stdout: <out>, stderr: <err>` — a hook that ended with a
 * status other than 0 (`exit status 3`, `signal: killed`), with what it
 * wrote (the first 64 KiB of each stream), as runc's `Command.Run` reports it.
 */
export class HookExited extends Data.TaggedError("HookExited")<{
  /** Go's text for the status: `exit status 3`, `signal: killed`. */
  readonly status: string
  readonly stdout: string
  readonly stderr: string
}> {
  override get message(): string {
    return `${this.status}, stdout: ${this.stdout}, stderr: ${this.stderr}`
  }
}

/** `hook ran past specified timeout of <seconds>s` — runc's `Command.Run` killed a hook at its timeout. */
export class HookTimedOut extends Data.TaggedError("HookTimedOut")<{ readonly seconds: number }> {
  override get message(): string {
    return `hook ran past specified timeout of ${this.seconds.toFixed(1)}s`
  }
}

/**
 * runc's wrapping of an operation's failure (`fmt.Errorf("unable to
 * destroy container: %w", err)`) on one of our errors: the same error — its
 * class, tag and fields, so `Effect.catchTag` and `instanceof` still reach
 * it — with the message prefixed (`unable to destroy container: container
 * still running`) and the prefix kept in {@link contextOf}.
 */
export const withContext = <E extends ErrorLike>(context: string, error: E): E => {
  // every own property (fields, `cause`, `stack`), then the wrapped message over the class's own
  const copy = Object.create(Object.getPrototypeOf(error) as object, Object.getOwnPropertyDescriptors(error)) as E
  Object.defineProperty(copy, "message", { value: `${context}: ${error.message}`, configurable: true, writable: true })
  Object.defineProperty(copy, contextKey, { value: [context, ...contextOf(error)], configurable: true })
  return copy
}

const contextKey = Symbol.for("effect-libcontainer/ContainerError/context")

/** The wrapping texts {@link withContext} added to an error, outermost first; none for an error as it was made. */
export const contextOf = (error: ErrorLike): ReadonlyArray<string> =>
  (error as { readonly [contextKey]?: ReadonlyArray<string> })[contextKey] ?? []

/** An error's message without the wrapping {@link withContext} added: what the failing step itself said. */
export const ownMessage = (error: ErrorLike): string => {
  const prefix = contextOf(error).map((c) => `${c}: `).join("")
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message
}

/** `cannot delete container <id> that is not stopped: <status>` — `runc delete` without `--force`. */
export class NotStopped extends Data.TaggedError("NotStopped")<{ readonly id: string; readonly status: string }> {
  override get message(): string {
    return `cannot delete container ${this.id} that is not stopped: ${this.status}`
  }
}

/** `container init still running` — `runc delete --force` gave up waiting for SIGKILL to work. */
export class InitStillRunning extends Data.TaggedError("InitStillRunning")<{}> {
  override get message(): string {
    return "container init still running"
  }
}

/** `invalid state transition from <from> to <to>` — runc's `stateTransitionError`. */
export class StateTransitionError extends Data.TaggedError("StateTransitionError")<{
  readonly from: string
  readonly to: string
}> {
  override get message(): string {
    return `invalid state transition from ${this.from} to ${this.to}`
  }
}
