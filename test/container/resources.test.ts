/**
 * Resource usage and control on the simulated host: `Container.stats`
 * (cgroup, Intel RDT and network stats), `Container.events` (stats at an
 * interval, OOM kills, the end when the container stops, nothing left
 * running after an interruption) and `Container.update` / `Container.set`
 * (runc's replace-not-merge update, its kernel refusals and messages, the
 * saved config), in the v2 and v1 layouts.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import type { CgroupMode } from "../../src/CgroupManager.js"
import * as Config from "../../src/Config.js"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import { decodeEventStats, fromContainerStats } from "../../src/internal/cgroups/stats/events.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import type * as MemoryHostModule from "../../src/memory/MemoryHost.js"
import { MemoryHost } from "../../src/memory/MemoryHost.js"
import * as Signal from "../../src/Signal.js"
import { seedContainer } from "../support/simulatedContainers.js"

const root = "/run/runc"
const MiB = 1024n * 1024n
const decoder = new TextDecoder()

type Env = Libcontainer.Services | MemoryHost

const on = (seed: Libcontainer.MemorySeed) => <A, E>(effect: Effect.Effect<A, E, Env>) =>
  effect.pipe(Effect.provide(Layer.orDie(Libcontainer.layerMemoryWith(seed))))

/** Runs `effect` on a fresh simulated host, recording what is logged. */
const logged = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      lines.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    })
    const result = yield* Effect.either(effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger))))
    return { result, lines }
  })

const alive = (machine: MemoryHostModule.SimulatedHost, pid: number): boolean =>
  Option.match(machine.processes.get(pid), { onNone: () => false, onSome: (p) => Option.isNone(p.exit) })

const read = (path: string) => Effect.flatMap(Filesystem, (fs) => Effect.map(fs.readFile(path), (b) => decoder.decode(b)))

/** The directory of a controller's cgroup: its own hierarchy on v1, the one cgroup on v2. */
const dirOf = (paths: Readonly<Record<string, string>>, controller: string) => paths[controller] ?? paths[""]!

const limits = Config.makeResources({
  memory: 64n * MiB,
  pids_limit: 32n,
  cpu_shares: 512n,
  cpu_weight: 20n,
  cpu_quota: 50000n,
  cpu_period: 100000n
})

/** A running container with `children` besides init, its limits written to its cgroup as runc's create would. */
const running = (id: string, children = 0, options: Parameters<typeof seedContainer>[3] = {}) =>
  Effect.gen(function*() {
    const seeded = yield* seedContainer(root, id, "running", { children, resources: limits, ...options })
    const container = yield* Factory.load(root, id)
    yield* container.cgroupManager.set(limits)
    return { seeded, container }
  })

const modes: ReadonlyArray<CgroupMode> = ["unified", "hybrid"]

