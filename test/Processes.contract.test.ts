/**
 * One contract for the Processes service, run against the real layer (this
 * host's /proc, pidfd signalling, real child processes) and the memory layer
 * (the simulated process table), plus what only one side can show: the
 * pidfd/kill(2) plumbing on the real host, pid reuse in the simulation.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as MemoryHost from "../src/memory/MemoryHost.js"
import * as NodeHost from "../src/node/NodeHost.js"
import * as Pidfd from "../src/node/pidfd.js"
import * as Processes from "../src/Processes.js"

/** How a contract run gets processes to look at. */
interface Harness {
  readonly name: string
  readonly layer: Layer.Layer<Processes.Processes>
  /** A sleeping process whose command name is `comm`; gone when the scope closes. */
  readonly spawn: (comm: string) => Effect.Effect<number, never, Scope.Scope>
  /** A zombie (exited, not reaped); gone when the scope closes. */
  readonly zombie: Effect.Effect<number, never, Scope.Scope>
  /** A pid no process holds. */
  readonly unusedPid: Effect.Effect<number, never, Scope.Scope>
}

/** Polls until `condition` holds (every 10 ms, up to 5 s). */
const eventually = <E, R>(condition: Effect.Effect<boolean, E, R>): Effect.Effect<void, E | Error, R> =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      if (yield* condition) return
      yield* Effect.sleep(Duration.millis(10))
    }
    return yield* Effect.fail(new Error("condition not reached within 5s"))
  })

// --- the real host -------------------------------------------------------------------------

const started = (child: ChildProcess): Effect.Effect<ChildProcess> =>
  Effect.async<ChildProcess>((resume) => {
    child.once("spawn", () => resume(Effect.succeed(child)))
    child.once("error", (error) => resume(Effect.die(error)))
  })

/** Kills the child and waits for Node to reap it. */
const stopped = (child: ChildProcess): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

const child = (command: string, args: ReadonlyArray<string>): Effect.Effect<ChildProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => started(spawn(command, args, { stdio: ["ignore", "pipe", "ignore"] }))),
    stopped
  )

/** A directory for symlinks that give a process the command name we want. */
const scratch = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "processes-contract-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const firstLine = (c: ChildProcess): Effect.Effect<string> =>
  Effect.async<string>((resume) => {
    let buffer = ""
    c.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString()
      const newline = buffer.indexOf("\n")
      if (newline >= 0) resume(Effect.succeed(buffer.slice(0, newline)))
    })
  })

const stateOnHost = (pid: number): string | undefined => {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "latin1")
    return raw[raw.lastIndexOf(")") + 2]
  } catch {
    return undefined
  }
}

const zombieMaker = "my $p = fork // die; if ($p == 0) { exit 0 } $| = 1; print \"$p\\n\"; <STDIN>; waitpid($p, 0);"

const sleepBinary = ["/usr/bin/sleep", "/bin/sleep"].find(existsSync) ?? "sleep"

const nodeHarness: Harness = {
  name: "node",
  layer: NodeHost.layerProcesses,
  spawn: (comm) =>
    Effect.gen(function*() {
      const dir = yield* scratch
      // The kernel names a process after the path it was executed by: a symlink's own name.
      const link = join(dir, comm)
      symlinkSync(sleepBinary, link)
      const pid = (yield* child(link, ["1000"])).pid!
      // Just started, it may still be running (R) on its way into nanosleep.
      yield* eventually(Effect.sync(() => stateOnHost(pid) === "S"))
      return pid
    }).pipe(Effect.orDie),
  zombie: Effect.gen(function*() {
    // perl (Essential on Debian) forks a child that exits at once and reaps it only when its
    // stdin ends — which the scope's finalizer does, so no zombie outlives the test.
    const parent = yield* Effect.acquireRelease(
      Effect.suspend(() =>
        started(spawn("perl", ["-e", zombieMaker], { stdio: ["pipe", "pipe", "ignore"] }))
      ),
      (c) =>
        Effect.async<void>((resume) => {
          if (c.exitCode !== null || c.signalCode !== null) return resume(Effect.void)
          c.once("exit", () => resume(Effect.void))
          c.stdin!.end()
        })
    )
    const pid = Number(yield* firstLine(parent))
    yield* eventually(Effect.sync(() => stateOnHost(pid) === "Z"))
    return pid
  }).pipe(Effect.orDie),
  unusedPid: Effect.gen(function*() {
    const c = yield* child("true", [])
    yield* Effect.async<void>((resume) => {
      if (c.exitCode !== null) return resume(Effect.void)
      c.once("exit", () => resume(Effect.void))
    })
    return c.pid!
  })
}

