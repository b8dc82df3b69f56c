/**
 * Container operations (runc's `container_linux.go` and `delete.go`):
 * pause, resume, signal (init and all processes), processes, destroy and
 * remove (`runc delete`), on the simulated host in every cgroup layout and
 * against real runc containers on this host.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { existsSync, readFileSync, statSync } from "node:fs"
import * as CgroupManager from "../src/CgroupManager.js"
import type { CgroupMode } from "../src/CgroupManager.js"
import * as Config from "../src/Config.js"
import * as Container from "../src/Container.js"
import * as Factory from "../src/Factory.js"
import { Filesystem } from "../src/Filesystem.js"
import * as IntelRdt from "../src/IntelRdt.js"
import * as Libcontainer from "../src/Libcontainer.js"
import * as MemoryHostModule from "../src/memory/MemoryHost.js"
import { MemoryHost } from "../src/memory/MemoryHost.js"
import { Processes } from "../src/Processes.js"
import * as Signal from "../src/Signal.js"
import { busybox, describeWith, root as asRoot, runc as runcBinary } from "./support/prerequisites.js"
import { type RealStatus, realContainer, runc, runcResult } from "./support/runc.js"
import { seedContainer } from "./support/simulatedContainers.js"

const root = "/run/runc"
const modes: ReadonlyArray<CgroupMode> = ["unified", "hybrid", "legacy"]
const decoder = new TextDecoder()

const stateBytes = (id: string) =>
  Effect.flatMap(Filesystem, (fs) => fs.readFile(`${root}/${id}/state.json`)).pipe(Effect.map((b) => decoder.decode(b)))

const reload = (id: string) => Effect.flatMap(Factory.load(root, id), Container.status)

/** The cgroupfs files written through the Filesystem port, in order. */
class CgroupWrites extends Context.Tag("test/CgroupWrites")<CgroupWrites, ReadonlyArray<string>>() {}

/**
 * A simulated host in `mode` (with CAT resctrl), composed as
 * `Libcontainer.layerMemoryWith` composes it — the managers over the host's
 * Filesystem — except that the Filesystem records every write under
 * `/sys/fs/cgroup` on its way through ({@link CgroupWrites}).
 */
const onMemory = (mode: CgroupMode) =>
<A, E>(effect: Effect.Effect<A, E, Libcontainer.Services | MemoryHost | CgroupWrites>) =>
  Effect.gen(function*() {
    const host = yield* Effect.orDie(MemoryHostModule.make({ cgroupMode: mode, resctrl: { cat: true } }))
    const fs = MemoryHostModule.filesystem(host)
    const written: Array<string> = []
    const record = (path: string) =>
      Effect.sync(() => {
        if (path.startsWith("/sys/fs/cgroup/")) written.push(path)
      })
    const recording: typeof fs = {
      ...fs,
      writeFile: (path, data, options) => Effect.zipRight(record(path), fs.writeFile(path, data, options)),
      writeFileOn: (path, data, types) => Effect.zipRight(record(path), fs.writeFileOn(path, data, types))
    }
    const adapters = Layer.mergeAll(
      Layer.succeed(MemoryHost, host),
      Layer.succeed(Filesystem, recording),
      Layer.succeed(Processes, MemoryHostModule.processes(host)),
      Layer.succeed(CgroupWrites, written)
    )
    return yield* effect.pipe(
      Effect.provide(Layer.merge(CgroupManager.layer, IntelRdt.layer).pipe(Layer.provideMerge(adapters)))
    )
  })

