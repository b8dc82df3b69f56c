/**
 * cgroup v1 stats, as runc's fs driver reads them
 * (`libcontainer/cgroups/fs/{cpuset,memory,cpu,cpuacct,pids,blkio,hugetlb,rdma}.go`
 * `GetStats`, and `fs.go` / `systemd/v1.go` `GetStats`): one parser per
 * controller over the controller's directory, and {@link getStats} running
 * them in runc's order, stopping at the first failure.
 *
 * The content parsers are pure (`Either`); the readers combine them with a
 * {@link StatReader}, treating a missing file exactly where runc does.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { parseUint } from "../../strconv.js"
import { parseCpusetList } from "./cpuset.js"
import { CgroupParseError, CgroupScanError, malformedLine, type StatFailure } from "./errors.js"
import { fields, fieldsFunc, parseUintError, scanLines, splitN, tokenTooLong } from "./goText.js"
import {
  isNotExist,
  keyValue,
  maxUint64,
  readParamInt,
  readParamUint,
  readValueByKey,
  type StatReader
} from "./reader.js"
import {
  type BlkioStatEntry,
  type BlkioStats,
  type CPUSetStats,
  type CpuUsage,
  emptyMemoryData,
  type HugetlbStats,
  type MemoryData,
  type MemoryStats,
  type MutableStats,
  newStats,
  type PageStats,
  type PageUsageByNUMA,
  type PidsStats,
  type RdmaEntry,
  type RdmaStats,
  type Stats,
  type ThrottlingData
} from "./types.js"

type Reader<E extends { readonly message: string }> = StatReader<E>
type Msg = { readonly message: string }

const mod64 = (n: bigint): bigint => n & maxUint64

// ---------------------------------------------------------------------------
// cpu

/**
 * `cpu.stat`'s throttling counters (`CpuGroup.GetStats`): every line must be
 * `<key> <value>`; `nr_periods`, `nr_throttled`, `throttled_time` are kept
 * (the last of each wins). runc does not check the scanner's error here, so
 * an overlong line just ends the file.
 */
export const parseCpuStat = (
  path: string,
  content: string,
  into: ThrottlingData
): Either.Either<ThrottlingData, CgroupParseError> => {
  const file = "cpu.stat"
  let out = into
  for (const line of scanLines(content).lines) {
    const kv = keyValue(line)
    if (Either.isLeft(kv)) return Either.left(new CgroupParseError({ path, file, reason: kv.left }))
    const [key, value] = kv.right
    if (key === "nr_periods") out = { ...out, periods: value }
    else if (key === "nr_throttled") out = { ...out, throttled_periods: value }
    else if (key === "throttled_time") out = { ...out, throttled_time: value }
  }
  return Either.right(out)
}

/** `CpuGroup.GetStats`: a missing `cpu.stat` leaves the counters alone. */
export const statCpu = <E extends Msg>(reader: Reader<E>, path: string, stats: MutableStats) =>
  Effect.gen(function*() {
    const content = yield* Effect.catchIf(
      Effect.map(reader.read(path, "cpu.stat"), (c): string | undefined => c),
      (e) => reader.errno(e) === "ENOENT",
      () => Effect.succeed(undefined)
    )
    if (content === undefined) return
    const throttling = yield* parseCpuStat(path, content, stats.cpu_stats.throttling_data)
    stats.cpu_stats = { ...stats.cpu_stats, throttling_data: throttling }
  })

// ---------------------------------------------------------------------------
// cpuacct

/** `_SC_CLK_TCK`, fixed at 100 on Linux as runc assumes. */
const clockTicks = 100n

/**
 * `cpuacct.stat` (`getCpuUsageBreakdown`): `user <ticks> system <ticks>` as
 * user and kernel nanoseconds, computed in uint64 arithmetic as runc does
 * (`ticks * 10^9` wraps before the division). Anything else is a malformed
 * line quoting the whole content.
 */
