/**
 * cgroup v2 stats, as runc's fs2 driver reads them
 * (`libcontainer/cgroups/fs2/{pids,memory,io,cpu,hugetlb}.go` `statX`,
 * fscommon's `RdmaGetStats`, and `fs2.go` `GetStats`): one parser per
 * controller over the cgroup directory, and {@link getStats} running them all
 * and collecting their failures, as runc does.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { parseUint } from "../../strconv.js"
import { CgroupParseError, CgroupStatsV2Error, type StatFailure } from "./errors.js"
import { fields, parseUintError, scanLines, splitN, tokenTooLong, trimSpace } from "./goText.js"
import { isNotExist, keyValue, maxUint64, readParamUint, readValueByKey, type StatReader } from "./reader.js"
import { statRdma } from "./v1.js"
import {
  type BlkioStatEntry,
  type BlkioStats,
  type CpuStats,
  emptyBlkioStats,
  emptyMemoryData,
  type MemoryData,
  type MutableStats,
  newStats,
  type Stats
} from "./types.js"

type Msg = { readonly message: string }

const mod64 = (n: bigint): bigint => n & maxUint64

/** fs2's `UnifiedMountpoint`: the root cgroup on a unified host, whose memory figures come from `/proc/meminfo`. */
export const unifiedMountpoint = "/sys/fs/cgroup"

const orAbsent = <A, E>(effect: Effect.Effect<A, E>, absent: (e: E) => boolean): Effect.Effect<A | undefined, E> =>
  Effect.catchIf(Effect.map(effect, (a): A | undefined => a), absent, () => Effect.succeed(undefined))

// ---------------------------------------------------------------------------
// pids

/** `statPidsFromCgroupProcs`' count: the number of newlines in `cgroup.procs` (or `cgroup.threads`). */
export const countProcs = (content: string): bigint => {
  let n = 0n
  for (let i = content.indexOf("\n"); i >= 0; i = content.indexOf("\n", i + 1)) n++
  return n
}

/**
 * `statPids`: `pids.current` and `pids.max` (`max` reported as 0). Without
 * the pids controller (`pids.current` missing) the processes in
 * `cgroup.procs` are counted instead — `cgroup.threads` when reading
 * `cgroup.procs` fails with ENOTSUP (a threaded cgroup) — and the limit is 0.
 */
export const statPids = <E extends Msg>(reader: StatReader<E>, dir: string, stats: MutableStats) =>
  Effect.gen(function*() {
    const current = yield* orAbsent(readParamUint(reader, dir, "pids.current"), (e) => isNotExist(reader, e))
    if (current === undefined) {
      const procs = yield* reader.read(dir, "cgroup.procs").pipe(
        Effect.catchIf(
          (e) => reader.errno(e) === "ENOTSUP" || reader.errno(e) === "EOPNOTSUPP",
          () => reader.read(dir, "cgroup.threads")
        )
      )
      stats.pids_stats = { current: countProcs(procs), limit: 0n }
      return
    }
    const max = yield* readParamUint(reader, dir, "pids.max")
    stats.pids_stats = { current, limit: max === maxUint64 ? 0n : max }
  })

// ---------------------------------------------------------------------------
// memory

/**
 * `memory.stat` lines read into `into` one at a time, as runc fills its map
 * (so a failure leaves the earlier keys in place); an overlong line fails.
 */
export const parseMemoryStatV2 = (
  dir: string,
  content: string,
  into: Map<string, bigint>
): Either.Either<void, CgroupParseError> => {
  const file = "memory.stat"
  const scanned = scanLines(content)
  for (const line of scanned.lines) {
    const kv = keyValue(line)
    if (Either.isLeft(kv)) return Either.left(new CgroupParseError({ path: dir, file, reason: kv.left }))
    into.set(kv.right[0], kv.right[1])
  }
  if (scanned.tooLong) return Either.left(new CgroupParseError({ path: dir, file, reason: tokenTooLong }))
  return Either.right(undefined)
}

/**
 * `statsFromMeminfo`: `/proc/meminfo`'s `MemTotal`, `MemFree`, `SwapTotal`,
 * `SwapFree` (kB) as the root cgroup's usage (`total − free`, in bytes,
 * uint64 arithmetic) with no limit (2^64−1). The scan stops once four known
 * lines were seen.
 */