// --- the simulated host --------------------------------------------------------------------

const simulated = MemoryHost.unsafeMake()
const table = simulated.processes

/** The Processes port of a simulated host. */
const onHost = (host: MemoryHost.SimulatedHost): Layer.Layer<Processes.Processes> =>
  Layer.succeed(Processes.Processes, MemoryHost.processes(host))

const memoryHarness: Harness = {
  name: "memory",
  layer: onHost(simulated),
  spawn: (comm) =>
    Effect.acquireRelease(
      Effect.sync(() => Either.getOrThrow(table.spawn({ comm })).pid),
      (pid) => Effect.sync(() => table.signal(pid, 9))
    ),
  zombie: Effect.acquireRelease(
    Effect.sync(() => {
      const { pid } = Either.getOrThrow(table.spawn({ comm: "sleep", reaping: "manual" }))
      table.exit(pid, 0)
      return pid
    }),
    (pid) => Effect.sync(() => table.reap(pid))
  ),
  unusedPid: Effect.sync(() => {
    const { pid } = Either.getOrThrow(table.spawn({ comm: "true" }))
    table.exit(pid)
    return pid
  })
}

// --- the contract --------------------------------------------------------------------------

const contract = (h: Harness) =>
  // Without the test services: these tests wait on real processes, in real time.
  layer(h.layer, { excludeTestServices: true })(`Processes contract (${h.name})`, (it) => {
    const processes = Processes.Processes

    it.scoped("stat reads the name, a sleeping state and a stable start time", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.spawn("sleep")
        const first = yield* p.stat(pid)
        expect(first.name).toBe("sleep")
        expect(first.state).toBe("S")
        expect(first.startTime).toBeGreaterThan(0n)
        expect(yield* p.startTime(pid)).toBe(first.startTime)
        expect(yield* p.state(pid)).toBe("S")
      }))

    it.scoped("recovers a command name with spaces and parentheses", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.spawn("a) (b c")
        expect((yield* p.stat(pid)).name).toBe("a) (b c")
      }))

    it.scoped("truncates the name to 15 bytes, as the kernel does", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.spawn("abcdefghijklmnopqrst")
        expect((yield* p.stat(pid)).name).toBe("abcdefghijklmno")
      }))

    it.scoped("a gone pid: stat fails like os.ReadFile, isAlive is false, signal says finished", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.unusedPid
        const error = yield* Effect.flip(p.stat(pid))
        expect(error._tag).toBe("SystemError")
        expect(error.message).toBe(`open /proc/${pid}/stat: no such file or directory`)
        expect(yield* p.isAlive(pid, 1n)).toBe(false)
        const failed = yield* Effect.flip(p.signal(pid, 0))
        expect(failed).toMatchObject({ _tag: "ProcessFinished", reason: "no such process" })
        expect(failed.message).toBe("os: process already finished")
      }))

    it.scoped("isAlive is runc's hasInit: same start time and not a zombie", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.spawn("sleep")
        const start = yield* p.startTime(pid)
        expect(yield* p.isAlive(pid, start)).toBe(true)
        // The pid-reuse rule: the same pid with another start time is another process.
        expect(yield* p.isAlive(pid, start + 1n)).toBe(false)
        expect(yield* p.isAlive(pid, start - 1n)).toBe(false)
      }))

    it.scoped("a zombie reads Z, is not alive, and still accepts signals", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.zombie
        const stat = yield* p.stat(pid)
        expect(stat.state).toBe("Z")
        expect(yield* p.isAlive(pid, stat.startTime)).toBe(false)
        yield* p.signal(pid, 0)
        yield* p.signal(pid, 9, { expectedStartTime: stat.startTime })
        expect(yield* p.state(pid)).toBe("Z")
      }))

    it.scoped("signal 0 checks existence; SIGKILL with the right start time kills", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.spawn("sleep")
        const start = yield* p.startTime(pid)
        yield* p.signal(pid, 0, { expectedStartTime: start })
        expect(yield* p.isAlive(pid, start)).toBe(true)
        yield* p.signal(pid, 9, { expectedStartTime: start })
        yield* eventually(Effect.map(p.isAlive(pid, start), (alive) => !alive))
      }))

    it.scoped("SIGTERM's default action ends a process", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.spawn("sleep")
        const start = yield* p.startTime(pid)
        yield* p.signal(pid, 15)
        yield* eventually(Effect.map(p.isAlive(pid, start), (alive) => !alive))
      }))

    it.scoped("a wrong expected start time is refused and the process is not signalled", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.spawn("sleep")
        const start = yield* p.startTime(pid)
        const error = yield* Effect.flip(p.signal(pid, 9, { expectedStartTime: start + 1n }))
        expect(error).toMatchObject({ _tag: "ProcessFinished", reason: "start time differs" })
        yield* Effect.sleep(Duration.millis(50))
        expect(yield* p.isAlive(pid, start)).toBe(true)
      }))

    it.scoped("SIGSTOP stops (T) and SIGCONT resumes (S)", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.spawn("sleep")
        yield* p.signal(pid, 19)
        yield* eventually(Effect.map(p.state(pid), (s) => s === "T"))
        yield* p.signal(pid, 18)
        yield* eventually(Effect.map(p.state(pid), (s) => s === "S"))
      }))

    it.effect("pid -1 and 0 fail with Go's os.Process texts", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const released = yield* Effect.flip(p.signal(-1, 9))
        expect(released._tag).toBe("ProcessReleased")
        expect(released.message).toBe("os: process already released")
        const uninitialized = yield* Effect.flip(p.signal(0, 9))
        expect(uninitialized._tag).toBe("ProcessNotInitialized")
        expect(uninitialized.message).toBe("os: process not initialized")
      }))

    it.scoped("bad signals and process-group pids fail with EINVAL and touch nothing", () =>
      Effect.gen(function*() {
        const p = yield* processes
        const pid = yield* h.spawn("sleep")
        const start = yield* p.startTime(pid)
        for (const [target, signal] of [[pid, 65], [pid, -1], [pid, 1.5], [-pid, 9], [2 ** 32 + pid, 9]] as const) {
          const error = yield* Effect.flip(p.signal(target, signal))
          expect(error).toMatchObject({ _tag: "SignalFailed", code: "EINVAL" })
          expect(error.message).toBe("invalid argument")
        }
        yield* Effect.sleep(Duration.millis(50))
        expect(yield* p.isAlive(pid, start)).toBe(true)
      }))
  })

