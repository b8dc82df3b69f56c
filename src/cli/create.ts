/**
 * `libcontainer create` (runc's `create.go`): the bundle checked as runc
 * checks it, then the OCI runtime binary creates the container; its init
 * inherits this process's standard streams, as under runc. Failures are
 * `runc create failed: …`, exit status 1.
 */
import * as Effect from "effect/Effect"
import * as Runtime from "../Runtime.js"
import { boolFlag, failedWith, intFlag, stringFlag } from "./containerIo.js"
import type * as Invocation from "./invocation.js"
import type { Output } from "./stdio.js"

/** runc create's options from the command line. */
export const createOptions = (run: Invocation.Run): Runtime.CreateOptions => {
  const pidFile = stringFlag(run, "pid-file")
  const consoleSocket = stringFlag(run, "console-socket")
  const preserveFds = intFlag(run, "preserve-fds")
  return {
    bundle: stringFlag(run, "bundle"),
    stdio: { stdin: "inherit", stdout: "inherit", stderr: "inherit" },
    ...(pidFile === "" ? {} : { pidFile }),
    ...(consoleSocket === "" ? {} : { consoleSocket }),
    ...(boolFlag(run, "no-pivot") ? { noPivot: true } : {}),
    ...(boolFlag(run, "no-new-keyring") ? { noNewKeyring: true } : {}),
    ...(preserveFds === undefined ? {} : { preserveFds })
  }
}

/** Runs `create` for `run`; the exit status. */
export const action = (run: Invocation.Run, _out: Output): Effect.Effect<number, unknown, Runtime.Runtime> =>
  Runtime.create(run.globals.root, run.args[0] ?? "", createOptions(run)).pipe(
    Effect.as(0),
    Effect.mapError(failedWith("runc create failed: "))
  )