export const parseMeminfo = (
  content: string
): Either.Either<{ readonly usage: MemoryData; readonly swap: MemoryData }, CgroupParseError> => {
  const file = "/proc/meminfo"
  const values: Record<string, bigint> = { SwapFree: 0n, SwapTotal: 0n, MemTotal: 0n, MemFree: 0n }
  const scanned = scanLines(content)
  let found = 0
  let complete = false
  for (const line of scanned.lines) {
    const parts = splitN(line, ":", 3)
    if (parts.length !== 2) continue
    const key = parts[0]!
    if (!Object.prototype.hasOwnProperty.call(values, key)) continue
    const raw = parts[1]!.endsWith(" kB") ? parts[1]!.slice(0, -3) : parts[1]!
    const parsed = parseUint(trimSpace(raw), 10, 64)
    if (parsed._tag === "Err") return Either.left(new CgroupParseError({ path: "", file, reason: `bad value for ${key}` }))
    values[key] = parsed.value
    if (++found === 4) {
      complete = true
      break
    }
  }
  if (!complete && scanned.tooLong) return Either.left(new CgroupParseError({ path: "", file, reason: tokenTooLong }))
  return Either.right({
    usage: { ...emptyMemoryData, usage: mod64((values["MemTotal"]! - values["MemFree"]!) * 1024n), limit: maxUint64 },
    swap: { ...emptyMemoryData, usage: mod64((values["SwapTotal"]! - values["SwapFree"]!) * 1024n), limit: maxUint64 }
  })
}

/**
 * `getMemoryDataV2(path, name)`: `<module>.current` and `<module>.max`
 * (`max` is 2^64−1) for `memory` or `memory.<name>`; for a named family
 * (swap, absent without swap accounting) a missing `.current` means zeros.
 */
export const readMemoryDataV2 = <E extends Msg>(reader: StatReader<E>, dir: string, name: string) =>
  Effect.gen(function*() {
    const module = name === "" ? "memory" : `memory.${name}`
    const usage = yield* orAbsent(readParamUint(reader, dir, `${module}.current`), (e) => name !== "" && isNotExist(reader, e))
    if (usage === undefined) return emptyMemoryData
    const limit = yield* readParamUint(reader, dir, `${module}.max`)
    const data: MemoryData = { ...emptyMemoryData, usage, limit }
    return data
  })

/**
 * `statMemory`: the `memory.stat` map (`cache` is its `file` key;
 * `use_hierarchy` is always true on v2), `memory.current`/`max`, and swap
 * reported the v1 way — usage and limit of memory plus swap (the limit stays
 * 2^64−1 when swap is unlimited). In the root cgroup (`/sys/fs/cgroup`),
 * which has no `memory.current`, the figures come from `meminfo` instead.
 */
export const statMemory = <E extends Msg>(
  reader: StatReader<E>,
  dir: string,
  meminfo: Effect.Effect<string, E>,
  stats: MutableStats
) =>
  Effect.gen(function*() {
    const content = yield* reader.read(dir, "memory.stat")
    const map = new Map<string, bigint>()
    stats.memory_stats = { ...stats.memory_stats, stats: map }
    yield* parseMemoryStatV2(dir, content, map)
    stats.memory_stats = { ...stats.memory_stats, cache: map.get("file") ?? 0n, use_hierarchy: true }
    const usage = yield* readMemoryDataV2(reader, dir, "").pipe(
      Effect.map((u): MemoryData | undefined => u),
      Effect.catchIf(
        (e) => dir === unifiedMountpoint && isNotExist(reader, e),
        () => Effect.succeed(undefined)
      )
    )
    if (usage === undefined) {
      const figures = yield* Effect.flatMap(meminfo, parseMeminfo)
      stats.memory_stats = {
        ...stats.memory_stats,
        usage: { ...stats.memory_stats.usage, usage: figures.usage.usage, limit: figures.usage.limit },
        swap_usage: { ...stats.memory_stats.swap_usage, usage: figures.swap.usage, limit: figures.swap.limit }
      }
      return
    }
    stats.memory_stats = { ...stats.memory_stats, usage }
    const swap = yield* readMemoryDataV2(reader, dir, "swap")
    stats.memory_stats = {
      ...stats.memory_stats,
      swap_usage: {
        ...swap,
        usage: mod64(swap.usage + usage.usage),
        limit: swap.limit === maxUint64 ? swap.limit : mod64(swap.limit + usage.limit)
      }
    }
  })

// ---------------------------------------------------------------------------
// io

