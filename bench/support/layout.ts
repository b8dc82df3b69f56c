/**
 * A state root of N containers in runc's real format, for the benchmarks:
 * copies of a state.json runc 1.1.5 wrote (test/fixtures), with the id, the
 * init pid and start time and the cgroup paths patched as text (so the
 * 2^64-1 in the seccomp rule stays exact). Even-numbered containers point
 * at one of a few live `sleep` processes and at a real freezer cgroup made
 * for the run (so status detection reads `freezer.state` and `/proc/<pid>/stat`
 * and finds them running); odd ones at pids that have exited and at cgroups
 * that do not exist (stopped).
 *
 * Everything — state dirs, processes, cgroups — goes away when the scope
 * closes, on failure and on Ctrl-C too.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { BenchError } from "./measure.js"

/** Where bench roots live (gitignored). */
export const rootsDir = join(import.meta.dirname, "..", ".roots")

/** The state.json every container is copied from. */
export const templatePath = join(import.meta.dirname, "..", "..", "test", "fixtures", "runc-1.1.5", "running.json")

/** The v1 hierarchies of the template's `cgroup_paths`, plus `""` for the hybrid cgroup2 mount. */
const hierarchies: ReadonlyArray<readonly [key: string, dir: string]> = [
  ["", "unified"],
  ["blkio", "blkio"],
  ["cpu", "cpu"],
  ["cpuacct", "cpuacct"],
  ["cpuset", "cpuset"],
  ["devices", "devices"],
  ["freezer", "freezer"],
  ["memory", "memory"],
  ["name=systemd", "systemd"],
  ["pids", "pids"]
]

/** A laid-out root. */
export interface Layout {
  readonly root: string
  readonly ids: ReadonlyArray<string>
  /** How many containers point at a live process. */
  readonly live: number
}

/** Field 22 of `/proc/<pid>/stat`. */
export const startTimeOf = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return fields[22 - 3]!
}

/** The id of container `i` (sorted order is index order). */
export const idOf = (i: number): string => `bench-${String(i).padStart(6, "0")}`

const cgroupPathsJson = (group: string, id: string, live: boolean): string =>
  "{" +
  hierarchies
    .map(([key, dir]) => `${JSON.stringify(key)}:${JSON.stringify(`/sys/fs/cgroup/${dir}/${group}${live ? "" : `/${id}`}`)}`)
    .join(",") +
  "}"

/** The template with one container's id, pid, start time and cgroup paths put in. */
export const stateText = (
  template: string,
  fields: { readonly id: string; readonly pid: number; readonly start: string; readonly cgroupPaths: string }
): string => {
  const oldPid = /"init_process_pid":(\d+)/.exec(template)![1]!
  return template
    .replace(/"id":"[^"]*"/, `"id":${JSON.stringify(fields.id)}`)
    .replace(/"init_process_pid":\d+/, `"init_process_pid":${fields.pid}`)
    .replace(/"init_process_start":\d+/, `"init_process_start":${fields.start}`)
    .replace(/"cgroup_paths":\{[^}]*\}/, `"cgroup_paths":${fields.cgroupPaths}`)
    .replaceAll(`/proc/${oldPid}/`, `/proc/${fields.pid}/`)
}

/** Pids of processes that ran and exited, so `/proc/<pid>` is gone. */
const deadPids = (count: number): ReadonlyArray<number> => {
  const pids: Array<number> = []
  while (pids.length < count) {
    const pid = spawnSync("true").pid
    if (pid !== undefined && !existsSync(`/proc/${pid}`)) pids.push(pid)
  }
  return pids
}

const cgroupDirs = (group: string): ReadonlyArray<string> =>
  hierarchies.map(([, dir]) => `/sys/fs/cgroup/${dir}/${group}`).filter((d) => existsSync(join(d, "..")))

/** Options of {@link make}. */
export interface LayoutOptions {
  /** Live `sleep` processes shared by the even-numbered containers; default 8. */
  readonly processes?: number
}

interface LaidOut {
  readonly layout: Layout
  readonly cleanup: () => void
}

