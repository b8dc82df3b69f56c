/**
 * `Container.start` — runc's `runc start` through `exec.fifo`, natively —
 * on containers the simulated host holds in every status, and on
 * containers real runc created (`runc create`), checked with `runc state`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import { busybox, cgroupV1, describeWith, root as asRoot, runc as runcBinary } from "../support/prerequisites.js"
import { realContainer, runc } from "../support/runc.js"
import { seedContainer } from "../support/simulatedContainers.js"

const root = "/run/runc"

const onMemory = <A, E>(effect: Effect.Effect<A, E, Libcontainer.AllServices | MemoryHost.MemoryHost>) =>
  effect.pipe(Effect.provide(Libcontainer.layerMemoryWith({ cgroupMode: "hybrid" })))

describe("Container.start on the simulated host", () => {
  it.live("refuses what is not created, in runc start's words, touching nothing", () =>
    onMemory(Effect.gen(function*() {
      for (
        const [status, message] of [
          ["running", "cannot start an already running container"],
          ["paused", "cannot start a container in the paused state"],
          ["stopped", "cannot start a container that has stopped"]
        ] as const
      ) {
        yield* seedContainer(root, status, status)
        const c = yield* Factory.load(root, status)
        const error = yield* Effect.flip(Container.start(c))
        expect([error._tag, error.message]).toEqual(["CannotStart", message])
        expect(yield* Container.status(c)).toBe(status)
      }
    })))

  it.live("waits while init is alive and has not opened the FIFO; interrupted, it leaves no reader", () =>
    onMemory(Effect.gen(function*() {
      const machine = yield* MemoryHost.MemoryHost
      const seeded = yield* seedContainer(root, "waiting", "created")
      const c = yield* Factory.load(root, "waiting")
      const starting = yield* Effect.fork(Container.start(c))
      yield* Effect.sleep("150 millis")
      expect(starting.unsafePoll()).toBeNull()
      const pipe = machine.fs.pipeOf(`${seeded.stateDir}/exec.fifo`)
      expect(pipe._tag === "Right" && pipe.right.readers).toBe(1)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(starting))).toBe(true)
      expect(pipe._tag === "Right" && pipe.right.readers).toBe(0)
      expect(yield* Container.status(c)).toBe("created")
    })))

  it.live("init dead before it wrote: `container process is already dead`, the FIFO kept", () =>
    onMemory(Effect.gen(function*() {
      const machine = yield* MemoryHost.MemoryHost
      const seeded = yield* seedContainer(root, "dying", "created")
      const c = yield* Factory.load(root, "dying")
      const starting = yield* Effect.fork(Effect.flip(Container.start(c)))
      yield* Effect.sleep("50 millis")
      machine.processes.exit(seeded.init, 1)
      const error = yield* Fiber.join(starting)
      expect([error._tag, error.message]).toEqual(["CannotStart", "container process is already dead"])
      const fs = yield* Filesystem
      expect((yield* fs.lstat(`${seeded.stateDir}/exec.fifo`)).type).toBe("FIFO")
    })))

  it.live("an init that wrote its byte and exited before the check still counts as started", () =>
    onMemory(Effect.gen(function*() {
      const machine = yield* MemoryHost.MemoryHost
      const seeded = yield* seedContainer(root, "quick", "created")
      const fifo = `${seeded.stateDir}/exec.fifo`
      const c = yield* Factory.load(root, "quick")
      const starting = yield* Effect.fork(Container.start(c))
      // init writes once the reader is there, then ends at once (its program ran and finished)
      yield* Effect.gen(function*() {
        const pipe = yield* Effect.orDie(machine.fs.pipeOf(fifo))
        while (pipe.readers === 0) yield* Effect.sleep("5 millis")
        const end = yield* Effect.orDie(machine.fs.openFifo(fifo, "write"))
        end.write(new TextEncoder().encode("0"))
        end.close()
        machine.processes.exit(seeded.init, 0)
      })
      yield* Fiber.join(starting)
      const fs = yield* Filesystem
      expect(yield* Effect.flip(fs.lstat(fifo))).toMatchObject({ code: "ENOENT" })
      expect(yield* Container.status(c)).toBe("stopped")
    })))
})

describeWith([asRoot, runcBinary, busybox, cgroupV1], "Container.start on containers runc created", () => {
  it.scoped("releases the init of `runc create`: runc then sees it running; a second start is refused as runc refuses it", () =>
    Effect.gen(function*() {
      const id = `elc-start-${process.pid}-${Math.random().toString(36).slice(2, 7)}`
      const real = yield* realContainer(id, "created")
      const c = yield* Factory.load(real.root, id)
      yield* Container.start(c)
      expect(JSON.parse(runc(real.root, ["state", id])).status).toBe("running")
      expect(yield* Container.status(c)).toBe("running")
      const again = yield* Effect.flip(Container.start(c))
      expect(again.message).toBe("cannot start an already running container")
    }).pipe(Effect.provide(Libcontainer.layerNode)), 30_000)
})
