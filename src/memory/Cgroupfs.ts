/**
 * The simulated host's cgroup filesystem, mounted into its one tree
 * ({@link MemoryFs}) at `/sys/fs/cgroup`: a cgroup2 mount (unified), v1
 * hierarchies on a tmpfs (legacy), or both (hybrid), as the kernel lays
 * them out — so every call the library makes through the Filesystem port
 * (`readDirectory`, `statfs`, `fstatfs` on an open file, the confined
 * `rmdir`) meets what it would meet on a real host. Its directories are
 * cgroups and its files device files computed from the model below.
 *
 * Membership comes from the host's {@link ProcessTable}: `cgroup.procs`
 * lists the live processes placed in a cgroup (a process starts in its
 * parent's cgroups, or the root ones; it leaves when it exits), and the
 * freezers mark members frozen in the table — a v1-frozen process then
 * shows `D` in its stat line, a v2-frozen one keeps its state, as this
 * kernel shows.
 *
 * Kernel rules modelled: `mkdir` in a cgroup makes a child cgroup with its
 * control files; `rmdir` fails with EBUSY while a cgroup has members or
 * children (its control files do not count), and a hierarchy's root is a
 * mount point (EBUSY); the tmpfs holding v1 hierarchies is read-only
 * (EROFS), as distributions mount it; files cannot be created (EACCES) nor unlinked
 * (EPERM); opening a read-only control file for writing fails with EACCES
 * (kernfs); `freezer.state` is FROZEN when the cgroup or an ancestor is
 * frozen (`freezer.self_freezing` tells which) and can be made to report
 * FREEZING for a while ({@link Cgroupfs.stallFreezing}); `cgroup.events`
 * reports `frozen 1` for a cgroup frozen itself or through an ancestor;
 * `cgroup.kill` SIGKILLs every member below; root cgroups have no freezer
 * files. cgroup2's `cgroup.controllers` is the parent's
 * `cgroup.subtree_control` (the root's: every controller), and enabling a
 * controller there gives the children its files; the kernel's rules apply
 * (an unknown controller is ENOENT, enabling one in a non-root cgroup with
 * members EBUSY, disabling one a child still enables EBUSY).
 *
 * The resource controllers' files — limits, usage, OOM counters — are
 * {@link CgroupResources}'s: a test seeds what a workload would produce
 * ({@link Cgroupfs.setUsage}), charges memory to a cgroup
 * ({@link Cgroupfs.charge}) or makes the OOM killer run
 * ({@link Cgroupfs.oomKill}); {@link Cgroupfs.setFile} and
 * {@link Cgroupfs.removeFile} put any content in a file, or take it away, for
 * the cases no kernel produces on its own.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { CgroupMode } from "../CgroupManager.js"
import { SystemError } from "../ContainerError.js"
import { compareBytes } from "../internal/byteOrder.js"
import { CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC, TMPFS_MAGIC } from "../internal/filesystemType.js"
import { clean } from "../internal/path.js"
import * as Strconv from "../internal/strconv.js"
import * as Signal from "../Signal.js"
import * as Resources from "./CgroupResources.js"
import { type DeviceHandlers, type DirectoryInode, type FilesystemDriver, type MemoryFs, readOnly } from "./MemoryFs.js"
import type { ProcessTable } from "./ProcessTable.js"

/** One v1 hierarchy to mount. */
export interface HierarchySeed {
  /** Its directory under `/sys/fs/cgroup`, e.g. `memory`, `cpu,cpuacct` or `systemd`. */
  readonly dir: string
  /** Its controllers as mount options and `/proc/self/cgroup` list them, e.g. `["cpu", "cpuacct"]` or `["name=systemd"]`. */
  readonly controllers: ReadonlyArray<string>
  /** The mount root (mountinfo's fourth field), `/` by default; a container sees its own cgroup here. */
  readonly root?: string
}

