/**
 * The Runtime service assembled from a host's primitives (`Runtime.make`):
 * the version check, runc's pre-flight of a bundle, the runtime's argv,
 * reading its log into typed failures, the native start and delete, and
 * what an interrupted foreground command does. Every host shares it.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as Container from "../../Container.js"
import { type SystemError } from "../../ContainerError.js"
import * as Factory from "../../Factory.js"
import { Filesystem } from "../../Filesystem.js"
import { type ExitStatus, Processes, SpawnFailed } from "../../Processes.js"
import type {
  Detached,
  ExecError,
  ExecOptions,
  ExecRequest,
  Exited,
  Input,
  Output,
  OutputEvent,
  Primitives,
  RunError,
  RunOptions,
  RuntimeService,
  Settings,
  Sink,
  Source,
  Spawned,
  Stdio,
  Target,
  VersionError,
  Wiring,
  CreateOptions,
  DeleteOptions
} from "../../Runtime.js"
import * as Signal from "../../Signal.js"
import * as Errno from "../errno.js"
import * as GoPath from "../path.js"
import { decodeProcess, encodeProcess, specConfig, validateProcessSpec } from "../specconv/load.js"
import { bundleDirectory, preflight, readBundleSpec } from "../specconv/preflight.js"
import { applyExecFlags, checkTerminal, initProcess } from "../specconv/process.js"
import { type Command, type GlobalOptions, toArgv } from "./argv.js"
import { CannotExec, RuntimeNotFound } from "./errors.js"
import { failureOf, lastError, type LogEntry, parseLog } from "./log.js"
import { checkSupported, parseVersion, type RuntimeVersion } from "./version.js"
import * as WallClock from "../wallClock.js"
const decoder = new TextDecoder()
const nullSource: Source = { _tag: "Null" }
const nullSink: Sink = { _tag: "Null" }

const absolute = (path: string, cwd: string): string => GoPath.clean(path.startsWith("/") ? path : GoPath.join(cwd, path))

const sourceOf = (input: Input | undefined, cwd: string): Source =>
  input === undefined || input === "null"
    ? nullSource
    : input === "inherit"
    ? { _tag: "Inherit" }
    : { _tag: "File", path: absolute(input.file, cwd) }

const sinkOf = (output: Output | undefined, cwd: string): Sink =>
  output === undefined || output === "null"
    ? nullSink
    : output === "inherit"
    ? { _tag: "Inherit" }
    : { _tag: "File", path: absolute(output.file, cwd), append: output.append === true }

const wiringOf = (stdio: Stdio | undefined, cwd: string): Wiring => ({
  stdin: sourceOf(stdio?.stdin, cwd),
  stdout: sinkOf(stdio?.stdout, cwd),
  stderr: sinkOf(stdio?.stderr, cwd)
})

/** The prefixes runc puts before the error that ends a command. */
const fatalPrefixes = ["runc create failed: ", "runc run failed: ", "exec failed: "]

/** Whether a failure is the runtime's own (it wrote its text to stderr as well as to its log). */
const isRuntimeFailure = (e: unknown): boolean =>
  typeof e === "object" && e !== null && (e as { readonly _tag?: unknown })._tag === "RuntimeFailed"

const newline = 0x0a

/** A byte stream passed on as it comes, except its last line, held until more comes or it ends. */
class HeldLastLine {
  private held = new Uint8Array(0)
  constructor(private readonly emit: (data: Uint8Array) => void) {}

  push(data: Uint8Array): void {
    const all = new Uint8Array(this.held.length + data.length)
    all.set(this.held)
    all.set(data, this.held.length)
    // the start of the last line: after the last newline that is not the final byte
    const searchEnd = all.length > 0 && all[all.length - 1] === newline ? all.length - 2 : all.length - 1
    const cut = all.lastIndexOf(newline, searchEnd) + 1
    if (cut > 0) this.emit(all.subarray(0, cut))
    this.held = all.slice(cut)
  }

