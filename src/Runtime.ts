/**
 * The runtime port: running containers. The init side of a container —
 * namespaces, `pivot_root`, capabilities, seccomp, runc's `nsexec` and
 * `runc init` — stays in an OCI runtime binary (runc 1.x; crun and youki
 * speak its command line but keep state in formats of their own, so their
 * versions are recognised and refused), driven the way go-runc drives it: `create`,
 * `run` and `exec` run the binary with `--root`, `--log <file>` and
 * `--log-format json`, and its failures come back typed from its log lines.
 * Everything that reads or changes state on disk stays native: the
 * container a command made is loaded with `Factory.load`, `start` opens
 * `exec.fifo` itself (`Container.start`), `delete` is `Container.remove`.
 *
 * Before the binary runs, the bundle goes through runc 1.1.5's own checks
 * (`config.json` decoded with Go's rules, the process validated, the spec
 * converted as `specconv` does and the result validated, the id and the
 * existence checked, `checkTerminal`, the rlimits), so a bad bundle fails
 * fast with runc's message; the runtime's version is read once and a
 * runtime or major version this library does not know is refused.
 *
 * Standard streams are `/dev/null` unless given: inherited, or files —
 * never a pipe the library would read to its end, since a detached
 * container's init inherits the runtime's stdio and holds it open for its
 * whole life (runc#1047). {@link runStream} and {@link execStream} give a
 * foreground process's output as a `Stream`, through files that are tailed.
 *
 * A host provides a few {@link Primitives} (start the binary with given
 * streams; a scratch directory; the working directory); {@link make}
 * derives the service. The adapters live with their hosts:
 * `NodeHost.layerRuntime` runs the real binary, and the simulated host
 * (`MemoryHost`) runs its own simulated runc, which creates state dirs and
 * state.json with this library's Factory and starts simulated processes.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Container from "./Container.js"
import { ErrExist, type ErrInvalidID, ErrNotExist, type JsonDecodeError, type JsonEncodeError, type SystemError } from "./ContainerError.js"
import type * as Factory from "./Factory.js"
import type { CannotExec, RuntimeFailed, RuntimeNotFound, RuntimeVersionUnknown, RuntimeVersionUnsupported } from "./internal/runtime/errors.js"
import * as Internal from "./internal/runtime/service.js"
import type { RuntimeVersion } from "./internal/runtime/version.js"
import type { ProcessInvalid, SpecInvalid, SpecNotFound } from "./internal/specconv/errors.js"
import type { PreflightError } from "./internal/specconv/preflight.js"
import type { ExecFlags } from "./internal/specconv/process.js"
import type { Process } from "./internal/specconv/spec.js"
import type { ExitStatus, SpawnFailed } from "./Processes.js"

export {
  /** `container id cannot be empty`. */
  EmptyContainerId,
  /** `runc exec` refused: the container is stopped or paused, or no command was given. */
  CannotExec,
  /** The runtime ran and failed: its last error log line, as it logged it. */
  RuntimeFailed,
  /** The runtime binary cannot be started (not on `PATH`, not executable). */
  RuntimeNotFound,
  /** `<binary> --version` printed nothing this library can read. */
  RuntimeVersionUnknown,
  /** A runtime, or a major version, this library does not drive. */
  RuntimeVersionUnsupported
} from "./internal/runtime/errors.js"
export {
  /** `JSON specification file config.json not found`. */
  SpecNotFound,
  /** The process fails runc's `validateProcessSpec`. */
  ProcessInvalid,
  /** runc's spec conversion (or `newProcess`, or `checkTerminal`) refuses the spec. */
  SpecInvalid
} from "./internal/specconv/errors.js"
export type {
  /** One line of the runtime's log, in any of runc's, crun's or youki's formats. */
  LogEntry
} from "./internal/runtime/log.js"
export type {
  /** A runtime's version, as `--version` prints it. */
  RuntimeVersion
} from "./internal/runtime/version.js"
export type {
  /** An OCI process (`specs.Process`): what `runc exec --process` runs. */
  Process,
  /** An OCI runtime spec (`specs.Spec`): a bundle's `config.json`. */
  Spec
} from "./internal/specconv/spec.js"
export {
  /** Decodes a bundle's `config.json` with Go's rules and texts, as runc's `loadSpec` does (then `validateProcessSpec`). */
  loadSpec,
  /** Writes a process as Go's `json.Marshal` writes a `specs.Process`. */
  encodeProcess
} from "./internal/specconv/load.js"