for (const mode of modes) {
  describe(`Container operations on the simulated host (${mode} cgroups)`, () => {
    const run = onMemory(mode)

    it.effect("pause freezes a running container's processes; the pause is read back, never written", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const seeded = yield* seedContainer(root, "p", "running", { children: 1 })
        const before = yield* stateBytes("p")
        const c = yield* Factory.load(root, "p")
        yield* Container.pause(c)
        expect(yield* Container.lastStatus(c)).toBe("paused")
        for (const pid of [seeded.init, ...seeded.children]) {
          expect(Option.getOrThrow(machine.processes.get(pid)).frozen).toBe(true)
        }
        expect(yield* stateBytes("p")).toBe(before)
        expect(yield* reload("p")).toBe("paused")
      })))

    it.effect("pause of a created container pauses it", () =>
      run(Effect.gen(function*() {
        yield* seedContainer(root, "c", "created")
        const c = yield* Factory.load(root, "c")
        expect(yield* Container.lastStatus(c)).toBe("created")
        yield* Container.pause(c)
        expect(yield* reload("c")).toBe("paused")
      })))

    it.effect("pause refuses a paused or stopped container with `container not running`", () =>
      run(Effect.gen(function*() {
        yield* seedContainer(root, "paused", "paused")
        yield* seedContainer(root, "stopped", "stopped")
        for (const id of ["paused", "stopped"]) {
          const e = yield* Effect.flip(Effect.flatMap(Factory.load(root, id), Container.pause))
          expect(e._tag).toBe("ErrNotRunning")
          expect(e.message).toBe("container not running")
        }
        expect(yield* reload("paused")).toBe("paused")
        expect(yield* reload("stopped")).toBe("stopped")
      })))

    it.effect("resume thaws a paused container; anything else is `container not paused`", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const seeded = yield* seedContainer(root, "p", "paused")
        const before = yield* stateBytes("p")
        yield* Effect.flatMap(Factory.load(root, "p"), Container.resume)
        expect(Option.getOrThrow(machine.processes.get(seeded.init)).frozen).toBe(false)
        expect(yield* reload("p")).toBe("running")
        expect(yield* stateBytes("p")).toBe(before)
        yield* seedContainer(root, "c", "created")
        yield* seedContainer(root, "s", "stopped")
        for (const id of ["p", "c", "s"]) {
          const e = yield* Effect.flip(Effect.flatMap(Factory.load(root, id), Container.resume))
          expect(e._tag).toBe("ErrNotPaused")
          expect(e.message).toBe("container not paused")
        }
      })))

    it.effect("signal reaches init only, and SIGTERM stops a container", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const seeded = yield* seedContainer(root, "r", "running", { children: 1 })
        const c = yield* Factory.load(root, "r")
        yield* Container.signal(c, Signal.names.SIGUSR1)
        expect(Option.isNone(machine.processes.get(seeded.init))).toBe(true)
        expect(Option.getOrThrow(machine.processes.get(seeded.children[0]!)).received).toEqual([])
        expect(yield* Container.status(c)).toBe("stopped")
      })))

    it.effect("signal to a stopped container, or to a pid now held by another process, is `container not running`", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        yield* seedContainer(root, "s", "stopped")
        const e = yield* Effect.flip(Effect.flatMap(Factory.load(root, "s"), (c) => Container.signal(c, Signal.SIGTERM)))
        expect(e.message).toBe("container not running")
        // init dies and its pid is reused: the newcomer must not be hit
        const seeded = yield* seedContainer(root, "r", "running")
        const c = yield* Factory.load(root, "r")
        machine.processes.exit(seeded.init)
        const stranger = yield* machine.processes.spawn({ pid: seeded.init, comm: "stranger" })
        const again = yield* Effect.flip(Container.signal(c, Signal.SIGKILL))
        expect(again._tag).toBe("ErrNotRunning")
        expect(Option.getOrThrow(machine.processes.get(stranger.pid)).received).toEqual([])
      })))

    it.effect("SIGKILL to a paused container kills init and thaws the cgroup", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const seeded = yield* seedContainer(root, "p", "paused")
        const c = yield* Factory.load(root, "p")
        yield* Container.signal(c, Signal.SIGKILL)
        expect(yield* c.cgroupManager.getFreezerState).toBe("THAWED")
        expect(Option.isNone(machine.processes.get(seeded.init))).toBe(true)
        expect(yield* Container.status(c)).toBe("stopped")
      })))

    it.effect("SIGTERM to a paused container waits, frozen, until it is resumed", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const seeded = yield* seedContainer(root, "p", "paused")
        const c = yield* Factory.load(root, "p")
        yield* Container.signal(c, Signal.names.SIGHUP)
        expect(yield* c.cgroupManager.getFreezerState).toBe("FROZEN")
        yield* Container.resume(c)
        expect(Option.isNone(machine.processes.get(seeded.init))).toBe(true)
      })))

    it.effect("SIGKILL without a private PID namespace kills every process in the cgroup", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const seeded = yield* seedContainer(root, "h", "running", { privatePid: false, children: 2 })
        const c = yield* Factory.load(root, "h")
        yield* Container.signal(c, Signal.SIGKILL)
        for (const pid of [seeded.init, ...seeded.children]) expect(Option.isNone(machine.processes.get(pid))).toBe(true)
        expect(yield* Container.processes(c)).toEqual([])
      })))

    it.effect("signal with `all` (runc kill --all) reaches every process, and a frozen cgroup is thawed after", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const seeded = yield* seedContainer(root, "a", "running", { children: 2 })
        const c = yield* Factory.load(root, "a")
        yield* Container.signal(c, Signal.names.SIGUSR2, { all: true })
        for (const pid of [seeded.init, ...seeded.children]) expect(Option.isNone(machine.processes.get(pid))).toBe(true)
        expect(yield* c.cgroupManager.getFreezerState).toBe("THAWED")
      })))

    // Every path a SIGKILL takes must leave the cgroup thawed: a v1 freezer holds the kill until the
    // thaw, and a v2-frozen cgroup, its processes killed, would still read as paused. The cgroupfs is
    // in the simulated host's tree, as on a real host, so `cgroup.kill` is used where the layout has it.
    for (const privatePid of [false, true]) {
      const ns = privatePid ? "a private PID namespace" : "the host's PID namespace"
      const kills = [
        ["signal(SIGKILL)", (c: Container.Container) => Container.signal(c, Signal.SIGKILL)],
        ["signal(SIGKILL, { all })", (c: Container.Container) => Container.signal(c, Signal.SIGKILL, { all: true })],
        // a kill that does not land ends in InitStillRunning after these few polls
        ["remove({ force })", (c: Container.Container) => Container.remove(c, { force: true, killPolls: 2 })]
      ] as const
      for (const [name, kill] of kills) {
        it.live(`${name} stops a paused container with ${ns}: nothing is left frozen or alive`, () =>
          run(
            Effect.gen(function*() {
              const written = yield* CgroupWrites
              const machine = yield* MemoryHost
              // in a private PID namespace the children die with init, as the kernel tears the namespace down
              const seeded = yield* seedContainer(root, "p", "paused", { privatePid, namespaceInit: true, children: 2 })
              const c = yield* Factory.load(root, "p")
              yield* kill(c)
              for (const pid of [seeded.init, ...seeded.children]) {
                expect(Option.isNone(machine.processes.get(pid)), `pid ${pid}`).toBe(true)
              }
              const allProcesses = !privatePid || name.includes("all")
              expect(written.includes(`${seeded.cgroupPaths[""]}/cgroup.kill`)).toBe(allProcesses && mode !== "legacy")
              if (name.startsWith("remove")) {
                expect((yield* Effect.flip(Factory.load(root, "p")))._tag).toBe("ErrNotExist")
                for (const dir of Object.values(seeded.cgroupPaths)) expect(machine.cgroups.exists(dir)).toBe(false)
              } else {
                expect(yield* c.cgroupManager.getFreezerState).toBe("THAWED")
                expect(yield* reload("p")).toBe("stopped")
              }
            })
          ))
      }
    }

    it.effect("destroy of a container last seen as created, paused since, kills init and thaws the cgroup", () =>
      run(
        Effect.gen(function*() {
          const machine = yield* MemoryHost
          const seeded = yield* seedContainer(root, "c", "created")
          const c = yield* Factory.load(root, "c")
          expect(yield* Container.status(c)).toBe("created")
          yield* Effect.flatMap(Factory.load(root, "c"), Container.pause)
          expect(Option.getOrThrow(machine.processes.get(seeded.init)).frozen).toBe(true)
          yield* Container.destroy(c)
          expect(Option.isNone(machine.processes.get(seeded.init))).toBe(true)
          for (const dir of Object.values(seeded.cgroupPaths)) expect(machine.cgroups.exists(dir)).toBe(false)
        })
      ))

    it.effect("destroy of a stopped container in the host's PID namespace kills its frozen leftovers and thaws them", () =>
      run(
        Effect.gen(function*() {
          const machine = yield* MemoryHost
          const seeded = yield* seedContainer(root, "h", "running", { privatePid: false, children: 2 })
          const c = yield* Factory.load(root, "h")
          machine.processes.exit(seeded.init, 0)
          expect(yield* Container.status(c)).toBe("stopped")
          // its children live on, and are frozen since
          yield* c.cgroupManager.freeze("FROZEN")
          yield* Container.destroy(c)
          for (const pid of seeded.children) expect(Option.isNone(machine.processes.get(pid)), `pid ${pid}`).toBe(true)
          for (const dir of Object.values(seeded.cgroupPaths)) expect(machine.cgroups.exists(dir)).toBe(false)
        })
      ))

    it.effect("signal with `all` to a stopped container whose cgroup is gone does nothing, as runc", () =>
      run(Effect.gen(function*() {
        yield* seedContainer(root, "s", "stopped")
        const c = yield* Factory.load(root, "s")
        yield* c.cgroupManager.destroy
        yield* Container.signal(c, Signal.SIGKILL, { all: true })
        const e = yield* Effect.flip(Container.signal(c, Signal.SIGKILL))
        expect(e.message).toBe("container not running")
      })))

    it.effect("processes lists the cgroup's pids; a stopped container whose cgroup is gone has none", () =>
      run(Effect.gen(function*() {
        const r = yield* seedContainer(root, "r", "running", { children: 2 })
        const running = yield* Factory.load(root, "r")
        expect([...(yield* Container.processes(running))].sort()).toEqual([r.init, ...r.children].sort())
        yield* seedContainer(root, "s", "stopped")
        const stopped = yield* Factory.load(root, "s")
        expect(yield* Container.processes(stopped)).toEqual([])
        yield* stopped.cgroupManager.destroy
        expect(yield* Container.processes(stopped)).toEqual([])
      })))

    it.effect("destroy refuses a running or paused container with runc's text", () =>
      run(Effect.gen(function*() {
        yield* seedContainer(root, "r", "running")
        yield* seedContainer(root, "p", "paused")
        const fs = yield* Filesystem
        const running = yield* Effect.flip(Effect.flatMap(Factory.load(root, "r"), Container.destroy))
        expect(running.message).toBe("unable to destroy container: container still running")
        const paused = yield* Effect.flip(Effect.flatMap(Factory.load(root, "p"), Container.destroy))
        expect(paused.message).toBe("unable to destroy container: container paused")
        for (const id of ["r", "p"]) expect((yield* fs.stat(`${root}/${id}/state.json`)).type).toBe("File")
      })))

    it.effect("destroy of a stopped container removes its cgroups and state dir", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const fs = yield* Filesystem
        const seeded = yield* seedContainer(root, "s", "stopped")
        yield* Effect.flatMap(Factory.load(root, "s"), Container.destroy)
        for (const dir of Object.values(seeded.cgroupPaths)) expect(machine.cgroups.exists(dir)).toBe(false)
        expect((yield* Effect.flip(fs.stat(seeded.stateDir))).code).toBe("ENOENT")
        expect((yield* Effect.flip(Factory.load(root, "s")))._tag).toBe("ErrNotExist")
      })))

    it.effect("destroy of a created container kills init first", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const seeded = yield* seedContainer(root, "c", "created")
        yield* Effect.flatMap(Factory.load(root, "c"), Container.destroy)
        expect(Option.isNone(machine.processes.get(seeded.init))).toBe(true)
        expect(machine.cgroups.cgroups()).not.toContain(seeded.cgroupPaths[""] ?? seeded.cgroupPaths["freezer"])
      })))

    it.effect("destroy cleans up a state dir Create made but nothing saved to (a half-done create)", () =>
      run(Effect.gen(function*() {
        const fs = yield* Filesystem
        const config = Config.make({
          rootfs: "/",
          namespaces: [{ type: "NEWPID", path: "" }],
          cgroups: Config.makeCgroup({ path: "/half", Resources: Config.makeResources() })
        })
        const c = yield* Factory.create(root, "half", config)
        yield* Container.destroy(c)
        expect((yield* Effect.flip(fs.stat(`${root}/half`))).code).toBe("ENOENT")
      })))

    // live clock: remove polls every 100 ms for init to die, as runc does
    it.live("remove (runc delete): stopped and created go; running and paused need force", () =>
      run(Effect.gen(function*() {
        const machine = yield* MemoryHost
        const fs = yield* Filesystem
        const seeded = {
          stopped: yield* seedContainer(root, "stopped", "stopped"),
          created: yield* seedContainer(root, "created", "created"),
          running: yield* seedContainer(root, "running", "running"),
          paused: yield* seedContainer(root, "paused", "paused")
        }
        for (const id of ["running", "paused"] as const) {
          const e = yield* Effect.flip(Effect.flatMap(Factory.load(root, id), (c) => Container.remove(c)))
          expect(e._tag).toBe("NotStopped")
          expect(e.message).toBe(`cannot delete container ${id} that is not stopped: ${id}`)
        }
        for (const id of ["stopped", "created"] as const) {
          yield* Effect.flatMap(Factory.load(root, id), (c) => Container.remove(c))
        }
        for (const id of ["running", "paused"] as const) {
          yield* Effect.flatMap(Factory.load(root, id), (c) => Container.remove(c, { force: true }))
        }
        for (const [id, s] of Object.entries(seeded)) {
          expect((yield* Effect.flip(fs.stat(s.stateDir))).code, id).toBe("ENOENT")
          for (const pid of [s.init, ...s.children]) expect(Option.isNone(machine.processes.get(pid)), id).toBe(true)
          for (const dir of Object.values(s.cgroupPaths)) expect(machine.cgroups.exists(dir), id).toBe(false)
        }
        expect(yield* fs.readDirectory(root)).toEqual([])
      })))

    it.live("remove with force also removes the Intel RDT group", () =>
      run(Effect.gen(function*() {
        const seeded = yield* seedContainer(root, "rdt", "paused", { intelRdt: true })
        const c = yield* Factory.load(root, "rdt")
        const group = yield* Option.getOrThrow(c.intelRdtManager).getPath
        expect(group).toBe("/sys/fs/resctrl/rdt")
        const { resctrl } = yield* MemoryHost
        expect(resctrl.groupNames()).toContain("rdt")
        expect(resctrl.tasksOf("rdt")).toEqual([seeded.init])
        yield* Container.remove(c, { force: true })
        expect(resctrl.groupNames()).not.toContain("rdt")
        expect((yield* Effect.flip(Factory.load(root, "rdt")))._tag).toBe("ErrNotExist")
      })))

    it.effect("saveState leaves only state.json behind (temp file renamed over it)", () =>
      run(Effect.gen(function*() {
        const fs = yield* Filesystem
        yield* seedContainer(root, "r", "running")
        const c = yield* Factory.load(root, "r")
        const before = JSON.parse(yield* stateBytes("r"))
        yield* Container.saveState(c)
        expect((yield* fs.readDirectory(`${root}/r`)).map((e) => e.name)).toEqual(["state.json"])
        const after = JSON.parse(yield* stateBytes("r"))
        for (const key of ["id", "init_process_pid", "init_process_start", "created", "config", "cgroup_paths"]) {
          expect(after[key], key).toEqual(before[key])
        }
        expect(after.namespace_paths.NEWPID).toBe(`/proc/${before.init_process_pid}/ns/pid`)
        expect((yield* fs.stat(`${root}/r/state.json`)).mode & 0o777).toBe(0o600)
      })))
  })
}

