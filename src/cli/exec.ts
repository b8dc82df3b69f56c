/**
 * `libcontainer exec` (runc's `exec.go`): the checks runc makes itself in
 * runc's order — the container, its status, a command, the `--user` value —
 * then the OCI runtime binary runs the process. In the foreground its
 * output is forwarded to this process's stdout and stderr (with `--tty` the
 * runtime gets this process's own streams) and its exit code is the
 * command's; `--detach` exits 0 once it started. Failures are `exec failed:
 * …`, exit status 255, as runc's.
 */
import * as Effect from "effect/Effect"
import * as Container from "../Container.js"
import * as Factory from "../Factory.js"
import * as Strconv from "../internal/strconv.js"
import * as Runtime from "../Runtime.js"
import { boolFlag, CommandFailed, exitWith, failedWith, forward, intFlag, stringFlag } from "./containerIo.js"
import type * as Invocation from "./invocation.js"
import type { Output } from "./stdio.js"

/** runc's `strconv.Atoi` of a `--user` part, with its error text. */
const atoi = (text: string, what: "uid" | "gid") =>
  Effect.suspend(() => {
    const parsed = Strconv.atoi(text)
    return parsed._tag === "Ok"
      ? Effect.succeed(Number(parsed.value))
      : Effect.fail(
        new CommandFailed({
          message: `parsing ${text} as int for ${what} failed: ${Strconv.numErrorText("Atoi", text, parsed.kind)}`
        })
      )
  })

/** What to run: `--process <file>`, or the command and the flags that change the bundle's process. */
const processOf = (run: Invocation.Run) =>
  Effect.gen(function*() {
    const processFile = stringFlag(run, "process")
    if (processFile !== "") return { processFile }
    const user = stringFlag(run, "user")
    const parts = user === "" ? undefined : user.split(":", 2)
    const gid = parts?.[1] === undefined ? undefined : yield* atoi(parts[1], "gid")
    const uid = parts === undefined ? undefined : yield* atoi(parts[0]!, "uid")
    const list = (name: string) => run.lists.get(name) ?? []
    const cwd = stringFlag(run, "cwd")
    const apparmor = stringFlag(run, "apparmor")
    const label = stringFlag(run, "process-label")
    const process: Runtime.ExecProcess = {
      args: run.args.slice(1),
      env: list("env"),
      ...(cwd === "" ? {} : { cwd }),
      ...(uid === undefined ? {} : { user: gid === undefined ? { uid } : { uid, gid } }),
      additionalGids: list("additional-gids").map((g) => Number(g)),
      capabilities: list("cap"),
      ...(run.flags.has("no-new-privs") ? { noNewPrivileges: boolFlag(run, "no-new-privs") } : {}),
      ...(apparmor === "" ? {} : { apparmorProfile: apparmor }),
      ...(label === "" ? {} : { selinuxLabel: label })
    }
    return process
  })

/** Runs `exec` for `run`; the exit status. */
export const action = (
  run: Invocation.Run,
  out: Output
): Effect.Effect<number, never, Runtime.Runtime | Factory.Services> =>
  Effect.gen(function*() {
    const id = run.args[0] ?? ""
    if (id === "") return yield* new Runtime.EmptyContainerId()
    const container = yield* Factory.load(run.globals.root, id)
    const status = yield* Container.status(container)
    if (status === "stopped") return yield* new Runtime.CannotExec({ reason: "stopped" })
    if (status === "paused" && !boolFlag(run, "ignore-paused")) return yield* new Runtime.CannotExec({ reason: "paused" })
    if (stringFlag(run, "process") === "" && run.args.length === 1) return yield* new Runtime.CannotExec({ reason: "no-args" })
    const process = yield* processOf(run)
    const pidFile = stringFlag(run, "pid-file")
    const consoleSocket = stringFlag(run, "console-socket")
    const preserveFds = intFlag(run, "preserve-fds")
    const cgroups = run.lists.get("cgroup")
    const tty = boolFlag(run, "tty")
    const options = {
      ...(tty ? { tty: true } : {}),
      ...(pidFile === "" ? {} : { pidFile }),
      ...(consoleSocket === "" ? {} : { consoleSocket }),
      ...(preserveFds === undefined ? {} : { preserveFds }),
      ...(cgroups === undefined ? {} : { cgroups }),
      ...(boolFlag(run, "ignore-paused") ? { ignorePaused: true } : {})
    }
    const inherit: Runtime.Stdio = { stdin: "inherit", stdout: "inherit", stderr: "inherit" }
    if (boolFlag(run, "detach")) {
      yield* Runtime.exec(container, process, { ...options, detach: true, stdio: inherit })
      return 0
    }
    if (tty) return (yield* Runtime.exec(container, process, { ...options, stdio: inherit })).exitCode
    return yield* forward(Runtime.execStream(container, process, { ...options, stdin: "inherit" }), out)
  }).pipe(
    Effect.mapError(failedWith("exec failed: ")),
    Effect.catchAll(exitWith(run, out, 255))
  )
