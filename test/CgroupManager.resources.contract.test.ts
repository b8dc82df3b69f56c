/**
 * The CgroupManager's resource operations — `getStats`, `set`,
 * `oomKillCount` — as one contract run on this machine's real cgroupfs (as
 * root: the v1 hierarchies through fs, the cgroup2 mount at
 * /sys/fs/cgroup/unified through fs2, where this kernel offers only the
 * hugetlb controller) and on simulated hosts laid out the same way (the
 * same hierarchies, the same cgroup2 controllers, this machine's huge page
 * sizes). Kernel answers — page rounding, clamped shares, ERANGE, EINVAL,
 * missing controller files — must be the same on both.
 */
import { afterAll, beforeAll, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as CgroupManagerModule from "../src/CgroupManager.js"
import { CgroupManager } from "../src/CgroupManager.js"
import * as Config from "../src/Config.js"
import { Filesystem } from "../src/Filesystem.js"
import * as MemoryHost from "../src/memory/MemoryHost.js"
import * as NodeHost from "../src/node/NodeHost.js"
import {
  type CgroupFixture,
  leakedRealCgroups,
  memorySandbox,
  onMemory,
  realSandbox,
  realV1Mounts,
  type Sandbox,
  uniqueName
} from "./support/cgroups.js"
import { cgroupV1, cgroupV2, describeWith, root } from "./support/prerequisites.js"

const MiB = 1024n * 1024n
const unlimited = 9223372036854771712n
const decoder = new TextDecoder()

const withResources = (path: string) => Config.makeCgroup({ path, Resources: Config.makeResources() })

/** A manager for a fresh absolute cgroup whose directories exist in the sandbox. */
const created = (sandbox: Sandbox) =>
  Effect.gen(function*() {
    const manager = yield* Effect.flatMap(CgroupManager, (s) => s.new(withResources(`/${uniqueName()}`)))
    const paths = yield* manager.getPaths
    for (const dir of new Set(Object.values(paths))) yield* sandbox.mkdir(dir)
    return { manager, paths }
  })

const read = (path: string) => Effect.flatMap(Filesystem, (fs) => Effect.map(fs.readFile(path), (b) => decoder.decode(b)))


const expand = (list: string): ReadonlyArray<number> =>
  list.trim().split(",").filter((p) => p !== "").flatMap((part) => {
    const [a, b = a] = part.split("-").map(Number) as [number, number?]
    return Array.from({ length: b! - a + 1 }, (_, i) => a + i)
  })

/** A fixture whose layer also gives the Filesystem the manager writes through, to read the files back. */
type ResourceFixture = Omit<CgroupFixture, "layer"> & { readonly layer: Layer.Layer<CgroupManager | Filesystem> }

const prerequisitesOf = (fixture: ResourceFixture) => (fixture.real ? [root, cgroupV1, cgroupV2] : [])

/** The cpuset root's CPUs of this machine, for a simulated host with as many. */
const hostCpus = (): number => {
  try {
    return expand(readFileSync("/sys/fs/cgroup/cpuset/cpuset.cpus", "utf8")).length
  } catch {
    return 2
  }
}

/** This machine's hybrid layout through fs, and a simulated hybrid host with as many CPUs, each with its Filesystem. */
const v1Fixtures = (): ReadonlyArray<ResourceFixture> => {
  const host = MemoryHost.unsafeMake({ cgroupMode: "hybrid", cpus: hostCpus() })
  return [
    {
      name: "layer on NodeHost (real cgroupfs, hybrid)",
      real: true,
      layer: CgroupManagerModule.layer.pipe(Layer.provideMerge(NodeHost.layerFilesystem)),
      mounts: realV1Mounts(),
      sandbox: realSandbox
    },
    {
      name: "layer on MemoryHost (simulated hybrid cgroupfs)",
      real: false,
      layer: Layer.merge(onMemory(host), Layer.succeed(Filesystem, MemoryHost.filesystem(host))),
      mounts: {},
      sandbox: memorySandbox(host)
    }
  ]
}

for (const fixture of v1Fixtures()) {
  describeWith(prerequisitesOf(fixture), `CgroupManager resources, v1 (fs): ${fixture.name}`, () => {
    layer(fixture.layer, { excludeTestServices: true })((it) => {
      it.scoped("an empty cgroup: no usage, the kernel's unlimited figures, its parent's CPUs", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { manager } = yield* created(sandbox)
          const stats = yield* manager.getStats
          expect(stats.memory_stats.usage).toEqual({ usage: 0n, max_usage: 0n, failcnt: 0n, limit: unlimited })
          expect(stats.memory_stats.swap_usage.limit).toBe(unlimited)
          expect(stats.memory_stats.use_hierarchy).toBe(true)
          expect(stats.memory_stats.stats.get("hierarchical_memory_limit")).toBe(unlimited)
          expect(stats.pids_stats).toEqual({ current: 0n, limit: 0n })
          expect(stats.cpuset_stats.cpus).toEqual(expand(yield* read("/sys/fs/cgroup/cpuset/cpuset.cpus")))
          expect(stats.cpuset_stats.sched_relax_domain_level).toBe(-1n)
          expect(stats.cpu_stats.cpu_usage.total_usage).toBe(0n)
          expect(stats.cpu_stats.throttling_data).toEqual({ periods: 0n, throttled_periods: 0n, throttled_time: 0n })
          expect(stats.blkio_stats.io_service_bytes_recursive).toEqual([])
          expect(stats.hugetlb_stats.size).toBe(0)
          expect(yield* manager.oomKillCount).toBe(0n)
        }))

      it.scoped("limits written by set read back, in the files and in the stats; a member counts in pids", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { manager, paths } = yield* created(sandbox)
          yield* sandbox.spawn(Object.values(paths))
          const saved = yield* manager.set(Config.makeResources({
            memory: 64n * MiB + 100n,
            memory_reservation: 32n * MiB,
            pids_limit: 32n,
            cpu_shares: 512n,
            cpu_quota: 50000n,
            cpu_period: 100000n,
            cpuset_cpus: "0"
          }))
          expect(saved.memory).toBe(64n * MiB + 100n)
          const stats = yield* manager.getStats
          // the kernel keeps whole pages
          expect(stats.memory_stats.usage.limit).toBe(64n * MiB)
          expect(stats.pids_stats).toEqual({ current: 1n, limit: 32n })
          expect(stats.cpuset_stats.cpus).toEqual([0])
          expect(yield* read(`${paths["cpu"]}/cpu.shares`)).toBe("512\n")
          expect(yield* read(`${paths["cpu"]}/cpu.cfs_quota_us`)).toBe("50000\n")
          expect(yield* read(`${paths["memory"]}/memory.soft_limit_in_bytes`)).toBe(`${32n * MiB}\n`)
          // memory -1 unlimits, and with swap accounting runc also leaves memory_swap -1
          const unlimitedMemory = yield* manager.set(Config.makeResources({ memory: -1n, pids_limit: -1n }))
          expect([unlimitedMemory.memory, unlimitedMemory.memory_swap]).toEqual([-1n, -1n])
          expect(yield* read(`${paths["memory"]}/memory.limit_in_bytes`)).toBe(`${unlimited}\n`)
          expect(yield* read(`${paths["pids"]}/pids.max`)).toBe("max\n")
        }))

      it.scoped("set: the kernel's clamps and refusals, in runc's words", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { manager, paths } = yield* created(sandbox)
          const refused = (r: Partial<Config.Resources>) =>
            Effect.map(Effect.flip(manager.set(Config.makeResources(r))), (e) => e.message)
          expect(yield* refused({ cpu_shares: 1n })).toBe("the minimum allowed cpu-shares is 2")
          expect(yield* refused({ cpu_shares: 9999999n })).toBe("the maximum allowed cpu-shares is 262144")
          expect(yield* refused({ cpuset_cpus: "0-100000" })).toBe(
            `failed to write "0-100000": write ${paths["cpuset"]}/cpuset.cpus: numerical result out of range`
          )
          expect(yield* refused({ cpu_period: 10n })).toBe(
            `failed to write "10": write ${paths["cpu"]}/cpu.cfs_period_us: invalid argument`
          )
          yield* manager.set(Config.makeResources({ memory: 64n * MiB }))
          // swap above the current limit goes first (runc's order); then memory above memory+swap is EINVAL
          expect(yield* refused({ memory: 128n * MiB, memory_swap: 96n * MiB })).toBe(
            `failed to write "${128n * MiB}": write ${paths["memory"]}/memory.limit_in_bytes: invalid argument`
          )
          expect(yield* read(`${paths["memory"]}/memory.memsw.limit_in_bytes`)).toBe(`${96n * MiB}\n`)
          expect(yield* refused({ memory: 64n * MiB, memory_swap: 32n * MiB })).toBe(
            `failed to write "${32n * MiB}": write ${paths["memory"]}/memory.memsw.limit_in_bytes: invalid argument`
          )
          expect(yield* refused({ memory_swappiness: 101n })).toBe("invalid memory swappiness value: 101 (valid range is 0-100)")
          expect(yield* refused({ unified: {} })).toBe("invalid configuration: cannot use unified on cgroup v1")
        }))

      it.effect("without a memory path: stats skip it; the OOM count is runc's `no directory` error", () =>
        Effect.gen(function*() {
          const manager = yield* Effect.flatMap(CgroupManager, (s) =>
            s.newWithPaths(withResources("/unused"), { devices: `/sys/fs/cgroup/devices/${uniqueName()}` }))
          expect((yield* manager.getStats).memory_stats.usage.limit).toBe(0n)
          expect((yield* Effect.flip(manager.oomKillCount)).message).toBe("no directory specified for memory.oom_control")
        }))
    })

    if (fixture.real) {
      afterAll(() => {
        expect(leakedRealCgroups().filter((p) => p.includes(`elc-test-${process.pid}-`))).toEqual([])
      })
    }
  })
}