/** How to lay out the simulated cgroupfs. Everything is optional. */
export interface CgroupfsOptions {
  /** `unified` (cgroup2 at `/sys/fs/cgroup`, the default), `hybrid` or `legacy`. */
  readonly mode?: CgroupMode
  /** The v1 hierarchies of a `legacy` or `hybrid` tree; default {@link thisHostHierarchies}. */
  readonly hierarchies?: ReadonlyArray<HierarchySeed>
  /** Symlinks under `/sys/fs/cgroup`, name to target, e.g. `{ cpu: "cpu,cpuacct" }`. */
  readonly links?: Readonly<Record<string, string>>
  /**
   * The simulated process's own cgroups, as `/proc/self/cgroup` shows them:
   * by controller (any one of a hierarchy's, or `name=systemd`) or `""` for
   * cgroup2. Default: each hierarchy's mount root.
   */
  readonly self?: Readonly<Record<string, string>>
  /** `cgroup.controllers` of the cgroup2 root; default `cpuset cpu io memory hugetlb pids`. */
  readonly unifiedControllers?: ReadonlyArray<string>
  /** False for a host without cgroupfs (nothing is mounted, no cgroup exists); default true. */
  readonly mounted?: boolean
  /** `cgroup.subtree_control` of the cgroup2 root; default every controller of `unifiedControllers`. */
  readonly rootSubtreeControl?: ReadonlyArray<string>
  /** The machine's CPUs (`0-<n−1>`), for cpuset and per-CPU usage; default 2. */
  readonly cpus?: number
  /** The machine's memory nodes; default 1. */
  readonly memoryNodes?: number
  /** The huge page sizes the hugetlb controller has files for (`2MB`, `1GB`); default `2MB` and `1GB`. */
  readonly hugePageSizes?: ReadonlyArray<string>
}

/** The v1 hierarchies of the development machine: one per controller, and `name=systemd` at `systemd`. */
export const thisHostHierarchies: ReadonlyArray<HierarchySeed> = [
  { dir: "cpu", controllers: ["cpu"] },
  { dir: "cpuacct", controllers: ["cpuacct"] },
  { dir: "cpuset", controllers: ["cpuset"] },
  { dir: "memory", controllers: ["memory"] },
  { dir: "devices", controllers: ["devices"] },
  { dir: "freezer", controllers: ["freezer"] },
  { dir: "blkio", controllers: ["blkio"] },
  { dir: "pids", controllers: ["pids"] },
  { dir: "systemd", controllers: ["name=systemd"] }
]

/** Where cgroupfs is mounted. */
export const cgroupfsRoot = "/sys/fs/cgroup"

interface CgroupNode {
  readonly name: string
  readonly parent: CgroupNode | undefined
  readonly children: Map<string, CgroupNode>
  /** Frozen by its own `freezer.state` / `cgroup.freeze`. */
  frozen: boolean
  /** Reads left that report the freeze as unfinished (FREEZING, `frozen 0`). */
  stall: number
  /** Its limits and counters. */
  readonly state: Resources.ResourceState
  /** The resource files it has now (cgroup2: those of the controllers its parent enables). */
  readonly resourceFiles: Set<string>
  /** Contents a test put in place of what a file computes ({@link Cgroupfs.setFile}). */
  readonly overrides: Map<string, string>
}

/** A cgroup found by its path: its hierarchy, its node and its directory. */
interface Located {
  readonly hierarchy: Hierarchy
  readonly node: CgroupNode
  readonly dir: DirectoryInode
}

interface Hierarchy {
  readonly version: 1 | 2
  readonly mountpoint: string
  readonly controllers: ReadonlyArray<string>
  readonly mountRoot: string
  /** The hierarchy id `/proc/self/cgroup` shows (0 for cgroup2). */
  readonly id: number
  readonly root: CgroupNode
  /** Where each placed process is; a process not here is in the root cgroup. */
  readonly members: Map<number, CgroupNode>
  readonly freezer: boolean
}

/** A control file: its content, and what writing does (absent: read-only, as kernfs refuses to open it for writing). */
type ControlFile = Resources.ControlFile

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The kernel's `kstrtoint` on a trimmed write: a decimal int, or none. */
const kernelInt = (text: string): number | undefined => {
  const parsed = Strconv.atoi(text.trim())
  return parsed._tag === "Ok" && parsed.value >= -(2n ** 31n) && parsed.value < 2n ** 31n ? Number(parsed.value) : undefined
}

const cgroupMountOptions = "rw,nosuid,nodev,noexec,relatime"

