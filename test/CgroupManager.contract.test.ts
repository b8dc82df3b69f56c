/**
 * The CgroupManager contract: one suite, run against this machine's real
 * cgroupfs (as root; v1 hierarchies through the fs manager, and the cgroup2
 * mount at /sys/fs/cgroup/unified through fs2) and against the simulated
 * cgroup trees. Real processes are started in the cgroups; freezing must
 * really stop them. Every cgroup and process a test makes is removed when
 * the test ends, and the real run must leave no test cgroup behind.
 */
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CgroupManagerModule from "../src/CgroupManager.js"
import { CgroupManager, isNotExistOrNoDevice } from "../src/CgroupManager.js"
import * as Config from "../src/Config.js"
import * as MemoryHost from "../src/memory/MemoryHost.js"
import { type CgroupFixture, leakedRealCgroups, type Sandbox, uniqueName, v1Fixtures, v2Fixtures, withInstantSleeps } from "./support/cgroups.js"
import { cgroupV1, cgroupV2, describeWith, root } from "./support/prerequisites.js"

const withResources = (path: string) => Config.makeCgroup({ path, Resources: Config.makeResources() })

/** runc's fs subsystem order, `""` last: the keys `getPaths` lists, when mounted. */
const fsOrder = [
  "cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "hugetlb", "net_cls", "net_prio",
  "perf_event", "freezer", "rdma", "name=systemd", "misc", ""
]

const newManager = (path: string) => Effect.flatMap(CgroupManager, (service) => service.new(withResources(path)))

const withPaths = (paths: Record<string, string>) =>
  Effect.flatMap(CgroupManager, (service) => service.newWithPaths(withResources("/unused"), paths))

/** A manager for a fresh absolute cgroup whose directories exist in the sandbox. */
const created = (sandbox: Sandbox) =>
  Effect.gen(function*() {
    const manager = yield* newManager(`/${uniqueName()}`)
    const dirs = Object.values(yield* manager.getPaths)
    for (const dir of dirs) yield* sandbox.mkdir(dir)
    return { manager, dirs }
  })

const backoff = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

/**
 * Waits, in real time (up to 5 s), until `pid` is asleep: a sleeper just
 * spawned may still be running (state R) through its exec, and a process
 * frozen while running keeps that letter.
 */
const asleep = (sandbox: Sandbox, pid: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500 && (yield* sandbox.state(pid)) !== "S"; i++) yield* Effect.sleep("10 millis")
    expect(yield* sandbox.state(pid)).toBe("S")
  })

const prerequisitesOf = (fixture: CgroupFixture) => fixture.real ? [root, cgroupV1, cgroupV2] : []

