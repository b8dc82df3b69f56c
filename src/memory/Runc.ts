/**
 * The simulated host's runc: a simulated program (installed at
 * {@link runcPath}) that does on the simulated kernel what runc 1.1.5 does
 * with `create`, `run`, `exec`, `start`, `kill`, `delete` and `state`, with
 * runc's command line (`--root`, `--log`, `--log-format json`), log lines,
 * messages and exit statuses.
 *
 * `create` runs runc's checks (the same pre-flight the runtime port runs),
 * makes the state dir with this library's `Factory.create`, looks the
 * process up in the rootfs (`exec: "x": executable file not found in
 * $PATH`), starts the init process in its own PID namespace (a child of
 * this runc process, named `runc:[2:INIT]`), moves it into the container's
 * cgroups in the simulated cgroupfs, makes `exec.fifo` and writes
 * state.json with `Container.saveState`. The init blocks opening the FIFO
 * for writing until a reader opens it, writes one byte, and then becomes
 * the container's program (the process is renamed, as `execve` renames it)
 * with runc's standard streams. `start`, `kill`, `delete` and `state` are the
 * library's own operations. `exec` starts the program as a child of the
 * init, so it joins the container's PID namespace and cgroups.
 *
 * Not simulated: terminals (a spec with `terminal: true` is refused), hooks
 * other than poststop, `--preserve-fds`, sub-cgroups of `exec --cgroup`.
 */
import type * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as SynchronizedRef from "effect/SynchronizedRef"
import * as Container from "../Container.js"
import { hasPrivatePidNamespace } from "../container/model.js"
import * as Factory from "../Factory.js"
import { Filesystem } from "../Filesystem.js"
import * as Errno from "../internal/errno.js"
import * as GoPath from "../internal/path.js"
import { type ExecOptions, parseArgv, type RunOptions } from "../internal/runtime/argv.js"
import { CannotExec, EmptyContainerId } from "../internal/runtime/errors.js"
import { decodeProcess, specConfig, validateProcessSpec } from "../internal/specconv/load.js"
import { bundleDirectory, preflight, readBundleSpec } from "../internal/specconv/preflight.js"
import { applyExecFlags, checkTerminal, initProcess } from "../internal/specconv/process.js"
import type { Process } from "../internal/specconv/spec.js"
import * as Strconv from "../internal/strconv.js"
import type { ExitStatus } from "../Processes.js"
import * as Signal from "../Signal.js"
import * as State from "../State.js"
import type { SimulatedHost } from "./MemoryHost.js"
import type { Found, Program, ProgramContext } from "./Programs.js"

/** Where the simulated host's runc is installed. */
export const runcPath = "/usr/sbin/runc"

/** The version the simulated runc reports: the runc it simulates. */
export const runcVersion = "1.1.5"

/** What `runc --version` prints. */
const versionText = `runc version ${runcVersion}\ncommit: simulated\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n`

/** A failure of a command, with the message runc prints for it. */
class Failed extends Data.TaggedError("Failed")<{ readonly message: string }> {}

const failed = (error: { readonly message: string }) => new Failed({ message: error.message })

const encoder = new TextEncoder()

const absolute = (path: string, cwd: string): string => GoPath.clean(path.startsWith("/") ? path : GoPath.join(cwd, path))

/** Go's `filepath.Dir` of an absolute, clean path. */
const parentOf = (path: string): string => path.slice(0, Math.max(1, path.lastIndexOf("/")))

/** Go's `filepath.Base` of an absolute, clean path. */
const baseOf = (path: string): string => path.slice(path.lastIndexOf("/") + 1)

/** Go's `time.Now().UTC()` as `MarshalJSON` writes it: RFC 3339 with the nanoseconds, trailing zeros dropped. */
const rfc3339Nano = (nanos: bigint): string => {
  const seconds = new Date(Number(nanos / 1_000_000_000n) * 1000).toISOString().slice(0, 19)
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "")
  return `${seconds}${fraction === "" ? "" : `.${fraction}`}Z`
}

/** The exit code runc reports for a process's status: its own, or 128 + the signal. */
const exitCode = (status: ExitStatus): number => status._tag === "Exited" ? status.code : 128 + status.signal

