/**
 * The `libcontainer` command line: runc's `list`, `state`, `ps`, `pause`,
 * `resume`, `kill` and `delete` on the services in context, with runc's
 * global flags, help, usage errors and output. {@link run} is the whole
 * program: read the command line (`invocation.ts`), run the command, and
 * turn any failure into runc's one error line.
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Container from "../Container.js"
import * as ContainerError from "../ContainerError.js"
import * as Factory from "../Factory.js"
import { Filesystem } from "../Filesystem.js"
import * as Strconv from "../internal/strconv.js"
import { Processes, statusText } from "../Processes.js"
import * as Signal from "../Signal.js"
import type { Runtime } from "../Runtime.js"
import * as Commands from "./commands.js"
import * as CreateCommand from "./create.js"
import * as Events from "./events.js"
import * as ExecCommand from "./exec.js"
import * as RunCommand from "./run.js"
import * as StartCommand from "./startCommand.js"
import { parseBool } from "./flagset.js"
import * as Invocation from "./invocation.js"
import * as Logrus from "./logrus.js"
import * as Owner from "./owner.js"
import { Buffered, type Output, WriteFailed } from "./stdio.js"
import * as Tabwriter from "./tabwriter.js"
import * as Update from "./update.js"

export type { Output } from "./stdio.js"

/** runc's default state root. */
export const defaultRoot = Commands.defaultRoot

/** The CLI's version. */
export const version = Commands.version

/** The logrus line runc prints for an error; see {@link Logrus.errorLine}. */
export const errorLine = Logrus.errorLine

/** `invalid format option` — `--format` was neither `table` nor `json` (runc checks it itself, after loading). */
export class InvalidFormat extends Data.TaggedError("InvalidFormat")<{ readonly format: string }> {
  override get message(): string {
    return "invalid format option"
  }
}

/** `container id cannot be empty` — runc's `getContainer` on an empty id, before anything is read. */
export class EmptyId extends Data.TaggedError("EmptyId")<{}> {
  override get message(): string {
    return "container id cannot be empty"
  }
}

/** `strconv.ParseBool: parsing "<value>": invalid syntax` — `--rootless` is neither a boolean nor `auto`. */
export class InvalidRootless extends Data.TaggedError("InvalidRootless")<{ readonly value: string }> {
  override get message(): string {
    return `strconv.ParseBool: parsing ${Strconv.quote(this.value)}: invalid syntax`
  }
}

/**
 * `runc ps` could not run or read `ps`: the reason is runc's text
 * (`exec: "ps": executable file not found in $PATH`, `exit status 1: <output>`,
 * `couldn't find PID field in ps output`, `unable to parse pid: …`).
 */
export class PsFailed extends Data.TaggedError("PsFailed")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

const checkFormat = (value: string): Effect.Effect<"table" | "json", InvalidFormat> =>
  value === "table" || value === "json" ? Effect.succeed(value) : Effect.fail(new InvalidFormat({ format: value }))

/** A command's run, with the output it writes to. */
interface Context {
  readonly run: Invocation.Run
  readonly out: Output
}

const stringFlag = (run: Invocation.Run, name: string, fallback: string): string => {
  const value = run.flags.get(name)
  return typeof value === "string" ? value : fallback
}

const boolFlag = (run: Invocation.Run, name: string): boolean => run.flags.get(name) === true

/** Writes to stdout, failing with the write's error. */
const print = (out: Output, text: string): Effect.Effect<void, WriteFailed> =>
  Effect.suspend(() => {
    const failed = out.stdout(text)
    return failed instanceof WriteFailed ? Effect.fail(failed) : Effect.void
  })

/** The first argument as runc's `getContainer` takes it: an empty id is refused before anything is read. */
const load = (run: Invocation.Run): Effect.Effect<Container.Container, Factory.LoadError | EmptyId, Factory.Services> => {
  const id = run.args[0] ?? ""
  return id === "" ? Effect.fail(new EmptyId()) : Factory.load(run.globals.root, id)
}

/**
 * runc's `shouldUseRootlessCgroupManager` and the warning pause, resume
 * and ps give with it: `--rootless` is a boolean, or `auto` (or empty) for
 * "not root, or root in a user namespace".
 */