for (const mode of modes) {
  const v1 = mode !== "unified"
  const run = on({ cgroupMode: mode })

  describe(`Container.stats on the simulated host (${mode})`, () => {
    it.effect("reports the limits written and the usage seeded, as runc reads them", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const { container, seeded } = yield* running("s1", 2)
        const paths = seeded.cgroupPaths
        yield* machine.cgroups.setUsage(dirOf(paths, "memory"), {
          memory: 10n * MiB,
          cache: 2n * MiB,
          memoryStat: { pgfault: 42n }
        })
        yield* machine.cgroups.setUsage(dirOf(paths, "cpuacct"), { cpuUser: 3_000_000_000n, cpuSystem: 1_000_000_000n })
        const stats = yield* Container.stats(container)
        const memory = stats.cgroup.memory_stats
        expect(memory.usage).toEqual({ usage: 10n * MiB, max_usage: v1 ? 10n * MiB : 0n, failcnt: 0n, limit: 64n * MiB })
        expect(memory.cache).toBe(2n * MiB)
        expect(memory.stats.get("pgfault")).toBe(42n)
        expect(memory.use_hierarchy).toBe(true)
        expect(stats.cgroup.pids_stats).toEqual({ current: 3n, limit: 32n })
        expect(stats.cgroup.cpu_stats.cpu_usage.total_usage).toBe(4_000_000_000n)
        expect(stats.cgroup.cpu_stats.cpu_usage.usage_in_usermode).toBe(v1 ? 3_000_000_000n : 3_000_000_000n)
        expect([...stats.cgroup.hugetlb_stats.keys()].sort()).toEqual(v1 ? [] : ["1GB", "2MB"])
        expect(stats.interfaces).toEqual([])
        expect(stats.intelRdt).toBeUndefined()
        // runc's JSON line, read back with Go's rules, is the conversion
        const line = Either.getOrThrow(Container.formatEvent({ type: "stats", id: "s1", stats }))
        expect(line.startsWith(`{"type":"stats","id":"s1","data":{"cpu":`)).toBe(true)
        expect(line.endsWith("}}\n")).toBe(true)
        const data = line.slice(line.indexOf(`,"data":`) + 8, -2)
        expect(Either.getOrThrow(decodeEventStats(data))).toEqual(fromContainerStats(stats))
      })))

    it.effect("a cgroup that is gone: v1 reads zeros (every file is optional there), v2 fails on the pids, in runc's words", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const { container, seeded } = yield* running("s2")
        machine.processes.signal(seeded.init, Signal.SIGKILL)
        for (const dir of new Set(Object.values(seeded.cgroupPaths))) yield* machine.cgroups.rmdir(dir)
        const result = yield* Effect.either(Container.stats(container))
        if (v1) {
          expect(Either.map(result, (s) => s.cgroup.pids_stats)).toEqual(Either.right({ current: 0n, limit: 0n }))
          return
        }
        const error = Either.getOrThrow(Either.flip(result))
        expect(error._tag).toBe("CgroupStatsV2Error")
        expect(error.message).toBe(
          `unable to get container cgroup stats: error while statting cgroup v2: [openat2 ${seeded.cgroupPaths[""]}/cgroup.procs: no such file or directory]`
        )
      })))

    it.effect("a malformed file fails with runc's parse error, wrapped in runc's context, its tag kept", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const { container, seeded } = yield* running("s3")
        const dir = dirOf(seeded.cgroupPaths, "pids")
        yield* machine.cgroups.setFile(dir, "pids.max", "lots\n")
        const error = yield* Effect.flip(Container.stats(container))
        const parse = `unable to parse ${dir}/pids.max: strconv.ParseUint: parsing "lots": invalid syntax`
        expect(error._tag).toBe(v1 ? "CgroupParseError" : "CgroupStatsV2Error")
        expect(error.message).toBe(`unable to get container cgroup stats: ${v1 ? parse : `error while statting cgroup v2: [${parse}]`}`)
      })))
  })

  describe(`Container.events on the simulated host (${mode})`, () => {
    it.effect("a stats event at each interval, the first after one interval", () =>
      run(Effect.gen(function*() {
        const { container } = yield* running("e1")
        const fiber = yield* Effect.fork(Stream.runCollect(Stream.take(Container.events(container, { interval: "5 seconds" }), 2)))
        yield* TestClock.adjust("4 seconds")
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        yield* TestClock.adjust("6 seconds")
        const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
        expect(events.map((e) => e.type)).toEqual(["stats", "stats"])
        expect(events.every((e) => e.id === "e1")).toBe(true)
      })))

    it.effect("an OOM kill is one oom event; the stream ends when the container stops", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const { container, seeded } = yield* running("e2", 1)
        const fiber = yield* Effect.fork(Stream.runCollect(Container.events(container, { interval: "1 hour" })))
        yield* TestClock.adjust("100 millis")
        // past the 64 MiB limit: the OOM killer takes the newest member, the child
        yield* machine.cgroups.charge(dirOf(seeded.cgroupPaths, "memory"), 80n * MiB)
        expect(alive(machine, seeded.children[0]!)).toBe(false)
        expect(alive(machine, seeded.init)).toBe(true)
        yield* TestClock.adjust("100 millis")
        yield* TestClock.adjust("100 millis")
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        machine.processes.signal(seeded.init, Signal.SIGKILL)
        yield* TestClock.adjust("100 millis")
        const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
        expect(events).toEqual([{ type: "oom", id: "e2" }])
        expect(yield* container.cgroupManager.oomKillCount).toBe(1n)
      })))

    it.effect("an OOM kill of the init process is reported before the stream ends", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const { container, seeded } = yield* running("e3")
        const fiber = yield* Effect.fork(Stream.runCollect(Container.events(container, { interval: "1 hour" })))
        yield* TestClock.adjust("100 millis")
        yield* machine.cgroups.charge(dirOf(seeded.cgroupPaths, "memory"), 100n * MiB)
        yield* TestClock.adjust("100 millis")
        expect(Chunk.toReadonlyArray(yield* Fiber.join(fiber))).toEqual([{ type: "oom", id: "e3" }])
      })))

    it.effect("interrupted, it leaves no fiber running", () =>
      run(Effect.gen(function*() {
        const { container } = yield* running("e4")
        const supervisor = yield* Supervisor.track
        const fiber = yield* Effect.fork(
          Effect.supervised(Stream.runDrain(Container.events(container, { interval: "1 second" })), supervisor)
        )
        yield* TestClock.adjust("3 seconds")
        expect((yield* supervisor.value).length).toBeGreaterThan(0)
        yield* Fiber.interrupt(fiber)
        expect((yield* supervisor.value).filter((f) => f.unsafePoll() === null)).toEqual([])
      })))

    it.effect("with stats: true, one stats event and the end", () =>
      run(Effect.gen(function*() {
        const { container } = yield* running("e5")
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(Container.events(container, { stats: true })))
        expect(events.map((e) => e.type)).toEqual(["stats"])
      })))

    it.effect("refuses a stopped container and an interval that is not positive, with runc's messages", () =>
      run(Effect.gen(function*() {
        yield* seedContainer(root, "e6", "stopped")
        const stopped = yield* Factory.load(root, "e6")
        const notRunning = yield* Effect.flip(Stream.runDrain(Container.events(stopped)))
        expect(notRunning).toEqual(new Container.EventsNotRunning({ id: "e6" }))
        expect(notRunning.message).toBe("container with id e6 is not running")
        const { container } = yield* running("e7")
        const zero = yield* Effect.flip(Stream.runDrain(Container.events(container, { interval: 0 })))
        expect(zero.message).toBe("duration interval must be greater than 0")
      })))

    it.effect("a snapshot that fails is logged as runc logs it, and the stream goes on", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const { container, seeded } = yield* running("e8")
        const dir = dirOf(seeded.cgroupPaths, "memory")
        yield* machine.cgroups.setFile(dir, "memory.stat", "cache x\n")
        const collected = yield* Effect.fork(logged(Stream.runCollect(Stream.take(Container.events(container, { interval: "1 second" }), 1))))
        yield* TestClock.adjust("1 second")
        yield* machine.cgroups.setFile(dir, "memory.stat", undefined)
        yield* TestClock.adjust("1 second")
        const { lines, result } = yield* Fiber.join(collected)
        expect(Either.map(result, (c) => Chunk.toReadonlyArray(c).map((e) => e.type))).toEqual(Either.right(["stats"]))
        const parse = `unable to parse ${dir}/memory.stat: strconv.ParseUint: parsing "x": invalid syntax`
        expect(lines).toContain(
          `ERROR unable to get container cgroup stats: ${v1 ? parse : `error while statting cgroup v2: [${parse}]`}`
        )
      })))
  })

  describe(`Container.update on the simulated host (${mode})`, () => {
    it.effect("writes the new limits and saves the config as runc does: given values replace, the rest are saved as 0", () =>
      run(Effect.gen(function*() {
        const { container, seeded } = yield* running("u1")
        yield* Container.update(container, { memory: { limit: 96n * MiB }, pids: { limit: 16n } })
        const paths = seeded.cgroupPaths
        expect(yield* read(`${dirOf(paths, "memory")}/${v1 ? "memory.limit_in_bytes" : "memory.max"}`)).toBe(`${96n * MiB}\n`)
        expect(yield* read(`${dirOf(paths, "pids")}/pids.max`)).toBe("16\n")
        // left alone in the cgroup
        expect(yield* read(`${dirOf(paths, "cpu")}/${v1 ? "cpu.shares" : "cpu.weight"}`)).toBe(v1 ? "512\n" : "20\n")
        const saved = (yield* Container.snapshot(yield* Factory.load(root, "u1"))).config.cgroups!.Resources!
        expect(saved).toMatchObject({
          memory: 96n * MiB,
          pids_limit: 16n,
          cpu_shares: 0n,
          cpu_weight: 0n,
          cpu_quota: 0n,
          cpu_period: 0n
        })
        // only the quota: the saved period is kept, as runc keeps it
        yield* Container.update(yield* Factory.load(root, "u1"), { cpu: { quota: 20000n, period: 0n } })
        yield* Container.update(yield* Factory.load(root, "u1"), { cpu: { quota: 25000n, period: 50000n } })
        yield* Container.update(yield* Factory.load(root, "u1"), { cpu: { quota: 30000n } })
        const after = (yield* Container.snapshot(yield* Factory.load(root, "u1"))).config.cgroups!.Resources!
        expect([after.cpu_quota, after.cpu_period]).toEqual([30000n, 50000n])
        expect(yield* read(`${dirOf(paths, "cpu")}/${v1 ? "cpu.cfs_quota_us" : "cpu.max"}`)).toBe(v1 ? "30000\n" : "30000 50000\n")
      })))

    it.effect("memory -1: unlimited, and (v1, with swap accounting) swap saved as -1 too", () =>
      run(Effect.gen(function*() {
        const { container, seeded } = yield* running("u2")
        yield* Container.update(container, { memory: { limit: -1n } })
        const memory = dirOf(seeded.cgroupPaths, "memory")
        expect(yield* read(`${memory}/${v1 ? "memory.limit_in_bytes" : "memory.max"}`)).toBe(v1 ? "9223372036854771712\n" : "max\n")
        const saved = (yield* Container.snapshot(yield* Factory.load(root, "u2"))).config.cgroups!.Resources!
        expect([saved.memory, saved.memory_swap]).toEqual([-1n, v1 ? -1n : 0n])
        if (!v1) expect(yield* read(`${memory}/memory.swap.max`)).toBe("max\n")
      })))

    it.effect("a stopped container is not running", () =>
      run(Effect.gen(function*() {
        yield* seedContainer(root, "u3", "stopped", { resources: limits })
        const error = yield* Effect.flip(Container.update(yield* Factory.load(root, "u3"), { pids: { limit: 5n } }))
        expect(error._tag).toBe("ErrNotRunning")
        expect(error.message).toBe("container not running")
      })))

    it.effect("kernel memory is ignored with runc's warning; a nil part fails as runc's panic", () =>
      run(Effect.gen(function*() {
        const { container } = yield* running("u4")
        const { lines, result } = yield* logged(Container.update(container, { memory: { kernel: MiB } }))
        expect(Either.isRight(result)).toBe(true)
        expect(lines).toContain("WARN Kernel memory settings are ignored and will be removed")
        const nil = yield* Effect.flip(Container.update(container, { memory: null }))
        expect(nil._tag).toBe("UpdateNilResource")
      })))

    it.effect("an Intel RDT schema on a host without CAT is refused", () =>
      run(Effect.gen(function*() {
        const { container } = yield* running("u5")
        const error = yield* Effect.flip(Container.update(container, { l3CacheSchema: "L3:0=f" }))
        expect(error).toEqual(new Container.UpdateRdtNotEnabled({ feature: "CAT" }))
        expect(error.message).toBe("Intel RDT/CAT: l3 cache schema is not enabled")
      })))
  })
}

