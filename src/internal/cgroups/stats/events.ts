/**
 * What `runc events` prints (`types/events.go`, `events.go`): the
 * `types.Stats` shape runc converts its stats into for stability
 * (`convertLibcontainerStats`), and the `types.Event` lines
 * `{"type":"stats","id":…,"data":{…}}` / `{"type":"oom","id":…}` as Go's
 * `json.Encoder` writes them — field order, `omitempty` rules, sorted map
 * keys, HTML-escaped strings, one value per line.
 *
 * The shapes are Go-typed schemas (`internal/json/GoSchema.ts`), so the same
 * definitions encode runc's bytes and decode runc's output back.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { JsonDecodeError, JsonEncodeError } from "../../../ContainerError.js"
import { decodeDocument, encodeDocument } from "../../json/GoDecode.js"
import { compareBytes } from "../../byteOrder.js"
import { setOwn, stringify } from "../../json/GoJson.js"
import {
  encoderOf,
  field,
  GoInt64,
  GoString,
  GoUint16,
  GoUint64,
  goMap,
  goSlice,
  goStruct,
  omitEmpty,
  omitNil
} from "../../json/GoSchema.js"
import type { BlkioStatEntry, MemoryData, Stats as CgroupStats } from "./types.js"

// ---------------------------------------------------------------------------
// types.Stats

/** `types.Hugetlb`. */
export const Hugetlb = goStruct("types.Hugetlb", {
  usage: omitEmpty(GoUint64),
  max: omitEmpty(GoUint64),
  failcnt: field(GoUint64)
})
/** `types.Hugetlb`. */
export interface Hugetlb extends Schema.Schema.Type<typeof Hugetlb> {}

/** `types.BlkioEntry`. */
export const BlkioEntry = goStruct("types.BlkioEntry", {
  major: omitEmpty(GoUint64),
  minor: omitEmpty(GoUint64),
  op: omitEmpty(GoString),
  value: omitEmpty(GoUint64)
})
/** `types.BlkioEntry`. */
export interface BlkioEntry extends Schema.Schema.Type<typeof BlkioEntry> {}

const entries = omitEmpty(goSlice(BlkioEntry))

/** `types.Blkio`: camelCase keys, and `ioQueueRecursive` for the queued counters. */
export const Blkio = goStruct("types.Blkio", {
  ioServiceBytesRecursive: entries,
  ioServicedRecursive: entries,
  ioQueueRecursive: entries,
  ioServiceTimeRecursive: entries,
  ioWaitTimeRecursive: entries,
  ioMergedRecursive: entries,
  ioTimeRecursive: entries,
  sectorsRecursive: entries
})
/** `types.Blkio`. */
export interface Blkio extends Schema.Schema.Type<typeof Blkio> {}

/** `types.Pids`: both omitted when 0 (no limit is 0). */
export const Pids = goStruct("types.Pids", {
  current: omitEmpty(GoUint64),
  limit: omitEmpty(GoUint64)
})
/** `types.Pids`. */
export interface Pids extends Schema.Schema.Type<typeof Pids> {}

/** `types.Throttling`. */
export const Throttling = goStruct("types.Throttling", {
  periods: omitEmpty(GoUint64),
  throttledPeriods: omitEmpty(GoUint64),
  throttledTime: omitEmpty(GoUint64)
})
/** `types.Throttling`. */
export interface Throttling extends Schema.Schema.Type<typeof Throttling> {}

/** `types.CpuUsage` (nanoseconds). */
export const CpuUsage = goStruct("types.CpuUsage", {
  total: omitEmpty(GoUint64),
  percpu: omitEmpty(goSlice(GoUint64)),
  percpu_kernel: omitEmpty(goSlice(GoUint64)),
  percpu_user: omitEmpty(goSlice(GoUint64)),
  kernel: field(GoUint64),
  user: field(GoUint64)
})
/** `types.CpuUsage`. */
export interface CpuUsage extends Schema.Schema.Type<typeof CpuUsage> {}

