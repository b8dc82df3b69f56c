/**
 * A simulated resctrl filesystem: the directory tree `mount -t resctrl`
 * shows, control groups with CLOSIDs, `schemata` and `tasks` files validated
 * the way Linux 6.x validates them, `info/last_cmd_status` with the kernel's
 * explanations, and monitoring counters under `mon_data`.
 *
 * The default instance is a host without RDT: `/sys/fs/resctrl` does not
 * exist. Enabling any feature makes the hardware "present"; it is mounted at
 * `/sys/fs/resctrl` unless `mountpoint` says elsewhere (or `null`: present
 * but not mounted).
 *
 * Every path reports its filesystem type — resctrl under the mount point,
 * sysfs for an unmounted `/sys/fs/resctrl` and the directories above — so
 * `fstatfs` checks see what they would on a real host. Directories can be
 * opened as descriptor-relative handles; `rmdir` of a control group through
 * one moves its tasks back to the default group, as the kernel does.
 *
 * Simplifications: every group is shareable (no exclusive or pseudo-locked
 * modes, no CDP), monitoring groups cannot be created (`mkdir` under
 * `mon_groups` fails with EPERM), only the resctrl tree and its ancestors
 * exist, and removing the mount point fails with EBUSY.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { SystemError } from "../../ContainerError.js"
import type { DirectoryEntry, DirectoryHandle, FileInfo } from "../../Filesystem.js"
import { SYSFS_MAGIC, WrongFilesystem } from "../filesystemType.js"
import * as Path from "../path.js"
import * as R from "../resctrl.js"
import { isComponent } from "../SyscallFilesystem.js"

/** L3 Cache Allocation parameters (`info/L3`). */
export interface CatOptions {
  /** Full capacity bitmask in hex; default `fffff` (20 ways). */
  readonly cbmMask?: string
  /** Default 1. */
  readonly minCbmBits?: number
  /** Default 16. */
  readonly numClosids?: number
}

/** Memory Bandwidth Allocation parameters (`info/MB`). */
export interface MbaOptions {
  /** Default 10. */
  readonly bandwidthGran?: number
  /** Default 1. */
  readonly delayLinear?: number
  /** Default 10. */
  readonly minBandwidth?: number
  /** Default 8. */
  readonly numClosids?: number
  /** Mounted with `-o mba_MBps`: values are MBps and not range-checked. */
  readonly mbps?: boolean
}

/** Monitoring parameters (`info/L3_MON`). */
export interface MonitoringOptions {
  /** `mon_features` lines; default all three events runc knows. */
  readonly features?: ReadonlyArray<string>
  /** Default 176. */
  readonly numRmids?: number
}

/** What the simulated hardware and mount look like. */
export interface ResctrlOptions {
  /** Whether the kernel offers resctrl at all; default: whether any feature is enabled. */
  readonly supported?: boolean
  /** Where it is mounted; default `/sys/fs/resctrl`; `null` for not mounted. */
  readonly mountpoint?: string | null
  /** Cache / NUMA domain ids; default `[0, 1]` (two sockets). */
  readonly domains?: ReadonlyArray<number>
  readonly cat?: CatOptions | boolean
  readonly mba?: MbaOptions | boolean
  readonly monitoring?: MonitoringOptions | boolean
  /** Whether a pid exists, for writes to `tasks`; default: every pid does. */
  readonly hasTask?: (pid: number) => boolean
}

/** Monitoring counters of one group in one domain. */
export interface Counters {
  readonly mbm_total_bytes?: bigint
  readonly mbm_local_bytes?: bigint
  readonly llc_occupancy?: bigint
}

interface Cat {
  readonly mask: string
  readonly full: bigint
  readonly bits: number
  readonly minCbmBits: number
  readonly numClosids: number
}

interface Mba {
  readonly bandwidthGran: number
  readonly delayLinear: number
  readonly minBandwidth: number
  readonly numClosids: number
  readonly mbps: boolean
}

interface Group {
  readonly name: string
  readonly closid: number
  readonly l3: Map<number, bigint>
  readonly mb: Map<number, bigint>
  readonly counters: Map<number, Counters>
}

type Node =
  | { readonly kind: "dir"; readonly list: () => ReadonlyArray<DirectoryEntry> }
  | { readonly kind: "file"; readonly read: () => string; readonly write?: (data: string) => string | undefined }

