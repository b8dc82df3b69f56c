import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { SystemError } from "../../../src/ContainerError.js"
import { type ExecFifoHost, start } from "../../../src/internal/runtime/execFifo.js"
import * as WallClock from "../../../src/internal/wallClock.js"

/** A simulated FIFO and init process, recording what the protocol did. */
const fakeHost = (setup: {
  readonly exists?: boolean
  /** What a writer puts in the FIFO: `undefined` when no writer ever opens it. */
  readonly written?: string
  /** The init process's state at each check. */
  readonly states?: ReadonlyArray<"alive" | "zombie" | "gone">
  readonly removeFails?: boolean
}) =>
  Effect.gen(function*() {
    const log = yield* Ref.make<ReadonlyArray<string>>([])
    const note = (s: string) => Ref.update(log, (l) => [...l, s])
    let checks = 0
    const reader = (data: string) => ({
      readAll: Effect.as(note("read"), new TextEncoder().encode(data)),
      close: note("close")
    })
    const missing = (path: string) => new SystemError({ op: "open", path, code: "ENOENT" })
    const host: ExecFifoHost = {
      openBlocking: (path) =>
        setup.exists === false
          ? Effect.fail(missing(path))
          : setup.written === undefined
          ? Effect.never.pipe(Effect.onInterrupt(() => note("blocking open interrupted")))
          : Effect.as(note(`open ${path}`), reader(setup.written)),
      openNonBlocking: (path) =>
        setup.exists === false ? Effect.fail(missing(path)) : Effect.as(note(`open nonblocking ${path}`), reader("")),
      processState: () => Effect.sync(() => setup.states?.[Math.min(checks++, setup.states.length - 1)] ?? "alive"),
      remove: (path) =>
        setup.removeFails === true
          ? Effect.fail(new SystemError({ op: "remove", path, code: "EACCES" }))
          : note(`remove ${path}`)
    }
    return { host, log: Ref.get(log), checks: () => checks }
  })

const container = { stateDir: "/run/runc/c1", pid: 42, status: "created" as const }

describe("exec.fifo start protocol", () => {
  it.effect("releases a waiting init: open, read its byte, remove the FIFO, close", () =>
    Effect.gen(function*() {
      const fake = yield* fakeHost({ written: "0" })
      yield* start(fake.host, container)
      expect(yield* fake.log).toEqual(["open /run/runc/c1/exec.fifo", "read", "remove /run/runc/c1/exec.fifo", "close"])
    }))

  it.effect("refuses containers that are not created, with runc start's words", () =>
    Effect.gen(function*() {
      const fake = yield* fakeHost({ written: "0" })
      const refused = (status: "stopped" | "running" | "paused") =>
        Effect.flip(start(fake.host, { ...container, status })).pipe(Effect.map((e) => e.message))
      expect(yield* refused("stopped")).toBe("cannot start a container that has stopped")
      expect(yield* refused("running")).toBe("cannot start an already running container")
      expect(yield* refused("paused")).toBe("cannot start a container in the paused state")
      expect(yield* fake.log).toEqual([])
    }))

  it.effect("reports a missing FIFO as runc does", () =>
    Effect.gen(function*() {
      const fake = yield* fakeHost({ exists: false })
      const error = yield* Effect.flip(start(fake.host, container))
      expect(error._tag).toBe("ExecFifoFailed")
      expect(error.message).toBe("exec fifo: open /run/runc/c1/exec.fifo: no such file or directory")
    }))

  it.effect("an empty FIFO means the container already started, and it is not removed", () =>
    Effect.gen(function*() {
      const fake = yield* fakeHost({ written: "" })
      const error = yield* Effect.flip(start(fake.host, container))
      expect(error.message).toBe("cannot start an already running container")
      expect(yield* fake.log).toEqual(["open /run/runc/c1/exec.fifo", "read", "close"])
    }))

  it.effect("a failed removal is the removal's error, and the FIFO is still closed", () =>
    Effect.gen(function*() {
      const fake = yield* fakeHost({ written: "0", removeFails: true })
      const error = yield* Effect.flip(start(fake.host, container))
      expect(error.message).toBe("remove /run/runc/c1/exec.fifo: permission denied")
      expect((yield* fake.log).at(-1)).toBe("close")
    }))

  for (const dead of ["zombie", "gone"] as const) {
    it.effect(`gives up the blocking open when init is ${dead}: container process is already dead`, () =>
      Effect.gen(function*() {
        const fake = yield* fakeHost({ states: ["alive", "alive", dead] })
        const fiber = yield* Effect.fork(WallClock.withHostClock(start(fake.host, container)))
        yield* TestClock.adjust("250 millis")
        expect(fiber.unsafePoll()).toBeNull()
        expect(fake.checks()).toBe(2)
        yield* TestClock.adjust("100 millis")
        const exit = yield* Fiber.await(fiber)
        expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.message : "no failure").toBe(
          "container process is already dead"
        )
        expect(yield* fake.log).toEqual([
          "open nonblocking /run/runc/c1/exec.fifo",
          "read",
          "close",
          "blocking open interrupted"
        ])
      }))
  }

  it.effect("keeps waiting while init is alive", () =>
    Effect.gen(function*() {
      const fake = yield* fakeHost({ states: ["alive"] })
      const fiber = yield* Effect.fork(WallClock.withHostClock(start(fake.host, container)))
      yield* TestClock.adjust("10 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      expect(fake.checks()).toBe(100)
      yield* Fiber.interrupt(fiber)
      expect(yield* fake.log).toEqual(["blocking open interrupted"])
    }))
})