/** `types.Cpu`: both parts always written (Go ignores `omitempty` on structs). */
export const Cpu = goStruct("types.Cpu", {
  usage: field(CpuUsage),
  throttling: field(Throttling)
})
/** `types.Cpu`. */
export interface Cpu extends Schema.Schema.Type<typeof Cpu> {}

/** `types.CPUSet`. */
export const CPUSet = goStruct("types.CPUSet", {
  cpus: omitEmpty(goSlice(GoUint16)),
  cpu_exclusive: field(GoUint64),
  mems: omitEmpty(goSlice(GoUint16)),
  mem_hardwall: field(GoUint64),
  mem_exclusive: field(GoUint64),
  memory_migrate: field(GoUint64),
  memory_spread_page: field(GoUint64),
  memory_spread_slab: field(GoUint64),
  memory_pressure: field(GoUint64),
  sched_load_balance: field(GoUint64),
  sched_relax_domain_level: field(GoInt64)
})
/** `types.CPUSet`. */
export interface CPUSet extends Schema.Schema.Type<typeof CPUSet> {}

/** `types.MemoryEntry`: `limit` first, always written. */
export const MemoryEntry = goStruct("types.MemoryEntry", {
  limit: field(GoUint64),
  usage: omitEmpty(GoUint64),
  max: omitEmpty(GoUint64),
  failcnt: field(GoUint64)
})
/** `types.MemoryEntry`. */
export interface MemoryEntry extends Schema.Schema.Type<typeof MemoryEntry> {}

/** `types.Memory`: `raw` is `memory.stat`, keys sorted. */
export const Memory = goStruct("types.Memory", {
  cache: omitEmpty(GoUint64),
  usage: field(MemoryEntry),
  swap: field(MemoryEntry),
  kernel: field(MemoryEntry),
  kernelTCP: field(MemoryEntry),
  raw: omitEmpty(goMap(GoUint64))
})
/** `types.Memory`. */
export interface Memory extends Schema.Schema.Type<typeof Memory> {}

/** `types.L3CacheInfo`. */
export const L3CacheInfo = goStruct("types.L3CacheInfo", {
  cbm_mask: omitEmpty(GoString),
  min_cbm_bits: omitEmpty(GoUint64),
  num_closids: omitEmpty(GoUint64)
})

/** `types.MemBwInfo`. */
export const MemBwInfo = goStruct("types.MemBwInfo", {
  bandwidth_gran: omitEmpty(GoUint64),
  delay_linear: omitEmpty(GoUint64),
  min_bandwidth: omitEmpty(GoUint64),
  num_closids: omitEmpty(GoUint64)
})

/** `intelrdt.MBMNumaNodeStats`. */
export const MBMNumaNodeStats = goStruct("intelrdt.MBMNumaNodeStats", {
  mbm_total_bytes: field(GoUint64),
  mbm_local_bytes: field(GoUint64)
})

/** `intelrdt.CMTNumaNodeStats`. */
export const CMTNumaNodeStats = goStruct("intelrdt.CMTNumaNodeStats", {
  llc_occupancy: field(GoUint64)
})

/**
 * `types.IntelRdt`: `{}` without Intel RDT. The monitoring lists are Go
 * `*[]T`: absent when nil, `null` when runc found no NUMA node directory.
 */
export const IntelRdt = goStruct("types.IntelRdt", {
  l3_cache_info: omitNil(L3CacheInfo),
  l3_cache_schema_root: omitEmpty(GoString),
  l3_cache_schema: omitEmpty(GoString),
  mem_bw_info: omitNil(MemBwInfo),
  mem_bw_schema_root: omitEmpty(GoString),
  mem_bw_schema: omitEmpty(GoString),
  mbm_stats: omitNil(goSlice(MBMNumaNodeStats)),
  cmt_stats: omitNil(goSlice(CMTNumaNodeStats))
})
/** `types.IntelRdt`. */
export interface IntelRdt extends Schema.Schema.Type<typeof IntelRdt> {}