/** Go's `exec.LookPath` error as runc's init reports it. */
const lookPathError = (name: string, code: string): string =>
  !name.includes("/") && code === "ENOENT"
    ? `exec: ${Strconv.quote(name)}: executable file not found in $PATH`
    : code === "ENOENT" || code === "ENOTDIR"
    ? `exec: ${Strconv.quote(name)}: stat ${name}: ${Errno.textOf(code)}`
    : `exec: ${Strconv.quote(name)}: ${Errno.textOf(code)}`

type LogLevelName = "error" | "warning"

/**
 * Writes one logrus line as this runc writes it, JSON (keys sorted, as Go
 * encodes a map) or text (`time`, `level`, `msg`, then the fields), to
 * `--log` (then an error's bare text to stderr too) or stderr.
 */
const writeLogLine = (
  host: SimulatedHost,
  context: ProgramContext,
  log: string | undefined,
  format: string | undefined,
  line: { readonly level: LogLevelName; readonly message: string; readonly fields: Readonly<Record<string, string>>; readonly time: Date }
): void => {
  const now = line.time.toISOString().replace(/\.\d+Z$/, "Z")
  const byKey = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  const entries = Object.entries(line.fields).sort(byKey)
  const all: Record<string, string> = { ...line.fields, level: line.level, msg: line.message, time: now }
  const text = format === "json"
    ? `${JSON.stringify(Object.fromEntries(Object.entries(all).sort(byKey)))}\n`
    : `time="${now}" level=${line.level} msg=${Strconv.quote(line.message)}${
      entries.map(([k, v]) => ` ${k}=${Strconv.quote(v)}`).join("")
    }\n`
  if (log === undefined || log === "") return context.stderr(text)
  const path = absolute(log, host.fs.cwd)
  const before = Either.getOrElse(host.fs.readFile(path, { maxBytes: 16 * 1024 * 1024 }), () => new Uint8Array(0))
  const encoded = encoder.encode(text)
  const after = new Uint8Array(before.length + encoded.length)
  after.set(before)
  after.set(encoded, before.length)
  host.fs.writeFile(path, after, "truncate", 0o644)
  if (line.level === "error") context.stderr(`${line.message}\n`)
}

/** The logrus lines this runc writes: JSON or text, to `--log` (then the bare error to stderr too) or stderr. */
const logger = (host: SimulatedHost, context: ProgramContext, log: string | undefined, format: string | undefined) =>
  Effect.fnUntraced(function*(level: LogLevelName, message: string) {
    const time = new Date(yield* Clock.currentTimeMillis)
    writeLogLine(host, context, log, format, { level, message, fields: {}, time })
  })

/** The library's warnings while this runc runs (specconv's, Validate's), written as runc's warning lines. */
const warningLogger = (host: SimulatedHost, context: ProgramContext, log: string | undefined, format: string | undefined) =>
  Logger.make(({ annotations, date, logLevel, message }) => {
    if (logLevel._tag !== "Warning") return
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    const fields: Record<string, string> = {}
    for (const [key, value] of HashMap.toEntries(annotations)) fields[key] = String(value)
    writeLogLine(host, context, log, format, { level: "warning", message: text, fields, time: date })
  })

/** Resolves once `ready()` holds, checking on every change of the FIFO's pipe. */
const waitForPipe = (pipe: { readonly onChange: (listener: () => void) => () => void }, ready: () => boolean) =>
  Effect.async<void>((resume) => {
    if (ready()) return resume(Effect.void)
    const stop = pipe.onChange(() => {
      if (!ready()) return
      stop()
      resume(Effect.void)
    })
    return Effect.sync(stop)
  })

/**
 * The container's init: blocked opening `exec.fifo` for writing until a
 * reader has it open, one byte written, then `execve` of the program.
 */
const initProgram = (host: SimulatedHost, fifo: string, found: Found, args: ReadonlyArray<string>): Program => (context) =>
  Effect.gen(function*() {
    for (;;) {
      const pipe = host.fs.pipeOf(fifo)
      if (Either.isLeft(pipe)) return 1
      yield* waitForPipe(pipe.right, () => pipe.right.readers > 0)
      const end = host.fs.openFifo(fifo, "write")
      if (Either.isLeft(end)) continue
      end.right.write(encoder.encode("0"))
      end.right.close()
      break
    }
    host.processes.rename(context.pid, found.name)
    return yield* found.program({ ...context, args })
  })

