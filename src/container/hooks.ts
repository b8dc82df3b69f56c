/**
 * Running command hooks as runc's `Hooks.Run` and `Command.Run` do
 * (`libcontainer/configs/config.go`, in runc 1.2's words): each hook of the
 * list in order, through the Processes port — `path` with `args` as its
 * argument vector (just `path` when empty), `env` as its environment (the
 * host's when absent), the OCI state on stdin, stdout and stderr captured —
 * the first {@link maxCapturedBytes} of each, where runc keeps all — and
 * killed when its timeout expires. The first failure stops the list.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { CommandHook, Hooks } from "../Config.js"
import { HookExited, HookFailed, HookTimedOut } from "../ContainerError.js"
import { Processes, statusText } from "../Processes.js"

/** How much of a hook's stdout and of its stderr is kept for the error text: 64 KiB each; the rest is read and dropped. */
export const maxCapturedBytes = 64 * 1024

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** runc's `Command.Run`: a status other than 0 is {@link HookExited}, a timeout {@link HookTimedOut}. */
const runOne = (hook: CommandHook, stdin: Uint8Array) =>
  Effect.gen(function*() {
    const processes = yield* Processes
    const running = processes.run({
      path: hook.path,
      ...(hook.args === null ? {} : { args: hook.args }),
      ...(hook.env === null ? {} : { env: hook.env }),
      stdin,
      maxOutputBytes: maxCapturedBytes
    })
    const timeout = hook.timeout
    const completed = yield* timeout === null ? running : running.pipe(
      Effect.timeoutFail({
        duration: Duration.nanos(timeout),
        onTimeout: () => new HookTimedOut({ seconds: Number(timeout) / 1e9 })
      })
    )
    if (completed.status._tag === "Exited" && completed.status.code === 0) return
    return yield* new HookExited({
      status: statusText(completed.status),
      stdout: decoder.decode(completed.stdout),
      stderr: decoder.decode(completed.stderr)
    })
  })

/**
 * @internal
 * runc's `Hooks.Run(name, state)`: the hooks of `name` in order, each given
 * `state` on stdin; the first failure stops the run with
 * `error running <name> hook #<i>: …`.
 */
export const run = (hooks: Hooks, name: string, state: string): Effect.Effect<void, HookFailed, Processes> => {
  const list = Object.prototype.hasOwnProperty.call(hooks, name) ? hooks[name] ?? [] : []
  const stdin = encoder.encode(state)
  return Effect.forEach(
    list,
    (hook, index) => Effect.mapError(runOne(hook, stdin), (cause) => new HookFailed({ name, index, cause })),
    { discard: true }
  )
}