/**
 * `types.NetworkInterface`: Go field names as keys (no JSON tags), counters
 * from the container's side (see `network.ts`).
 */
export const NetworkInterface = goStruct("types.NetworkInterface", {
  Name: field(GoString),
  RxBytes: field(GoUint64),
  RxPackets: field(GoUint64),
  RxErrors: field(GoUint64),
  RxDropped: field(GoUint64),
  TxBytes: field(GoUint64),
  TxPackets: field(GoUint64),
  TxErrors: field(GoUint64),
  TxDropped: field(GoUint64)
})
/** `types.NetworkInterface`. */
export interface NetworkInterface extends Schema.Schema.Type<typeof NetworkInterface> {}

/**
 * `types.Stats`: the `data` of a `stats` event. `hugetlb` is always an
 * object (runc makes the map), `network_interfaces` `null` unless the
 * container has veth networks.
 */
export const EventStats = goStruct("types.Stats", {
  cpu: field(Cpu),
  cpuset: field(CPUSet),
  memory: field(Memory),
  pids: field(Pids),
  blkio: field(Blkio),
  hugetlb: field(goMap(Hugetlb)),
  intel_rdt: field(IntelRdt),
  network_interfaces: field(goSlice(NetworkInterface, "pointers"))
})
/** `types.Stats`. */
export interface EventStats extends Schema.Schema.Type<typeof EventStats> {}

// ---------------------------------------------------------------------------
// convertLibcontainerStats

/** runc's `intelrdt.Stats` as this library models it (properties named by its JSON tags). */
export interface RdtStats {
  readonly l3_cache_info?: {
    readonly cbm_mask: string
    readonly min_cbm_bits: bigint
    readonly num_closids: bigint
  }
  readonly l3_cache_schema_root?: string
  readonly l3_cache_schema?: string
  readonly mem_bw_info?: {
    readonly bandwidth_gran: bigint
    readonly delay_linear: bigint
    readonly min_bandwidth: bigint
    readonly num_closids: bigint
  }
  readonly mem_bw_schema_root?: string
  readonly mem_bw_schema?: string
  /** Present whenever monitoring ran; empty is Go's nil slice. */
  readonly mbm_stats?: ReadonlyArray<{ readonly mbm_total_bytes: bigint; readonly mbm_local_bytes: bigint }>
  readonly cmt_stats?: ReadonlyArray<{ readonly llc_occupancy: bigint }>
}

/** Which Intel RDT features the host has (`intelrdt.IsCATEnabled` …): the conversion copies only those. */
export interface RdtFeatures {
  readonly cat: boolean
  readonly mba: boolean
  readonly mbm: boolean
  readonly cmt: boolean
}

/** runc's `libcontainer.Stats`: what `Container.Stats()` gathers. */
export interface ContainerStats {
  readonly cgroup: CgroupStats
  /** Absent when the container has no Intel RDT group. */
  readonly intelRdt?: { readonly stats: RdtStats; readonly features: RdtFeatures }
  /** One entry per veth network of the container; empty when it has none (Go's nil). */
  readonly interfaces: ReadonlyArray<NetworkInterface>
}

const isEmpty = (v: unknown): boolean =>
  v === 0n || v === "" || v === undefined || (Array.isArray(v) && v.length === 0)

/** The `omitempty` fields of a struct value, without the empty ones (what Go would not write). */
const present = <T extends Record<string, unknown>>(fields: T): Partial<T> => {
  const out: Partial<T> = {}
  for (const key of Object.keys(fields) as Array<keyof T>) {
    if (!isEmpty(fields[key])) out[key] = fields[key]
  }
  return out
}

const memoryEntry = (d: MemoryData): MemoryEntry => ({
  limit: d.limit,
  ...present({ usage: d.usage, max: d.max_usage }),
  failcnt: d.failcnt
})

const blkioEntries = (list: ReadonlyArray<BlkioStatEntry>): ReadonlyArray<BlkioEntry> =>
  list.map((e) => present({ major: e.major, minor: e.minor, op: e.op, value: e.value }))