describe("Container.update on cgroup v1: the kernel's refusals, runc's messages and its setting back", () => {
  const run = on({ cgroupMode: "hybrid" })

  it.effect("a memory limit below the usage: EBUSY, the usage in runc's message, the same values set back", () =>
    run(Effect.gen(function*() {
      const machine = yield* MemoryHost
      const { container, seeded } = yield* running("v1a")
      yield* machine.cgroups.setUsage(seeded.cgroupPaths["memory"]!, { memory: 10n * MiB, memoryPeak: 12n * MiB })
      const { lines, result } = yield* logged(Container.update(container, { memory: { limit: 4096n } }))
      const message = `unable to set memory limit to 4096 (current usage: ${10n * MiB}, peak usage: ${12n * MiB})`
      expect(Either.map(Either.flip(result), (e) => e.message)).toEqual(Either.right(message))
      expect(lines).toEqual([
        `WARN Setting back cgroup configs failed due to error: ${message}, your state.json and actual configs might be inconsistent.`
      ])
      const saved = (yield* Container.snapshot(yield* Factory.load(root, "v1a"))).config.cgroups!.Resources!
      expect(saved.memory).toBe(64n * MiB)
    })))

  it.effect("cpu shares out of range, a CPU the machine does not have, swap below memory", () =>
    run(Effect.gen(function*() {
      const { container, seeded } = yield* running("v1b")
      const fail = (update: Container.Update) => Effect.map(Effect.flip(Container.update(container, update)), (e) => e.message)
      expect(yield* fail({ cpu: { shares: 1n } })).toBe("the minimum allowed cpu-shares is 2")
      expect(yield* fail({ cpu: { shares: 9999999n } })).toBe("the maximum allowed cpu-shares is 262144")
      expect(yield* fail({ cpu: { cpus: "0-99" } })).toBe(
        `failed to write "0-99": write ${seeded.cgroupPaths["cpuset"]}/cpuset.cpus: numerical result out of range`
      )
      expect(yield* fail({ memory: { limit: 128n * MiB, swap: 64n * MiB } })).toBe(
        `failed to write "67108864": write ${seeded.cgroupPaths["memory"]}/memory.memsw.limit_in_bytes: invalid argument`
      )
      expect(yield* fail({ unified: {} })).toBe("invalid configuration: cannot use unified on cgroup v1")
    })))

  it.effect("Container.set sets the previous resources back after a failure, so nothing is logged", () =>
    run(Effect.gen(function*() {
      const { container, seeded } = yield* running("v1c")
      const config = (yield* Container.snapshot(container)).config
      const next = { ...config, cgroups: { ...config.cgroups!, Resources: { ...limits, cpu_shares: 1n } } }
      const { lines, result } = yield* logged(Container.set(container, next))
      expect(Either.map(Either.flip(result), (e) => e.message)).toEqual(Either.right("the minimum allowed cpu-shares is 2"))
      expect(lines).toEqual([])
      expect(yield* read(`${seeded.cgroupPaths["cpu"]}/cpu.shares`)).toBe("512\n")
    })))
})

