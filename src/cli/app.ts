/**
 * The `libcontainer` command line as one Effect program on the services in
 * context: runc's `create`, `start`, `run`, `exec`, `list`, `state`, `ps`,
 * `events`, `update`, `pause`, `resume`, `kill` and `delete`, with runc's
 * global flags, help, usage errors and output.
 * {@link run} is the whole program: read the command line
 * (`invocation.ts`), run the command, and turn any failure into runc's one
 * error line.
 *
 * Each command is a module of its own, and {@link commands} is the table
 * of them: a name and what runs it. An Effect command (`pause.ts`, …)
 * exports `command` (or `action`, `execute`), an Effect on the library's
 * services and the runtime; a lean one
 * (`list.ts`, `state.ts`, `ps.ts`) exports `main`, plain code on a lean host
 * (`lean.ts`) — here a host made of the services in context, in the
 * installed CLI this machine's, without Effect (`main.ts`).
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import { CgroupManager } from "../CgroupManager.js"
import * as Container from "../Container.js"
import * as Factory from "../Factory.js"
import { Filesystem } from "../Filesystem.js"
import { Processes } from "../Processes.js"
import { boolFlag, checkFormat, type Command, type Context, load, print, type Services, stringFlag } from "./command.js"
import * as Commands from "./commands.js"
import * as CreateCommand from "./create.js"
import * as Delete from "./delete.js"
import * as Events from "./events.js"
import * as ExecCommand from "./exec.js"
import { layerNode } from "./host.js"
import * as Invocation from "./invocation.js"
import * as Kill from "./kill.js"
import type * as Lean from "./lean.js"
import * as List from "./list.js"
import * as Logrus from "./logrus.js"
import * as Owner from "./owner.js"
import * as Pause from "./pause.js"
import * as Ps from "./ps.js"
import * as PsCarefully from "./psCarefully.js"
import * as Resume from "./resume.js"
import * as RunCommand from "./run.js"
import * as StartCommand from "./startCommand.js"
import * as State from "./state.js"
import { Buffered, type Output } from "./stdio.js"
import * as Tabwriter from "./tabwriter.js"
import * as Update from "./update.js"

export type { Output } from "./stdio.js"
export { EmptyId, InvalidFormat, InvalidRootless, type Services } from "./command.js"
export { filterPs, pidIndex, PsFailed } from "./psCarefully.js"

/** runc's default state root. */
export const defaultRoot = Commands.defaultRoot

/** The CLI's version. */
export const version = Commands.version

/** The logrus line runc prints for an error; see {@link Logrus.errorLine}. */
export const errorLine = Logrus.errorLine

// ---------------------------------------------------------------------------
// The lean commands' careful way

const tableHeader = "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n"

/**
 * `list` the careful way: `Factory.list`, each container reduced to its
 * output as it comes. What the lean `list` hands over when the root
 * cannot be read: the failure is reported here, as runc reports it.
 */
