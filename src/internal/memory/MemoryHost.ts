/**
 * The simulated host: one value that every memory layer (filesystem now;
 * processes, cgroups and resctrl later) reads and changes, so that what one
 * service does shows in the others. Add a field per simulated subsystem to
 * {@link SimulatedHost} and its seed to {@link MemoryHostSeed}.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type { SystemError } from "../../ContainerError.js"
import { CGROUP2_SUPER_MAGIC, PROC_SUPER_MAGIC, SYSFS_MAGIC, TMPFS_MAGIC } from "../filesystemType.js"
import { MemoryFs, rootDevice, type SeedEntry } from "./MemoryFs.js"

/** How to set up a simulated host. Everything is optional; the default is a typical Linux host. */
export interface MemoryHostSeed {
  /** The simulated process's uid (0, root, by default); a non-zero uid makes permission bits matter. */
  readonly uid?: number
  readonly gid?: number
  /** The process umask, `0o022` by default. */
  readonly umask?: number
  /** The working directory relative paths start from, `/` by default. */
  readonly cwd?: string
  /** Leave out the default tree (`defaultEntries`) and start from an empty `/`. */
  readonly bare?: boolean
  /** Entries placed after the default tree, in order. */
  readonly entries?: ReadonlyArray<SeedEntry>
}

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

/** `/dev/zero`: reads give as many zero bytes as asked for, without end; writes are discarded. */
const zero = {
  read: (limit: number) => Either.right(new Uint8Array(limit)),
  write: () => Either.void
}

/**
 * The tree of a typical modern Linux host, with its mounts: procfs at
 * `/proc` (`/proc/self/ns/*` as magic links: readlink gives
 * `net:[4026531840]`, stat gives the namespace inode), tmpfs at `/run`, at
 * sticky `/tmp` and at `/dev` (with `/dev/null` and an endless `/dev/zero`),
 * sysfs at `/sys` with an empty cgroup2 mount at `/sys/fs/cgroup`, and an
 * `/etc/passwd` with a root entry on the ext4 root. The mounts report the
 * root's device number, so comparing devices never tells them apart (as
 * the simulated host always did); a seeded mount gets a device of its own.
 */
export const defaultEntries: ReadonlyArray<SeedEntry> = [
  { type: "dir", path: "/proc", mode: 0o555, filesystem: PROC_SUPER_MAGIC, device: rootDevice },
  { type: "dir", path: "/proc/self", mode: 0o555 },
  { type: "dir", path: "/proc/self/ns", mode: 0o511 },
  ...namespaces.map(([name, ino]): SeedEntry => ({
    type: "magiclink",
    path: `/proc/self/ns/${name}`,
    target: `${name.replace(/_for_children$/, "")}:[${ino}]`
  })),
  { type: "dir", path: "/run", mode: 0o755, filesystem: TMPFS_MAGIC, device: rootDevice },
  { type: "dir", path: "/tmp", mode: 0o1777, filesystem: TMPFS_MAGIC, device: rootDevice },
  { type: "dir", path: "/sys", mode: 0o555, filesystem: SYSFS_MAGIC, device: rootDevice },
  { type: "dir", path: "/sys/fs", mode: 0o755 },
  { type: "dir", path: "/sys/fs/cgroup", mode: 0o755, filesystem: CGROUP2_SUPER_MAGIC, device: rootDevice },
  { type: "dir", path: "/dev", mode: 0o755, filesystem: TMPFS_MAGIC, device: rootDevice },
  { type: "chardev", path: "/dev/null", major: 1, minor: 3, mode: 0o666 },
  { type: "chardev", path: "/dev/zero", major: 1, minor: 5, mode: 0o666, device: zero },
  { type: "dir", path: "/etc", mode: 0o755 },
  { type: "file", path: "/etc/passwd", mode: 0o644, content: "root:x:0:0:root:/root:/bin/sh\n" }
]

const build = (seed: MemoryHostSeed): Either.Either<SimulatedHost, SystemError> => {
  const fs = new MemoryFs({ uid: seed.uid ?? 0, gid: seed.gid ?? 0, umask: seed.umask ?? 0o022, cwd: seed.cwd ?? "/" })
  const entries = [...(seed.bare === true ? [] : defaultEntries), ...(seed.entries ?? [])]
  return Either.map(fs.seed(entries), () => new SimulatedHost(fs))
}

/** The state of one simulated host. */
export class SimulatedHost {
  constructor(
    /** The host's filesystem. */
    readonly fs: MemoryFs
  ) {}
}

/**
 * The simulated host the memory layers share. `MemoryHost.layer(seed)`
 * provides a fresh one; `Filesystem.layerMemory` and the other memory layers
 * read it from here.
 */
export class MemoryHost extends Context.Tag("effect-libcontainer/MemoryHost")<MemoryHost, SimulatedHost>() {
  /** A new host from `seed`; fails when an entry cannot be placed (e.g. its parent is a file). */
  static readonly make = (seed: MemoryHostSeed = {}): Effect.Effect<SimulatedHost, SystemError> =>
    Effect.suspend(() => build(seed))

  /** {@link MemoryHost.make} for setup code outside Effect; throws the SystemError of a bad seed. */
  static readonly unsafeMake = (seed: MemoryHostSeed = {}): SimulatedHost => Either.getOrThrowWith(build(seed), (error) => error)

  /** A layer with a fresh host made from `seed`. */
  static readonly layer = (seed?: MemoryHostSeed): Layer.Layer<MemoryHost, SystemError> =>
    Layer.effect(MemoryHost, MemoryHost.make(seed))
}