export const parseCpuacctStat = (
  path: string,
  content: string
): Either.Either<readonly [user: bigint, kernel: bigint], CgroupParseError> => {
  const file = "cpuacct.stat"
  const f = fields(content)
  if (f.length < 4 || f[0] !== "user" || f[2] !== "system") return Either.left(malformedLine(path, file, content))
  const user = parseUint(f[1]!, 10, 64)
  if (user._tag === "Err") return Either.left(new CgroupParseError({ path, file, reason: parseUintError(f[1]!, user.kind) }))
  const kernel = parseUint(f[3]!, 10, 64)
  if (kernel._tag === "Err") {
    return Either.left(new CgroupParseError({ path, file, reason: parseUintError(f[3]!, kernel.kind) }))
  }
  const toNanos = (ticks: bigint) => mod64(ticks * 1_000_000_000n) / clockTicks
  return Either.right([toNanos(user.value), toNanos(kernel.value)] as const)
}

/** `cpuacct.usage_percpu` (`getPercpuUsage`): whitespace-separated uint64s. */
export const parsePercpuUsage = (path: string, content: string): Either.Either<ReadonlyArray<bigint>, CgroupParseError> => {
  const out: Array<bigint> = []
  for (const value of fields(content)) {
    const parsed = parseUint(value, 10, 64)
    if (parsed._tag === "Err") {
      return Either.left(
        new CgroupParseError({ path, file: "cpuacct.usage_percpu", reason: parseUintError(value, parsed.kind) })
      )
    }
    out.push(parsed.value)
  }
  return Either.right(out)
}

/**
 * `cpuacct.usage_all` (`getPercpuUsageInModes`): the first line is a header
 * and skipped; a line that is not exactly three space-separated columns
 * (`cpu user system`) is skipped; the values are per-CPU kernel and user
 * nanoseconds. An overlong line fails (`bufio.Scanner: token too long`).
 */
export const parseCpuacctUsageAll = (
  path: string,
  content: string
): Either.Either<readonly [kernel: ReadonlyArray<bigint>, user: ReadonlyArray<bigint>], CgroupParseError> => {
  const file = "cpuacct.usage_all"
  const scanned = scanLines(content)
  const kernel: Array<bigint> = []
  const user: Array<bigint> = []
  for (const line of scanned.lines.slice(1)) {
    const columns = splitN(line, " ", 4)
    if (columns.length !== 3) continue
    const k = parseUint(columns[2]!, 10, 64)
    if (k._tag === "Err") return Either.left(new CgroupParseError({ path, file, reason: parseUintError(columns[2]!, k.kind) }))
    kernel.push(k.value)
    const u = parseUint(columns[1]!, 10, 64)
    if (u._tag === "Err") return Either.left(new CgroupParseError({ path, file, reason: parseUintError(columns[1]!, u.kind) }))
    user.push(u.value)
  }
  if (scanned.tooLong) return Either.left(new CgroupParseError({ path, file, reason: tokenTooLong }))
  return Either.right([kernel, user] as const)
}

/**
 * `CpuacctGroup.GetStats`: nothing when the directory does not exist;
 * otherwise `cpuacct.stat`, `cpuacct.usage`, `cpuacct.usage_percpu` must all
 * be readable, while a missing `cpuacct.usage_all` (kernels before 4.16)
 * leaves the per-mode lists empty.
 */