contract(nodeHarness)
contract(memoryHarness)

// --- only on the real host -----------------------------------------------------------------

/** The native system calls, counting what is called. */
const counting = (overrides: Partial<Pidfd.SignalSyscalls> = {}) => {
  const calls = { pidfdOpen: 0, pidfdSendSignal: 0, kill: 0, close: 0 }
  const base = { ...Pidfd.native, ...overrides }
  const syscalls: Pidfd.SignalSyscalls = {
    pidfdOpen: (pid) => (calls.pidfdOpen++, base.pidfdOpen(pid)),
    pidfdSendSignal: (fd, signal) => (calls.pidfdSendSignal++, base.pidfdSendSignal(fd, signal)),
    kill: (pid, signal) => (calls.kill++, base.kill(pid, signal)),
    close: (fd) => (calls.close++, base.close(fd))
  }
  return { calls, layer: NodeHost.layerProcessesWith({ syscalls }) }
}

const withLayer = <A, E>(
  l: Layer.Layer<Processes.Processes>,
  f: (p: Processes.ProcessesService) => Effect.Effect<A, E, Scope.Scope>
) => Effect.flatMap(Processes.Processes, f).pipe(Effect.provide(l))

describe("Processes.layerNode signalling plumbing", () => {
  it("pidfd_open works on this kernel", () => {
    const opened = Pidfd.native.pidfdOpen(process.pid)
    expect(opened._tag).toBe("Ok")
    if (opened._tag === "Ok") Pidfd.native.close(opened.value)
  })

  it.scopedLive("signals through a pidfd (open, verify, send, close) and never calls kill(2)", () =>
    Effect.gen(function*() {
      const { calls, layer: l } = counting()
      const pid = yield* nodeHarness.spawn("sleep")
      yield* withLayer(l, (p) =>
        Effect.gen(function*() {
          const start = yield* p.startTime(pid)
          yield* p.signal(pid, 0, { expectedStartTime: start })
          yield* p.signal(pid, 9, { expectedStartTime: start })
          // Dead, then reaped by Node: only then is the pid gone rather than a zombie.
          yield* eventually(Effect.sync(() => !existsSync(`/proc/${pid}`)))
          const error = yield* Effect.flip(p.signal(pid, 0))
          expect(error._tag).toBe("ProcessFinished")
        }))
      expect(calls).toEqual({ pidfdOpen: 3, pidfdSendSignal: 2, kill: 0, close: 2 })
    }))

  it.scopedLive("closes the pidfd also when the start time differs", () =>
    Effect.gen(function*() {
      const { calls, layer: l } = counting()
      const pid = yield* nodeHarness.spawn("sleep")
      const fdsBefore = readdirSync("/proc/self/fd").length
      yield* withLayer(l, (p) =>
        Effect.gen(function*() {
          const start = yield* p.startTime(pid)
          for (let i = 0; i < 20; i++) {
            yield* Effect.flip(p.signal(pid, 9, { expectedStartTime: start + 1n }))
          }
        }))
      expect(calls).toMatchObject({ pidfdOpen: 20, pidfdSendSignal: 0, close: 20 })
      expect(readdirSync("/proc/self/fd").length).toBeLessThanOrEqual(fdsBefore)
    }))

  it.scopedLive("a process that dies after pidfd_open is reported finished, never a recycled pid", () =>
    Effect.gen(function*() {
      // The victim is a grandchild reaped by its shell, so it can vanish while we hold the pidfd.
      const shell = yield* child("sh", ["-c", "sleep 1000 & echo $!; wait"])
      const victim = Number(yield* firstLine(shell))
      const { calls, layer: l } = counting({
        pidfdSendSignal: (fd, signal) => {
          process.kill(victim, "SIGKILL")
          const deadline = Date.now() + 5000
          while (existsSync(`/proc/${victim}`) && Date.now() < deadline) {
            // busy-wait: the shell reaps asynchronously in its own process
          }
          return Pidfd.native.pidfdSendSignal(fd, signal)
        }
      })
      const error = yield* withLayer(l, (p) =>
        Effect.gen(function*() {
          const start = yield* p.startTime(victim)
          return yield* Effect.flip(p.signal(victim, 15, { expectedStartTime: start }))
        }))
      expect(error).toMatchObject({ _tag: "ProcessFinished", reason: "no such process" })
      expect(calls.close).toBe(1)
    }))

  it.scopedLive("falls back to kill(2) after ENOSYS, once, and still checks the start time", () =>
    Effect.gen(function*() {
      const { calls, layer: l } = counting({ pidfdOpen: () => ({ _tag: "Errno", code: "ENOSYS" }) })
      const pid = yield* nodeHarness.spawn("sleep")
      yield* withLayer(l, (p) =>
        Effect.gen(function*() {
          const start = yield* p.startTime(pid)
          const refused = yield* Effect.flip(p.signal(pid, 9, { expectedStartTime: start + 1n }))
          expect(refused).toMatchObject({ _tag: "ProcessFinished", reason: "start time differs" })
          expect(calls.kill).toBe(0)
          yield* p.signal(pid, 0, { expectedStartTime: start })
          yield* p.signal(pid, 9, { expectedStartTime: start })
          yield* eventually(Effect.sync(() => !existsSync(`/proc/${pid}`)))
          const gone = yield* Effect.flip(p.signal(pid, 9))
          expect(gone).toMatchObject({ _tag: "ProcessFinished", reason: "no such process" })
        }))
      // pidfd_open was tried once; every later signal went straight to kill(2).
      expect(calls).toEqual({ pidfdOpen: 1, pidfdSendSignal: 0, kill: 3, close: 0 })
    }))

  it.scopedLive("other pidfd_open errors are reported, not papered over with kill(2)", () =>
    Effect.gen(function*() {
      const { calls, layer: l } = counting({ pidfdOpen: () => ({ _tag: "Errno", code: "EMFILE" }) })
      const pid = yield* nodeHarness.spawn("sleep")
      const error = yield* withLayer(l, (p) => Effect.flip(p.signal(pid, 9)))
      expect(error).toMatchObject({ _tag: "SignalFailed", code: "EMFILE" })
      expect(error.message).toBe("too many open files")
      expect(calls.kill).toBe(0)
    }))

  it.scopedLive("EPERM from the kernel comes back as Go's bare errno text", () =>
    Effect.gen(function*() {
      const { layer: l } = counting({ pidfdSendSignal: () => ({ _tag: "Errno", code: "EPERM" }) })
      const pid = yield* nodeHarness.spawn("sleep")
      const error = yield* withLayer(l, (p) => Effect.flip(p.signal(pid, 15)))
      expect(error).toMatchObject({ _tag: "SignalFailed", code: "EPERM", pid, signal: 15 })
      expect(error.message).toBe("operation not permitted")
    }))

  it.scopedLive("the zombie helper leaves nothing behind", () =>
    Effect.gen(function*() {
      const zombie = yield* Effect.scoped(nodeHarness.zombie)
      expect(existsSync(`/proc/${zombie}`)).toBe(false)
    }))
})

