/**
 * The simulated host's cgroup filesystem: v1 hierarchies, a cgroup2 mount,
 * or both (hybrid), laid out under `/sys/fs/cgroup` as the kernel lays them
 * out, together with the `/proc/self/mountinfo`, `/proc/self/cgroup` and
 * `/run/systemd/system` runc consults. It is a {@link CgroupHost}, so the
 * same cgroup rules that run on the real cgroupfs run on it.
 *
 * Membership comes from a {@link ProcessTable}: `cgroup.procs` lists the live
 * processes placed in a cgroup (a process starts in its parent's cgroups, or
 * the root ones; it leaves when it exits), and the freezers mark members
 * frozen in the table — a v1-frozen process then shows `D` in its stat line,
 * a v2-frozen one keeps its state, as this kernel shows.
 *
 * Kernel rules modelled: `freezer.state` is FROZEN when the cgroup or an
 * ancestor is frozen (`freezer.self_freezing` tells which) and can be made
 * to report FREEZING for a while ({@link CgroupTree.stallFreezing});
 * `cgroup.events` reports `frozen 1` for a cgroup frozen itself or through
 * an ancestor; `rmdir` fails with EBUSY while a cgroup has members or
 * children; opening a read-only control file for writing fails with EACCES
 * (kernfs); root cgroups have no freezer files. Only the control files
 * runc's cgroup manager reads or writes have behaviour; resource files are
 * not simulated.
 *
 * Every file and directory reports its filesystem type (cgroup, cgroup2,
 * the tmpfs holding v1 hierarchies, procfs), so `fstatfs` checks see what
 * they would on a real host. Given the rest of the host ({@link
 * CgroupTreeOptions.outside}, the simulated host's filesystem), paths the
 * tree does not serve — a saved cgroup path of `/tmp/x`, say — are that
 * filesystem's, so a hostile state file meets the same refusals as on a
 * real host.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { CgroupMode } from "../../CgroupManager.js"
import { SystemError } from "../../ContainerError.js"
import type { DirectoryEntry, DirectoryHandle, FileInfo } from "../../Filesystem.js"
import * as Signal from "../../Signal.js"
import { compareBytes } from "../byteOrder.js"
import type { CgroupHost } from "../cgroups/host.js"
import {
  CGROUP2_SUPER_MAGIC,
  CGROUP_SUPER_MAGIC,
  EXT4_SUPER_MAGIC,
  PROC_SUPER_MAGIC,
  SYSFS_MAGIC,
  TMPFS_MAGIC,
  WrongFilesystem
} from "../filesystemType.js"
import { clean } from "../path.js"
import { isComponent } from "../SyscallFilesystem.js"
import * as Strconv from "../strconv.js"
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
export interface CgroupTreeOptions {
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
  /** Whether `/run/systemd/system` exists (systemd is running). Default false. */
  readonly systemd?: boolean
  /**
   * The order `readdir` returns `/sys/fs/cgroup`'s entries in (v1 and
   * hybrid). Default: newest first, as tmpfs does — so on a hybrid tree
   * `unified` comes first, as on this machine.
   */
  readonly rootOrder?: ReadonlyArray<string>
  /** `cgroup.controllers` of the cgroup2 root; default `cpuset cpu io memory hugetlb pids`. */
  readonly unifiedControllers?: ReadonlyArray<string>
  /**
   * The rest of the host: every path outside `/sys/fs/cgroup`,
   * `/proc/self/{cgroup,mountinfo}` and (with systemd) `/run/systemd` is
   * looked up here — in `Libcontainer.layerMemoryWith`, the simulated host's
   * filesystem. Without it the tree answers alone, with the few directories
   * above its files and ENOENT elsewhere.
   */
  readonly outside?: CgroupHost
}