export const statCpuacct = <E extends Msg>(reader: Reader<E>, path: string, stats: MutableStats) =>
  Effect.gen(function*() {
    if (!(yield* reader.exists(path))) return
    const [user, kernel] = yield* Effect.flatMap(reader.read(path, "cpuacct.stat"), (c) => parseCpuacctStat(path, c))
    const total = yield* readParamUint(reader, path, "cpuacct.usage")
    const percpu = yield* Effect.flatMap(reader.read(path, "cpuacct.usage_percpu"), (c) => parsePercpuUsage(path, c))
    const modes = yield* reader.read(path, "cpuacct.usage_all").pipe(
      Effect.map((c): string | undefined => c),
      Effect.catchIf((e) => reader.errno(e) === "ENOENT", () => Effect.succeed(undefined))
    )
    const [percpuKernel, percpuUser] = modes === undefined ? [[], []] : yield* parseCpuacctUsageAll(path, modes)
    const usage: CpuUsage = {
      total_usage: total,
      percpu_usage: percpu,
      percpu_usage_in_kernelmode: percpuKernel,
      percpu_usage_in_usermode: percpuUser,
      usage_in_kernelmode: kernel,
      usage_in_usermode: user
    }
    stats.cpu_stats = { ...stats.cpu_stats, cpu_usage: usage }
  })

// ---------------------------------------------------------------------------
// cpuset

const cpusetFlags = [
  ["cpu_exclusive", "cpuset.cpu_exclusive"],
  ["mem_hardwall", "cpuset.mem_hardwall"],
  ["mem_exclusive", "cpuset.mem_exclusive"],
  ["memory_migrate", "cpuset.memory_migrate"],
  ["memory_spread_page", "cpuset.memory_spread_page"],
  ["memory_spread_slab", "cpuset.memory_spread_slab"],
  ["memory_pressure", "cpuset.memory_pressure"],
  ["sched_load_balance", "cpuset.sched_load_balance"]
] as const

/**
 * `CpusetGroup.GetStats`: the CPU and memory node lists and the flags, in
 * runc's order (cpus, cpu_exclusive, mems, the other flags,
 * sched_relax_domain_level). A missing file leaves its field at zero; any
 * other failure ends the read.
 */
export const statCpuset = <E extends Msg>(reader: Reader<E>, path: string, stats: MutableStats) =>
  Effect.gen(function*() {
    const absent = <A>(fallback: A) => (e: StatFailure<E>) =>
      isNotExist(reader, e) ? Effect.succeed(fallback) : Effect.fail(e)
    const list = (file: string) =>
      Effect.flatMap(reader.read(path, file), (c) => parseCpusetList(path, file, c)).pipe(
        Effect.catchAll(absent<ReadonlyArray<number>>([]))
      )
    const uint = (file: string) => readParamUint(reader, path, file).pipe(Effect.catchAll(absent(0n)))
    const cpus = yield* list("cpuset.cpus")
    const cpuExclusive = yield* uint("cpuset.cpu_exclusive")
    const mems = yield* list("cpuset.mems")
    const flags: Record<string, bigint> = { cpu_exclusive: cpuExclusive }
    for (const [key, file] of cpusetFlags.slice(1)) flags[key] = yield* uint(file)
    const relax = yield* readParamInt(reader, path, "cpuset.sched_relax_domain_level").pipe(Effect.catchAll(absent(0n)))
    const cpuset: CPUSetStats = {
      cpus,
      cpu_exclusive: flags["cpu_exclusive"]!,
      mems,
      mem_hardwall: flags["mem_hardwall"]!,
      mem_exclusive: flags["mem_exclusive"]!,
      memory_migrate: flags["memory_migrate"]!,
      memory_spread_page: flags["memory_spread_page"]!,
      memory_spread_slab: flags["memory_spread_slab"]!,
      memory_pressure: flags["memory_pressure"]!,
      sched_load_balance: flags["sched_load_balance"]!,
      sched_relax_domain_level: relax
    }
    stats.cpuset_stats = cpuset
  })

// ---------------------------------------------------------------------------
// memory

/**
 * `memory.stat` as runc's v1 driver reads it: every line `<key> <value>`
 * (negative values are 0), all kept; an overlong line silently ends the file
 * (runc does not check the scanner's error here).
 */