// ---------------------------------------------------------------------------
// Standard streams

/** Where a process's standard input comes from: `/dev/null` (the default), this process's, or a file. */
export type Input = "null" | "inherit" | { readonly file: string }

/** Where a process's output goes: `/dev/null` (the default), this process's, or a file (truncated unless `append`). */
export type Output = "null" | "inherit" | { readonly file: string; readonly append?: boolean }

/** The three standard streams of the runtime, and so of the container's process; each `/dev/null` unless given. */
export interface Stdio {
  readonly stdin?: Input
  readonly stdout?: Output
  readonly stderr?: Output
}

// ---------------------------------------------------------------------------
// Options and results

/** Options of {@link create} (`runc create`'s flags). */
export interface CreateOptions {
  /** The bundle directory (`--bundle`): `config.json` and the rootfs; relative to the working directory. */
  readonly bundle: string
  /** `--pid-file`: where the runtime writes the init process's pid. */
  readonly pidFile?: string
  /** The runtime's standard streams, which a created container's init inherits. */
  readonly stdio?: Stdio
  /** `--console-socket`: an `AF_UNIX` socket that receives the pty master (needs `process.terminal`). */
  readonly consoleSocket?: string
  /** `--no-pivot`: no `pivot_root` (a rootfs on a ramdisk). */
  readonly noPivot?: boolean
  /** `--no-new-keyring`: keep the caller's session keyring. */
  readonly noNewKeyring?: boolean
  /** `--preserve-fds`: pass this many descriptors after stdio to the container. */
  readonly preserveFds?: number
}

/** Options of {@link run} (`runc run`'s flags). */
export interface RunOptions extends CreateOptions {
  /** `--detach`: create and start, and return the container (else: wait for its exit). */
  readonly detach?: boolean
  /** `--keep`: do not delete the container after it exits (foreground only). */
  readonly keep?: boolean
  /** `--no-subreaper`: the runtime does not make itself a subreaper (foreground only). */
  readonly noSubreaper?: boolean
}

/**
 * What to run in a container, as `runc exec`'s flags say it: the bundle's
 * `process` with `args` in place of its own, `env` and `additionalGids`
 * appended, `capabilities` added, and the other fields replaced when given.
 */
export type ExecProcess = Omit<ExecFlags, "tty">

/** A whole OCI process to run as it is (what `runc exec --process <file>` reads). */
export interface ExecProcessSpec {
  readonly process: Process
}

/**
 * A process document to read, as `runc exec --process <file>` reads it
 * (relative to the working directory), after the container's status is
 * checked: Go's JSON rules and texts, then `validateProcessSpec`.
 */
export interface ExecProcessFile {
  readonly processFile: string
}

/** What {@link exec} runs: the bundle's process changed by exec's flags, a whole process, or a process file. */
export type ExecRequest = ExecProcess | ExecProcessSpec | ExecProcessFile

/** Options of {@link exec} (`runc exec`'s flags). */
export interface ExecOptions {
  readonly stdio?: Stdio
  /** `--tty`: a pseudo-terminal for the process (detached, it needs `consoleSocket`). */
  readonly tty?: boolean
  /** `--detach`: return once the process started, with its pid. */
  readonly detach?: boolean
  /** `--pid-file`. */
  readonly pidFile?: string
  /** `--console-socket`. */
  readonly consoleSocket?: string
  /** `--preserve-fds`. */
  readonly preserveFds?: number
  /** `--cgroup`: `[<controller>[,…]:]<path>` sub-cgroups to run in. */
  readonly cgroups?: ReadonlyArray<string>
  /** `--ignore-paused`: exec in a paused container. */
  readonly ignorePaused?: boolean
}

/** Options of {@link delete}. */
export interface DeleteOptions {
  /** `--force`: kill a running or paused container first. */
  readonly force?: boolean
}

/** A container given by value, or by its root and id (then loaded). */
export type Target = Container.Container | { readonly root: string; readonly id: string }

