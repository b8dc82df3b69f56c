/**
 * runc 1.1.x's `cgroups.Stats` (`libcontainer/cgroups/stats.go`): what
 * `Manager.GetStats` returns, before `runc events` converts it. Properties
 * are named by runc's JSON tags, like the rest of this library's models.
 * Every uint64 counter is a `bigint`, so `max` (2^64−1) and counters past
 * 2^53 stay exact. A Go nil slice or map is an empty one here.
 */

/** `cgroups.ThrottlingData`: CFS throttling counters. */
export interface ThrottlingData {
  /** Periods with throttling active. */
  readonly periods: bigint
  /** Periods in which the cgroup hit its limit. */
  readonly throttled_periods: bigint
  /** Total time throttled, in nanoseconds. */
  readonly throttled_time: bigint
}

/** `cgroups.CpuUsage`: CPU time since the cgroup was created, in nanoseconds. */
export interface CpuUsage {
  readonly total_usage: bigint
  readonly percpu_usage: ReadonlyArray<bigint>
  readonly percpu_usage_in_kernelmode: ReadonlyArray<bigint>
  readonly percpu_usage_in_usermode: ReadonlyArray<bigint>
  readonly usage_in_kernelmode: bigint
  readonly usage_in_usermode: bigint
}

/** `cgroups.CpuStats`. */
export interface CpuStats {
  readonly cpu_usage: CpuUsage
  readonly throttling_data: ThrottlingData
}

/** `cgroups.CPUSetStats`: the cpuset's CPUs and memory nodes (expanded lists) and its flags. */
export interface CPUSetStats {
  readonly cpus: ReadonlyArray<number>
  readonly cpu_exclusive: bigint
  readonly mems: ReadonlyArray<number>
  readonly mem_hardwall: bigint
  readonly mem_exclusive: bigint
  readonly memory_migrate: bigint
  readonly memory_spread_page: bigint
  readonly memory_spread_slab: bigint
  readonly memory_pressure: bigint
  readonly sched_load_balance: bigint
  /** A Go int64: `-1` is the kernel's default. */
  readonly sched_relax_domain_level: bigint
}

/** `cgroups.MemoryData`: one memory counter family (memory, memsw, kmem, kmem.tcp). */
export interface MemoryData {
  readonly usage: bigint
  readonly max_usage: bigint
  readonly failcnt: bigint
  readonly limit: bigint
}

/** `cgroups.PageStats`: a `memory.numa_stat` row, total and per NUMA node. */
export interface PageStats {
  readonly total: bigint
  /** Pages by node number (a Go uint8). */
  readonly nodes: ReadonlyMap<number, bigint>
}

/** `cgroups.PageUsageByNUMAInner`. */
export interface PageUsageByNUMAInner {
  readonly total: PageStats
  readonly file: PageStats
  readonly anon: PageStats
  readonly unevictable: PageStats
}

/** `cgroups.PageUsageByNUMA`: the plain rows, and the `hierarchical_` ones. */
export interface PageUsageByNUMA extends PageUsageByNUMAInner {
  readonly hierarchical: PageUsageByNUMAInner
}

/** `cgroups.MemoryStats`. */
export interface MemoryStats {
  /** v1: `memory.stat`'s `cache`; v2: its `file`. */
  readonly cache: bigint
  readonly usage: MemoryData
  /** Memory plus swap, as v1 reports it (v2's numbers are combined to match). */
  readonly swap_usage: MemoryData
  readonly kernel_usage: MemoryData
  readonly kernel_tcp_usage: MemoryData
  readonly page_usage_by_numa: PageUsageByNUMA
  readonly use_hierarchy: boolean
  /** `memory.stat`, every key. */
  readonly stats: ReadonlyMap<string, bigint>
}

/** `cgroups.PidsStats`; `limit` 0 means no limit. */
export interface PidsStats {
  readonly current: bigint
  readonly limit: bigint
}

/** `cgroups.BlkioStatEntry`: one device's counter; `op` is `Read`, `Write`, `Total`… or `""`. */
export interface BlkioStatEntry {
  readonly major: bigint
  readonly minor: bigint
  readonly op: string
  readonly value: bigint
}

