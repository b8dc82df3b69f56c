/**
 * The stat parsers piece by piece: Go's text primitives (`ParseUint` against
 * Go's own answers, `bufio.Scanner`'s 64 KiB limit), huge page size names,
 * the readers' missing-file rules that the golden cases cannot reach
 * (ENOTSUP, the root cgroup's meminfo, the files each controller opens), and
 * properties over arbitrary file contents: no parser throws, well-formed
 * content reads back exactly (uint64 extremes and `max` included), and a
 * hostile cpuset list cannot make the reader allocate without bound.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import { maxCpusetEntries, parseCpusetList } from "../../../../src/internal/cgroups/stats/cpuset.js"
import * as GoText from "../../../../src/internal/cgroups/stats/goText.js"
import * as Strconv from "../../../../src/internal/strconv.js"
import { hugePageSizes } from "../../../../src/internal/cgroups/stats/hugepages.js"
import * as Reader from "../../../../src/internal/cgroups/stats/reader.js"
import { newStats } from "../../../../src/internal/cgroups/stats/types.js"
import * as V1 from "../../../../src/internal/cgroups/stats/v1.js"
import * as V2 from "../../../../src/internal/cgroups/stats/v2.js"
import { parseJson, type JsonValue, type JsonNumber } from "../../../../src/internal/json/GoJson.js"
import { fixtureReader, fixtureText, golden } from "./fixtures.js"

const maxUint64 = (1n << 64n) - 1n

describe("Go's ParseUint", () => {
  const vectors = (parseJson(fixtureText("vectors.json")) as Either.Right<never, JsonValue>).right as {
    readonly parseUint: ReadonlyArray<{ readonly s: string; readonly base: JsonNumber; readonly bits: JsonNumber }>
  }
  vectors.parseUint.forEach((v, i) => {
    const expected = golden.parseUint[i]!
    it(`ParseUint(${JSON.stringify(v.s)}, ${v.base}, ${v.bits}) as Go answers`, () => {
      const result = Strconv.parseUint(v.s, Number(v.base.literal), Number(v.bits.literal))
      if (expected.error === null) {
        expect(result).toEqual({ _tag: "Ok", value: BigInt(expected.value) })
      } else {
        expect(result._tag).toBe("Err")
        if (result._tag === "Err") {
          expect(GoText.parseUintError(v.s, result.kind)).toBe(expected.error)
          expect(result.value).toBe(BigInt(expected.value))
        }
      }
    })
  })

  it("reads every uint64 back from its decimal text, and refuses one past the end", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.bigInt({ min: 0n, max: maxUint64 }), (n) => {
        expect(Strconv.parseUint(n.toString(), 10, 64)).toEqual({ _tag: "Ok", value: n })
        expect(Strconv.parseUint(`0${n.toString(8)}`, 0, 64)).toEqual({ _tag: "Ok", value: n })
        expect(Strconv.parseUint(`0b${n.toString(2)}`, 0, 64)).toEqual({ _tag: "Ok", value: n })
        expect(Strconv.parseUint(`0x${n.toString(16)}`, 0, 64)).toEqual({ _tag: "Ok", value: n })
        expect(Strconv.parseUint((n + maxUint64 + 1n).toString(), 10, 64)).toEqual({ _tag: "Err", kind: "range", value: maxUint64 })
      })
    )
  })

  it("clamps negative numbers to 0, as fscommon.ParseUint does for kernel counters", () => {
    expect(GoText.parseUintClamped("-4096")).toEqual({ _tag: "Ok", value: 0n })
    expect(GoText.parseUintClamped("-99999999999999999999999")).toEqual({ _tag: "Ok", value: 0n })
    expect(GoText.parseUintClamped("+5")).toEqual({ _tag: "Err", kind: "syntax", value: 0n })
    expect(GoText.parseUintClamped("-x")).toEqual({ _tag: "Err", kind: "syntax", value: 0n })
  })
})

describe("bufio.Scanner lines", () => {
  it.each([
    ["", []],
    ["a", ["a"]],
    ["a\n", ["a"]],
    ["a\n\n", ["a", ""]],
    ["a\r\nb\r", ["a", "b"]],
    ["\n", [""]],
    ["a\r\r\n", ["a\r"]]
  ])("%j → %j", (text, lines) => {
    expect(GoText.scanLines(text)).toEqual({ lines, tooLong: false })
  })

  it("accepts a line of 65535 bytes and stops at one of 65536, after yielding the lines before it", () => {
    expect(GoText.scanLines(`a\n${"x".repeat(65535)}\nb`).lines.map((l) => l.length)).toEqual([1, 65535, 1])
    expect(GoText.scanLines(`a\n${"x".repeat(65536)}\nb`)).toEqual({ lines: ["a"], tooLong: true })
    expect(GoText.scanLines(`a\n${"x".repeat(65536)}`)).toEqual({ lines: ["a"], tooLong: true })
  })

  it("counts UTF-8 bytes, not UTF-16 units", () => {
    expect(GoText.scanLines("é".repeat(32767)).tooLong).toBe(false)
    expect(GoText.scanLines("é".repeat(32768)).tooLong).toBe(true)
  })
})

describe("huge page sizes", () => {
  it.each([
    [["hugepages-1048576kB", "hugepages-2048kB", "hugepages-32768kB", "hugepages-64kB"], ["1GB", "2MB", "32MB", "64KB"], undefined],
    [["hugepages-16777216kB", "hugepages-1536kB", "hugepages-1023kB"], ["16GB", "1MB", "1023KB"], undefined],
    [["hugepages-akB", "hugepages-2048kB"], ["2MB"], `hugepages-akB: strconv.Atoi: parsing "a": invalid syntax`],
    [["hugepages-1024gB", "hugepages-x"], [], `hugepages-1024gB: invalid suffix (expected "kB")`],
    [["hugepages-kB", "hugepages-64kB"], ["64KB"], `hugepages-kB: strconv.Atoi: parsing "": invalid syntax`],
    [["something", "hugepages", "hugepages-2048kB"], ["2MB"], undefined],
    [["hugepages-+2048kB", "hugepages--2kB"], ["2MB", "-2KB"], undefined]
  ])("%j → %j", (names, sizes, warning) => {
    expect(hugePageSizes(names)).toEqual({ sizes, warning })
  })
})

describe("single-value files", () => {
  it("reads max as 2^64-1 and any uint64 exactly", () => {
    expect(Reader.paramUint("/d", "f", "max\n")).toEqual(Either.right(maxUint64))
    FastCheck.assert(
      FastCheck.property(FastCheck.bigInt({ min: 0n, max: maxUint64 }), FastCheck.constantFrom("", "\n", " \n", "\t"), (n, pad) => {
        expect(Reader.paramUint("/d", "f", `${pad}${n}${pad}`)).toEqual(Either.right(n))
      })
    )
  })

  it("reads max as 2^63-1 for int parameters, and negative ones as they are", () => {
    expect(Reader.paramInt("/d", "f", "max")).toEqual(Either.right((1n << 63n) - 1n))
    expect(Reader.paramInt("/d", "f", "-1\n")).toEqual(Either.right(-1n))
  })

  it("finds a key only on a line that is exactly `key value`", () => {
    expect(Reader.valueByKey("/d", "memory.events", "low 0\noom 2\noom_kill 3\n", "oom_kill")).toEqual(Either.right(3n))
    expect(Reader.valueByKey("/d", "memory.events", "oom_kill  3\n", "oom_kill")).toEqual(Either.right(0n))
    expect(Reader.valueByKey("/d", "memory.events", "oom_kill 3 4\noom_kill 5", "oom_kill")).toEqual(Either.right(5n))
    expect(Either.getLeft(Reader.valueByKey("/d", "memory.events", "oom_kill x", "oom_kill")).pipe((o) => o._tag === "Some" ? o.value.message : ""))
      .toBe(`unable to parse /d/memory.events: strconv.ParseUint: parsing "x": invalid syntax`)
  })
})

describe("the readers' missing-file rules", () => {
  it.effect("v2 pids: counts cgroup.threads when cgroup.procs answers ENOTSUP", () =>
    Effect.gen(function*() {
      const reader = fixtureReader({ "/c/cgroup.threads": "1\n2\n3\n4\n" }, ["/c"], { "/c/cgroup.procs": "ENOTSUP" })
      const stats = { ...newStats() }
      yield* V2.statPids(reader, "/c", stats)
      expect(stats.pids_stats).toEqual({ current: 4n, limit: 0n })
      expect(reader.reads).toEqual(["/c/pids.current", "/c/cgroup.procs", "/c/cgroup.threads"])
    }))

  it.effect("v2 pids: another failure of cgroup.procs is the error", () =>
    Effect.gen(function*() {
      const reader = fixtureReader({ "/c/cgroup.threads": "1\n" }, ["/c"], { "/c/cgroup.procs": "EACCES" })
      const exit = yield* Effect.exit(V2.statPids(reader, "/c", { ...newStats() }))
      expect(exit).toEqual(Exit.fail(expect.objectContaining({ code: "EACCES" })))
    }))

  it.effect("v2 memory in the root cgroup: usage and swap from /proc/meminfo", () =>
    Effect.gen(function*() {
      const reader = fixtureReader({ "/sys/fs/cgroup/memory.stat": "anon 5\nfile 7\n" }, ["/sys/fs/cgroup"])
      const meminfo = "MemTotal:       16000000 kB\nMemFree:         6000000 kB\nMemAvailable:    9000000 kB\n" +
        "SwapTotal:       2000000 kB\nSwapFree:        1500000 kB\n"
      const stats = { ...newStats() }
      yield* V2.statMemory(reader, V2.unifiedMountpoint, Effect.succeed(meminfo), stats)
      expect(stats.memory_stats.usage).toEqual({ usage: 10000000n * 1024n, max_usage: 0n, failcnt: 0n, limit: maxUint64 })
      expect(stats.memory_stats.swap_usage).toEqual({ usage: 500000n * 1024n, max_usage: 0n, failcnt: 0n, limit: maxUint64 })
      expect(stats.memory_stats.cache).toBe(7n)
    }))

  it.effect("v2 memory elsewhere: a missing memory.current is the error, meminfo untouched", () =>
    Effect.gen(function*() {
      const reader = fixtureReader({ "/sys/fs/cgroup/c/memory.stat": "anon 5\n" }, [])
      const exit = yield* Effect.exit(V2.statMemory(reader, "/sys/fs/cgroup/c", Effect.die("not read"), { ...newStats() }))
      expect(exit).toEqual(Exit.fail(expect.objectContaining({ path: "/sys/fs/cgroup/c/memory.current", code: "ENOENT" })))
    }))

  it.each([
    ["MemTotal: 1 kB\nMemFree: x kB\n", "unable to parse /proc/meminfo: bad value for MemFree"],
    ["MemTotal: 1 kB\nMemFree: 2 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n" + "x".repeat(70000), undefined],
    ["MemTotal: 1 kB\n" + "x".repeat(70000), "unable to parse /proc/meminfo: bufio.Scanner: token too long"]
  ])("meminfo %#", (content, error) => {
    const parsed = V2.parseMeminfo(content)
    expect(Either.isLeft(parsed) ? parsed.left.message : undefined).toBe(error)
  })

  it("meminfo: free above total wraps as uint64 arithmetic does", () => {
    const parsed = V2.parseMeminfo("MemTotal: 1 kB\nMemFree: 2 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n")
    expect(Either.map(parsed, (m) => m.usage.usage)).toEqual(Either.right(maxUint64 + 1n - 1024n))
  })

  it.effect("v1 reads only the files runc reads, in runc's order", () =>
    Effect.gen(function*() {
      const reader = fixtureReader({}, ["/cg/memory", "/cg/pids", "/cg/cpu", "/cg/cpuacct", "/cg/cpuset", "/cg/blkio", "/cg/hugetlb"])
      const exit = yield* Effect.exit(V1.getStats(reader, {
        paths: { memory: "/cg/memory", cpu: "/cg/cpu", cpuset: "/cg/cpuset", blkio: "/cg/blkio", devices: "/cg/devices" },
        hugePageSizes: ["2MB"]
      }))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(reader.reads).toEqual([
        "/cg/cpuset/cpuset.cpus",
        "/cg/cpuset/cpuset.cpu_exclusive",
        "/cg/cpuset/cpuset.mems",
        "/cg/cpuset/cpuset.mem_hardwall",
        "/cg/cpuset/cpuset.mem_exclusive",
        "/cg/cpuset/cpuset.memory_migrate",
        "/cg/cpuset/cpuset.memory_spread_page",
        "/cg/cpuset/cpuset.memory_spread_slab",
        "/cg/cpuset/cpuset.memory_pressure",
        "/cg/cpuset/cpuset.sched_load_balance",
        "/cg/cpuset/cpuset.sched_relax_domain_level",
        "/cg/memory/memory.stat",
        "/cg/cpu/cpu.stat",
        "/cg/blkio/blkio.bfq.sectors_recursive",
        "/cg/blkio/blkio.bfq.io_serviced_recursive",
        "/cg/blkio/blkio.sectors_recursive",
        "/cg/blkio/blkio.throttle.io_serviced_recursive",
        "/cg/blkio/blkio.throttle.io_serviced"
      ])
    }))

  it.effect("oom kill counters: memory.oom_control on v1, memory.events on v2", () =>
    Effect.gen(function*() {
      const reader = fixtureReader({
        "/v1/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        "/v2/memory.events": "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n"
      })
      expect(yield* V1.oomKillCount(reader, "/v1")).toBe(2n)
      expect(yield* V2.oomKillCount(reader, "/v2")).toBe(1n)
      expect(yield* Effect.flip(V2.oomKillCount(reader, "/gone"))).toMatchObject({ code: "ENOENT" })
    }))
})

describe("cpuset lists", () => {
  it("expands well-formed lists to the numbers they name", () => {
    const list = FastCheck.uniqueArray(FastCheck.integer({ min: 0, max: 65535 }), { maxLength: 40 })
      .filter((xs) => xs.length > 0)
      .map((xs) => [...xs].sort((a, b) => a - b))
    FastCheck.assert(
      FastCheck.property(list, FastCheck.boolean(), (numbers, trailingNewline) => {
        // collapse runs into ranges, as the kernel prints them
        const parts: Array<string> = []
        for (let i = 0; i < numbers.length;) {
          let j = i
          while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++
          parts.push(i === j ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`)
          i = j + 1
        }
        const text = parts.join(",") + (trailingNewline ? "\n" : "")
        expect(parseCpusetList("/c", "cpuset.cpus", text)).toEqual(Either.right(numbers))
      })
    )
  })

  it("refuses a list that would expand past every uint16 once, without building it", () => {
    const hostile = Array.from({ length: 1000 }, () => "0-65535").join(",")
    const result = parseCpusetList("/c", "cpuset.cpus", hostile)
    expect(Either.isLeft(result) ? result.left.message : "").toBe("unable to parse /c/cpuset.cpus: too many entries")
    expect(Either.map(parseCpusetList("/c", "cpuset.cpus", "0-65535"), (xs) => xs.length)).toEqual(Either.right(maxCpusetEntries))
  })
})

const anyText = FastCheck.oneof(
  FastCheck.string({ unit: "binary", maxLength: 300 }),
  FastCheck.array(
    FastCheck.oneof(
      FastCheck.constantFrom("max", "-1", "18446744073709551615", "18446744073709551616", "0x10", "=", ":", " ", "\n", "\r\n", "N0=", "total=", "Total", "8:0", "rbytes=", "user", "system", "hca_handle="),
      FastCheck.bigInt({ min: 0n, max: maxUint64 }).map(String),
      FastCheck.string({ maxLength: 6 })
    ),
    { maxLength: 60 }
  ).map((parts) => parts.join(""))
)

describe("arbitrary file contents", () => {
  const parsers: ReadonlyArray<readonly [string, (text: string) => unknown]> = [
    ["cpu.stat v1", (t) => V1.parseCpuStat("/c", t, newStats().cpu_stats.throttling_data)],
    ["cpuacct.stat", (t) => V1.parseCpuacctStat("/c", t)],
    ["cpuacct.usage_percpu", (t) => V1.parsePercpuUsage("/c", t)],
    ["cpuacct.usage_all", (t) => V1.parseCpuacctUsageAll("/c", t)],
    ["cpuset list", (t) => parseCpusetList("/c", "cpuset.cpus", t)],
    ["memory.stat v1", (t) => V1.parseMemoryStatV1("/c", t)],
    ["memory.numa_stat", (t) => V1.parseNumaStat("/c", t)],
    ["blkio stat", (t) => V1.parseBlkioStat("/c", "blkio.throttle.io_serviced", t)],
    ["rdma entries", (t) => V1.parseRdmaEntries(t)],
    ["memory.stat v2", (t) => V2.parseMemoryStatV2("/c", t, new Map())],
    ["meminfo", (t) => V2.parseMeminfo(t)],
    ["io.stat", (t) => V2.parseIoStat("/c", t)],
    ["cpu.stat v2", (t) => V2.parseCpuStatV2("/c", t, newStats().cpu_stats)],
    ["single uint", (t) => Reader.paramUint("/c", "f", t)],
    ["single int", (t) => Reader.paramInt("/c", "f", t)],
    ["value by key", (t) => Reader.valueByKey("/c", "f", t, "oom_kill")],
    ["key value", (t) => Reader.keyValue(t)]
  ]

  for (const [name, parse] of parsers) {
    it(`${name}: an Either, never a throw`, () => {
      FastCheck.assert(
        FastCheck.property(anyText, (text) => {
          const result = parse(text)
          expect(Either.isEither(result)).toBe(true)
        }),
        { numRuns: 300 }
      )
    })
  }

  it.effect("whole v1 and v2 reads: a result or a typed failure, for any content in any file", () =>
    Effect.gen(function*() {
      const v1Files = [
        "cpuset/cpuset.cpus", "cpuset/cpuset.mems", "cpuset/cpuset.sched_relax_domain_level", "memory/memory.stat",
        "memory/memory.usage_in_bytes", "memory/memory.max_usage_in_bytes", "memory/memory.failcnt", "memory/memory.limit_in_bytes",
        "memory/memory.use_hierarchy", "memory/memory.numa_stat", "cpu/cpu.stat", "cpuacct/cpuacct.stat", "cpuacct/cpuacct.usage",
        "cpuacct/cpuacct.usage_percpu", "cpuacct/cpuacct.usage_all", "pids/pids.current", "pids/pids.max",
        "blkio/blkio.throttle.io_serviced_recursive", "blkio/blkio.throttle.io_service_bytes_recursive", "rdma/rdma.current", "rdma/rdma.max"
      ]
      const v2Files = ["pids.current", "pids.max", "cgroup.procs", "memory.stat", "memory.current", "memory.max", "memory.swap.current",
        "memory.swap.max", "io.stat", "cpu.stat", "hugetlb.2MB.current", "hugetlb.2MB.events", "rdma.current", "rdma.max"]
      const contents = (names: ReadonlyArray<string>) =>
        FastCheck.record(Object.fromEntries(names.map((n) => [n, FastCheck.option(anyText, { nil: undefined })])))
      yield* Effect.promise(() =>
        FastCheck.assert(
          FastCheck.asyncProperty(contents(v1Files), contents(v2Files), async (v1, v2) => {
            const v1Reader = fixtureReader(
              Object.fromEntries(Object.entries(v1).filter(([, c]) => c !== undefined).map(([n, c]) => [`/f/${n}`, c!])),
              ["/f/cpuset", "/f/memory", "/f/cpu", "/f/cpuacct", "/f/pids", "/f/blkio", "/f/rdma"]
            )
            const paths = Object.fromEntries(["cpuset", "memory", "cpu", "cpuacct", "pids", "blkio", "rdma"].map((s) => [s, `/f/${s}`]))
            const exit1 = await Effect.runPromiseExit(V1.getStats(v1Reader, { paths, hugePageSizes: ["2MB"] }))
            expect(Exit.isSuccess(exit1) || Exit.isFailure(exit1) && exit1.cause._tag === "Fail").toBe(true)
            const v2Reader = fixtureReader(
              Object.fromEntries(Object.entries(v2).filter(([, c]) => c !== undefined).map(([n, c]) => [`/g/${n}`, c!])),
              ["/g"]
            )
            const exit2 = await Effect.runPromiseExit(
              V2.getStats(v2Reader, { dir: "/g", hugePageSizes: ["2MB"], meminfo: Effect.succeed(""), rootless: false })
            )
            expect(Exit.isSuccess(exit2) || Exit.isFailure(exit2) && exit2.cause._tag === "Fail").toBe(true)
          }),
          { numRuns: 200 }
        )
      )
    }))

  it("well-formed memory.stat: every key and uint64 value read back exactly", () => {
    const key = FastCheck.stringMatching(/^[a-z_]{1,20}$/)
    FastCheck.assert(
      FastCheck.property(FastCheck.uniqueArray(FastCheck.tuple(key, FastCheck.bigInt({ min: 0n, max: maxUint64 })), { selector: ([k]) => k, maxLength: 50 }), (pairs) => {
        const text = pairs.map(([k, v]) => `${k} ${v}\n`).join("")
        expect(V1.parseMemoryStatV1("/c", text)).toEqual(Either.right(new Map(pairs)))
        const into = new Map<string, bigint>()
        expect(Either.isRight(V2.parseMemoryStatV2("/c", text, into))).toBe(true)
        expect(into).toEqual(new Map(pairs))
      })
    )
  })

  it("well-formed io.stat: bytes and ios of every device, exact", () => {
    const u64 = FastCheck.bigInt({ min: 0n, max: maxUint64 })
    const device = FastCheck.record({ major: FastCheck.bigInt({ min: 0n, max: 4095n }), minor: FastCheck.bigInt({ min: 0n, max: 1048575n }), rbytes: u64, wbytes: u64, rios: u64, wios: u64 })
    FastCheck.assert(
      FastCheck.property(FastCheck.uniqueArray(device, { selector: (d) => `${d.major}:${d.minor}`, maxLength: 8 }), (devices) => {
        const text = devices.map((d) => `${d.major}:${d.minor} rbytes=${d.rbytes} wbytes=${d.wbytes} rios=${d.rios} wios=${d.wios} dbytes=0 dios=0\n`).join("")
        const parsed = V2.parseIoStat("/c", text)
        expect(Either.map(parsed, (b) => b.io_service_bytes_recursive)).toEqual(Either.right(devices.flatMap((d) => [
          { op: "Read", major: d.major, minor: d.minor, value: d.rbytes },
          { op: "Write", major: d.major, minor: d.minor, value: d.wbytes }
        ])))
        expect(Either.map(parsed, (b) => b.io_serviced_recursive)).toEqual(Either.right(devices.flatMap((d) => [
          { op: "Read", major: d.major, minor: d.minor, value: d.rios },
          { op: "Write", major: d.major, minor: d.minor, value: d.wios }
        ])))
      })
    )
  })
})
