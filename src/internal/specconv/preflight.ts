/**
 * The checks `runc create` and `runc run` make on a bundle before they
 * start anything, in runc 1.1.5's order (`utils_linux.go` `startContainer`
 * → `setupSpec`/`loadSpec`, the empty id, `createContainer` →
 * `CreateLibcontainerConfig`, the factory's `validateID`, `Validate` and
 * existence check, then the runner's `checkTerminal` and `newProcess`): so
 * a caller can refuse a bad bundle with runc's message before running the
 * runtime.
 *
 * Validation: the library's own rules (`Validate`, `Factory.create`) are
 * those of runc's main line after 1.1, which refuse a bind mount carrying
 * filesystem data (`mountsStrict`) and check the scheduler; runc 1.1.5 has
 * neither rule and runs such a bundle. The pre-flight must never refuse what
 * the runtime would run, so it validates with runc 1.1.5's rules
 * (`rules: "runc-1.1.5"`, warnings in 1.1.5's words); a later runc still
 * refuses such a bundle itself, with its own message.
 */
import * as Effect from "effect/Effect"
import type * as Config from "../../Config.js"
import { ErrExist, type ErrInvalidID, type JsonDecodeError, SystemError } from "../../ContainerError.js"
import * as ContainerId from "../../ContainerId.js"
import { Filesystem } from "../../Filesystem.js"
import * as GoPath from "../path.js"
import { evalSymlinks } from "../validate/evalSymlinks.js"
import { secureJoinVFS } from "../../SecureJoin.js"
import * as Validate from "../../Validate.js"
import { EmptyContainerId } from "../runtime/errors.js"
import { type ConvertOptions, createLibcontainerConfig } from "./convert.js"
import { type ProcessInvalid, type SpecInvalid, SpecNotFound } from "./errors.js"
import { loadSpec, type ProcessCheckOptions, specConfig } from "./load.js"
import { checkTerminal, type InitProcess, initProcess, type TerminalUse } from "./process.js"
import type { Spec } from "./spec.js"

/** What the pre-flight needs besides the bundle's config bytes. */
export interface PreflightOptions extends ConvertOptions, ProcessCheckOptions {
  /**
   * The container to be: its id is checked (empty, then runc's format) and
   * `<root>/<id>` must not exist yet, each at runc's point of the sequence.
   */
  readonly container?: { readonly root: string; readonly id: string }
  /** How the process will run: runc's `checkTerminal`, after the existence check. */
  readonly terminal?: TerminalUse
}

/** A bundle that passed: its spec, the config runc would save, the init process. */
export interface Prepared {
  readonly spec: Spec
  readonly config: Config.Config
  readonly process: InitProcess
}

/** Everything the pre-flight can refuse a bundle with. */
export type PreflightError =
  | SpecNotFound
  | SystemError
  | JsonDecodeError
  | ProcessInvalid
  | SpecInvalid
  | Validate.ConfigInvalid
  | EmptyContainerId
  | ErrInvalidID
  | ErrExist

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
  const container = options.container
  if (container !== undefined && container.id === "") return yield* new EmptyContainerId()
  const config = yield* createLibcontainerConfig(spec, options)
  if (container !== undefined) yield* ContainerId.validate(container.id)
  yield* Validate.validate(config, { cwd: options.bundle, rules: "runc-1.1.5" })
  if (container !== undefined) yield* notCreatedYet(container.root, container.id)
  if (options.terminal !== undefined) yield* checkTerminal(spec.process!, options.terminal)
  const process = yield* initProcess(spec.process!)
  return { spec, config, process }
})

/**
 * runc's `os.Chdir(bundle)` then `os.Getwd()`: the bundle directory
 * (`given`, relative to `cwd`; empty means `cwd`), absolute and with its
 * symlinks resolved. A missing one is Go's `chdir <given>: no such file or
 * directory`, a file `… not a directory`.
 */
export const bundleDirectory = (given: string, cwd: string): Effect.Effect<string, SystemError, Filesystem> =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const dir = given === "" ? cwd : GoPath.clean(given.startsWith("/") ? given : GoPath.join(cwd, given))
    const info = yield* fs.stat(dir).pipe(
      Effect.mapError((e) => new SystemError({ op: "chdir", path: given, code: e.code }))
    )
    if (info.type !== "Directory") return yield* new SystemError({ op: "chdir", path: given, code: "ENOTDIR" })
    return yield* evalSymlinks(dir).pipe(Effect.orElseSucceed(() => dir))
  })

/**
 * runc's `loadSpec(specConfig)` in a bundle directory: `config.json` read
 * (missing: {@link SpecNotFound}), decoded with Go's rules, its process
 * validated.
 */
export const readBundleSpec = (dir: string): Effect.Effect<Spec, SpecNotFound | SystemError | JsonDecodeError | ProcessInvalid, Filesystem> =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const bytes = yield* fs.readFile(GoPath.join(dir, specConfig)).pipe(
      Effect.catchIf((e) => e.code === "ENOENT", () => new SpecNotFound({ path: specConfig }))
    )
    return yield* loadSpec(bytes)
  })

/** The factory's existence check: anything at `SecureJoin(root, id)` is `ErrExist`. */
const notCreatedYet = (root: string, id: string) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const stateDir = yield* secureJoinVFS(root, id, fs)
    const exists = yield* fs.stat(stateDir).pipe(
      Effect.as(true),
      Effect.catchIf((e) => e.code === "ENOENT", () => Effect.succeed(false))
    )
    if (exists) return yield* new ErrExist()
  })