/** A layout and the cgroups to create in it. */
export interface CgroupTreeSeed extends CgroupTreeOptions {
  /** Cgroup directories to create, as absolute paths, parents first. */
  readonly cgroups?: ReadonlyArray<string>
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

const cgroupfsRoot = "/sys/fs/cgroup"

interface CgroupNode {
  readonly name: string
  readonly parent: CgroupNode | undefined
  readonly children: Map<string, CgroupNode>
  readonly ino: number
  /** Frozen by its own `freezer.state` / `cgroup.freeze`. */
  frozen: boolean
  /** Reads left that report the freeze as unfinished (FREEZING, `frozen 0`). */
  stall: number
}

interface Hierarchy {
  readonly version: 1 | 2
  /** Where it is mounted. */
  readonly mountpoint: string
  readonly controllers: ReadonlyArray<string>
  readonly mountRoot: string
  readonly id: number
  readonly dev: number
  readonly root: CgroupNode
  /** Where each placed process is; a process not here is in the root cgroup. */
  readonly members: Map<number, CgroupNode>
  readonly freezer: boolean
}

/** A control file: its content, and what writing does (absent: read-only). */
interface ControlFile {
  readonly read: () => string
  readonly write?: (text: string) => Either.Either<void, string>
}

type Found =
  | {
    readonly kind: "dir"
    readonly dev: number
    readonly ino: number
    readonly fsType: number
    readonly names: () => ReadonlyArray<DirectoryEntry>
    readonly cgroup?: { readonly hierarchy: Hierarchy; readonly node: CgroupNode }
  }
  | { readonly kind: "file"; readonly dev: number; readonly ino: number; readonly fsType: number; readonly file: ControlFile }
  | { readonly kind: "link"; readonly dev: number; readonly ino: number; readonly fsType: number; readonly target: string }

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** mountinfo's octal escaping of a path field. */
const escapeMountField = (field: string): string => field.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`)

const sortedEntries = (entries: ReadonlyArray<DirectoryEntry>): ReadonlyArray<DirectoryEntry> =>
  [...entries].sort((a, b) => compareBytes(a.name, b.name))

/** The kernel's `kstrtoint` on a trimmed write: a decimal int, or none. */
const kernelInt = (text: string): number | undefined => {
  const parsed = Strconv.atoi(text.trim())
  return parsed._tag === "Ok" && parsed.value >= -(2n ** 31n) && parsed.value < 2n ** 31n ? Number(parsed.value) : undefined
}

/** The simulated cgroup filesystem; see the module documentation. */
export class CgroupTree {
  /** The layout it was seeded with. */
  readonly mode: CgroupMode
  /** This tree as the host the cgroup rules run on. */
  readonly host: CgroupHost
  private readonly hierarchies: ReadonlyArray<Hierarchy>
  private readonly links: ReadonlyMap<string, string>
  private readonly selfPaths = new Map<Hierarchy, string>()
  private readonly systemd: boolean
  private readonly rootOrder: ReadonlyArray<string>
  private readonly unifiedControllers: ReadonlyArray<string>
  private readonly frozenHere = new Set<number>()
  private readonly outside: CgroupHost | undefined
  private nextIno = 1000

  constructor(
    /** The process table membership and freezing act on. */
    readonly table: ProcessTable,
    seed: CgroupTreeOptions = {}
  ) {
    this.mode = seed.mode ?? "unified"
    this.systemd = seed.systemd ?? false
    this.outside = seed.outside
    this.unifiedControllers = seed.unifiedControllers ?? ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"]
    const hierarchies: Array<Hierarchy> = []
    if (this.mode !== "unified") {
      for (const [index, h] of (seed.hierarchies ?? thisHostHierarchies).entries()) {
        hierarchies.push(this.hierarchy(1, `${cgroupfsRoot}/${h.dir}`, h.controllers, h.root ?? "/", index + 1, 0x30 + index))
      }
    }
    if (this.mode === "unified") hierarchies.push(this.hierarchy(2, cgroupfsRoot, [], "/", 0, 0x1a))
    if (this.mode === "hybrid") hierarchies.push(this.hierarchy(2, `${cgroupfsRoot}/unified`, [], "/", 0, 0x2f))
    this.hierarchies = hierarchies
    this.links = new Map(Object.entries(seed.links ?? {}))
    const created = [
      ...hierarchies.filter((h) => h.mountpoint !== cgroupfsRoot).map((h) => h.mountpoint.slice(cgroupfsRoot.length + 1)),
      ...this.links.keys()
    ]
    this.rootOrder = seed.rootOrder ?? created.reverse()
    for (const h of hierarchies) {
      const key = h.version === 2 ? "" : h.controllers.find((c) => seed.self?.[c] !== undefined) ?? ""
      const own = h.version === 2 ? seed.self?.[""] : key === "" ? undefined : seed.self?.[key]
      this.selfPaths.set(h, own ?? h.mountRoot)
    }
    for (const [h, own] of this.selfPaths) this.ensureVisible(h, own)
    table.subscribe((event) => {
      if (event._tag === "Spawned") this.inherit(event.pid)
      else if (event._tag === "Exited" || event._tag === "Reaped") this.leave(event.pid)
    })
    this.host = this.makeHost()
  }

  /** A tree laid out as `seed` says, with its cgroups created; fails when one cannot be (say its parent is missing). */
  static make(table: ProcessTable, seed: CgroupTreeSeed = {}): Either.Either<CgroupTree, SystemError> {
    const tree = new CgroupTree(table, seed)
    for (const path of seed.cgroups ?? []) {
      const made = tree.mkdir(path)
      if (Either.isLeft(made)) return Either.left(made.left)
    }
    return Either.right(tree)
  }

  /** {@link CgroupTree.make} for setup code outside Effect; throws the SystemError of a bad seed. */
  static unsafeMake(table: ProcessTable, seed: CgroupTreeSeed = {}): CgroupTree {
    return Either.getOrThrowWith(CgroupTree.make(table, seed), (error) => error)
  }

  /** The content of `/proc/self/mountinfo`. */
  mountinfo(): string {
    const lines = [
      "22 1 8:1 / / rw,relatime - ext4 /dev/root rw",
      "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw",
      "24 22 0:20 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw",
      "25 22 0:23 / /run rw,nosuid,nodev,relatime - tmpfs tmpfs rw,mode=755"
    ]
    let id = 30
    if (this.mode !== "unified") {
      lines.push(`${id} 24 0:27 / ${cgroupfsRoot} rw,relatime - tmpfs tmpfs rw,mode=755`)
    }
    const parent = id
    for (const h of this.hierarchies) {
      id++
      const fields = `${id} ${parent} 0:${h.dev} ${escapeMountField(h.mountRoot)} ${escapeMountField(h.mountpoint)}`
      lines.push(
        h.version === 1
          ? `${fields} rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,${h.controllers.join(",")}`
          : `${fields} rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate`
      )
    }
    return lines.join("\n") + "\n"
  }

  /** The content of `/proc/self/cgroup`: v1 hierarchies by descending id, then `0::` for cgroup2. */
  procSelfCgroup(): string {
    const v1 = this.hierarchies.filter((h) => h.version === 1).sort((a, b) => b.id - a.id)
    const v2 = this.hierarchies.filter((h) => h.version === 2)
    return [...v1, ...v2].map((h) => `${h.id}:${h.controllers.join(",")}:${this.selfPaths.get(h)}\n`).join("")
  }

  /** Creates a cgroup directory (absolute path), like `mkdir(2)` on cgroupfs. */
  mkdir(path: string): Either.Either<void, SystemError> {
    const fail = (code: string) => Either.left(new SystemError({ op: "mkdir", path, code }))
    const cleaned = clean(path)
    const slash = cleaned.lastIndexOf("/")
    const name = cleaned.slice(slash + 1)
    const parent = this.lookup(cleaned.slice(0, slash) || "/", true)
    if (Either.isLeft(parent)) return fail(parent.left)
    if (Either.isRight(this.lookup(cleaned, false))) return fail("EEXIST")
    if (parent.right.kind !== "dir") return fail("ENOTDIR")
    const cgroup = parent.right.cgroup
    if (cgroup === undefined || name === "" || this.controlFiles(cgroup.hierarchy, cgroup.node).has(name)) return fail("EPERM")
    cgroup.node.children.set(name, this.node(name, cgroup.node))
    this.applyFreezers()
    return Either.void
  }

  /** Removes a cgroup directory (absolute path), like `rmdir(2)` on cgroupfs. */
  rmdir(path: string): Either.Either<void, SystemError> {
    const fail = (code: string) => Either.left(new SystemError({ op: "rmdir", path, code }))
    const found = this.lookup(path, false)
    if (Either.isLeft(found)) return fail(found.left)
    if (found.right.kind !== "dir") return fail("ENOTDIR")
    const cgroup = found.right.cgroup
    if (cgroup === undefined) return fail("EBUSY")
    return Either.mapLeft(this.removeCgroup(cgroup.hierarchy, cgroup.node), (code) => new SystemError({ op: "rmdir", path, code }))
  }

  /** Moves `pid` into the cgroup at `path` (absolute), as writing it to `cgroup.procs` does. */
  addProcess(path: string, pid: number): Either.Either<void, SystemError> {
    return this.write(`${path}/cgroup.procs`, String(pid))
  }

  /** The live members of the cgroup at `path`, as its `cgroup.procs` lists them. */
  members(path: string): Either.Either<ReadonlyArray<number>, SystemError> {
    return Either.map(this.read(`${path}/cgroup.procs`), (bytes) =>
      decoder.decode(bytes).split("\n").filter((l) => l !== "").map(Number))
  }

  /** Whether a directory (cgroup or not) exists at `path`. */
  exists(path: string): boolean {
    const found = this.lookup(path, true)
    return Either.isRight(found) && found.right.kind === "dir"
  }

  /**
   * Makes the next `reads` reads of the cgroup's freeze status report the
   * freeze as still in progress while it is frozen: `FREEZING` from v1's
   * `freezer.state`, `frozen 0` from v2's `cgroup.events`. `Infinity` models
   * a cgroup that never finishes freezing.
   */
  stallFreezing(path: string, reads: number): Either.Either<void, SystemError> {
    const found = this.lookup(path, true)
    if (Either.isLeft(found)) return Either.left(new SystemError({ op: "open", path, code: found.left }))
    if (found.right.kind !== "dir" || found.right.cgroup === undefined) {
      return Either.left(new SystemError({ op: "open", path, code: "ENOTDIR" }))
    }
    found.right.cgroup.node.stall = reads
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

  private hierarchy(
    version: 1 | 2,
    mountpoint: string,
    controllers: ReadonlyArray<string>,
    mountRoot: string,
    id: number,
    dev: number
  ): Hierarchy {
    return {
      version,
      mountpoint,
      controllers,
      mountRoot,
      id,
      dev,
      root: this.node("", undefined),
      members: new Map(),
      freezer: version === 2 || controllers.includes("freezer")
    }
  }

  private node(name: string, parent: CgroupNode | undefined): CgroupNode {
    return { name, parent, children: new Map(), ino: this.nextIno++, frozen: false, stall: 0 }
  }

  /** Creates the directories of an own-cgroup path that lies inside the mount root. */
  private ensureVisible(h: Hierarchy, own: string): void {
    const root = clean(h.mountRoot)
    const path = clean(own)
    if (path !== root && !path.startsWith(root === "/" ? "/" : `${root}/`)) return
    let node = h.root
    for (const part of path.slice(root.length).split("/").filter((p) => p !== "")) {
      let child = node.children.get(part)
      if (child === undefined) {
        child = this.node(part, node)
        node.children.set(part, child)
      }
      node = child
    }
  }

  private isAlive(pid: number): boolean {
    return Option.match(this.table.get(pid), { onNone: () => false, onSome: (p) => Option.isNone(p.exit) })
  }

  private pathOf(node: CgroupNode): ReadonlyArray<CgroupNode> {
    const chain: Array<CgroupNode> = []
    for (let n: CgroupNode | undefined = node; n !== undefined; n = n.parent) chain.unshift(n)
    return chain
  }

  private frozenThrough(node: CgroupNode): boolean {
    return this.pathOf(node).some((n) => n.frozen)
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
    files.set("cgroup.controllers", constant(isRoot ? `${this.unifiedControllers.join(" ")}\n` : "\n"))
    files.set("cgroup.subtree_control", constant("\n"))
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

  private cgroupDir(h: Hierarchy, node: CgroupNode): Found {
    return {
      kind: "dir",
      dev: h.dev,
      ino: node === h.root ? 1 : node.ino,
      fsType: h.version === 1 ? CGROUP_SUPER_MAGIC : CGROUP2_SUPER_MAGIC,
      names: () => [
        ...[...this.controlFiles(h, node).keys()].map((name): DirectoryEntry => ({ name, type: "File" })),
        ...[...node.children.keys()].map((name): DirectoryEntry => ({ name, type: "Directory" }))
      ],
      cgroup: { hierarchy: h, node }
    }
  }

  /** A path inside one hierarchy, from its root cgroup. */
  private inHierarchy(h: Hierarchy, parts: ReadonlyArray<string>): Either.Either<Found, string> {
    let node = h.root
    for (const [index, part] of parts.entries()) {
      const child = node.children.get(part)
      if (child !== undefined) {
        node = child
        continue
      }
      const file = this.inHierarchyFile(h, node, part)
      if (Either.isRight(file) && index !== parts.length - 1) return Either.left("ENOTDIR")
      return file
    }
    return Either.right(this.cgroupDir(h, node))
  }

  /** A control file of one cgroup. */
  private inHierarchyFile(h: Hierarchy, node: CgroupNode, name: string): Either.Either<Found, string> {
    const file = this.controlFiles(h, node).get(name)
    if (file === undefined) return Either.left("ENOENT")
    const fsType = h.version === 1 ? CGROUP_SUPER_MAGIC : CGROUP2_SUPER_MAGIC
    const index = [...this.controlFiles(h, node).keys()].indexOf(name)
    return Either.right({ kind: "file", dev: h.dev, ino: node.ino * 64 + index, fsType, file })
  }

  private directory(dev: number, ino: number, fsType: number, names: () => ReadonlyArray<DirectoryEntry>): Found {
    return { kind: "dir", dev, ino, fsType, names }
  }

  private staticDir(dev: number, ino: number, fsType: number, names: ReadonlyArray<string>): Found {
    return this.directory(dev, ino, fsType, () => names.map((name) => ({ name, type: "Directory" as const })))
  }

  private staticFile(dev: number, ino: number, fsType: number, content: () => string): Found {
    return { kind: "file", dev, ino, fsType, file: { read: content } }
  }

  /** Resolves a path; `follow` decides whether a final symlink is followed. */
  private lookup(path: string, follow: boolean): Either.Either<Found, string> {
    if (path === "") return Either.left("ENOENT")
    const parts = clean(path.startsWith("/") ? path : `/${path}`).split("/").filter((p) => p !== "")
    const [first, second, third, ...rest] = parts
    if (first === undefined) return Either.right(this.staticDir(1, 2, EXT4_SUPER_MAGIC, ["proc", "run", "sys"]))
    if (first === "proc") {
      if (second === undefined) return Either.right(this.staticDir(2, 1, PROC_SUPER_MAGIC, ["self"]))
      if (second !== "self") return Either.left("ENOENT")
      if (third === undefined) {
        return Either.right(this.directory(2, 2, PROC_SUPER_MAGIC, () => [
          { name: "cgroup", type: "File" },
          { name: "mountinfo", type: "File" }
        ]))
      }
      if (rest.length > 0) return Either.left(third === "cgroup" || third === "mountinfo" ? "ENOTDIR" : "ENOENT")
      if (third === "cgroup") return Either.right(this.staticFile(2, 3, PROC_SUPER_MAGIC, () => this.procSelfCgroup()))
      if (third === "mountinfo") return Either.right(this.staticFile(2, 4, PROC_SUPER_MAGIC, () => this.mountinfo()))
      return Either.left("ENOENT")
    }
    if (first === "run") {
      const chain = this.systemd ? ["run", "systemd", "system"] : ["run"]
      if (parts.length > chain.length || parts.some((p, i) => p !== chain[i])) return Either.left("ENOENT")
      return Either.right(this.staticDir(3, 10 + parts.length, TMPFS_MAGIC, chain.slice(parts.length, parts.length + 1)))
    }
    if (first !== "sys") return Either.left("ENOENT")
    if (second === undefined) return Either.right(this.staticDir(4, 1, SYSFS_MAGIC, ["fs"]))
    if (second !== "fs") return Either.left("ENOENT")
    if (third === undefined) return Either.right(this.staticDir(4, 2, SYSFS_MAGIC, ["cgroup"]))
    if (third !== "cgroup") return Either.left("ENOENT")
    return this.inCgroupfs(rest, follow)
  }

  /** A path under `/sys/fs/cgroup`. */
  private inCgroupfs(parts: ReadonlyArray<string>, follow: boolean): Either.Either<Found, string> {
    const unified = this.hierarchies.find((h) => h.mountpoint === cgroupfsRoot)
    if (unified !== undefined) return this.inHierarchy(unified, parts)
    const [name, ...below] = parts
    if (name === undefined) {
      return Either.right(this.directory(0x1b, 1, TMPFS_MAGIC, () =>
        this.rootOrder.map((entry): DirectoryEntry => ({
          name: entry,
          type: this.links.has(entry) ? "SymbolicLink" : "Directory"
        }))))
    }
    const target = this.links.get(name)
    if (target !== undefined) {
      if (below.length === 0 && !follow) return Either.right({ kind: "link", dev: 0x1b, ino: 5, fsType: TMPFS_MAGIC, target })
      return this.lookup(`${cgroupfsRoot}/${target}/${below.join("/")}`, follow)
    }
    const h = this.hierarchies.find((candidate) => candidate.mountpoint === `${cgroupfsRoot}/${name}`)
    return h === undefined ? Either.left("ENOENT") : this.inHierarchy(h, below)
  }

  private info(found: Found): FileInfo {
    const type = found.kind === "dir" ? "Directory" : found.kind === "link" ? "SymbolicLink" : "File"
    const writable = found.kind === "file" && found.file.write !== undefined
    return {
      type,
      mode: found.kind === "dir" ? 0o755 : found.kind === "link" ? 0o777 : writable ? 0o644 : 0o444,
      uid: 0,
      gid: 0,
      size: found.kind === "link" ? found.target.length : 0,
      ino: found.ino,
      dev: found.dev,
      nlink: found.kind === "dir" ? 2 : 1,
      mtimeMs: 0
    }
  }

  /** The file at `path` opened for reading or writing: `open`'s errors, EISDIR for a directory. */
  private opened(path: string, writing: boolean): Either.Either<Found & { readonly kind: "file" }, SystemError> {
    const found = this.lookup(path, true)
    if (Either.isLeft(found)) return Either.left(new SystemError({ op: "open", path, code: found.left }))
    if (found.right.kind === "file") {
      if (writing && found.right.file.write === undefined) return Either.left(new SystemError({ op: "open", path, code: "EACCES" }))
      return Either.right(found.right)
    }
    return Either.left(new SystemError({ op: writing ? "open" : "read", path, code: found.right.kind === "dir" ? "EISDIR" : "ELOOP" }))
  }

  /** `types` allow the opened file's filesystem, or the refusal. */
  private allowed(found: Found, path: string, types: ReadonlyArray<number> | undefined): Either.Either<void, WrongFilesystem> {
    return types === undefined || types.includes(found.fsType)
      ? Either.void
      : Either.left(new WrongFilesystem({ op: "open", path, type: found.fsType, expected: types }))
  }

  /** open, the descriptor's filesystem check when `types` are given (before anything is read), a read of at most `maxBytes`. */
  private readOn(path: string, types: ReadonlyArray<number> | undefined, maxBytes: number): Either.Either<Uint8Array, SystemError | WrongFilesystem> {
    const found = this.lookup(path, true)
    if (Either.isRight(found)) {
      const refused = this.allowed(found.right, path, types)
      if (Either.isLeft(refused)) return Either.left(refused.left)
    }
    return Either.flatMap(this.opened(path, false), (file) => {
      const content = encoder.encode(file.file.read())
      return content.length > maxBytes ? Either.left(new SystemError({ op: "read", path, code: "EFBIG" })) : Either.right(content)
    })
  }

  private read(path: string, maxBytes = Number.POSITIVE_INFINITY): Either.Either<Uint8Array, SystemError> {
    return this.readOn(path, undefined, maxBytes) as Either.Either<Uint8Array, SystemError>
  }

  /** open write-only, the descriptor's filesystem check when `types` are given (before anything is written), one write. */
  private writeOn(path: string, text: string, types: ReadonlyArray<number> | undefined): Either.Either<void, SystemError | WrongFilesystem> {
    return Either.flatMap(this.opened(path, true), (found): Either.Either<void, SystemError | WrongFilesystem> => {
      const refused = this.allowed(found, path, types)
      if (Either.isLeft(refused)) return Either.left(refused.left)
      const write = found.file.write ?? (() => Either.left("EACCES"))
      return Either.mapLeft(write(text), (code) => new SystemError({ op: "write", path, code }))
    })
  }

  private write(path: string, text: string): Either.Either<void, SystemError> {
    return this.writeOn(path, text, undefined) as Either.Either<void, SystemError>
  }

  /** cgroupfs's `rmdir` of a cgroup: EBUSY while it has members or children, and for a hierarchy root. */
  private removeCgroup(hierarchy: Hierarchy, node: CgroupNode): Either.Either<void, string> {
    const parent = node.parent
    if (parent === undefined || parent.children.get(node.name) !== node) return Either.left(parent === undefined ? "EBUSY" : "ENOENT")
    if (node.children.size > 0 || this.membersOf(hierarchy, node).length > 0) return Either.left("EBUSY")
    for (const [pid, at] of hierarchy.members) if (at === node) hierarchy.members.delete(pid)
    parent.children.delete(node.name)
    this.applyFreezers()
    return Either.void
  }

  /** Whether the tree serves `path`; the rest belongs to {@link CgroupTreeOptions.outside} when there is one. */
  private owns(path: string): boolean {
    if (this.outside === undefined) return true
    const p = clean(path.startsWith("/") ? path : `/${path}`)
    const under = (base: string) => p === base || p.startsWith(`${base}/`)
    return under(cgroupfsRoot) || under("/proc/self/cgroup") || under("/proc/self/mountinfo") ||
      (this.systemd && under("/run/systemd"))
  }

  /** The entry `name` of an open directory, not followed. */
  private childOf(found: Found & { readonly kind: "dir" }, path: string, name: string): Either.Either<Found, string> {
    const cgroup = found.cgroup
    if (cgroup === undefined) return this.lookup(`${path}/${name}`, false)
    const child = cgroup.node.children.get(name)
    if (child !== undefined) return Either.right(this.cgroupDir(cgroup.hierarchy, child))
    return this.inHierarchyFile(cgroup.hierarchy, cgroup.node, name)
  }

  /** An open directory of the tree as a {@link DirectoryHandle}; a cgroup's handle holds the cgroup itself. */
  private handleOf(found: Found & { readonly kind: "dir" }, path: string): DirectoryHandle {
    const at = (name: string) => `${path}/${name}`
    const child = (op: string, name: string) =>
      Either.flatMap(isComponent(name) ? Either.right(name) : Either.left("EINVAL"), () => this.childOf(found, path, name))
        .pipe(Either.mapLeft((code) => new SystemError({ op, path: at(name), code })))
    return {
      path,
      info: this.info(found),
      filesystemType: found.fsType,
      entries: Effect.sync(() => sortedEntries(found.names())),
      openDirectory: (name) =>
        Effect.suspend(() =>
          Either.flatMap(child("openat", name), (entry) =>
            entry.kind === "dir"
              ? Either.right(this.handleOf(entry, at(name)))
              : Either.left(new SystemError({ op: "openat", path: at(name), code: "ENOTDIR" })))
        ),
      removeDirectory: (name) =>
        Effect.suspend(() =>
          Either.flatMap(child("rmdir", name), (entry) => {
            const fail = (code: string) => Either.left(new SystemError({ op: "rmdir", path: at(name), code }))
            if (entry.kind !== "dir") return fail("ENOTDIR")
            if (entry.cgroup === undefined || found.cgroup === undefined) return fail("EBUSY")
            return Either.mapLeft(this.removeCgroup(entry.cgroup.hierarchy, entry.cgroup.node), (code) =>
              new SystemError({ op: "rmdir", path: at(name), code }))
          })
        ),
      removeFile: (name) =>
        Effect.suspend(() =>
          Either.flatMap(child("unlinkat", name), (entry) =>
            Either.left(new SystemError({ op: "unlinkat", path: at(name), code: entry.kind === "dir" ? "EISDIR" : "EPERM" })))
        )
    }
  }

  private makeHost(): CgroupHost {
    const located = <A>(op: string, path: string, follow: boolean, f: (found: Found) => Either.Either<A, string>) =>
      Effect.suspend(() =>
        Either.mapLeft(
          Either.flatMap(this.lookup(path, follow), f),
          (code) => new SystemError({ op, path, code })
        )
      )
    const own: CgroupHost = {
      statfs: (path) => located("statfs", path, true, (found) => Either.right(found.fsType)),
      lstat: (path) => located("lstat", path, false, (found) => Either.right(this.info(found))),
      stat: (path) => located("stat", path, true, (found) => Either.right(this.info(found))),
      readLink: (path) =>
        located("readlink", path, false, (found) => found.kind === "link" ? Either.right(found.target) : Either.left("EINVAL")),
      readDirectory: (path) =>
        Effect.suspend(() => {
          const found = this.lookup(path, true)
          if (Either.isLeft(found)) return Either.left(new SystemError({ op: "open", path, code: found.left }))
          if (found.right.kind !== "dir") return Either.left(new SystemError({ op: "readdirent", path, code: "ENOTDIR" }))
          return Either.right(sortedEntries(found.right.names()))
        }),
      firstEntry: (path) =>
        located("open", path, true, (found) =>
          found.kind === "dir" ? Either.right(Option.fromNullable(found.names()[0]?.name)) : Either.left("ENOTDIR")),
      readFile: (path, options) => Effect.suspend(() => this.read(path, options?.maxBytes)),
      readFileOn: (path, types, options) => Effect.suspend(() => this.readOn(path, types, options?.maxBytes ?? Number.POSITIVE_INFINITY)),
      writeFile: (path, data) => Effect.suspend(() => this.write(path, decoder.decode(data))),
      writeFileOn: (path, data, types) => Effect.suspend(() => this.writeOn(path, decoder.decode(data), types)),
      openDirectory: (path) =>
        Effect.suspend(() => {
          const found = this.lookup(path, true)
          if (Either.isLeft(found)) return Either.left(new SystemError({ op: "open", path, code: found.left }))
          if (found.right.kind !== "dir") return Either.left(new SystemError({ op: "open", path, code: "ENOTDIR" }))
          return Either.right(this.handleOf(found.right, path))
        })
    }
    const outside = this.outside
    if (outside === undefined) return own
    const route = <Args extends [string, ...Array<unknown>], R>(pick: (host: CgroupHost) => (...args: Args) => R) =>
    (...args: Args): R => pick(this.owns(args[0]) ? own : outside)(...args)
    return {
      statfs: route((h) => h.statfs),
      lstat: route((h) => h.lstat),
      stat: route((h) => h.stat),
      readLink: route((h) => h.readLink),
      readDirectory: route((h) => h.readDirectory),
      firstEntry: route((h) => h.firstEntry),
      readFile: route((h) => h.readFile),
      readFileOn: route((h) => h.readFileOn),
      writeFile: route((h) => h.writeFile),
      writeFileOn: route((h) => h.writeFileOn),
      openDirectory: route((h) => h.openDirectory)
    }
  }
}
