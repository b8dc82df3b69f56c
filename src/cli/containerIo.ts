/**
 * What the commands that run containers (`create`, `run`, `exec`, `start`)
 * share: their failures as runc prints them (`runc create failed: …`,
 * `exec failed: …`), and a foreground process's output forwarded to the
 * CLI's own stdout and stderr as it comes.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { bareMessage } from "../internal/runtime/log.js"
import type * as Runtime from "../Runtime.js"
import type * as Invocation from "./invocation.js"
import * as Logrus from "./logrus.js"
import type { Output } from "./stdio.js"

/** A command's failure with the text runc prints for it. */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{ readonly message: string }> {}

/**
 * The failure as runc's command reports it: `prefix` (`runc create failed: `,
 * `runc run failed: `, `exec failed: `, or nothing) before the bare message —
 * a runtime's own failure carries that prefix already, and keeps it once.
 */
export const failedWith = (prefix: string) => (error: { readonly message: string }): CommandFailed =>
  new CommandFailed({ message: `${prefix}${bareMessage(error.message)}` })

/** A string flag's value, or `fallback`. */
export const stringFlag = (run: Invocation.Run, name: string, fallback = ""): string => {
  const value = run.flags.get(name)
  return typeof value === "string" ? value : fallback
}

/** Whether a boolean flag was given (true). */
export const boolFlag = (run: Invocation.Run, name: string): boolean => run.flags.get(name) === true

/** An int flag's value (already checked by the parser), or undefined. */
export const intFlag = (run: Invocation.Run, name: string): number | undefined => {
  const value = run.flags.get(name)
  if (typeof value !== "string") return undefined
  const digits = value.replace(/_/g, "")
  const negative = digits.startsWith("-")
  const magnitude = digits.replace(/^[+-]/, "")
  const number = /^0[0-7]+$/.test(magnitude) ? parseInt(magnitude.slice(1), 8) : Number(magnitude.replace(/^0[oO]/, "0o"))
  return negative ? -number : number
}

/**
 * Runs a foreground process's stream, writing its output to the CLI's
 * stdout and stderr as it comes; the process's exit code.
 */
export const forward = <E, R>(stream: Stream.Stream<Runtime.OutputEvent, E, R>, out: Output): Effect.Effect<number, E, R> =>
  Effect.gen(function*() {
    const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() }
    let code = 0
    yield* Stream.runForEach(stream, (event) =>
      Effect.sync(() => {
        if (event._tag === "Stdout") out.stdout(decoder.stdout.decode(event.data, { stream: true }))
        else if (event._tag === "Stderr") out.stderr(decoder.stderr.decode(event.data, { stream: true }))
        else code = event.exitCode
      }))
    out.stdout(decoder.stdout.decode())
    out.stderr(decoder.stderr.decode())
    return code
  })

/**
 * runc's `fatalWithCode`: the error line (to the log, and stderr as runc
 * would) and the given exit status, for commands that do not end with 1.
 */
export const exitWith = (run: Invocation.Run, out: Output, status: number) => (error: { readonly message: string }) =>
  Effect.sync(() => {
    Logrus.fatal(run.log, error.message, out.stderr)
    return status
  })
