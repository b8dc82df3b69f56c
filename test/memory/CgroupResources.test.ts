/**
 * The simulated cgroupfs's resource controllers: the kernel's parsing of
 * limits (`memparse`, page rounding, `-1` / `max`), CPU lists, its write
 * rules and errnos, cgroup2's `subtree_control` rules and the files it
 * brings, and the seeding API tests use (usage, charge, OOM kill, files put
 * in place or taken away).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import { formatList, memparse, parseList, unlimitedBytes } from "../../src/memory/CgroupResources.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import * as Signal from "../../src/Signal.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const MiB = 1024n * 1024n

const read = (host: MemoryHost.SimulatedHost, path: string): string =>
  decoder.decode(Either.getOrThrow(host.fs.readFile(path, { maxBytes: 1 << 20 })))

const write = (host: MemoryHost.SimulatedHost, path: string, text: string): string | undefined =>
  Either.match(host.fs.writeFile(path, encoder.encode(text), "existing", 0), { onLeft: (e) => e.code, onRight: () => undefined })

const alive = (host: MemoryHost.SimulatedHost, pid: number): boolean =>
  Option.match(host.processes.get(pid), { onNone: () => false, onSome: (p) => Option.isNone(p.exit) })

describe("the kernel's parsing", () => {
  it("memparse: base-0 numbers with K/M/G/T/P/E suffixes, nothing after", () => {
    expect(["1", "0x10", "010", "1k", "1K", "2m", "1G", "1t", "1P", "1E", "", "k", "1kb", "-1", "1.5M", "08"].map(memparse)).toEqual([
      1n, 16n, 8n, 1024n, 1024n, 2n * MiB, 1024n * MiB, 1n << 40n, 1n << 50n, 1n << 60n, undefined, undefined, undefined,
      undefined, undefined, undefined
    ])
  })

  it("CPU lists: ranges and strides parse; past the machine is ERANGE, bad syntax EINVAL; printed back in ranges", () => {
    expect(Either.map(parseList("0-3,5,7-9:2/3", 16), (s) => [...s].sort((a, b) => a - b))).toEqual(Either.right([0, 1, 2, 3, 5, 7, 8]))
    expect(parseList("0-99", 2)).toEqual(Either.left("ERANGE"))
    expect(parseList("3-1", 8)).toEqual(Either.left("EINVAL"))
    expect(parseList("a", 8)).toEqual(Either.left("EINVAL"))
    expect(Either.map(parseList(" \n", 8), (s) => s.size)).toEqual(Either.right(0))
    FastCheck.assert(
      FastCheck.property(FastCheck.uniqueArray(FastCheck.integer({ min: 0, max: 63 }), { maxLength: 20 }), (cpus) => {
        const set = new Set(cpus)
        expect(Either.map(parseList(formatList(set), 64), (s) => [...s].sort((a, b) => a - b))).toEqual(
          Either.right([...set].sort((a, b) => a - b))
        )
      })
    )
  })
})

describe("cgroup v1 limits (hybrid host)", () => {
  const host = () => MemoryHost.unsafeMake({ cgroupMode: "hybrid", cgroups: ["/sys/fs/cgroup/memory/a", "/sys/fs/cgroup/cpu/a", "/sys/fs/cgroup/pids/a"] })

  it("memory: whole pages, -1 unlimited, the memsw invariant (EINVAL), a limit below the usage (EBUSY)", () => {
    const h = host()
    const dir = "/sys/fs/cgroup/memory/a"
    expect(read(h, `${dir}/memory.limit_in_bytes`)).toBe(`${unlimitedBytes}\n`)
    expect(write(h, `${dir}/memory.limit_in_bytes`, "10000")).toBeUndefined()
    expect(read(h, `${dir}/memory.limit_in_bytes`)).toBe("8192\n")
    expect(write(h, `${dir}/memory.limit_in_bytes`, "64M")).toBeUndefined()
    expect(write(h, `${dir}/memory.memsw.limit_in_bytes`, "32M")).toBe("EINVAL")
    expect(write(h, `${dir}/memory.memsw.limit_in_bytes`, "96M")).toBeUndefined()
    expect(write(h, `${dir}/memory.limit_in_bytes`, "128M")).toBe("EINVAL")
    Either.getOrThrow(h.cgroups.setUsage(dir, { memory: 10n * MiB }))
    expect(write(h, `${dir}/memory.limit_in_bytes`, "4096")).toBe("EBUSY")
    expect(write(h, `${dir}/memory.limit_in_bytes`, "-1")).toBe("EINVAL")
    expect(write(h, `${dir}/memory.memsw.limit_in_bytes`, "-1")).toBeUndefined()
    expect(write(h, `${dir}/memory.limit_in_bytes`, "-1")).toBeUndefined()
    expect(write(h, `${dir}/memory.limit_in_bytes`, "lots")).toBe("EINVAL")
    expect(write(h, `${dir}/memory.swappiness`, "101")).toBe("EINVAL")
    expect(read(h, `${dir}/memory.stat`)).toContain(`rss ${10n * MiB}\n`)
  })

  it("cpu: shares clamped to 2..262144; CFS period 1 ms..1 s; a quota below 1 ms refused, any negative one unlimited", () => {
    const h = host()
    const dir = "/sys/fs/cgroup/cpu/a"
    for (const [value, shown] of [["1", "2"], ["9999999", "262144"], ["512", "512"]] as const) {
      expect(write(h, `${dir}/cpu.shares`, value)).toBeUndefined()
      expect(read(h, `${dir}/cpu.shares`)).toBe(`${shown}\n`)
    }
    expect(write(h, `${dir}/cpu.cfs_period_us`, "999")).toBe("EINVAL")
    expect(write(h, `${dir}/cpu.cfs_period_us`, "1000001")).toBe("EINVAL")
    expect(write(h, `${dir}/cpu.cfs_quota_us`, "999")).toBe("EINVAL")
    expect(write(h, `${dir}/cpu.cfs_quota_us`, "-5")).toBeUndefined()
    expect(read(h, `${dir}/cpu.cfs_quota_us`)).toBe("-1\n")
  })

  it("pids: max or a count; pids.current counts the live members below", () => {
    const h = host()
    const dir = "/sys/fs/cgroup/pids/a"
    expect(write(h, `${dir}/pids.max`, "-1")).toBe("EINVAL")
    expect(write(h, `${dir}/pids.max`, "10")).toBeUndefined()
    const pid = Either.getOrThrow(h.processes.spawn({})).pid
    Either.getOrThrow(h.cgroups.addProcess(dir, pid))
    expect(read(h, `${dir}/pids.current`)).toBe("1\n")
    h.processes.signal(pid, Signal.SIGKILL)
    expect(read(h, `${dir}/pids.current`)).toBe("0\n")
  })

  it("charge past the limit: failcnt counted, the newest member OOM-killed, oom_kill counted; none killed with the killer disabled", () => {
    const h = host()
    const dir = "/sys/fs/cgroup/memory/a"
    const older = Either.getOrThrow(h.processes.spawn({})).pid
    const newer = Either.getOrThrow(h.processes.spawn({})).pid
    for (const pid of [older, newer]) Either.getOrThrow(h.cgroups.addProcess(dir, pid))
    expect(write(h, `${dir}/memory.limit_in_bytes`, "16M")).toBeUndefined()
    Either.getOrThrow(h.cgroups.charge(dir, 20n * MiB))
    expect([alive(h, older), alive(h, newer)]).toEqual([true, false])
    expect(read(h, `${dir}/memory.oom_control`)).toBe("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
    expect(read(h, `${dir}/memory.failcnt`)).toBe("1\n")
    expect(write(h, `${dir}/memory.oom_control`, "1")).toBeUndefined()
    expect(Either.getOrThrow(h.cgroups.oomKill(dir))).toBe(false)
    expect(alive(h, older)).toBe(true)
    expect(read(h, `${dir}/memory.oom_control`)).toBe("oom_kill_disable 1\nunder_oom 1\noom_kill 1\n")
  })
})

describe("cgroup v2 controllers (unified host)", () => {
  it("subtree_control: what a child gets; unknown ENOENT, bad syntax EINVAL, members EBUSY, a child using it EBUSY", () => {
    const h = MemoryHost.unsafeMake({ rootSubtreeControl: ["memory"], cgroups: ["/sys/fs/cgroup/a", "/sys/fs/cgroup/a/b"] })
    expect(read(h, "/sys/fs/cgroup/cgroup.subtree_control")).toBe("memory\n")
    expect(read(h, "/sys/fs/cgroup/a/cgroup.controllers")).toBe("memory\n")
    expect(Either.isRight(h.fs.stat("/sys/fs/cgroup/a/memory.max"))).toBe(true)
    expect(Either.isLeft(h.fs.stat("/sys/fs/cgroup/a/pids.max"))).toBe(true)
    expect(Either.isLeft(h.fs.stat("/sys/fs/cgroup/a/b/memory.max"))).toBe(true)
    expect(write(h, "/sys/fs/cgroup/a/cgroup.subtree_control", "+pids")).toBe("ENOENT")
    expect(write(h, "/sys/fs/cgroup/a/cgroup.subtree_control", "memory")).toBe("EINVAL")
    expect(write(h, "/sys/fs/cgroup/a/cgroup.subtree_control", "+memory")).toBeUndefined()
    expect(read(h, "/sys/fs/cgroup/a/b/cgroup.controllers")).toBe("memory\n")
    expect(read(h, "/sys/fs/cgroup/a/b/memory.max")).toBe("max\n")
    expect(write(h, "/sys/fs/cgroup/cgroup.subtree_control", "-memory")).toBe("EBUSY")
    expect(write(h, "/sys/fs/cgroup/a/cgroup.subtree_control", "-memory")).toBeUndefined()
    expect(Either.isLeft(h.fs.stat("/sys/fs/cgroup/a/b/memory.max"))).toBe(true)
    const pid = Either.getOrThrow(h.processes.spawn({})).pid
    Either.getOrThrow(h.cgroups.addProcess("/sys/fs/cgroup/a", pid))
    expect(write(h, "/sys/fs/cgroup/a/cgroup.subtree_control", "+memory")).toBe("EBUSY")
  })

  it("weights 1..10000 (ERANGE outside), cpu.max as the kernel reads it, memory.max below the usage OOM-kills", () => {
    const h = MemoryHost.unsafeMake({ cgroups: ["/sys/fs/cgroup/a"] })
    const dir = "/sys/fs/cgroup/a"
    expect(write(h, `${dir}/cpu.weight`, "0")).toBe("ERANGE")
    expect(write(h, `${dir}/cpu.weight`, "10001")).toBe("ERANGE")
    expect(write(h, `${dir}/io.weight`, "default 10001")).toBe("ERANGE")
    expect(write(h, `${dir}/cpu.max`, "max 100")).toBe("EINVAL")
    expect(write(h, `${dir}/cpu.max`, "50000")).toBeUndefined()
    expect(read(h, `${dir}/cpu.max`)).toBe("50000 100000\n")
    expect(write(h, `${dir}/cpu.max`, "max 50000")).toBeUndefined()
    expect(read(h, `${dir}/cpu.max`)).toBe("max 50000\n")
    const pid = Either.getOrThrow(h.processes.spawn({})).pid
    Either.getOrThrow(h.cgroups.addProcess(dir, pid))
    Either.getOrThrow(h.cgroups.setUsage(dir, { memory: 32n * MiB }))
    expect(write(h, `${dir}/memory.max`, "16M")).toBeUndefined()
    expect(alive(h, pid)).toBe(false)
    expect(read(h, `${dir}/memory.events`)).toBe("low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\noom_group_kill 0\n")
    expect(read(h, "/sys/fs/cgroup/cgroup.procs")).not.toContain(`${pid}\n`)
  })

  it("files put in place and taken away; computed content back on undefined", () => {
    const h = MemoryHost.unsafeMake({ cgroups: ["/sys/fs/cgroup/a"] })
    const dir = "/sys/fs/cgroup/a"
    Either.getOrThrow(h.cgroups.setFile(dir, "memory.current", "garbage"))
    expect(read(h, `${dir}/memory.current`)).toBe("garbage")
    Either.getOrThrow(h.cgroups.setFile(dir, "memory.current", undefined))
    expect(read(h, `${dir}/memory.current`)).toBe("0\n")
    Either.getOrThrow(h.cgroups.setFile(dir, "rdma.current", "mlx4_0 hca_handle=1 hca_object=2\n"))
    expect(read(h, `${dir}/rdma.current`)).toBe("mlx4_0 hca_handle=1 hca_object=2\n")
    Either.getOrThrow(h.cgroups.setFile(dir, "rdma.current", undefined))
    expect(Either.isLeft(h.fs.stat(`${dir}/rdma.current`))).toBe(true)
    Either.getOrThrow(h.cgroups.removeFile(dir, "io.stat"))
    expect(Either.isLeft(h.fs.stat(`${dir}/io.stat`))).toBe(true)
    expect(Either.getOrThrow(Either.flip(h.cgroups.setUsage("/sys/fs/cgroup/nope", {}))).code).toBe("ENOENT")
  })
})