/** This machine's huge page sizes in kB, in the kernel's order (the simulated host copies them). */
const hostHugePages = (): ReadonlyArray<number> => {
  try {
    return readdirSync("/sys/kernel/mm/hugepages").map((n) => Number(/^hugepages-(\d+)kB$/.exec(n)?.[1])).filter((n) => n > 0)
  } catch {
    return []
  }
}

const unifiedMount = "/sys/fs/cgroup/unified"

/** The controllers this kernel's hybrid cgroup2 mount offers (those not bound to a v1 hierarchy). */
const hostUnifiedControllers = (): ReadonlyArray<string> => {
  try {
    return readFileSync(`${unifiedMount}/cgroup.controllers`, "utf8").trim().split(/\s+/).filter((c) => c !== "")
  } catch {
    return []
  }
}

const v2Fixtures = (): ReadonlyArray<ResourceFixture> => {
  const host = MemoryHost.unsafeMake({
    cgroupMode: "unified",
    unifiedControllers: hostUnifiedControllers(),
    hugePages: hostHugePages()
  })
  return [
    {
      name: "cgroup2 at /sys/fs/cgroup/unified on NodeHost",
      real: true,
      layer: CgroupManagerModule.layerWith({ root: unifiedMount }).pipe(Layer.provideMerge(NodeHost.layerFilesystem)),
      mounts: { "": unifiedMount },
      sandbox: realSandbox
    },
    {
      name: "simulated unified host with the same controllers",
      real: false,
      layer: Layer.merge(onMemory(host), Layer.succeed(Filesystem, MemoryHost.filesystem(host))),
      mounts: { "": "/sys/fs/cgroup" },
      sandbox: memorySandbox(host)
    }
  ]
}

