/**
 * Running command hooks (config.md §2.4): the OCI state on stdin, `args`
 * as argv (just `path` when empty), `env` as the environment (inherited when
 * absent), stdout and stderr captured — the first {@link maxCapturedBytes}
 * of each, where runc keeps all — killed when the timeout expires.
 */
import { spawn } from "node:child_process"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { CommandHook, Hooks } from "../../Config.js"

/** A hook that failed, with runc's text: `error running <name> hook #<i>: <cause>`. */
export class HookFailed extends Data.TaggedError("HookFailed")<{
  readonly name: string
  readonly index: number
  readonly reason: string
}> {
  override get message(): string {
    return `error running ${this.name} hook #${this.index}: ${this.reason}`
  }
}

/** How much of a hook's stdout and of its stderr is kept for the error text: 64 KiB each; the rest is read and dropped. */
export const maxCapturedBytes = 64 * 1024

/** Appends to `kept` what still fits under {@link maxCapturedBytes}. */
const capture = (kept: string, data: Buffer): string => {
  const room = maxCapturedBytes - Buffer.byteLength(kept)
  return room <= 0 ? kept : kept + data.subarray(0, room).toString()
}

const formatSeconds = (nanos: bigint): string => (Number(nanos) / 1e9).toFixed(1)

/** Runs one command hook; fails with the reason text runc would give. */
const runOne = (hook: CommandHook, stdin: string): Effect.Effect<void, string> =>
  Effect.async<void, string>((resume) => {
    const argv = hook.args !== null && hook.args.length > 0 ? hook.args : [hook.path]
    let out = ""
    let err = ""
    let timedOut = false
    let settled = false
    const settle = (effect: Effect.Effect<void, string>) => {
      if (!settled) {
        settled = true
        resume(effect)
      }
    }
    const child = spawn(hook.path, argv.slice(1), {
      argv0: argv[0] ?? hook.path,
      env: hook.env === null ? process.env : Object.fromEntries(hook.env.map((e) => {
        const eq = e.indexOf("=")
        return eq < 0 ? [e, ""] : [e.slice(0, eq), e.slice(eq + 1)]
      })),
      stdio: ["pipe", "pipe", "pipe"]
    })
    const timer = hook.timeout !== null
      ? setTimeout(() => {
        timedOut = true
        child.kill("SIGKILL")
      }, Number(hook.timeout / 1_000_000n))
      : undefined
    child.stdout.on("data", (d: Buffer) => (out = capture(out, d)))
    child.stderr.on("data", (d: Buffer) => (err = capture(err, d)))
    child.stdin.on("error", () => {})
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (timer !== undefined) clearTimeout(timer)
      settle(Effect.fail(`fork/exec ${hook.path}: ${e.code === "ENOENT" ? "no such file or directory" : e.message}`))
    })
    child.on("close", (code, signal) => {
      if (timer !== undefined) clearTimeout(timer)
      if (timedOut && hook.timeout !== null) {
        return settle(Effect.fail(`hook ran past specified timeout of ${formatSeconds(hook.timeout)}s`))
      }
      if (code === 0) return settle(Effect.void)
      const status = signal !== null ? `signal: ${signal === "SIGKILL" ? "killed" : signal}` : `exit status ${code}`
      settle(Effect.fail(`${status}, stdout: ${out}, stderr: ${err}`))
    })
    child.stdin.end(stdin)
    return Effect.sync(() => {
      if (timer !== undefined) clearTimeout(timer)
      child.kill("SIGKILL")
    })
  })

/** runc's `Hooks.Run(name, state)`: the hooks of `name` in order; the first failure stops the run. */
export const run = (hooks: Hooks, name: string, state: string): Effect.Effect<void, HookFailed> =>
  Effect.forEach(
    Object.prototype.hasOwnProperty.call(hooks, name) ? hooks[name] ?? [] : [],
    (hook, index) => Effect.mapError(runOne(hook, state), (reason) => new HookFailed({ name, index, reason })),
    { discard: true }
  )