/**
 * A foreground process ended: its exit code as the runtime reports it — the
 * process's own, or 128 + the signal that killed it.
 */
export interface Exited {
  readonly _tag: "Exited"
  readonly exitCode: number
}

/** A detached `exec`: the process started, with this pid (on the host). */
export interface Detached {
  readonly _tag: "Detached"
  readonly pid: number
}

/** One element of {@link runStream} and {@link execStream}: output as it comes, then the exit. */
export type OutputEvent =
  | { readonly _tag: "Stdout"; readonly data: Uint8Array }
  | { readonly _tag: "Stderr"; readonly data: Uint8Array }
  | Exited

// ---------------------------------------------------------------------------
// Errors

/** Why the runtime's version was not accepted. */
export type VersionError = RuntimeNotFound | RuntimeVersionUnknown | RuntimeVersionUnsupported

/** What the runtime itself can fail with: runc's sentinels where its message is one, else {@link RuntimeFailed}. */
export type InvocationError = ErrExist | ErrNotExist | ErrInvalidID | RuntimeFailed

/** Every way {@link create} can fail: the version, the pre-flight, the runtime, loading the result. */
export type CreateError = VersionError | PreflightError | InvocationError | Factory.LoadError | SystemError

/** Every way {@link start} can fail. */
export type StartError = Factory.LoadError | Container.StartError

/** Every way {@link run} can fail. */
export type RunError = CreateError | Container.StartError

/** Every way {@link exec} can fail. */
export type ExecError =
  | VersionError
  | InvocationError
  | Container.RefreshError
  | CannotExec
  | SpecNotFound
  | ProcessInvalid
  | SpecInvalid
  | JsonDecodeError
  | JsonEncodeError
  | SystemError

/** Every way {@link delete} can fail. */
export type DeleteError = Factory.LoadError | Container.RemoveError

// ---------------------------------------------------------------------------
// The service

/** Running containers; see the module documentation. */
export interface RuntimeService {
  /** The binary this service runs (`runc`, a path, …). */
  readonly binary: string
  /** The runtime's version, read once (`<binary> --version`); an unknown runtime or major version is refused. */
  readonly version: Effect.Effect<RuntimeVersion, VersionError>
  /** `runc create`: the container, loaded, in status `created`. */
  readonly create: (root: string, id: string, options: CreateOptions) => Effect.Effect<Container.Container, CreateError>
  /** `runc start`, natively: a created container's init released through `exec.fifo`. */
  readonly start: (target: Target) => Effect.Effect<Container.Container, StartError>
  /**
   * `runc run`: with `detach`, create and start (natively) and return the
   * running container; without, run in the foreground and return the
   * container's exit code once it has exited (and been deleted, unless
   * `keep`). Interrupting a foreground run kills the container and, unless
   * `keep`, deletes it.
   */
  readonly run: {
    (root: string, id: string, options: RunOptions & { readonly detach: true }): Effect.Effect<Container.Container, RunError>
    (root: string, id: string, options: RunOptions & { readonly detach?: false }): Effect.Effect<Exited, RunError>
    (root: string, id: string, options: RunOptions): Effect.Effect<Container.Container | Exited, RunError>
  }
  /** A foreground `runc run` whose output comes as a stream, ending with the exit. */
  readonly runStream: (
    root: string,
    id: string,
    options: Omit<RunOptions, "detach" | "stdio"> & { readonly stdin?: Input }
  ) => Stream.Stream<OutputEvent, RunError>
  /**
   * `runc exec`: runs a process in the container; in the foreground, its
   * exit code once it ended; with `detach`, its pid once it started.
   * Interrupting a foreground exec kills the process.
   */
  readonly exec: {
    (
      container: Container.Container,
      process: ExecRequest,
      options: ExecOptions & { readonly detach: true }
    ): Effect.Effect<Detached, ExecError>
    (
      container: Container.Container,
      process: ExecRequest,
      options?: ExecOptions & { readonly detach?: false }
    ): Effect.Effect<Exited, ExecError>
    (
      container: Container.Container,
      process: ExecRequest,
      options?: ExecOptions
    ): Effect.Effect<Exited | Detached, ExecError>
  }
  /** A foreground `runc exec` whose output comes as a stream, ending with the exit. */
  readonly execStream: (
    container: Container.Container,
    process: ExecRequest,
    options?: Omit<ExecOptions, "detach" | "stdio"> & { readonly stdin?: Input }
  ) => Stream.Stream<OutputEvent, ExecError>
  /** `runc delete`, natively: a stopped container is destroyed; with `force`, any container is killed first. */
  readonly delete: (target: Target, options?: DeleteOptions) => Effect.Effect<void, DeleteError>
}