/** The simulated cgroup filesystem; see the module documentation. */
export class Cgroupfs {
  /** The layout it was mounted with. */
  readonly mode: CgroupMode
  private readonly hierarchies: Array<Hierarchy> = []
  private readonly selfPaths = new Map<Hierarchy, string>()
  private readonly unifiedControllers: ReadonlyArray<string>
  /** The cgroup each directory inode is. */
  private readonly cgroupOf = new Map<DirectoryInode, { readonly hierarchy: Hierarchy; readonly node: CgroupNode }>()
  private readonly dirOf = new Map<CgroupNode, DirectoryInode>()
  private readonly frozenHere = new Set<number>()
  private readonly machine: { readonly cpus: number; readonly nodes: number }
  private readonly hugePageSizes: ReadonlyArray<string>
  private readonly rootSubtreeControl: ReadonlyArray<string>

  /**
   * Mounts the layout on `/sys/fs/cgroup` of `fs` (an existing, empty
   * directory); membership and freezing act on `table`.
   */
  constructor(
    private readonly fs: MemoryFs,
    /** The process table membership and freezing act on. */
    readonly table: ProcessTable,
    options: CgroupfsOptions = {}
  ) {
    this.mode = options.mode ?? "unified"
    this.unifiedControllers = options.unifiedControllers ?? ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"]
    this.rootSubtreeControl = options.rootSubtreeControl ?? this.unifiedControllers
    this.machine = { cpus: options.cpus ?? Resources.defaultCpus, nodes: options.memoryNodes ?? 1 }
    this.hugePageSizes = options.hugePageSizes ?? ["2MB", "1GB"]
    if (options.mounted === false) return
    fs.asRoot(() => {
      if (this.mode === "unified") {
        this.mountHierarchy(2, cgroupfsRoot, [], "/", 0)
      } else {
        // read-only, as distributions mount it: the hierarchies' mount points are all it holds
        const tmpfs = Either.getOrThrow(fs.mount(cgroupfsRoot, {
          type: TMPFS_MAGIC,
          options: "ro,nosuid,nodev,noexec",
          superOptions: "ro,mode=755",
          driver: readOnly
        }))
        for (const [index, h] of (options.hierarchies ?? thisHostHierarchies).entries()) {
          fs.addDirectory(tmpfs, h.dir, 0o555)
          this.mountHierarchy(1, `${cgroupfsRoot}/${h.dir}`, h.controllers, h.root ?? "/", index + 1)
        }
        if (this.mode === "hybrid") {
          fs.addDirectory(tmpfs, "unified", 0o555)
          this.mountHierarchy(2, `${cgroupfsRoot}/unified`, [], "/", 0)
        }
        for (const [name, target] of Object.entries(options.links ?? {})) fs.addSymlink(tmpfs, name, target)
      }
    })
    for (const h of this.hierarchies) {
      const key = h.version === 2 ? "" : h.controllers.find((c) => options.self?.[c] !== undefined) ?? ""
      const own = h.version === 2 ? options.self?.[""] : key === "" ? undefined : options.self?.[key]
      this.selfPaths.set(h, own ?? h.mountRoot)
    }
    for (const [h, own] of this.selfPaths) this.ensureVisible(h, own)
    table.subscribe((event) => {
      if (event._tag === "Spawned") this.inherit(event.pid)
      else this.leave(event.pid)
    })
  }

  /** The content of `/proc/self/cgroup`: v1 hierarchies by descending id, then `0::` for cgroup2. */
  procSelfCgroup(): string {
    const v1 = this.hierarchies.filter((h) => h.version === 1).sort((a, b) => b.id - a.id)
    const v2 = this.hierarchies.filter((h) => h.version === 2)
    return [...v1, ...v2].map((h) => `${h.id}:${h.controllers.join(",")}:${this.selfPaths.get(h)}\n`).join("")
  }

  /** Creates a cgroup directory (absolute path), as root, like `mkdir(2)` on cgroupfs. */
  mkdir(path: string): Either.Either<void, SystemError> {
    return this.fs.asRoot(() => this.fs.mkdir(path, 0o755))
  }

  /** Removes a cgroup directory (absolute path), as root, like `rmdir(2)` on cgroupfs. */
  rmdir(path: string): Either.Either<void, SystemError> {
    return this.fs.asRoot(() => this.fs.rmdir(path))
  }

