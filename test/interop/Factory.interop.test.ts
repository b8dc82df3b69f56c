/**
 * The factory against real runc 1.1.5 on this host: containers runc made, in
 * every status, load with the status `runc state` reports; a container we
 * create and save is read by `runc state` and `runc list`.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Config from "../../src/Config.js"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { busybox, describeWith, root, runc as runcBinary } from "../support/prerequisites.js"
import { makeRoot, realContainer, runc } from "../support/runc.js"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"

const statuses = ["created", "running", "paused", "stopped"] as const

describeWith([root, runcBinary, busybox], "Factory and real runc 1.1.5", () => {
  for (const status of statuses) {
    it.scoped(`loads a ${status} container with runc's status, pid and config`, () =>
      Effect.gen(function*() {
        const real = yield* realContainer(`interop-${status}`, status, { annotations: { "org.example": status } })
        const theirs = JSON.parse(runc(real.root, ["state", real.id]))
        const ours = yield* Factory.load(real.root, real.id)
        expect(yield* Container.status(ours)).toBe(status)
        expect(theirs.status).toBe(status)
        const shown = yield* Container.ociState(ours)
        expect(shown).toEqual(theirs)
        expect(Container.formatOciState(shown)).toBe(runc(real.root, ["state", real.id]))
        if (status !== "stopped") expect(Option.getOrThrow((yield* Container.snapshot(ours)).initProcess).pid).toBe(theirs.pid)
        // State(): what runc wrote for the same container, namespace paths included
        const saved = JSON.parse(readFileSync(join(real.root, real.id, "state.json"), "utf8"))
        const current = yield* Container.state(ours)
        // The seed also lists NEWTIME where the kernel has time namespaces; runc 1.1.5 predates them.
        const timeNs = existsSync("/proc/self/ns/time") ? { NEWTIME: `/proc/${saved.init_process_pid}/ns/time` } : {}
        expect(current.namespace_paths).toEqual({ ...saved.namespace_paths, ...timeNs })
        expect(current.cgroup_paths).toEqual(saved.cgroup_paths)
        expect(current.init_process_start).toBe(BigInt(saved.init_process_start))
        expect((yield* Container.snapshot(ours)).config.labels).toContain(`bundle=${real.bundle}`)
      }).pipe(Effect.provide(Libcontainer.layerNode)))
  }

  it.scoped("lists runc's containers as runc lists them", () =>
    Effect.gen(function*() {
      const shared = makeRoot()
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(shared, { recursive: true, force: true })))
      for (const status of statuses) yield* realContainer(`list-${status}`, status, { root: shared })
      const theirs = JSON.parse(runc(shared, ["list", "--format", "json"])) as Array<{ id: string; status: string }>
      const ours = yield* Factory.list(shared).pipe(Stream.runCollect)
      const rows = yield* Effect.forEach([...ours], (e) =>
        e._tag === "Loaded" ? Effect.map(Container.lastStatus(e.container), (s) => [e.id, s]) : Effect.succeed([e.id, e.error.message]))
      expect(rows).toEqual(theirs.map((t) => [t.id, t.status]))
      expect(theirs.map((t) => t.id)).toEqual(statuses.map((s) => `list-${s}`).sort())
    }).pipe(Effect.provide(Libcontainer.layerNode)))

  it.scoped("runc reads a container we created and saved", () =>
    Effect.gen(function*() {
      const stateRoot = makeRoot()
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(stateRoot, { recursive: true, force: true })))
      const config = Config.make({
        rootfs: "/",
        version: "1.0.2-dev",
        namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }],
        cgroups: Config.makeCgroup({ path: "/elc-interop-ours", Resources: Config.makeResources() }),
        labels: ["org.example=ours", "bundle=/var/lib/ours"]
      })
      const created = yield* Factory.create(stateRoot, "ours", config)
      yield* Container.saveState(created)
      expect(JSON.parse(runc(stateRoot, ["state", "ours"]))).toEqual({
        ociVersion: "1.0.2-dev",
        id: "ours",
        pid: 0,
        status: "stopped",
        bundle: "/var/lib/ours",
        rootfs: "/",
        created: "0001-01-01T00:00:00Z",
        annotations: { "org.example": "ours" },
        owner: ""
      })
      const listed = JSON.parse(runc(stateRoot, ["list", "--format", "json"]))
      expect(listed).toHaveLength(1)
      expect(listed[0]).toMatchObject({ id: "ours", status: "stopped", owner: "root" })
      runc(stateRoot, ["delete", "ours"])
    }).pipe(Effect.provide(Libcontainer.layerNode)))
})