/** The kernel's ceiling for MBps values (`MBA_MAX_MBPS`). */
const maxMbps = 4294967295n

const dir = (name: string): DirectoryEntry => ({ name, type: "Directory" })
const file = (name: string): DirectoryEntry => ({ name, type: "File" })
const byName = (entries: Array<DirectoryEntry>): ReadonlyArray<DirectoryEntry> =>
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

/** The kernel's `kstrtoull`: optional `+`, base prefix for base 16 (`0x`) or 0, one trailing newline. */
const kstrtoull = (s: string, base: 0 | 10 | 16): bigint | undefined => {
  let text = s.endsWith("\n") ? s.slice(0, -1) : s
  if (text.startsWith("+")) text = text.slice(1)
  let radix: number = base === 0 ? 10 : base
  if ((base === 16 || base === 0) && /^0[xX]/.test(text)) {
    text = text.slice(2)
    radix = 16
  } else if (base === 0 && text.length > 1 && text.startsWith("0")) {
    text = text.slice(1)
    radix = 8
  }
  const digits = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/
  if (!digits.test(text)) return undefined
  const value = [...text.toLowerCase()].reduce((n, ch) => n * BigInt(radix) + BigInt(parseInt(ch, 16)), 0n)
  return value <= (1n << 64n) - 1n ? value : undefined
}

/** The kernel's `kstrtoint(s, 0)`: a sign, then `kstrtoull`, within int32. */
const kstrtoint = (s: string): number | undefined => {
  const negative = s.startsWith("-")
  const magnitude = kstrtoull(negative ? s.slice(1) : s, 0)
  if (magnitude === undefined || (negative && s.startsWith("-+"))) return undefined
  const value = negative ? -magnitude : magnitude
  return value >= -(1n << 31n) && value < 1n << 31n ? Number(value) : undefined
}

/** The kernel's `strim`: white space off both ends. */
const strim = (s: string): string => s.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, "")

const octalEscape = (s: string): string =>
  s.replace(/[ \t\n\\]/g, (ch) => "\\" + ch.charCodeAt(0).toString(8).padStart(3, "0"))

/** The simulated resctrl filesystem; see the module documentation. */
export class Resctrl {
  readonly supported: boolean
  readonly mountpoint: string | undefined
  readonly domains: ReadonlyArray<number>
  private readonly cat: Cat | undefined
  private readonly mba: Mba | undefined
  private readonly monFeatures: ReadonlyArray<string> | undefined
  private readonly numRmids: number
  private readonly hasTask: (pid: number) => boolean
  private readonly groups = new Map<string, Group>()
  private readonly taskGroup = new Map<number, string>()
  private lastCmd = ""

  constructor(options: ResctrlOptions = {}) {
    const cat = options.cat === true ? {} : options.cat === false ? undefined : options.cat
    const mba = options.mba === true ? {} : options.mba === false ? undefined : options.mba
    const mon = options.monitoring === true ? {} : options.monitoring === false ? undefined : options.monitoring
    this.supported = options.supported ?? (cat !== undefined || mba !== undefined || mon !== undefined)
    this.mountpoint = !this.supported || options.mountpoint === null
      ? undefined
      : Path.clean(options.mountpoint ?? R.defaultMountpoint)
    this.domains = options.domains ?? [0, 1]
    if (cat !== undefined) {
      const mask = (cat.cbmMask ?? "fffff").toLowerCase()
      const full = BigInt("0x" + mask)
      this.cat = {
        mask,
        full,
        bits: full.toString(2).length,
        minCbmBits: cat.minCbmBits ?? 1,
        numClosids: cat.numClosids ?? 16
      }
    }
    if (mba !== undefined) {
      this.mba = {
        bandwidthGran: mba.bandwidthGran ?? 10,
        delayLinear: mba.delayLinear ?? 1,
        minBandwidth: mba.minBandwidth ?? 10,
        numClosids: mba.numClosids ?? 8,
        mbps: mba.mbps ?? false
      }
    }
    this.monFeatures = mon === undefined ? undefined : mon.features ?? ["llc_occupancy", "mbm_total_bytes", "mbm_local_bytes"]
    this.numRmids = mon?.numRmids ?? 176
    this.hasTask = options.hasTask ?? (() => true)
    this.groups.set("", this.newGroup("", 0))
  }