const hugetlb = hostUnifiedControllers().includes("hugetlb") && hostHugePages().length > 0

for (const fixture of v2Fixtures()) {
  describeWith(prerequisitesOf(fixture), `CgroupManager resources, v2 (fs2): ${fixture.name}`, () => {
    const mount = fixture.mounts[""]!
    if (fixture.real) {
      // hugetlb into the children of the mount's root (left on: other suites may have cgroups using it)
      beforeAll(() => {
        if (hugetlb && !readFileSync(`${unifiedMount}/cgroup.subtree_control`, "utf8").includes("hugetlb")) {
          writeFileSync(`${unifiedMount}/cgroup.subtree_control`, "+hugetlb")
        }
      })
    }

    layer(fixture.layer, { excludeTestServices: true })((it) => {
      it.scoped("stats: processes counted from cgroup.procs without the pids controller, no memory or io files, hugetlb by size", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { manager, paths } = yield* created(sandbox)
          const dir = paths[""]!
          expect(dir.startsWith(`${mount}/`)).toBe(true)
          yield* sandbox.spawn([dir])
          yield* sandbox.spawn([dir])
          const stats = yield* manager.getStats
          expect(stats.pids_stats).toEqual({ current: 2n, limit: 0n })
          expect(stats.memory_stats.usage).toEqual({ usage: 0n, max_usage: 0n, failcnt: 0n, limit: 0n })
          expect(stats.memory_stats.stats.size).toBe(0)
          expect(stats.blkio_stats.io_service_bytes_recursive).toEqual([])
          expect(stats.cpu_stats.throttling_data.periods).toBe(0n)
          if (hugetlb) {
            expect([...stats.hugetlb_stats.keys()].sort()).toEqual(
              hostHugePages().map((kB) => (kB >= 1 << 20 ? `${kB >> 20}GB` : `${kB >> 10}MB`)).sort()
            )
            for (const entry of stats.hugetlb_stats.values()) expect(entry).toEqual({ usage: 0n, max_usage: 0n, failcnt: 0n })
          }
        }))

      it.scoped("set: a hugetlb limit in whole huge pages; a controller the cgroup lacks, in runc's words", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { manager, paths } = yield* created(sandbox)
          const dir = paths[""]!
          if (hugetlb) {
            yield* manager.set(Config.makeResources({ hugetlb_limit: [{ page_size: "2MB", limit: 4n * MiB + 4096n }] }))
            expect(yield* read(`${dir}/hugetlb.2MB.max`)).toBe(`${4n * MiB}\n`)
          }
          expect((yield* Effect.flip(manager.set(Config.makeResources({ pids_limit: 10n })))).message).toBe(
            `openat2 ${dir}/pids.max: no such file or directory`
          )
          expect((yield* Effect.flip(manager.set(Config.makeResources({ unified: { "pids.max": "10" } })))).message).toBe(
            `unified resource "pids.max" can't be set: controller "pids" not available`
          )
          expect((yield* Effect.flip(manager.set(Config.makeResources({ unified: { "../x": "1" } })))).message).toBe(
            `unified resource "../x" must be a file name (no slashes)`
          )
          expect((yield* Effect.flip(manager.oomKillCount)).message).toBe(`openat2 ${dir}/memory.events: no such file or directory`)
        }))
    })

    if (fixture.real) {
      afterAll(() => {
        expect(leakedRealCgroups().filter((p) => p.includes(`elc-test-${process.pid}-`))).toEqual([])
      })
    }
  })
}

