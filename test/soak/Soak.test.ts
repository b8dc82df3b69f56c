/**
 * Issue 9 §6 in `npm test`: the concurrency soak for a few seconds — on the
 * real host, worker processes × fibers on one root shared with running runc
 * containers; on the simulated host, many fibers. `npm run
 * reliability:soak` runs the real-host soak for 60 s.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Config from "../../src/Config.js"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as State from "../../src/State.js"
import { busybox, describeWith, root, runc } from "../support/prerequisites.js"
import { runNodeSoak } from "./nodeSoak.js"
import { workload } from "./workload.js"

describeWith([root, runc, busybox], "concurrency soak on the real host", () => {
  it.live("3 processes × 6 fibers for 3 s: nothing lost, corrupt or leaked; every failure typed", () =>
    Effect.scoped(
      Effect.gen(function*() {
        const figures = yield* runNodeSoak({ workers: 3, fibers: 6, durationMs: 3000, longLived: 2 })
        expect(figures.problems).toEqual([])
        expect(figures.leakedFds).toBe(0)
        expect(figures.leftoverTemps).toBe(0)
        expect(figures.leftoverEntries).toEqual([])
        expect(figures.leftoverCgroups).toEqual([])
        expect(figures.operations["create"] ?? 0).toBeGreaterThan(10)
        expect(figures.operations["pause"] ?? 0).toBeGreaterThan(5)
      })
    ), 90_000)
})

describe("concurrency soak on the simulated host", () => {
  const ids = ["long-0", "long-1", "long-2"]
  const machine = Libcontainer.layerMemoryWith({
    cgroups: ids.map((id) => `/sys/fs/cgroup/${id}`),
    processes: ids.map((id, i) => ({ pid: 5000 + i, comm: "sleep", startTime: 700n + BigInt(i), cgroup: `/sys/fs/cgroup/${id}` }))
  })

  it.live("16 fibers for 2 s on running containers: nothing lost or corrupt, no temp left", () =>
    Effect.gen(function*() {
      const fs = yield* Filesystem
      for (const [i, id] of ids.entries()) {
        const state = State.make({
          id,
          init_process_pid: 5000 + i,
          init_process_start: 700n + BigInt(i),
          created: "2026-11-29T10:07:59.89537064Z",
          config: Config.make({
            rootfs: "/",
            namespaces: [{ type: "NEWPID", path: "" }],
            cgroups: Config.makeCgroup({ path: `/${id}`, Resources: Config.makeResources() })
          }),
          cgroup_paths: { "": `/sys/fs/cgroup/${id}` }
        })
        yield* fs.makeDirectoryAll(`/run/soak/${id}`, 0o711)
        yield* fs.writeFile(`/run/soak/${id}/state.json`, new TextEncoder().encode(Either.getOrThrow(State.encodeJson(state))))
      }
      const report = yield* workload({
        root: "/run/soak",
        worker: "m",
        fibers: 16,
        durationMs: 2000,
        longLived: ids,
        cgroupPrefix: "elc-soak-memory"
      })
      expect(report.problems).toEqual([])
      expect(Object.values(report.operations).reduce((a, b) => a + b, 0)).toBeGreaterThan(100)
      for (const id of ids) expect(yield* Container.status(yield* Factory.load("/run/soak", id))).toBe("running")
      expect((yield* fs.readDirectory("/run/soak")).map((e) => e.name)).toEqual(ids)
      for (const id of ids) expect((yield* fs.readDirectory(`/run/soak/${id}`)).map((e) => e.name)).toEqual(["state.json"])
    }).pipe(Effect.provide(machine)))
})