/** The runtime the library runs containers with. */
export class Runtime extends Context.Tag("effect-libcontainer/Runtime")<Runtime, RuntimeService>() {}

// ---------------------------------------------------------------------------
// What a host provides

/** A standard input as a host wires it. */
export type Source =
  | { readonly _tag: "Null" }
  | { readonly _tag: "Inherit" }
  | { readonly _tag: "File"; readonly path: string }

/** An output as a host wires it; `Collect` hands every chunk written to `onData` until the process exits. */
export type Sink =
  | { readonly _tag: "Null" }
  | { readonly _tag: "Inherit" }
  | { readonly _tag: "File"; readonly path: string; readonly append: boolean }
  | { readonly _tag: "Collect"; readonly onData: (data: Uint8Array) => void }

/** The runtime's three standard streams, as a host wires them. */
export interface Wiring {
  readonly stdin: Source
  readonly stdout: Sink
  readonly stderr: Sink
}

/** A started runtime process. */
export interface Spawned {
  /**
   * Completes when the process has exited (and, for `Collect` sinks, its
   * output was handed over): its status. Waiting can be interrupted; the
   * process is not killed by that.
   */
  readonly exit: Effect.Effect<ExitStatus>
  /** Sends `signal` (a number) to the runtime process itself, if it has not exited. */
  readonly kill: (signal: number) => Effect.Effect<void>
}

/** What a host provides; {@link make} builds the service from it. */
export interface Primitives {
  /** The runtime binary: a bare name looked up in `PATH`, or a path. */
  readonly binary: string
  /** A directory for scratch files (the runtime's log, a process file, pid files), removed after each call. */
  readonly temporaryDirectory: string
  /** The working directory relative paths (root, bundle, files) are taken from. */
  readonly cwd: Effect.Effect<string>
  /** The effective uid the runtime runs with: not 0 is runc's rootless mode. */
  readonly euid: number
  /**
   * Starts the binary with `args` (the binary itself not included) and
   * these streams; fails only when it cannot be started at all. Never wires
   * a pipe that anything waits on.
   */
  readonly spawn: (args: ReadonlyArray<string>, stdio: Wiring) => Effect.Effect<Spawned, SpawnFailed | SystemError>
}

/** Global flags every call passes, as a runtime's configuration. */
export interface Settings {
  /** `--systemd-cgroup`. */
  readonly systemdCgroup?: boolean
  /** `--rootless`: `true`, `false` or `auto` (the runtime's default). */
  readonly rootless?: "true" | "false" | "auto"
}

/**
 * The service over a host's primitives, with the library's services of the
 * context (the state root is read and the created container loaded through
 * them). The rules — pre-flight, argv, log mapping, interruption — are in
 * `internal/runtime/service.ts`, the same for every host.
 */
export const make: (primitives: Primitives, settings?: Settings) => Effect.Effect<RuntimeService, never, Factory.Services> =
  Internal.make

/** The service from `primitives` as a layer over the library's services. */
export const layer = (primitives: Primitives, settings?: Settings): Layer.Layer<Runtime, never, Factory.Services> =>
  Layer.effect(Runtime, make(primitives, settings))

// ---------------------------------------------------------------------------
// The service's calls, on the Runtime in context

/** The runtime's version; see {@link RuntimeService.version}. */
export const version: Effect.Effect<RuntimeVersion, VersionError, Runtime> = Effect.flatMap(Runtime, (r) => r.version)

/** `runc create`; see {@link RuntimeService.create}. */
export const create = (
  root: string,
  id: string,
  options: CreateOptions
): Effect.Effect<Container.Container, CreateError, Runtime> => Effect.flatMap(Runtime, (r) => r.create(root, id, options))

