/**
 * Containers on the simulated host, in any status, left the way runc leaves
 * them: a state dir with state.json pointing at an init process of the
 * process table, that process (and optional children) in the container's
 * cgroups, `exec.fifo` while created, the cgroup frozen while paused, the
 * processes gone but the cgroup kept once stopped. The memory layer has no
 * runc, so this is how its containers come to exist.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Config from "../../src/Config.js"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import { MemoryHost } from "../../src/memory/MemoryHost.js"
import * as State from "../../src/State.js"
import type { Status } from "../../src/Status.js"

/** How to make one simulated container. */
export interface SeedOptions {
  /** OCI annotations, written as labels before `bundle=`, as specconv does. */
  readonly annotations?: Readonly<Record<string, string>>
  /** Give the container its own PID namespace (runc's default spec does); true by default. */
  readonly privatePid?: boolean
  /** Processes besides init to start in the container's cgroups, as children of init. */
  readonly children?: number
  /**
   * Start init as the init of a new PID namespace (with `privatePid`), as
   * runc does: unhandled signals other than SIGKILL and SIGSTOP are dropped,
   * and its children die with it. Default: a plain process.
   */
  readonly namespaceInit?: boolean
  /** state.json's `created`. */
  readonly created?: string
  /** Give the container an Intel RDT group (`intel_rdt: {}`) with its processes in it; the host must have resctrl. */
  readonly intelRdt?: boolean
  /** The config's cgroup resources (what state.json records; nothing is written to the cgroup). */
  readonly resources?: Partial<Config.Resources>
  /** The config's networks. */
  readonly networks?: ReadonlyArray<typeof Config.Network.Type>
}

/** A seeded container: where it is and which processes are its own. */
export interface Seeded {
  readonly root: string
  readonly id: string
  readonly stateDir: string
  readonly bundle: string
  readonly init: number
  readonly children: ReadonlyArray<number>
  /** Its cgroup directories, one per hierarchy (`""` for cgroup2). */
  readonly cgroupPaths: Readonly<Record<string, string>>
}

/** The creation time seeded containers get unless told otherwise. */
export const seededCreated = "2026-11-29T10:07:59.89537064Z"

/** Makes container `id` under `root` on the simulated host and brings it to `status`. */
export const seedContainer = (root: string, id: string, status: Status, options: SeedOptions = {}) =>
  Effect.gen(function*() {
    const machine = yield* MemoryHost
    const fs = yield* Filesystem
    const bundle = `/bundles/${id}`
    yield* fs.makeDirectoryAll(`${bundle}/rootfs`, 0o755)
    const config = Config.make({
      rootfs: `${bundle}/rootfs`,
      version: "1.0.2-dev",
      namespaces: [
        { type: "NEWNS", path: "" },
        ...(options.privatePid === false ? [] : [{ type: "NEWPID" as const, path: "" }]),
        ...(options.networks === undefined ? [] : [{ type: "NEWNET" as const, path: "" }])
      ],
      cgroups: Config.makeCgroup({ path: `/${id}`, Resources: Config.makeResources(options.resources ?? {}) }),
      ...(options.networks === undefined ? {} : { networks: options.networks }),
      labels: [...Object.entries(options.annotations ?? {}).map(([k, v]) => `${k}=${v}`), `bundle=${bundle}`],
      ...(options.intelRdt === true ? { intel_rdt: {} } : {})
    })
    const created = yield* Factory.create(root, id, config)
    const cgroupPaths = yield* created.cgroupManager.getPaths
    const dirs = [...new Set(Object.values(cgroupPaths))]
    for (const dir of dirs) {
      yield* machine.cgroups.mkdir(dir)
      // runc copies a new v1 cpuset's CPUs and nodes from its parent (the kernel leaves them empty)
      if (cgroupPaths["cpuset"] === dir && cgroupPaths[""] !== dir) {
        const parent = dir.slice(0, dir.lastIndexOf("/"))
        for (const file of ["cpuset.cpus", "cpuset.mems"]) {
          yield* fs.writeFile(`${dir}/${file}`, yield* fs.readFile(`${parent}/${file}`), { flag: "existing" })
        }
      }
    }
    const init = yield* machine.processes.spawn({
      comm: status === "created" ? "runc:[2:INIT]" : "sleep",
      namespaceInit: options.namespaceInit === true && options.privatePid !== false
    })
    const children: Array<number> = []
    for (let i = 0; i < (options.children ?? 0); i++) {
      children.push((yield* machine.processes.spawn({ comm: "sleep", ppid: init.pid })).pid)
    }
    for (const dir of dirs) for (const pid of [init.pid, ...children]) yield* machine.cgroups.addProcess(dir, pid)
    if (Option.isSome(created.intelRdtManager)) yield* created.intelRdtManager.value.apply(init.pid)
    const state = yield* Container.state(created)
    const text = yield* State.encodeJson({
      ...state,
      init_process_pid: init.pid,
      init_process_start: init.startTime,
      created: options.created ?? seededCreated
    })
    yield* fs.writeFileAtomic(created.stateDir, State.stateFilename, new TextEncoder().encode(text), { mode: 0o600 })
    if (status === "created") yield* fs.makeFifo(`${created.stateDir}/${State.execFifoFilename}`, 0o622)
    if (status === "paused") yield* created.cgroupManager.freeze("FROZEN")
    if (status === "stopped") for (const pid of [...children, init.pid]) machine.processes.exit(pid, 137)
    const seeded: Seeded = { root, id, stateDir: created.stateDir, bundle, init: init.pid, children, cgroupPaths }
    return seeded
  })