export const parseMemoryStatV1 = (
  path: string,
  content: string
): Either.Either<ReadonlyMap<string, bigint>, CgroupParseError> => {
  const out = new Map<string, bigint>()
  for (const line of scanLines(content).lines) {
    const kv = keyValue(line)
    if (Either.isLeft(kv)) return Either.left(new CgroupParseError({ path, file: "memory.stat", reason: kv.left }))
    out.set(kv.right[0], kv.right[1])
  }
  return Either.right(out)
}

const numaFields: Readonly<Record<string, readonly [hierarchical: boolean, key: "total" | "file" | "anon" | "unevictable"]>> = {
  total: [false, "total"],
  file: [false, "file"],
  anon: [false, "anon"],
  unevictable: [false, "unevictable"],
  hierarchical_total: [true, "total"],
  hierarchical_file: [true, "file"],
  hierarchical_anon: [true, "anon"],
  hierarchical_unevictable: [true, "unevictable"]
}

/**
 * `memory.numa_stat` (`getPageUsageByNUMA`): rows `<name>=<total> N0=<pages> …`
 * for the eight names runc knows (others, and rows whose first column has
 * no `=`, are skipped). The total is read with Go's base-0 rules (`0x…`
 * accepted); node numbers are uint8s. A later column without `=` or not
 * `N<id>` is a malformed line; an overlong line fails.
 */
export const parseNumaStat = (path: string, content: string): Either.Either<PageUsageByNUMA, CgroupParseError> => {
  const file = "memory.numa_stat"
  const rows: Record<string, PageStats> = {}
  const scanned = scanLines(content)
  for (const line of scanned.lines) {
    const columns = splitN(line, " ", 256)
    let target: string | undefined
    let total = 0n
    let nodes: Map<number, bigint> | undefined
    for (let i = 0; i < columns.length; i++) {
      const byNode = splitN(columns[i]!, "=", 2)
      if (byNode.length < 2) {
        if (i === 0) break
        return Either.left(malformedLine(path, file, line))
      }
      const [key, val] = byNode as [string, string]
      if (i === 0) {
        if (!Object.prototype.hasOwnProperty.call(numaFields, key)) break
        target = key
        const parsed = parseUint(val, 0, 64)
        if (parsed._tag === "Err") return Either.left(new CgroupParseError({ path, file, reason: parseUintError(val, parsed.kind) }))
        total = parsed.value
        nodes = new Map()
        rows[target] = { total, nodes }
      } else {
        if (key.length < 2 || key[0] !== "N") return Either.left(malformedLine(path, file, line))
        const node = parseUint(key.slice(1), 10, 8)
        if (node._tag === "Err") {
          return Either.left(new CgroupParseError({ path, file, reason: parseUintError(key.slice(1), node.kind) }))
        }
        const usage = parseUint(val, 10, 64)
        if (usage._tag === "Err") return Either.left(new CgroupParseError({ path, file, reason: parseUintError(val, usage.kind) }))
        nodes!.set(Number(node.value), usage.value)
      }
    }
  }
  if (scanned.tooLong) return Either.left(new CgroupParseError({ path, file, reason: tokenTooLong }))
  const empty: PageStats = { total: 0n, nodes: new Map() }
  const row = (name: string): PageStats => rows[name] ?? empty
  return Either.right({
    total: row("total"),
    file: row("file"),
    anon: row("anon"),
    unevictable: row("unevictable"),
    hierarchical: {
      total: row("hierarchical_total"),
      file: row("hierarchical_file"),
      anon: row("hierarchical_anon"),
      unevictable: row("hierarchical_unevictable")
    }
  })
}

/**
 * `getMemoryData(path, name)`: `<module>.usage_in_bytes`, `.max_usage_in_bytes`,
 * `.failcnt`, `.limit_in_bytes` for `memory` (`name` empty) or
 * `memory.<name>`. For a named family (memsw, kmem, kmem.tcp, optional in
 * the kernel) a missing usage file means zeros; any other failure fails.
 */