describe("Container.update on cgroup v2: runc's conversions", () => {
  const run = on({ cgroupMode: "unified" })

  it.effect("shares to cpu.weight, quota and period to cpu.max, memory + swap to memory.swap.max", () =>
    run(Effect.gen(function*() {
      const { container, seeded } = yield* running("v2a")
      const dir = seeded.cgroupPaths[""]!
      yield* Container.update(container, {
        cpu: { shares: 1024n, quota: 25000n, period: 50000n },
        memory: { limit: 64n * MiB, swap: 96n * MiB, reservation: 16n * MiB }
      })
      expect(yield* read(`${dir}/cpu.weight`)).toBe("39\n")
      expect(yield* read(`${dir}/cpu.max`)).toBe("25000 50000\n")
      expect(yield* read(`${dir}/memory.swap.max`)).toBe(`${32n * MiB}\n`)
      expect(yield* read(`${dir}/memory.low`)).toBe(`${16n * MiB}\n`)
      const error = yield* Effect.flip(Container.update(container, { memory: { limit: 64n * MiB, swap: 32n * MiB } }))
      expect(error.message).toBe("memory+swap limit should be >= memory limit")
    })))

  it.effect("memory.max below the usage is written, and the OOM killer makes it fit, as Linux does", () =>
    run(Effect.gen(function*() {
      const machine = yield* MemoryHost
      const { container, seeded } = yield* running("v2b", 1)
      const dir = seeded.cgroupPaths[""]!
      yield* machine.cgroups.setUsage(dir, { memory: 32n * MiB })
      yield* Container.update(container, { memory: { limit: 20n * MiB } })
      expect(yield* read(`${dir}/memory.max`)).toBe(`${20n * MiB}\n`)
      expect(yield* read(`${dir}/memory.events`)).toContain("oom_kill 1\n")
      expect(yield* container.cgroupManager.oomKillCount).toBe(1n)
    })))
})

