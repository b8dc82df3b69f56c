/**
 * The simulated host's programs: executables of its tree whose behaviour
 * is an Effect a test writes, and how one is run — as a process of the
 * host's {@link ProcessTable}, looked up in `PATH` like Go's
 * `exec.LookPath`, fed its stdin, its output collected — so hooks and `ps`
 * run on the simulated host exactly where they would run on a real one,
 * and nothing is ever spawned on the machine underneath.
 *
 * Exec rules modelled: a bare name is searched in the host's `PATH`; a
 * missing file is ENOENT, a directory or a file without an execute bit
 * EACCES, an executable that is no registered program ENOEXEC (`exec format
 * error`). The process is named after the file (15 bytes, as `comm`), lives
 * while the program's effect runs, exits with the code it returns; a signal
 * that kills the process from outside (SIGKILL, `cgroup.kill`, its PID
 * namespace going away) ends the program, and interrupting the run kills it
 * with SIGKILL.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type { SystemError } from "../ContainerError.js"
import { type Command, type Completed, defaultMaxOutputBytes, type ExitStatus, SpawnFailed } from "../Processes.js"
import * as Signal from "../Signal.js"
import type { Inode, MemoryFs } from "./MemoryFs.js"
import type { ProcessTable } from "./ProcessTable.js"

/** What a running simulated program sees and does. */
export interface ProgramContext {
  /** Its pid in the host's process table. */
  readonly pid: number
  /** Its argument vector, `argv[0]` included. */
  readonly args: ReadonlyArray<string>
  /** Its environment, `KEY=value` each. */
  readonly env: ReadonlyArray<string>
  /** Everything written to its stdin (the run writes it whole, then closes it). */
  readonly stdin: Uint8Array
  /** Writes to its stdout. */
  readonly stdout: (data: string | Uint8Array) => void
  /** Writes to its stderr. */
  readonly stderr: (data: string | Uint8Array) => void
  /** The host's process table, for programs that look at processes (`ps`). */
  readonly processes: ProcessTable
}

/**
 * A simulated program: its effect is the process's life, its value the exit
 * code. `Effect.never` is a program that hangs; interrupting it is the kill.
 */
export type Program = (context: ProgramContext) => Effect.Effect<number>

/** The `PATH` of the simulated host's own process, where bare names are looked up. */
export const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const encoder = new TextEncoder()

/** An output stream's first `max` bytes; the rest is dropped. */
class Capture {
  private readonly chunks: Array<Uint8Array> = []
  private kept = 0
  constructor(private readonly max: number) {}
  write = (data: string | Uint8Array): void => {
    const bytes = typeof data === "string" ? encoder.encode(data) : data
    const room = this.max - this.kept
    if (room <= 0) return
    const part = bytes.length <= room ? bytes.slice() : bytes.slice(0, room)
    this.chunks.push(part)
    this.kept += part.length
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.kept)
    let at = 0
    for (const chunk of this.chunks) {
      out.set(chunk, at)
      at += chunk.length
    }
    return out
  }
}

/**
 * `ps -ef` over the process table, in procps' columns: the header and one
 * line per live process, whatever the arguments.
 */