const intelRdt = (input: ContainerStats["intelRdt"]): IntelRdt => {
  if (input === undefined) return {}
  const { features, stats } = input
  const l3 = stats.l3_cache_info
  const mb = stats.mem_bw_info
  const list = <A>(items: ReadonlyArray<A> | undefined) =>
    items === undefined ? undefined : items.length === 0 ? null : items
  const mbm = features.mbm
    ? list(stats.mbm_stats?.map((m) => ({ mbm_total_bytes: m.mbm_total_bytes, mbm_local_bytes: m.mbm_local_bytes })))
    : undefined
  const cmt = features.cmt ? list(stats.cmt_stats?.map((c) => ({ llc_occupancy: c.llc_occupancy }))) : undefined
  return {
    ...(features.cat && l3 !== undefined
      ? { l3_cache_info: present({ cbm_mask: l3.cbm_mask, min_cbm_bits: l3.min_cbm_bits, num_closids: l3.num_closids }) }
      : {}),
    ...(features.cat
      ? present({ l3_cache_schema_root: stats.l3_cache_schema_root, l3_cache_schema: stats.l3_cache_schema })
      : {}),
    ...(features.mba && mb !== undefined
      ? {
        mem_bw_info: present({
          bandwidth_gran: mb.bandwidth_gran,
          delay_linear: mb.delay_linear,
          min_bandwidth: mb.min_bandwidth,
          num_closids: mb.num_closids
        })
      }
      : {}),
    ...(features.mba ? present({ mem_bw_schema_root: stats.mem_bw_schema_root, mem_bw_schema: stats.mem_bw_schema }) : {}),
    ...(mbm === undefined ? {} : { mbm_stats: mbm }),
    ...(cmt === undefined ? {} : { cmt_stats: cmt })
  }
}

/**
 * runc's `convertLibcontainerStats`: the cgroup stats renamed into
 * `types.Stats` (hugetlb `max_usage` → `max`, memory families → `usage`,
 * `swap`, `kernel`, `kernelTCP`, `memory.stat` → `raw`), Intel RDT parts
 * copied for the enabled features only (runc would crash on an enabled
 * feature whose info is missing; here the info is left out), and the network
 * interfaces. Values the JSON would omit are left out, and every object is
 * built in Go's field order with map keys sorted, so the value can be
 * written as it is ({@link encodeStatsEvent}).
 */
