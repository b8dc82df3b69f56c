/**
 * Why a bundle's `config.json` cannot become a container config, with the
 * texts runc 1.1.5 prints (after its `runc create failed: ` prefix).
 * A JSON document that does not decode is the shared `JsonDecodeError`.
 */
import * as Data from "effect/Data"

/**
 * `JSON specification file config.json not found` — runc's `loadSpec`
 * found no config file in the bundle. `path` is the name runc opened
 * (relative to the bundle).
 */
export class SpecNotFound extends Data.TaggedError("SpecNotFound")<{ readonly path: string }> {
  override get message(): string {
    return `JSON specification file ${this.path} not found`
  }
}

/**
 * The process section fails runc's `validateProcessSpec` (`args must not
 * be empty`, `Cwd must be an absolute path`, …).
 */
export class ProcessInvalid extends Data.TaggedError("ProcessInvalid")<{ readonly message: string }> {}

/**
 * runc's `specconv.CreateLibcontainerConfig` (or `newProcess`, for rlimits)
 * refuses the spec: `root must be specified`, `namespace {"foo" ""} does
 * not exist`, `invalid mount …: mount field contains null byte`, …
 */
export class SpecInvalid extends Data.TaggedError("SpecInvalid")<{ readonly message: string }> {}
