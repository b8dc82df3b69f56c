/**
 * The simulated host's procfs, mounted into its one tree ({@link MemoryFs})
 * at `/proc`: `/proc/self/ns/*` as magic links (`readlink` gives
 * `net:[4026531840]`, `stat` the namespace inode), `/proc/self/mountinfo`
 * rendered from the host's one mount table, `/proc/self/cgroup` from its
 * cgroupfs, a fixed `/proc/meminfo`, and a `/proc/<pid>` directory with its `stat` line for every
 * process of its {@link ProcessTable}, from spawn until reaped. Nothing can
 * be created in it.
 */
import * as Either from "effect/Either"
import { PROC_SUPER_MAGIC } from "../internal/filesystemType.js"
import type { DirectoryInode, FilesystemDriver, MemoryFs } from "./MemoryFs.js"
import type { ProcessTable } from "./ProcessTable.js"

/** The namespaces a modern kernel exposes under `/proc/self/ns`, with their usual initial inode numbers. */
const namespaces: ReadonlyArray<readonly [string, number]> = [
  ["cgroup", 4026531835],
  ["ipc", 4026531839],
  ["mnt", 4026531841],
  ["net", 4026531840],
  ["pid", 4026531836],
  ["pid_for_children", 4026531836],
  ["time", 4026531834],
  ["time_for_children", 4026531834],
  ["user", 4026531837],
  ["uts", 4026531838]
]

const encoder = new TextEncoder()

/** procfs refuses to make or remove anything. */
const driver: FilesystemDriver = {
  mkdir: () => Either.left("ENOENT"),
  rmdir: () => "EPERM",
  create: "ENOENT",
  unlink: "EACCES"
}

/** `/proc/meminfo` of the simulated machine: 8 GiB, a quarter of it in use, no swap. */
const meminfo = [
  "MemTotal:        8388608 kB",
  "MemFree:         6291456 kB",
  "MemAvailable:    7340032 kB",
  "Buffers:           65536 kB",
  "Cached:           917504 kB",
  "SwapCached:            0 kB",
  "SwapTotal:             0 kB",
  "SwapFree:              0 kB",
  ""
].join("\n")

/** What the simulated procfs shows about the rest of the host. */
export interface ProcfsSources {
  /** The content of `/proc/self/cgroup`. */
  readonly selfCgroup: () => string
}

/**
 * Mounts procfs on `/proc` of `fs` (an existing, empty directory) and keeps
 * its `/proc/<pid>` directories in step with `table`.
 */
export const mount = (fs: MemoryFs, table: ProcessTable, sources: ProcfsSources): void =>
  fs.asRoot(() => {
    const proc = Either.getOrThrow(fs.mount("/proc", {
      type: PROC_SUPER_MAGIC,
      options: "rw,nosuid,nodev,noexec,relatime",
      driver
    }))
    proc.mode = 0o555
    const self = fs.addDirectory(proc, "self", 0o555)
    const ns = fs.addDirectory(self, "ns", 0o511)
    for (const [name, ino] of namespaces) fs.addMagicLink(ns, name, `${name.replace(/_for_children$/, "")}:[${ino}]`, 0o444)
    fs.addDeviceFile(self, "mountinfo", 0o444, { read: () => Either.right(encoder.encode(fs.mountinfo())) })
    fs.addDeviceFile(self, "cgroup", 0o444, { read: () => Either.right(encoder.encode(sources.selfCgroup())) })
    fs.addDeviceFile(proc, "meminfo", 0o444, { read: () => Either.right(encoder.encode(meminfo)) })
    const dirs = new Map<number, DirectoryInode>()
    for (const pid of table.pids()) dirs.set(pid, processDirectory(fs, proc, table, pid))
    table.subscribe((event) => {
      if (event._tag === "Spawned") {
        dirs.set(event.pid, processDirectory(fs, proc, table, event.pid))
      } else if (event._tag === "Reaped" && dirs.has(event.pid)) {
        dirs.delete(event.pid)
        fs.dropEntry(proc, String(event.pid))
      }
    })
  })

/** `/proc/<pid>`: its `stat` line while the process is in the table (a zombie's too). */
const processDirectory = (fs: MemoryFs, proc: DirectoryInode, table: ProcessTable, pid: number): DirectoryInode => {
  const dir = fs.addDirectory(proc, String(pid), 0o555)
  fs.addDeviceFile(dir, "stat", 0o444, {
    read: () => {
      const line = table.statLine(pid)
      return line._tag === "Some" ? Either.right(encoder.encode(line.value)) : Either.left("ESRCH")
    }
  })
  return dir
}
