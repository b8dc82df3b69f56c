/**
 * Resource usage and control against real runc 1.1.5 on this host (cgroup
 * v1): running busybox containers with memory, cpu and pids limits.
 *
 * - `libcontainer events --stats` and `runc events --stats` agree on every
 *   key and every static value; counters read by us first are never ahead
 *   of runc's;
 * - what `libcontainer update` sets, `runc events --stats` sees, and the
 *   reverse; every update of runc's own recorded sequence gives the same
 *   exit status, log lines and saved resources from both tools, run side by
 *   side on two identical containers;
 * - an allocation past the memory limit is one `oom` event in our stream;
 * - the stream ends with the container, and an interrupted one leaves no
 *   file descriptor and no fiber behind.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Supervisor from "effect/Supervisor"
import { execFileSync, spawnSync } from "node:child_process"
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { buildCli, executableIn } from "../../scripts/build-cli.js"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { decodeEventStats, type EventStats } from "../../src/internal/cgroups/stats/events.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { busybox, cgroupV1, describeWith, root as asRoot, runc as runcBinary } from "../support/prerequisites.js"
import { createContainer, destroyContainer, makeBundle, makeRoot } from "../support/runc.js"
import { type Run, runCli, spawnRun } from "../support/cli.js"

const MiB = 1024 * 1024

const spawn = (command: string, args: ReadonlyArray<string>, input?: string): Run =>
  spawnRun(command, args, input === undefined ? {} : { input })

const outdir = join(import.meta.dirname, "../../node_modules/.cache/effect-libcontainer", `cli-resources-${process.pid}`)

/** runc 1.1.5 itself. */
const theirs = (root: string, ...args: ReadonlyArray<string>): Run => spawn("runc", ["--root", root, ...args])

/** The bundled CLI, as a user runs it (for standard input). */
const bundled = (root: string, input: string, ...args: ReadonlyArray<string>): Run =>
  spawn(process.execPath, [executableIn(outdir), "--root", root, ...args], input)

/** The CLI in this process. */
const ours = (root: string, ...args: ReadonlyArray<string>) =>
  runCli(["--root", root, ...args]).pipe(Effect.provide(Libcontainer.layerNode))

/** The `data` of a `stats` line, read with Go's rules (exact uint64s). */
const dataOf = (line: string): EventStats => {
  expect(line.startsWith(`{"type":"stats","id":"`)).toBe(true)
  expect(line.endsWith("}}\n")).toBe(true)
  return Either.getOrThrow(decodeEventStats(line.slice(line.indexOf(`,"data":`) + 8, -2)))
}

/** Every key path of a JSON value (arrays by index). */
const keys = (value: unknown, at = ""): ReadonlyArray<string> =>
  value !== null && typeof value === "object"
    ? Object.entries(value).flatMap(([k, v]) => [`${at}/${k}`, ...keys(v, `${at}/${k}`)])
    : []

/** runc's log lines without their time, and with the figures of the moment (usage, cgroup name) masked. */
const logLines = (stderr: string, cgroup: string): ReadonlyArray<string> =>
  stderr.split("\n").filter((l) => l !== "").map((l) =>
    l.replace(/^time="[^"]*" /, "").replace(/(current|peak) usage: \d+/g, "$1 usage: <n>").replaceAll(cgroup, "<cgroup>")
  )

/**
 * The cgroup resources a state.json records, without the devices and path,
 * and without the two keys this library writes as runc 1.2 does
 * (`cpu_burst`, `memory_check_before_update`), which must be at their zero.
 */
const savedResources = (root: string, id: string): Record<string, unknown> => {
  const { devices: _devices, path: _path, ...rest } = JSON.parse(readFileSync(join(root, id, "state.json"), "utf8")).config.cgroups
  if ("cpu_burst" in rest) expect(rest.cpu_burst).toBe(null)
  if ("memory_check_before_update" in rest) expect(rest.memory_check_before_update).toBe(false)
  const { cpu_burst: _burst, memory_check_before_update: _check, ...runc115 } = rest
  return runc115
}

const limits = { memory: { limit: 64 * MiB }, pids: { limit: 64 }, cpu: { shares: 512, quota: 50000, period: 100000 } }

const fdCount = (): number => readdirSync("/proc/self/fd").length

