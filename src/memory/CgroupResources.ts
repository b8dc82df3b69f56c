/**
 * The resource controllers of the simulated cgroupfs ({@link Cgroupfs}):
 * the files runc's stat and set code read and write, for cgroup v1
 * (`memory`, `cpu`, `cpuacct`, `cpuset`, `pids`, `blkio`, `hugetlb`) and
 * cgroup v2 (`memory`, `cpu`, `cpuset`, `io`, `pids`, `hugetlb`), laid out
 * as Linux 6.x lays them out.
 *
 * What the kernel derives, the simulation derives: `pids.current` counts the
 * live members below a cgroup; limits read back as they were written
 * (rounded to pages, clamped, `max`); the hierarchical limits of v1's
 * `memory.stat` are the smallest of the ancestors'. What only a workload
 * produces — memory in use, CPU time, I/O — is {@link Usage} a test seeds
 * and changes ({@link Cgroupfs.setUsage}), or charges ({@link Cgroupfs.charge}),
 * which hits the limit as the kernel does: v1 counts a failure and, past
 * the limit, the OOM killer kills a member; v2 counts `max`, `oom` and
 * `oom_kill` in `memory.events`.
 *
 * Writes are checked as the kernel checks them, with its errnos, for the
 * cases runc's messages depend on: a v1 memory limit below the usage is
 * EBUSY, one above the memory+swap limit (or a memsw limit below the memory
 * limit) EINVAL; `cpu.shares` is clamped to 2..262144; a CFS period outside
 * 1 ms..1 s or a quota below 1 ms is EINVAL; a CPU list naming a CPU the
 * machine does not have is ERANGE, one outside the parent's CPUs EINVAL;
 * `cpu.weight` and `io.weight` outside 1..10000 are ERANGE. A v2
 * `memory.max` below the usage is written, and the OOM killer then kills
 * members until the usage fits, as `memory_max_write` does.
 */
import * as Either from "effect/Either"

/** Bytes in a page. */
export const pageSize = 4096n

/** `PAGE_COUNTER_MAX` pages in bytes: what an unlimited v1 memory limit reads as. */
export const unlimitedBytes = ((1n << 63n) - 1n) / pageSize * pageSize

/** The default number of CPUs and memory nodes of the simulated machine. */
export const defaultCpus = 2

/** What only a workload produces: seeded and changed by tests. Every field is optional in a seed. */
export interface Usage {
  /** Bytes charged to the cgroup (v1 `memory.usage_in_bytes`, v2 `memory.current`). */
  readonly memory: bigint
  /** The highest `memory` seen (v1 `memory.max_usage_in_bytes`, v2 `memory.peak`). */
  readonly memoryPeak: bigint
  /** Of `memory`, the page cache (v1 `memory.stat` `cache`, v2 `file`); the rest is anonymous memory. */
  readonly cache: bigint
  /** Bytes swapped out (v1: memsw usage is `memory + swap`; v2 `memory.swap.current`). */
  readonly swap: bigint
  /** v1 `memory.kmem.usage_in_bytes`. */
  readonly kernel: bigint
  /** v1 `memory.kmem.tcp.usage_in_bytes`. */
  readonly kernelTcp: bigint
  /** More `memory.stat` keys, or other values for the ones the simulation computes. */
  readonly memoryStat: Readonly<Record<string, bigint>>
  /** CPU time in user mode, nanoseconds. */
  readonly cpuUser: bigint
  /** CPU time in kernel mode, nanoseconds. */
  readonly cpuSystem: bigint
  /** CFS periods elapsed, periods throttled, and time throttled (nanoseconds). */
  readonly periods: bigint
  readonly throttledPeriods: bigint
  readonly throttledTime: bigint
  /** Per-device I/O: bytes and operations read and written. */
  readonly io: ReadonlyArray<IoUsage>
  /** Huge pages in use by page size name (`2MB`), bytes. */
  readonly hugetlb: Readonly<Record<string, bigint>>
}

/** One device's I/O counters. */
export interface IoUsage {
  readonly major: number
  readonly minor: number
  readonly rbytes: bigint
  readonly wbytes: bigint
  readonly rios: bigint
  readonly wios: bigint
}

/** A partial {@link Usage}: what {@link Cgroupfs.setUsage} changes. */
export type UsageSeed = Partial<Usage>

const zeroUsage: Usage = {
  memory: 0n,
  memoryPeak: 0n,
  cache: 0n,
  swap: 0n,
  kernel: 0n,
  kernelTcp: 0n,
  memoryStat: {},
  cpuUser: 0n,
  cpuSystem: 0n,
  periods: 0n,
  throttledPeriods: 0n,
  throttledTime: 0n,
  io: [],
  hugetlb: {}
}

/** `max`, or a number. */
type Limit = bigint | "max"

