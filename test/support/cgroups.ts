/**
 * Cgroup sandboxes for the CgroupManager suites: the same operations —
 * make a cgroup directory, start a process in some cgroups, look at its
 * state, kill it — on this machine's real cgroupfs (as root) and on the
 * simulated host's cgroupfs. Whatever a test creates is thawed, killed
 * and removed when its scope closes, even when the test fails.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs"
import { once } from "node:events"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as CgroupManager from "../../src/CgroupManager.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import * as NodeHost from "../../src/node/NodeHost.js"
import * as Signal from "../../src/Signal.js"
import * as WallClock from "../../src/internal/wallClock.js"

/** What a test may do inside a sandbox. */
export interface Sandbox {
  /** Creates a cgroup directory (its parent must exist); removed when the scope closes. */
  readonly mkdir: (path: string) => Effect.Effect<void>
  /**
   * Starts a process — `sleep` blocks in nanosleep, `busy` spins in a shell
   * loop — and moves it into every given cgroup directory.
   */
  readonly spawn: (dirs: ReadonlyArray<string>, kind?: "sleep" | "busy") => Effect.Effect<number>
  /** The state letter of `/proc/<pid>/stat`. */
  readonly state: (pid: number) => Effect.Effect<string>
  /** Whether the (busy) process gets CPU time: on the real host its utime+stime grows over 300 ms. */
  readonly runs: (pid: number) => Effect.Effect<boolean>
  /** SIGKILL, then wait until the process is gone (a v1-frozen one must be thawed first). */
  readonly kill: (pid: number) => Effect.Effect<void>
  /** Whether a directory exists. */
  readonly exists: (path: string) => Effect.Effect<boolean>
}

/** One layer under test with its sandbox. */
export interface CgroupFixture {
  readonly name: string
  readonly real: boolean
  readonly layer: Layer.Layer<CgroupManager.CgroupManager>
  /** Where an absolute cgroup path lands: cgroupfs mount points by subsystem key (`""` for cgroup2). */
  readonly mounts: Readonly<Record<string, string>>
  readonly sandbox: Effect.Effect<Sandbox, never, Scope.Scope>
}

/** A unique cgroup name for one test. */
export const uniqueName = (): string => `elc-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`

const thawIfFrozen = (dir: string): void => {
  for (const [file, value] of [["freezer.state", "THAWED"], ["cgroup.freeze", "0"]] as const) {
    try {
      if (existsSync(`${dir}/${file}`)) writeFileSync(`${dir}/${file}`, value)
    } catch {
      // best effort: the directory may be gone already
    }
  }
}

/** A wall-clock pause, whatever clock the test runs with. */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** rmdir, retried for a second while the kernel still counts an exiting task. */
const rmdirPatiently = async (dir: string): Promise<void> => {
  for (let attempt = 0; ; attempt++) {
    try {
      if (existsSync(dir)) rmdirSync(dir)
      return
    } catch (e) {
      if (attempt >= 50) {
        console.warn(`could not remove ${dir}: ${String(e)}`)
        return
      }
      await pause(20)
    }
  }
}

/** utime + stime of a process, in clock ticks. */
const cpuTicks = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return Number(fields[11]) + Number(fields[12])
}

