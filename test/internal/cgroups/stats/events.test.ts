/**
 * The `runc events` JSON: the encoder writes Go's bytes (field order
 * whatever the value's key order, `omitempty`, sorted map keys, HTML
 * escaping, uint64 extremes), an `oom` event has no `data`, Intel RDT parts
 * follow the host's features, and any value survives encode → decode.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Events from "../../../../src/internal/cgroups/stats/events.js"
import * as Network from "../../../../src/internal/cgroups/stats/network.js"
import { newStats, type Stats } from "../../../../src/internal/cgroups/stats/types.js"
import { fixtureReader } from "./fixtures.js"

const maxUint64 = (1n << 64n) - 1n

const zeroLine = (id: string, data: string) => `{"type":"stats","id":${id},"data":${data}}\n`
const emptyData = `{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,` +
  `"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,` +
  `"sched_load_balance":0,"sched_relax_domain_level":0},"memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,` +
  `"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0}},"pids":{},"blkio":{},"hugetlb":{},` +
  `"intel_rdt":{},"network_interfaces":null}`

describe("runc events lines", () => {
  it("writes runc's bytes for empty stats, escaping the id as Go does", () => {
    expect(Events.encodeStatsEvent("a<b>&c", { cgroup: newStats(), interfaces: [] }))
      .toEqual(Either.right(zeroLine(`"a\\u003cb\\u003e\\u0026c"`, emptyData)))
  })

  it("writes an oom event without data", () => {
    expect(Events.encodeEvent({ type: "oom", id: "c1" })).toEqual(Either.right(`{"type":"oom","id":"c1"}\n`))
  })

  it("writes fields in Go's order whatever order the value lists them in", () => {
    const stats = Events.fromContainerStats({ cgroup: newStats(), interfaces: [] })
    const shuffled = Object.fromEntries(Object.entries(stats).reverse()) as unknown as Events.EventStats
    expect(Events.encodeEvent({ type: "stats", id: "x", data: shuffled })).toEqual(Either.right(zeroLine(`"x"`, emptyData)))
  })

  it("keeps uint64 extremes, sorts memory.stat and hugetlb keys by bytes, and renames as runc converts", () => {
    const base = newStats()
    const stats: Stats = {
      ...base,
      memory_stats: {
        ...base.memory_stats,
        cache: 7n,
        usage: { usage: maxUint64, max_usage: 1n, failcnt: 0n, limit: maxUint64 },
        stats: new Map([["zeta", 1n], ["Alpha", 2n], ["\u00e9", 3n], ["alpha", maxUint64]])
      },
      hugetlb_stats: new Map([["2MB", { usage: 0n, max_usage: 4n, failcnt: 1n }], ["1GB", { usage: 3n, max_usage: 0n, failcnt: 0n }]]),
      pids_stats: { current: 2n, limit: 0n },
      blkio_stats: {
        ...base.blkio_stats,
        io_queue_recursive: [{ major: 8n, minor: 0n, op: "", value: 0n }, { major: 0n, minor: 1n, op: "Read", value: 9n }]
      }
    }
    const line = Events.encodeStatsEvent("c", { cgroup: stats, interfaces: [] })
    expect(line._tag).toBe("Right")
    const text = Either.getOrThrow(line)
    expect(text).toContain(`"memory":{"cache":7,"usage":{"limit":18446744073709551615,"usage":18446744073709551615,"max":1,"failcnt":0}`)
    expect(text).toContain(`"raw":{"Alpha":2,"alpha":18446744073709551615,"zeta":1,"\u00e9":3}`)
    expect(text).toContain(`"hugetlb":{"1GB":{"usage":3,"failcnt":0},"2MB":{"max":4,"failcnt":1}}`)
    expect(text).toContain(`"pids":{"current":2}`)
    expect(text).toContain(`"blkio":{"ioQueueRecursive":[{"major":8},{"minor":1,"op":"Read","value":9}]}`)
  })

  it("copies Intel RDT parts of the enabled features only; monitoring lists with no node are null", () => {
    const rdt: Events.RdtStats = {
      l3_cache_info: { cbm_mask: "fffff", min_cbm_bits: 1n, num_closids: 16n },
      l3_cache_schema_root: "L3:0=fffff",
      l3_cache_schema: "L3:0=ff",
      mem_bw_info: { bandwidth_gran: 10n, delay_linear: 1n, min_bandwidth: 10n, num_closids: 8n },
      mem_bw_schema_root: "MB:0=100",
      mem_bw_schema: "MB:0=50",
      mbm_stats: [],
      cmt_stats: [{ llc_occupancy: 0n }]
    }
    const convert = (features: Events.RdtFeatures) =>
      Events.fromContainerStats({ cgroup: newStats(), intelRdt: { stats: rdt, features }, interfaces: [] }).intel_rdt
    expect(convert({ cat: true, mba: false, mbm: false, cmt: false })).toEqual({
      l3_cache_info: { cbm_mask: "fffff", min_cbm_bits: 1n, num_closids: 16n },
      l3_cache_schema_root: "L3:0=fffff",
      l3_cache_schema: "L3:0=ff"
    })
    const all = convert({ cat: true, mba: true, mbm: true, cmt: true })
    expect(all.mbm_stats).toBeNull()
    expect(all.cmt_stats).toEqual([{ llc_occupancy: 0n }])
    const line = Either.getOrThrow(Events.encodeEvent({
      type: "stats",
      id: "r",
      data: { ...Events.fromContainerStats({ cgroup: newStats(), interfaces: [] }), intel_rdt: all }
    }))
    expect(line).toContain(
      `"intel_rdt":{"l3_cache_info":{"cbm_mask":"fffff","min_cbm_bits":1,"num_closids":16},"l3_cache_schema_root":"L3:0=fffff",` +
        `"l3_cache_schema":"L3:0=ff","mem_bw_info":{"bandwidth_gran":10,"delay_linear":1,"min_bandwidth":10,"num_closids":8},` +
        `"mem_bw_schema_root":"MB:0=100","mem_bw_schema":"MB:0=50","mbm_stats":null,"cmt_stats":[{"llc_occupancy":0}]}`
    )
    expect(convert({ cat: false, mba: false, mbm: false, cmt: false })).toEqual({})
  })

  it("writes network interfaces with Go's field names", () => {
    const iface: Events.NetworkInterface = {
      Name: "veth0",
      RxBytes: 1n,
      RxPackets: 2n,
      RxErrors: 0n,
      RxDropped: 0n,
      TxBytes: maxUint64,
      TxPackets: 4n,
      TxErrors: 0n,
      TxDropped: 0n
    }
    const line = Either.getOrThrow(Events.encodeStatsEvent("n", { cgroup: newStats(), interfaces: [iface] }))
    expect(line).toContain(
      `"network_interfaces":[{"Name":"veth0","RxBytes":1,"RxPackets":2,"RxErrors":0,"RxDropped":0,` +
        `"TxBytes":18446744073709551615,"TxPackets":4,"TxErrors":0,"TxDropped":0}]}}\n`
    )
  })
})

const u64 = FastCheck.bigInt({ min: 0n, max: maxUint64 })
const entries = FastCheck.array(FastCheck.record({ major: u64, minor: u64, op: FastCheck.constantFrom("", "Read", "Write", "Total"), value: u64 }), { maxLength: 4 })
const memoryData = FastCheck.record({ usage: u64, max_usage: u64, failcnt: u64, limit: u64 })

/** Arbitrary cgroup stats with the parts `runc events` shows. */
const cgroupStats: FastCheck.Arbitrary<Stats> = FastCheck.record({
  total: u64,
  percpu: FastCheck.array(u64, { maxLength: 4 }),
  kernel: u64,
  user: u64,
  periods: u64,
  cpus: FastCheck.array(FastCheck.integer({ min: 0, max: 65535 }), { maxLength: 6 }),
  relax: FastCheck.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  memory: memoryData,
  swap: memoryData,
  raw: FastCheck.array(FastCheck.tuple(FastCheck.string({ maxLength: 8 }).filter((k) => k !== "__proto__"), u64), { maxLength: 6 }),
  pids: FastCheck.tuple(u64, u64),
  queued: entries,
  hugetlb: FastCheck.array(FastCheck.tuple(FastCheck.constantFrom("2MB", "1GB", "64KB"), FastCheck.record({ usage: u64, max_usage: u64, failcnt: u64 })), { maxLength: 3 })
}).map((r): Stats => {
  const base = newStats()
  return {
    ...base,
    cpu_stats: {
      cpu_usage: { ...base.cpu_stats.cpu_usage, total_usage: r.total, percpu_usage: r.percpu, usage_in_kernelmode: r.kernel, usage_in_usermode: r.user },
      throttling_data: { ...base.cpu_stats.throttling_data, periods: r.periods }
    },
    cpuset_stats: { ...base.cpuset_stats, cpus: r.cpus, sched_relax_domain_level: r.relax },
    memory_stats: { ...base.memory_stats, usage: r.memory, swap_usage: r.swap, stats: new Map(r.raw) },
    pids_stats: { current: r.pids[0], limit: r.pids[1] },
    blkio_stats: { ...base.blkio_stats, io_queue_recursive: r.queued },
    hugetlb_stats: new Map(r.hugetlb)
  }
})