/** The limits and counters of one cgroup. */
export interface ResourceState {
  usage: Usage
  // v1 memory
  memoryLimit: bigint
  memswLimit: bigint
  softLimit: bigint
  kmemLimit: bigint
  kmemTcpLimit: bigint
  swappiness: bigint
  oomKillDisable: boolean
  underOom: boolean
  memoryFailcnt: bigint
  memswFailcnt: bigint
  // v2 memory
  memoryMax: Limit
  memoryHigh: Limit
  memoryLow: bigint
  memoryMin: bigint
  swapMax: Limit
  events: { low: bigint; high: bigint; max: bigint; oom: bigint; oomKill: bigint; oomGroupKill: bigint }
  // cpu
  cpuShares: bigint
  cfsPeriod: bigint
  cfsQuota: bigint
  rtPeriod: bigint
  rtRuntime: bigint
  cpuWeight: bigint
  // cpuset
  cpus: ReadonlySet<number>
  mems: ReadonlySet<number>
  // pids
  pidsMax: Limit
  pidsEventsMax: bigint
  // io and blkio
  ioWeight: bigint
  ioMax: Map<string, string>
  blkioThrottle: Map<string, Map<string, bigint>>
  // hugetlb
  hugetlbLimit: Map<string, Limit>
  hugetlbPeak: Map<string, bigint>
  hugetlbFailcnt: Map<string, bigint>
  // cgroup2
  subtreeControl: Set<string>
}

const range = (n: number): ReadonlySet<number> => new Set(Array.from({ length: n }, (_, i) => i))

/** A new cgroup's state: the kernel's defaults, its CPUs and nodes those of its parent (v1 cpuset starts empty below the root). */
export const newState = (
  parent: ResourceState | undefined,
  machine: { readonly cpus: number; readonly nodes: number },
  version: 1 | 2
): ResourceState => ({
  usage: zeroUsage,
  memoryLimit: unlimitedBytes,
  memswLimit: unlimitedBytes,
  softLimit: unlimitedBytes,
  kmemLimit: unlimitedBytes,
  kmemTcpLimit: unlimitedBytes,
  swappiness: 60n,
  oomKillDisable: false,
  underOom: false,
  memoryFailcnt: 0n,
  memswFailcnt: 0n,
  memoryMax: "max",
  memoryHigh: "max",
  memoryLow: 0n,
  memoryMin: 0n,
  swapMax: "max",
  events: { low: 0n, high: 0n, max: 0n, oom: 0n, oomKill: 0n, oomGroupKill: 0n },
  cpuShares: 1024n,
  cfsPeriod: 100000n,
  cfsQuota: -1n,
  rtPeriod: 1000000n,
  rtRuntime: parent === undefined ? 950000n : 0n,
  cpuWeight: 100n,
  cpus: parent === undefined ? range(machine.cpus) : version === 1 ? new Set() : new Set(parent.cpus),
  mems: parent === undefined ? range(machine.nodes) : version === 1 ? new Set() : new Set(parent.mems),
  pidsMax: "max",
  pidsEventsMax: 0n,
  ioWeight: 100n,
  ioMax: new Map(),
  blkioThrottle: new Map(),
  hugetlbLimit: new Map(),
  hugetlbPeak: new Map(),
  hugetlbFailcnt: new Map(),
  subtreeControl: new Set()
})

/** Applies a usage seed; the peaks follow the usage up. */
export const seedUsage = (state: ResourceState, seed: UsageSeed): void => {
  const usage: Usage = { ...state.usage, ...seed }
  const memoryPeak = seed.memoryPeak ?? (usage.memory > usage.memoryPeak ? usage.memory : usage.memoryPeak)
  state.usage = { ...usage, memoryPeak }
  for (const [size, bytes] of Object.entries(usage.hugetlb)) {
    if (bytes > (state.hugetlbPeak.get(size) ?? 0n)) state.hugetlbPeak.set(size, bytes)
  }
}

// ---------------------------------------------------------------------------
// Parsing writes as the kernel does

/** The kernel's `simple_strtoull(s, &end, 0)`: the digits it took (base from the prefix) and the rest. */
const strtoull = (s: string): { readonly value: bigint; readonly rest: string } | undefined => {
  let base = 10
  let i = 0
  if (s.startsWith("0x") || s.startsWith("0X")) {
    base = 16
    i = 2
  } else if (s.startsWith("0") && s.length > 1) {
    base = 8
    i = 1
  }
  const start = i
  let value = 0n
  for (; i < s.length; i++) {
    const digit = Number.parseInt(s[i]!, base)
    if (Number.isNaN(digit)) break
    value = value * BigInt(base) + BigInt(digit)
  }
  if (i === start && base !== 8) return undefined
  return { value, rest: s.slice(i) }
}

const suffixShift: Readonly<Record<string, bigint>> = { k: 10n, m: 20n, g: 30n, t: 40n, p: 50n, e: 60n }

/** The kernel's `memparse`: a number (base 0) with an optional K/M/G/T/P/E suffix; anything after it fails. */
export const memparse = (text: string): bigint | undefined => {
  const parsed = strtoull(text)
  if (parsed === undefined) return undefined
  let { rest, value } = parsed
  const shift = rest.length > 0 ? suffixShift[rest[0]!.toLowerCase()] : undefined
  if (shift !== undefined) {
    value <<= shift
    rest = rest.slice(1)
  }
  return rest === "" ? value & ((1n << 64n) - 1n) : undefined
}

/** `page_counter_memparse(buf, max)`: `max` (v1: `-1`) or a size, in whole pages, at most `PAGE_COUNTER_MAX`. */
const pageCounterParse = (text: string, unlimited: string): Limit | undefined => {
  const trimmed = text.trim()
  if (trimmed === unlimited) return "max"
  const bytes = memparse(trimmed)
  if (bytes === undefined) return undefined
  const pages = bytes / pageSize
  return pages * pageSize >= unlimitedBytes ? "max" : pages * pageSize
}

