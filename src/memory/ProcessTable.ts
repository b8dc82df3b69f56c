/**
 * The simulated host's process table: what `/proc/<pid>/stat` would show for
 * every process, how signals change it, and how pids are allocated and
 * reused. The simulated procfs serves its stat lines, the simulated
 * cgroupfs marks members frozen through {@link ProcessTable.setFrozen}, and
 * both follow spawns and exits with {@link ProcessTable.subscribe}.
 *
 * Semantics, as observed on Linux 6.x:
 *
 * - Start times are clock ticks since boot. The table's clock starts at
 *   {@link ProcessTableOptions.clock} and advances one tick per spawn, so two
 *   processes never share a start time unless a test says so.
 * - Pids are allocated cyclically from the last one handed out, wrapping to
 *   300 at `pidMax` like the kernel; a freed pid is reused with a new start
 *   time, which is exactly the case runc's start-time check guards against.
 * - Exit: a process that exits (by itself or from a signal) becomes a zombie
 *   (`Z`) and stays one until reaped. Reaping policy: `"immediate"` (the
 *   default) models a parent that waits promptly, so the entry disappears at
 *   once; `"manual"` keeps the zombie until {@link ProcessTable.reap}.
 * - Signals: 0 only checks existence; a zombie accepts any signal without
 *   effect; SIGKILL kills; SIGSTOP and SIGCONT stop and continue; any other
 *   signal does what its default action says unless the process handles or
 *   ignores it. A PID-namespace init (a container's pid 1) drops signals it
 *   has no handler for, except SIGKILL and SIGSTOP sent from the host. A
 *   stopped process keeps signals other than SIGKILL and SIGCONT pending
 *   until continued.
 * - PID namespaces: a process spawned as a namespace init starts a new PID
 *   namespace; a process spawned with a parent in the table joins its
 *   parent's. When a namespace's init ends, every other process in it (and
 *   in the namespaces below it) gets SIGKILL, as `zap_pid_ns_processes`
 *   sends — so a container's processes die with its init.
 * - Freezer: a frozen member shows state `D` under cgroup v1 and its normal
 *   state (`S`) under v2 — what this kernel shows. Signals to a frozen
 *   process stay pending until it is thawed, except that under v2 a fatal
 *   signal (SIGKILL, or an unhandled terminating one) kills at once; under
 *   v1 even SIGKILL waits for the thaw.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Signal from "../Signal.js"

/** A `/proc/<pid>/stat` state letter. */
export type StateLetter = "R" | "S" | "D" | "T" | "t" | "Z" | "X" | "P" | "I"

/** Which freezer a frozen member is frozen by; decides the state it shows and when signals act. */
export type FreezerMode = "v1" | "v2"

/** When an exited process disappears from the table. */
export type ReapingPolicy = "immediate" | "manual"

/** Options of a new table. */
export interface ProcessTableOptions {
  /** Exclusive upper bound of pids (`/proc/sys/kernel/pid_max`); default 32768. */
  readonly pidMax?: number
  /** The first pid handed out; default 1000 (a host that has been up for a while). */
  readonly firstPid?: number
  /** The clock in ticks since boot at creation; default 100000 (about 17 minutes at 100 Hz). */
  readonly clock?: bigint
  /** Default reaping policy; default `"immediate"`. */
  readonly reaping?: ReapingPolicy
  /** Default freezer mode for {@link ProcessTable.setFrozen}; default `"v2"`. */
  readonly freezerMode?: FreezerMode
}

/** What a new process looks like. */
export interface SpawnOptions {
  /** A specific pid (must be free); default: the next one in the cyclic allocation. */
  readonly pid?: number
  readonly ppid?: number
  /** The command name; truncated to 15 bytes as the kernel's `TASK_COMM_LEN` does. Default `sh`. */
  readonly comm?: string
  /** Default: the table's clock (which then advances one tick). */
  readonly startTime?: bigint
  /**
   * The state letter while running; default `S`. `Z` makes a zombie (kept
   * until reaped, whatever the policy), `T` a stopped process.
   */
  readonly state?: StateLetter
  /** Signals the process has a handler for: they neither kill nor stop it. */
  readonly handled?: Iterable<number>
  /** Signals the process ignores (`SIG_IGN`). */
  readonly ignored?: Iterable<number>
  /**
   * Start a new PID namespace with this process as its init: unhandled
   * signals are dropped (SIGKILL and SIGSTOP still act), and when it ends
   * every process in the namespace is killed. Otherwise the process joins
   * its parent's namespace (the host's when the parent is not in the table).
   */
  readonly namespaceInit?: boolean
  /** Signals to it fail with EPERM, as for another user's process. */
  readonly protected?: boolean
  /** Overrides the table's reaping policy for this process. */
  readonly reaping?: ReapingPolicy
}