  /** Moves `pid` into the cgroup at `path` (absolute), as writing it to `cgroup.procs` does. */
  addProcess(path: string, pid: number): Either.Either<void, SystemError> {
    return this.fs.asRoot(() => this.fs.writeFile(`${path}/cgroup.procs`, encoder.encode(String(pid)), "existing", 0))
  }

  /** Freezes a cgroup the way a user would: `cgroup.freeze` where it exists, else `freezer.state`. */
  freeze(path: string): Either.Either<void, SystemError> {
    return this.fs.asRoot(() => {
      const v2 = this.fs.writeFile(`${path}/cgroup.freeze`, encoder.encode("1"), "existing", 0)
      if (Either.isRight(v2) || v2.left.code !== "ENOENT") return v2
      return this.fs.writeFile(`${path}/freezer.state`, encoder.encode("FROZEN"), "existing", 0)
    })
  }

  /** The live members of the cgroup at `path`, as its `cgroup.procs` lists them. */
  members(path: string): Either.Either<ReadonlyArray<number>, SystemError> {
    return Either.map(
      this.fs.asRoot(() => this.fs.readFile(`${path}/cgroup.procs`, { maxBytes: Number.MAX_SAFE_INTEGER })),
      (bytes) => decoder.decode(bytes).split("\n").filter((l) => l !== "").map(Number)
    )
  }

  /** Whether a directory (cgroup or not) exists at `path`. */
  exists(path: string): boolean {
    return this.fs.inodeAt(path)?.type === "Directory"
  }

  /**
   * Makes the next `reads` reads of the cgroup's freeze status report the
   * freeze as still in progress while it is frozen: `FREEZING` from v1's
   * `freezer.state`, `frozen 0` from v2's `cgroup.events`. `Infinity` models
   * a cgroup that never finishes freezing.
   */
  stallFreezing(path: string, reads: number): Either.Either<void, SystemError> {
    const dir = this.fs.inodeAt(path)
    const cgroup = dir?.type === "Directory" ? this.cgroupOf.get(dir) : undefined
    if (cgroup === undefined) {
      return Either.left(new SystemError({ op: "open", path, code: dir === undefined ? "ENOENT" : "ENOTDIR" }))
    }
    cgroup.node.stall = reads
    return Either.void
  }

  /** Every non-root cgroup directory, absolute, parents first (for leak checks). */
  cgroups(): ReadonlyArray<string> {
    const out: Array<string> = []
    const visit = (base: string, node: CgroupNode) => {
      for (const child of [...node.children.values()].sort((a, b) => compareBytes(a.name, b.name))) {
        out.push(`${base}/${child.name}`)
        visit(`${base}/${child.name}`, child)
      }
    }
    for (const h of this.hierarchies) visit(h.mountpoint, h.root)
    return out
  }

  /**
   * Changes what a workload would have produced in the cgroup at `path`
   * (absolute): memory in use, CPU time, I/O, huge pages, more `memory.stat`
   * keys. Only the fields given change; the peaks follow the usage up.
   */
  setUsage(path: string, usage: Resources.UsageSeed): Either.Either<void, SystemError> {
    return Either.map(this.locate(path), ({ node }) => Resources.seedUsage(node.state, usage))
  }

  /** The usage the cgroup at `path` holds now. */
  usage(path: string): Either.Either<Resources.Usage, SystemError> {
    return Either.map(this.locate(path), ({ node }) => node.state.usage)
  }

  /**
   * Charges `bytes` of memory to the cgroup at `path` as an allocation by
   * one of its processes would: past the limit (v1 `memory.limit_in_bytes`,
   * v2 `memory.max`) the failure is counted and the OOM killer kills members
   * — the newest first — until the usage fits ({@link Resources.charge}).
   */
  charge(path: string, bytes: bigint): Either.Either<void, SystemError> {
    return Either.map(this.locate(path), (at) => Resources.charge(this.context(at), at.hierarchy.version, bytes))
  }

  /**
   * The OOM killer runs once in the cgroup at `path`: `oom` (v2) and
   * `oom_kill` counted, and `pid` — by default the newest member below the
   * cgroup — killed with SIGKILL. On v1 with the OOM killer disabled
   * (`memory.oom_control` 1) nothing is killed and the cgroup reads
   * `under_oom 1`. False when nothing was killed.
   */
  oomKill(path: string, pid?: number): Either.Either<boolean, SystemError> {
    return Either.map(this.locate(path), (at) => {
      const ctx = this.context(at)
      const victim = pid === undefined ? ctx : { ...ctx, killVictim: () => this.table.signal(pid, Signal.SIGKILL) === "ok" }
      return Resources.oomKill(victim, at.hierarchy.version)
    })
  }