/** The kernel's `kstrtoll` / `kstrtoull` on a trimmed write (base 0). */
const kstrtoll = (text: string): bigint | undefined => {
  const trimmed = text.trim()
  const negative = trimmed.startsWith("-")
  const parsed = strtoull(negative ? trimmed.slice(1) : trimmed.startsWith("+") ? trimmed.slice(1) : trimmed)
  if (parsed === undefined || parsed.rest !== "") return undefined
  const value = negative ? -parsed.value : parsed.value
  return value >= -(1n << 63n) && value < 1n << 64n ? value : undefined
}

/**
 * `bitmap_parselist` of a CPU or node list (`0-3,5`, empty for none): the
 * members, `EINVAL` for bad syntax, `ERANGE` for a number past the machine's.
 */
export const parseList = (text: string, size: number): Either.Either<ReadonlySet<number>, string> => {
  const trimmed = text.trim()
  const out = new Set<number>()
  if (trimmed === "") return Either.right(out)
  for (const part of trimmed.split(",")) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+)\/(\d+))?)?$/.exec(part)
    if (m === null) return Either.left("EINVAL")
    const from = Number(m[1])
    const to = m[2] === undefined ? from : Number(m[2])
    if (to < from) return Either.left("EINVAL")
    if (to >= size) return Either.left("ERANGE")
    const used = m[3] === undefined ? 1 : Number(m[3])
    const group = m[4] === undefined ? 1 : Number(m[4])
    if (used === 0 || group === 0 || used > group) return Either.left("EINVAL")
    for (let i = from; i <= to; i++) if ((i - from) % group < used) out.add(i)
  }
  return Either.right(out)
}

/** A list as the kernel prints it: ranges, comma-separated. */
export const formatList = (set: ReadonlySet<number>): string => {
  const sorted = [...set].sort((a, b) => a - b)
  const parts: Array<string> = []
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return parts.join(",")
}

const isSubset = (a: ReadonlySet<number>, b: ReadonlySet<number>): boolean => [...a].every((x) => b.has(x))

// ---------------------------------------------------------------------------
// Files

/** A control file: its content, and what writing does (absent: read-only). */
export interface ControlFile {
  readonly read: () => string
  readonly write?: (text: string) => Either.Either<void, string>
}

/** What a cgroup's files need to know about where the cgroup is. */
export interface FileContext {
  readonly state: ResourceState
  /** The parent's state (none for a root). */
  readonly parent: ResourceState | undefined
  /** The ancestors' states, nearest first. */
  readonly ancestors: ReadonlyArray<ResourceState>
  readonly isRoot: boolean
  /** Live members in the cgroup and below it. */
  readonly subtreeMembers: () => number
  /** Kills one member below the cgroup (the OOM killer's victim); false when there is none. */
  readonly killVictim: () => boolean
  readonly machine: { readonly cpus: number; readonly nodes: number }
  readonly hugePageSizes: ReadonlyArray<string>
}

const limitText = (limit: Limit): string => (limit === "max" ? "max" : limit.toString())

const v1Limit = (limit: Limit): bigint => (limit === "max" ? unlimitedBytes : limit)

const lines = (entries: ReadonlyArray<readonly [string, bigint | string]>): string =>
  entries.map(([k, v]) => `${k} ${v}\n`).join("")

const ticks = (ns: bigint): bigint => ns / 10_000_000n

/** Usage split over the CPUs: the first CPU did all of it unless a test seeds otherwise. */
const perCpu = (total: bigint, cpus: number): ReadonlyArray<bigint> =>
  Array.from({ length: cpus }, (_, i) => (i === 0 ? total : 0n))

const withStat = (computed: ReadonlyArray<readonly [string, bigint]>, seeded: Readonly<Record<string, bigint>>) => {
  const out: Array<readonly [string, bigint]> = computed.map(([k, v]) => [k, Object.prototype.hasOwnProperty.call(seeded, k) ? seeded[k]! : v])
  const known = new Set(computed.map(([k]) => k))
  for (const [k, v] of Object.entries(seeded)) if (!known.has(k)) out.push([k, v])
  return out
}

/**
 * An OOM in a cgroup the kernel's way: counted, and (unless v1's OOM killer
 * is disabled, which leaves the cgroup under OOM) one member killed.
 */
export const oomKill = (ctx: FileContext, version: 1 | 2): boolean => {
  const s = ctx.state
  if (version === 1 && s.oomKillDisable) {
    s.underOom = true
    return false
  }
  if (version === 2) {
    for (const at of [s, ...ctx.ancestors]) at.events = { ...at.events, oom: at.events.oom + 1n }
  }
  const killed = ctx.killVictim()
  if (killed) {
    for (const at of version === 2 ? [s, ...ctx.ancestors] : [s]) at.events = { ...at.events, oomKill: at.events.oomKill + 1n }
  }
  return killed
}

/** After a kill, the usage drops by the victim's share. */
const release = (s: ResourceState, membersBefore: number): void => {
  if (membersBefore <= 0) return
  const share = s.usage.memory / BigInt(membersBefore)
  const memory = s.usage.memory - share
  s.usage = { ...s.usage, memory, cache: s.usage.cache > memory ? memory : s.usage.cache }
}

