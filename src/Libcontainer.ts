/**
 * Every service the factory needs, provided together: {@link layerNode} for
 * this host, {@link layerMemory} for one coherent simulated host.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CgroupManager from "./CgroupManager.js"
import * as Filesystem from "./Filesystem.js"
import * as IntelRdt from "./IntelRdt.js"
import * as NodeHost from "./internal/cgroups/nodeHost.js"
import { MemoryHost, type MemoryHostSeed, type SimulatedHost } from "./internal/memory/MemoryHost.js"
import type { ResctrlOptions } from "./internal/memory/Resctrl.js"
import type { ProcessTableError, SpawnOptions } from "./internal/memory/ProcessTable.js"
import * as Processes from "./Processes.js"
import type { SystemError } from "./ContainerError.js"

/** The services {@link layerNode} and {@link layerMemory} provide. */
export type Services =
  | Filesystem.Filesystem
  | CgroupManager.CgroupManager
  | IntelRdt.IntelRdt
  | Processes.Processes

/**
 * The real host: node:fs with openat2 through koffi, this host's cgroupfs
 * (v1, hybrid or unified, detected), resctrl at `/sys/fs/resctrl` when the
 * kernel has it, `/proc` and pidfd signalling.
 */
export const layerNode: Layer.Layer<Services> = Layer.mergeAll(
  CgroupManager.layerNode,
  IntelRdt.layerNode(),
  Processes.layerNode
).pipe(Layer.provideMerge(Filesystem.layerNode))

/** How to set up the simulated host of {@link layerMemoryWith}. */
export interface MemorySeed extends MemoryHostSeed {
  /** The cgroup layout, `unified` (cgroup v2) by default, as on a typical modern host. */
  readonly cgroupMode?: CgroupManager.CgroupMode
  /** Cgroups to create up front, as cgroupfs directories, e.g. `/sys/fs/cgroup/busy`. */
  readonly cgroups?: ReadonlyArray<string>
  /** Processes to start, each optionally placed in one of those cgroups. */
  readonly processes?: ReadonlyArray<SpawnOptions & { readonly cgroup?: string }>
  /** Cgroups to freeze after the processes are placed (`cgroup.freeze` on v2, `freezer.state` on v1). */
  readonly frozen?: ReadonlyArray<string>
  /** The simulated RDT hardware and resctrl mount; none by default (no resctrl). */
  readonly resctrl?: ResctrlOptions
}

/** The parts of one simulated host, for tests to seed and inspect. */
export interface SimulatedMachine {
  readonly host: SimulatedHost
  readonly processes: Processes.ProcessTable
  readonly cgroups: CgroupManager.CgroupTree
  readonly resctrl: IntelRdt.Resctrl
}

/** The simulated machine behind {@link layerMemoryWith}. */
export class Machine extends Context.Tag("effect-libcontainer/Machine")<Machine, SimulatedMachine>() {}

const encoder = new TextEncoder()

/** Freezes a simulated cgroup the way a user would: `cgroup.freeze` where it exists, else `freezer.state`. */
const freeze = (tree: CgroupManager.CgroupTree, dir: string): Effect.Effect<void, SystemError> =>
  tree.host.writeFile(`${dir}/cgroup.freeze`, encoder.encode("1")).pipe(
    Effect.catchIf((e) => e.code === "ENOENT", () => tree.host.writeFile(`${dir}/freezer.state`, encoder.encode("FROZEN")))
  )

/**
 * One coherent simulated host from `seed`: its filesystem, process table,
 * cgroup tree (bound to the process table: a frozen cgroup's members show
 * it in `/proc/<pid>/stat`) and resctrl. The cgroup tree and resctrl serve
 * their own mounts and see the filesystem everywhere else, so a state file
 * naming a cgroup or resctrl group under `/tmp` meets what the filesystem
 * holds there — and the same refusals as on a real host. The {@link Machine}
 * is provided too.
 */
export const layerMemoryWith = (
  seed: MemorySeed = {}
): Layer.Layer<Services | Machine | MemoryHost, SystemError | ProcessTableError> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const host = yield* MemoryHost.make(seed)
      const fs = Filesystem.makeMemory(host)
      const processes = new Processes.ProcessTable()
      const cgroups = yield* CgroupManager.CgroupTree.make(processes, {
        mode: seed.cgroupMode ?? "unified",
        ...(seed.cgroups !== undefined ? { cgroups: seed.cgroups } : {}),
        outside: NodeHost.make(fs, { firstEntry: NodeHost.sortedFirstEntry(fs) })
      })
      for (const spec of seed.processes ?? []) {
        const { cgroup, ...options } = spec
        const spawned = yield* processes.spawn(options)
        if (cgroup !== undefined) yield* cgroups.addProcess(cgroup, spawned.pid)
      }
      for (const dir of seed.frozen ?? []) yield* freeze(cgroups, dir)
      const resctrl = new IntelRdt.Resctrl(seed.resctrl)
      const machine: SimulatedMachine = { host, processes, cgroups, resctrl }
      return Layer.mergeAll(
        Layer.succeed(Machine, machine),
        Layer.succeed(MemoryHost, host),
        Layer.succeed(Filesystem.Filesystem, fs),
        Processes.layerMemoryFrom(processes),
        CgroupManager.layerMemoryFrom(cgroups),
        IntelRdt.layerMemoryFrom(resctrl, fs)
      )
    })
  )

/** {@link layerMemoryWith} with the default seed: a typical cgroup v2 host without resctrl. */
export const layerMemory: Layer.Layer<Services | Machine | MemoryHost> = Layer.orDie(layerMemoryWith())