describe("CgroupManager resources on simulated hosts only", () => {
  const systemdHost = MemoryHost.unsafeMake({ cgroupMode: "unified", systemd: true })
  layer(onMemory(systemdHost))((it) => {
    it.effect("the systemd flavours need D-Bus to set limits; their stats come from cgroupfs", () =>
      Effect.gen(function*() {
        const manager = yield* Effect.flatMap(CgroupManager, (s) =>
          s.newWithPaths(Config.makeCgroup({ Systemd: true, parent: "system.slice", scope_prefix: "runc", name: "x", Resources: Config.makeResources() }), { "": "/sys/fs/cgroup/x" }))
        const error = yield* Effect.flip(manager.set(Config.makeResources({ pids_limit: 1n })))
        expect(error._tag === "CgroupError" && error.reason).toBe("DbusRequired")
        expect(error.message).toContain("needs systemd's D-Bus API")
        expect((yield* Effect.flip(manager.getStats)).message).toBe(
          "error while statting cgroup v2: [openat2 /sys/fs/cgroup/x/cgroup.procs: no such file or directory]"
        )
      }))
  })

  const full = MemoryHost.unsafeMake({ cgroupMode: "unified", cgroups: ["/sys/fs/cgroup/app"] })
  layer(Layer.merge(onMemory(full), Layer.succeed(Filesystem, MemoryHost.filesystem(full))))((it) => {
    it.effect("a full v2 host: runc's conversions written, and read back in the stats", () =>
      Effect.gen(function*() {
        const manager = yield* Effect.flatMap(CgroupManager, (s) => s.newWithPaths(withResources("/app"), { "": "/sys/fs/cgroup/app" }))
        full.cgroups.setUsage("/sys/fs/cgroup/app", {
          memory: 8n * MiB,
          cache: MiB,
          swap: MiB,
          cpuUser: 2_000_000n,
          cpuSystem: 1_000_000n,
          periods: 7n,
          throttledTime: 5_000n,
          io: [{ major: 8, minor: 0, rbytes: 4096n, wbytes: 8192n, rios: 1n, wios: 2n }]
        })
        yield* manager.set(Config.makeResources({
          memory: 64n * MiB,
          memory_swap: 96n * MiB,
          pids_limit: 100n,
          cpu_weight: 20n,
          cpu_quota: 50000n,
          blkio_weight: 500
        }))
        expect(yield* read("/sys/fs/cgroup/app/cpu.max")).toBe("50000 100000\n")
        expect(yield* read("/sys/fs/cgroup/app/io.weight")).toBe("default 4950\n")
        const stats = yield* manager.getStats
        expect(stats.memory_stats.usage).toEqual({ usage: 8n * MiB, max_usage: 0n, failcnt: 0n, limit: 64n * MiB })
        // swap the v1 way: memory plus swap
        expect(stats.memory_stats.swap_usage).toEqual({ usage: 9n * MiB, max_usage: 0n, failcnt: 0n, limit: 96n * MiB })
        expect(stats.memory_stats.cache).toBe(MiB)
        expect(stats.pids_stats).toEqual({ current: 0n, limit: 100n })
        expect(stats.cpu_stats.cpu_usage).toMatchObject({ total_usage: 3_000_000n, usage_in_usermode: 2_000_000n })
        expect(stats.cpu_stats.throttling_data).toEqual({ periods: 7n, throttled_periods: 0n, throttled_time: 5_000n })
        expect(stats.blkio_stats.io_service_bytes_recursive).toEqual([
          { op: "Read", major: 8n, minor: 0n, value: 4096n },
          { op: "Write", major: 8n, minor: 0n, value: 8192n }
        ])
        expect(yield* manager.oomKillCount).toBe(0n)
      }))
  })
})

describe("the simulated v2 root cgroup", () => {
  const host = MemoryHost.unsafeMake()
  layer(onMemory(host))((it) => {
    it.effect("has no memory.current: its figures come from /proc/meminfo, as fs2 reads them", () =>
      Effect.gen(function*() {
        const manager = yield* Effect.flatMap(CgroupManager, (s) => s.newWithPaths(withResources("/"), { "": "/sys/fs/cgroup" }))
        const stats = yield* manager.getStats
        expect(stats.memory_stats.usage).toEqual({ usage: (8388608n - 6291456n) * 1024n, max_usage: 0n, failcnt: 0n, limit: (1n << 64n) - 1n })
      }))
  })
})
