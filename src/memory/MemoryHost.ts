/**
 * The simulated host: one kernel, for tests and property suites. Its
 * filesystem ({@link MemoryFs}) has procfs, cgroupfs and (when seeded)
 * resctrl mounted into one tree with one mount table; its process table
 * ({@link ProcessTable}) is what procfs shows, what cgroups hold and
 * freeze, and where hooks and `ps` run as simulated programs. Whatever the
 * library does through the Filesystem and Processes ports — a write to
 * `cgroup.kill`, a `readDirectory` of a cgroup, a hook — acts on this one
 * machine, as it would on a real one, and never on the machine underneath:
 * no file, no process, no signal outside the simulation.
 *
 * {@link make} builds a host from a {@link Seed}; {@link layer} provides
 * its Filesystem and Processes adapters and the host itself (the
 * {@link MemoryHost} tag), for tests to seed and inspect.
 * `Libcontainer.layerMemoryWith(seed)` adds the cgroup and Intel RDT
 * managers on top.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type { CgroupMode } from "../CgroupManager.js"
import type { SystemError } from "../ContainerError.js"
import { Filesystem, type FilesystemService } from "../Filesystem.js"
import { hugePageSizes } from "../internal/cgroups/stats/hugepages.js"
import { SYSFS_MAGIC, TMPFS_MAGIC } from "../internal/filesystemType.js"
import type * as Factory from "../Factory.js"
import { Processes, type ProcessesService } from "../Processes.js"
import * as Runtime from "../Runtime.js"
import { Cgroupfs, type HierarchySeed } from "./Cgroupfs.js"
import * as MemoryFilesystem from "./MemoryFilesystem.js"
import { MemoryFs, rootDevice, type SeedEntry } from "./MemoryFs.js"
import * as MemoryProcesses from "./MemoryProcesses.js"
import * as MemoryRuntime from "./MemoryRuntime.js"
import * as Procfs from "./Procfs.js"
import { ProcessTable, type ProcessTableError, type ProcessTableOptions, type SpawnOptions } from "./ProcessTable.js"
import { defaultPath, type Program, Programs, ps } from "./Programs.js"
import { Resctrl, type ResctrlOptions } from "./Resctrl.js"

export {
  /** The simulated cgroup filesystem: seed cgroups and members, inspect them. */
  Cgroupfs,
  /** Its layout options. */
  type CgroupfsOptions,
  /** One v1 hierarchy of a layout. */
  type HierarchySeed,
  /** The v1 hierarchies of the development machine (the hybrid default). */
  thisHostHierarchies
} from "./Cgroupfs.js"
export {
  /** A mounted special filesystem's answers to mkdir, rmdir and file creation. */
  type DeviceHandlers,
  /** A line of the mount table. */
  type MountEntry,
  /** The simulated filesystem. */
  MemoryFs,
  /** One entry to place in the tree when seeding. */
  type SeedEntry
} from "./MemoryFs.js"
export {
  /** A process as the table shows it. */
  type ProcessInfo,
  /** A change in the table. */
  type ProcessEvent,
  /** The simulated process table. */
  ProcessTable,
  /** A spawn the table refuses. */
  ProcessTableError,
  /** Options of the table. */
  type ProcessTableOptions,
  /** What `kill(2)` would return. */
  type SignalOutcome,
  /** What a new process looks like. */
  type SpawnOptions
} from "./ProcessTable.js"
export {
  /** The `PATH` of the simulated host's own process. */
  defaultPath,
  /** A simulated program. */
  type Program,
  /** What a running simulated program sees. */
  type ProgramContext,
  /** The registry of simulated programs. */
  Programs,
  /** The simulated `ps -ef`, installed at `/bin/ps`. */
  ps
} from "./Programs.js"
export {
  /** The simulated busybox applets (`sh -c`, `echo`, `cat`, `sleep`, `true`, `false`), to install in a bundle's rootfs. */
  applets as busybox
} from "./Busybox.js"
export {
  /** Where the simulated runc is installed (`/usr/sbin/runc`). */
  runcPath,
  /** The runc version the simulated runc reports. */
  runcVersion
} from "./Runc.js"
export {
  /** The simulated resctrl filesystem. */
  Resctrl,
  /** What the simulated RDT hardware and resctrl mount look like. */
  type ResctrlOptions
} from "./Resctrl.js"

