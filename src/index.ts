/**
 * effect-libcontainer: runc's libcontainer factory and container state model
 * on Effect. Every module is exported as a namespace.
 *
 * @since 0.1.0
 */

/** runc's `Create`, `Load` and the listing `runc list` does. */
export * as Factory from "./Factory.js"

/** A container and its operations: status, state, start, pause, resume, signal, destroy. */
export * as Container from "./Container.js"

/** Running containers from a bundle through an OCI runtime binary (runc): create, start, run, exec, delete. */
export * as Runtime from "./Runtime.js"

/** Every service at once: this host (`layerNode`) or a simulated one (`layerMemory`). */
export * as Libcontainer from "./Libcontainer.js"

/** This host's adapters, one layer per port (node:fs and koffi, `/proc`, pidfd, spawn). */
export * as NodeHost from "./node/NodeHost.js"

/** The simulated host: one kernel (files, cgroupfs, resctrl, procfs, processes, programs) to seed and inspect. */
export * as MemoryHost from "./memory/MemoryHost.js"

/** runc's container configuration and its JSON. */
export * as Config from "./Config.js"

/** state.json and its JSON. */
export * as State from "./State.js"

/** The four container statuses and what each allows. */
export * as Status from "./Status.js"

/** runc's config validation, with runc's messages. */
export * as Validate from "./Validate.js"

/** Container ids: runc's `validateID`, `CleanPath` and Go's `filepath.Clean`. */
export * as ContainerId from "./ContainerId.js"

/** runc's errors, with runc's texts, as tagged errors. */
export * as ContainerError from "./ContainerError.js"

/** filepath-securejoin's `SecureJoin`, on the Filesystem service. */
export * as SecureJoin from "./SecureJoin.js"

/** The filesystem port: the file operations the library needs, derived from a host's system calls. */
export * as Filesystem from "./Filesystem.js"

/** runc's cgroup manager over the Filesystem port: v1, v2 and systemd paths, freezer, kill, pids. */
export * as CgroupManager from "./CgroupManager.js"

/** runc's Intel RDT manager (resctrl) over the Filesystem port. */
export * as IntelRdt from "./IntelRdt.js"

/** The process port: `/proc/<pid>/stat`, liveness, signalling without pid reuse, running programs (hooks, `ps`). */
export * as Processes from "./Processes.js"

/** Signal names and numbers as runc's `kill` accepts them. */
export * as Signal from "./Signal.js"