/** `cgroups.BlkioStats`. */
export interface BlkioStats {
  readonly io_service_bytes_recursive: ReadonlyArray<BlkioStatEntry>
  readonly io_serviced_recursive: ReadonlyArray<BlkioStatEntry>
  readonly io_queue_recursive: ReadonlyArray<BlkioStatEntry>
  readonly io_service_time_recursive: ReadonlyArray<BlkioStatEntry>
  readonly io_wait_time_recursive: ReadonlyArray<BlkioStatEntry>
  readonly io_merged_recursive: ReadonlyArray<BlkioStatEntry>
  readonly io_time_recursive: ReadonlyArray<BlkioStatEntry>
  readonly sectors_recursive: ReadonlyArray<BlkioStatEntry>
}

/** `cgroups.HugetlbStats` of one page size. */
export interface HugetlbStats {
  readonly usage: bigint
  readonly max_usage: bigint
  readonly failcnt: bigint
}

/** `cgroups.RdmaEntry`: a device's HCA limits or usage (`max` is 2^32−1). */
export interface RdmaEntry {
  readonly device: string
  readonly hca_handles: number
  readonly hca_objects: number
}

/** `cgroups.RdmaStats`. */
export interface RdmaStats {
  readonly rdma_limit: ReadonlyArray<RdmaEntry>
  readonly rdma_current: ReadonlyArray<RdmaEntry>
}

/** `cgroups.Stats`: everything `GetStats` reports. */
export interface Stats {
  readonly cpu_stats: CpuStats
  readonly cpuset_stats: CPUSetStats
  readonly memory_stats: MemoryStats
  readonly pids_stats: PidsStats
  readonly blkio_stats: BlkioStats
  /** By page size name, e.g. `2MB` (see `hugePageSizes`). */
  readonly hugetlb_stats: ReadonlyMap<string, HugetlbStats>
  readonly rdma_stats: RdmaStats
}

/** The zero `MemoryData`. */
export const emptyMemoryData: MemoryData = { usage: 0n, max_usage: 0n, failcnt: 0n, limit: 0n }

const emptyPageStats: PageStats = { total: 0n, nodes: new Map() }

const emptyInner: PageUsageByNUMAInner = {
  total: emptyPageStats,
  file: emptyPageStats,
  anon: emptyPageStats,
  unevictable: emptyPageStats
}

/** The zero `BlkioStats`. */
export const emptyBlkioStats: BlkioStats = {
  io_service_bytes_recursive: [],
  io_serviced_recursive: [],
  io_queue_recursive: [],
  io_service_time_recursive: [],
  io_wait_time_recursive: [],
  io_merged_recursive: [],
  io_time_recursive: [],
  sectors_recursive: []
}

/** runc's `cgroups.NewStats()`: every counter zero, the maps empty. */
export const newStats = (): Stats => ({
  cpu_stats: {
    cpu_usage: {
      total_usage: 0n,
      percpu_usage: [],
      percpu_usage_in_kernelmode: [],
      percpu_usage_in_usermode: [],
      usage_in_kernelmode: 0n,
      usage_in_usermode: 0n
    },
    throttling_data: { periods: 0n, throttled_periods: 0n, throttled_time: 0n }
  },
  cpuset_stats: {
    cpus: [],
    cpu_exclusive: 0n,
    mems: [],
    mem_hardwall: 0n,
    mem_exclusive: 0n,
    memory_migrate: 0n,
    memory_spread_page: 0n,
    memory_spread_slab: 0n,
    memory_pressure: 0n,
    sched_load_balance: 0n,
    sched_relax_domain_level: 0n
  },
  memory_stats: {
    cache: 0n,
    usage: emptyMemoryData,
    swap_usage: emptyMemoryData,
    kernel_usage: emptyMemoryData,
    kernel_tcp_usage: emptyMemoryData,
    page_usage_by_numa: { ...emptyInner, hierarchical: emptyInner },
    use_hierarchy: false,
    stats: new Map()
  },
  pids_stats: { current: 0n, limit: 0n },
  blkio_stats: emptyBlkioStats,
  hugetlb_stats: new Map(),
  rdma_stats: { rdma_limit: [], rdma_current: [] }
})

/** A `Stats` under construction: each controller's parser replaces its own part, as runc fills in its struct. */
export type MutableStats = { -readonly [K in keyof Stats]: Stats[K] }