/** How to set up a simulated host. Everything is optional; the default is a typical cgroup v2 host without RDT. */
export interface Seed extends ProcessTableOptions {
  /** The simulated process's uid (0, root, by default); a non-zero uid makes permission bits matter. */
  readonly uid?: number
  readonly gid?: number
  /** The process umask, `0o022` by default. */
  readonly umask?: number
  /** The working directory relative paths start from, `/` by default. */
  readonly cwd?: string
  /** The environment of the host's own process (what a program run without `env` gets); default `PATH` only. */
  readonly environment?: ReadonlyArray<string>
  /**
   * Leave out the default tree: start from an empty `/` with nothing
   * mounted — no procfs, no cgroupfs, no `/bin/ps` — for rule tests on trees
   * laid out by hand with `entries`.
   */
  readonly bare?: boolean
  /** Entries placed after the default tree and the kernel's mounts, in order. */
  readonly entries?: ReadonlyArray<SeedEntry>
  /** The cgroup layout, `unified` (cgroup v2) by default, as on a typical modern host. */
  readonly cgroupMode?: CgroupMode
  /** The v1 hierarchies of a `legacy` or `hybrid` layout; default this development machine's. */
  readonly hierarchies?: ReadonlyArray<HierarchySeed>
  /** Symlinks under `/sys/fs/cgroup`, name to target, e.g. `{ cpu: "cpu,cpuacct" }`. */
  readonly links?: Readonly<Record<string, string>>
  /** The host process's own cgroups, by controller (`""` for cgroup2), as `/proc/self/cgroup` shows them. */
  readonly self?: Readonly<Record<string, string>>
  /** Whether systemd is running (`/run/systemd/system` exists); default false. */
  readonly systemd?: boolean
  /** `cgroup.controllers` of the cgroup2 root. */
  readonly unifiedControllers?: ReadonlyArray<string>
  /** `cgroup.subtree_control` of the cgroup2 root; default all of `unifiedControllers`, as a systemd host enables them. */
  readonly rootSubtreeControl?: ReadonlyArray<string>
  /** The machine's CPUs, for cpuset and per-CPU usage; default 2. */
  readonly cpus?: number
  /**
   * The huge page sizes in kB, in the kernel's order of
   * `/sys/kernel/mm/hugepages` (`hugepages-<kB>kB`), which also gives the
   * hugetlb controller its files; default `[2048, 1048576]` (2MB and 1GB),
   * as on x86-64.
   */
  readonly hugePages?: ReadonlyArray<number>
  /** Cgroups to create up front, as cgroupfs directories, e.g. `/sys/fs/cgroup/busy`. */
  readonly cgroups?: ReadonlyArray<string>
  /** Processes to start, each optionally placed in one of those cgroups. */
  readonly processes?: ReadonlyArray<SpawnOptions & { readonly cgroup?: string }>
  /** Cgroups to freeze after the processes are placed (`cgroup.freeze` on v2, `freezer.state` on v1). */
  readonly frozen?: ReadonlyArray<string>
  /** The simulated RDT hardware and resctrl mount; none by default (no resctrl). */
  readonly resctrl?: ResctrlOptions
  /** Programs to install, by path (`/usr/local/bin/hook`), besides `/bin/ps`. */
  readonly programs?: Readonly<Record<string, Program>>
}

/**
 * The tree of a typical modern Linux host before the kernel's mounts:
 * tmpfs at `/run`, at sticky `/tmp` and at `/dev` (with `/dev/null` and an
 * endless `/dev/zero`), sysfs at `/sys` with the empty `/sys/fs/cgroup`
 * cgroupfs is mounted on, `/proc` for procfs, and an `/etc/passwd` with a
 * root entry on the ext4 root. These mounts report the root's device number,
 * so comparing devices never tells them apart; the kernel's mounts and a
 * seeded mount get devices of their own.
 */
