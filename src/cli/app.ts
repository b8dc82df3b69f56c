/**
 * The `libcontainer` command line: runc's `list`, `state`, `ps`, `pause`,
 * `resume`, `kill` and `delete`, with runc's global `--root` and runc's
 * output, on the services in context.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import * as Container from "../Container.js"
import type { ErrorLike } from "../ContainerError.js"
import * as Factory from "../Factory.js"
import { Filesystem } from "../Filesystem.js"
import * as Signal from "../Signal.js"
import * as Owner from "./owner.js"
import * as Tabwriter from "./tabwriter.js"

/** runc's default state root. */
export const defaultRoot = "/run/runc"

/** Where command output goes; the real CLI writes to the process's stdout and stderr. */
export interface Output {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
}

const root = Options.text("root").pipe(
  Options.withDescription("root directory for storage of container state (this should be located in tmpfs)"),
  Options.withDefault(defaultRoot)
)

const containerId = Args.text({ name: "container-id" })

const format = Options.choice("format", ["table", "json"]).pipe(
  Options.withAlias("f"),
  Options.withDescription("select one of: table or json"),
  Options.withDefault("table" as const)
)

/** The root command, whose `--root` every subcommand reads. */
const main = Command.make("libcontainer", { root })

/** The logrus line runc prints for an error, which tools that wrap runc parse. */
export const errorLine = (message: string, now: Date = new Date()): string =>
  `time="${now.toISOString().replace(/\.\d+Z$/, "Z")}" level=error msg=${JSON.stringify(message)}\n`

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
                Container.ociStateFor(entry.container, Container.lastStatus(entry.container), owner(info.value.uid))
              )
            })
          )
        )
        if (quiet) {
          for (const r of records) out.stdout(`${r.id}\n`)
        } else if (format === "json") {
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

const runPs = (args: ReadonlyArray<string>) =>
  Effect.async<string, ErrorLike>((resume) => {
    const child = spawn("ps", [...args], { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    child.on("error", (e) => resume(Effect.fail({ _tag: "PsFailed", message: `exec: "ps": ${e.message}` })))
    child.on("close", (code) =>
      resume(code === 0 ? Effect.succeed(output) : Effect.fail({ _tag: "PsFailed", message: `exit status ${code}: ${output}` })))
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
        if (format === "json") {
          out.stdout(pids.length === 0 ? "null\n" : `[${pids.join(",")}]\n`)
          return
        }
        const lines = (yield* runPs(psArgs.length === 0 ? ["-ef"] : psArgs)).split("\n")
        const header = lines[0] ?? ""
        const index = pidIndex(header)
        if (index === undefined) return yield* Effect.fail({ _tag: "PsFailed", message: "couldn't find PID field in ps output" })
        out.stdout(`${header}\n`)
        const wanted = new Set(pids)
        for (const line of lines.slice(1)) {
          if (line === "") continue
          const field = line.trim().split(/\s+/)[index] ?? ""
          const pid = Number(field)
          if (!/^-?\d+$/.test(field)) {
            return yield* Effect.fail({ _tag: "PsFailed", message: `unable to parse pid: strconv.Atoi: parsing ${JSON.stringify(field)}: invalid syntax` })
          }
          if (wanted.has(pid)) out.stdout(`${line}\n`)
        }
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
    all: Options.boolean("all").pipe(Options.withAlias("a"), Options.withDescription("send the signal to all processes in the container")),
    id: containerId,
    signal: Args.text({ name: "signal" }).pipe(Args.withDefault("SIGTERM"))
  },
  ({ all, id, signal }) =>
    Effect.gen(function*() {
      const { root } = yield* main
      const container = yield* Factory.load(root, id)
      const number = yield* Signal.parse(signal)
      yield* Container.signal(container, number, { all })
    })
).pipe(Command.withDescription("kill sends the specified signal (default: SIGTERM) to the container's init process"))

const remove = (out: Output) =>
  Command.make(
    "delete",
    {
      force: Options.boolean("force").pipe(Options.withAlias("f"), Options.withDescription("forcibly deletes the container if it is still running (uses SIGKILL)")),
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
            })
          )
        )
        if (Option.isSome(loaded)) yield* Container.remove(loaded.value, { force })
      })
  ).pipe(Command.withDescription("delete any resources held by the container often used with detached container"))

/** The whole command tree, writing to `out`. */
export const command = (out: Output) =>
  main.pipe(Command.withSubcommands([list(out), state(out), ps(out), pause, resume, kill, remove(out)]))

/** The CLI's version. */
export const version = "0.1.0"
