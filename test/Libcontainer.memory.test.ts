/**
 * The simulated host as one machine: processes placed in cgroups, frozen
 * cgroups and state.json files seeded together make Load report every status
 * exactly as runc would on a real host (state.md §4).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Container from "../src/Container.js"
import * as Config from "../src/Config.js"
import * as Factory from "../src/Factory.js"
import { Filesystem } from "../src/Filesystem.js"
import * as Libcontainer from "../src/Libcontainer.js"
import * as MemoryHost from "../src/memory/MemoryHost.js"
import * as State from "../src/State.js"

const root = "/run/runc"

/** Writes the state.json runc would have written for a container whose init is `pid`. */
const seedContainer = (id: string, pid: number, startTime: bigint, options: { readonly fifo?: boolean } = {}) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const state = State.make({
      id,
      init_process_pid: pid,
      init_process_start: startTime,
      created: "2026-11-29T10:07:59.89537064Z",
      config: Config.make({
        rootfs: "/",
        version: "1.0.2-dev",
        namespaces: [{ type: "NEWPID", path: "" }],
        cgroups: Config.makeCgroup({ path: `/${id}`, Resources: Config.makeResources() }),
        labels: [`bundle=/bundles/${id}`]
      }),
      cgroup_paths: { "": `/sys/fs/cgroup/${id}` }
    })
    yield* fs.makeDirectoryAll(`${root}/${id}`, 0o711)
    yield* fs.writeFile(`${root}/${id}/state.json`, new TextEncoder().encode(Either.getOrThrow(State.encodeJson(state))))
    if (options.fifo === true) yield* fs.makeFifo(`${root}/${id}/exec.fifo`, 0o622)
  })

const machine = Libcontainer.layerMemoryWith({
  cgroups: ["/sys/fs/cgroup/running", "/sys/fs/cgroup/paused", "/sys/fs/cgroup/created", "/sys/fs/cgroup/stopped"],
  processes: [
    { pid: 4001, comm: "sleep", startTime: 500n, cgroup: "/sys/fs/cgroup/running" },
    { pid: 4002, comm: "sleep", startTime: 501n, cgroup: "/sys/fs/cgroup/paused" },
    { pid: 4003, comm: "runc:[2:INIT]", startTime: 502n, cgroup: "/sys/fs/cgroup/created" },
    { pid: 4004, comm: "sleep", startTime: 999n }
  ],
  frozen: ["/sys/fs/cgroup/paused"]
})

describe("Libcontainer.layerMemoryWith", () => {
  it.effect("seeded containers load with every status", () =>
    Effect.gen(function*() {
      yield* seedContainer("running", 4001, 500n)
      yield* seedContainer("paused", 4002, 501n)
      yield* seedContainer("created", 4003, 502n, { fifo: true })
      yield* seedContainer("stopped", 4009, 503n)
      // pid 4004 lives, but with another start time: a reused pid reads as stopped
      yield* seedContainer("reused", 4004, 123n)
      const rows = []
      for (const id of ["created", "paused", "reused", "running", "stopped"]) {
        const c = yield* Factory.load(root, id)
        rows.push([id, yield* Container.status(c), (yield* Container.ociState(c)).pid])
      }
      expect(rows).toEqual([
        ["created", "created", 4003],
        ["paused", "paused", 4002],
        ["reused", "stopped", 0],
        ["running", "running", 4001],
        ["stopped", "stopped", 0]
      ])
    }).pipe(Effect.provide(machine)))

  it.effect("pause and resume act on the simulated cgroup and process", () =>
    Effect.gen(function*() {
      yield* seedContainer("running", 4001, 500n)
      const c = yield* Factory.load(root, "running")
      yield* Container.pause(c)
      expect(yield* Container.status(yield* Factory.load(root, "running"))).toBe("paused")
      const again = yield* Effect.flip(Container.pause(c))
      expect(again.message).toBe("container not running")
      yield* Container.resume(c)
      expect(yield* Container.status(c)).toBe("running")
      expect((yield* Effect.flip(Container.resume(c))).message).toBe("container not paused")
      expect(yield* Container.processes(c)).toEqual([4001])
    }).pipe(Effect.provide(machine)))

  it.live("kill then destroy removes the container", () =>
    Effect.gen(function*() {
      yield* seedContainer("running", 4001, 500n)
      const c = yield* Factory.load(root, "running")
      expect((yield* Effect.flip(Container.destroy(c))).message).toBe("unable to destroy container: container still running")
      yield* Container.remove(c, { force: true, killPolls: 5 })
      expect((yield* Effect.flip(Factory.load(root, "running")))._tag).toBe("ErrNotExist")
      const machine = yield* MemoryHost.MemoryHost
      expect(machine.cgroups.exists("/sys/fs/cgroup/running")).toBe(false)
    }).pipe(Effect.provide(machine)))
})
