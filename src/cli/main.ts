/**
 * The `libcontainer` executable: reads the command line, answers help,
 * version and usage errors at once, and only for a command loads Effect and
 * the library (`app.ts`) and runs it on this host's services, exiting with
 * its status (1 after runc's error line). Output goes to descriptors 1 and
 * 2 synchronously; a broken pipe ends the process by SIGPIPE, as it ends
 * runc.
 *
 * `LIBCONTAINER_STDOUT_CLOSED=1` is how the installed launcher says stdout
 * was closed at start (Node puts /dev/null in its place); it is removed from
 * the environment before anything runs, so children never see it.
 */
import * as Invocation from "./invocation.js"
import * as Logrus from "./logrus.js"
import * as Stdio from "./stdio.js"

const stdoutClosed = process.env["LIBCONTAINER_STDOUT_CLOSED"] === "1"
delete process.env["LIBCONTAINER_STDOUT_CLOSED"]

const out = Stdio.processOutput({ stdoutClosed })
const invocation = Invocation.resolve(process.argv.slice(2), out)

if (invocation._tag === "Exit") {
  process.exitCode = invocation.status
} else {
  Promise.all([import("effect/Effect"), import("./host.js"), import("./app.js")])
    .then(([Effect, Host, App]) =>
      Effect.runPromise(App.execute(invocation, out).pipe(Effect.provide(Host.layerNode)))
    )
    .then(
      (status) => {
        process.exitCode = status
      },
      (error: unknown) => {
        // Only a failure to load or start the program lands here; still one line, never a stack trace.
        Logrus.fatal(invocation.log, error instanceof Error ? error.message : String(error), out.stderr)
        process.exitCode = 1
      }
    )
}