  /** `statfs(2)`: the resctrl magic on the mount, sysfs for an unmounted `/sys/fs/resctrl` and the directories above. */
  statfs(path: string): Either.Either<number, SystemError> {
    const clean = Path.clean(path)
    if (this.lookup(clean) === undefined) return Either.left(new SystemError({ op: "statfs", path, code: "ENOENT" }))
    return Either.right(this.typeOf(clean))
  }

  /** Whether the model answers for `path`: the mounted tree and the `/sys/fs/resctrl` the kernel creates. */
  serves(path: string): boolean {
    const clean = Path.clean(path.startsWith("/") ? path : `/${path}`)
    if (this.mountpoint !== undefined && (clean === this.mountpoint || clean.startsWith(`${this.mountpoint}/`))) return true
    return this.supported && clean === R.defaultMountpoint
  }

  private typeOf(clean: string): number {
    const mounted = this.mountpoint !== undefined &&
      (clean === this.mountpoint || clean.startsWith(this.mountpoint === "/" ? "/" : `${this.mountpoint}/`))
    return mounted ? R.RDTGROUP_SUPER_MAGIC : SYSFS_MAGIC
  }

  /** A `/proc/self/mountinfo` for the simulated host, with the resctrl mount when there is one. */
  mountinfo(): string {
    const lines = [
      "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
      "21 26 0:20 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw",
      "22 26 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw"
    ]
    if (this.mountpoint !== undefined) {
      const options = this.mba?.mbps === true ? "rw,mba_MBps" : "rw"
      lines.push(`40 22 0:40 / ${octalEscape(this.mountpoint)} rw,relatime shared:20 - resctrl resctrl ${options}`)
    }
    return lines.join("\n") + "\n"
  }

  /** `stat(2)`: success when the path exists. */
  stat(path: string): Either.Either<void, SystemError> {
    return this.lookup(Path.clean(path)) === undefined
      ? Either.left(new SystemError({ op: "stat", path, code: "ENOENT" }))
      : Either.void
  }

  /** Go's `os.ReadFile`, reading at most `maxBytes` (more is EFBIG). */
  readFile(path: string, maxBytes = Number.POSITIVE_INFINITY): Either.Either<Uint8Array, SystemError> {
    return this.readFileOn(path, undefined, maxBytes) as Either.Either<Uint8Array, SystemError>
  }

  /** {@link Resctrl.readFile} of a file that must be on one of `types` (checked once opened, before reading). */
  readFileOn(
    path: string,
    types: ReadonlyArray<number> | undefined,
    maxBytes = Number.POSITIVE_INFINITY
  ): Either.Either<Uint8Array, SystemError | WrongFilesystem> {
    const clean = Path.clean(path)
    const node = this.lookup(clean)
    if (node === undefined) return Either.left(new SystemError({ op: "open", path, code: "ENOENT" }))
    const type = this.typeOf(clean)
    if (types !== undefined && !types.includes(type)) return Either.left(new WrongFilesystem({ op: "open", path, type, expected: types }))
    if (node.kind === "dir") return Either.left(new SystemError({ op: "read", path, code: "EISDIR" }))
    const content = new TextEncoder().encode(node.read())
    if (content.length > maxBytes) return Either.left(new SystemError({ op: "read", path, code: "EFBIG" }))
    return Either.right(content)
  }

  /** Go's `os.WriteFile(path, data, 0o600)`: kernfs refuses to create files and to open read-only ones for writing. */
  writeFile(path: string, data: string): Either.Either<void, SystemError> {
    return this.writeFileOn(path, data, undefined) as Either.Either<void, SystemError>
  }

  /** {@link Resctrl.writeFile} of a file that must be on one of `types` (checked once opened, before writing). */
  writeFileOn(path: string, data: string, types: ReadonlyArray<number> | undefined): Either.Either<void, SystemError | WrongFilesystem> {
    const clean = Path.clean(path)
    const node = this.lookup(clean)
    if (node === undefined) {
      const parent = this.lookup(Path.clean(path + "/.."))
      return Either.left(new SystemError({ op: "open", path, code: parent === undefined ? "ENOENT" : "EACCES" }))
    }
    if (node.kind === "dir") return Either.left(new SystemError({ op: "open", path, code: "EISDIR" }))
    if (node.write === undefined) return Either.left(new SystemError({ op: "open", path, code: "EACCES" }))
    const type = this.typeOf(clean)
    if (types !== undefined && !types.includes(type)) return Either.left(new WrongFilesystem({ op: "open", path, type, expected: types }))
    const code = node.write(data)
    return code === undefined ? Either.void : Either.left(new SystemError({ op: "write", path, code }))
  }