export const readMemoryDataV1 = <E extends Msg>(reader: Reader<E>, path: string, name: string) =>
  Effect.gen(function*() {
    const module = name === "" ? "memory" : `memory.${name}`
    const usage = yield* readParamUint(reader, path, `${module}.usage_in_bytes`).pipe(
      Effect.map((v): bigint | undefined => v),
      Effect.catchAll((e) => name !== "" && isNotExist(reader, e) ? Effect.succeed(undefined) : Effect.fail(e))
    )
    if (usage === undefined) return emptyMemoryData
    const maxUsage = yield* readParamUint(reader, path, `${module}.max_usage_in_bytes`)
    const failcnt = yield* readParamUint(reader, path, `${module}.failcnt`)
    const limit = yield* readParamUint(reader, path, `${module}.limit_in_bytes`)
    const data: MemoryData = { usage, max_usage: maxUsage, failcnt, limit }
    return data
  })

/**
 * `MemoryGroup.GetStats`: nothing at all when `memory.stat` is missing;
 * otherwise the stat map (`cache` from its `cache` key), the four counter
 * families, `memory.use_hierarchy` (required) and `memory.numa_stat`
 * (optional).
 */
export const statMemory = <E extends Msg>(reader: Reader<E>, path: string, stats: MutableStats) =>
  Effect.gen(function*() {
    const content = yield* reader.read(path, "memory.stat").pipe(
      Effect.map((c): string | undefined => c),
      Effect.catchIf((e) => reader.errno(e) === "ENOENT", () => Effect.succeed(undefined))
    )
    if (content === undefined) return
    const raw = yield* parseMemoryStatV1(path, content)
    let memory: MemoryStats = { ...stats.memory_stats, stats: raw, cache: raw.get("cache") ?? 0n }
    stats.memory_stats = memory
    memory = { ...memory, usage: yield* readMemoryDataV1(reader, path, "") }
    stats.memory_stats = memory
    memory = { ...memory, swap_usage: yield* readMemoryDataV1(reader, path, "memsw") }
    stats.memory_stats = memory
    memory = { ...memory, kernel_usage: yield* readMemoryDataV1(reader, path, "kmem") }
    stats.memory_stats = memory
    memory = { ...memory, kernel_tcp_usage: yield* readMemoryDataV1(reader, path, "kmem.tcp") }
    stats.memory_stats = memory
    const hierarchy = yield* readParamUint(reader, path, "memory.use_hierarchy")
    if (hierarchy === 1n) memory = { ...memory, use_hierarchy: true }
    stats.memory_stats = memory
    const numa = yield* reader.read(path, "memory.numa_stat").pipe(
      Effect.map((c): string | undefined => c),
      Effect.catchIf((e) => reader.errno(e) === "ENOENT", () => Effect.succeed(undefined))
    )
    if (numa !== undefined) stats.memory_stats = { ...memory, page_usage_by_numa: yield* parseNumaStat(path, numa) }
  })

// ---------------------------------------------------------------------------
// pids

/**
 * `PidsGroup.GetStats`: nothing when the directory does not exist; else
 * `pids.current` and `pids.max`, both required, `max` (no limit) reported as 0.
 */
export const statPids = <E extends Msg>(reader: Reader<E>, path: string, stats: MutableStats) =>
  Effect.gen(function*() {
    if (!(yield* reader.exists(path))) return
    const current = yield* readParamUint(reader, path, "pids.current")
    const max = yield* readParamUint(reader, path, "pids.max")
    const pids: PidsStats = { current, limit: max === maxUint64 ? 0n : max }
    stats.pids_stats = pids
  })

// ---------------------------------------------------------------------------
// blkio

const isBlkioSeparator = (c: number): boolean => c === 0x20 || c === 0x3a