  /**
   * Makes `file` of the cgroup at `path` read `content` (creating the file
   * when the cgroup has none by that name), whatever the simulation would
   * compute — for content no kernel writes: malformed lines, huge numbers,
   * files of controllers or kernels the simulation does not model.
   * `undefined` puts the computed content back.
   */
  setFile(path: string, file: string, content: string | undefined): Either.Either<void, SystemError> {
    return Either.flatMap(this.locate(path), ({ dir, node }) => {
      if (file === "" || file.includes("/")) return Either.left(new SystemError({ op: "open", path: `${path}/${file}`, code: "EINVAL" }))
      if (content === undefined) {
        node.overrides.delete(file)
        if (!node.resourceFiles.has(file) && !this.isControlFile(dir, file)) this.fs.dropEntry(dir, file)
        return Either.void
      }
      if (!dir.entries.has(file)) {
        this.fs.addDeviceFile(dir, file, 0o444, { read: () => Either.right(encoder.encode(node.overrides.get(file) ?? "")) })
      }
      node.overrides.set(file, content)
      return Either.void
    })
  }

  /** Takes `file` away from the cgroup at `path`, as on a kernel without it (reads fail with ENOENT). */
  removeFile(path: string, file: string): Either.Either<void, SystemError> {
    return Either.map(this.locate(path), ({ dir, node }) => {
      node.overrides.delete(file)
      node.resourceFiles.delete(file)
      if (dir.entries.has(file)) this.fs.dropEntry(dir, file)
    })
  }

  /** The cgroup at `path` (absolute), or ENOENT / ENOTDIR. */
  private locate(path: string): Either.Either<Located, SystemError> {
    const dir = this.fs.inodeAt(path)
    const cgroup = dir?.type === "Directory" ? this.cgroupOf.get(dir) : undefined
    if (dir?.type !== "Directory" || cgroup === undefined) {
      return Either.left(new SystemError({ op: "open", path, code: dir === undefined ? "ENOENT" : "ENOTDIR" }))
    }
    return Either.right({ hierarchy: cgroup.hierarchy, node: cgroup.node, dir })
  }

  private isControlFile(dir: DirectoryInode, file: string): boolean {
    const cgroup = this.cgroupOf.get(dir)
    return cgroup !== undefined && this.controlFiles(cgroup.hierarchy, cgroup.node).has(file)
  }

  /** What a cgroup's resource files need: its state, its ancestors', its members, the OOM killer's victim. */
  private context({ hierarchy: h, node }: { readonly hierarchy: Hierarchy; readonly node: CgroupNode }): Resources.FileContext {
    const ancestors: Array<Resources.ResourceState> = []
    for (let at = node.parent; at !== undefined; at = at.parent) ancestors.push(at.state)
    return {
      state: node.state,
      parent: node.parent?.state,
      ancestors,
      isRoot: node === h.root,
      subtreeMembers: () => this.subtreeMembers(h, node).length,
      killVictim: () => {
        const victim = this.subtreeMembers(h, node)
          .map((pid) => ({ pid, start: Option.match(this.table.get(pid), { onNone: () => -1n, onSome: (p) => p.startTime }) }))
          .sort((a, b) => (a.start === b.start ? b.pid - a.pid : a.start < b.start ? 1 : -1))[0]
        return victim !== undefined && this.table.signal(victim.pid, Signal.SIGKILL) === "ok"
      },
      machine: this.machine,
      hugePageSizes: this.hugePageSizes
    }
  }

  private subtreeMembers(h: Hierarchy, node: CgroupNode): ReadonlyArray<number> {
    const out = [...this.membersOf(h, node)]
    for (const child of node.children.values()) out.push(...this.subtreeMembers(h, child))
    return out
  }

  private newNode(h: Hierarchy, name: string, parent: CgroupNode | undefined): CgroupNode {
    return {
      name,
      parent,
      children: new Map(),
      frozen: false,
      stall: 0,
      state: Resources.newState(parent?.state, this.machine, h.version),
      resourceFiles: new Set(),
      overrides: new Map()
    }
  }