  /**
   * `open(path, O_RDONLY|O_DIRECTORY)` as a descriptor-relative handle:
   * `rmdir` of a control group through the mount point's handle removes the
   * group (its tasks go back to the default group); nothing else can be
   * removed (EPERM, or EBUSY for the mount point).
   */
  openDirectory(path: string): Either.Either<DirectoryHandle, SystemError> {
    const clean = Path.clean(path)
    const node = this.lookup(clean)
    if (node === undefined) return Either.left(new SystemError({ op: "open", path, code: "ENOENT" }))
    if (node.kind !== "dir") return Either.left(new SystemError({ op: "open", path, code: "ENOTDIR" }))
    return Either.right(this.handleOf(clean, path))
  }

  private handleOf(clean: string, path: string): DirectoryHandle {
    const childPath = (name: string) => (clean === "/" ? `/${name}` : `${clean}/${name}`)
    const named = (op: string, name: string) =>
      isComponent(name) ? Either.right(childPath(name)) : Either.left(new SystemError({ op, path: `${path}/${name}`, code: "EINVAL" }))
    const info: FileInfo = { type: "Directory", mode: 0o755, uid: 0, gid: 0, size: 0, ino: 1, dev: 0x40, nlink: 2, mtimeMs: 0 }
    return {
      path,
      info,
      filesystemType: this.typeOf(clean),
      entries: Effect.sync(() => {
        const node = this.lookup(clean)
        return node?.kind === "dir" ? node.list() : []
      }),
      openDirectory: (name) =>
        Effect.flatMap(named("openat", name), (child) => {
          const node = this.lookup(child)
          if (node === undefined) return Either.left(new SystemError({ op: "openat", path: `${path}/${name}`, code: "ENOENT" }))
          if (node.kind !== "dir") return Either.left(new SystemError({ op: "openat", path: `${path}/${name}`, code: "ENOTDIR" }))
          return Either.right(this.handleOf(child, `${path}/${name}`))
        }),
      removeDirectory: (name) =>
        Effect.flatMap(named("rmdir", name), (child) => {
          const fail = (code: string) => Either.left(new SystemError({ op: "rmdir", path: `${path}/${name}`, code }))
          const node = this.lookup(child)
          if (node === undefined) return fail("ENOENT")
          if (node.kind !== "dir") return fail("ENOTDIR")
          const group = this.groupAt(child)
          if (group === undefined || group.name === "") return fail(child === this.mountpoint ? "EBUSY" : "EPERM")
          for (const [pid, owner] of this.taskGroup) if (owner === group.name) this.taskGroup.set(pid, "")
          this.groups.delete(group.name)
          return Either.void
        }),
      removeFile: (name) =>
        Effect.flatMap(named("unlinkat", name), (child) => {
          const node = this.lookup(child)
          const code = node === undefined ? "ENOENT" : node.kind === "dir" ? "EISDIR" : "EPERM"
          return Either.left(new SystemError({ op: "unlinkat", path: `${path}/${name}`, code }))
        })
    }
  }

  /** Go's `os.ReadDir`: entries sorted by name. */
  readDirectory(path: string): Either.Either<ReadonlyArray<DirectoryEntry>, SystemError> {
    const node = this.lookup(Path.clean(path))
    if (node === undefined) return Either.left(new SystemError({ op: "open", path, code: "ENOENT" }))
    if (node.kind === "file") return Either.left(new SystemError({ op: "readdirent", path, code: "ENOTDIR" }))
    return Either.right(node.list())
  }