/** A snapshot of one process. */
export interface ProcessInfo {
  readonly pid: number
  readonly ppid: number
  readonly comm: string
  readonly startTime: bigint
  /** The letter `/proc/<pid>/stat` shows now. */
  readonly state: StateLetter
  readonly frozen: boolean
  readonly stopped: boolean
  /** The PID namespace it is in: 0 for the host's, a fresh number for each one a namespace init started. */
  readonly pidNamespace: number
  /** Set once the process has exited: its exit code, or the signal that killed it. */
  readonly exit: Option.Option<{ readonly code: number } | { readonly signal: number }>
  /** Every signal delivered to it (not 0), in order. */
  readonly received: ReadonlyArray<number>
  /** Signals waiting for a thaw or a SIGCONT. */
  readonly pending: ReadonlyArray<number>
}

/** A change in the table, for models that track membership (cgroups). */
export type ProcessEvent =
  | { readonly _tag: "Spawned"; readonly pid: number }
  | { readonly _tag: "Exited"; readonly pid: number }
  | { readonly _tag: "Reaped"; readonly pid: number }

/** What `kill(2)` would return. */
export type SignalOutcome = "ok" | "ESRCH" | "EINVAL" | "EPERM"

/** A spawn the table refuses: the pid is taken or out of range, or no pid is free. */
export class ProcessTableError extends Data.TaggedError("ProcessTableError")<{
  readonly reason: "pid in use" | "pid out of range" | "no free pid"
  readonly pid: number
}> {
  override get message(): string {
    return `cannot spawn process ${this.pid}: ${this.reason}`
  }
}

/** A PID namespace: its number, its init (none for the host's) and the namespace it was made in. */
interface PidNamespace {
  readonly id: number
  readonly init: number | undefined
  readonly parent: PidNamespace | undefined
}

const hostNamespace: PidNamespace = { id: 0, init: undefined, parent: undefined }

const isWithin = (ns: PidNamespace, ancestor: PidNamespace): boolean => {
  for (let at: PidNamespace | undefined = ns; at !== undefined; at = at.parent) if (at === ancestor) return true
  return false
}

interface Proc {
  readonly pid: number
  readonly ns: PidNamespace
  readonly ppid: number
  comm: string
  readonly startTime: bigint
  base: StateLetter
  stopped: boolean
  frozen: FreezerMode | undefined
  exit: { readonly code: number } | { readonly signal: number } | undefined
  readonly handled: ReadonlySet<number>
  readonly ignored: ReadonlySet<number>
  readonly namespaceInit: boolean
  readonly protected: boolean
  readonly reaping: ReapingPolicy
  readonly received: Array<number>
  readonly pending: Array<number>
}

type Disposition = "terminate" | "stop" | "continue" | "ignore"

const defaultIgnored = new Set<number>([Signal.names.SIGCHLD, Signal.names.SIGURG, Signal.names.SIGWINCH])
const stopSignals = new Set<number>([
  Signal.names.SIGSTOP,
  Signal.names.SIGTSTP,
  Signal.names.SIGTTIN,
  Signal.names.SIGTTOU
])

/** What a signal does to a process that neither handles nor ignores it (signal(7)). */
const defaultAction = (signal: number): Disposition =>
  signal === Signal.SIGCONT
    ? "continue"
    : stopSignals.has(signal)
    ? "stop"
    : defaultIgnored.has(signal)
    ? "ignore"
    : "terminate"

/** What a signal does to this particular process. */
const dispositionFor = (proc: Proc, signal: number): Disposition => {
  if (signal === Signal.SIGKILL) return "terminate"
  if (signal === Signal.SIGSTOP) return "stop"
  if (signal === Signal.SIGCONT) return "continue"
  if (proc.ignored.has(signal) || proc.handled.has(signal)) return "ignore"
  if (proc.namespaceInit) return "ignore"
  return defaultAction(signal)
}

const commBytes = 15
const encoder = new TextEncoder()
const decoder = new TextDecoder()

const truncateComm = (comm: string): string => {
  const bytes = encoder.encode(comm)
  return bytes.length <= commBytes ? comm : decoder.decode(bytes.subarray(0, commBytes))
}

/** The pid the kernel wraps to once it reaches `pid_max` (`RESERVED_PIDS`). */
const reservedPids = 300

/** The simulated process table; see the module documentation for its semantics. */
export class ProcessTable {
  readonly pidMax: number
  readonly reaping: ReapingPolicy
  readonly freezerMode: FreezerMode
  private now: bigint
  private lastPid: number
  private readonly procs = new Map<number, Proc>()
  private namespaces = 0
  private readonly listeners = new Set<(event: ProcessEvent) => void>()