/**
 * A blkio stat file (`getBlkioStat`): lines `<major>:<minor> [<op>] <value>`,
 * split on spaces and colons; a `Total <n>` line is skipped; any other line
 * with fewer than three fields (an empty one included) is malformed. With
 * four fields the third is the op, otherwise the op is empty and the third
 * is the value. An overlong line fails.
 */
export const parseBlkioStat = (
  path: string,
  file: string,
  content: string
): Either.Either<ReadonlyArray<BlkioStatEntry>, CgroupParseError> => {
  const scanned = scanLines(content)
  const out: Array<BlkioStatEntry> = []
  const number = (text: string) => {
    const parsed = parseUint(text, 10, 64)
    return parsed._tag === "Ok"
      ? Either.right(parsed.value)
      : Either.left(new CgroupParseError({ path, file, reason: parseUintError(text, parsed.kind) }))
  }
  for (const line of scanned.lines) {
    const f = fieldsFunc(line, isBlkioSeparator)
    if (f.length < 3) {
      if (f.length === 2 && f[0] === "Total") continue
      return Either.left(malformedLine(path, file, line))
    }
    const major = number(f[0]!)
    if (Either.isLeft(major)) return Either.left(major.left)
    const minor = number(f[1]!)
    if (Either.isLeft(minor)) return Either.left(minor.left)
    const withOp = f.length === 4
    const value = number(f[withOp ? 3 : 2]!)
    if (Either.isLeft(value)) return Either.left(value.left)
    out.push({ major: major.right, minor: minor.right, op: withOp ? f[2]! : "", value: value.right })
  }
  if (scanned.tooLong) return Either.left(new CgroupParseError({ path, file, reason: tokenTooLong }))
  return Either.right(out)
}

type BlkioKey = keyof BlkioStats

/** runc's blkio sources, in the order it tries them: the first group whose first file has entries wins. */
export const blkioSources: ReadonlyArray<ReadonlyArray<readonly [file: string, key: BlkioKey]>> = [
  [
    ["blkio.bfq.sectors_recursive", "sectors_recursive"],
    ["blkio.bfq.io_service_time_recursive", "io_service_time_recursive"],
    ["blkio.bfq.io_wait_time_recursive", "io_wait_time_recursive"],
    ["blkio.bfq.io_merged_recursive", "io_merged_recursive"],
    ["blkio.bfq.io_queued_recursive", "io_queue_recursive"],
    ["blkio.bfq.time_recursive", "io_time_recursive"],
    ["blkio.bfq.io_serviced_recursive", "io_serviced_recursive"],
    ["blkio.bfq.io_service_bytes_recursive", "io_service_bytes_recursive"]
  ],
  [
    ["blkio.bfq.io_serviced_recursive", "io_serviced_recursive"],
    ["blkio.bfq.io_service_bytes_recursive", "io_service_bytes_recursive"]
  ],
  [
    ["blkio.sectors_recursive", "sectors_recursive"],
    ["blkio.io_service_time_recursive", "io_service_time_recursive"],
    ["blkio.io_wait_time_recursive", "io_wait_time_recursive"],
    ["blkio.io_merged_recursive", "io_merged_recursive"],
    ["blkio.io_queued_recursive", "io_queue_recursive"],
    ["blkio.time_recursive", "io_time_recursive"],
    ["blkio.io_serviced_recursive", "io_serviced_recursive"],
    ["blkio.io_service_bytes_recursive", "io_service_bytes_recursive"]
  ],
  [
    ["blkio.throttle.io_serviced_recursive", "io_serviced_recursive"],
    ["blkio.throttle.io_service_bytes_recursive", "io_service_bytes_recursive"]
  ],
  [
    ["blkio.throttle.io_serviced", "io_serviced_recursive"],
    ["blkio.throttle.io_service_bytes", "io_service_bytes_recursive"]
  ]
]

