/**
 * The lean path of Load (`internal/leanLoad.ts`) against the careful one, on
 * simulated hosts of each cgroup layout: it answers exactly for the
 * containers as runc leaves them — the status runc's refresh gives, the
 * pids runc's `Processes()` gives — and hands back everything else.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { CgroupManager } from "../../src/CgroupManager.js"
import * as ContainerError from "../../src/ContainerError.js"
import * as Container from "../../src/Container.js"
import { Filesystem } from "../../src/Filesystem.js"
import { isValid } from "../../src/internal/containerId.js"
import * as Lean from "../../src/internal/leanLoad.js"
import { clean } from "../../src/internal/path.js"
import type * as MemoryHost from "../../src/memory/MemoryHost.js"
import * as Factory from "../../src/Factory.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { Processes } from "../../src/Processes.js"
import type { Status } from "../../src/Status.js"
import { seedContainer } from "../support/simulatedContainers.js"

const root = "/run/runc"

/** A reader of `root` on the services in context, as `Factory` makes one. */
const readerOf = Effect.gen(function*() {
  const fs = yield* Filesystem
  const mode = yield* Effect.flatMap(CgroupManager, (cgroups) => cgroups.mode)
  const held = fs.direct.openRoot(root)
  if (typeof held === "string") return yield* Effect.die(new Error(`openRoot: ${held}`))
  const reader: Lean.Reader = { direct: fs.direct, held, root, unified: mode === "unified" }
  return reader
})

/** What the careful way says of `id`: status and pids, through `Container` on the loaded container. */
const carefully = (id: string) =>
  Effect.gen(function*() {
    const container = yield* Factory.load(root, id)
    return { status: yield* Container.status(container), pids: [...(yield* Container.processes(container))] }
  })

for (const cgroupMode of ["hybrid", "unified"] as const) {
  describe(`lean Load on a ${cgroupMode} host`, () => {
    const onHost = <A, E>(effect: Effect.Effect<A, E, Libcontainer.Services | MemoryHost.MemoryHost>) =>
      effect.pipe(Effect.provide(Libcontainer.layerMemoryWith({ cgroupMode })))

    it.effect("created, running and stopped containers: runc's status and pids, in runc's order of checks", () =>
      onHost(Effect.gen(function*() {
        const statuses: ReadonlyArray<readonly [string, Exclude<Status, "paused">, number]> = [
          ["c1", "created", 0],
          ["r1", "running", 0],
          ["r2", "running", 3],
          ["s1", "stopped", 0]
        ]
        for (const [id, status, children] of statuses) yield* seedContainer(root, id, status, { children })
        const processes = yield* Processes
        const cgroups = yield* CgroupManager
        const reader = yield* readerOf
        try {
          for (const [id, status, children] of statuses) {
            const read = Lean.read(reader, id)
            expect(read, id).toBeDefined()
            const alive = processes.isAliveNow!(read!.saved.init_process_pid, read!.saved.init_process_start)
            const careful = yield* carefully(id)
            expect(Lean.statusAfter(reader.direct, read!, alive), id).toBe(status)
            expect(careful.status, id).toBe(status)
            // the manager Factory.list builds without effects is the one newWithPaths builds
            const { cgroup_paths, config } = read!.saved
            const now = cgroups.newWithPathsNow!(config.cgroups, cgroup_paths)
            expect(now, id).toBeDefined()
            expect(yield* now!.getPaths, id).toEqual(yield* (yield* cgroups.newWithPaths(config.cgroups, cgroup_paths)).getPaths)
            expect(yield* now!.getFreezerState, id).toBe("THAWED")
            const pids = Lean.allPids(reader.direct, read!, reader.unified)
            if (status === "stopped") {
              // a stopped container's cgroup is gone on the seeded host: the careful way decides
              expect(pids === undefined || pids.length === 0, id).toBe(true)
            } else {
              expect(pids, id).toEqual(careful.pids)
              expect(pids, id).toHaveLength(1 + children)
            }
          }
        } finally {
          reader.held.close()
        }
      })))

    it.effect("hands back a paused container, a symlinked dir, a corrupt or missing state.json, an invalid id", () =>
      onHost(Effect.gen(function*() {
        const fs = yield* Filesystem
        yield* seedContainer(root, "p1", "paused")
        yield* seedContainer(root, "r1", "running")
        // SecureJoin resolves the link inside the root: the careful way loads r1 through it
        yield* fs.symlink("r1", `${root}/link`)
        yield* fs.makeDirectory(`${root}/corrupt`, 0o711)
        yield* fs.writeFile(`${root}/corrupt/state.json`, new TextEncoder().encode("{\"id\": 1"))
        yield* fs.makeDirectory(`${root}/empty`, 0o711)
        const reader = yield* readerOf
        try {
          for (const id of ["p1", "link", "corrupt", "empty", "missing", "..", "a/b", ""]) {
            expect(Lean.read(reader, id), id).toBeUndefined()
          }
          expect(Lean.read(reader, "r1")).toBeDefined()
          // a systemd config, or paths the plain constructor does not take, are newWithPaths's to build or refuse
          const cgroups = yield* CgroupManager
          const saved = Lean.read(reader, "r1")!.saved
          expect(cgroups.newWithPathsNow!(saved.config.cgroups && { ...saved.config.cgroups, Systemd: true }, saved.cgroup_paths))
            .toBeUndefined()
          expect(cgroups.newWithPathsNow!(saved.config.cgroups, null)).toBeUndefined()
        } finally {
          reader.held.close()
        }
        // and the careful way still answers each as runc does
        expect(yield* carefully("p1")).toMatchObject({ status: "paused" })
        expect(yield* carefully("link")).toMatchObject({ status: "running" })
        expect((yield* Effect.flip(Factory.load(root, "corrupt")))._tag).toBe("StateCorrupt")
      })))
  })
}

