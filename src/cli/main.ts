/**
 * The `libcontainer` executable: reads the command line, answers help,
 * version and usage errors at once, and runs the command, exiting with its
 * status (1 after runc's error line). Output goes to descriptors 1 and 2
 * synchronously; a broken pipe ends the process by SIGPIPE, as it ends
 * runc.
 *
 * `list`, `state` and `ps` start like small programs: plain code on this
 * machine's lean host (`nodeHost.ts`), which loads Effect and the rest of
 * the library (`app.ts`) only for a container the lean Load hands back.
 * Every other command is `app.ts`'s Effect program on this host's services.
 *
 * `LIBCONTAINER_STDOUT_CLOSED=1` is how the installed launcher says stdout
 * was closed at start (Node puts /dev/null in its place); it is removed from
 * the environment before anything runs, so children never see it.
 */
import * as Invocation from "./invocation.js"
import type * as Lean from "./lean.js"
import * as Logrus from "./logrus.js"
import * as Stdio from "./stdio.js"

/** The commands that run as plain code on a lean host (`lean.ts`), by name: the module exporting `main`. */
const leanCommands: Readonly<
  Record<string, () => Promise<{ readonly main: (run: Invocation.Run, out: Stdio.Output, host: Lean.Host) => Promise<number> }>>
> = {
  list: () => import("./list.js"),
  ps: () => import("./ps.js"),
  state: () => import("./state.js")
}

const stdoutClosed = process.env["LIBCONTAINER_STDOUT_CLOSED"] === "1"
delete process.env["LIBCONTAINER_STDOUT_CLOSED"]

const out = Stdio.processOutput({ stdoutClosed })
const invocation = Invocation.resolve(process.argv.slice(2), out)

/**
 * Runs the command: a lean one on this machine's lean host, any other on
 * `app.ts`'s program. A failure to load or start the program is still one
 * error line, never a stack trace.
 */
const start = (run: Invocation.Run): Promise<number> => {
  const lean = leanCommands[run.command.name]
  const started = lean === undefined
    ? import("./app.js").then((App) => App.executeOnNode(run, out))
    : Promise.all([lean(), import("./nodeHost.js")]).then(([command, NodeHost]) => command.main(run, out, NodeHost.make(run)))
  return started.then(
    (status) => status,
    (error: unknown) => {
      Logrus.fatal(run.log, error instanceof Error ? error.message : String(error), out.stderr)
      return 1
    }
  ).finally(() => {
    if (lean !== undefined) run.log.close()
  })
}

if (invocation._tag === "Exit") {
  process.exitCode = invocation.status
} else {
  void start(invocation).then((status) => {
    process.exitCode = status
  })
}