const ioOps: Readonly<Record<string, readonly [op: string, key: "io_service_bytes_recursive" | "io_serviced_recursive"]>> = {
  rbytes: ["Read", "io_service_bytes_recursive"],
  wbytes: ["Write", "io_service_bytes_recursive"],
  rios: ["Read", "io_serviced_recursive"],
  wios: ["Write", "io_serviced_recursive"]
}

/**
 * `io.stat` (`readCgroup2MapFile` + `statIo`): lines `<major>:<minor> key=value…`
 * (lines with fewer than two fields skipped; for a device listed twice the
 * last line counts). `rbytes`/`wbytes` become `Read`/`Write` entries of
 * `io_service_bytes_recursive`, `rios`/`wios` of `io_serviced_recursive`;
 * other keys, and keys or items not of the `a:b` / `k=v` shape, are skipped.
 *
 * runc walks a Go map, so its device order differs from run to run; here
 * devices come in the order of their first line.
 */
export const parseIoStat = (dir: string, content: string): Either.Either<BlkioStats, CgroupParseError> => {
  const file = "io.stat"
  const scanned = scanLines(content)
  const devices = new Map<string, ReadonlyArray<string>>()
  for (const line of scanned.lines) {
    const parts = fields(line)
    if (parts.length < 2) continue
    devices.set(parts[0]!, parts.slice(1))
  }
  if (scanned.tooLong) return Either.left(new CgroupParseError({ path: dir, file, reason: tokenTooLong }))
  const fail = (text: string, kind: "syntax" | "range") =>
    Either.left(new CgroupParseError({ path: dir, file, reason: parseUintError(text, kind) }))
  const bytes: Array<BlkioStatEntry> = []
  const ios: Array<BlkioStatEntry> = []
  for (const [device, items] of devices) {
    const d = device.split(":")
    if (d.length !== 2) continue
    const major = parseUint(d[0]!, 10, 64)
    if (major._tag === "Err") return fail(d[0]!, major.kind)
    const minor = parseUint(d[1]!, 10, 64)
    if (minor._tag === "Err") return fail(d[1]!, minor.kind)
    for (const item of items) {
      const kv = item.split("=")
      if (kv.length !== 2) continue
      const mapped = Object.prototype.hasOwnProperty.call(ioOps, kv[0]!) ? ioOps[kv[0]!] : undefined
      if (mapped === undefined) continue
      const value = parseUint(kv[1]!, 10, 64)
      if (value._tag === "Err") return fail(kv[1]!, value.kind)
      const entry: BlkioStatEntry = { op: mapped[0], major: major.value, minor: minor.value, value: value.value }
      ;(mapped[1] === "io_service_bytes_recursive" ? bytes : ios).push(entry)
    }
  }
  return Either.right({ ...emptyBlkioStats, io_service_bytes_recursive: bytes, io_serviced_recursive: ios })
}

/** `statIo`: `io.stat`, replacing the blkio stats only when it parsed. */
export const statIo = <E extends Msg>(reader: StatReader<E>, dir: string, stats: MutableStats) =>
  Effect.gen(function*() {
    const content = yield* reader.read(dir, "io.stat")
    stats.blkio_stats = yield* parseIoStat(dir, content)
  })

// ---------------------------------------------------------------------------
// cpu

/**
 * `cpu.stat` (`statCpu`) into `into`, one line at a time: `usage_usec`,
 * `user_usec`, `system_usec` and `throttled_usec` in nanoseconds (×1000,
 * uint64 arithmetic), `nr_periods` and `nr_throttled` as they are; every
 * line must be `<key> <value>`; an overlong line fails.
 */
export const parseCpuStatV2 = (dir: string, content: string, into: CpuStats): Either.Either<CpuStats, readonly [CgroupParseError, CpuStats]> => {
  const file = "cpu.stat"
  const scanned = scanLines(content)
  let usage = into.cpu_usage
  let throttling = into.throttling_data
  const now = (): CpuStats => ({ cpu_usage: usage, throttling_data: throttling })
  for (const line of scanned.lines) {
    const kv = keyValue(line)
    if (Either.isLeft(kv)) return Either.left([new CgroupParseError({ path: dir, file, reason: kv.left }), now()] as const)
    const [key, v] = kv.right
    switch (key) {
      case "usage_usec":
        usage = { ...usage, total_usage: mod64(v * 1000n) }
        break
      case "user_usec":
        usage = { ...usage, usage_in_usermode: mod64(v * 1000n) }
        break
      case "system_usec":
        usage = { ...usage, usage_in_kernelmode: mod64(v * 1000n) }
        break
      case "nr_periods":
        throttling = { ...throttling, periods: v }
        break
      case "nr_throttled":
        throttling = { ...throttling, throttled_periods: v }
        break
      case "throttled_usec":
        throttling = { ...throttling, throttled_time: mod64(v * 1000n) }
        break
    }
  }
  if (scanned.tooLong) return Either.left([new CgroupParseError({ path: dir, file, reason: tokenTooLong }), now()] as const)
  return Either.right(now())
}