const warnIfRootless = (run: Invocation.Run, command: string) =>
  Effect.suspend(() => {
    const raw = run.globals.rootless
    const rootless = raw === "" || raw.toLowerCase() === "auto" ? run.rootlessByDefault() : parseBool(raw)
    if (rootless === undefined) return Effect.fail(new InvalidRootless({ value: raw }))
    return rootless
      ? Effect.logWarning(`${Commands.programName} ${command} may fail if you don't have the full access to cgroups`)
      : Effect.void
  })

const tableHeader = "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n"

/**
 * `list`: every container under the root, streamed. Nothing holds every
 * container: each is reduced to its output as it comes — a JSON element or
 * an id written out in 64 KiB pieces, or the six cells of its table row,
 * which Go's tabwriter must see in full before it can align the columns.
 */
const list = ({ out, run }: Context) =>
  Effect.gen(function*() {
    const quiet = boolFlag(run, "quiet")
    const format = stringFlag(run, "format", "table")
    const owner = yield* Owner.makeLookup
    const fs = yield* Filesystem
    const stdout = new Buffered(out.stdout)
    const table = new Tabwriter.Writer(Tabwriter.runcTable, (text) => stdout.write(text))
    let listed = 0
    if (!quiet && format === "table") table.write(tableHeader)
    yield* Factory.list(run.globals.root).pipe(
      Stream.runForEach((entry) =>
        Effect.gen(function*() {
          if (entry._tag === "Failed") {
            out.stderr(`load container ${entry.id}: ${entry.error.message}\n`)
            return
          }
          const info = yield* fs.stat(entry.container.stateDir).pipe(Effect.option)
          if (Option.isNone(info)) return
          const record = yield* Container.lastOciState(entry.container, yield* owner(info.value.uid))
          listed++
          // runc prints ids for -q whatever the format, and checks the format only otherwise
          if (quiet) stdout.write(`${record.id}\n`)
          else if (format === "json") stdout.write((listed === 1 ? "[" : ",") + Container.formatOciStateCompact(record))
          else if (format === "table") {
            table.write(
              `${record.id}\t${record.pid}\t${record.status}\t${record.bundle}\t${record.created}\t${record.owner}\n`
            )
          }
        })
      )
    )
    if (!quiet) {
      if ((yield* checkFormat(format)) === "json") stdout.write(listed === 0 ? "null\n" : "]\n")
      else table.flush()
    }
    const failed = stdout.flush()
    if (failed !== undefined) return yield* Effect.fail(failed)
  })

const state = ({ out, run }: Context) =>
  Effect.gen(function*() {
    const container = yield* load(run)
    yield* print(out, Container.formatOciState(yield* Container.ociState(container)))
  })

/** The index of the PID column in a `ps` header, as runc's `getPidIndex` finds it. */
export const pidIndex = (header: string): number | undefined => {
  const index = header.trim().split(/\s+/).indexOf("PID")
  return index < 0 ? undefined : index
}

const decoder = new TextDecoder()

/**
 * Runs `ps args…` through the Processes port (on a simulated host, its
 * simulated `ps`) and returns its combined output, failing as Go's
 * `exec.Cmd.CombinedOutput` does.
 */
const runPs = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const processes = yield* Processes
    const completed = yield* processes.run({ path: "ps", args: ["ps", ...args], output: "combined" }).pipe(
      Effect.mapError((e) => new PsFailed({ reason: e.message }))
    )
    const output = decoder.decode(completed.stdout)
    if (completed.status._tag === "Exited" && completed.status.code === 0) return output
    return yield* new PsFailed({ reason: `${statusText(completed.status)}: ${output}` })
  })

/**
 * The lines of `ps` output runc's `ps` keeps: the header, then every line
 * whose PID column is one of `pids`; an unparsable PID column fails as
 * runc's `strconv.Atoi` does.
 */