  constructor(options: ProcessTableOptions = {}) {
    this.pidMax = options.pidMax ?? 32768
    this.now = options.clock ?? 100_000n
    this.lastPid = (options.firstPid ?? 1000) - 1
    this.reaping = options.reaping ?? "immediate"
    this.freezerMode = options.freezerMode ?? "v2"
  }

  /** The clock, in ticks since boot. */
  get clock(): bigint {
    return this.now
  }

  /** Advances the clock. */
  tick(ticks = 1n): void {
    this.now += ticks
  }

  /** Starts a process; see `SpawnOptions`. */
  spawn(options: SpawnOptions = {}): Either.Either<ProcessInfo, ProcessTableError> {
    const pid = options.pid ?? this.nextPid()
    if (pid === undefined) return Either.left(new ProcessTableError({ reason: "no free pid", pid: -1 }))
    if (!Number.isInteger(pid) || pid < 1 || pid >= this.pidMax) {
      return Either.left(new ProcessTableError({ reason: "pid out of range", pid }))
    }
    if (this.procs.has(pid)) return Either.left(new ProcessTableError({ reason: "pid in use", pid }))
    if (options.pid === undefined) this.lastPid = pid
    const startTime = options.startTime ?? this.now
    this.now += 1n
    const state = options.state ?? "S"
    const parentNs = this.procs.get(options.ppid ?? 1)?.ns ?? hostNamespace
    const namespaceInit = options.namespaceInit ?? false
    const proc: Proc = {
      pid,
      ns: namespaceInit ? { id: ++this.namespaces, init: pid, parent: parentNs } : parentNs,
      ppid: options.ppid ?? 1,
      comm: truncateComm(options.comm ?? "sh"),
      startTime,
      base: state === "Z" || state === "T" ? "S" : state,
      stopped: state === "T",
      frozen: undefined,
      exit: state === "Z" ? { code: 0 } : undefined,
      handled: new Set(options.handled ?? []),
      ignored: new Set(options.ignored ?? []),
      namespaceInit,
      protected: options.protected ?? false,
      reaping: state === "Z" ? "manual" : options.reaping ?? this.reaping,
      received: [],
      pending: []
    }
    this.procs.set(pid, proc)
    this.emit({ _tag: "Spawned", pid })
    return Either.right(this.snapshot(proc))
  }

  /** A snapshot of a process, if the pid is in use (zombies included). */
  get(pid: number): Option.Option<ProcessInfo> {
    const proc = this.procs.get(pid)
    return proc === undefined ? Option.none() : Option.some(this.snapshot(proc))
  }

  /** Every pid in use, ascending. */
  pids(): ReadonlyArray<number> {
    return [...this.procs.keys()].sort((a, b) => a - b)
  }

  /**
   * The content of `/proc/<pid>/stat` (52 fields, newline-terminated), or
   * none when the pid is not in use. The name is printed raw, unescaped, as
   * the kernel does.
   */
  statLine(pid: number): Option.Option<string> {
    const proc = this.procs.get(pid)
    if (proc === undefined) return Option.none()
    const fields: Array<string | number | bigint> = [
      proc.pid,
      `(${proc.comm})`,
      this.stateOf(proc),
      proc.ppid,
      proc.pid, // pgrp
      proc.pid, // session
      0, // tty_nr
      -1, // tpgid
      4194560, // flags
      ...Array<number>(8).fill(0), // minflt .. cstime
      20, // priority
      0, // nice
      1, // num_threads
      0, // itrealvalue
      proc.startTime,
      0, // vsize
      0, // rss
      "18446744073709551615", // rsslim
      ...Array<number>(26).fill(0), // startcode .. env_end
      proc.exit === undefined ? 0 : "code" in proc.exit ? proc.exit.code << 8 : proc.exit.signal
    ]
    return Option.some(fields.join(" ") + "\n")
  }

  /** Ends a process with an exit code: it becomes a zombie, or disappears under immediate reaping. */
  exit(pid: number, code = 0): boolean {
    const proc = this.procs.get(pid)
    if (proc === undefined || proc.exit !== undefined) return false
    this.terminate(proc, { code })
    return true
  }

  /**
   * `execve(2)` for the table: the process keeps its pid, start time,
   * namespace and cgroups, and takes the new program's name (truncated as
   * `comm` is). Returns false for an unknown or exited pid.
   */
  rename(pid: number, comm: string): boolean {
    const proc = this.procs.get(pid)
    if (proc === undefined || proc.exit !== undefined) return false
    proc.comm = truncateComm(comm)
    return true
  }

  /** Reaps a zombie (its parent's `wait`); the pid becomes free for reuse. */
  reap(pid: number): boolean {
    const proc = this.procs.get(pid)
    if (proc === undefined || proc.exit === undefined) return false
    this.procs.delete(pid)
    this.emit({ _tag: "Reaped", pid })
    return true
  }

