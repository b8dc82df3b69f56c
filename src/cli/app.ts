/**
 * The `libcontainer` command line: runc's `list`, `state`, `ps`, `pause`,
 * `resume`, `kill` and `delete`, with runc's global `--root` and runc's
 * output, on the services in context. {@link run} is the whole program:
 * parse, execute, and turn any failure into runc's one error line.
 */
import * as Args from "@effect/cli/Args"
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import * as Container from "../Container.js"
import * as Factory from "../Factory.js"
import { Filesystem } from "../Filesystem.js"
import * as Strconv from "../internal/strconv.js"
import * as Signal from "../Signal.js"
import * as Logrus from "./logrus.js"
import * as Owner from "./owner.js"
import * as Tabwriter from "./tabwriter.js"

/** runc's default state root. */
export const defaultRoot = "/run/runc"

/** The CLI's version. */
export const version = "0.1.0"

/** Where command output goes; the real CLI writes to the process's stdout and stderr. */
export interface Output {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
}

/** `invalid format option` — `--format` was neither `table` nor `json` (runc checks it itself, after loading). */
export class InvalidFormat extends Data.TaggedError("InvalidFormat")<{ readonly format: string }> {
  override get message(): string {
    return "invalid format option"
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

/** The logrus line runc prints for an error; see {@link Logrus.errorLine}. */
export const errorLine = Logrus.errorLine

const root = Options.text("root").pipe(
  Options.withDescription("root directory for storage of container state (this should be located in tmpfs)"),
  Options.withDefault(defaultRoot)
)

const containerId = Args.text({ name: "container-id" })

// A free-form option, so a wrong value gets runc's `invalid format option` rather than a usage error.
const format = Options.text("format").pipe(
  Options.withAlias("f"),
  Options.withDescription("select one of: table or json"),
  Options.withDefault("table")
)

const checkFormat = (value: string): Effect.Effect<"table" | "json", InvalidFormat> =>
  value === "table" || value === "json" ? Effect.succeed(value) : Effect.fail(new InvalidFormat({ format: value }))

/** The root command, whose `--root` every subcommand reads. */
const main = Command.make("libcontainer", { root })

const list = (out: Output) =>
  Command.make(
    "list",
    {
      format,
      quiet: Options.boolean("quiet").pipe(Options.withAlias("q"), Options.withDescription("display only container IDs"))
    },
    ({ format, quiet }) =>
      Effect.gen(function*() {
        const { root } = yield* main
        const owner = yield* Owner.makeLookup
        const fs = yield* Filesystem
        const records: Array<Container.OciState> = []
        yield* Factory.list(root).pipe(
          Stream.runForEach((entry) =>
            Effect.gen(function*() {
              if (entry._tag === "Failed") {
                out.stderr(`load container ${entry.id}: ${entry.error.message}\n`)
                return
              }
              const info = yield* fs.stat(entry.container.stateDir).pipe(Effect.option)
              if (Option.isNone(info)) return
              records.push(
                Container.ociStateFor(entry.container, Container.lastStatus(entry.container), yield* owner(info.value.uid))
              )
            })
          )
        )
        // runc prints IDs for -q whatever the format, and checks the format only otherwise.
        if (quiet) {
          for (const r of records) out.stdout(`${r.id}\n`)
        } else if ((yield* checkFormat(format)) === "json") {
          out.stdout(
            records.length === 0 ? "null\n" : `[${records.map(Container.formatOciStateCompact).join(",")}]\n`
          )
        } else {
          out.stdout(Tabwriter.format([
            ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"],
            ...records.map((r) => [r.id, String(r.pid), r.status, r.bundle, r.created, r.owner])
          ]))
        }
      })
  ).pipe(Command.withDescription("lists containers started by runc with the given root"))

const state = (out: Output) =>
  Command.make("state", { id: containerId }, ({ id }) =>
    Effect.gen(function*() {
      const { root } = yield* main
      const container = yield* Factory.load(root, id)
      out.stdout(Container.formatOciState(yield* Container.ociState(container)))
    })).pipe(Command.withDescription("output the state of a container"))

/** The index of the PID column in a `ps` header, as runc's `getPidIndex` finds it. */
export const pidIndex = (header: string): number | undefined => {
  const index = header.trim().split(/\s+/).indexOf("PID")
  return index < 0 ? undefined : index
}

/** Runs `ps args…` and returns its combined output, failing as Go's `exec.Cmd.CombinedOutput` does. */
const runPs = (args: ReadonlyArray<string>) =>
  Effect.async<string, PsFailed>((resume) => {
    const child = spawn("ps", [...args], { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    child.on("error", (e: NodeJS.ErrnoException) =>
      resume(Effect.fail(
        new PsFailed({
          reason: e.code === "ENOENT" ? `exec: "ps": executable file not found in $PATH` : `exec: "ps": ${e.message}`
        })
      )))
    child.on("close", (code) =>
      resume(
        code === 0 ? Effect.succeed(output) : Effect.fail(new PsFailed({ reason: `exit status ${code}: ${output}` }))
      ))
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

const ps = (out: Output) =>
  Command.make(
    "ps",
    { format, id: containerId, psArgs: Args.repeated(Args.text({ name: "ps-args" })) },
    ({ format, id, psArgs }) =>
      Effect.gen(function*() {
        const { root } = yield* main
        const container = yield* Factory.load(root, id)
        const pids = yield* Container.processes(container)
        if ((yield* checkFormat(format)) === "json") {
          out.stdout(pids.length === 0 ? "null\n" : `[${pids.join(",")}]\n`)
          return
        }
        out.stdout(yield* filterPs(yield* runPs(psArgs.length === 0 ? ["-ef"] : psArgs), pids))
      })
  ).pipe(Command.withDescription("ps displays the processes running inside a container"))

const pause = Command.make("pause", { id: containerId }, ({ id }) =>
  Effect.gen(function*() {
    const { root } = yield* main
    yield* Container.pause(yield* Factory.load(root, id))
  })).pipe(Command.withDescription("pause suspends all processes inside the container"))

const resume = Command.make("resume", { id: containerId }, ({ id }) =>
  Effect.gen(function*() {
    const { root } = yield* main
    yield* Container.resume(yield* Factory.load(root, id))
  })).pipe(Command.withDescription("resumes all processes that have been previously paused"))

const kill = Command.make(
  "kill",
  {
    all: Options.boolean("all").pipe(
      Options.withAlias("a"),
      Options.withDescription("send the specified signal to all processes inside the container")
    ),
    id: containerId,
    signal: Args.text({ name: "signal" }).pipe(Args.withDefault("SIGTERM"))
  },
  ({ all, id, signal }) =>
    Effect.gen(function*() {
      const { root } = yield* main
      // runc loads the container before it looks at the signal.
      const container = yield* Factory.load(root, id)
      const number = yield* Signal.parse(signal)
      yield* Container.signal(container, number, { all })
    })
).pipe(Command.withDescription("kill sends the specified signal (default: SIGTERM) to the container's init process"))

const remove = (out: Output) =>
  Command.make(
    "delete",
    {
      force: Options.boolean("force").pipe(
        Options.withAlias("f"),
        Options.withDescription("Forcibly deletes the container if it is still running (uses SIGKILL)")
      ),
      id: containerId
    },
    ({ force, id }) =>
      Effect.gen(function*() {
        const { root } = yield* main
        const loaded = yield* Factory.load(root, id).pipe(
          Effect.map(Option.some),
          Effect.catchTag("ErrNotExist", (error) =>
            Effect.gen(function*() {
              // A create that died before writing state.json leaves a bare state dir: runc removes it.
              const fs = yield* Filesystem
              const path = `${root}/${id}`
              yield* fs.removeAll(path).pipe(
                Effect.catchAll((e) => Effect.sync(() => out.stderr(`remove ${path}: ${e.message}\n`)))
              )
              return force ? Option.none<Container.Container>() : yield* Effect.fail(error)
            }))
        )
        if (Option.isSome(loaded)) yield* Container.remove(loaded.value, { force })
      })
  ).pipe(Command.withDescription("delete any resources held by the container often used with detached container"))

/** The whole command tree, writing to `out`. */
export const command = (out: Output) =>
  main.pipe(Command.withSubcommands([list(out), state(out), ps(out), pause, resume, kill, remove(out)]))

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/**
 * The CLI on `argv` (shaped as `process.argv`: runtime, script, arguments),
 * returning the exit status. A failure of a command prints runc's error line
 * on `out.stderr` and gives 1 — never a stack trace, defects included; a
 * usage error has already been explained by @effect/cli and gives 1 too.
 * Library warnings are logged as logrus lines on `out.stderr`.
 */
export const run = (
  argv: ReadonlyArray<string>,
  out: Output
): Effect.Effect<number, never, Factory.Services | CliApp.CliApp.Environment> =>
  Command.run(command(out), { name: "libcontainer", version })(argv).pipe(
    Effect.as(0),
    Effect.catchAllCause((cause) =>
      Effect.sync(() => {
        const failure = Cause.failureOption(cause)
        if (Option.isSome(failure) && ValidationError.isValidationError(failure.value)) return 1
        out.stderr(errorLine(messageOf(Option.getOrElse(failure, () => Cause.squash(cause)))))
        return 1
      })
    ),
    Effect.provide(Logger.replace(Logger.defaultLogger, Logrus.logger(out.stderr)))
  )