  /** Go's `os.MkdirAll`: a directory directly under the mount point is a new control group. */
  makeDirectoryAll(path: string, mode: number): Either.Either<void, SystemError> {
    const clean = Path.clean(path)
    const node = this.lookup(clean)
    if (node !== undefined) {
      return node.kind === "dir" ? Either.void : Either.left(new SystemError({ op: "mkdir", path, code: "ENOTDIR" }))
    }
    const parent = Path.clean(clean + "/..")
    if (parent !== clean) {
      const made = this.makeDirectoryAll(parent, mode)
      if (Either.isLeft(made)) return made
    }
    if (this.mountpoint === undefined || parent !== this.mountpoint) {
      return Either.left(new SystemError({ op: "mkdir", path, code: "EPERM" }))
    }
    const name = clean.slice(parent.length + (parent === "/" ? 0 : 1))
    const closid = this.freeClosid()
    if (closid === undefined) {
      this.lastCmd = "Out of CLOSIDs\n"
      return Either.left(new SystemError({ op: "mkdir", path, code: "ENOSPC" }))
    }
    this.lastCmd = ""
    this.groups.set(name, this.newGroup(name, closid))
    return Either.void
  }

  /** Sets monitoring counters of a group (`""` is the default group) in one domain. */
  setCounters(group: string, domain: number, counters: Counters): boolean {
    const g = this.groups.get(group)
    if (g === undefined || !this.domains.includes(domain)) return false
    g.counters.set(domain, { ...g.counters.get(domain), ...counters })
    return true
  }

  /** The control groups, by name (`""` is the default group). */
  groupNames(): ReadonlyArray<string> {
    return [...this.groups.keys()].sort()
  }

  /** The pids in a group, ascending. */
  tasksOf(group: string): ReadonlyArray<number> {
    return [...this.taskGroup].filter(([, name]) => name === group).map(([pid]) => pid).sort((a, b) => a - b)
  }

  private newGroup(name: string, closid: number): Group {
    const l3 = new Map<number, bigint>()
    const mb = new Map<number, bigint>()
    for (const d of this.domains) {
      if (this.cat !== undefined) l3.set(d, this.cat.full)
      if (this.mba !== undefined) mb.set(d, this.mba.mbps ? maxMbps : 100n)
    }
    return { name, closid, l3, mb, counters: new Map() }
  }

  private numClosids(): number {
    const counts = [this.cat?.numClosids, this.mba?.numClosids].filter((n): n is number => n !== undefined)
    return counts.length === 0 ? 32 : Math.min(...counts)
  }

  private freeClosid(): number | undefined {
    const used = new Set([...this.groups.values()].map((g) => g.closid))
    for (let id = 1; id < this.numClosids(); id++) if (!used.has(id)) return id
    return undefined
  }

  private groupAt(clean: string): Group | undefined {
    if (this.mountpoint === undefined) return undefined
    if (clean === this.mountpoint) return this.groups.get("")
    const rest = clean.startsWith(this.mountpoint + "/") ? clean.slice(this.mountpoint.length + 1) : undefined
    return rest === undefined || rest.includes("/") ? undefined : this.groups.get(rest)
  }

  /**
   * The node at a cleaned absolute path, or undefined: the mounted tree,
   * the (empty, unmounted) `/sys/fs/resctrl` the kernel creates whenever it
   * supports resctrl, and the directories above them.
   */
  private lookup(clean: string): Node | undefined {
    const under = (base: string) => clean === base || clean.startsWith(base === "/" ? "/" : base + "/")
    if (this.mountpoint !== undefined && under(this.mountpoint)) {
      return this.lookupMounted(clean.slice(this.mountpoint.length).split("/").filter((part) => part !== ""))
    }
    const anchors = [this.mountpoint, this.supported ? R.defaultMountpoint : undefined]
    if (anchors[1] !== undefined && clean === anchors[1]) return { kind: "dir", list: () => [] }
    const children = new Set<string>()
    for (const anchor of anchors) {
      if (anchor === undefined || anchor === clean) continue
      const prefix = clean === "/" ? "/" : clean + "/"
      if (anchor.startsWith(prefix)) children.add(anchor.slice(prefix.length).split("/")[0]!)
    }
    if (children.size === 0) return undefined
    return { kind: "dir", list: () => byName([...children].map(dir)) }
  }

  private lookupMounted(parts: ReadonlyArray<string>): Node | undefined {
    const [first, ...rest] = parts
    if (first === undefined) return this.groupDir(true)
    if (first === "info") return this.lookupInfo(rest)
    const root = this.groups.get("")!
    const inRoot = this.lookupInGroup(root, parts)
    if (inRoot !== undefined) return inRoot
    const group = this.groups.get(first)
    if (group === undefined || group.name === "") return undefined
    return rest.length === 0 ? this.groupDir(false) : this.lookupInGroup(group, rest)
  }