  /** `kill(pid, signal)` with the semantics in the module documentation. */
  signal(pid: number, signal: number): SignalOutcome {
    if (!Signal.isValid(signal)) return "EINVAL"
    const proc = this.procs.get(pid)
    if (proc === undefined) return "ESRCH"
    if (proc.protected) return "EPERM"
    if (signal === 0 || proc.exit !== undefined) return "ok"
    proc.received.push(signal)
    const disposition = dispositionFor(proc, signal)
    if (proc.frozen !== undefined) {
      const fatal = disposition === "terminate" && (signal === Signal.SIGKILL || !proc.stopped)
      if (proc.frozen === "v2" && fatal) this.terminate(proc, { signal })
      else proc.pending.push(signal)
      return "ok"
    }
    this.deliver(proc, signal, disposition)
    return "ok"
  }

  /**
   * The cgroup freezer's hook: marks a process frozen (by a v1 or v2
   * freezer; default the table's mode) or thaws it, delivering what was
   * pending. Returns false for an unknown pid.
   */
  setFrozen(pid: number, frozen: boolean, mode: FreezerMode = this.freezerMode): boolean {
    const proc = this.procs.get(pid)
    if (proc === undefined) return false
    if (frozen) {
      proc.frozen = mode
      return true
    }
    if (proc.frozen === undefined) return true
    proc.frozen = undefined
    this.flushPending(proc)
    return true
  }

  /** Follows spawns, exits and reaps; returns the unsubscribe function. */
  subscribe(listener: (event: ProcessEvent) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  private nextPid(): number | undefined {
    const wrapTo = this.pidMax > reservedPids ? reservedPids : 1
    let candidate = this.lastPid
    for (let tried = 0; tried < this.pidMax; tried++) {
      candidate = candidate + 1 >= this.pidMax ? wrapTo : candidate + 1
      if (!this.procs.has(candidate)) return candidate
    }
    return undefined
  }

  private deliver(proc: Proc, signal: number, disposition: Disposition): void {
    if (proc.exit !== undefined) return
    switch (disposition) {
      case "terminate":
        if (proc.stopped && signal !== Signal.SIGKILL) proc.pending.push(signal)
        else this.terminate(proc, { signal })
        return
      case "stop":
        proc.stopped = true
        return
      case "continue":
        proc.stopped = false
        this.flushPending(proc)
        return
      case "ignore":
        return
    }
  }

  private flushPending(proc: Proc): void {
    while (proc.pending.length > 0 && proc.exit === undefined && proc.frozen === undefined) {
      const signal = proc.pending.shift()!
      const disposition = dispositionFor(proc, signal)
      if (proc.stopped && disposition === "terminate" && signal !== Signal.SIGKILL) {
        proc.pending.unshift(signal)
        return
      }
      this.deliver(proc, signal, disposition)
    }
  }

  private terminate(proc: Proc, exit: { readonly code: number } | { readonly signal: number }): void {
    proc.exit = exit
    proc.stopped = false
    proc.pending.length = 0
    this.emit({ _tag: "Exited", pid: proc.pid })
    if (proc.reaping === "immediate") this.reap(proc.pid)
    if (proc.ns.init === proc.pid) this.zapNamespace(proc.ns)
  }

  /** The kernel's `zap_pid_ns_processes`: SIGKILL to every live process of the namespace and those below it. */
  private zapNamespace(ns: PidNamespace): void {
    const members = [...this.procs.values()].filter((p) => p.exit === undefined && isWithin(p.ns, ns))
    for (const member of members) {
      if (member.exit !== undefined) continue
      member.received.push(Signal.SIGKILL)
      // a v1 freezer holds even the kernel's SIGKILL until the thaw
      if (member.frozen === "v1") member.pending.push(Signal.SIGKILL)
      else this.terminate(member, { signal: Signal.SIGKILL })
    }
  }

  private stateOf(proc: Proc): StateLetter {
    if (proc.exit !== undefined) return "Z"
    if (proc.frozen === "v1") return "D"
    if (proc.stopped) return "T"
    return proc.base
  }

  private snapshot(proc: Proc): ProcessInfo {
    return {
      pid: proc.pid,
      ppid: proc.ppid,
      comm: proc.comm,
      startTime: proc.startTime,
      state: this.stateOf(proc),
      frozen: proc.frozen !== undefined,
      stopped: proc.stopped,
      pidNamespace: proc.ns.id,
      exit: Option.fromNullable(proc.exit),
      received: [...proc.received],
      pending: [...proc.pending]
    }
  }

  private emit(event: ProcessEvent): void {
    for (const listener of this.listeners) listener(event)
  }
}