describe("the lean Load's freezer path", () => {
  const onHybrid = <A, E>(effect: Effect.Effect<A, E, Libcontainer.Services | MemoryHost.MemoryHost>) =>
    effect.pipe(Effect.provide(Libcontainer.layerMemoryWith({ cgroupMode: "hybrid" })))
  /** Rewrites the saved freezer path of `id` (its state.json's `cgroup_paths.freezer`) with `rewrite`. */
  const rewriteFreezer = (id: string, rewrite: (dir: string) => string) =>
    Effect.gen(function*() {
      const fs = yield* Filesystem
      const file = `${root}/${id}/state.json`
      const text = new TextDecoder().decode(yield* fs.readFile(file))
      const rewritten = text.replace(
        /("cgroup_paths":\{[^}]*"freezer":)"([^"]*)"/,
        (_, before: string, dir: string) => `${before}${JSON.stringify(rewrite(dir))}`
      )
      expect(rewritten).not.toBe(text)
      yield* fs.writeFile(file, new TextEncoder().encode(rewritten))
    })

  it.effect("names the file runc's filepath.Join names: written unclean, or with a .. that the kernel would resolve elsewhere", () =>
    onHybrid(Effect.gen(function*() {
      // runs of /, . elements and a trailing / change nothing; x/.. is lexically nothing, but x does not exist
      for (const [id, status] of [["p1", "paused"], ["r1", "running"], ["p2", "paused"], ["r2", "running"]] as const) {
        yield* seedContainer(root, id, status)
      }
      yield* rewriteFreezer("p1", (dir) => `${dir.replace("/freezer/", "/freezer//./")}/`)
      yield* rewriteFreezer("r1", (dir) => `${dir.replace("/freezer/", "/freezer//./")}/`)
      yield* rewriteFreezer("p2", (dir) => dir.replace("/freezer/", "/freezer/x/../"))
      yield* rewriteFreezer("r2", (dir) => dir.replace("/freezer/", "/freezer/x/../"))
      const reader = yield* readerOf
      try {
        // a frozen cgroup is the careful way's to report: found through either path, it is handed back
        expect(Lean.read(reader, "p1")).toBeUndefined()
        expect(Lean.read(reader, "p2")).toBeUndefined()
        expect(Lean.read(reader, "r1")).toBeDefined()
        expect(Lean.read(reader, "r2")).toBeDefined()
      } finally {
        reader.held.close()
      }
      for (const [id, status] of [["p1", "paused"], ["r1", "running"], ["p2", "paused"], ["r2", "running"]] as const) {
        expect((yield* carefully(id)).status, id).toBe(status)
        expect(yield* Effect.flatMap(Factory.load(root, id), Container.status), id).toBe(status)
      }
    })))
})

describe("the lean Load's state dir", () => {
  it.prop(
    "property: stateDirOf(root, id) is clean(root + \"/\" + id) for every root and valid id, roots alternating",
    [
      FastCheck.array(
        FastCheck.tuple(
          FastCheck.string({ unit: FastCheck.constantFrom("/", ".", "..", "a", "b/", "//", "./", "../"), maxLength: 8 }),
          FastCheck.string({ unit: FastCheck.constantFrom("a", "B", "0", "_", "+", "-", "."), minLength: 1, maxLength: 6 })
        ),
        { minLength: 1, maxLength: 6 }
      )
    ],
    ([pairs]) => {
      for (const [root, id] of pairs) {
        if (!isValid(id)) continue
        expect(Lean.stateDirOf(root, id)).toBe(clean(`${root}/${id}`))
      }
    }
  )
})

describe("leanLoad: a container that is not there", () => {
  it("is runc's ErrNotExist, in the library's own words", () => {
    expect(Lean.notExistMessage).toBe(new ContainerError.ErrNotExist().message)
  })
})
