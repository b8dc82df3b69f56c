/**
 * How driving an OCI runtime binary can fail, beyond the runc sentinels it
 * maps to (`ErrExist`, `ErrNotExist`, `ErrInvalidID` from
 * `ContainerError`):
 *
 * - {@link RuntimeNotFound}: the binary is not on `PATH` (or not
 *   executable where configured);
 * - {@link RuntimeVersionUnknown}: `--version` printed nothing we can read;
 * - {@link RuntimeVersionUnsupported}: a runtime or major version whose
 *   command line and state layout we do not know;
 * - {@link RuntimeFailed}: the runtime ran and failed, with its own message;
 * - {@link EmptyContainerId} and {@link CannotExec}: refusals runc makes
 *   itself, checked before the runtime runs.
 */
import * as Data from "effect/Data"
import type { LogEntry } from "./log.js"

/** The runtime binary cannot be run: not found on `PATH`, or not executable. */
export class RuntimeNotFound extends Data.TaggedError("RuntimeNotFound")<{
  readonly binary: string
  /** Why, in the words of the failed spawn (e.g. `ENOENT`). */
  readonly reason: string
}> {
  override get message(): string {
    return `exec: "${this.binary}": ${this.reason === "ENOENT" ? "executable file not found in $PATH" : this.reason}`
  }
}

/** `<binary> --version` printed no version line we know. */
export class RuntimeVersionUnknown extends Data.TaggedError("RuntimeVersionUnknown")<{
  readonly binary: string
  readonly output: string
}> {
  override get message(): string {
    const first = this.output.split("\n").find((l) => l.trim() !== "") ?? ""
    return `cannot read the version of ${this.binary} from ${JSON.stringify(first)}`
  }
}

/** A runtime, or a major version of one, this library does not drive. */
export class RuntimeVersionUnsupported extends Data.TaggedError("RuntimeVersionUnsupported")<{
  readonly runtime: string
  readonly version: string
  /** What is supported, e.g. `runc 1.x`. */
  readonly supported: string
  /** Why, for a runtime known not to fit (crun, youki: their own state format). */
  readonly reason?: string
}> {
  override get message(): string {
    const base = `unsupported OCI runtime ${this.runtime} ${this.version} (supported: ${this.supported})`
    return this.reason === undefined ? base : `${base}: ${this.reason}`
  }
}

/**
 * The runtime ran and failed. `message` is its last error log line exactly
 * as it logged it (`runc create failed: …`, `exec failed: …`; see
 * `bareMessage` for the text without the prefix), or `exit status N` when
 * it logged none; `entries` are all the log lines it wrote.
 */
export class RuntimeFailed extends Data.TaggedError("RuntimeFailed")<{
  readonly runtime: string
  readonly command: string
  readonly message: string
  /** The exit status; `null` when a signal ended it. */
  readonly exitCode: number | null
  readonly signal?: string
  readonly entries: ReadonlyArray<LogEntry>
}> {}

/** `container id cannot be empty` — runc's `errEmptyID`, before anything is created or loaded. */
export class EmptyContainerId extends Data.TaggedError("EmptyContainerId")<{}> {
  override get message(): string {
    return "container id cannot be empty"
  }
}

/**
 * `runc exec` refused before starting anything: the container is stopped
 * (`cannot exec in a stopped container`), paused without `ignorePaused`
 * (`cannot exec in a paused container (use --ignore-paused to override)`),
 * or no command was given (`process args cannot be empty`).
 */
export class CannotExec extends Data.TaggedError("CannotExec")<{ readonly reason: "stopped" | "paused" | "no-args" }> {
  override get message(): string {
    switch (this.reason) {
      case "stopped":
        return "cannot exec in a stopped container"
      case "paused":
        return "cannot exec in a paused container (use --ignore-paused to override)"
      case "no-args":
        return "process args cannot be empty"
    }
  }
}