/**
 * `BlkioGroup.GetStats`: the groups of {@link blkioSources} in order. A
 * group whose first file is missing, empty or unreadable (the failure is
 * dropped) gives way to the next; once a group's first file had entries,
 * a later file of the group that is missing or empty ends the read with what
 * was gathered, and one that fails fails the read.
 */
export const statBlkio = <E extends Msg>(reader: Reader<E>, path: string, stats: MutableStats) =>
  Effect.gen(function*() {
    const entries = (file: string) =>
      reader.read(path, file).pipe(
        Effect.flatMap((c) => parseBlkioStat(path, file, c)),
        Effect.catchAll((e) =>
          isNotExist(reader, e) ? Effect.succeed<ReadonlyArray<BlkioStatEntry>>([]) : Effect.fail(e)
        ),
        Effect.either
      )
    let blkio: BlkioStats = stats.blkio_stats
    for (const group of blkioSources) {
      for (let i = 0; i < group.length; i++) {
        const [file, key] = group[i]!
        const result = yield* entries(file)
        if (Either.isLeft(result) || result.right.length === 0) {
          if (i === 0) break
          stats.blkio_stats = blkio
          if (Either.isLeft(result)) return yield* Effect.fail(result.left)
          return
        }
        blkio = { ...blkio, [key]: result.right }
        stats.blkio_stats = blkio
        if (i === group.length - 1) return
      }
    }
  })

// ---------------------------------------------------------------------------
// hugetlb

/**
 * `HugetlbGroup.GetStats`: nothing when the directory does not exist; else,
 * for every page size, `hugetlb.<size>.usage_in_bytes`, `.max_usage_in_bytes`
 * and `.failcnt`, all required.
 */
export const statHugetlb = <E extends Msg>(
  reader: Reader<E>,
  path: string,
  pageSizes: ReadonlyArray<string>,
  stats: MutableStats
) =>
  Effect.gen(function*() {
    if (!(yield* reader.exists(path))) return
    const out = new Map(stats.hugetlb_stats)
    for (const size of pageSizes) {
      const usage = yield* readParamUint(reader, path, `hugetlb.${size}.usage_in_bytes`)
      const maxUsage = yield* readParamUint(reader, path, `hugetlb.${size}.max_usage_in_bytes`)
      const failcnt = yield* readParamUint(reader, path, `hugetlb.${size}.failcnt`)
      const entry: HugetlbStats = { usage, max_usage: maxUsage, failcnt }
      out.set(size, entry)
      stats.hugetlb_stats = new Map(out)
    }
  })

// ---------------------------------------------------------------------------
// rdma (shared with v2)

const maxUint32 = 0xffffffff

const rdmaValue = (raw: string): Either.Either<readonly [string, number], string> => {
  const parts = splitN(raw, "=", 3)
  if (parts.length !== 2) return Either.left("Unable to parse RDMA entry")
  const [key, value] = parts as [string, string]
  if (value === "max") return Either.right([key, maxUint32] as const)
  const parsed = parseUint(value, 10, 32)
  return parsed._tag === "Ok" ? Either.right([key, Number(parsed.value)] as const) : Either.left(parseUintError(value, parsed.kind))
}

/**
 * `rdma.current` / `rdma.max` (fscommon `readRdmaEntries`): lines
 * `<device> hca_handle=<n> hca_object=<n>` (`max` is 2^32−1); a line without
 * exactly three space-separated parts, or with an unreadable pair, is
 * skipped. An overlong line ends the file with `bufio.Scanner: token too long`.
 */