/**
 * Charges `bytes` to the cgroup as an allocation would: past the limit, the
 * failure is counted and the OOM killer runs (v2 also counts `max`), a
 * member at a time, until the usage fits or nothing is left to kill.
 */
export const charge = (ctx: FileContext, version: 1 | 2, bytes: bigint): void => {
  const s = ctx.state
  s.usage = { ...s.usage, memory: s.usage.memory + bytes }
  if (s.usage.memory > s.usage.memoryPeak) s.usage = { ...s.usage, memoryPeak: s.usage.memory }
  const limit = version === 1 ? s.memoryLimit : v1Limit(s.memoryMax)
  while (s.usage.memory > limit) {
    if (version === 1) s.memoryFailcnt++
    else s.events = { ...s.events, max: s.events.max + 1n }
    const before = ctx.subtreeMembers()
    if (!oomKill(ctx, version)) {
      s.usage = { ...s.usage, memory: limit }
      return
    }
    release(s, before)
  }
}

/** The v1 files of the controllers a hierarchy carries. */
export const v1Files = (controllers: ReadonlyArray<string>, ctx: FileContext): ReadonlyMap<string, ControlFile> => {
  const s = ctx.state
  const files = new Map<string, ControlFile>()
  const has = (c: string) => controllers.includes(c)
  if (has("memory")) {
    const u = () => s.usage
    const bytes = (file: string, read: () => bigint) => files.set(file, { read: () => `${read()}\n` })
    files.set("memory.limit_in_bytes", {
      read: () => `${s.memoryLimit}\n`,
      write: (text) => {
        const limit = pageCounterParse(text, "-1")
        if (limit === undefined) return Either.left("EINVAL")
        const value = v1Limit(limit)
        if (value > s.memswLimit) return Either.left("EINVAL")
        if (u().memory > value) return Either.left("EBUSY")
        s.memoryLimit = value
        return Either.void
      }
    })
    files.set("memory.memsw.limit_in_bytes", {
      read: () => `${s.memswLimit}\n`,
      write: (text) => {
        const limit = pageCounterParse(text, "-1")
        if (limit === undefined) return Either.left("EINVAL")
        const value = v1Limit(limit)
        if (value < s.memoryLimit) return Either.left("EINVAL")
        if (u().memory + u().swap > value) return Either.left("EBUSY")
        s.memswLimit = value
        return Either.void
      }
    })
    files.set("memory.soft_limit_in_bytes", {
      read: () => `${s.softLimit}\n`,
      write: (text) => {
        const limit = pageCounterParse(text, "-1")
        if (limit === undefined) return Either.left("EINVAL")
        s.softLimit = v1Limit(limit)
        return Either.void
      }
    })
    for (const [file, key] of [["memory.kmem.limit_in_bytes", "kmemLimit"], ["memory.kmem.tcp.limit_in_bytes", "kmemTcpLimit"]] as const) {
      files.set(file, {
        read: () => `${s[key]}\n`,
        write: (text) => {
          const limit = pageCounterParse(text, "-1")
          if (limit === undefined) return Either.left("EINVAL")
          s[key] = v1Limit(limit)
          return Either.void
        }
      })
    }
    bytes("memory.usage_in_bytes", () => u().memory)
    bytes("memory.max_usage_in_bytes", () => u().memoryPeak)
    bytes("memory.failcnt", () => s.memoryFailcnt)
    bytes("memory.memsw.usage_in_bytes", () => u().memory + u().swap)
    bytes("memory.memsw.max_usage_in_bytes", () => u().memoryPeak + u().swap)
    bytes("memory.memsw.failcnt", () => s.memswFailcnt)
    bytes("memory.kmem.usage_in_bytes", () => u().kernel)
    bytes("memory.kmem.max_usage_in_bytes", () => u().kernel)
    bytes("memory.kmem.failcnt", () => 0n)
    bytes("memory.kmem.tcp.usage_in_bytes", () => u().kernelTcp)
    bytes("memory.kmem.tcp.max_usage_in_bytes", () => u().kernelTcp)
    bytes("memory.kmem.tcp.failcnt", () => 0n)
    files.set("memory.use_hierarchy", { read: () => "1\n", write: (text) => (kstrtoll(text) === 1n ? Either.void : Either.left("EINVAL")) })
    files.set("memory.swappiness", {
      read: () => `${s.swappiness}\n`,
      write: (text) => {
        const value = kstrtoll(text)
        if (value === undefined || value < 0n || value > 100n) return Either.left("EINVAL")
        s.swappiness = value
        return Either.void
      }
    })
    files.set("memory.oom_control", {
      read: () => lines([["oom_kill_disable", s.oomKillDisable ? 1n : 0n], ["under_oom", s.underOom ? 1n : 0n], ["oom_kill", s.events.oomKill]]),
      write: (text) => {
        const value = kstrtoll(text)
        if (ctx.isRoot || (value !== 0n && value !== 1n)) return Either.left("EINVAL")
        s.oomKillDisable = value === 1n
        if (!s.oomKillDisable) s.underOom = false
        return Either.void
      }
    })
    files.set("memory.stat", {
      read: () => {
        const rss = u().memory > u().cache ? u().memory - u().cache : 0n
        const limits = [s, ...ctx.ancestors]
        const hierarchical = (pick: (r: ResourceState) => bigint) => limits.map(pick).reduce((a, b) => (a < b ? a : b))
        const own: ReadonlyArray<readonly [string, bigint]> = [
          ["cache", u().cache],
          ["rss", rss],
          ["rss_huge", 0n],
          ["shmem", 0n],
          ["mapped_file", 0n],
          ["dirty", 0n],
          ["writeback", 0n],
          ["swap", u().swap],
          ["pgpgin", 0n],
          ["pgpgout", 0n],
          ["pgfault", 0n],
          ["pgmajfault", 0n],
          ["inactive_anon", rss],
          ["active_anon", 0n],
          ["inactive_file", u().cache],
          ["active_file", 0n],
          ["unevictable", 0n]
        ]
        const stat = withStat([
          ...own,
          ["hierarchical_memory_limit", hierarchical((r) => r.memoryLimit)],
          ["hierarchical_memsw_limit", hierarchical((r) => r.memswLimit)],
          ...own.map(([k, v]): readonly [string, bigint] => [`total_${k}`, v])
        ], u().memoryStat)
        return lines(stat)
      }
    })
    files.set("memory.numa_stat", {
      read: () => {
        const pages = (n: bigint) => n / pageSize
        const anon = pages(u().memory > u().cache ? u().memory - u().cache : 0n)
        const file = pages(u().cache)
        const row = (name: string, n: bigint) => `${name}=${n} N0=${n}\n`
        return row("total", anon + file) + row("file", file) + row("anon", anon) + row("unevictable", 0n) +
          row("hierarchical_total", anon + file) + row("hierarchical_file", file) + row("hierarchical_anon", anon) +
          row("hierarchical_unevictable", 0n)
      }
    })
  }
  if (has("cpu")) {
    files.set("cpu.shares", {
      read: () => `${s.cpuShares}\n`,
      write: (text) => {
        const value = kstrtoll(text)
        if (value === undefined || value < 0n) return Either.left("EINVAL")
        s.cpuShares = value < 2n ? 2n : value > 262144n ? 262144n : value
        return Either.void
      }
    })
    files.set("cpu.cfs_period_us", {
      read: () => `${s.cfsPeriod}\n`,
      write: (text) => {
        const value = kstrtoll(text)
        if (value === undefined || value < 1000n || value > 1000000n) return Either.left("EINVAL")
        s.cfsPeriod = value
        return Either.void
      }
    })
    files.set("cpu.cfs_quota_us", {
      read: () => `${s.cfsQuota}\n`,
      write: (text) => {
        const value = kstrtoll(text)
        if (value === undefined) return Either.left("EINVAL")
        if (value < 0n) {
          s.cfsQuota = -1n
          return Either.void
        }
        if (value < 1000n) return Either.left("EINVAL")
        s.cfsQuota = value
        return Either.void
      }
    })
    files.set("cpu.rt_period_us", {
      read: () => `${s.rtPeriod}\n`,
      write: (text) => {
        const value = kstrtoll(text)
        if (value === undefined || value <= 0n || value < s.rtRuntime) return Either.left("EINVAL")
        s.rtPeriod = value
        return Either.void
      }
    })
    files.set("cpu.rt_runtime_us", {
      read: () => `${s.rtRuntime}\n`,
      write: (text) => {
        const value = kstrtoll(text)
        if (value === undefined || value > s.rtPeriod) return Either.left("EINVAL")
        if (ctx.parent !== undefined && value > ctx.parent.rtRuntime) return Either.left("EINVAL")
        s.rtRuntime = value < 0n ? -1n : value
        return Either.void
      }
    })
    files.set("cpu.stat", {
      read: () =>
        lines([
          ["nr_periods", s.usage.periods],
          ["nr_throttled", s.usage.throttledPeriods],
          ["throttled_time", s.usage.throttledTime],
          ["nr_bursts", 0n],
          ["burst_time", 0n]
        ])
    })
  }
  if (has("cpuacct")) {
    const total = () => s.usage.cpuUser + s.usage.cpuSystem
    files.set("cpuacct.usage", { read: () => `${total()}\n` })
    files.set("cpuacct.usage_user", { read: () => `${s.usage.cpuUser}\n` })
    files.set("cpuacct.usage_sys", { read: () => `${s.usage.cpuSystem}\n` })
    files.set("cpuacct.usage_percpu", { read: () => `${perCpu(total(), ctx.machine.cpus).join(" ")} \n` })
    files.set("cpuacct.usage_percpu_user", { read: () => `${perCpu(s.usage.cpuUser, ctx.machine.cpus).join(" ")} \n` })
    files.set("cpuacct.usage_percpu_sys", { read: () => `${perCpu(s.usage.cpuSystem, ctx.machine.cpus).join(" ")} \n` })
    files.set("cpuacct.usage_all", {
      read: () => {
        const user = perCpu(s.usage.cpuUser, ctx.machine.cpus)
        const system = perCpu(s.usage.cpuSystem, ctx.machine.cpus)
        return "cpu user system\n" + user.map((v, i) => `${i} ${v} ${system[i]}\n`).join("")
      }
    })
    files.set("cpuacct.stat", { read: () => `user ${ticks(s.usage.cpuUser)}\nsystem ${ticks(s.usage.cpuSystem)}\n` })
  }
  if (has("cpuset")) {
    files.set("cpuset.cpus", cpusetList(ctx, "cpus", ctx.machine.cpus))
    files.set("cpuset.mems", cpusetList(ctx, "mems", ctx.machine.nodes))
    files.set("cpuset.effective_cpus", { read: () => `${formatList(s.cpus)}\n` })
    files.set("cpuset.effective_mems", { read: () => `${formatList(s.mems)}\n` })
    for (const flag of ["cpu_exclusive", "mem_exclusive", "mem_hardwall", "memory_migrate", "memory_pressure", "memory_spread_page", "memory_spread_slab"]) {
      files.set(`cpuset.${flag}`, { read: () => "0\n" })
    }
    files.set("cpuset.sched_load_balance", { read: () => "1\n" })
    files.set("cpuset.sched_relax_domain_level", { read: () => "-1\n" })
  }
  if (has("pids")) {
    files.set("pids.current", { read: () => `${ctx.subtreeMembers()}\n` })
    files.set("pids.peak", { read: () => `${ctx.subtreeMembers()}\n` })
    files.set("pids.events", { read: () => `max ${s.pidsEventsMax}\n` })
    if (!ctx.isRoot) files.set("pids.max", pidsMax(s))
  }
  if (has("blkio")) {
    const total = (rows: ReadonlyArray<string>, sum: bigint) => rows.join("") + `Total ${sum}\n`
    const byOp = (pick: (io: IoUsage) => readonly [bigint, bigint]) => () => {
      const rows: Array<string> = []
      let sum = 0n
      for (const d of s.usage.io) {
        const [r, w] = pick(d)
        const dev = `${d.major}:${d.minor}`
        rows.push(`${dev} Read ${r}\n`, `${dev} Write ${w}\n`, `${dev} Sync 0\n`, `${dev} Async ${r + w}\n`, `${dev} Discard 0\n`, `${dev} Total ${r + w}\n`)
        sum += r + w
      }
      return total(rows, sum)
    }
    const bytesRead = byOp((d) => [d.rbytes, d.wbytes])
    const iosRead = byOp((d) => [d.rios, d.wios])
    files.set("blkio.throttle.io_service_bytes", { read: bytesRead })
    files.set("blkio.throttle.io_service_bytes_recursive", { read: bytesRead })
    files.set("blkio.throttle.io_serviced", { read: iosRead })
    files.set("blkio.throttle.io_serviced_recursive", { read: iosRead })
    for (const kind of ["read_bps_device", "write_bps_device", "read_iops_device", "write_iops_device"]) {
      const file = `blkio.throttle.${kind}`
      files.set(file, {
        read: () => [...(s.blkioThrottle.get(kind) ?? new Map<string, bigint>())].map(([dev, v]) => `${dev} ${v}\n`).join(""),
        write: (text) => {
          const m = /^\s*(\d+):(\d+)\s+(\S+)\s*$/.exec(text)
          const value = m === null ? undefined : kstrtoll(m[3]!)
          if (m === null || value === undefined || value < 0n) return Either.left("EINVAL")
          const table = s.blkioThrottle.get(kind) ?? new Map<string, bigint>()
          if (value === 0n) table.delete(`${m[1]}:${m[2]}`)
          else table.set(`${m[1]}:${m[2]}`, value)
          s.blkioThrottle.set(kind, table)
          return Either.void
        }
      })
    }
    files.set("blkio.reset_stats", { read: () => "", write: () => Either.void })
  }
  if (has("hugetlb")) {
    for (const size of ctx.hugePageSizes) {
      const used = () => s.usage.hugetlb[size] ?? 0n
      files.set(`hugetlb.${size}.usage_in_bytes`, { read: () => `${used()}\n` })
      files.set(`hugetlb.${size}.max_usage_in_bytes`, { read: () => `${s.hugetlbPeak.get(size) ?? 0n}\n` })
      files.set(`hugetlb.${size}.failcnt`, { read: () => `${s.hugetlbFailcnt.get(size) ?? 0n}\n` })
      files.set(`hugetlb.${size}.limit_in_bytes`, hugetlbLimit(s, size, "-1"))
    }
  }
  return files
}