  /** The controllers a cgroup2 cgroup has: the root's own, or what its parent enables. */
  private controllersOf(node: CgroupNode): ReadonlySet<string> {
    return node.parent === undefined ? new Set(this.unifiedControllers) : node.parent.state.subtreeControl
  }

  /** Adds and drops a cgroup's resource files to match its controllers now. */
  private syncResourceFiles(h: Hierarchy, node: CgroupNode, dir: DirectoryInode): void {
    const ctx = this.context({ hierarchy: h, node })
    const wanted = h.version === 1 ? Resources.v1Files(h.controllers, ctx) : Resources.v2Files(this.controllersOf(node), ctx)
    for (const name of [...node.resourceFiles]) {
      if (wanted.has(name)) continue
      node.resourceFiles.delete(name)
      if (!node.overrides.has(name)) this.fs.dropEntry(dir, name)
    }
    for (const [name, file] of wanted) {
      if (node.resourceFiles.has(name) || dir.entries.has(name)) continue
      node.resourceFiles.add(name)
      this.addControlFile(dir, node, name, file)
    }
  }

  private addControlFile(dir: DirectoryInode, node: CgroupNode, name: string, file: ControlFile): void {
    const read = () => Either.right(encoder.encode(node.overrides.get(name) ?? file.read()))
    const device: DeviceHandlers = file.write === undefined
      ? { read }
      : { read, write: (data) => file.write!(decoder.decode(data)) }
    this.fs.addDeviceFile(dir, name, file.write === undefined ? 0o444 : 0o644, device)
  }

  /**
   * A write to `cgroup.subtree_control`: `+ctrl` / `-ctrl` tokens, all
   * checked before any applies, with the kernel's errnos.
   */
  private writeSubtreeControl(h: Hierarchy, node: CgroupNode, text: string): Either.Either<void, string> {
    const available = this.controllersOf(node)
    const enable = new Set<string>()
    const disable = new Set<string>()
    for (const token of text.split(/\s+/).filter((t) => t !== "")) {
      const sign = token[0]
      const name = token.slice(1)
      if ((sign !== "+" && sign !== "-") || name === "") return Either.left("EINVAL")
      if (!available.has(name)) return Either.left("ENOENT")
      if (sign === "+") {
        enable.add(name)
        disable.delete(name)
      } else {
        disable.add(name)
        enable.delete(name)
      }
    }
    const adding = [...enable].some((c) => !node.state.subtreeControl.has(c))
    if (adding && node !== h.root && this.membersOf(h, node).length > 0) return Either.left("EBUSY")
    for (const child of node.children.values()) {
      for (const c of disable) if (child.state.subtreeControl.has(c)) return Either.left("EBUSY")
    }
    for (const c of enable) node.state.subtreeControl.add(c)
    for (const c of disable) node.state.subtreeControl.delete(c)
    for (const child of node.children.values()) {
      const dir = this.dirOf.get(child)
      if (dir !== undefined) this.syncResourceFiles(h, child, dir)
    }
    return Either.void
  }

  private mountHierarchy(version: 1 | 2, mountpoint: string, controllers: ReadonlyArray<string>, mountRoot: string, id: number) {
    const h: Hierarchy = {
      version,
      mountpoint,
      controllers,
      mountRoot,
      id,
      root: undefined as unknown as CgroupNode,
      members: new Map(),
      freezer: version === 2 || controllers.includes("freezer")
    }
    ;(h as { root: CgroupNode }).root = this.newNode(h, "", undefined)
    if (version === 2) for (const c of this.rootSubtreeControl) h.root.state.subtreeControl.add(c)
    const root = Either.getOrThrow(this.fs.mount(mountpoint, {
      type: version === 1 ? CGROUP_SUPER_MAGIC : CGROUP2_SUPER_MAGIC,
      fstype: version === 1 ? "cgroup" : "cgroup2",
      options: cgroupMountOptions,
      superOptions: version === 1 ? `rw,${controllers.join(",")}` : "rw,nsdelegate",
      root: mountRoot,
      driver: this.driver
    }))
    this.hierarchies.push(h)
    this.fill(h, h.root, root)
  }

