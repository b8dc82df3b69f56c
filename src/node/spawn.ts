/**
 * Running a program to completion on this host (the `run` primitive of the
 * Processes port): `child_process.spawn` with stdin fed and both outputs
 * collected, bounded — what Go's `exec.Cmd.Run` does for runc's hooks and
 * `ps`. Interrupting the run kills the program with SIGKILL and waits for
 * it to exit.
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { type Command, type Completed, defaultMaxOutputBytes, type ExitStatus, SpawnFailed } from "../Processes.js"
import * as Signal from "../Signal.js"

/** An output stream's first `max` bytes; the rest is read and dropped. */
class Capture {
  private readonly chunks: Array<Buffer> = []
  private kept = 0
  constructor(private readonly max: number) {}
  add(data: Buffer): void {
    const room = this.max - this.kept
    if (room <= 0) return
    const part = data.length <= room ? data : data.subarray(0, room)
    this.chunks.push(part)
    this.kept += part.length
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks, this.kept))
  }
}

/** Go's `Env` list as node's object; an entry without `=` is a name with an empty value. */
const environment = (env: ReadonlyArray<string> | undefined): NodeJS.ProcessEnv =>
  env === undefined
    ? process.env
    : Object.fromEntries(env.map((entry) => {
      const eq = entry.indexOf("=")
      return eq < 0 ? [entry, ""] : [entry.slice(0, eq), entry.slice(eq + 1)]
    }))

const statusOf = (code: number | null, signal: NodeJS.Signals | null): ExitStatus => {
  if (signal !== null) {
    const number = Signal.numberOf(signal)
    return { _tag: "Signaled", signal: number._tag === "Some" ? number.value : 0 }
  }
  return { _tag: "Exited", code: code ?? 0 }
}

/** Runs `command` on this host; see `ProcessesService.run`. */
export const run = (command: Command): Effect.Effect<Completed, SpawnFailed> =>
  Effect.async<Completed, SpawnFailed>((resume) => {
    const argv = command.args !== undefined && command.args.length > 0 ? command.args : [command.path]
    const max = command.maxOutputBytes ?? defaultMaxOutputBytes
    const stdout = new Capture(max)
    const stderr = command.output === "combined" ? stdout : new Capture(max)
    let settled = false
    let exited = false
    const settle = (effect: Effect.Effect<Completed, SpawnFailed>) => {
      if (settled) return
      settled = true
      resume(effect)
    }
    const child = spawn(command.path, argv.slice(1), {
      argv0: argv[0] ?? command.path,
      env: environment(command.env),
      stdio: ["pipe", "pipe", "pipe"]
    })
    child.stdout.on("data", (data: Buffer) => stdout.add(data))
    child.stderr.on("data", (data: Buffer) => stderr.add(data))
    // A program that exits without reading its stdin closes the pipe under us: not a failure.
    child.stdin.on("error", () => {})
    child.once("exit", () => {
      exited = true
    })
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return
      settle(Effect.fail(new SpawnFailed({ path: command.path, code: typeof e.code === "string" ? e.code : "EIO" })))
    })
    child.once("close", (code, signal) => {
      if (child.pid === undefined) return
      const result: Completed = {
        status: statusOf(code, signal),
        stdout: stdout.bytes(),
        stderr: command.output === "combined" ? new Uint8Array(0) : stderr.bytes()
      }
      settle(Effect.succeed(result))
    })
    child.stdin.end(command.stdin ?? new Uint8Array(0))
    return Effect.async<void>((done) => {
      settled = true
      if (exited || child.pid === undefined) return done(Effect.void)
      child.once("exit", () => done(Effect.void))
      child.kill("SIGKILL")
    })
  })