/** The real cgroupfs of this machine. */
export const realSandbox: Effect.Effect<Sandbox, never, Scope.Scope> = Effect.gen(function*() {
  const dirs: Array<string> = []
  const children = new Map<number, ChildProcess>()
  yield* Effect.addFinalizer(() =>
    Effect.gen(function*() {
      for (const dir of [...dirs].reverse()) thawIfFrozen(dir)
      for (const [pid, child] of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, "exit")
          process.kill(pid, "SIGKILL")
          yield* Effect.promise(() => exited)
        }
      }
      for (const dir of [...dirs].reverse()) {
        yield* Effect.promise(() => rmdirPatiently(dir))
      }
    })
  )
  return {
    mkdir: (path) =>
      Effect.sync(() => {
        mkdirSync(path)
        dirs.push(path)
        if (path.startsWith("/sys/fs/cgroup/cpuset/")) {
          const parent = path.slice(0, path.lastIndexOf("/"))
          for (const file of ["cpuset.cpus", "cpuset.mems"]) writeFileSync(`${path}/${file}`, readFileSync(`${parent}/${file}`))
        }
      }),
    spawn: (targets, kind = "sleep") =>
      Effect.gen(function*() {
        const child = kind === "sleep"
          ? spawn("sleep", ["1000"], { stdio: "ignore" })
          : spawn("sh", ["-c", "while :; do :; done"], { stdio: "ignore" })
        yield* Effect.promise(() => once(child, "spawn"))
        const pid = child.pid!
        children.set(pid, child)
        for (const dir of targets) writeFileSync(`${dir}/cgroup.procs`, String(pid))
        return pid
      }),
    state: (pid) =>
      Effect.sync(() => {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
      }),
    runs: (pid) =>
      Effect.gen(function*() {
        const before = cpuTicks(pid)
        yield* Effect.promise(() => pause(300))
        return cpuTicks(pid) > before
      }),
    kill: (pid) =>
      Effect.gen(function*() {
        const child = children.get(pid)
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
        const exited = once(child, "exit")
        process.kill(pid, "SIGKILL")
        yield* Effect.promise(() => exited)
      }),
    exists: (path) => Effect.sync(() => existsSync(path) && statSync(path).isDirectory())
  }
})

/** A simulated host's cgroupfs and process table. */
export const memorySandbox = (host: MemoryHost.SimulatedHost): Effect.Effect<Sandbox, never, Scope.Scope> =>
  Effect.gen(function*() {
    const tree = host.cgroups
    const table = host.processes
    const fs = MemoryHost.filesystem(host)
    const dirs: Array<string> = []
    const pids: Array<number> = []
    const write = (path: string, data: string) =>
      Effect.ignore(fs.writeFile(path, new TextEncoder().encode(data), { flag: "existing" }))
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        for (const dir of [...dirs].reverse()) {
          yield* write(`${dir}/freezer.state`, "THAWED")
          yield* write(`${dir}/cgroup.freeze`, "0")
        }
        for (const pid of pids) table.signal(pid, Signal.SIGKILL)
        for (const dir of [...dirs].reverse()) yield* Effect.ignore(tree.rmdir(dir))
      })
    )
    return {
      mkdir: (path) =>
        Effect.gen(function*() {
          Either.getOrThrow(tree.mkdir(path))
          dirs.push(path)
          // as the real sandbox does (and runc): a new v1 cpuset gets its parent's CPUs and nodes
          if (path.startsWith("/sys/fs/cgroup/cpuset/")) {
            const parent = path.slice(0, path.lastIndexOf("/"))
            for (const file of ["cpuset.cpus", "cpuset.mems"]) {
              const content = yield* Effect.orDie(fs.readFile(`${parent}/${file}`))
              yield* Effect.orDie(fs.writeFile(`${path}/${file}`, content, { flag: "existing" }))
            }
          }
        }),
      spawn: (targets, kind = "sleep") =>
        Effect.sync(() => {
          const pid = Either.getOrThrow(table.spawn({ comm: kind === "sleep" ? "sleep" : "sh" })).pid
          pids.push(pid)
          for (const dir of targets) Either.getOrThrow(tree.addProcess(dir, pid))
          return pid
        }),
      state: (pid) => Effect.sync(() => Option.match(table.get(pid), { onNone: () => "gone", onSome: (p) => p.state })),
      runs: (pid) =>
        Effect.sync(() => Option.match(table.get(pid), { onNone: () => false, onSome: (p) => !p.frozen && !p.stopped })),
      kill: (pid) => Effect.sync(() => void table.signal(pid, Signal.SIGKILL)),
      exists: (path) => Effect.sync(() => tree.exists(path))
    }
  })