  /** What mkdir, rmdir and file creation do on a cgroup mount. */
  private readonly driver: FilesystemDriver = {
    mkdir: (parent, name) => {
      const cgroup = this.cgroupOf.get(parent)
      if (cgroup === undefined) return Either.left("EPERM")
      return Either.right((dir: DirectoryInode) => {
        const node = this.newNode(cgroup.hierarchy, name, cgroup.node)
        cgroup.node.children.set(name, node)
        this.fill(cgroup.hierarchy, node, dir)
        this.applyFreezers()
      })
    },
    rmdir: (_parent, name, dir) => {
      const cgroup = this.cgroupOf.get(dir)
      if (cgroup === undefined) return "EPERM"
      const { hierarchy, node } = cgroup
      if (node.parent === undefined || node.parent.children.get(name) !== node) return "EBUSY"
      if (node.children.size > 0 || this.membersOf(hierarchy, node).length > 0) return "EBUSY"
      for (const [pid, at] of hierarchy.members) if (at === node) hierarchy.members.delete(pid)
      node.parent.children.delete(name)
      this.cgroupOf.delete(dir)
      this.dirOf.delete(node)
      this.applyFreezers()
      return undefined
    },
    create: "EACCES",
    unlink: "EPERM"
  }

  /** Gives a cgroup directory its control files. */
  private fill(h: Hierarchy, node: CgroupNode, dir: DirectoryInode): void {
    this.cgroupOf.set(dir, { hierarchy: h, node })
    this.dirOf.set(node, dir)
    for (const [name, file] of this.controlFiles(h, node)) this.addControlFile(dir, node, name, file)
    this.syncResourceFiles(h, node, dir)
  }

  /** Creates the directories of an own-cgroup path that lies inside the mount root. */
  private ensureVisible(h: Hierarchy, own: string): void {
    const root = clean(h.mountRoot)
    const path = clean(own)
    if (path !== root && !path.startsWith(root === "/" ? "/" : `${root}/`)) return
    let at = h.mountpoint
    for (const part of path.slice(root.length).split("/").filter((p) => p !== "")) {
      at = `${at}/${part}`
      if (!this.exists(at)) Either.getOrThrow(this.mkdir(at))
    }
  }

  private isAlive(pid: number): boolean {
    return Option.match(this.table.get(pid), { onNone: () => false, onSome: (p) => Option.isNone(p.exit) })
  }

  private frozenThrough(node: CgroupNode): boolean {
    for (let n: CgroupNode | undefined = node; n !== undefined; n = n.parent) if (n.frozen) return true
    return false
  }

  private membersOf(h: Hierarchy, node: CgroupNode): ReadonlyArray<number> {
    if (node === h.root) {
      return this.table.pids().filter((pid) => !h.members.has(pid) && this.isAlive(pid))
    }
    const pids = [...h.members].filter(([pid, n]) => n === node && this.isAlive(pid)).map(([pid]) => pid)
    return h.version === 1 ? pids.sort((a, b) => a - b) : pids
  }

  private populated(h: Hierarchy, node: CgroupNode): boolean {
    if (this.membersOf(h, node).length > 0) return true
    return [...node.children.values()].some((child) => this.populated(h, child))
  }

  /** Marks every placed process frozen or thawed in the table, by the freezers it sits under. */
  private applyFreezers(): void {
    const pids = new Set<number>(this.frozenHere)
    for (const h of this.hierarchies) for (const pid of h.members.keys()) pids.add(pid)
    for (const pid of pids) {
      let v1 = false
      let v2 = false
      for (const h of this.hierarchies) {
        const node = h.members.get(pid)
        if (!h.freezer || node === undefined || !this.frozenThrough(node)) continue
        if (h.version === 1) v1 = true
        else v2 = true
      }
      const frozen = v1 || v2
      if (frozen) this.frozenHere.add(pid)
      else this.frozenHere.delete(pid)
      this.table.setFrozen(pid, frozen, v1 ? "v1" : "v2")
    }
  }

  private inherit(pid: number): void {
    const ppid = Option.map(this.table.get(pid), (p) => p.ppid)
    if (Option.isNone(ppid)) return
    for (const h of this.hierarchies) {
      const node = h.members.get(ppid.value)
      if (node !== undefined) h.members.set(pid, node)
    }
    this.applyFreezers()
  }

  private leave(pid: number): void {
    for (const h of this.hierarchies) h.members.delete(pid)
    this.frozenHere.delete(pid)
  }