/** `runc start`, natively; see {@link RuntimeService.start}. */
export const start = (target: Target): Effect.Effect<Container.Container, StartError, Runtime> =>
  Effect.flatMap(Runtime, (r) => r.start(target))

/** `runc run`; see {@link RuntimeService.run}. */
export const run: {
  (root: string, id: string, options: RunOptions & { readonly detach: true }): Effect.Effect<Container.Container, RunError, Runtime>
  (root: string, id: string, options: RunOptions & { readonly detach?: false }): Effect.Effect<Exited, RunError, Runtime>
  (root: string, id: string, options: RunOptions): Effect.Effect<Container.Container | Exited, RunError, Runtime>
} = ((root: string, id: string, options: RunOptions) => Effect.flatMap(Runtime, (r) => r.run(root, id, options))) as never

/** A foreground `runc run` as a stream of its output; see {@link RuntimeService.runStream}. */
export const runStream = (
  root: string,
  id: string,
  options: Omit<RunOptions, "detach" | "stdio"> & { readonly stdin?: Input }
): Stream.Stream<OutputEvent, RunError, Runtime> => Stream.unwrap(Effect.map(Runtime, (r) => r.runStream(root, id, options)))

/** `runc exec`; see {@link RuntimeService.exec}. */
export const exec: {
  (
    container: Container.Container,
    process: ExecRequest,
    options: ExecOptions & { readonly detach: true }
  ): Effect.Effect<Detached, ExecError, Runtime>
  (
    container: Container.Container,
    process: ExecRequest,
    options?: ExecOptions & { readonly detach?: false }
  ): Effect.Effect<Exited, ExecError, Runtime>
  (
    container: Container.Container,
    process: ExecRequest,
    options?: ExecOptions
  ): Effect.Effect<Exited | Detached, ExecError, Runtime>
} = ((container: Container.Container, process: ExecRequest, options?: ExecOptions) =>
  Effect.flatMap(Runtime, (r) => r.exec(container, process, options))) as never

/** A foreground `runc exec` as a stream of its output; see {@link RuntimeService.execStream}. */
export const execStream = (
  container: Container.Container,
  process: ExecRequest,
  options?: Omit<ExecOptions, "detach" | "stdio"> & { readonly stdin?: Input }
): Stream.Stream<OutputEvent, ExecError, Runtime> =>
  Stream.unwrap(Effect.map(Runtime, (r) => r.execStream(container, process, options)))

/** `runc delete`, natively; see {@link RuntimeService.delete}. */
const delete_ = (target: Target, options?: DeleteOptions): Effect.Effect<void, DeleteError, Runtime> =>
  Effect.flatMap(Runtime, (r) => r.delete(target, options))

export {
  /** `runc delete`, natively; see {@link RuntimeService.delete}. */
  delete_ as delete
}

const release = (container: Container.Container) =>
  Effect.flatMap(Runtime, (r) => r.delete(container, { force: true })).pipe(
    Effect.catchAll((e) => e._tag === "ErrNotExist" ? Effect.void : Effect.logWarning(`delete ${container.id}: ${e.message}`))
  )

/**
 * {@link create} for the scope: when the scope closes — the program ended,
 * failed or was interrupted — the container is deleted (`--force`: killed
 * first if it runs), so nothing it made is left: no state dir, no cgroup,
 * no process. A failure to delete is logged.
 */
export const createScoped = (
  root: string,
  id: string,
  options: CreateOptions
): Effect.Effect<Container.Container, CreateError, Runtime | Scope.Scope> =>
  Effect.acquireRelease(create(root, id, options), release)

/** {@link run} detached, for the scope: the running container is deleted (killed first) when the scope closes. */
export const runScoped = (
  root: string,
  id: string,
  options: Omit<RunOptions, "detach">
): Effect.Effect<Container.Container, RunError, Runtime | Scope.Scope> =>
  Effect.acquireRelease(run(root, id, { ...options, detach: true as const }), release)

export {
  /** Re-exported for callers matching on runtime sentinels. */
  ErrExist,
  /** Re-exported for callers matching on runtime sentinels. */
  ErrNotExist
}