describe("Container.stats: network interfaces and Intel RDT", () => {
  const counters = { rx_bytes: 100n, rx_packets: 2n, rx_errors: 0n, rx_dropped: 1n, tx_bytes: 300n, tx_packets: 4n, tx_errors: 0n, tx_dropped: 0n }
  const seedNet = Object.entries(counters).map(([file, value]) => ({
    type: "file" as const,
    path: `/sys/class/net/veth-h18/statistics/${file}`,
    content: `${value}\n`
  }))

  it.effect("a veth's host end, transmit and receive swapped; other networks skipped; a missing one in runc's words", () =>
    on({ entries: seedNet })(Effect.gen(function*() {
      const networks = [
        ({ ...veth, type: "loopback", host_interface_name: "" }),
        ({ ...veth, host_interface_name: "veth-h18" })
      ]
      const { container } = yield* running("n1", 0, { networks })
      const stats = yield* Container.stats(container)
      expect(stats.interfaces).toEqual([{
        Name: "veth-h18",
        RxBytes: 300n,
        RxPackets: 4n,
        RxErrors: 0n,
        RxDropped: 0n,
        TxBytes: 100n,
        TxPackets: 2n,
        TxErrors: 0n,
        TxDropped: 1n
      }])
      const { container: other } = yield* running("n2", 0, { networks: [({ ...veth, host_interface_name: "veth-gone" })] })
      const error = yield* Effect.flip(Container.stats(other))
      expect(error.message).toBe(
        `unable to get network stats for interface "veth-gone": open /sys/class/net/veth-gone/statistics/tx_bytes: no such file or directory`
      )
    })))

  it.effect("the Intel RDT group's schemata, shown for the features the host has", () =>
    on({ resctrl: { cat: true } })(Effect.gen(function*() {
      const { container } = yield* running("r1", 0, { intelRdt: true })
      const stats = yield* Container.stats(container)
      expect(stats.intelRdt?.features).toEqual({ cat: true, mba: false, mbm: false, cmt: false })
      expect(stats.intelRdt?.stats.l3_cache_schema).toMatch(/^L3:/)
      const line = Either.getOrThrow(Container.formatEvent({ type: "stats", id: "r1", stats }))
      expect(line).toMatch(/"intel_rdt":\{"l3_cache_info":\{"cbm_mask":"[0-9a-f]+","min_cbm_bits":\d+,"num_closids":\d+\},"l3_cache_schema_root":"L3:/)
    })))

  it.effect("update: a schema is written to the container's group; a container without one gets a group and its init moved in", () =>
    on({ resctrl: { cat: true } })(Effect.gen(function*() {
      const { container } = yield* running("r2", 0, { intelRdt: true })
      yield* Container.update(container, { l3CacheSchema: "L3:0=f;1=f" })
      // resctrl shows masks zero-padded to the cache's width, as Linux does
      expect(yield* read("/sys/fs/resctrl/r2/schemata")).toMatch(/L3:0=0*f;1=0*f\n/)
      const { container: plain, seeded } = yield* running("r3")
      yield* Container.update(plain, { l3CacheSchema: "L3:0=3;1=3" })
      expect(yield* read("/sys/fs/resctrl/r3/tasks")).toBe(`${seeded.init}\n`)
      const saved = (yield* Container.snapshot(yield* Factory.load(root, "r3"))).config
      expect(saved.intel_rdt).toEqual({ l3_cache_schema: "L3:0=3;1=3" })
    })))
})

const veth = {
  type: "veth",
  name: "eth0",
  bridge: "",
  mac_address: "",
  address: "",
  gateway: "",
  ipv6_address: "",
  ipv6_gateway: "",
  mtu: 1500,
  txqueuelen: 0,
  host_interface_name: "",
  hairpin_mode: false
}