export const ps: Program = (context) =>
  Effect.sync(() => {
    const rows = [["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]]
    for (const pid of context.processes.pids()) {
      const info = Option.getOrUndefined(context.processes.get(pid))
      if (info === undefined || Option.isSome(info.exit)) continue
      rows.push(["root", String(pid), String(info.ppid), "0", "00:00", "?", "00:00:00", info.comm])
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
    for (const row of rows) {
      context.stdout(row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join(" ") + "\n")
    }
    return 0
  })

/** The registry of simulated programs of one host, and how they are run. */
export class Programs {
  private readonly programs = new Map<Inode, Program>()

  constructor(
    private readonly fs: MemoryFs,
    private readonly table: ProcessTable,
    /** The host's own environment: what a command without `env` gets, and the `PATH` bare names are looked up in. */
    readonly environment: ReadonlyArray<string>
  ) {}

  /**
   * Installs `program` as the executable file `path` (made as root with
   * `mode`, default 0o755, its directories created as needed).
   */
  install(path: string, program: Program, mode = 0o755): Either.Either<void, SystemError> {
    return this.fs.asRoot(() => {
      const parts = path.split("/").filter((p) => p !== "")
      let at = ""
      for (const part of parts.slice(0, -1)) {
        at = `${at}/${part}`
        if (this.fs.inodeAt(at) !== undefined) continue
        const made = this.fs.mkdir(at, 0o755)
        if (Either.isLeft(made)) return made
      }
      const written = this.fs.writeFile(path, encoder.encode("#!simulated\n"), "truncate", mode)
      if (Either.isLeft(written)) return written
      const chmod = this.fs.chmod(path, mode)
      if (Either.isLeft(chmod)) return chmod
      this.programs.set(this.fs.inodeAt(path)!, program)
      return Either.void
    })
  }

  /** The executable `path` names, as `execve` would find it (a bare name through `PATH`), or the errno. */
  private resolve(path: string): Either.Either<{ readonly inode: Inode; readonly path: string }, string> {
    if (path === "") return Either.left("ENOENT")
    if (!path.includes("/")) {
      const dirs = (this.environment.find((e) => e.startsWith("PATH="))?.slice(5) ?? defaultPath).split(":")
      for (const dir of dirs) {
        const candidate = `${dir === "" ? "." : dir}/${path}`
        const found = this.executable(candidate)
        if (Either.isRight(found)) return found
      }
      return Either.left("ENOENT")
    }
    return this.executable(path)
  }

  private executable(path: string): Either.Either<{ readonly inode: Inode; readonly path: string }, string> {
    const info = this.fs.stat(path)
    if (Either.isLeft(info)) return Either.left(info.left.code)
    if (info.right.type !== "File" || (info.right.mode & 0o111) === 0) return Either.left("EACCES")
    const inode = this.fs.inodeAt(path)
    return inode === undefined ? Either.left("ENOENT") : Either.right({ inode, path })
  }

  /** Runs `command` as a simulated process; see the module documentation. */
  run(command: Command): Effect.Effect<Completed, SpawnFailed> {
    return Effect.suspend(() => {
      const fail = (code: string) => Effect.fail(new SpawnFailed({ path: command.path, code }))
      const found = this.resolve(command.path)
      if (Either.isLeft(found)) return fail(found.left)
      const program = this.programs.get(found.right.inode)
      if (program === undefined) return fail("ENOEXEC")
      const args = command.args !== undefined && command.args.length > 0 ? command.args : [command.path]
      const name = found.right.path.slice(found.right.path.lastIndexOf("/") + 1)
      const spawned = this.table.spawn({ comm: name, ppid: 1 })
      if (Either.isLeft(spawned)) return fail("EAGAIN")
      const pid = spawned.right.pid
      const max = command.maxOutputBytes ?? defaultMaxOutputBytes
      const stdout = new Capture(max)
      const stderr = command.output === "combined" ? stdout : new Capture(max)
      const ended = Deferred.unsafeMake<ExitStatus>(FiberId.none)
      const unsubscribe = this.table.subscribe((event) => {
        if (event._tag !== "Exited" || event.pid !== pid) return
        const exit = Option.flatMap(this.table.get(pid), (p) => p.exit)
        const status: ExitStatus = Option.match(exit, {
          onNone: () => ({ _tag: "Signaled", signal: Signal.SIGKILL }),
          onSome: (e) => "code" in e ? { _tag: "Exited", code: e.code } : { _tag: "Signaled", signal: e.signal }
        })
        Deferred.unsafeDone(ended, Effect.succeed(status))
      })
      const context: ProgramContext = {
        pid,
        args,
        env: command.env ?? this.environment,
        stdin: command.stdin ?? new Uint8Array(0),
        stdout: stdout.write,
        stderr: stderr.write,
        processes: this.table
      }
      const life = Effect.flatMap(program(context), (code) =>
        Effect.sync(() => {
          this.table.exit(pid, code & 0xff)
        }))
      return Effect.raceFirst(Effect.zipRight(life, Deferred.await(ended)), Deferred.await(ended)).pipe(
        // interrupted (a timeout) or dead of a defect: the process is killed, as the kill ends a real one
        Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => void this.table.signal(pid, Signal.SIGKILL))),
        Effect.ensuring(Effect.sync(unsubscribe)),
        Effect.map((status): Completed => ({
          status,
          stdout: stdout.bytes(),
          stderr: command.output === "combined" ? new Uint8Array(0) : stderr.bytes()
        }))
      )
    })
  }
}