describeWith([asRoot, runcBinary, busybox], "Container operations on real runc containers", () => {
  const statusOf = (r: { root: string; id: string }) => JSON.parse(runc(r.root, ["state", r.id])).status as string
  /**
   * A runc container in `status`, loaded by us, removed when the test's scope
   * closes. Ids are unique per run: runc names the cgroup after the id, and
   * suites may run side by side.
   */
  const loaded = (name: string, status: RealStatus) =>
    Effect.gen(function*() {
      const real = yield* realContainer(`${name}-${process.pid}`, status)
      return { real, c: yield* Factory.load(real.root, real.id) }
    })
  const realTest = <E>(name: string, body: () => Effect.Effect<void, E, Scope.Scope | Libcontainer.Services>) =>
    it.scopedLive(name, () => Effect.provide(body(), Libcontainer.layerNode))

  realTest("pause and resume are what runc sees; runc's pause and resume are what we see", () =>
    Effect.gen(function*() {
      const { c, real } = yield* loaded("ops-pause", "running")
      yield* Container.pause(c)
      expect(statusOf(real)).toBe("paused")
      expect((yield* Effect.flip(Container.pause(c))).message).toBe("container not running")
      yield* Container.resume(c)
      expect(statusOf(real)).toBe("running")
      expect((yield* Effect.flip(Container.resume(c))).message).toBe("container not paused")
      runc(real.root, ["pause", real.id])
      expect(yield* Container.status(c)).toBe("paused")
      runc(real.root, ["resume", real.id])
      expect(yield* Container.status(c)).toBe("running")
    }))

  realTest("processes are runc ps's pids", () =>
    Effect.gen(function*() {
      const { c, real } = yield* loaded("ops-ps", "running")
      expect(yield* Container.processes(c)).toEqual(JSON.parse(runc(real.root, ["ps", "--format", "json", real.id])))
      expect((yield* Container.processes(c)).length).toBe(1)
    }))

  realTest("SIGKILL to a paused container stops it for runc too", () =>
    Effect.gen(function*() {
      const { c, real } = yield* loaded("ops-kill", "paused")
      yield* Container.signal(c, Signal.SIGKILL)
      for (let i = 0; i < 100 && statusOf(real) !== "stopped"; i++) yield* Effect.sleep("20 millis")
      expect(statusOf(real)).toBe("stopped")
      expect(yield* Container.status(c)).toBe("stopped")
    }))

  realTest("remove with force takes a running container away: runc no longer knows it, its cgroup is gone", () =>
    Effect.gen(function*() {
      const { c, real } = yield* loaded("ops-rm", "running")
      const freezer = (yield* c.cgroupManager.getPaths)["freezer"] ?? (yield* c.cgroupManager.getPaths)[""]!
      expect(existsSync(freezer)).toBe(true)
      const refused = yield* Effect.flip(Container.remove(c))
      expect(refused.message).toBe(`cannot delete container ${real.id} that is not stopped: running`)
      yield* Container.remove(c, { force: true })
      const after = runcResult(real.root, ["state", real.id])
      expect(after.status).not.toBe(0)
      expect(after.stderr).toContain("container does not exist")
      expect(existsSync(freezer)).toBe(false)
      expect(existsSync(`${real.root}/${real.id}`)).toBe(false)
    }))

  realTest("pause does not touch state.json, as runc does not", () =>
    Effect.gen(function*() {
      const { c, real } = yield* loaded("ops-nowrite", "running")
      const file = `${real.root}/${real.id}/state.json`
      const [bytes, mtime] = [readFileSync(file), statSync(file).mtimeMs]
      yield* Container.pause(c)
      yield* Container.resume(c)
      expect(readFileSync(file)).toEqual(bytes)
      expect(statSync(file).mtimeMs).toBe(mtime)
    }))
})