/**
 * The cleanups of the layouts still out. One handler runs them all on
 * SIGINT/SIGTERM, then exits: a handler per layout would exit after the
 * first, leaving the others' roots, cgroups and sleepers behind.
 */
const outstanding = new Set<() => void>()

const onSignal = () => {
  for (const cleanup of [...outstanding]) {
    outstanding.delete(cleanup)
    cleanup()
  }
  process.exit(130)
}

const track = (cleanup: () => void): void => {
  if (outstanding.size === 0) {
    process.once("SIGINT", onSignal)
    process.once("SIGTERM", onSignal)
  }
  outstanding.add(cleanup)
}

const untrack = (cleanup: () => void): void => {
  outstanding.delete(cleanup)
  if (outstanding.size === 0) {
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
  }
}

/** Lays out synchronously, undoing what was done when a step throws. */
const layOut = (n: number, options: LayoutOptions): LaidOut => {
  mkdirSync(rootsDir, { recursive: true })
  const root = mkdtempSync(join(rootsDir, `n${n}-`))
  const group = `elc-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const sleepers: Array<ChildProcess> = []
  const made: Array<string> = []
  const cleanup = () => {
    for (const p of sleepers) p.kill("SIGKILL")
    for (const d of made.reverse()) {
      try {
        rmdirSync(d)
      } catch {
        // nothing of ours is in it; the kernel may still be releasing it
      }
    }
    made.length = 0
    rmSync(root, { recursive: true, force: true })
  }
  track(cleanup)
  try {
    for (const d of cgroupDirs(group)) {
      mkdirSync(d)
      made.push(d)
    }
    const count = options.processes ?? 8
    const live: Array<{ readonly pid: number; readonly start: string }> = []
    for (let i = 0; i < count; i++) {
      const child = spawn("sleep", ["100000"], { stdio: "ignore" })
      sleepers.push(child)
      if (child.pid === undefined) throw new Error("could not start sleep")
      live.push({ pid: child.pid, start: startTimeOf(child.pid) })
    }
    const dead = deadPids(count)
    const template = readFileSync(templatePath, "utf8")
    const ids: Array<string> = []
    for (let i = 0; i < n; i++) {
      const id = idOf(i)
      const isLive = i % 2 === 0
      const target = isLive ? live[(i >> 1) % count]! : { pid: dead[(i >> 1) % count]!, start: "88594" }
      mkdirSync(join(root, id), { mode: 0o711 })
      const text = stateText(template, {
        id,
        pid: target.pid,
        start: target.start,
        cgroupPaths: cgroupPathsJson(group, id, isLive)
      })
      writeFileSync(join(root, id, "state.json"), text, { mode: 0o600 })
      ids.push(id)
    }
    return { layout: { root, ids, live: Math.ceil(n / 2) }, cleanup }
  } catch (e) {
    untrack(cleanup)
    cleanup()
    throw e
  }
}

/**
 * Lays out `n` containers (see the module documentation); the scope removes
 * everything. A SIGINT/SIGTERM during the run still cleans up: one handler
 * kills the sleepers and removes the roots and cgroups of every layout still
 * out before the process exits.
 */
export const make = (n: number, options: LayoutOptions = {}): Effect.Effect<Layout, BenchError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => layOut(n, options),
      catch: (e) => new BenchError({ message: `laying out ${n} containers: ${String(e)}` })
    }),
    ({ cleanup }) =>
      Effect.sync(() => {
        untrack(cleanup)
        cleanup()
      })
  ).pipe(Effect.map(({ layout }) => layout))

/** An empty state root (for runc's fixed cost); removed with the scope. */
export const makeEmpty: Effect.Effect<string, BenchError, Scope.Scope> = Effect.acquireRelease(
  Effect.try({
    try: () => {
      mkdirSync(rootsDir, { recursive: true })
      return mkdtempSync(join(rootsDir, "empty-"))
    },
    catch: (e) => new BenchError({ message: `making an empty root: ${String(e)}` })
  }),
  (root) => Effect.sync(() => rmSync(root, { recursive: true, force: true }))
)