  private move(h: Hierarchy, node: CgroupNode, text: string): Either.Either<void, string> {
    const pid = kernelInt(text)
    if (pid === undefined || pid < 0) return Either.left("EINVAL")
    if (pid === 0 || !this.isAlive(pid)) return Either.left("ESRCH")
    if (node === h.root) h.members.delete(pid)
    else h.members.set(pid, node)
    this.applyFreezers()
    return Either.void
  }

  private setFrozen(node: CgroupNode, frozen: boolean): void {
    node.frozen = frozen
    this.applyFreezers()
  }

  private killAll(h: Hierarchy, node: CgroupNode): void {
    for (const pid of this.membersOf(h, node)) this.table.signal(pid, Signal.SIGKILL)
    for (const child of node.children.values()) this.killAll(h, child)
  }

  /** The control files of one cgroup directory. */
  private controlFiles(h: Hierarchy, node: CgroupNode): ReadonlyMap<string, ControlFile> {
    const isRoot = node === h.root
    const files = new Map<string, ControlFile>()
    const constant = (text: string): ControlFile => ({ read: () => text })
    const procs: ControlFile = {
      read: () => this.membersOf(h, node).map((pid) => `${pid}\n`).join(""),
      write: (text) => this.move(h, node, text)
    }
    files.set("cgroup.procs", procs)
    if (h.version === 1) {
      files.set("tasks", procs)
      files.set("cgroup.clone_children", constant("0\n"))
      files.set("notify_on_release", constant("0\n"))
      if (isRoot) {
        files.set("cgroup.sane_behavior", constant("0\n"))
        files.set("release_agent", constant("\n"))
      }
      if (h.freezer && !isRoot) {
        files.set("freezer.state", {
          read: () => {
            if (!this.frozenThrough(node)) return "THAWED\n"
            if (node.stall > 0) {
              node.stall--
              return "FREEZING\n"
            }
            return "FROZEN\n"
          },
          write: (text) => {
            const state = text.trim()
            if (state !== "FROZEN" && state !== "THAWED") return Either.left("EINVAL")
            this.setFrozen(node, state === "FROZEN")
            return Either.void
          }
        })
        files.set("freezer.self_freezing", { read: () => node.frozen ? "1\n" : "0\n" })
        files.set("freezer.parent_freezing", {
          read: () => node.parent !== undefined && this.frozenThrough(node.parent) ? "1\n" : "0\n"
        })
      }
      return files
    }
    const ordered = (set: ReadonlySet<string>) => `${Resources.v2Controllers.filter((c) => set.has(c)).concat([...set].filter((c) => !Resources.v2Controllers.includes(c))).join(" ")}\n`
    files.set("cgroup.controllers", { read: () => ordered(this.controllersOf(node)) })
    files.set("cgroup.subtree_control", {
      read: () => ordered(node.state.subtreeControl),
      write: (text) => this.writeSubtreeControl(h, node, text)
    })
    files.set("cgroup.max.depth", constant("max\n"))
    files.set("cgroup.max.descendants", constant("max\n"))
    files.set("cgroup.stat", constant("nr_descendants 0\nnr_dying_descendants 0\n"))
    files.set("cgroup.threads", constant(""))
    if (!isRoot) {
      files.set("cgroup.type", constant("domain\n"))
      files.set("cgroup.events", {
        read: () => {
          let frozen = this.frozenThrough(node)
          if (frozen && node.stall > 0) {
            node.stall--
            frozen = false
          }
          return `populated ${this.populated(h, node) ? 1 : 0}\nfrozen ${frozen ? 1 : 0}\n`
        }
      })
      files.set("cgroup.freeze", {
        read: () => node.frozen ? "1\n" : "0\n",
        write: (text) => {
          const value = kernelInt(text)
          if (value === undefined) return Either.left("EINVAL")
          if (value !== 0 && value !== 1) return Either.left("ERANGE")
          this.setFrozen(node, value === 1)
          return Either.void
        }
      })
      files.set("cgroup.kill", {
        read: () => "",
        write: (text) => {
          const value = kernelInt(text)
          if (value === undefined) return Either.left("EINVAL")
          if (value !== 1) return Either.left("ERANGE")
          this.killAll(h, node)
          return Either.void
        }
      })
    }
    return files
  }
}