/** `mkdir -p` in the simulated cgroupfs. */
const makeCgroup = (host: SimulatedHost, path: string): Effect.Effect<void, Failed> =>
  Effect.suspend(() => {
    if (host.cgroups.exists(path)) return Effect.void
    const made = host.cgroups.mkdir(path)
    if (Either.isRight(made)) return Effect.void
    if (made.left.code !== "ENOENT") return Effect.fail(failed(made.left))
    return Effect.zipRight(
      makeCgroup(host, parentOf(path)),
      Effect.suspend(() => Either.mapLeft(host.cgroups.mkdir(path), failed))
    )
  })

/** runc's `createPidFile`: a temp file `.<name>` renamed over the pid file. */
const writePidFile = (path: string, pid: number) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const temp = GoPath.join(parentOf(path), `.${baseOf(path)}`)
    yield* fs.writeFile(temp, encoder.encode(String(pid)), { flag: "exclusive", mode: 0o666 })
    yield* fs.rename(temp, path)
  }).pipe(Effect.mapError(failed))

/** Kills what a failed create made and removes the state dir and cgroups (runc's `r.destroy()`). */
const undo = (host: SimulatedHost, container: Container.Container) =>
  Effect.gen(function*() {
    const model = yield* Container.snapshot(container)
    if (Option.isSome(model.initProcess)) host.processes.signal(model.initProcess.value.pid, Signal.SIGKILL)
    yield* Effect.ignore(Container.destroy(container))
  })

interface Io {
  readonly stdin: Uint8Array
  readonly stdout: (data: string | Uint8Array) => void
  readonly stderr: (data: string | Uint8Array) => void
}

/** runc's `startContainer` for `create` and `run`. */
const startContainer = (host: SimulatedHost, io: Io, runcPid: number, root: string, id: string, options: RunOptions, action: "create" | "run") =>
  Effect.gen(function*() {
    const cwd = host.fs.cwd
    const pidFile = (options.pidFile ?? "") === "" ? undefined : absolute(options.pidFile!, cwd)
    const detach = action === "create" || options.detach === true
    const bundle = yield* bundleDirectory(options.bundle, cwd).pipe(Effect.mapError(failed))
    const fs = yield* Filesystem
    const prepared = yield* preflight(fs.readFile(GoPath.join(bundle, specConfig)), {
      bundle,
      cgroupName: id,
      container: { root, id },
      terminal: options.consoleSocket === undefined ? { detach } : { detach, consoleSocket: options.consoleSocket },
      ...(options.noPivot === true ? { noPivotRoot: true } : {}),
      ...(options.noNewKeyring === true ? { noNewKeyring: true } : {})
    }).pipe(Effect.mapError(failed))
    if (prepared.process.terminal) return yield* new Failed({ message: "the simulated runc has no terminals" })
    // validated above, warnings logged: runc validates once
    const container = yield* Factory.create(root, id, prepared.config, { rules: "runc-1.1.5" }).pipe(
      Effect.mapError(failed),
      Logger.withMinimumLogLevel(LogLevel.Error)
    )
    const init = yield* startInit(host, io, runcPid, container, prepared.process).pipe(
      Effect.tapError(() => undo(host, container))
    )
    if (pidFile !== undefined) yield* writePidFile(pidFile, init.pid)
    if (action === "create") return 0
    yield* Container.start(container).pipe(Effect.mapError(failed), Effect.tapError(() => undo(host, container)))
    if (detach) return 0
    const status = yield* init.status
    if (options.keep !== true) {
      yield* Factory.load(root, id).pipe(Effect.flatMap((c) => Container.remove(c, { force: true })), Effect.ignore)
    }
    return exitCode(status)
  })

