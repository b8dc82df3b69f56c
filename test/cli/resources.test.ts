/**
 * `libcontainer events` and `libcontainer update` on the simulated host:
 * runc's output lines and error lines, `-r` documents read through the
 * Filesystem, the stream's end when the container stops.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import { decodeEventStats } from "../../src/internal/cgroups/stats/events.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { MemoryHost } from "../../src/memory/MemoryHost.js"
import * as Signal from "../../src/Signal.js"
import { seedContainer } from "../support/simulatedContainers.js"
import { runCli } from "../support/cli.js"

const root = "/run/runc"

const cli = (...args: ReadonlyArray<string>) => runCli(["--root", root, ...args])

const onMemory = <A, E>(effect: Effect.Effect<A, E, Libcontainer.AllServices | MemoryHost>) =>
  effect.pipe(Effect.provide(Libcontainer.layerMemoryWith({ cgroupMode: "hybrid" })))

const logLine = (level: string, message: string) =>
  new RegExp(`^time="[0-9T:+Z-]+" level=${level} msg=${JSON.stringify(message).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n$`)

describe("libcontainer events", () => {
  it.effect("--stats: one line of runc's shape, the pids seen", () =>
    onMemory(Effect.gen(function*() {
      yield* seedContainer(root, "r1", "running", { children: 1 })
      const result = yield* cli("events", "--stats", "r1")
      expect([result.status, result.stderr]).toEqual([0, ""])
      expect(result.stdout.startsWith(`{"type":"stats","id":"r1","data":{"cpu":{"usage":{"percpu":[0,0],`)).toBe(true)
      expect(result.stdout.endsWith(`"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}\n`)).toBe(true)
      const data = Either.getOrThrow(decodeEventStats(result.stdout.slice(result.stdout.indexOf(`,"data":`) + 8, -2)))
      expect(data.pids).toEqual({ current: 2n })
    })))

  it.effect("streams a line per interval and an oom line, and ends when the container stops", () =>
    onMemory(Effect.gen(function*() {
      const machine = yield* MemoryHost
      const seeded = yield* seedContainer(root, "r2", "running", { children: 1 })
      const fiber = yield* Effect.fork(cli("events", "--interval", "2s", "r2"))
      yield* TestClock.adjust("2 seconds")
      yield* machine.cgroups.oomKill(seeded.cgroupPaths["memory"]!, seeded.children[0])
      yield* TestClock.adjust("100 millis")
      machine.processes.signal(seeded.init, Signal.SIGKILL)
      yield* TestClock.adjust("100 millis")
      const result = yield* Fiber.join(fiber)
      expect(result.status).toBe(0)
      const lines = result.stdout.split("\n").filter((l) => l !== "")
      expect(lines.map((l) => JSON.parse(l).type)).toEqual(["stats", "oom"])
      expect(lines[1]).toBe(`{"type":"oom","id":"r2"}`)
    })))

  it.effect("a stopped container, a non-positive interval: runc's error lines", () =>
    onMemory(Effect.gen(function*() {
      yield* seedContainer(root, "s1", "stopped")
      yield* seedContainer(root, "r3", "running")
      const stopped = yield* cli("events", "s1")
      expect([stopped.status, stopped.stdout]).toEqual([1, ""])
      expect(stopped.stderr).toMatch(logLine("error", "container with id s1 is not running"))
      const zero = yield* cli("events", "--interval", "0s", "r3")
      expect(zero.stderr).toMatch(logLine("error", "duration interval must be greater than 0"))
    })))
})

describe("libcontainer update", () => {
  it.effect("flags: the limits written, the config saved; a -r file read through the Filesystem", () =>
    onMemory(Effect.gen(function*() {
      const fs = yield* Filesystem
      const seeded = yield* seedContainer(root, "u1", "running")
      expect(yield* cli("update", "--memory", "96m", "--pids-limit", "0x20", "u1")).toEqual({ status: 0, stdout: "", stderr: "" })
      const read = (path: string) => Effect.map(fs.readFile(path), (b) => new TextDecoder().decode(b))
      expect(yield* read(`${seeded.cgroupPaths["memory"]}/memory.limit_in_bytes`)).toBe("100663296\n")
      expect(yield* read(`${seeded.cgroupPaths["pids"]}/pids.max`)).toBe("32\n")
      yield* fs.writeFile("/tmp/r.json", new TextEncoder().encode(`{"pids": {"limit": 7}, "memory": {"kernel": 1}}`))
      const fromFile = yield* cli("update", "-r", "/tmp/r.json", "--pids-limit", "99", "u1")
      expect([fromFile.status, fromFile.stdout]).toEqual([0, ""])
      expect(fromFile.stderr).toMatch(logLine("warning", "Kernel memory settings are ignored and will be removed"))
      expect(yield* read(`${seeded.cgroupPaths["pids"]}/pids.max`)).toBe("7\n")
      const saved = (yield* Container.snapshot(yield* Factory.load(root, "u1"))).config.cgroups!.Resources!
      expect([saved.pids_limit, saved.memory]).toEqual([7n, 0n])
    })))

  it.effect("runc's errors: a bad size, a bad document, a missing file, a stopped container", () =>
    onMemory(Effect.gen(function*() {
      const fs = yield* Filesystem
      yield* seedContainer(root, "u2", "running")
      yield* seedContainer(root, "s2", "stopped")
      yield* fs.writeFile("/tmp/bad.json", new TextEncoder().encode(`{"memory": {"limit": "x"}}`))
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
        [["--memory", "lots", "u2"], "invalid value for memory: invalid size: 'lots'"],
        [["--cpu-quota", "1.5", "u2"], `invalid value for cpu-quota: strconv.ParseInt: parsing "1.5": invalid syntax`],
        [["-r", "/tmp/bad.json", "u2"], "json: cannot unmarshal string into Go struct field LinuxMemory.memory.limit of type int64"],
        [["-r", "/tmp/none.json", "u2"], "open /tmp/none.json: no such file or directory"],
        [["--l3-cache-schema", "L3:0=f", "u2"], "Intel RDT/CAT: l3 cache schema is not enabled"],
        [["--memory", "1g", "s2"], "container not running"],
        [["--memory", "1g", "nope"], "container does not exist"]
      ]
      for (const [args, message] of cases) {
        const result = yield* cli("update", ...args)
        expect([result.status, result.stdout], args.join(" ")).toEqual([1, ""])
        expect(result.stderr, args.join(" ")).toMatch(logLine("error", message))
      }
    })))
})