const cpusetList = (ctx: FileContext, key: "cpus" | "mems", size: number): ControlFile => ({
  read: () => `${formatList(ctx.state[key])}\n`,
  write: (text) =>
    Either.flatMap(parseList(text, size), (set) => {
      if (ctx.parent !== undefined && !isSubset(set, ctx.parent[key])) return Either.left("EINVAL")
      ctx.state[key] = set
      return Either.void
    })
})

const pidsMax = (s: ResourceState): ControlFile => ({
  read: () => `${limitText(s.pidsMax)}\n`,
  write: (text) => {
    const trimmed = text.trim()
    if (trimmed === "max") {
      s.pidsMax = "max"
      return Either.void
    }
    const value = kstrtoll(trimmed)
    if (value === undefined || value < 0n || value > 4194304n) return Either.left("EINVAL")
    s.pidsMax = value
    return Either.void
  }
})

/** A hugetlb page size name (`2MB`, `1GB`, `64KB`) in bytes. */
const hugePageBytes = (size: string): bigint => {
  const m = /^(\d+)([KMG])B$/.exec(size)
  if (m === null) return pageSize
  return BigInt(m[1]!) << (m[2] === "K" ? 10n : m[2] === "M" ? 20n : 30n)
}

/**
 * `hugetlb.<size>.limit_in_bytes` (v1) and `.max` (v2): a size rounded down
 * to whole huge pages; unlimited reads as `PAGE_COUNTER_MAX` pages in bytes
 * on both, as Linux 6.x prints it.
 */