for (const fixture of v1Fixtures()) {
  describeWith(prerequisitesOf(fixture), `CgroupManager contract, v1: ${fixture.name}`, () => {
    const expectedPaths = (name: string) =>
      Object.fromEntries(
        fsOrder.filter((key) => fixture.mounts[key] !== undefined).map((key) => [key, `${fixture.mounts[key]}/${name}`])
      )

    // Live clock: the freezer polls and the sandbox measures CPU time in real time.
    layer(fixture.layer, { excludeTestServices: true })((it) => {
      it.effect("reports a hybrid host", () =>
        Effect.gen(function*() {
          expect(yield* (yield* CgroupManager).mode).toBe("hybrid")
        }))

      it.effect("puts an absolute cgroup in every mounted hierarchy, and the cgroup2 mount", () =>
        Effect.gen(function*() {
          const name = uniqueName()
          const manager = yield* newManager(`/${name}`)
          const paths = yield* manager.getPaths
          expect(paths).toEqual(expectedPaths(name))
          expect(Object.keys(paths)).toEqual(fsOrder.filter((key) => key in paths))
          expect(yield* manager.path("")).toBe(`/sys/fs/cgroup/unified/${name}`)
          expect(yield* manager.path("rdma")).toBe("")
        }))

      it.effect("before the cgroup exists: not there, no pids (ENOENT), no freezer state", () =>
        Effect.gen(function*() {
          const manager = yield* newManager(`/${uniqueName()}`)
          const devices = yield* manager.path("devices")
          expect(yield* manager.exists).toBe(false)
          const pids = yield* Effect.flip(manager.getAllPids)
          expect(pids.message).toBe(`lstat ${devices}: no such file or directory`)
          expect(isNotExistOrNoDevice(pids)).toBe(true)
          expect(yield* manager.getFreezerState).toBe("")
          const freeze = yield* Effect.flip(manager.freeze("FROZEN"))
          expect(freeze.message).toBe(`openat2 ${yield* manager.path("freezer")}/freezer.state: no such file or directory`)
          yield* manager.destroy
          expect(yield* manager.getPaths).toEqual({})
        }))

      it.scoped("an empty cgroup exists, has no pids, is thawed, and is destroyed everywhere", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { dirs, manager } = yield* created(sandbox)
          expect([yield* manager.exists, yield* manager.getAllPids, yield* manager.getFreezerState]).toEqual([true, [], "THAWED"])
          yield* manager.destroy
          for (const dir of dirs) expect(yield* sandbox.exists(dir)).toBe(false)
          expect([yield* manager.getPaths, yield* manager.exists, yield* manager.path("devices")]).toEqual([{}, false, ""])
        }))

      it.scoped("lists the pids of the devices cgroup and its children, in walk order", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { dirs, manager } = yield* created(sandbox)
          const devices = yield* manager.path("devices")
          const freezer = yield* manager.path("freezer")
          yield* sandbox.mkdir(`${devices}/b`)
          yield* sandbox.mkdir(`${devices}/a`)
          yield* sandbox.mkdir(`${freezer}/a`)
          const inAll = yield* sandbox.spawn(dirs)
          const inB = yield* sandbox.spawn([`${devices}/b`])
          const inA = yield* sandbox.spawn([`${devices}/a`, `${freezer}/a`])
          const freezerOnly = yield* sandbox.spawn([freezer])
          expect(yield* manager.getAllPids).toEqual([inAll, inA, inB])
          expect(yield* manager.getAllPids).not.toContain(freezerOnly)
          yield* sandbox.kill(inB)
          expect(yield* manager.getAllPids).toEqual([inAll, inA])
        }))

      it.scoped("freezing stops the process (state D) and thawing lets it run; a child cgroup is not self-frozen", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { dirs, manager } = yield* created(sandbox)
          const freezer = yield* manager.path("freezer")
          yield* sandbox.mkdir(`${freezer}/child`)
          const pid = yield* sandbox.spawn(dirs, "busy")
          const child = yield* withPaths({ freezer: `${freezer}/child` })
          expect(yield* sandbox.runs(pid)).toBe(true)

          yield* manager.freeze("FROZEN")
          expect(yield* manager.getFreezerState).toBe("FROZEN")
          expect(yield* sandbox.state(pid)).toBe("D")
          expect(yield* sandbox.runs(pid)).toBe(false)
          expect(yield* child.getFreezerState).toBe("THAWED")
          yield* manager.freeze("FROZEN")
          expect(yield* manager.getFreezerState).toBe("FROZEN")

          yield* manager.freeze("THAWED")
          expect(yield* manager.getFreezerState).toBe("THAWED")
          expect(yield* sandbox.state(pid)).not.toBe("D")
          expect(yield* sandbox.runs(pid)).toBe(true)
          yield* sandbox.kill(pid)
          expect(yield* manager.getAllPids).toEqual([])
        }))

      it.scoped("destroy backs off on a busy cgroup, keeps its path, and succeeds once it is empty", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const devices = `${fixture.mounts["devices"]}/${uniqueName()}`
          yield* sandbox.mkdir(devices)
          const pid = yield* sandbox.spawn([devices])
          const manager = yield* withPaths({ devices })
          const { result, slept } = yield* withInstantSleeps(Effect.flip(manager.destroy))
          expect(result.message).toBe(`Failed to remove paths: map[devices:${devices}]`)
          // runc 1.1.5's RemovePaths: five rounds, 10, 20, 40 and 80 ms apart, instead of backing off on each EBUSY
          expect(slept).toEqual([10, 20, 40, 80])
          expect([yield* manager.getPaths, yield* manager.exists]).toEqual([{ devices }, true])
          yield* sandbox.kill(pid)
          yield* manager.destroy
          expect([yield* manager.getPaths, yield* sandbox.exists(devices)]).toEqual([{}, false])
        }))
    })

    if (fixture.real) {
      afterAll(() => {
        expect(leakedRealCgroups().filter((p) => p.includes(`elc-test-${process.pid}-`))).toEqual([])
      })
    }
  })
}