export const parseRdmaEntries = (content: string): Either.Either<ReadonlyArray<RdmaEntry>, CgroupScanError> => {
  const scanned = scanLines(content)
  const out: Array<RdmaEntry> = []
  for (const line of scanned.lines) {
    const parts = splitN(line, " ", 4)
    if (parts.length !== 3) continue
    const entry = { device: parts[0]!, hca_handles: 0, hca_objects: 0 }
    let skip = false
    for (const raw of [parts[1]!, parts[2]!]) {
      const kv = rdmaValue(raw)
      if (Either.isLeft(kv)) {
        skip = true
        break
      }
      if (kv.right[0] === "hca_handle") entry.hca_handles = kv.right[1]
      else if (kv.right[0] === "hca_object") entry.hca_objects = kv.right[1]
    }
    if (!skip) out.push(entry)
  }
  return scanned.tooLong ? Either.left(new CgroupScanError({ reason: tokenTooLong })) : Either.right(out)
}

/**
 * fscommon's `RdmaGetStats`: nothing when `rdma.current` is missing;
 * `rdma.max` then required; when the two list a different number of devices
 * (one went away between the reads) nothing is reported.
 */
export const statRdma = <E extends Msg>(reader: Reader<E>, path: string, stats: MutableStats) =>
  Effect.gen(function*() {
    const current = yield* reader.read(path, "rdma.current").pipe(
      Effect.map((c): string | undefined => c),
      Effect.catchIf((e) => reader.errno(e) === "ENOENT", () => Effect.succeed(undefined))
    )
    if (current === undefined) return
    const currentEntries = yield* parseRdmaEntries(current)
    const maxEntries = yield* Effect.flatMap(reader.read(path, "rdma.max"), parseRdmaEntries)
    if (currentEntries.length !== maxEntries.length) return
    const rdma: RdmaStats = { rdma_limit: maxEntries, rdma_current: currentEntries }
    stats.rdma_stats = rdma
  })

// ---------------------------------------------------------------------------
// The manager

/** What {@link getStats} needs besides the reader. */
export interface StatsV1Input {
  /** The container's cgroup directory per subsystem (`Manager.GetPaths()`); a missing or empty entry is skipped. */
  readonly paths: Readonly<Record<string, string>>
  /** runc's `HugePageSizes()` (see `hugePageSizes`). */
  readonly hugePageSizes: ReadonlyArray<string>
}

/**
 * fs (and systemd v1) `Manager.GetStats`: the subsystems that report stats,
 * in runc's order — cpuset, memory, cpu, cpuacct, pids, blkio, hugetlb,
 * rdma — each in its own directory; the first failure is the result.
 */
export const getStats = <E extends Msg>(
  reader: StatReader<E>,
  input: StatsV1Input
): Effect.Effect<Stats, StatFailure<E>> =>
  Effect.gen(function*() {
    const stats: MutableStats = { ...newStats() }
    const steps: ReadonlyArray<readonly [string, (path: string) => Effect.Effect<void, StatFailure<E>>]> = [
      ["cpuset", (p) => statCpuset(reader, p, stats)],
      ["memory", (p) => statMemory(reader, p, stats)],
      ["cpu", (p) => statCpu(reader, p, stats)],
      ["cpuacct", (p) => statCpuacct(reader, p, stats)],
      ["pids", (p) => statPids(reader, p, stats)],
      ["blkio", (p) => statBlkio(reader, p, stats)],
      ["hugetlb", (p) => statHugetlb(reader, p, input.hugePageSizes, stats)],
      ["rdma", (p) => statRdma(reader, p, stats)]
    ]
    for (const [subsystem, step] of steps) {
      const path = Object.prototype.hasOwnProperty.call(input.paths, subsystem) ? input.paths[subsystem] : undefined
      if (path === undefined || path === "") continue
      yield* step(path)
    }
    return stats as Stats
  }).pipe(Effect.withSpan("CgroupStats.getStatsV1"))

/** fs's `OOMKillCount(path)`: `memory.oom_control`'s `oom_kill` (0 when the key is absent). */
export const oomKillCount = <E extends Msg>(
  reader: StatReader<E>,
  memoryPath: string
): Effect.Effect<bigint, E | CgroupParseError> => readValueByKey(reader, memoryPath, "memory.oom_control", "oom_kill")