describe("round trips", () => {
  it("any events value: encode, then decode with Go's rules, gives it back", () => {
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(Events.EventStats), (data) => {
        const line = Either.getOrThrow(Events.encodeEvent({ type: "stats", id: "p", data }))
        const parsed = JSON.parse(line.replace(/"data":(.*)}\n$/s, `"data":"x"}`)) as { type: string; id: string }
        expect(parsed).toEqual({ type: "stats", id: "p", data: "x" })
        const dataText = line.slice(`{"type":"stats","id":"p","data":`.length, -2)
        // Go reads `"mbm_stats":null` back as a nil pointer, which it then leaves out: so do we.
        const { cmt_stats, mbm_stats, ...rdt } = data.intel_rdt
        const expected = {
          ...data,
          intel_rdt: { ...rdt, ...(mbm_stats == null ? {} : { mbm_stats }), ...(cmt_stats == null ? {} : { cmt_stats }) }
        }
        expect(Events.decodeEventStats(dataText)).toEqual(Either.right(expected))
      }),
      { numRuns: 100 }
    )
  })

  it("the direct writer of converted stats gives the schema encoder's bytes, RDT and networks included", () => {
    const rdt = FastCheck.record({
      features: FastCheck.record({ cat: FastCheck.boolean(), mba: FastCheck.boolean(), mbm: FastCheck.boolean(), cmt: FastCheck.boolean() }),
      mbm: FastCheck.option(FastCheck.array(FastCheck.record({ mbm_local_bytes: u64, mbm_total_bytes: u64 }), { maxLength: 2 }), { nil: undefined }),
      schema: FastCheck.string({ maxLength: 6 })
    })
    const iface = FastCheck.record({
      TxDropped: u64, Name: FastCheck.string({ maxLength: 5 }), RxBytes: u64, RxPackets: u64, RxErrors: u64, RxDropped: u64,
      TxBytes: u64, TxPackets: u64, TxErrors: u64
    })
    FastCheck.assert(
      FastCheck.property(cgroupStats, rdt, FastCheck.array(iface, { maxLength: 2 }), FastCheck.string({ maxLength: 8 }), (stats, r, interfaces, id) => {
        const input: Events.ContainerStats = {
          cgroup: stats,
          intelRdt: {
            features: r.features,
            stats: {
              l3_cache_info: { num_closids: 1n, cbm_mask: r.schema, min_cbm_bits: 0n },
              l3_cache_schema: r.schema,
              ...(r.mbm === undefined ? {} : { mbm_stats: r.mbm })
            }
          },
          interfaces
        }
        expect(Events.encodeStatsEvent(id, input)).toEqual(
          Events.encodeEvent({ type: "stats", id, data: Events.fromContainerStats(input) })
        )
      }),
      { numRuns: 200 }
    )
  })

  it("converted cgroup stats: encode, decode, and the conversion is what comes back", () => {
    FastCheck.assert(
      FastCheck.property(cgroupStats, (stats) => {
        const converted = Events.fromContainerStats({ cgroup: stats, interfaces: [] })
        const line = Either.getOrThrow(Events.encodeStatsEvent("q", { cgroup: stats, interfaces: [] }))
        expect(Events.decodeEventStats(line.slice(`{"type":"stats","id":"q","data":`.length, -2))).toEqual(Either.right(converted))
        expect(converted.memory.usage.limit).toBe(stats.memory_stats.usage.limit)
        expect(converted.pids.limit ?? 0n).toBe(stats.pids_stats.limit)
      }),
      { numRuns: 200 }
    )
  })
})

