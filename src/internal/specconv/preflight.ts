/**
 * The checks `runc create` and `runc run` make on a bundle before they
 * start anything, in runc 1.1.5's order (`utils_linux.go` `startContainer`
 * → `setupSpec`/`loadSpec`, `createContainer` → `CreateLibcontainerConfig`,
 * the factory's `Validate`, then `newProcess`): so a caller can refuse a
 * bad bundle with runc's message before running the runtime.
 *
 * runc's other checks sit between these and belong to whoever creates the
 * state dir: an empty id (`container id cannot be empty`) right after the
 * spec is loaded, and the factory's id format and existence checks between
 * validation and the process.
 */
import * as Effect from "effect/Effect"
import type * as Config from "../../Config.js"
import type { JsonDecodeError, SystemError } from "../../ContainerError.js"
import * as Validate from "../../Validate.js"
import { type ConvertOptions, createLibcontainerConfig } from "./convert.js"
import { type ProcessInvalid, type SpecInvalid, SpecNotFound } from "./errors.js"
import { loadSpec, type ProcessCheckOptions, specConfig } from "./load.js"
import { type InitProcess, initProcess } from "./process.js"
import type { Spec } from "./spec.js"

/** What the pre-flight needs besides the bundle's config bytes. */
export interface PreflightOptions extends ConvertOptions, ProcessCheckOptions {}

/** A bundle that passed: its spec, the config runc would save, the init process. */
export interface Prepared {
  readonly spec: Spec
  readonly config: Config.Config
  readonly process: InitProcess
}

/** Everything the pre-flight can refuse a bundle with. */
export type PreflightError = SpecNotFound | SystemError | JsonDecodeError | ProcessInvalid | SpecInvalid | Validate.ConfigInvalid

/**
 * runc's create-time checks of a bundle. `readConfig` reads the bundle's
 * `config.json`; its ENOENT is runc's `JSON specification file config.json
 * not found`, any other failure passes through. `options.bundle` is the
 * bundle directory as runc's getcwd would see it after `chdir`.
 */
export const preflight: (
  readConfig: Effect.Effect<Uint8Array, SystemError>,
  options: PreflightOptions
) => Effect.Effect<Prepared, PreflightError, Validate.Services> = Effect.fn("Specconv.preflight")(function*(
  readConfig: Effect.Effect<Uint8Array, SystemError>,
  options: PreflightOptions
) {
  const bytes = yield* readConfig.pipe(
    Effect.catchIf((e) => e.code === "ENOENT", () => new SpecNotFound({ path: specConfig }))
  )
  const spec = yield* loadSpec(bytes, options)
  const config = yield* createLibcontainerConfig(spec, options)
  yield* Validate.validate(config, { cwd: options.bundle })
  const process = yield* initProcess(spec.process!)
  return { spec, config, process }
})