/** runc's `linuxContainer.Start` for a new container: init, cgroups, `exec.fifo`, state.json. */
const startInit = (
  host: SimulatedHost,
  io: Io,
  runcPid: number,
  container: Container.Container,
  process: { readonly args: ReadonlyArray<string>; readonly env: ReadonlyArray<string> }
) =>
  Effect.gen(function*() {
    const model = yield* Container.snapshot(container)
    const name = process.args[0]!
    const found = host.programs.lookup(name, { root: model.config.rootfs, env: process.env })
    if (Either.isLeft(found)) {
      return yield* new Failed({ message: `unable to start container process: ${lookPathError(name, found.left)}` })
    }
    const fs = yield* Filesystem
    const fifo = GoPath.join(container.stateDir, State.execFifoFilename)
    yield* fs.makeFifo(fifo, 0o622).pipe(Effect.mapError(failed))
    const init = yield* host.programs.launch(initProgram(host, fifo, found.right, process.args), {
      comm: "runc:[2:INIT]",
      args: process.args,
      env: process.env,
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      ppid: runcPid,
      ...(hasPrivatePidNamespace(model.config) ? { namespaceInit: true } : {})
    }).pipe(Effect.mapError(failed))
    yield* SynchronizedRef.update(container.model, (m) => ({
      ...m,
      initProcess: Option.some({ pid: init.pid, startTime: init.startTime })
    }))
    for (const dir of new Set(Object.values(yield* container.cgroupManager.getPaths))) {
      yield* makeCgroup(host, dir)
      yield* Either.mapLeft(host.cgroups.addProcess(dir, init.pid), failed)
    }
    if (Option.isSome(container.intelRdtManager)) {
      yield* container.intelRdtManager.value.apply(init.pid).pipe(Effect.mapError(failed))
    }
    const created = rfc3339Nano(yield* Clock.currentTimeNanos)
    yield* SynchronizedRef.update(container.model, (m) => ({ ...m, created, state: { kind: "created" as const } }))
    yield* Container.saveState(container).pipe(Effect.mapError(failed))
    return init
  })

/** Go's `strconv.Atoi` as `runc exec --user` uses it. */
const atoi = (text: string, what: "uid" | "gid") => {
  const parsed = Strconv.atoi(text)
  return parsed._tag === "Ok"
    ? Either.right(Number(parsed.value))
    : Either.left(
      new Failed({
        message: `parsing ${text} as int for ${what} failed: ${Strconv.numErrorText("Atoi", text, parsed.kind)}`
      })
    )
}

/** runc's `execProcess`. */
const execProcess = (
  host: SimulatedHost,
  io: Io,
  root: string,
  id: string,
  args: ReadonlyArray<string>,
  options: ExecOptions
) =>
  Effect.gen(function*() {
    const cwd = host.fs.cwd
    const pidFile = (options.pidFile ?? "") === "" ? undefined : absolute(options.pidFile!, cwd)
    if (id === "") return yield* failed(new EmptyContainerId())
    const container = yield* Factory.load(root, id).pipe(Effect.mapError(failed))
    const status = yield* Container.status(container).pipe(Effect.mapError(failed))
    if (status === "stopped") return yield* failed(new CannotExec({ reason: "stopped" }))
    if (status === "paused" && options.ignorePaused !== true) return yield* failed(new CannotExec({ reason: "paused" }))
    const fs = yield* Filesystem
    let process: Process
    if ((options.processFile ?? "") !== "") {
      const bytes = yield* fs.readFile(absolute(options.processFile!, cwd)).pipe(Effect.mapError(failed))
      process = yield* Either.flatMap(decodeProcess(bytes), (p) => validateProcessSpec(p)).pipe(Effect.mapError(failed))
    } else {
      if (args.length === 0) return yield* failed(new CannotExec({ reason: "no-args" }))
      const model = yield* Container.snapshot(container)
      const bundle = (model.config.labels ?? []).find((l) => l.startsWith("bundle="))?.slice("bundle=".length) ?? ""
      const spec = yield* Effect.flatMap(bundleDirectory(bundle, "/"), readBundleSpec).pipe(Effect.mapError(failed))
      const user = options.user === undefined || options.user === "" ? undefined : options.user.split(":", 2)
      const uid = user === undefined ? undefined : yield* atoi(user[0]!, "uid")
      const gid = user?.[1] === undefined ? undefined : yield* atoi(user[1], "gid")
      process = yield* applyExecFlags(spec.process!, {
        args,
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        ...(uid === undefined ? {} : { user: gid === undefined ? { uid } : { uid, gid } }),
        ...(options.additionalGids === undefined ? {} : { additionalGids: options.additionalGids }),
        ...(options.caps === undefined ? {} : { capabilities: options.caps }),
        ...(options.noNewPrivs === true ? { noNewPrivileges: true } : {}),
        ...(options.apparmor === undefined ? {} : { apparmorProfile: options.apparmor }),
        ...(options.processLabel === undefined ? {} : { selinuxLabel: options.processLabel }),
        ...(options.tty === true ? { tty: true } : {})
      }).pipe(Effect.mapError(failed))
    }
    const detach = options.detach === true
    yield* checkTerminal(process, options.consoleSocket === undefined ? { detach } : { detach, consoleSocket: options.consoleSocket })
      .pipe(Effect.mapError(failed))
    if (process.terminal === true) return yield* new Failed({ message: "the simulated runc has no terminals" })
    yield* initProcess(process).pipe(Effect.mapError(failed))
    const model = yield* Container.snapshot(container)
    const initPid = Option.match(model.initProcess, { onNone: () => 1, onSome: (init) => init.pid })
    const argv = process.args ?? []
    const env = process.env ?? []
    const found = host.programs.lookup(argv[0]!, { root: model.config.rootfs, env })
    if (Either.isLeft(found)) {
      return yield* new Failed({ message: `unable to start container process: ${lookPathError(argv[0]!, found.left)}` })
    }
    const launched = yield* host.programs.launch(found.right.program, {
      comm: found.right.name,
      args: argv,
      env,
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      ppid: initPid
    }).pipe(Effect.mapError(failed))
    if (pidFile !== undefined) yield* writePidFile(pidFile, launched.pid)
    if (detach) return 0
    return exitCode(yield* launched.status)
  })

