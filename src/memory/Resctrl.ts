/**
 * The simulated host's resctrl filesystem, mounted into its one tree
 * ({@link MemoryFs}): the directory tree `mount -t resctrl` shows, control
 * groups with CLOSIDs, `schemata` and `tasks` files validated the way Linux
 * 6.x validates them, `info/last_cmd_status` with the kernel's
 * explanations, and monitoring counters under `mon_data`.
 *
 * The default is a host without RDT: `/sys/fs/resctrl` does not exist.
 * Enabling any feature makes the hardware "present": the kernel's empty
 * `/sys/fs/resctrl` appears (on sysfs), and resctrl is mounted there unless
 * `mountpoint` says elsewhere (or `null`: present but not mounted). The
 * mount is in the host's mount table, so `/proc/self/mountinfo` shows it.
 *
 * `mkdir` directly under the mount makes a control group (ENOSPC, with
 * `Out of CLOSIDs`, when there is no CLOSID left); `rmdir` of a group moves
 * its tasks back to the default group, as the kernel does; every other
 * `mkdir` or `rmdir` is EPERM, creating files EACCES.
 *
 * Simplifications: every group is shareable (no exclusive or pseudo-locked
 * modes, no CDP), and monitoring groups cannot be created (`mkdir` under
 * `mon_groups` fails with EPERM).
 */
import * as Either from "effect/Either"
import type { SystemError } from "../ContainerError.js"
import * as R from "../internal/intelrdt/resctrl.js"
import * as Path from "../internal/path.js"
import type { DeviceHandlers, DirectoryInode, FilesystemDriver, MemoryFs } from "./MemoryFs.js"

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

/** The kernel's ceiling for MBps values (`MBA_MAX_MBPS`). */
const maxMbps = 4294967295n

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

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The simulated resctrl filesystem; see the module documentation. */
export class Resctrl {
  readonly supported: boolean
  /** Where it is mounted; undefined when it is not. */
  readonly mountpoint: string | undefined
  readonly domains: ReadonlyArray<number>
  private readonly cat: Cat | undefined
  private readonly mba: Mba | undefined
  private readonly monFeatures: ReadonlyArray<string> | undefined
  private readonly numRmids: number
  private readonly hasTask: (pid: number) => boolean
  private readonly groups = new Map<string, Group>()
  private readonly taskGroup = new Map<number, string>()
  /** The directory inode of each group, `""` being the mount root. */
  private readonly groupDirs = new Map<DirectoryInode, Group>()
  private lastCmd = ""

  /** Sets up the hardware in `options` on `fs`, mounting resctrl where it says. */
  constructor(private readonly fs: MemoryFs, options: ResctrlOptions = {}) {
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
    const root = this.newGroup("", 0)
    this.groups.set("", root)
    if (!this.supported) return
    fs.asRoot(() => {
      if (fs.inodeAt(R.defaultMountpoint) === undefined) Either.getOrThrow(fs.mkdir(R.defaultMountpoint, 0o755))
      if (this.mountpoint === undefined) return
      if (fs.inodeAt(this.mountpoint) === undefined) Either.getOrThrow(makeDirectories(fs, this.mountpoint))
      const dir = Either.getOrThrow(fs.mount(this.mountpoint, {
        type: R.RDTGROUP_SUPER_MAGIC,
        fstype: "resctrl",
        superOptions: this.mba?.mbps === true ? "rw,mba_MBps" : "rw",
        driver: this.driver
      }))
      this.fillGroup(root, dir, true)
    })
  }

  /** What mkdir, rmdir and file creation do under the mount. */
  private readonly driver: FilesystemDriver = {
    mkdir: (parent, name) => {
      const owner = this.groupDirs.get(parent)
      if (owner === undefined || owner.name !== "") return Either.left("EPERM")
      const closid = this.freeClosid()
      if (closid === undefined) {
        this.lastCmd = "Out of CLOSIDs\n"
        return Either.left("ENOSPC")
      }
      this.lastCmd = ""
      return Either.right((dir: DirectoryInode) => {
        const group = this.newGroup(name, closid)
        this.groups.set(name, group)
        this.fillGroup(group, dir, false)
      })
    },
    rmdir: (_parent, _name, dir) => {
      const group = this.groupDirs.get(dir)
      if (group === undefined || group.name === "") return "EPERM"
      for (const [pid, owner] of this.taskGroup) if (owner === group.name) this.taskGroup.set(pid, "")
      this.groups.delete(group.name)
      this.groupDirs.delete(dir)
      return undefined
    },
    create: "EACCES",
    unlink: "EPERM"
  }

  /** A group directory's files and subdirectories; the root's also has `info`. */
  private fillGroup(group: Group, dir: DirectoryInode, isRoot: boolean): void {
    this.groupDirs.set(dir, group)
    const fs = this.fs
    const text = (content: () => string): DeviceHandlers => ({ read: () => Either.right(encoder.encode(content())) })
    const writable = (content: () => string, write: (data: string) => string | undefined): DeviceHandlers => ({
      read: () => Either.right(encoder.encode(content())),
      write: (data) => {
        const code = write(decoder.decode(data))
        return code === undefined ? Either.void : Either.left(code)
      }
    })
    fs.addDeviceFile(dir, "mode", 0o644, text(() => "shareable\n"))
    fs.addDeviceFile(dir, "schemata", 0o644, writable(() => this.showSchemata(group), (data) => this.writeSchemata(group, data)))
    fs.addDeviceFile(
      dir,
      "tasks",
      0o644,
      writable(() => this.tasksOf(group.name).map((pid) => `${pid}\n`).join(""), (data) => this.writeTasks(group, data))
    )
    if (this.monFeatures !== undefined) {
      const features = this.monFeatures.filter((f) => f === "llc_occupancy" || f.startsWith("mbm_"))
      const monData = fs.addDirectory(dir, "mon_data", 0o555)
      for (const domain of this.domains) {
        const domainDir = fs.addDirectory(monData, `mon_L3_${String(domain).padStart(2, "0")}`, 0o555)
        for (const feature of features) {
          const counter = feature as keyof Counters
          fs.addDeviceFile(domainDir, feature, 0o444, text(() => `${group.counters.get(domain)?.[counter] ?? 0n}\n`))
        }
      }
      fs.addDirectory(dir, "mon_groups", 0o755)
    }
    if (isRoot) this.fillInfo(fs.addDirectory(dir, "info", 0o555))
  }

  /** `info/`: `last_cmd_status`, and the read-only parameters of each resource. */
  private fillInfo(info: DirectoryInode): void {
    const fs = this.fs
    fs.addDeviceFile(info, "last_cmd_status", 0o444, {
      read: () => Either.right(encoder.encode(this.lastCmd === "" ? "ok\n" : this.lastCmd))
    })
    const resources: Record<string, Record<string, string> | undefined> = {
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
    for (const [name, files] of Object.entries(resources)) {
      if (files === undefined) continue
      const dir = fs.addDirectory(info, name, 0o555)
      for (const [file, value] of Object.entries(files)) {
        const content = encoder.encode(value + "\n")
        fs.addDeviceFile(dir, file, 0o444, { read: () => Either.right(content) })
      }
    }
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

/** `mkdir -p` as root: the directories above a mount point that is not at the usual place. */
const makeDirectories = (fs: MemoryFs, path: string): Either.Either<void, SystemError> => {
  let at = ""
  for (const part of path.split("/").filter((p) => p !== "")) {
    at = `${at}/${part}`
    if (fs.inodeAt(at) !== undefined) continue
    const made = fs.mkdir(at, 0o755)
    if (Either.isLeft(made)) return made
  }
  return Either.void
}
