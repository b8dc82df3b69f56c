/**
 * `Filesystem.openFifoReader`, the read end of runc's `exec.fifo`, on both
 * hosts: waiting for a writer without blocking the event loop, reading to
 * the end, refusing what is not a FIFO — and an interrupted wait leaves no
 * descriptor (this host: `/proc/self/fd`; the simulated one: the pipe's
 * count of read ends).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Filesystem } from "../src/Filesystem.js"
import * as MemoryHost from "../src/memory/MemoryHost.js"
import * as NodeHost from "../src/node/NodeHost.js"

interface FifoHost<R> {
  readonly name: string
  readonly layer: Layer.Layer<Filesystem | R>
  readonly dir: Effect.Effect<string, never, Filesystem | R>
  /** Opens `path` for writing (blocking until a reader is there), writes `data`, closes; in the background. */
  readonly writer: (path: string, data: string) => Effect.Effect<void, never, R>
  /** How many descriptors (or read ends) are open now. */
  readonly openEnds: (path: string) => Effect.Effect<number, never, R>
}

const node: FifoHost<never> = {
  name: "node",
  layer: NodeHost.layerFilesystem,
  dir: Effect.sync(() => mkdtempSync(join(tmpdir(), "elc-fifo-"))),
  writer: (path, data) =>
    Effect.sync(() => {
      // the shell's `>` blocks in open(O_WRONLY) until a reader has the FIFO open
      spawn("sh", ["-c", `printf '%s' "$1" > "$2"`, "sh", data, path], { stdio: "ignore" }).unref()
    }),
  openEnds: () => Effect.sync(() => readdirSync("/proc/self/fd").length)
}

const memory: FifoHost<MemoryHost.MemoryHost> = {
  name: "memory",
  layer: MemoryHost.layer().pipe((l) => l as Layer.Layer<Filesystem | MemoryHost.MemoryHost>),
  dir: Effect.flatMap(Filesystem, (fs) => Effect.as(Effect.orDie(fs.makeDirectoryAll("/run/fifo", 0o755)), "/run/fifo")),
  writer: (path, data) =>
    Effect.gen(function*() {
      const host = yield* MemoryHost.MemoryHost
      yield* Effect.forkDaemon(Effect.gen(function*() {
        const pipe = yield* Effect.orDie(host.fs.pipeOf(path))
        while (pipe.readers === 0) yield* Effect.sleep("5 millis")
        const end = yield* Effect.orDie(host.fs.openFifo(path, "write"))
        end.write(new TextEncoder().encode(data))
        end.close()
      }))
    }),
  openEnds: (path) =>
    Effect.flatMap(MemoryHost.MemoryHost, (host) =>
      Effect.sync(() => {
        const pipe = host.fs.pipeOf(path)
        return pipe._tag === "Right" ? pipe.right.readers : -1
      }))
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe("openFifoReader on node under a test clock", () => {
  // A writer that comes after the first read must be waited for in real
  // time: `it.effect` runs on TestClock, which no kernel event advances.
  it.effect("waits for a late writer in wall-clock time, whatever Clock the program has", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "elc-fifo-clock-"))
      const fs = yield* Filesystem
      const path = `${dir}/exec.fifo`
      yield* fs.makeFifo(path, 0o622)
      spawn("sh", ["-c", `sleep 0.2; printf 0 > "$1"`, "sh", path], { stdio: "ignore" }).unref()
      const reader = yield* fs.openFifoReader(path, { waitForWriter: true })
      expect(text(yield* reader.readAll)).toBe("0")
      yield* reader.close
      rmSync(dir, { recursive: true, force: true })
    }).pipe(Effect.provide(NodeHost.layerFilesystem)), 10_000)
})

const suite = <R>(host: FifoHost<R>) =>
  describe(`openFifoReader on ${host.name}`, () => {
    const run = <A, E>(body: (dir: string) => Effect.Effect<A, E, Filesystem | R>) =>
      Effect.gen(function*() {
        const dir = yield* host.dir
        return yield* body(dir).pipe(
          Effect.ensuring(Effect.sync(() => host.name === "node" && rmSync(dir, { recursive: true, force: true })))
        )
      }).pipe(Effect.provide(host.layer))

    it.live("waits for a writer, then reads what it wrote to the end", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const path = `${dir}/exec.fifo`
          yield* fs.makeFifo(path, 0o622)
          const reading = yield* Effect.fork(fs.openFifoReader(path, { waitForWriter: true }))
          yield* Effect.sleep("60 millis")
          expect(reading.unsafePoll()).toBeNull()
          yield* host.writer(path, "0")
          const reader = yield* Fiber.join(reading)
          expect(text(yield* reader.readAll)).toBe("0")
          yield* reader.close
          yield* reader.close
        })))

    it.live("without waiting: an empty read when nobody writes; EFBIG beyond maxBytes", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const path = `${dir}/exec.fifo`
          yield* fs.makeFifo(path, 0o622)
          const reader = yield* fs.openFifoReader(path)
          expect((yield* reader.readAll).length).toBe(0)
          yield* reader.close
          yield* host.writer(path, "00")
          // the second byte is refused wherever it is read: while waiting, or by readAll
          const error = yield* Effect.flip(
            Effect.flatMap(fs.openFifoReader(path, { waitForWriter: true, maxBytes: 1 }), (r) => Effect.ensuring(r.readAll, r.close))
          )
          expect([error.op, error.code]).toEqual(["read", "EFBIG"])
        })))

    it.live("an interrupted wait closes what it opened", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const path = `${dir}/exec.fifo`
          yield* fs.makeFifo(path, 0o622)
          const before = yield* host.openEnds(path)
          const waiting = yield* Effect.fork(fs.openFifoReader(path, { waitForWriter: true }))
          yield* Effect.sleep("40 millis")
          expect(yield* host.openEnds(path)).toBe(before + 1)
          expect(Exit.isInterrupted(yield* Fiber.interrupt(waiting))).toBe(true)
          expect(yield* host.openEnds(path)).toBe(before)
        })))

    it.live("a FIFO removed while waiting ends the wait, with nothing read (another reader took it)", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const path = `${dir}/exec.fifo`
          yield* fs.makeFifo(path, 0o622)
          const waiting = yield* Effect.fork(fs.openFifoReader(path, { waitForWriter: true }))
          yield* Effect.sleep("40 millis")
          yield* fs.remove(path)
          const reader = yield* Fiber.join(waiting)
          expect((yield* reader.readAll).length).toBe(0)
          yield* reader.close
        })))

    it.live("anything but a FIFO is refused unread: EINVAL; a missing one is ENOENT", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          yield* fs.writeFile(`${dir}/file`, new TextEncoder().encode("x"))
          const notFifo = yield* Effect.flip(fs.openFifoReader(`${dir}/file`, { waitForWriter: true }))
          expect([notFifo.op, notFifo.path, notFifo.code]).toEqual(["open", `${dir}/file`, "EINVAL"])
          const missing = yield* Effect.flip(fs.openFifoReader(`${dir}/none`))
          expect([missing.op, missing.code]).toEqual(["open", "ENOENT"])
          expect(missing.message).toBe(`open ${dir}/none: no such file or directory`)
        })))
  })

suite(node)
suite(memory)