const hugetlbLimit = (s: ResourceState, size: string, unlimited: string): ControlFile => ({
  read: () => `${v1Limit(s.hugetlbLimit.get(size) ?? "max")}\n`,
  write: (text) => {
    const limit = pageCounterParse(text, unlimited)
    if (limit === undefined) return Either.left("EINVAL")
    const unit = hugePageBytes(size)
    s.hugetlbLimit.set(size, limit === "max" ? limit : limit / unit * unit)
    return Either.void
  }
})

const v2Limit = (s: ResourceState, key: "memoryMax" | "memoryHigh" | "swapMax"): ControlFile => ({
  read: () => `${limitText(s[key])}\n`,
  write: (text) => {
    const limit = pageCounterParse(text, "max")
    if (limit === undefined) return Either.left("EINVAL")
    s[key] = limit
    return Either.void
  }
})

/** The weight files' range check: 1..10000, else ERANGE. */
const weight = (text: string): Either.Either<bigint, string> => {
  const value = kstrtoll(text)
  if (value === undefined) return Either.left("EINVAL")
  return value < 1n || value > 10000n ? Either.left("ERANGE") : Either.right(value)
}

/** The v2 controllers whose files a simulated cgroup can carry. */
export const v2Controllers: ReadonlyArray<string> = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"]

