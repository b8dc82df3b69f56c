/**
 * Stats through the whole wired path — `CgroupManager.getStats` and
 * `Container.stats` over the Filesystem port on the simulated cgroupfs,
 * whose files can hold anything — for arbitrary well-formed and malformed
 * stat files:
 *
 * - never a throw or a defect: a value or a typed failure;
 * - never an unbounded read: every read of a cgroup file is checked to be
 *   on cgroupfs and bounded by `maxStatFileSize`, and a longer file is
 *   `read <path>: file too large`;
 * - well-formed usage comes back exact, and runc's JSON line of it reads
 *   back (with Go's rules) as the conversion of the stats.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as CgroupManager from "../src/CgroupManager.js"
import type { CgroupMode } from "../src/CgroupManager.js"
import * as Config from "../src/Config.js"
import * as Container from "../src/Container.js"
import { Filesystem, type FilesystemService } from "../src/Filesystem.js"
import { decodeEventStats, fromContainerStats } from "../src/internal/cgroups/stats/events.js"
import { maxStatFileSize } from "../src/internal/cgroups/stats/reader.js"
import * as IntelRdt from "../src/IntelRdt.js"
import * as MemoryHost from "../src/memory/MemoryHost.js"

const maxUint64 = (1n << 64n) - 1n

/** Text that often looks like a stat file and often does not. */
const anyText = FastCheck.oneof(
  FastCheck.string({ maxLength: 200 }),
  FastCheck.array(
    FastCheck.oneof(
      FastCheck.constantFrom("max", "-1", "18446744073709551616", "0x10", "=", ":", " ", "\n", "\t", "N0=", "total=", "Total", "8:0", "rbytes=", "user", "system", "cache", "oom_kill", "usage_usec"),
      FastCheck.bigInt({ min: 0n, max: maxUint64 }).map(String),
      FastCheck.string({ maxLength: 6 })
    ),
    { maxLength: 60 }
  ).map((parts) => parts.join(""))
)

/** The files runc's stat code reads, by controller directory (v1) or in the one cgroup (v2). */
const filesOf = (mode: CgroupMode): ReadonlyArray<readonly [string, string]> =>
  mode === "unified"
    ? ["pids.current", "pids.max", "cgroup.procs", "memory.stat", "memory.current", "memory.max", "memory.swap.current",
      "memory.swap.max", "memory.events", "io.stat", "cpu.stat", "hugetlb.2MB.current", "hugetlb.2MB.events", "rdma.current",
      "rdma.max"].map((f) => ["", f] as const)
    : [
      ["cpuset", "cpuset.cpus"], ["cpuset", "cpuset.mems"], ["cpuset", "cpuset.sched_relax_domain_level"],
      ["memory", "memory.stat"], ["memory", "memory.usage_in_bytes"], ["memory", "memory.max_usage_in_bytes"],
      ["memory", "memory.limit_in_bytes"], ["memory", "memory.memsw.usage_in_bytes"], ["memory", "memory.use_hierarchy"],
      ["memory", "memory.numa_stat"], ["memory", "memory.oom_control"], ["cpu", "cpu.stat"], ["cpuacct", "cpuacct.stat"],
      ["cpuacct", "cpuacct.usage"], ["cpuacct", "cpuacct.usage_percpu"], ["cpuacct", "cpuacct.usage_all"],
      ["pids", "pids.current"], ["pids", "pids.max"], ["blkio", "blkio.throttle.io_serviced_recursive"],
      ["blkio", "blkio.throttle.io_service_bytes_recursive"], ["blkio", "blkio.bfq.sectors_recursive"]
    ]

/** A content for a file: left as the kernel computes it, taken away, or replaced. */
const fileContent = FastCheck.oneof(
  { arbitrary: FastCheck.constant<string | null | undefined>(undefined), weight: 2 },
  { arbitrary: FastCheck.constant<string | null | undefined>(null), weight: 1 },
  { arbitrary: anyText, weight: 4 }
)

/** A simulated host with one cgroup `/app`, and its Filesystem recording the size limit of every cgroupfs read. */
const hostWith = (mode: CgroupMode) => {
  const host = MemoryHost.unsafeMake({ cgroupMode: mode })
  const fs = MemoryHost.filesystem(host)
  const reads: Array<readonly [string, number | undefined, boolean]> = []
  const recording: FilesystemService = {
    ...fs,
    readFile: (path, options) => {
      if (path.startsWith("/sys/fs/cgroup/")) reads.push([path, options?.maxBytes, false])
      return fs.readFile(path, options)
    },
    readFileOn: (path, types, options) => {
      if (path.startsWith("/sys/fs/cgroup/")) reads.push([path, options?.maxBytes, true])
      return fs.readFileOn(path, types, options)
    }
  }
  const layer = Layer.merge(CgroupManager.layer, IntelRdt.layer).pipe(
    Layer.provideMerge(Layer.mergeAll(Layer.succeed(Filesystem, recording), Layer.succeed(MemoryHost.MemoryHost, host)))
  )
  return { host, reads, layer }
}

/** Makes the cgroup's directories as runc does: a v1 cpuset gets its parent's CPUs and nodes. */
const makeCgroup = (host: MemoryHost.SimulatedHost, dirs: Readonly<Record<string, string>>): void => {
  for (const dir of new Set(Object.values(dirs))) Either.getOrThrow(host.cgroups.mkdir(dir))
  const cpuset = dirs["cpuset"]
  if (cpuset === undefined) return
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    const parent = Either.getOrThrow(host.fs.readFile(`/sys/fs/cgroup/cpuset/${file}`, { maxBytes: 4096 }))
    Either.getOrThrow(host.fs.writeFile(`${cpuset}/${file}`, parent, "existing", 0))
  }
}