export const filterPs = (output: string, pids: ReadonlyArray<number>): Effect.Effect<string, PsFailed> =>
  Effect.gen(function*() {
    const lines = output.split("\n")
    const header = lines[0] ?? ""
    const index = pidIndex(header)
    if (index === undefined) return yield* new PsFailed({ reason: "couldn't find PID field in ps output" })
    const wanted = new Set(pids)
    let kept = `${header}\n`
    for (const line of lines.slice(1)) {
      if (line === "") continue
      const field = line.trim().split(/\s+/)[index] ?? ""
      const pid = Strconv.atoi(field)
      if (pid._tag !== "Ok") {
        return yield* new PsFailed({ reason: `unable to parse pid: ${Strconv.numErrorText("Atoi", field, pid.kind)}` })
      }
      if (wanted.has(Number(pid.value))) kept += `${line}\n`
    }
    return kept
  })

const ps = ({ out, run }: Context) =>
  Effect.gen(function*() {
    yield* warnIfRootless(run, "ps")
    const container = yield* load(run)
    const pids = yield* Container.processes(container)
    if ((yield* checkFormat(stringFlag(run, "format", "table"))) === "json") {
      return yield* print(out, pids.length === 0 ? "null\n" : `[${pids.join(",")}]\n`)
    }
    const psArgs = run.args.slice(1)
    yield* print(out, yield* filterPs(yield* runPs(psArgs.length === 0 ? ["-ef"] : psArgs), pids))
  })

const pause = ({ run }: Context) =>
  Effect.gen(function*() {
    yield* warnIfRootless(run, "pause")
    yield* Container.pause(yield* load(run))
  })

const resume = ({ run }: Context) =>
  Effect.gen(function*() {
    yield* warnIfRootless(run, "resume")
    yield* Container.resume(yield* load(run))
  })

const kill = ({ run }: Context) =>
  Effect.gen(function*() {
    // runc loads the container before it looks at the signal; a missing or empty signal is SIGTERM
    const container = yield* load(run)
    const number = yield* Signal.parseKillArgument(run.args[1])
    yield* Container.signal(container, number, { all: boolFlag(run, "all") })
  })

/** What a failed destroy said, and whether it carries on, in runc 1.1.5's `destroy(c)`. */
const unfinished = (error: Container.DestroyError): "rdt and state dir" | "state dir" | undefined =>
  error._tag === "CgroupRemovalFailed" ? "rdt and state dir" : error._tag === "IntelRdtRemovalFailed" ? "state dir" : undefined

/**
 * What runc's CLI does when destroying the container fails (its `destroy`
 * helper): the error is logged and the delete still succeeds. runc 1.1.5's
 * `destroy` goes on past a cgroup or Intel RDT group that cannot be
 * removed, so the state directory goes anyway and the container is no
 * longer listed; the library stops at the first failure (runc 1.2's
 * order), so the rest is done here. The logged text is the failing step's
 * own error, as runc 1.1.5 logs it (poststop hooks are not run after such a
 * failure).
 */
const finishDestroy = (container: Container.Container, failure: Container.DestroyError) =>
  Effect.gen(function*() {
    const left = unfinished(failure)
    const removal = failure._tag === "CgroupRemovalFailed" || failure._tag === "IntelRdtRemovalFailed" ? failure : undefined
    yield* Effect.logError(removal !== undefined ? removal.cause.message : ContainerError.ownMessage(failure))
    if (left === undefined) return
    if (left === "rdt and state dir" && Option.isSome(container.intelRdtManager)) {
      yield* Effect.ignore(container.intelRdtManager.value.destroy)
    }
    const fs = yield* Filesystem
    yield* Effect.ignore(fs.removeAll(container.stateDir))
  })

/** Whether `remove` failed in its destroy (runc's `unable to destroy container: …`), not before it. */
const failedToDestroy = (error: Container.RemoveError): error is Container.DestroyError =>
  ContainerError.contextOf(error).includes(destroyContext)

const destroyContext = "unable to destroy container"