/** `statCpu`: `cpu.stat`, present in every cgroup whether or not the cpu controller is enabled. */
export const statCpu = <E extends Msg>(reader: StatReader<E>, dir: string, stats: MutableStats) =>
  Effect.gen(function*() {
    const content = yield* reader.read(dir, "cpu.stat")
    const parsed = parseCpuStatV2(dir, content, stats.cpu_stats)
    if (Either.isLeft(parsed)) {
      stats.cpu_stats = parsed.left[1]
      return yield* Effect.fail(parsed.left[0])
    }
    stats.cpu_stats = parsed.right
  })

// ---------------------------------------------------------------------------
// hugetlb

/**
 * `statHugeTlb`: for every page size, `hugetlb.<size>.current` and the `max`
 * count of `hugetlb.<size>.events` as the failure count (v2 has no maximum
 * usage); the first failure stops, keeping the sizes already read.
 */
export const statHugetlb = <E extends Msg>(
  reader: StatReader<E>,
  dir: string,
  pageSizes: ReadonlyArray<string>,
  stats: MutableStats
) =>
  Effect.gen(function*() {
    for (const size of pageSizes) {
      const usage = yield* readParamUint(reader, dir, `hugetlb.${size}.current`)
      const failcnt = yield* readValueByKey(reader, dir, `hugetlb.${size}.events`, "max")
      stats.hugetlb_stats = new Map([...stats.hugetlb_stats, [size, { usage, max_usage: 0n, failcnt }]])
    }
  })

// ---------------------------------------------------------------------------
// The manager

/** What {@link getStats} needs besides the reader. */
export interface StatsV2Input<E> {
  /** The container's cgroup directory. */
  readonly dir: string
  /** runc's `HugePageSizes()` (see `hugePageSizes`). */
  readonly hugePageSizes: ReadonlyArray<string>
  /** Reads `/proc/meminfo`; run only for the root cgroup (see {@link statMemory}). */
  readonly meminfo: Effect.Effect<string, E>
  /** runc's `config.Rootless`: failures are dropped and the stats returned as they are. */
  readonly rootless: boolean
}

/**
 * fs2 (and systemd v2) `Manager.GetStats`: pids, memory, io, cpu, hugetlb,
 * rdma, each run even when an earlier one failed. A failure of pids counts
 * always; of the others, a missing file (ENOENT) does not. Unless rootless,
 * any failure fails the whole with {@link CgroupStatsV2Error}, which carries
 * the stats gathered anyway.
 */
export const getStats = <E extends Msg>(
  reader: StatReader<E>,
  input: StatsV2Input<E>
): Effect.Effect<Stats, CgroupStatsV2Error<E>> =>
  Effect.gen(function*() {
    const stats: MutableStats = { ...newStats() }
    const errors: Array<StatFailure<E>> = []
    const collect = (step: Effect.Effect<void, StatFailure<E>>, ignoreNotExist: boolean) =>
      Effect.catchAll(step, (e) => {
        if (!(ignoreNotExist && isNotExist(reader, e))) errors.push(e)
        return Effect.void
      })
    const { dir } = input
    yield* collect(statPids(reader, dir, stats), false)
    yield* collect(statMemory(reader, dir, input.meminfo, stats), true)
    yield* collect(statIo(reader, dir, stats), true)
    yield* collect(statCpu(reader, dir, stats), true)
    yield* collect(statHugetlb(reader, dir, input.hugePageSizes, stats), true)
    yield* collect(statRdma(reader, dir, stats), true)
    if (errors.length > 0 && !input.rootless) {
      return yield* Effect.fail(new CgroupStatsV2Error<E>({ errors, stats: stats as Stats }))
    }
    return stats as Stats
  }).pipe(Effect.withSpan("CgroupStats.getStatsV2"))

/** fs2's `OOMKillCount(path)`: `memory.events`' `oom_kill` (0 when the key is absent). */
export const oomKillCount = <E extends Msg>(
  reader: StatReader<E>,
  dir: string
): Effect.Effect<bigint, E | CgroupParseError> => readValueByKey(reader, dir, "memory.events", "oom_kill")