  private groupDir(isRoot: boolean): Node {
    return {
      kind: "dir",
      list: () => {
        const entries = [file("mode"), file("schemata"), file("tasks")]
        if (this.monFeatures !== undefined) entries.push(dir("mon_data"), dir("mon_groups"))
        if (isRoot) {
          entries.push(dir("info"))
          for (const name of this.groups.keys()) if (name !== "") entries.push(dir(name))
        }
        return byName(entries)
      }
    }
  }

  private lookupInGroup(group: Group, parts: ReadonlyArray<string>): Node | undefined {
    const [name, ...rest] = parts
    if (rest.length === 0) {
      switch (name) {
        case "mode":
          return { kind: "file", read: () => "shareable\n" }
        case "schemata":
          return { kind: "file", read: () => this.showSchemata(group), write: (data) => this.writeSchemata(group, data) }
        case "tasks":
          return {
            kind: "file",
            read: () => this.tasksOf(group.name).map((pid) => `${pid}\n`).join(""),
            write: (data) => this.writeTasks(group, data)
          }
      }
    }
    if (this.monFeatures === undefined) return undefined
    if (name === "mon_groups" && rest.length === 0) return { kind: "dir", list: () => [] }
    if (name !== "mon_data") return undefined
    const features = this.monFeatures.filter((f) => f === "llc_occupancy" || f.startsWith("mbm_"))
    const domainDir = (d: number) => `mon_L3_${String(d).padStart(2, "0")}`
    if (rest.length === 0) return { kind: "dir", list: () => byName(this.domains.map((d) => dir(domainDir(d)))) }
    const domain = this.domains.find((d) => domainDir(d) === rest[0])
    if (domain === undefined) return undefined
    if (rest.length === 1) return { kind: "dir", list: () => byName(features.map(file)) }
    const counter = rest[1] as keyof Counters
    if (rest.length !== 2 || !features.includes(counter)) return undefined
    return { kind: "file", read: () => `${group.counters.get(domain)?.[counter] ?? 0n}\n` }
  }

  private lookupInfo(parts: ReadonlyArray<string>): Node | undefined {
    const files: Record<string, Record<string, string> | undefined> = {
      L3: this.cat === undefined ? undefined : {
        cbm_mask: this.cat.mask,
        min_cbm_bits: String(this.cat.minCbmBits),
        num_closids: String(this.cat.numClosids),
        shareable_bits: "0"
      },
      MB: this.mba === undefined ? undefined : {
        bandwidth_gran: String(this.mba.bandwidthGran),
        delay_linear: String(this.mba.delayLinear),
        min_bandwidth: String(this.mba.minBandwidth),
        num_closids: String(this.mba.numClosids)
      },
      L3_MON: this.monFeatures === undefined ? undefined : {
        max_threshold_occupancy: "1179648",
        mon_features: this.monFeatures.join("\n"),
        num_rmids: String(this.numRmids)
      }
    }
    const [name, leaf, ...more] = parts
    if (name === undefined) {
      return {
        kind: "dir",
        list: () => byName([file("last_cmd_status"), ...Object.keys(files).filter((k) => files[k]).map(dir)])
      }
    }
    if (name === "last_cmd_status" && leaf === undefined) {
      return { kind: "file", read: () => this.lastCmd === "" ? "ok\n" : this.lastCmd }
    }
    const resource = files[name]
    if (resource === undefined || more.length > 0) return undefined
    if (leaf === undefined) return { kind: "dir", list: () => byName(Object.keys(resource).map(file)) }
    const value = resource[leaf]
    return value === undefined ? undefined : { kind: "file", read: () => value + "\n" }
  }

  private dataWidth(): number {
    return Math.max(this.cat === undefined ? 0 : Math.ceil(this.cat.bits / 4), this.mba === undefined ? 0 : 3)
  }

  private showSchemata(group: Group): string {
    const width = this.dataWidth()
    let out = ""
    if (this.cat !== undefined && group.closid < this.cat.numClosids) {
      out += "L3:" + this.domains.map((d) => `${d}=${group.l3.get(d)!.toString(16).padStart(width, "0")}`).join(";") + "\n"
    }
    if (this.mba !== undefined && group.closid < this.mba.numClosids) {
      out += "MB:" + this.domains.map((d) => `${d}=${group.mb.get(d)!.toString().padStart(width, " ")}`).join(";") + "\n"
    }
    return out
  }