describe("network interface counters", () => {
  it.effect("reads the host end's counters swapped, as the container sees them", () =>
    Effect.gen(function*() {
      const dir = "/sys/class/net/veth1/statistics"
      const files: Record<string, string> = {}
      ;["tx_bytes", "tx_packets", "tx_errors", "tx_dropped", "rx_bytes", "rx_packets", "rx_errors", "rx_dropped"].forEach((f, i) => {
        files[`${dir}/${f}`] = `${i + 1}\n`
      })
      files[`${dir}/rx_bytes`] = "18446744073709551615\n"
      const reader = fixtureReader(files)
      expect(yield* Network.interfaceStats(reader, "veth1")).toEqual({
        Name: "veth1",
        RxBytes: 1n,
        RxPackets: 2n,
        RxErrors: 3n,
        RxDropped: 4n,
        TxBytes: maxUint64,
        TxPackets: 6n,
        TxErrors: 7n,
        TxDropped: 8n
      })
      expect(yield* Network.interfaceStats(fixtureReader({}), "")).toMatchObject({ Name: "", RxBytes: 0n })
      const bad = fixtureReader({ ...files, [`${dir}/tx_packets`]: "-1\n" })
      expect((yield* Effect.flip(Network.interfaceStats(bad, "veth1"))).message).toBe(`strconv.ParseUint: parsing "-1": invalid syntax`)
    }))
})
