/**
 * CgroupManager against this machine and real runc 1.1.5, as root:
 *
 * - what this kernel shows for frozen tasks (v1: `D`; v2: unchanged `S`,
 *   with `cgroup.events` saying `frozen 1`), and that a hybrid host's fs
 *   manager freezes through v1 only;
 * - for containers runc creates with an absolute, a relative and no
 *   `cgroupsPath`, `new(config.cgroups)` computes exactly the
 *   `cgroup_paths` runc recorded, and managers loaded from those paths see
 *   runc's init process and agree with `runc pause`/`resume`.
 */
import { afterAll, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as CgroupManagerModule from "../../src/CgroupManager.js"
import { CgroupManager } from "../../src/CgroupManager.js"
import * as Config from "../../src/Config.js"
import * as NodeHost from "../../src/node/NodeHost.js"
import * as State from "../../src/State.js"
import { leakedRealCgroups, uniqueName, v1Fixtures } from "../support/cgroups.js"
import { busybox, cgroupV1, cgroupV2, describeWith, root, runc as runcBinary } from "../support/prerequisites.js"
import { realContainer, runc } from "../support/runc.js"

const real = CgroupManagerModule.layer.pipe(Layer.provide(NodeHost.layerFilesystem))
const realUnified = CgroupManagerModule.layerWith({ root: "/sys/fs/cgroup/unified" }).pipe(Layer.provide(NodeHost.layerFilesystem))
const realFixture = v1Fixtures().find((f) => f.real)!

const withResources = (path: string) => Config.makeCgroup({ path, Resources: Config.makeResources() })

const newManager = (path: string) => Effect.flatMap(CgroupManager, (service) => service.new(withResources(path)))

/** runc's state.json of a container. */
const stateOf = (stateRoot: string, id: string): State.State =>
  Either.getOrThrow(State.decodeJson(readFileSync(join(stateRoot, id, "state.json"))))

const runcStatus = (stateRoot: string, id: string): string => JSON.parse(runc(stateRoot, ["state", id])).status

/**
 * Reads a process state until it shows `expected` (or 5 s pass, wall clock):
 * on a loaded machine a task can still be running for a moment after it was
 * spawned or thawed. Returns the last state read.
 */
const settles = (read: Effect.Effect<string>, expected: string): Effect.Effect<string> =>
  Effect.gen(function*() {
    let state = yield* read
    for (let i = 0; i < 100 && state !== expected; i++) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      state = yield* read
    }
    return state
  })

describeWith([root, cgroupV1, cgroupV2], "CgroupManager on this kernel", () => {
  layer(real, { excludeTestServices: true })((it) => {
    it.scoped("v1: a frozen task shows D; the fs manager leaves the hybrid cgroup2 freezer alone", () =>
      Effect.gen(function*() {
        const sandbox = yield* realFixture.sandbox
        const manager = yield* newManager(`/${uniqueName()}`)
        const paths = yield* manager.getPaths
        for (const dir of Object.values(paths)) yield* sandbox.mkdir(dir)
        const sleeper = yield* sandbox.spawn(Object.values(paths))
        expect(yield* settles(sandbox.state(sleeper), "S")).toBe("S")
        yield* manager.freeze("FROZEN")
        expect(yield* settles(sandbox.state(sleeper), "D")).toBe("D")
        expect(readFileSync(`${paths[""]}/cgroup.freeze`, "utf8")).toBe("0\n")
        expect(readFileSync(`${paths["freezer"]}/freezer.self_freezing`, "utf8")).toBe("1\n")
        yield* manager.freeze("THAWED")
        expect(yield* settles(sandbox.state(sleeper), "S")).toBe("S")
      }))

    it.scoped("v2: a frozen task keeps S (sleeping) or shows S (spinning), and cgroup.events says frozen 1", () =>
      Effect.gen(function*() {
        const sandbox = yield* realFixture.sandbox
        const manager = yield* newManager(`/${uniqueName()}`).pipe(Effect.provide(realUnified))
        const dir = yield* manager.path("")
        yield* sandbox.mkdir(dir)
        const sleeper = yield* sandbox.spawn([dir])
        const spinner = yield* sandbox.spawn([dir], "busy")
        expect(yield* settles(sandbox.state(spinner), "R")).toBe("R")
        yield* manager.freeze("FROZEN")
        expect(readFileSync(`${dir}/cgroup.events`, "utf8")).toContain("frozen 1\n")
        expect([yield* settles(sandbox.state(sleeper), "S"), yield* settles(sandbox.state(spinner), "S")]).toEqual(["S", "S"])
        expect(yield* sandbox.runs(spinner)).toBe(false)
        yield* manager.freeze("THAWED")
        expect(readFileSync(`${dir}/cgroup.events`, "utf8")).toContain("frozen 0\n")
        expect(yield* sandbox.runs(spinner)).toBe(true)
      }))
  })
})

describeWith([root, cgroupV1, cgroupV2, runcBinary, busybox], "CgroupManager agrees with runc 1.1.5", () => {
  layer(real, { excludeTestServices: true })((it) => {
    const forms: ReadonlyArray<readonly [string, (id: string) => string | undefined]> = [
      ["an absolute cgroupsPath", (id) => `/${id}`],
      ["a relative cgroupsPath", (id) => `${id}-rel`],
      ["no cgroupsPath (runc names the cgroup after the container)", () => undefined]
    ]
    for (const [form, cgroupsPath] of forms) {
      it.scoped(`computes runc's cgroup_paths for ${form}, and sees runc's init there`, () =>
        Effect.gen(function*() {
          const id = `elc-runc-${Math.random().toString(36).slice(2, 10)}`
          const path = cgroupsPath(id)
          const container = yield* realContainer(id, "created", path === undefined ? {} : { cgroupsPath: path })
          const state = stateOf(container.root, id)
          const cgroups = state.config.cgroups
          expect(cgroups).not.toBeNull()
          const service = yield* CgroupManager
          const computed = yield* (yield* service.new(cgroups)).getPaths
          expect(computed).toEqual(state.cgroup_paths)
          expect(Object.keys(computed)).toContain("")

          const loaded = yield* service.newWithPaths(cgroups, state.cgroup_paths)
          expect(yield* loaded.exists).toBe(true)
          expect(yield* loaded.getAllPids).toEqual([state.init_process_pid])
          expect(yield* loaded.getFreezerState).toBe("THAWED")
        }))
    }

    it.scoped("reads runc's pause, and runc reads ours", () =>
      Effect.gen(function*() {
        const id = `elc-runc-${Math.random().toString(36).slice(2, 10)}`
        const container = yield* realContainer(id, "running", { cgroupsPath: `/${id}` })
        const state = stateOf(container.root, id)
        const manager = yield* (yield* CgroupManager).newWithPaths(state.config.cgroups, state.cgroup_paths)
        runc(container.root, ["pause", id])
        expect(yield* manager.getFreezerState).toBe("FROZEN")
        yield* manager.freeze("THAWED")
        expect(runcStatus(container.root, id)).toBe("running")
        yield* manager.freeze("FROZEN")
        expect(runcStatus(container.root, id)).toBe("paused")
        runc(container.root, ["resume", id])
        expect(yield* manager.getFreezerState).toBe("THAWED")
      }))
  })

  afterAll(() => {
    const ours = (p: string) => p.includes("/elc-runc-") || p.includes(`/elc-test-${process.pid}-`)
    expect(leakedRealCgroups().filter(ours)).toEqual([])
  })
})