/** `runc delete [--force]`: the library's remove; a state dir without state.json is removed too. */
const deleteContainer = (root: string, id: string, force: boolean) =>
  Effect.gen(function*() {
    if (id === "") return yield* failed(new EmptyContainerId())
    const loaded = yield* Effect.either(Factory.load(root, id))
    if (Either.isRight(loaded)) return yield* Container.remove(loaded.right, { force }).pipe(Effect.mapError(failed))
    if (loaded.left._tag !== "ErrNotExist") return yield* failed(loaded.left)
    const fs = yield* Filesystem
    yield* Effect.ignore(fs.removeAll(GoPath.join(root, id)))
    if (!force) return yield* failed(loaded.left)
  })

const loadNonEmpty = (root: string, id: string) =>
  id === "" ? Effect.fail(failed(new EmptyContainerId())) : Factory.load(root, id).pipe(Effect.mapError(failed))

/** The simulated runc on `host`, its library calls run with `services`. */
export const make = (host: SimulatedHost, services: Context.Context<Factory.Services>): Program => (context) =>
  Effect.gen(function*() {
    const argv = context.args.slice(1)
    if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
      context.stdout(versionText)
      return 0
    }
    const parsed = parseArgv(argv)
    if (Either.isLeft(parsed)) {
      context.stderr(`${parsed.left.message}\n`)
      return 1
    }
    const { command, global } = parsed.right
    const log = logger(host, context, global.log, global.logFormat)
    const root = absolute(global.root ?? "/run/runc", host.fs.cwd)
    const io: Io = { stdin: context.stdin, stdout: context.stdout, stderr: context.stderr }
    const run: Effect.Effect<number, Failed, Factory.Services> = Effect.gen(function*() {
      switch (command._tag) {
        case "Create":
        case "Run":
          return yield* startContainer(
            host,
            io,
            context.pid,
            root,
            command.id,
            command.options,
            command._tag === "Create" ? "create" : "run"
          )
        case "Exec":
          return yield* execProcess(host, io, root, command.id, command.args, command.options)
        case "Start": {
          const container = yield* loadNonEmpty(root, command.id)
          yield* Container.start(container).pipe(Effect.mapError(failed))
          return 0
        }
        case "Kill": {
          const container = yield* loadNonEmpty(root, command.id)
          const signal = yield* Either.mapLeft(Signal.parseKillArgument(command.signal), failed)
          yield* Container.signal(container, signal, { all: command.all === true }).pipe(Effect.mapError(failed))
          return 0
        }
        case "Delete":
          yield* deleteContainer(root, command.id, command.force === true)
          return 0
        case "State": {
          const container = yield* loadNonEmpty(root, command.id)
          const state = yield* Container.ociState(container).pipe(Effect.mapError(failed))
          context.stdout(Container.formatOciState(state))
          return 0
        }
      }
    })
    const prefix = command._tag === "Create"
      ? "runc create failed: "
      : command._tag === "Run"
      ? "runc run failed: "
      : command._tag === "Exec"
      ? "exec failed: "
      : ""
    return yield* run.pipe(
      Effect.catchAll((error) =>
        Effect.as(log("error", `${prefix}${error.message}`), command._tag === "Exec" ? 255 : 1)
      ),
      Effect.provide(services),
      // runc's warnings go to its log only, not to the loggers of whoever runs it
      Effect.locally(FiberRef.currentLoggers, HashSet.make(warningLogger(host, context, global.log, global.logFormat)))
    )
  })