// --- only in the simulation ----------------------------------------------------------------

describe("Processes on the simulated host", () => {
  it.scoped("a reused pid has a new start time: the old identity is dead and is never signalled", () =>
    Effect.gen(function*() {
      const host = MemoryHost.unsafeMake()
      const t = host.processes
      yield* withLayer(onHost(host), (p) =>
        Effect.gen(function*() {
          const first = Either.getOrThrow(t.spawn({ comm: "init" }))
          yield* p.signal(first.pid, 9, { expectedStartTime: first.startTime })
          expect(yield* p.isAlive(first.pid, first.startTime)).toBe(false)
          t.tick(500n)
          const second = Either.getOrThrow(t.spawn({ pid: first.pid, comm: "intruder" }))
          expect(second.startTime).not.toBe(first.startTime)
          expect(yield* p.isAlive(first.pid, first.startTime)).toBe(false)
          expect(yield* p.isAlive(second.pid, second.startTime)).toBe(true)
          const refused = yield* Effect.flip(p.signal(first.pid, 9, { expectedStartTime: first.startTime }))
          expect(refused).toMatchObject({ _tag: "ProcessFinished", reason: "start time differs" })
          expect(t.get(second.pid).pipe((o) => o._tag === "Some" && o.value.received.length === 0)).toBe(true)
        }))
    }))

  it.scoped("liveness by state letter: D, I and R count, Z and X do not", () =>
    Effect.gen(function*() {
      const host = MemoryHost.unsafeMake()
      const t = host.processes
      yield* withLayer(onHost(host), (p) =>
        Effect.gen(function*() {
          for (const [state, alive] of [["D", true], ["I", true], ["R", true], ["Z", false], ["X", false]] as const) {
            const spawned = Either.getOrThrow(t.spawn({ state }))
            expect(yield* p.state(spawned.pid)).toBe(state)
            expect(yield* p.isAlive(spawned.pid, spawned.startTime), state).toBe(alive)
          }
        }))
    }))

  it.scoped("a protected process answers EPERM", () =>
    Effect.gen(function*() {
      const host = MemoryHost.unsafeMake()
      const { pid } = Either.getOrThrow(host.processes.spawn({ protected: true }))
      const error = yield* withLayer(onHost(host), (p) => Effect.flip(p.signal(pid, 9)))
      expect(error).toMatchObject({ _tag: "SignalFailed", code: "EPERM" })
      expect(error.message).toBe("operation not permitted")
    }))

  it.scoped("a fresh host starts empty", () =>
    Effect.gen(function*() {
      const error = yield* withLayer(onHost(MemoryHost.unsafeMake()), (p) => Effect.flip(p.stat(1000)))
      expect(error.message).toBe("open /proc/1000/stat: no such file or directory")
    }))
})
