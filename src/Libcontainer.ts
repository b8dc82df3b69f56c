/**
 * Every service the factory needs, composed in one place: the ports that
 * need only a filesystem (the cgroup and Intel RDT managers) over a host's
 * adapters — {@link layerNode} for this host (`NodeHost`), {@link
 * layerMemory} for one coherent simulated host (`MemoryHost`).
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as CgroupManager from "./CgroupManager.js"
import type { SystemError } from "./ContainerError.js"
import type * as Filesystem from "./Filesystem.js"
import * as IntelRdt from "./IntelRdt.js"
import * as MemoryHost from "./memory/MemoryHost.js"
import * as NodeHost from "./node/NodeHost.js"
import type * as Processes from "./Processes.js"

/** The services {@link layerNode} and {@link layerMemory} provide. */
export type Services =
  | Filesystem.Filesystem
  | CgroupManager.CgroupManager
  | IntelRdt.IntelRdt
  | Processes.Processes

/** The managers every host gets, over the host's Filesystem. */
const managers: Layer.Layer<CgroupManager.CgroupManager | IntelRdt.IntelRdt, never, Filesystem.Filesystem> = Layer
  .merge(CgroupManager.layer, IntelRdt.layer)

/**
 * The real host: node:fs with openat2 through koffi, this host's cgroupfs
 * (v1, hybrid or unified, detected), resctrl at `/sys/fs/resctrl` when the
 * kernel has it, `/proc`, pidfd signalling and spawned programs.
 */
export const layerNode: Layer.Layer<Services> = managers.pipe(Layer.provideMerge(NodeHost.layer))

/** How to set up the simulated host of {@link layerMemoryWith}. */
export type MemorySeed = MemoryHost.Seed

/**
 * One coherent simulated host from `seed`: its tree (procfs, cgroupfs and
 * resctrl mounted in it), its process table and its programs, with the
 * cgroup and Intel RDT managers running over its Filesystem exactly as
 * they run over a real one. The host is provided too (`MemoryHost.MemoryHost`),
 * for tests to seed and inspect.
 */
export const layerMemoryWith = (
  seed: MemorySeed = {}
): Layer.Layer<Services | MemoryHost.MemoryHost, SystemError | MemoryHost.ProcessTableError> =>
  managers.pipe(Layer.provideMerge(MemoryHost.layer(seed)))

/** {@link layerMemoryWith} with the default seed: a typical cgroup v2 host without resctrl. */
export const layerMemory: Layer.Layer<Services | MemoryHost.MemoryHost> = /* @__PURE__ */ Layer.orDie(
  /* @__PURE__ */ layerMemoryWith()
)