export const defaultEntries: ReadonlyArray<SeedEntry> = [
  { type: "dir", path: "/proc", mode: 0o555 },
  { type: "dir", path: "/run", mode: 0o755, filesystem: TMPFS_MAGIC, device: rootDevice },
  { type: "dir", path: "/tmp", mode: 0o1777, filesystem: TMPFS_MAGIC, device: rootDevice },
  { type: "dir", path: "/sys", mode: 0o555, filesystem: SYSFS_MAGIC, device: rootDevice },
  { type: "dir", path: "/sys/fs", mode: 0o755 },
  { type: "dir", path: "/sys/fs/cgroup", mode: 0o755 },
  { type: "dir", path: "/dev", mode: 0o755, filesystem: TMPFS_MAGIC, device: rootDevice },
  { type: "chardev", path: "/dev/null", major: 1, minor: 3, mode: 0o666 },
  {
    type: "chardev",
    path: "/dev/zero",
    major: 1,
    minor: 5,
    mode: 0o666,
    device: { read: (limit) => Either.right(new Uint8Array(limit)), write: () => Either.void }
  },
  { type: "dir", path: "/etc", mode: 0o755 },
  { type: "file", path: "/etc/passwd", mode: 0o644, content: "root:x:0:0:root:/root:/bin/sh\n" }
]

/** One simulated machine: its tree, its processes, its cgroups, its resctrl, its programs. */
export class SimulatedHost {
  constructor(
    /** The one tree, with procfs, cgroupfs and resctrl mounted in it. */
    readonly fs: MemoryFs,
    /** The process table procfs shows and cgroups hold. */
    readonly processes: ProcessTable,
    /** The cgroup filesystem mounted on `/sys/fs/cgroup` (nothing is mounted on a bare host). */
    readonly cgroups: Cgroupfs,
    /** The resctrl filesystem; absent hardware by default. */
    readonly resctrl: Resctrl,
    /** The executables that run as simulated programs. */
    readonly programs: Programs
  ) {}
}

/** Whether `path` is an empty directory of `fs`: where the kernel mounts its filesystems. */
const isEmptyDirectory = (fs: MemoryFs, path: string): boolean => {
  const node = fs.inodeAt(path)
  return node?.type === "Directory" && node.entries.size === 0
}

const build = (seed: Seed): Either.Either<SimulatedHost, SystemError | ProcessTableError> =>
  Either.gen(function*() {
    const fs = new MemoryFs({ uid: seed.uid ?? 0, gid: seed.gid ?? 0, umask: seed.umask ?? 0o022, cwd: seed.cwd ?? "/" })
    yield* fs.seed(seed.bare === true ? [] : defaultEntries)
    const table = new ProcessTable(seed)
    const hugePages = (seed.hugePages ?? [2048, 1048576]).map((kB) => `hugepages-${kB}kB`)
    if (seed.bare !== true) {
      yield* fs.seed([
        { type: "dir", path: "/sys/kernel", mode: 0o755 },
        { type: "dir", path: "/sys/kernel/mm", mode: 0o755 },
        { type: "dir", path: "/sys/kernel/mm/hugepages", mode: 0o755 },
        ...hugePages.map((name): SeedEntry => ({ type: "dir", path: `/sys/kernel/mm/hugepages/${name}`, mode: 0o755 }))
      ])
    }
    const selfCgroup = { read: () => "" }
    if (isEmptyDirectory(fs, "/proc")) Procfs.mount(fs, table, { selfCgroup: () => selfCgroup.read() })
    const cgroups = new Cgroupfs(fs, table, {
      mode: seed.cgroupMode ?? "unified",
      mounted: isEmptyDirectory(fs, "/sys/fs/cgroup"),
      ...(seed.hierarchies === undefined ? {} : { hierarchies: seed.hierarchies }),
      ...(seed.links === undefined ? {} : { links: seed.links }),
      ...(seed.self === undefined ? {} : { self: seed.self }),
      ...(seed.unifiedControllers === undefined ? {} : { unifiedControllers: seed.unifiedControllers }),
      ...(seed.rootSubtreeControl === undefined ? {} : { rootSubtreeControl: seed.rootSubtreeControl }),
      ...(seed.cpus === undefined ? {} : { cpus: seed.cpus }),
      hugePageSizes: hugePageSizes(hugePages).sizes
    })
    selfCgroup.read = () => cgroups.procSelfCgroup()
    const resctrl = new Resctrl(fs, seed.resctrl)
    if (seed.systemd === true) yield* fs.seed([{ type: "dir", path: "/run/systemd/system" }])
    const programs = new Programs(fs, table, seed.environment ?? [`PATH=${defaultPath}`])
    if (seed.bare !== true) yield* programs.install("/bin/ps", ps)
    for (const [path, program] of Object.entries(seed.programs ?? {})) yield* programs.install(path, program)
    yield* fs.seed(seed.entries ?? [])
    for (const path of seed.cgroups ?? []) yield* cgroups.mkdir(path)
    for (const spec of seed.processes ?? []) {
      const { cgroup, ...options } = spec
      const spawned = yield* table.spawn(options)
      if (cgroup !== undefined) yield* cgroups.addProcess(cgroup, spawned.pid)
    }
    for (const path of seed.frozen ?? []) yield* cgroups.freeze(path)
    return new SimulatedHost(fs, table, cgroups, resctrl, programs)
  })

