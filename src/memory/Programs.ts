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

/** A program found as `execve` finds it (see {@link Programs.lookup}). */
export interface Found {
  /** The path it was found at, as the caller's root sees it (`/bin/sh`). */
  readonly path: string
  /** Its file name: the process's `comm`. */
  readonly name: string
  readonly program: Program
}

/** What {@link Programs.launch} starts a program with. */
export interface LaunchOptions {
  /** Its `argv`, `argv[0]` included. */
  readonly args: ReadonlyArray<string>
  readonly env: ReadonlyArray<string>
  readonly stdin?: Uint8Array
  readonly stdout: (data: string | Uint8Array) => void
  readonly stderr: (data: string | Uint8Array) => void
  /** The process's name (`comm`). */
  readonly comm: string
  /** Its parent, whose PID namespace and cgroups it joins; default 1 (the host's init, outside the table). */
  readonly ppid?: number
  /** Start a new PID namespace with it as init. */
  readonly namespaceInit?: boolean
}

/** A program running as a process of the table. */
export interface Launched {
  readonly pid: number
  readonly startTime: bigint
  /** Completes once the process has ended, with its exit status. */
  readonly status: Effect.Effect<ExitStatus>
}

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

  /**
   * The program `path` names, as `execve` would find it: a bare name through
   * the `PATH` of `env` (the host's environment by default), anything else
   * as a path; all of it under `root` when given — a container's rootfs,
   * which the program sees as `/`. Fails with the errno: ENOENT, EACCES,
   * ENOEXEC for an executable that is no registered program.
   */
  lookup(
    path: string,
    options: { readonly root?: string; readonly env?: ReadonlyArray<string> } = {}
  ): Either.Either<Found, string> {
    const found = this.resolve(path, options.root ?? "", options.env ?? this.environment)
    if (Either.isLeft(found)) return Either.left(found.left)
    const program = this.programs.get(found.right.inode)
    if (program === undefined) return Either.left("ENOEXEC")
    const name = found.right.path.slice(found.right.path.lastIndexOf("/") + 1)
    return Either.right({ path: found.right.path, name, program })
  }

  private resolve(
    path: string,
    root: string,
    env: ReadonlyArray<string>
  ): Either.Either<{ readonly inode: Inode; readonly path: string }, string> {
    if (path === "") return Either.left("ENOENT")
    const under = (p: string) => (root === "" ? p : `${root}${p.startsWith("/") ? "" : "/"}${p}`)
    if (!path.includes("/")) {
      const dirs = (env.find((e) => e.startsWith("PATH="))?.slice(5) ?? defaultPath).split(":")
      for (const dir of dirs) {
        const candidate = `${dir === "" ? "." : dir}/${path}`
        const found = this.executable(under(candidate))
        if (Either.isRight(found)) return Either.right({ inode: found.right.inode, path: candidate })
      }
      return Either.left("ENOENT")
    }
    return Either.map(this.executable(under(path)), (found) => ({ inode: found.inode, path }))
  }

  private executable(path: string): Either.Either<{ readonly inode: Inode; readonly path: string }, string> {
    const info = this.fs.stat(path)
    if (Either.isLeft(info)) return Either.left(info.left.code)
    if (info.right.type !== "File" || (info.right.mode & 0o111) === 0) return Either.left("EACCES")
    const inode = this.fs.inodeAt(path)
    return inode === undefined ? Either.left("ENOENT") : Either.right({ inode, path })
  }

  /**
   * Starts `program` as a new process of the table and returns at once: its
   * life runs on its own fiber, outliving the caller, until the program
   * returns (the process exits with that code) or the process is killed
   * (the program is interrupted). A program that dies of a defect is
   * killed with SIGKILL.
   */
  launch(program: Program, options: LaunchOptions): Effect.Effect<Launched, SpawnFailed> {
    return Effect.suspend(() => {
      const spawned = this.table.spawn({
        comm: options.comm,
        ppid: options.ppid ?? 1,
        ...(options.namespaceInit === true ? { namespaceInit: true } : {})
      })
      if (Either.isLeft(spawned)) return Effect.fail(new SpawnFailed({ path: options.comm, code: "EAGAIN" }))
      const pid = spawned.right.pid
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
        args: options.args,
        env: options.env,
        stdin: options.stdin ?? new Uint8Array(0),
        stdout: options.stdout,
        stderr: options.stderr,
        processes: this.table
      }
      const life = Effect.flatMap(program(context), (code) =>
        Effect.sync(() => {
          this.table.exit(pid, code & 0xff)
        }))
      return Effect.forkDaemon(
        Effect.raceFirst(Effect.zipRight(life, Deferred.await(ended)), Deferred.await(ended)).pipe(
          Effect.onExit((exit) =>
            Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => void this.table.signal(pid, Signal.SIGKILL))
          ),
          Effect.ensuring(Effect.sync(unsubscribe))
        )
      ).pipe(Effect.as({ pid, startTime: spawned.right.startTime, status: Deferred.await(ended) }))
    })
  }

  /** Runs `command` as a simulated process; see the module documentation. */
  run(command: Command): Effect.Effect<Completed, SpawnFailed> {
    return Effect.suspend(() => {
      const found = this.lookup(command.path)
      if (Either.isLeft(found)) return Effect.fail(new SpawnFailed({ path: command.path, code: found.left }))
      const args = command.args !== undefined && command.args.length > 0 ? command.args : [command.path]
      const max = command.maxOutputBytes ?? defaultMaxOutputBytes
      const stdout = new Capture(max)
      const stderr = command.output === "combined" ? stdout : new Capture(max)
      return Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(
          this.launch(found.right.program, {
            comm: found.right.name,
            args,
            env: command.env ?? this.environment,
            stdin: command.stdin ?? new Uint8Array(0),
            stdout: stdout.write,
            stderr: stderr.write
          }),
          (launched) =>
            restore(launched.status).pipe(
              // interrupted (a timeout): the process is killed, as the kill ends a real one
              Effect.onInterrupt(() =>
                Effect.zipRight(Effect.sync(() => void this.table.signal(launched.pid, Signal.SIGKILL)), launched.status)
              ),
              Effect.map((status): Completed => ({
                status,
                stdout: stdout.bytes(),
                stderr: command.output === "combined" ? new Uint8Array(0) : stderr.bytes()
              }))
            )
        )
      )
    })
  }
}
