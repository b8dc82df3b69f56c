/**
 * `ps <id> [ps options]` the careful way, as one Effect on the library's
 * services: the pids of the container's cgroup (runc's `Processes()`), as
 * JSON, or the lines of `ps` (`-ef` by default) whose PID column is one of
 * them, run through the Processes port. What the lean `ps` (`ps.ts`) hands
 * over, with every failure as runc reports it.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Container from "../Container.js"
import * as Strconv from "../internal/strconv.js"
import { Processes, statusText } from "../Processes.js"
import { checkFormat, type Context, load, print, stringFlag, warnIfRootless } from "./command.js"
import { pidIndex } from "./ps.js"

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

export { pidIndex }

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

/** `ps <id> [ps options]` as runc 1.1.5 runs it. */
export const command = ({ out, run }: Context) =>
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