const listCarefully = ({ out, run }: Context) =>
  Effect.gen(function*() {
    const quiet = boolFlag(run, "quiet")
    const format = stringFlag(run, "format", "table")
    const fs = yield* Filesystem
    const owner = Owner.makeLookup(fs.direct.readFile)
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
          const info = fs.direct.stat(entry.container.stateDir)
          if (typeof info === "string") return
          const record = yield* Container.lastOciState(entry.container, owner(info.uid))
          listed++
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

/** `state` the careful way: `Factory.load`, the status refreshed, the OCI state printed. */
const stateCarefully = ({ out, run }: Context) =>
  Effect.gen(function*() {
    const container = yield* load(run)
    yield* print(out, Container.formatOciState(yield* Container.ociState(container)))
  })

/** What the lean commands hand over, by name. */
const careful: Readonly<Record<string, Command>> = {
  list: listCarefully,
  ps: PsCarefully.command,
  state: stateCarefully
}

/** One container of a list, loaded the careful way, as the lean `list` takes it back. */
const loadForList = (root: string, id: string): Effect.Effect<Lean.CarefulEntry, never, Services> =>
  Factory.load(root, id).pipe(
    Effect.flatMap((container) =>
      Effect.map(Container.lastOciState(container), (record): Lean.CarefulEntry => ({
        _tag: "Loaded",
        record,
        stateDir: container.stateDir
      }))
    ),
    Effect.catchAll((error) => Effect.succeed<Lean.CarefulEntry>({ _tag: "Failed", message: error.message }))
  )

/** A lean host made of the services in context: their direct calls, their cgroup mode, their processes. */
const hostOf: Effect.Effect<Lean.Host, never, Services> = Effect.gen(function*() {
  const fs = yield* Filesystem
  const processes = yield* Processes
  const mode = yield* Effect.either(Effect.flatMap(CgroupManager, (cgroups) => cgroups.mode))
  const runtime = yield* Effect.runtime<Services>()
  return {
    direct: fs.direct,
    unified: Either.isRight(mode) ? mode.right === "unified" : undefined,
    isAlive: (pid, startTime) => Runtime.runSync(runtime)(processes.isAlive(pid, startTime)),
    loadForList: (root, id) => Runtime.runPromise(runtime)(loadForList(root, id)),
    runCarefully: (run, out) => Runtime.runPromise(runtime)(runCommand(careful[run.command.name]!, run, out)),
    runPs: (args) =>
      Runtime.runPromise(runtime)(
        processes.run({ path: "ps", args: ["ps", ...args], output: "separate" }).pipe(
          Effect.map((completed) =>
            completed.status._tag === "Exited" && completed.status.code === 0 && completed.stderr.length === 0
              ? new TextDecoder().decode(completed.stdout)
              : undefined
          ),
          Effect.orElseSucceed(() => undefined)
        )
      )
  }
})

/** A lean command (see `lean.ts`) as a command of this program. */
const lean = (main: (run: Invocation.Run, out: Output, host: Lean.Host) => Promise<number>): Command => ({ out, run }) =>
  Effect.flatMap(hostOf, (host) => Effect.promise(() => main(run, out, host)))

// ---------------------------------------------------------------------------
// The commands

/**
 * Every command, by name: what runs it. To add a command, declare it in
 * `commands.ts` (name, flags, argument count, help), write its module
 * exporting `command` (an Effect on the library's services and the
 * runtime, failing with the error whose message is runc's line; an exit
 * status when it ends otherwise) and add one line here.
 */
export const commands: Readonly<Record<string, Command>> = {
  create: ({ out, run }) => CreateCommand.action(run, out),
  delete: Delete.command,
  events: (context) => Events.execute({ ...context, load }),
  exec: ({ out, run }) => ExecCommand.action(run, out),
  kill: Kill.command,
  list: lean(List.main),
  pause: Pause.command,
  ps: lean(Ps.main),
  resume: Resume.command,
  run: ({ out, run }) => RunCommand.action(run, out),
  start: ({ out, run }) => StartCommand.action(run, out),
  state: lean(State.main),
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

/** `effect` with the library's logs going to the run's log, at its level. */
const logged = (run: Invocation.Run) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.provide(Logger.replace(Logger.defaultLogger, logger(run.log))),
    Logger.withMinimumLogLevel(run.globals.debug ? LogLevel.Debug : LogLevel.Info)
  )

/** Runs one command: its exit status, or runc's error line and 1 on any failure (defects included). */
const runCommand = (command: Command, run: Invocation.Run, out: Output): Effect.Effect<number, never, Services> =>
  Effect.suspend(() => command({ run, out })).pipe(
    Effect.map((status) => status ?? 0),
    Effect.catchAllCause((cause) =>
      Effect.sync(() => {
        const failure = Cause.failureOption(cause)
        Logrus.fatal(run.log, messageOf(Option.getOrElse(failure, () => Cause.squash(cause))), out.stderr)
        return 1
      })
    ),
    logged(run)
  )

/**
 * Runs a command `resolve` returned, with its log: 0 on success; on any
 * failure (defects included) runc's error line and 1 — never a stack trace.
 */
export const execute = (run: Invocation.Run, out: Output): Effect.Effect<number, never, Services> =>
  runCommand(commands[run.command.name]!, run, out).pipe(Effect.ensuring(Effect.sync(() => run.log.close())))

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

// ---------------------------------------------------------------------------
// On this host, for the installed CLI

let onThisHost: ManagedRuntime.ManagedRuntime<Services, never> | undefined

/** Runs `effect` on this host's services (`Libcontainer.layerNode`), built once per process. */
const onNode = <A>(effect: Effect.Effect<A, never, Services>): Promise<A> =>
  (onThisHost ??= ManagedRuntime.make(layerNode)).runPromise(effect)

/** For `main.ts`: a command on this host, log closed at the end. */
export const executeOnNode = (run: Invocation.Run, out: Output): Promise<number> => onNode(execute(run, out))

/** For `main.ts`'s lean host: what a lean command hands over, on this host (the log stays open: the command closes it). */
export const carefullyOnNode = (run: Invocation.Run, out: Output): Promise<number> =>
  onNode(runCommand(careful[run.command.name]!, run, out))

/** For `main.ts`'s lean host: one container of a list loaded the careful way, on this host. */
export const loadForListOnNode = (run: Invocation.Run, root: string, id: string): Promise<Lean.CarefulEntry> =>
  onNode(logged(run)(loadForList(root, id)))
