/**
 * The real host's adapters, one layer per port: the filesystem
 * (node:fs, and `openat2(2)`, `fstatfs(2)`, `getdents64(2)`, `flock(2)`,
 * `mknodat(2)` through koffi), processes (`/proc`, pidfd signalling,
 * `child_process.spawn`) and the OCI runtime binary (`runc` by default). `Libcontainer.layerNode` puts the cgroup and
 * Intel RDT managers on top of {@link layer}; use these to replace one
 * adapter, or to give one options.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import type * as Factory from "../Factory.js"
import { Filesystem } from "../Filesystem.js"
import { Processes } from "../Processes.js"
import * as Runtime from "../Runtime.js"
import * as NodeFilesystem from "./NodeFilesystem.js"
import * as NodeProcesses from "./NodeProcesses.js"
import * as NodeRuntime from "./NodeRuntime.js"

/** Options of {@link layerFilesystemWith}. */
export type FilesystemOptions = NodeFilesystem.NodeFilesystemOptions

/** Options of {@link layerProcessesWith}. */
export type ProcessesOptions = NodeProcesses.NodeProcessesOptions

export type {
  /** The signal system calls {@link ProcessesOptions} can replace. */
  SignalSyscalls,
  /** What one of them returns. */
  SyscallOutcome
} from "./pidfd.js"

/**
 * This host's filesystem: node:fs, and `openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS)` for `readFileInRoot` (probed once; without it, a
 * userspace resolver that walks SecureJoin's way over `O_PATH` fds and
 * checks the result is still under the root).
 */
export const layerFilesystem: Layer.Layer<Filesystem> = Layer.sync(Filesystem, () => NodeFilesystem.make())

/** {@link layerFilesystem} with options; `resolver: "userspace"` forces the fallback of kernels without openat2. */
export const layerFilesystemWith = (options: FilesystemOptions): Layer.Layer<Filesystem> =>
  Layer.sync(Filesystem, () => NodeFilesystem.make(options))

/** This host's processes: `/proc`, pidfd signalling (`kill(2)` where the kernel has no pidfds), spawn. */
export const layerProcesses: Layer.Layer<Processes> = Layer.sync(Processes, () => NodeProcesses.make())

/** {@link layerProcesses} with options: another procfs mount, or replaced signal system calls. */
export const layerProcessesWith = (options: ProcessesOptions): Layer.Layer<Processes> =>
  Layer.sync(Processes, () => NodeProcesses.make(options))

/** Options of {@link layerRuntimeWith}: the binary (`runc` by default), scratch directory, global flags. */
export type RuntimeOptions = NodeRuntime.NodeRuntimeOptions

/**
 * This host's OCI runtime: {@link layerRuntimeWith} with `runc` from
 * `PATH`, over the library's services (`Libcontainer.layerNode` includes it).
 */
export const layerRuntime: Layer.Layer<Runtime.Runtime, never, Factory.Services> = Layer.suspend(() =>
  Runtime.layer(NodeRuntime.primitives())
)

/**
 * The runtime binary of `options.binary` (a bare name looked up in `PATH`,
 * or a path: `/usr/local/sbin/runc`), run with `child_process.spawn`
 * and standard streams that are `/dev/null`, inherited or files — never a
 * pipe — with `options`' global flags.
 */
export const layerRuntimeWith = (options: RuntimeOptions): Layer.Layer<Runtime.Runtime, never, Factory.Services> =>
  Layer.suspend(() => Runtime.layer(NodeRuntime.primitives(options), options))

/** Both adapters of this host. */
export const layer: Layer.Layer<Filesystem | Processes> = Layer.merge(layerFilesystem, layerProcesses)
