/**
 * Every service of the library, composed in one place: the ports that
 * need only a filesystem (the cgroup and Intel RDT managers) over a host's
 * adapters, and the runtime that runs containers over all of them —
 * {@link layerNode} for this host (`NodeHost`, the `runc` binary),
 * {@link layerMemory} for one coherent simulated host (`MemoryHost`, its
 * simulated runc).
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
import type * as Runtime from "./Runtime.js"

/** The services the factory and containers work with (`Factory.Services`). */
export type Services =
  | Filesystem.Filesystem
  | CgroupManager.CgroupManager
  | IntelRdt.IntelRdt
  | Processes.Processes

/** Everything {@link layerNode} and {@link layerMemory} provide: {@link Services} and the `Runtime`. */
export type AllServices = Services | Runtime.Runtime

/** The managers every host gets, over the host's Filesystem. */
const managers: Layer.Layer<CgroupManager.CgroupManager | IntelRdt.IntelRdt, never, Filesystem.Filesystem> = Layer
  .merge(CgroupManager.layer, IntelRdt.layer)

/** Options of {@link layerNodeWith}. */
export interface NodeOptions {
  /** The OCI runtime: its binary (`runc` by default), scratch directory and global flags. */
  readonly runtime?: NodeHost.RuntimeOptions
}

/**
 * This host with options: {@link layerNode}, its runtime configured
 * (`{ runtime: { binary: "/usr/local/sbin/runc" } }`).
 */
export const layerNodeWith = (options: NodeOptions): Layer.Layer<AllServices> =>
  NodeHost.layerRuntimeWith(options.runtime ?? {}).pipe(Layer.provideMerge(managers.pipe(Layer.provideMerge(NodeHost.layer))))

/**
 * The real host: node:fs with openat2 through koffi, this host's cgroupfs
 * (v1, hybrid or unified, detected), resctrl at `/sys/fs/resctrl` when the
 * kernel has it, `/proc`, pidfd signalling, spawned programs, and `runc`
 * from `PATH` as the runtime.
 */
export const layerNode: Layer.Layer<AllServices> = /* @__PURE__ */ layerNodeWith({})

/** How to set up the simulated host of {@link layerMemoryWith}. */
export type MemorySeed = MemoryHost.Seed

/**
 * One coherent simulated host from `seed`: its tree (procfs, cgroupfs and
 * resctrl mounted in it), its process table and its programs, with the
 * cgroup and Intel RDT managers running over its Filesystem exactly as
 * they run over a real one, and its simulated runc (at `/usr/sbin/runc`)
 * as the runtime (`options.runtime` names another binary). The host is
 * provided too (`MemoryHost.MemoryHost`), for tests to seed and inspect.
 */
export const layerMemoryWith = (
  seed: MemorySeed = {},
  options: { readonly runtime?: MemoryHost.RuntimeOptions } = {}
): Layer.Layer<AllServices | MemoryHost.MemoryHost, SystemError | MemoryHost.ProcessTableError> =>
  MemoryHost.layerRuntime(options.runtime).pipe(Layer.provideMerge(managers.pipe(Layer.provideMerge(MemoryHost.layer(seed)))))

/** {@link layerMemoryWith} with the default seed: a typical cgroup v2 host without resctrl. */
export const layerMemory: Layer.Layer<AllServices | MemoryHost.MemoryHost> = /* @__PURE__ */ Layer.orDie(
  /* @__PURE__ */ layerMemoryWith()
)