export const fromContainerStats = (stats: ContainerStats): EventStats => {
  const cg = stats.cgroup
  const u = cg.cpu_stats.cpu_usage
  const t = cg.cpu_stats.throttling_data
  const cs = cg.cpuset_stats
  const ms = cg.memory_stats
  const b = cg.blkio_stats
  const raw: Record<string, bigint> = {}
  for (const key of [...ms.stats.keys()].sort(compareBytes)) setOwn(raw, key, ms.stats.get(key)!)
  const hugetlb: Record<string, Hugetlb> = {}
  for (const size of [...cg.hugetlb_stats.keys()].sort(compareBytes)) {
    const h = cg.hugetlb_stats.get(size)!
    setOwn(hugetlb, size, { ...present({ usage: h.usage, max: h.max_usage }), failcnt: h.failcnt })
  }
  return {
    cpu: {
      usage: {
        ...present({
          total: u.total_usage,
          percpu: u.percpu_usage,
          percpu_kernel: u.percpu_usage_in_kernelmode,
          percpu_user: u.percpu_usage_in_usermode
        }),
        kernel: u.usage_in_kernelmode,
        user: u.usage_in_usermode
      },
      throttling: present({
        periods: t.periods,
        throttledPeriods: t.throttled_periods,
        throttledTime: t.throttled_time
      })
    },
    cpuset: {
      ...present({ cpus: cs.cpus }),
      cpu_exclusive: cs.cpu_exclusive,
      ...present({ mems: cs.mems }),
      mem_hardwall: cs.mem_hardwall,
      mem_exclusive: cs.mem_exclusive,
      memory_migrate: cs.memory_migrate,
      memory_spread_page: cs.memory_spread_page,
      memory_spread_slab: cs.memory_spread_slab,
      memory_pressure: cs.memory_pressure,
      sched_load_balance: cs.sched_load_balance,
      sched_relax_domain_level: cs.sched_relax_domain_level
    },
    memory: {
      ...present({ cache: ms.cache }),
      usage: memoryEntry(ms.usage),
      swap: memoryEntry(ms.swap_usage),
      kernel: memoryEntry(ms.kernel_usage),
      kernelTCP: memoryEntry(ms.kernel_tcp_usage),
      ...(ms.stats.size === 0 ? {} : { raw })
    },
    pids: present({ current: cg.pids_stats.current, limit: cg.pids_stats.limit }),
    blkio: present({
      ioServiceBytesRecursive: blkioEntries(b.io_service_bytes_recursive),
      ioServicedRecursive: blkioEntries(b.io_serviced_recursive),
      ioQueueRecursive: blkioEntries(b.io_queue_recursive),
      ioServiceTimeRecursive: blkioEntries(b.io_service_time_recursive),
      ioWaitTimeRecursive: blkioEntries(b.io_wait_time_recursive),
      ioMergedRecursive: blkioEntries(b.io_merged_recursive),
      ioTimeRecursive: blkioEntries(b.io_time_recursive),
      sectorsRecursive: blkioEntries(b.sectors_recursive)
    }),
    hugetlb,
    intel_rdt: intelRdt(stats.intelRdt),
    network_interfaces: stats.interfaces.length === 0 ? null : stats.interfaces.map((i) => ({
      Name: i.Name,
      RxBytes: i.RxBytes,
      RxPackets: i.RxPackets,
      RxErrors: i.RxErrors,
      RxDropped: i.RxDropped,
      TxBytes: i.TxBytes,
      TxPackets: i.TxPackets,
      TxErrors: i.TxErrors,
      TxDropped: i.TxDropped
    }))
  }
}

// ---------------------------------------------------------------------------
// types.Event

/** A `runc events` line: stats at each interval, or an OOM notification. */
export type Event =
  | { readonly type: "stats"; readonly id: string; readonly data: EventStats }
  | { readonly type: "oom"; readonly id: string }

/**
 * The line `json.Encoder.Encode(&types.Event{…})` writes, newline included:
 * `{"type":…,"id":…,"data":…}`, `data` left out of an `oom` event.
 */
export const encodeEvent = (event: Event): Either.Either<string, JsonEncodeError> => {
  const head = `{"type":${stringify(event.type)},"id":${stringify(event.id)}`
  if (event.type === "oom") return Either.right(`${head}}\n`)
  return Either.map(encodeDocument(EventStats, "types.Stats", event.data), (data) => `${head},"data":${stringify(data)}}\n`)
}

/**
 * The `stats` event line of `stats` for container `id`. The conversion
 * already has Go's field order and omissions, so it is written with the
 * schema's plain encoder, without Effect Schema's encoding pass (the same
 * bytes as {@link encodeEvent}, several times faster). Fails only for values
 * outside their Go types.
 */
export const encodeStatsEvent = (id: string, stats: ContainerStats): Either.Either<string, JsonEncodeError> => {
  const data = fromContainerStats(stats)
  const invalid = Schema.validateEither(EventStats)(data)
  if (Either.isLeft(invalid)) return encodeEvent({ type: "stats", id, data })
  return Either.right(`{"type":"stats","id":${stringify(id)},"data":${stringify(encoderOf(EventStats)(data))}}\n`)
}

/** Reads the `data` of a `stats` event (as printed by runc or by {@link encodeEvent}) with Go's rules. */
export const decodeEventStats = (text: string): Either.Either<EventStats, JsonDecodeError> =>
  decodeDocument(EventStats, "types.Stats", text)