describeWith([asRoot, runcBinary, busybox, cgroupV1], "resource usage and control against runc 1.1.5", () => {
  const root = makeRoot()
  const made: Array<{ readonly id: string; readonly bundle: string }> = []
  const uid = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`

  /** A container of ours in `root`, created (and started unless told otherwise), removed after the suite. */
  const container = (name: string, options: Parameters<typeof makeBundle>[0] = {}, start = true) => {
    const id = `elc-res-${name}-${uid}`
    const bundle = makeBundle({ cgroupsPath: `/${id}`, resources: limits, ...options })
    made.push({ id, bundle })
    createContainer(root, id, bundle, start ? "running" : "created")
    return id
  }

  beforeAll(async () => {
    await buildCli(outdir)
  }, 120_000)

  afterAll(() => {
    for (const { bundle, id } of made) {
      destroyContainer(root, id)
      rmSync(bundle, { recursive: true, force: true })
    }
    rmSync(root, { recursive: true, force: true })
    rmSync(outdir, { recursive: true, force: true })
  })

  it.effect("events --stats: the same keys and static values as runc's; our counters never ahead of runc's", () =>
    Effect.gen(function*() {
      const id = container("stats")
      // A counter at 0 is left out (omitempty): one that moves from 0 between our read and runc's adds a key.
      // A fresh container settles within moments (until runc's init has exec'd, its threads count in
      // pids.current); read pairs until one agrees.
      let pair: readonly [EventStats, EventStats] | undefined
      for (let attempt = 0; attempt < 20; attempt++) {
        const ourRun = yield* ours(root, "events", "--stats", id)
        const theirRun = theirs(root, "events", "--stats", id)
        expect([ourRun.status, ourRun.stderr]).toEqual([0, ""])
        expect([theirRun.status, theirRun.stderr]).toEqual([0, ""])
        pair = [dataOf(ourRun.stdout), dataOf(theirRun.stdout)]
        if (keys(pair[0]).join() === keys(pair[1]).join() && pair[0].pids.current === pair[1].pids.current) break
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
      }
      const [a, b] = pair!
      expect(keys(a)).toEqual(keys(b))
      // static: limits, cpuset, pids, hugetlb, RDT and network
      expect(a.memory.usage.limit).toBe(BigInt(64 * MiB))
      for (const part of ["usage", "swap", "kernel", "kernelTCP"] as const) expect(a.memory[part].limit).toBe(b.memory[part].limit)
      expect(a.cpuset).toEqual(b.cpuset)
      expect(a.pids).toEqual(b.pids)
      expect(a.pids).toEqual({ current: 1n, limit: 64n })
      expect(a.hugetlb).toEqual(b.hugetlb)
      expect([a.intel_rdt, a.network_interfaces]).toEqual([b.intel_rdt, b.network_interfaces])
      for (const key of ["hierarchical_memory_limit", "hierarchical_memsw_limit"]) expect(a.memory.raw?.[key]).toBe(b.memory.raw?.[key])
      // dynamic: read first by us, so never ahead of runc
      expect(a.cpu.usage.total ?? 0n).toBeLessThanOrEqual(b.cpu.usage.total ?? 0n)
      a.cpu.usage.percpu?.forEach((v, i) => expect(v).toBeLessThanOrEqual(b.cpu.usage.percpu![i]!))
      expect(a.cpu.throttling.periods ?? 0n).toBeLessThanOrEqual(b.cpu.throttling.periods ?? 0n)
      expect(a.memory.usage.max ?? 0n).toBeLessThanOrEqual(b.memory.usage.max ?? 0n)
      for (const key of ["pgfault", "pgpgin", "pgpgout", "total_pgfault", "total_pgpgin", "total_pgpgout"]) {
        expect(a.memory.raw![key]!).toBeLessThanOrEqual(b.memory.raw![key]!)
      }
    }))

  it.effect("update with either tool: the other sees the new limits, and Load the saved config", () =>
    Effect.gen(function*() {
      const id = container("update")
      const updated = yield* ours(root, "update", "--memory", "96m", "--pids-limit", "32", "--cpu-share", "256", id)
      expect(updated).toEqual({ status: 0, stdout: "", stderr: "" })
      const seen = dataOf(theirs(root, "events", "--stats", id).stdout)
      expect([seen.memory.usage.limit, seen.pids.limit]).toEqual([BigInt(96 * MiB), 32n])
      expect(readFileSync(`/sys/fs/cgroup/cpu/${id}/cpu.shares`, "utf8")).toBe("256\n")
      // runc reads the state.json we wrote, and updates on top of it
      expect(theirs(root, "update", "--memory", "80m", "--pids-limit", "20", id)).toEqual({ status: 0, stdout: "", stderr: "" })
      const back = dataOf((yield* ours(root, "events", "--stats", id)).stdout)
      expect([back.memory.usage.limit, back.pids.limit]).toEqual([BigInt(80 * MiB), 20n])
      const loaded = yield* Effect.flatMap(Factory.load(root, id), Container.snapshot).pipe(Effect.provide(Libcontainer.layerNode))
      expect([loaded.config.cgroups?.Resources?.memory, loaded.config.cgroups?.Resources?.pids_limit]).toEqual([BigInt(80 * MiB), 20n])
      // -r from standard input, through the installed executable
      expect(bundled(root, `{"memory": {"limit": ${48 * MiB}}, "pids": {"limit": 12}}`, "update", "-r", "-", id).status).toBe(0)
      expect(dataOf(theirs(root, "events", "--stats", id).stdout).pids.limit).toBe(12n)
    }))

  it.effect("runc's recorded update sequence: the same statuses, log lines and saved resources from both tools", () =>
    Effect.gen(function*() {
      const fixture = JSON.parse(
        readFileSync(join(import.meta.dirname, "../fixtures/cgroup-stats/update-runc.json"), "utf8")
      ) as { readonly steps: ReadonlyArray<{ readonly args: ReadonlyArray<string> }> }
      const mine = container("seq-ours")
      const runcs = container("seq-runc")
      for (const { args } of fixture.steps) {
        const a = yield* ours(root, "update", ...args, mine)
        const b = theirs(root, "update", ...args, runcs)
        const what = JSON.stringify(args)
        expect(a.status, what).toBe(b.status)
        expect(a.stdout, what).toBe(b.stdout.replaceAll("runc update", "libcontainer update"))
        expect(logLines(a.stderr, mine), what).toEqual(logLines(b.stderr, runcs))
        expect(savedResources(root, mine), what).toEqual(savedResources(root, runcs))
      }
    }), 120_000)

  it.effect("a stopped container: both refuse update and events with runc's messages", () =>
    Effect.gen(function*() {
      const id = container("stopped")
      execFileSync("runc", ["--root", root, "kill", id, "KILL"])
      for (let i = 0; i < 100 && JSON.parse(theirs(root, "state", id).stdout).status !== "stopped"; i++) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
      }
      for (const args of [["update", "--memory", "100m", id], ["events", id], ["events", "--stats", id]]) {
        const a = yield* ours(root, ...args)
        const b = theirs(root, ...args)
        expect([a.status, logLines(a.stderr, id)], args.join(" ")).toEqual([b.status, logLines(b.stderr, id)])
      }
    }))

  it.live("an allocation past the memory limit is one oom event; the stream ends with the container", () =>
    Effect.gen(function*() {
      const id = container("oom", {
        resources: { memory: { limit: 32 * MiB, swap: 32 * MiB }, pids: { limit: 64 } },
        args: ["sh", "-c", "tail /dev/zero; sleep 100000"],
        applets: ["tail"]
      }, false)
      const loaded = yield* Factory.load(root, id)
      const fiber = yield* Effect.fork(Stream.runCollect(Container.events(loaded, { interval: "1 hour", pollInterval: "20 millis" })))
      execFileSync("runc", ["--root", root, "start", id])
      const memory = `/sys/fs/cgroup/memory/${id}/memory.oom_control`
      for (let i = 0; i < 500 && !readFileSync(memory, "utf8").includes("oom_kill 1\n"); i++) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
      }
      expect(readFileSync(memory, "utf8")).toContain("oom_kill 1\n")
      // the shell survives the killed tail: the container runs on until killed
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 300)))
      execFileSync("runc", ["--root", root, "kill", id, "KILL"])
      const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      expect(events).toEqual([{ type: "oom", id }])
      expect(yield* loaded.cgroupManager.oomKillCount).toBe(1n)
    }).pipe(Effect.provide(Libcontainer.layerNode)), 60_000)

  it.live("an interrupted stream leaves no file descriptor and no fiber behind", () =>
    Effect.gen(function*() {
      const id = container("leak")
      const loaded = yield* Factory.load(root, id)
      const before = fdCount()
      const supervisor = yield* Supervisor.track
      const taken = yield* Stream.runCollect(
        Stream.take(Container.events(loaded, { interval: "50 millis", pollInterval: "10 millis" }), 3)
      ).pipe(Effect.supervised(supervisor))
      expect(Chunk.toReadonlyArray(taken).map((e) => e.type)).toEqual(["stats", "stats", "stats"])
      const running = yield* Effect.fork(
        Effect.supervised(Stream.runDrain(Container.events(loaded, { interval: "50 millis", pollInterval: "10 millis" })), supervisor)
      )
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 200)))
      yield* Fiber.interrupt(running)
      expect((yield* supervisor.value).filter((f) => f.unsafePoll() === null)).toEqual([])
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(Libcontainer.layerNode)))

  it("the CLI's stream on a live container: one stats line per interval, runc's shape", () => {
    const id = container("cli")
    const r = spawnSync("timeout", ["2.5", process.execPath, executableIn(outdir), "--root", root, "events", "--interval", "1s", id], {
      encoding: "utf8"
    })
    const lines = r.stdout.split("\n").filter((l) => l !== "")
    expect(lines.length).toBe(2)
    for (const line of lines) expect(dataOf(`${line}\n`).pids.limit).toBe(64n)
  })
})