/**
 * The v2 files of a cgroup: `cpu.stat` always (the kernel keeps it without
 * the cpu controller), `memory.stat` in the root, and the files of each
 * enabled controller outside it.
 */
export const v2Files = (enabled: ReadonlySet<string>, ctx: FileContext): ReadonlyMap<string, ControlFile> => {
  const s = ctx.state
  const files = new Map<string, ControlFile>()
  const usec = (ns: bigint) => ns / 1000n
  files.set("cpu.stat", {
    read: () => {
      const u = s.usage
      const base: Array<readonly [string, bigint]> = [
        ["usage_usec", usec(u.cpuUser + u.cpuSystem)],
        ["user_usec", usec(u.cpuUser)],
        ["system_usec", usec(u.cpuSystem)],
        ["nice_usec", 0n]
      ]
      if (enabled.has("cpu") && !ctx.isRoot) {
        base.push(
          ["nr_periods", u.periods],
          ["nr_throttled", u.throttledPeriods],
          ["throttled_usec", usec(u.throttledTime)],
          ["nr_bursts", 0n],
          ["burst_usec", 0n]
        )
      }
      return lines(base)
    }
  })
  const memoryStat: ControlFile = {
    read: () => {
      const u = s.usage
      const anon = u.memory > u.cache ? u.memory - u.cache : 0n
      return lines(withStat([
        ["anon", anon],
        ["file", u.cache],
        ["kernel", u.kernel],
        ["kernel_stack", 0n],
        ["pagetables", 0n],
        ["sec_pagetables", 0n],
        ["percpu", 0n],
        ["sock", u.kernelTcp],
        ["vmalloc", 0n],
        ["shmem", 0n],
        ["file_mapped", 0n],
        ["file_dirty", 0n],
        ["file_writeback", 0n],
        ["swapcached", 0n],
        ["anon_thp", 0n],
        ["file_thp", 0n],
        ["shmem_thp", 0n],
        ["inactive_anon", anon],
        ["active_anon", 0n],
        ["inactive_file", u.cache],
        ["active_file", 0n],
        ["unevictable", 0n],
        ["slab_reclaimable", 0n],
        ["slab_unreclaimable", 0n],
        ["slab", 0n],
        ["pgfault", 0n],
        ["pgmajfault", 0n]
      ], u.memoryStat))
    }
  }
  if (ctx.isRoot) {
    files.set("memory.stat", memoryStat)
    return files
  }
  if (enabled.has("memory")) {
    files.set("memory.stat", memoryStat)
    files.set("memory.current", { read: () => `${s.usage.memory}\n` })
    files.set("memory.peak", { read: () => `${s.usage.memoryPeak}\n` })
    files.set("memory.max", {
      read: () => `${limitText(s.memoryMax)}\n`,
      write: (text) => {
        const limit = pageCounterParse(text, "max")
        if (limit === undefined) return Either.left("EINVAL")
        s.memoryMax = limit
        while (limit !== "max" && s.usage.memory > limit) {
          const before = ctx.subtreeMembers()
          if (!oomKill(ctx, 2)) break
          release(s, before)
        }
        return Either.void
      }
    })
    files.set("memory.high", v2Limit(s, "memoryHigh"))
    for (const [file, key] of [["memory.low", "memoryLow"], ["memory.min", "memoryMin"]] as const) {
      files.set(file, {
        read: () => `${s[key]}\n`,
        write: (text) => {
          const limit = pageCounterParse(text, "max")
          if (limit === undefined) return Either.left("EINVAL")
          s[key] = v1Limit(limit)
          return Either.void
        }
      })
    }
    files.set("memory.swap.current", { read: () => `${s.usage.swap}\n` })
    files.set("memory.swap.max", v2Limit(s, "swapMax"))
    files.set("memory.events", {
      read: () =>
        lines([
          ["low", s.events.low],
          ["high", s.events.high],
          ["max", s.events.max],
          ["oom", s.events.oom],
          ["oom_kill", s.events.oomKill],
          ["oom_group_kill", s.events.oomGroupKill]
        ])
    })
    files.set("memory.oom.group", { read: () => "0\n", write: (text) => (kstrtoll(text) === 0n || kstrtoll(text) === 1n ? Either.void : Either.left("EINVAL")) })
  }
  if (enabled.has("cpu")) {
    files.set("cpu.weight", {
      read: () => `${s.cpuWeight}\n`,
      write: (text) =>
        Either.map(weight(text), (value) => {
          s.cpuWeight = value
        })
    })
    files.set("cpu.max", {
      read: () => `${s.cfsQuota < 0n ? "max" : s.cfsQuota} ${s.cfsPeriod}\n`,
      write: (text) => {
        const parts = text.trim().split(/\s+/)
        if (parts.length < 1 || parts.length > 2 || parts[0] === "") return Either.left("EINVAL")
        const period = parts.length === 2 ? kstrtoll(parts[1]!) : s.cfsPeriod
        const quota = parts[0] === "max" ? -1n : kstrtoll(parts[0]!)
        if (period === undefined || quota === undefined) return Either.left("EINVAL")
        if (period < 1000n || period > 1000000n || (quota >= 0n && quota < 1000n)) return Either.left("EINVAL")
        s.cfsQuota = quota < 0n ? -1n : quota
        s.cfsPeriod = period
        return Either.void
      }
    })
  }
  if (enabled.has("cpuset")) {
    files.set("cpuset.cpus", cpusetList({ ...ctx, parent: undefined }, "cpus", ctx.machine.cpus))
    files.set("cpuset.mems", cpusetList({ ...ctx, parent: undefined }, "mems", ctx.machine.nodes))
    files.set("cpuset.cpus.effective", { read: () => `${formatList(s.cpus)}\n` })
    files.set("cpuset.mems.effective", { read: () => `${formatList(s.mems)}\n` })
  }
  if (enabled.has("io")) {
    files.set("io.stat", {
      read: () =>
        s.usage.io.map((d) => `${d.major}:${d.minor} rbytes=${d.rbytes} wbytes=${d.wbytes} rios=${d.rios} wios=${d.wios} dbytes=0 dios=0\n`).join("")
    })
    files.set("io.weight", {
      read: () => `default ${s.ioWeight}\n`,
      write: (text) => {
        const parts = text.trim().split(/\s+/)
        const value = parts.length === 2 && parts[0] === "default" ? parts[1]! : parts.length === 1 ? parts[0]! : undefined
        if (value === undefined) return parts.length === 2 && /^\d+:\d+$/.test(parts[0]!) ? Either.left("ENODEV") : Either.left("EINVAL")
        return Either.map(weight(value), (w) => {
          s.ioWeight = w
        })
      }
    })
    files.set("io.max", {
      read: () => [...s.ioMax].map(([dev, v]) => `${dev} ${v}\n`).join(""),
      write: (text) => {
        const m = /^\s*(\d+:\d+)((?:\s+(?:rbps|wbps|riops|wiops)=(?:max|\d+))+)\s*$/.exec(text)
        if (m === null) return Either.left("EINVAL")
        const current = new Map<string, string>([["rbps", "max"], ["wbps", "max"], ["riops", "max"], ["wiops", "max"]])
        for (const item of (s.ioMax.get(m[1]!) ?? "").split(" ").filter((x) => x !== "")) {
          const [k, v] = item.split("=")
          current.set(k!, v!)
        }
        for (const item of m[2]!.trim().split(/\s+/)) {
          const [k, v] = item.split("=")
          current.set(k!, v!)
        }
        const rendered = [...current].map(([k, v]) => `${k}=${v}`).join(" ")
        if ([...current.values()].every((v) => v === "max")) s.ioMax.delete(m[1]!)
        else s.ioMax.set(m[1]!, rendered)
        return Either.void
      }
    })
  }
  if (enabled.has("pids")) {
    files.set("pids.current", { read: () => `${ctx.subtreeMembers()}\n` })
    files.set("pids.peak", { read: () => `${ctx.subtreeMembers()}\n` })
    files.set("pids.events", { read: () => `max ${s.pidsEventsMax}\n` })
    files.set("pids.max", pidsMax(s))
  }
  if (enabled.has("hugetlb")) {
    for (const size of ctx.hugePageSizes) {
      files.set(`hugetlb.${size}.current`, { read: () => `${s.usage.hugetlb[size] ?? 0n}\n` })
      files.set(`hugetlb.${size}.max`, hugetlbLimit(s, size, "max"))
      files.set(`hugetlb.${size}.events`, { read: () => `max ${s.hugetlbFailcnt.get(size) ?? 0n}\n` })
      files.set(`hugetlb.${size}.events.local`, { read: () => `max ${s.hugetlbFailcnt.get(size) ?? 0n}\n` })
      files.set(`hugetlb.${size}.rsvd.current`, { read: () => "0\n" })
      files.set(`hugetlb.${size}.rsvd.max`, { read: () => "max\n" })
    }
  }
  return files
}