for (const fixture of v2Fixtures()) {
  describeWith(prerequisitesOf(fixture), `CgroupManager contract, v2 (fs2): ${fixture.name}`, () => {
    const mount = fixture.mounts[""]!

    // Live clock: the freezer polls and the sandbox measures CPU time in real time.
    layer(fixture.layer, { excludeTestServices: true })((it) => {
      it.effect("reports a unified host and a single path under the mount", () =>
        Effect.gen(function*() {
          expect(yield* (yield* CgroupManager).mode).toBe("unified")
          const name = uniqueName()
          const manager = yield* newManager(`/${name}`)
          expect(yield* manager.getPaths).toEqual({ "": `${mount}/${name}` })
          expect(yield* manager.path("memory")).toBe(`${mount}/${name}`)
        }))

      it.effect("before the cgroup exists: thawing is a no-op, freezing is not supported", () =>
        Effect.gen(function*() {
          const name = uniqueName()
          const manager = yield* newManager(`/${name}`)
          expect(yield* manager.exists).toBe(false)
          expect((yield* Effect.flip(manager.getAllPids)).message).toBe(`lstat ${mount}/${name}: no such file or directory`)
          expect(yield* manager.getFreezerState).toBe("")
          yield* manager.freeze("THAWED")
          expect((yield* Effect.flip(manager.freeze("FROZEN"))).message).toBe(
            `freezer not supported: openat2 ${mount}/${name}/cgroup.freeze: no such file or directory`
          )
        }))

      it.scoped("an empty cgroup freezes at once, thaws, and is destroyed with its children", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { dirs: [dir = ""], manager } = yield* created(sandbox)
          yield* sandbox.mkdir(`${dir}/sub`)
          expect([yield* manager.exists, yield* manager.getAllPids, yield* manager.getFreezerState]).toEqual([true, [], "THAWED"])
          yield* manager.freeze("FROZEN")
          expect(yield* manager.getFreezerState).toBe("FROZEN")
          yield* manager.freeze("THAWED")
          expect(yield* manager.getFreezerState).toBe("THAWED")
          yield* manager.destroy
          expect([yield* sandbox.exists(`${dir}/sub`), yield* sandbox.exists(dir), yield* manager.exists]).toEqual([false, false, false])
          expect(yield* manager.getPaths).toEqual({ "": dir })
        }))

      it.scoped("lists members of the cgroup and its children", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { dirs: [dir = ""], manager } = yield* created(sandbox)
          yield* sandbox.mkdir(`${dir}/z`)
          yield* sandbox.mkdir(`${dir}/y`)
          const top = yield* sandbox.spawn([dir])
          const z = yield* sandbox.spawn([`${dir}/z`])
          const y = yield* sandbox.spawn([`${dir}/y`])
          expect(yield* manager.getAllPids).toEqual([top, y, z])
        }))

      it.scoped("freezing stops the process without changing its state letter; a child's own cgroup.freeze stays 0", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { dirs: [dir = ""], manager } = yield* created(sandbox)
          yield* sandbox.mkdir(`${dir}/child`)
          const sleeper = yield* sandbox.spawn([dir])
          const busy = yield* sandbox.spawn([`${dir}/child`], "busy")
          const child = yield* withPaths({ "": `${dir}/child` })
          expect(yield* sandbox.runs(busy)).toBe(true)
          yield* asleep(sandbox, sleeper)

          yield* manager.freeze("FROZEN")
          expect(yield* manager.getFreezerState).toBe("FROZEN")
          // the sleeper, woken to enter the freezer, may still show R for a moment after
          // cgroup.events says frozen (about one run in five here); it settles in S
          yield* asleep(sandbox, sleeper)
          expect(yield* sandbox.state(busy)).not.toBe("D")
          expect(yield* sandbox.runs(busy)).toBe(false)
          expect(yield* child.getFreezerState).toBe("THAWED")

          yield* manager.freeze("THAWED")
          expect(yield* manager.getFreezerState).toBe("THAWED")
          expect(yield* sandbox.runs(busy)).toBe(true)
        }))

      it.scoped("a frozen member still dies of SIGKILL (v2)", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { dirs: [dir = ""], manager } = yield* created(sandbox)
          const pid = yield* sandbox.spawn([dir])
          yield* manager.freeze("FROZEN")
          yield* sandbox.kill(pid)
          expect(yield* manager.getAllPids).toEqual([])
          expect(yield* manager.getFreezerState).toBe("FROZEN")
        }))

      it.scoped("destroy backs off on a busy cgroup with runc's rmdir error", () =>
        Effect.gen(function*() {
          const sandbox = yield* fixture.sandbox
          const { dirs: [dir = ""], manager } = yield* created(sandbox)
          const pid = yield* sandbox.spawn([dir])
          const { result, slept } = yield* withInstantSleeps(Effect.flip(manager.destroy))
          expect(result.message).toBe(`rmdir ${dir}: device or resource busy`)
          expect(slept).toEqual(backoff)
          yield* sandbox.kill(pid)
          yield* manager.destroy
          expect(yield* manager.exists).toBe(false)
        }))
    })

    if (fixture.real) {
      afterAll(() => {
        expect(leakedRealCgroups().filter((p) => p.includes(`elc-test-${process.pid}-`))).toEqual([])
      })
    }
  })
}

describe("CgroupManager.layer on a fresh MemoryHost", () => {
  layer(CgroupManagerModule.layer.pipe(Layer.provide(Layer.orDie(MemoryHost.layer()))))((it) => {
    it.effect("is a unified host with nothing in it", () =>
      Effect.gen(function*() {
        const service = yield* CgroupManager
        expect(yield* service.mode).toBe("unified")
        const manager = yield* service.new(Config.makeCgroup({ path: "/c" }))
        expect([yield* manager.exists, yield* manager.getFreezerState]).toEqual([false, ""])
      }))
  })
})