const remove = ({ out, run }: Context) =>
  Effect.gen(function*() {
    const force = boolFlag(run, "force")
    const id = run.args[0] ?? ""
    const loaded = yield* load(run).pipe(
      Effect.map(Option.some),
      Effect.catchTag("ErrNotExist", (error) =>
        Effect.gen(function*() {
          // A create that died before writing state.json leaves a bare state dir: runc removes it.
          const fs = yield* Filesystem
          const path = `${run.globals.root}/${id}`
          yield* fs.removeAll(path).pipe(
            Effect.catchAll((e) => Effect.sync(() => out.stderr(`remove ${path}: ${e.message}\n`)))
          )
          return force ? Option.none<Container.Container>() : yield* Effect.fail(error)
        }))
    )
    if (Option.isNone(loaded)) return
    const container = loaded.value
    yield* Container.remove(container, { force }).pipe(
      Effect.catchIf(failedToDestroy, (failure) => finishDestroy(container, failure))
    )
  })

/** What the commands run with: the library's services and the runtime. */
export type Services = Factory.Services | Runtime

const actions: Readonly<Record<string, (context: Context) => Effect.Effect<void | number, unknown, Services>>> = {
  create: ({ out, run }) => CreateCommand.action(run, out),
  exec: ({ out, run }) => ExecCommand.action(run, out),
  run: ({ out, run }) => RunCommand.action(run, out),
  start: ({ out, run }) => StartCommand.action(run, out),
  list,
  state,
  ps,
  pause,
  resume,
  kill,
  delete: remove,
  events: (context) => Events.execute({ ...context, load }),
  update: (context) => Update.execute({ ...context, load })
}

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

const levelOf = (level: LogLevel.LogLevel): Logrus.Level | undefined => {
  switch (level._tag) {
    case "Fatal":
      return "fatal"
    case "Error":
      return "error"
    case "Warning":
      return "warning"
    case "Info":
      return "info"
    case "Debug":
      return "debug"
    default:
      return undefined
  }
}

const text = (message: unknown): string =>
  Array.isArray(message) ? message.map(text).join(" ") : typeof message === "string" ? message : String(message)

/**
 * An Effect logger writing logrus entries to `log`, so what the library
 * logs — a failed thaw while signalling, say — reads as runc's would, in
 * the format and place `--log-format` and `--log` chose. Log annotations
 * are logrus fields (`error` for what runc logs `WithError`).
 */
export const logger = (log: Logrus.Log): Logger.Logger<unknown, void> =>
  Logger.make(({ annotations, cause, date, logLevel, message }) => {
    const level = levelOf(logLevel)
    if (level === undefined) return
    const extra = Cause.isEmpty(cause) ? "" : `: ${Cause.pretty(cause).split("\n")[0] ?? ""}`
    const fields: Array<readonly [string, string]> = []
    for (const [key, value] of annotations) fields.push([key, text(value)])
    Logrus.entry(log, level, text(message) + extra, date, fields)
  })

/**
 * Runs a command `resolve` returned, with its log: 0 on success; on any
 * failure (defects included) runc's error line and 1 — never a stack trace.
 */
export const execute = (run: Invocation.Run, out: Output): Effect.Effect<number, never, Services> =>
  Effect.suspend(() => actions[run.command.name]!({ run, out })).pipe(
    Effect.map((status) => (typeof status === "number" ? status : 0)),
    Effect.catchAllCause((cause) =>
      Effect.sync(() => {
        const failure = Cause.failureOption(cause)
        Logrus.fatal(run.log, messageOf(Option.getOrElse(failure, () => Cause.squash(cause))), out.stderr)
        return 1
      })
    ),
    Effect.provide(Logger.replace(Logger.defaultLogger, logger(run.log))),
    Logger.withMinimumLogLevel(run.globals.debug ? LogLevel.Debug : LogLevel.Info),
    Effect.ensuring(Effect.sync(() => run.log.close()))
  )

/**
 * The CLI on `argv` (shaped as `process.argv`: runtime, script, arguments),
 * returning the exit status: 0; 1 after runc's error line (and, for a usage
 * error, runc's `Incorrect Usage` and the help on stdout); 3 for an unknown
 * help topic, as runc.
 */
export const run = (
  argv: ReadonlyArray<string>,
  out: Output,
  host?: Invocation.Host
): Effect.Effect<number, never, Services> =>
  Effect.suspend(() => {
    const invocation = Invocation.resolve(argv.slice(2), out, host)
    return invocation._tag === "Exit" ? Effect.succeed(invocation.status) : execute(invocation, out)
  })