/** Key → mount point of this machine's v1 hierarchies, read from `/proc/self/mountinfo` (plus `""` for the hybrid mount). */
export const realV1Mounts = (): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {}
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ")
    if (left === undefined || right === undefined) continue
    const mountpoint = left.split(" ")[4]!
    const [fstype, , options] = right.split(" ")
    if (fstype === "cgroup2" && mountpoint === "/sys/fs/cgroup/unified") out[""] = mountpoint
    if (fstype !== "cgroup") continue
    for (const option of options!.split(",")) {
      if (["rw", "ro", "xattr", "clone_children"].includes(option) || option.includes("=") && !option.startsWith("name=")) continue
      out[option] ??= mountpoint
    }
  }
  return out
}

const memoryV1Mounts = (host: MemoryHost.SimulatedHost): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {}
  for (const h of MemoryHost.thisHostHierarchies) for (const c of h.controllers) out[c] = `/sys/fs/cgroup/${h.dir}`
  if (host.cgroups.mode === "hybrid") out[""] = "/sys/fs/cgroup/unified"
  return out
}

/** The cgroup manager over a simulated host's Filesystem. */
export const onMemory = (host: MemoryHost.SimulatedHost): Layer.Layer<CgroupManager.CgroupManager> =>
  CgroupManager.layer.pipe(Layer.provide(MemoryHost.layerFrom(host)))

/** The v1 flavour: this hybrid machine's fs manager, and a simulated hybrid tree laid out the same way. */
export const v1Fixtures = (): ReadonlyArray<CgroupFixture> => {
  const host = MemoryHost.unsafeMake({ cgroupMode: "hybrid" })
  return [
    {
      name: "layer on NodeHost (real cgroupfs, hybrid)",
      real: true,
      layer: CgroupManager.layer.pipe(Layer.provide(NodeHost.layerFilesystem)),
      mounts: realV1Mounts(),
      sandbox: realSandbox
    },
    {
      name: "layer on MemoryHost (simulated hybrid cgroupfs)",
      real: false,
      layer: onMemory(host),
      mounts: memoryV1Mounts(host),
      sandbox: memorySandbox(host)
    }
  ]
}

/** The v2 flavour: fs2 on this machine's cgroup2 mount (`root` moved to it), and a simulated unified tree. */
export const v2Fixtures = (): ReadonlyArray<CgroupFixture> => {
  const host = MemoryHost.unsafeMake({ cgroupMode: "unified" })
  return [
    {
      name: "layerWith({ root: /sys/fs/cgroup/unified }) on NodeHost (real cgroup2)",
      real: true,
      layer: CgroupManager.layerWith({ root: "/sys/fs/cgroup/unified" }).pipe(Layer.provide(NodeHost.layerFilesystem)),
      mounts: { "": "/sys/fs/cgroup/unified" },
      sandbox: realSandbox
    },
    {
      name: "layer on MemoryHost (simulated unified cgroupfs)",
      real: false,
      layer: onMemory(host),
      mounts: { "": "/sys/fs/cgroup" },
      sandbox: memorySandbox(host)
    }
  ]
}

/** Test cgroup directories left anywhere under `/sys/fs/cgroup` (searched three levels deep). */
export const leakedRealCgroups = (): ReadonlyArray<string> => {
  const found: Array<string> = []
  const visit = (dir: string, depth: number) => {
    let entries: Array<Dirent>
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue
      const path = `${dir}/${entry.name}`
      if (entry.name.startsWith("elc-test-") || entry.name.startsWith("elc-runc-")) found.push(path)
      else if (depth > 0) visit(path, depth - 1)
    }
  }
  visit("/sys/fs/cgroup", 4)
  return found
}

/**
 * Runs `effect` with sleeps that return at once, recording each requested
 * duration (in milliseconds) — so back-off and polling schedules can be
 * checked without waiting for them.
 */
export const withInstantSleeps = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.clockWith((clock) => {
    const slept: Array<number> = []
    const instant: Clock.Clock = Object.assign(Object.create(clock) as Clock.Clock, {
      sleep: (duration: Duration.DurationInput) =>
        Effect.sync(() => {
          slept.push(Duration.toMillis(duration))
        })
    })
    return Effect.map(Effect.withClock(WallClock.withHostClock(effect), instant), (result) => ({ result, slept }))
  })