  /** `rdtgroup_schemata_write`: every line parsed and validated before anything changes. */
  private writeSchemata(group: Group, data: string): string | undefined {
    if (!data.endsWith("\n")) return "EINVAL"
    this.lastCmd = ""
    const fail = (text: string | undefined) => {
      if (text !== undefined) this.lastCmd += text + "\n"
      return "EINVAL"
    }
    const staged = { L3: new Map<number, bigint>(), MB: new Map<number, bigint>() }
    for (const line of data.slice(0, -1).split("\n")) {
      const colon = line.indexOf(":")
      if (colon < 0) return fail("Missing ':'")
      const resource = strim(line.slice(0, colon))
      const values = line.slice(colon + 1)
      if (values === "") return fail(`Missing '${resource}' value`)
      const known = resource === "L3"
        ? this.cat !== undefined && group.closid < this.cat.numClosids
        : resource === "MB" && this.mba !== undefined && group.closid < this.mba.numClosids
      if (!known) return fail(`Unknown or unsupported resource name '${resource}'`)
      const target = staged[resource as "L3" | "MB"]
      for (const item of values.split(";")) {
        if (item === "") break
        const eq = item.indexOf("=")
        const id = eq < 0 ? undefined : kstrtoull(item.slice(0, eq), 10)
        if (id === undefined) return fail("Missing '=' or non-numeric domain")
        const domain = this.domains.find((d) => BigInt(d) === id)
        if (domain === undefined) return fail(undefined)
        if (target.has(domain)) return fail(`Duplicate domain ${domain}`)
        const text = strim(item.slice(eq + 1))
        const value = resource === "L3" ? this.validateCbm(text) : this.validateBandwidth(text)
        if (typeof value === "string") return fail(value)
        target.set(domain, value)
      }
    }
    for (const [d, v] of staged.L3) group.l3.set(d, v)
    for (const [d, v] of staged.MB) group.mb.set(d, v)
    return undefined
  }

  /** `cbm_validate`: hex, non-zero, within the mask, contiguous, wide enough. */
  private validateCbm(text: string): bigint | string {
    const cat = this.cat!
    const value = kstrtoull(text, 16)
    if (value === undefined) return `Non-hex character in the mask ${text}`
    if (value === 0n || value > cat.full) return "Mask out of range"
    const binary = value.toString(2)
    const ones = binary.replace(/0+$/, "")
    if (ones.includes("0")) return `The mask ${value.toString(16)} has non-consecutive 1-bits`
    if (ones.length < cat.minCbmBits) return `Need at least ${cat.minCbmBits} bits in the mask`
    return value
  }

  /** `bw_validate`: decimal; a percentage within range rounded up to the granularity, unless MBps. */
  private validateBandwidth(text: string): bigint | string {
    const mba = this.mba!
    const value = kstrtoull(text, 10)
    if (value === undefined) return `Non-decimal digit in MB value ${text}`
    if (mba.mbps) return value
    if (value < BigInt(mba.minBandwidth) || value > 100n) {
      return `MB value ${value} out of range [${mba.minBandwidth},100]`
    }
    const gran = BigInt(mba.bandwidthGran)
    return ((value + gran - 1n) / gran) * gran
  }

  /** `rdtgroup_tasks_write`: comma-separated pids, each moved on its own. */
  private writeTasks(group: Group, data: string): string | undefined {
    this.lastCmd = ""
    let rest: string | undefined = strim(data)
    while (rest !== undefined && rest !== "") {
      const comma: number = rest.indexOf(",")
      const item = strim(comma < 0 ? rest : rest.slice(0, comma))
      rest = comma < 0 ? undefined : rest.slice(comma + 1)
      const pid = kstrtoint(item)
      if (pid === undefined) {
        this.lastCmd += `Task list parsing error pid ${item}\n`
        return "EINVAL"
      }
      if (pid < 0) {
        this.lastCmd += `Invalid pid ${pid}\n`
        return "EINVAL"
      }
      if (pid === 0) continue
      if (!this.hasTask(pid)) {
        this.lastCmd += `No task ${pid}\nError while processing task ${pid}\n`
        return "ESRCH"
      }
      this.taskGroup.set(pid, group.name)
    }
    return undefined
  }
}
