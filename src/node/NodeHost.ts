/**
 * The real host's adapters, one layer per port: the filesystem
 * (node:fs, and `openat2(2)`, `fstatfs(2)`, `getdents64(2)`, `flock(2)`,
 * `mknodat(2)` through koffi) and processes (`/proc`, pidfd signalling,
 * `child_process.spawn`). `Libcontainer.layerNode` puts the cgroup and
 * Intel RDT managers on top of {@link layer}; use these to replace one
 * adapter, or to give one options.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import { Filesystem } from "../Filesystem.js"
import { Processes } from "../Processes.js"
import * as NodeFilesystem from "./NodeFilesystem.js"
import * as NodeProcesses from "./NodeProcesses.js"

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

/** Both adapters of this host. */
export const layer: Layer.Layer<Filesystem | Processes> = Layer.merge(layerFilesystem, layerProcesses)
