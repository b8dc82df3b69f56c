/**
 * This host's runtime adapter: the OCI runtime binary (`runc` on `PATH` by
 * default, or another runc 1.x binary) started with
 * `child_process.spawn`. Its standard streams are `/dev/null`, this
 * process's own, or files — never a pipe: a detached container's init
 * inherits them and holds them open for its whole life, so a pipe would
 * never reach its end (runc#1047). Output the caller wants as a stream goes
 * to a file in a scratch directory, tailed until the runtime exits and then
 * read to its end.
 */
import * as Effect from "effect/Effect"
import { spawn as spawnChild, type StdioOptions } from "node:child_process"
import * as fs from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SystemError } from "../ContainerError.js"
import { type ExitStatus, SpawnFailed } from "../Processes.js"
import type { Primitives, Settings, Sink, Source, Spawned } from "../Runtime.js"
import * as Signal from "../Signal.js"

/** Options of the node runtime adapter. */
export interface NodeRuntimeOptions extends Settings {
  /** The runtime binary: a bare name looked up in `PATH`, or a path; default `runc`. */
  readonly binary?: string
  /** Where scratch files go; default the OS's temporary directory. */
  readonly temporaryDirectory?: string
}

/** How often a tailed output file is read while the runtime runs. */
const tailIntervalMs = 20

const codeOf = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? code : "EIO"
}

/** An output file being tailed: what the child writes to `fd` is handed to `onData` as it comes. */
class Tail {
  private readonly reader: number
  private offset = 0
  private readonly buffer = Buffer.allocUnsafe(64 * 1024)
  private readonly timer: NodeJS.Timeout

  constructor(readonly dir: string, readonly writer: number, path: string, private readonly onData: (data: Uint8Array) => void) {
    this.reader = fs.openSync(path, "r")
    this.timer = setInterval(() => this.poll(), tailIntervalMs)
    this.timer.unref()
  }

  private poll(): void {
    for (;;) {
      const n = fs.readSync(this.reader, this.buffer, 0, this.buffer.length, this.offset)
      if (n === 0) return
      this.offset += n
      this.onData(new Uint8Array(this.buffer.subarray(0, n)))
    }
  }

  /** Reads what is left, then closes and removes everything. */
  finish(): void {
    clearInterval(this.timer)
    try {
      this.poll()
    } finally {
      fs.closeSync(this.reader)
      fs.rmSync(this.dir, { recursive: true, force: true })
    }
  }
}

interface Opened {
  readonly stdio: StdioOptions
  /** Our descriptors, closed once the child has its copies. */
  readonly fds: ReadonlyArray<number>
  readonly tails: ReadonlyArray<Tail>
}

/** Opens what the wiring names; on failure closes what was opened and throws the SystemError. */
const open = (stdin: Source, stdout: Sink, stderr: Sink, temporaryDirectory: string): Opened => {
  const fds: Array<number> = []
  const tails: Array<Tail> = []
  const openFile = (path: string, flags: string) => {
    try {
      const fd = fs.openSync(path, flags, 0o644)
      fds.push(fd)
      return fd
    } catch (e) {
      throw new SystemError({ op: "open", path, code: codeOf(e) })
    }
  }
  const input = (source: Source) =>
    source._tag === "Null" ? "ignore" as const : source._tag === "Inherit" ? "inherit" as const : openFile(source.path, "r")
  const output = (sink: Sink, name: string) => {
    switch (sink._tag) {
      case "Null":
        return "ignore" as const
      case "Inherit":
        return "inherit" as const
      case "File":
        return openFile(sink.path, sink.append ? "a" : "w")
      case "Collect": {
        const dir = fs.mkdtempSync(join(temporaryDirectory, "libcontainer-output-"))
        const path = join(dir, name)
        const fd = openFile(path, "w")
        tails.push(new Tail(dir, fd, path, sink.onData))
        return fd
      }
    }
  }
  try {
    return { stdio: [input(stdin), output(stdout, "stdout"), output(stderr, "stderr")], fds, tails }
  } catch (e) {
    for (const fd of fds) fs.closeSync(fd)
    for (const tail of tails) tail.finish()
    throw e
  }
}

const statusOf = (code: number | null, signal: NodeJS.Signals | null): ExitStatus => {
  if (signal !== null) {
    const number = Signal.numberOf(signal)
    return { _tag: "Signaled", signal: number._tag === "Some" ? number.value : 0 }
  }
  return { _tag: "Exited", code: code ?? 0 }
}

/** Starts `binary args…` with the wiring; see `Runtime.Primitives.spawn`. */
const spawn = (binary: string, temporaryDirectory: string) =>
(
  args: ReadonlyArray<string>,
  wiring: { readonly stdin: Source; readonly stdout: Sink; readonly stderr: Sink }
): Effect.Effect<Spawned, SpawnFailed | SystemError> =>
  Effect.suspend((): Effect.Effect<Spawned, SpawnFailed | SystemError> => {
    let opened: Opened
    try {
      opened = open(wiring.stdin, wiring.stdout, wiring.stderr, temporaryDirectory)
    } catch (e) {
      return Effect.fail(e instanceof SystemError ? e : new SystemError({ op: "open", path: "", code: codeOf(e) }))
    }
    return Effect.async<Spawned, SpawnFailed>((resume) => {
      let status: ExitStatus | undefined
      const waiting = new Set<(status: ExitStatus) => void>()
      const child = spawnChild(binary, args, { stdio: opened.stdio })
      for (const fd of opened.fds) fs.closeSync(fd)
      const settle = (exit: ExitStatus) => {
        if (status !== undefined) return
        for (const tail of opened.tails) tail.finish()
        status = exit
        for (const wake of waiting) wake(exit)
        waiting.clear()
      }
      child.once("error", (e: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return
        for (const tail of opened.tails) tail.finish()
        resume(Effect.fail(new SpawnFailed({ path: binary, code: codeOf(e) })))
      })
      child.once("exit", (code, signal) => settle(statusOf(code, signal)))
      child.once("spawn", () => {
        const exit = Effect.async<ExitStatus>((done) => {
          if (status !== undefined) return done(Effect.succeed(status))
          const wake = (s: ExitStatus) => done(Effect.succeed(s))
          waiting.add(wake)
          return Effect.sync(() => void waiting.delete(wake))
        })
        const kill = (signal: number) =>
          Effect.sync(() => {
            if (status === undefined) child.kill(signal)
          })
        resume(Effect.succeed({ exit, kill }))
      })
    })
  })

/** This host's primitives for the runtime port. */
export const primitives = (options: NodeRuntimeOptions = {}): Primitives => {
  const binary = options.binary ?? "runc"
  const temporaryDirectory = options.temporaryDirectory ?? tmpdir()
  return {
    binary,
    temporaryDirectory,
    cwd: Effect.sync(() => process.cwd()),
    euid: process.geteuid?.() ?? 0,
    spawn: spawn(binary, temporaryDirectory)
  }
}
