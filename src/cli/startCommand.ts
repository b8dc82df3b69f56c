/**
 * `libcontainer start` (runc's `start.go`), natively: the created
 * container's init is released through `exec.fifo`; runc's refusals
 * (`cannot start a container that has stopped`, …) otherwise.
 */
import * as Effect from "effect/Effect"
import * as Runtime from "../Runtime.js"
import { failedWith } from "./containerIo.js"
import type * as Invocation from "./invocation.js"
import type { Output } from "./stdio.js"

/** Runs `start` for `run`; the exit status. */
export const action = (run: Invocation.Run, _out: Output): Effect.Effect<number, unknown, Runtime.Runtime> => {
  const id = run.args[0] ?? ""
  const started: Effect.Effect<unknown, Runtime.StartError | Runtime.EmptyContainerId, Runtime.Runtime> = id === ""
    ? Effect.fail(new Runtime.EmptyContainerId())
    : Runtime.start({ root: run.globals.root, id })
  return started.pipe(
    Effect.as(0),
    Effect.mapError(failedWith(""))
  )
}