/** The simulated host in context: what {@link layer} provides, for tests to seed and inspect. */
export class MemoryHost extends Context.Tag("effect-libcontainer/MemoryHost")<MemoryHost, SimulatedHost>() {}

/** A new host from `seed`; fails when an entry, cgroup or process of the seed cannot be placed. */
export const make = (seed: Seed = {}): Effect.Effect<SimulatedHost, SystemError | ProcessTableError> =>
  Effect.suspend(() => build(seed))

/** {@link make} for setup code outside Effect; throws the error of a bad seed. */
export const unsafeMake = (seed: Seed = {}): SimulatedHost => Either.getOrThrowWith(build(seed), (error) => error)

/** The Filesystem port on a host's tree (each call runs when its effect runs). */
export const filesystem = (host: SimulatedHost): FilesystemService => MemoryFilesystem.make(host.fs)

/** The Processes port on a host: its procfs, its process table, its programs. */
export const processes = (host: SimulatedHost): ProcessesService => MemoryProcesses.make(host)

/** Options of {@link layerRuntime}. */
export type RuntimeOptions = MemoryRuntime.MemoryRuntimeOptions

/**
 * The runtime port on the simulated host in context: `runc` (or the binary
 * named) looked up in its `PATH` and run as a simulated program — the
 * simulated runc, installed at `/usr/sbin/runc` when the layer is built
 * unless something is there already. It creates state dirs and state.json
 * with this library's Factory and runs the container's processes as
 * simulated programs of the bundle's rootfs, in their own PID namespace and
 * the container's cgroups.
 */
export const layerRuntime = (
  options: RuntimeOptions = {}
): Layer.Layer<Runtime.Runtime, SystemError, MemoryHost | Factory.Services> =>
  Layer.effect(
    Runtime.Runtime,
    Effect.gen(function*() {
      const host = yield* MemoryHost
      yield* MemoryRuntime.installRunc(host, yield* Effect.context<Factory.Services>())
      return yield* Runtime.make(MemoryRuntime.primitives(host, options), options)
    })
  )

/** The adapters of a given host, and the host itself. */
export const layerFrom = (host: SimulatedHost): Layer.Layer<Filesystem | Processes | MemoryHost> =>
  Layer.mergeAll(
    Layer.succeed(MemoryHost, host),
    Layer.succeed(Filesystem, filesystem(host)),
    Layer.succeed(Processes, processes(host))
  )

/** A fresh host from `seed`: its Filesystem and Processes adapters, and the host itself. */
export const layer = (seed: Seed = {}): Layer.Layer<Filesystem | Processes | MemoryHost, SystemError | ProcessTableError> =>
  Layer.unwrapEffect(Effect.map(make(seed), layerFrom))