  /** Passes on what is held, unless it is exactly `drop`. */
  end(drop?: string): void {
    const last = this.held
    this.held = new Uint8Array(0)
    if (last.length === 0 || (drop !== undefined && decoder.decode(last) === drop)) return
    this.emit(last)
  }
}

/** How long an interrupted exec's runtime may take to exit once the process was killed. */
const execGrace = "1 second"

const isContainer = (target: Target): target is Container.Container => Container.isContainer(target)

/**
 * The service over a host's primitives, with the library's services of the
 * context (the state root is read and the created container loaded through
 * them).
 */
export const make = (
  primitives: Primitives,
  settings: Settings = {}
): Effect.Effect<RuntimeService, never, Factory.Services> =>
  Effect.gen(function*() {
    const context = yield* Effect.context<Factory.Services>()
    const provide = <A, E>(effect: Effect.Effect<A, E, Factory.Services>): Effect.Effect<A, E> =>
      Effect.provide(effect, context)
    const fs = Context.get(context, Filesystem)
    const processes = Context.get(context, Processes)
    const known = yield* Ref.make(Option.none<RuntimeVersion>())
    const globals: GlobalOptions = {
      ...(settings.systemdCgroup === true ? { systemdCgroup: true } : {}),
      ...(settings.rootless !== undefined ? { rootless: settings.rootless } : {})
    }

    const notFound = <E>(e: E | SpawnFailed): E | RuntimeNotFound =>
      e instanceof SpawnFailed
        ? new RuntimeNotFound({ binary: primitives.binary, reason: e.code === "ENOENT" ? "ENOENT" : Errno.textOf(e.code) })
        : e

    const readVersion = Effect.gen(function*() {
      const chunks: Array<Uint8Array> = []
      const spawned = yield* primitives.spawn(["--version"], {
        stdin: nullSource,
        stdout: { _tag: "Collect", onData: (data) => chunks.push(data) },
        stderr: nullSink
      }).pipe(
        Effect.mapError(notFound),
        Effect.catchTag("SystemError", (e) => new RuntimeNotFound({ binary: primitives.binary, reason: e.message }))
      )
      yield* spawned.exit
      const text = chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") + decoder.decode()
      return yield* Either.flatMap(parseVersion(primitives.binary, text), checkSupported)
    })

    const version: Effect.Effect<RuntimeVersion, VersionError> = Effect.flatMap(
      Ref.get(known),
      Option.match({
        onSome: Effect.succeed,
        onNone: () => Effect.tap(readVersion, (v) => Ref.set(known, Option.some(v)))
      })
    )

    /** A fresh scratch directory for one call, removed afterwards. */
    const scratch = <A, E>(use: (dir: string) => Effect.Effect<A, E>): Effect.Effect<A, E | SystemError> =>
      Effect.acquireUseRelease(
        Effect.gen(function*() {
          for (let attempt = 0;; attempt++) {
            const name = `libcontainer-runtime-${(yield* Random.nextIntBetween(0, 0x7fffffff)).toString(36)}`
            const dir = GoPath.join(primitives.temporaryDirectory, name)
            const made = yield* Effect.either(fs.makeDirectory(dir, 0o700))
            if (Either.isRight(made)) return dir
            if (made.left.code !== "EEXIST" || attempt >= 100) return yield* made.left
          }
        }),
        use,
        (dir) => Effect.ignore(fs.removeAll(dir))
      )

    /** The runtime's warnings, logged here as its own lines were (`runc` logs `invalid configuration`, say). */
    const replay = (entries: ReadonlyArray<LogEntry>) =>
      Effect.forEach(entries, (entry) =>
        entry.level === "warning"
          ? Effect.logWarning(entry.message).pipe(Effect.annotateLogs(entry.fields))
          : Effect.void, { discard: true })

    interface Ran {
      readonly status: ExitStatus
      readonly entries: ReadonlyArray<LogEntry>
      readonly log: string
    }

    /**
     * Runs one command of the runtime to its end. `onInterrupt` is what an
     * interrupted wait does (given the runtime's process) before waiting for
     * the runtime to exit.
     */
    const invoke = (
      dir: string,
      root: string,
      command: Command,
      wiring: Wiring,
      onInterrupt: (spawned: Spawned) => Effect.Effect<void> = () => Effect.void
    ): Effect.Effect<Ran, RuntimeNotFound | SystemError> =>
      Effect.gen(function*() {
        const log = GoPath.join(dir, "log.json")
        const argv = toArgv({ ...globals, root, log, logFormat: "json" }, command)
        const spawned = yield* primitives.spawn(argv, wiring).pipe(Effect.mapError(notFound))
        const status = yield* spawned.exit.pipe(
          // finalizers run uninterruptibly: the stopper is made interruptible, so the runtime's exit ends the race
          Effect.onInterrupt(() =>
            Effect.race(Effect.interruptible(Effect.zipRight(onInterrupt(spawned), Effect.never)), spawned.exit)
          )
        )
        const text = decoder.decode(yield* fs.readFile(log).pipe(Effect.orElseSucceed(() => new Uint8Array(0))))
        const entries = parseLog(text)
        yield* replay(entries)
        return { status, entries, log: text }
      })

    const failure = (ran: Ran, command: Command, name: string) =>
      failureOf({
        runtime: name,
        command: command._tag.toLowerCase(),
        id: command.id,
        exitCode: ran.status._tag === "Exited" ? ran.status.code : null,
        ...(ran.status._tag === "Signaled" ? { signal: Signal.describe(ran.status.signal) } : {}),
        log: ran.log
      })

    /** The runtime's own error that ended a foreground command, if it logged one. */
    const fatalError = (ran: Ran, runtime: string): boolean => {
      if (ran.status._tag === "Signaled") return true
      const error = lastError(ran.entries)
      if (error === undefined) return false
      return runtime !== "runc" || fatalPrefixes.some((prefix) => error.message.startsWith(prefix))
    }

    /** runc create's and run's checks of the bundle, quietly (the runtime logs its own warnings). */
    const prepare = (root: string, id: string, options: CreateOptions, detach: boolean, cwd: string) =>
      Effect.gen(function*() {
        const bundle = yield* provide(bundleDirectory(options.bundle, cwd))
        return yield* provide(
          preflight(fs.readFile(GoPath.join(bundle, specConfig)), {
            bundle,
            cgroupName: id,
            container: { root, id },
            terminal: options.consoleSocket === undefined ? { detach } : { detach, consoleSocket: options.consoleSocket },
            ...(settings.systemdCgroup === true ? { useSystemdCgroup: true } : {}),
            ...(options.noPivot === true ? { noPivotRoot: true } : {}),
            ...(options.noNewKeyring === true ? { noNewKeyring: true } : {}),
            rootlessEUID: primitives.euid !== 0,
            rootlessCgroups: settings.rootless === "true" || (settings.rootless !== "false" && primitives.euid !== 0)
          })
        ).pipe(Logger.withMinimumLogLevel(LogLevel.Error))
      })

    const createFlags = (options: CreateOptions) => ({
      bundle: options.bundle,
      ...(options.pidFile === undefined ? {} : { pidFile: options.pidFile }),
      ...(options.consoleSocket === undefined ? {} : { consoleSocket: options.consoleSocket }),
      ...(options.noPivot === true ? { noPivot: true } : {}),
      ...(options.noNewKeyring === true ? { noNewKeyring: true } : {}),
      ...(options.preserveFds === undefined ? {} : { preserveFds: options.preserveFds })
    })

    const load = (target: Target) =>
      isContainer(target) ? Effect.succeed(target) : provide(Factory.load(target.root, target.id))

    const create = (root: string, id: string, options: CreateOptions) =>
      Effect.gen(function*() {
        const runtime = yield* version
        const cwd = yield* primitives.cwd
        const stateRoot = absolute(root, cwd)
        yield* prepare(stateRoot, id, options, true, cwd)
        yield* scratch((dir) =>
          Effect.gen(function*() {
            const command: Command = { _tag: "Create", id, options: createFlags(options) }
            const ran = yield* invoke(dir, stateRoot, command, wiringOf(options.stdio, cwd))
            if (ran.status._tag !== "Exited" || ran.status.code !== 0) {
              return yield* failure(ran, command, runtime.runtime)
            }
          })
        )
        return yield* provide(Factory.load(stateRoot, id))
      })

    const start = (target: Target) =>
      Effect.gen(function*() {
        const container = yield* load(target)
        yield* provide(Container.start(container))
        return container
      })

    /** SIGKILL to the container once it exists, until the runtime has exited. */
    const killContainer = (root: string, id: string) =>
      Effect.gen(function*() {
        for (;;) {
          const killed = yield* provide(
            Factory.load(root, id).pipe(Effect.flatMap((c) => Container.signal(c, Signal.SIGKILL, { all: true })))
          ).pipe(Effect.as(true), Effect.orElseSucceed(() => false))
          if (killed) return
          yield* WallClock.sleep("20 millis")
        }
      })

    /** SIGKILL to the process whose pid the runtime writes to `pidFile`, once it is there. */
    const killProcess = (pidFile: string) =>
      Effect.gen(function*() {
        for (;;) {
          const pid = yield* fs.readFile(pidFile).pipe(
            Effect.map((bytes) => Number(decoder.decode(bytes).trim())),
            Effect.orElseSucceed(() => 0)
          )
          if (Number.isInteger(pid) && pid > 0) return yield* Effect.ignore(processes.signal(pid, Signal.SIGKILL))
          yield* WallClock.sleep("20 millis")
        }
      })

    /**
     * An interrupted foreground exec: SIGKILL to its process, then — should
     * the runtime still run after {@link execGrace} — to the runtime too.
     * runc 1.1.5 copies a foreground process's output through pipes of its
     * own and waits for their end (`utils_linux.go` `setupProcessPipes`,
     * `tty.Close`), which a child the process left in the container holds
     * open; killing that child is not ours to do, so runc is stopped
     * instead.
     */
    const stopExec = (pidFile: string, spawned: Spawned) =>
      Effect.zipRight(
        killProcess(pidFile),
        Effect.zipRight(WallClock.sleep(execGrace), spawned.kill(Signal.SIGKILL))
      )

    /** Removes a container if it is still there, whatever its status. */
    const removeIfThere = (root: string, id: string) =>
      provide(Factory.load(root, id).pipe(Effect.flatMap((c) => Container.remove(c, { force: true })))).pipe(
        Effect.catchAll((e) => e._tag === "ErrNotExist" ? Effect.void : Effect.logWarning(`delete ${id}: ${e.message}`))
      )

    const runForeground = (root: string, id: string, options: RunOptions, wiring: Wiring) =>
      Effect.gen(function*() {
        const runtime = yield* version
        const cwd = yield* primitives.cwd
        const stateRoot = absolute(root, cwd)
        yield* prepare(stateRoot, id, options, false, cwd)
        return yield* scratch((dir) =>
          Effect.gen(function*() {
            const command: Command = {
              _tag: "Run",
              id,
              options: {
                ...createFlags(options),
                ...(options.keep === true ? { keep: true } : {}),
                ...(options.noSubreaper === true ? { noSubreaper: true } : {})
              }
            }
            const ran = yield* invoke(dir, stateRoot, command, wiring, () => killContainer(stateRoot, id)).pipe(
              Effect.onInterrupt(() => options.keep === true ? Effect.void : removeIfThere(stateRoot, id))
            )
            if (fatalError(ran, runtime.runtime)) return yield* failure(ran, command, runtime.runtime)
            const exited: Exited = { _tag: "Exited", exitCode: ran.status._tag === "Exited" ? ran.status.code : 1 }
            return exited
          })
        )
      })

    const runDetached = (root: string, id: string, options: RunOptions) =>
      Effect.gen(function*() {
        const container = yield* create(root, id, options)
        yield* provide(Container.start(container)).pipe(
          Effect.tapError(() => options.keep === true ? Effect.void : Effect.ignore(provide(Container.remove(container, { force: true }))))
        )
        return container
      })

    const run = (root: string, id: string, options: RunOptions): Effect.Effect<Container.Container | Exited, RunError> =>
      Effect.suspend((): Effect.Effect<Container.Container | Exited, RunError> =>
        options.detach === true
          ? runDetached(root, id, options)
          : Effect.flatMap(primitives.cwd, (cwd) => runForeground(root, id, options, wiringOf(options.stdio, cwd)))
      )

    /** runc's `getProcess`: the bundle's process with exec's flags applied, or the given process. */
    const processFor = (container: Container.Container, process: ExecRequest, tty: boolean) =>
      Effect.gen(function*() {
        if ("process" in process) return yield* validateProcessSpec(process.process)
        if ("processFile" in process) {
          const cwd = yield* primitives.cwd
          const bytes = yield* fs.readFile(absolute(process.processFile, cwd))
          return yield* Either.flatMap(decodeProcess(bytes), (p) => validateProcessSpec(p))
        }
        if (process.args.length === 0) return yield* new CannotExec({ reason: "no-args" })
        const model = yield* Container.snapshot(container)
        const bundle = (model.config.labels ?? []).find((l) => l.startsWith("bundle="))?.slice("bundle=".length) ?? ""
        const spec = yield* provide(Effect.flatMap(bundleDirectory(bundle, "/"), readBundleSpec))
        return yield* applyExecFlags(spec.process!, { ...process, tty })
      })

    const execWith = (container: Container.Container, process: ExecRequest, options: ExecOptions, wiring: Wiring) =>
      Effect.gen(function*() {
        const runtime = yield* version
        const status = yield* provide(Container.status(container))
        if (status === "stopped") return yield* new CannotExec({ reason: "stopped" })
        if (status === "paused" && options.ignorePaused !== true) return yield* new CannotExec({ reason: "paused" })
        const spec = yield* processFor(container, process, options.tty === true)
        const detach = options.detach === true
        yield* checkTerminal(spec, options.consoleSocket === undefined ? { detach } : { detach, consoleSocket: options.consoleSocket })
        yield* initProcess(spec)
        return yield* scratch((dir) =>
          Effect.gen(function*() {
            const processFile = GoPath.join(dir, "process.json")
            const text = yield* encodeProcess(spec)
            yield* fs.writeFile(processFile, new TextEncoder().encode(text), { flag: "exclusive", mode: 0o600 })
            const cwd = yield* primitives.cwd
            const pidFile = options.pidFile === undefined ? GoPath.join(dir, "exec.pid") : absolute(options.pidFile, cwd)
            const command: Command = {
              _tag: "Exec",
              id: container.id,
              args: [],
              options: {
                processFile,
                pidFile,
                ...(detach ? { detach: true } : {}),
                ...(options.consoleSocket === undefined ? {} : { consoleSocket: options.consoleSocket }),
                ...(options.preserveFds === undefined ? {} : { preserveFds: options.preserveFds }),
                ...(options.cgroups === undefined ? {} : { cgroups: options.cgroups }),
                ...(options.ignorePaused === true ? { ignorePaused: true } : {})
              }
            }
            const ran = yield* invoke(dir, container.root, command, wiring, (spawned) => stopExec(pidFile, spawned))
            if (detach) {
              if (ran.status._tag !== "Exited" || ran.status.code !== 0) return yield* failure(ran, command, runtime.runtime)
              const pid = Number(decoder.decode(yield* fs.readFile(pidFile)).trim())
              const detached: Detached = { _tag: "Detached", pid }
              return detached
            }
            if (fatalError(ran, runtime.runtime)) return yield* failure(ran, command, runtime.runtime)
            const exited: Exited = { _tag: "Exited", exitCode: ran.status._tag === "Exited" ? ran.status.code : 1 }
            return exited
          })
        )
      })

    const exec = (container: Container.Container, process: ExecRequest, options: ExecOptions = {}) =>
      Effect.flatMap(primitives.cwd, (cwd) => execWith(container, process, options, wiringOf(options.stdio, cwd)))

    /**
     * A foreground command whose stdout and stderr are collected into a
     * stream, the exit last. The runtime shares its stderr with the process
     * and, when it fails, writes its error there bare as its last line (runc
     * `fatal` with `--log`); the failure carries that text, so stderr's last
     * line is held back until more comes or the command ends, and dropped
     * when it is the runtime's own error.
     */
    const streamed = <E extends { readonly message: string }>(
      stdin: Input | undefined,
      body: (wiring: Wiring) => Effect.Effect<Exited, E>
    ): Stream.Stream<OutputEvent, E> =>
      Stream.asyncScoped<OutputEvent, E>((emit) =>
        Effect.gen(function*() {
          const cwd = yield* primitives.cwd
          const stderr = new HeldLastLine((data) => void emit.single({ _tag: "Stderr", data }))
          const wiring: Wiring = {
            stdin: sourceOf(stdin, cwd),
            stdout: { _tag: "Collect", onData: (data) => void emit.single({ _tag: "Stdout", data }) },
            stderr: { _tag: "Collect", onData: (data) => stderr.push(data) }
          }
          yield* Effect.forkScoped(
            body(wiring).pipe(
              Effect.matchEffect({
                onFailure: (e) =>
                  Effect.promise(() => {
                    stderr.end(isRuntimeFailure(e) ? `${e.message}\n` : undefined)
                    return emit.fail(e)
                  }),
                onSuccess: (exited) =>
                  Effect.promise(() => {
                    stderr.end()
                    return emit.single(exited).then(() => emit.end())
                  })
              })
            )
          )
        })
      )

    const remove = (target: Target, options: DeleteOptions = {}) =>
      Effect.gen(function*() {
        const loaded = yield* Effect.either(load(target))
        if (Either.isRight(loaded)) return yield* provide(Container.remove(loaded.right, options))
        if (loaded.left._tag !== "ErrNotExist" || isContainer(target)) return yield* loaded.left
        // A create that died before writing state.json leaves a bare state dir: runc's delete removes it.
        yield* Effect.ignore(fs.removeAll(GoPath.join(target.root, target.id)))
        if (options.force !== true) return yield* loaded.left
      })

    const service: RuntimeService = {
      binary: primitives.binary,
      version: Effect.withSpan(version, "Runtime.version"),
      create: (root, id, options) => Effect.withSpan(create(root, id, options), "Runtime.create"),
      start: (target) => Effect.withSpan(start(target), "Runtime.start"),
      run: ((root: string, id: string, options: RunOptions) => Effect.withSpan(run(root, id, options), "Runtime.run")) as RuntimeService["run"],
      runStream: (root, id, options) =>
        streamed(options.stdin, (wiring) => runForeground(root, id, { ...options, detach: false }, wiring)),
      exec: ((container: Container.Container, process: ExecRequest, options?: ExecOptions) =>
        Effect.withSpan(exec(container, process, options), "Runtime.exec")) as RuntimeService["exec"],
      execStream: (container, process, options = {}) =>
        streamed(options.stdin, (wiring) =>
          execWith(container, process, { ...options, detach: false }, wiring) as Effect.Effect<Exited, ExecError>),
      delete: (target, options) => Effect.withSpan(remove(target, options), "Runtime.delete")
    }
    return service
  })