const modes: ReadonlyArray<CgroupMode> = ["unified", "hybrid"]

for (const mode of modes) {
  describe(`stats through the Filesystem port, arbitrary files (${mode})`, () => {
    const paths = (name: string): Record<string, string> =>
      mode === "unified"
        ? { "": `/sys/fs/cgroup/${name}` }
        : Object.fromEntries(["cpuset", "memory", "cpu", "cpuacct", "pids", "blkio", "devices", "freezer"].map((c) => [c, `/sys/fs/cgroup/${c}/${name}`]))

    it("a value or a typed failure, every read checked and bounded", async () => {
      await FastCheck.assert(
        FastCheck.asyncProperty(FastCheck.array(fileContent, { minLength: filesOf(mode).length, maxLength: filesOf(mode).length }), async (contents) => {
          const { host, layer, reads } = hostWith(mode)
          const dirs = paths("app")
          makeCgroup(host, dirs)
          filesOf(mode).forEach(([controller, file], i) => {
            const dir = dirs[controller]!
            const content = contents[i]
            if (content === null) Either.getOrThrow(host.cgroups.removeFile(dir, file))
            else if (content !== undefined) Either.getOrThrow(host.cgroups.setFile(dir, file, content))
          })
          const exit = await Effect.runPromiseExit(
            Effect.flatMap(CgroupManager.CgroupManager, (s) => s.newWithPaths(Config.makeCgroup({ Resources: Config.makeResources() }), dirs)).pipe(
              Effect.flatMap((m) => Effect.zip(Effect.either(m.getStats), Effect.either(m.oomKillCount))),
              Effect.provide(layer)
            )
          )
          expect(Exit.isSuccess(exit)).toBe(true)
          expect(reads.length).toBeGreaterThan(0)
          for (const [path, maxBytes, checked] of reads) {
            expect(checked, path).toBe(true)
            expect(maxBytes, path).toBeLessThanOrEqual(maxStatFileSize)
          }
        }),
        { numRuns: 150 }
      )
    })

    it.effect("a file longer than maxStatFileSize is `file too large`, in runc's wrapping", () =>
      Effect.gen(function*() {
        const { host, layer } = hostWith(mode)
        const dirs = paths("big")
        makeCgroup(host, dirs)
        const memory = dirs["memory"] ?? dirs[""]!
        Either.getOrThrow(host.cgroups.setFile(memory, "memory.stat", "cache 1\n".repeat(maxStatFileSize / 8 + 1)))
        const manager = yield* Effect.flatMap(CgroupManager.CgroupManager, (s) =>
          s.newWithPaths(Config.makeCgroup({ Resources: Config.makeResources() }), dirs)).pipe(Effect.provide(layer))
        const error = yield* Effect.flip(manager.getStats).pipe(Effect.provide(layer))
        const tooLarge = `read ${memory}/memory.stat: file too large`
        expect(error.message).toBe(mode === "unified" ? `error while statting cgroup v2: [${tooLarge}]` : tooLarge)
      }))

    it("well-formed usage: read back exact, and runc's line of it reads back as the conversion", async () => {
      const u64 = FastCheck.bigInt({ min: 0n, max: 1n << 62n })
      const usage = FastCheck.record({
        memory: u64,
        cache: u64,
        swap: u64,
        cpuUser: FastCheck.bigInt({ min: 0n, max: 1n << 40n }).map((n) => n * 1000n),
        cpuSystem: FastCheck.bigInt({ min: 0n, max: 1n << 40n }).map((n) => n * 1000n),
        periods: u64,
        memoryStat: FastCheck.dictionary(FastCheck.stringMatching(/^x_[a-z_]{1,12}$/), FastCheck.bigInt({ min: 0n, max: maxUint64 }), { maxKeys: 8 })
      })
      await FastCheck.assert(
        FastCheck.asyncProperty(usage, async (seed) => {
          const { host, layer } = hostWith(mode)
          const dirs = paths("app")
          makeCgroup(host, dirs)
          for (const [controller, dir] of Object.entries(dirs)) {
            if (["", "memory", "cpu", "cpuacct"].includes(controller)) Either.getOrThrow(host.cgroups.setUsage(dir, seed))
          }
          const stats = await Effect.runPromise(
            Effect.flatMap(CgroupManager.CgroupManager, (s) => s.newWithPaths(Config.makeCgroup({ Resources: Config.makeResources() }), dirs)).pipe(
              Effect.flatMap((m) => m.getStats),
              Effect.provide(layer)
            )
          )
          expect(stats.memory_stats.usage.usage).toBe(seed.memory)
          expect(stats.memory_stats.cache).toBe(seed.cache)
          expect(stats.cpu_stats.cpu_usage.total_usage).toBe(seed.cpuUser + seed.cpuSystem)
          expect(stats.cpu_stats.throttling_data.periods).toBe(seed.periods)
          for (const [key, value] of Object.entries(seed.memoryStat)) expect(stats.memory_stats.stats.get(key)).toBe(value)
          const line = Either.getOrThrow(Container.formatEvent({ type: "stats", id: "app", stats: { cgroup: stats, interfaces: [] } }))
          const data = line.slice(line.indexOf(`,"data":`) + 8, -2)
          expect(Either.getOrThrow(decodeEventStats(data))).toEqual(fromContainerStats({ cgroup: stats, interfaces: [] }))
        }),
        { numRuns: 100 }
      )
    })
  })
}
