/**
 * `libcontainer run` (runc's `run.go`): with `--detach`, create and start
 * (the init inherits this process's standard streams) and exit 0; in the
 * foreground, the container's output is forwarded to this process's stdout
 * and stderr and its exit code is the command's — or, when the bundle's
 * process has a terminal, the runtime gets this process's own streams.
 * Failures are `runc run failed: …`, exit status 1.
 */
import * as Effect from "effect/Effect"
import { Filesystem } from "../Filesystem.js"
import { decodeSpec } from "../internal/specconv/load.js"
import * as Runtime from "../Runtime.js"
import { boolFlag, failedWith, forward } from "./containerIo.js"
import { createOptions } from "./create.js"
import type * as Invocation from "./invocation.js"
import type { Output } from "./stdio.js"

/** Whether the bundle's process asks for a terminal; false when the config cannot be read (the runtime says why). */
const wantsTerminal = (bundle: string) =>
  Effect.flatMap(Filesystem, (fs) => fs.readFile(`${bundle === "" ? "." : bundle}/config.json`)).pipe(
    Effect.map((bytes) => decodeSpec(bytes)),
    Effect.map((spec) => spec._tag === "Right" && spec.right.process?.terminal === true),
    Effect.orElseSucceed(() => false)
  )

/** Runs `run` for `run`; the exit status. */
export const action = (
  run: Invocation.Run,
  out: Output
): Effect.Effect<number, unknown, Runtime.Runtime | Filesystem> =>
  Effect.gen(function*() {
    const root = run.globals.root
    const id = run.args[0] ?? ""
    const options: Runtime.RunOptions = {
      ...createOptions(run),
      ...(boolFlag(run, "keep") ? { keep: true } : {}),
      ...(boolFlag(run, "no-subreaper") ? { noSubreaper: true } : {})
    }
    if (boolFlag(run, "detach")) {
      yield* Runtime.run(root, id, { ...options, detach: true })
      return 0
    }
    if (yield* wantsTerminal(options.bundle)) return (yield* Runtime.run(root, id, { ...options, detach: false })).exitCode
    const { stdio: _stdio, ...streamed } = options
    return yield* forward(Runtime.runStream(root, id, { ...streamed, stdin: "inherit" }), out)
  }).pipe(Effect.mapError(failedWith("runc run failed: ")))
