/**
 * Issue 9 §1: the cross-process lock. `Filesystem.lockDirectory` has
 * flock's semantics on both layers; create takes the root's lock,
 * saveState / pause / resume / signal / destroy take the state dir's; the
 * readers never wait for it; and locking leaves no file behind.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { execFile, execFileSync, spawn } from "node:child_process"
import { mkdirSync, readFileSync, renameSync } from "node:fs"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import { hosts, node, type TestHost } from "../support/hosts.js"
import { holdLock, openFds, stillWaiting, testConfig } from "./support/scenario.js"

const suite = (host: TestHost) =>
  describe(`locking on ${host.name}`, () => {
    const run = <A, E>(f: (root: string) => Effect.Effect<A, E, Factory.Services | Layer.Layer.Success<typeof host.layer>>) =>
      Effect.scoped(Effect.flatMap(host.root, f)).pipe(Effect.provide(host.layer))

    it.live("exclusive excludes everyone, shared excludes only exclusive, timeouts are typed", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const held = yield* holdLock(root, "exclusive")
          const refused = yield* Effect.flip(Effect.scoped(fs.lockDirectory(root, "shared", { timeout: 30 })))
          expect(refused._tag).toBe("SystemError")
          expect(refused.message).toBe(`flock ${root}: resource temporarily unavailable`)
          yield* held.release
          const shared = yield* holdLock(root, "shared")
          yield* Effect.scoped(fs.lockDirectory(root, "shared", { timeout: 0 }))
          const excluded = yield* Effect.flip(Effect.scoped(fs.lockDirectory(root, "exclusive", { timeout: 0 })))
          expect(excluded.code).toBe("EAGAIN")
          yield* shared.release
          yield* Effect.scoped(fs.lockDirectory(root, "exclusive", { timeout: 0 }))
        })))

    it.live("a waiter gets the lock as soon as it is released, and in turn", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const held = yield* holdLock(root)
          const order: Array<number> = []
          const waiters = yield* Effect.forEach([1, 2, 3], (n) =>
            Effect.fork(Effect.scoped(Effect.zipRight(fs.lockDirectory(root, "exclusive"), Effect.sync(() => order.push(n))))))
          expect(yield* stillWaiting(waiters[0]!, 100)).toBe(true)
          expect(order).toEqual([])
          yield* held.release
          yield* Effect.forEach(waiters, Fiber.join)
          expect([...order].sort()).toEqual([1, 2, 3])
        })))

    it.effect("waiting runs on wall-clock time, so it finishes under the test clock too", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const held = yield* holdLock(root)
          const waiter = yield* Effect.fork(Effect.scoped(fs.lockDirectory(root, "exclusive")))
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 30)))
          yield* held.release
          yield* Fiber.join(waiter)
          const timedOut = yield* Effect.flip(
            Effect.scoped(Effect.zipRight(fs.lockDirectory(root, "exclusive"), Effect.scoped(fs.lockDirectory(root, "shared", { timeout: 20 }))))
          )
          expect(timedOut.code).toBe("EAGAIN")
        })))

    it.live("an interrupted waiter leaves nothing held; missing and non-directories are typed", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const held = yield* holdLock(root)
          const waiter = yield* Effect.fork(Effect.scoped(fs.lockDirectory(root, "exclusive")))
          expect(yield* stillWaiting(waiter, 30)).toBe(true)
          yield* Fiber.interrupt(waiter)
          yield* held.release
          yield* Effect.scoped(fs.lockDirectory(root, "exclusive", { timeout: 0 }))
          expect((yield* Effect.flip(Effect.scoped(fs.lockDirectory(`${root}/missing`, "exclusive")))).message)
            .toBe(`open ${root}/missing: no such file or directory`)
          yield* fs.writeFile(`${root}/file`, new Uint8Array(0))
          expect((yield* Effect.flip(Effect.scoped(fs.lockDirectory(`${root}/file`, "exclusive")))).code).toBe("ENOTDIR")
          yield* fs.makeFifo(`${root}/fifo`, 0o600)
          expect((yield* Effect.flip(Effect.scoped(fs.lockDirectory(`${root}/fifo`, "exclusive")))).code).toBe("ENOTDIR")
        })))

    it.live("a directory removed while we waited is ENOENT; one replaced is locked anew", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          yield* fs.makeDirectory(`${root}/d`, 0o700)
          let held = yield* holdLock(`${root}/d`)
          let waiter = yield* Effect.fork(Effect.exit(Effect.scoped(fs.lockDirectory(`${root}/d`, "exclusive"))))
          expect(yield* stillWaiting(waiter, 30)).toBe(true)
          yield* fs.removeAll(`${root}/d`)
          yield* held.release
          const gone = yield* Fiber.join(waiter)
          expect(Exit.isFailure(gone) && gone.cause._tag === "Fail" ? gone.cause.error.message : "")
            .toBe(`stat ${root}/d: no such file or directory`)
          yield* fs.makeDirectory(`${root}/d`, 0o700)
          held = yield* holdLock(`${root}/d`)
          waiter = yield* Effect.fork(Effect.exit(Effect.scoped(fs.lockDirectory(`${root}/d`, "exclusive"))))
          expect(yield* stillWaiting(waiter, 30)).toBe(true)
          yield* fs.rename(`${root}/d`, `${root}/old`)
          yield* fs.makeDirectory(`${root}/d`, 0o700)
          // once the old inode is released, the waiter finds the path names another directory and locks that
          yield* held.release
          const moved = yield* Fiber.join(waiter)
          expect(Exit.isSuccess(moved)).toBe(true)
        })))

    it.live("create, saveState, pause, resume, signal and destroy wait for the lock", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const c = yield* Factory.create(root, "c", testConfig("c"))
          yield* Container.saveState(c)
          const ops: ReadonlyArray<readonly [string, string, Effect.Effect<unknown, unknown, Factory.Services>]> = [
            ["create", root, Factory.create(root, "d", testConfig("d"))],
            ["saveState", c.stateDir, Container.saveState(c)],
            ["pause", c.stateDir, Container.pause(c)],
            ["resume", c.stateDir, Container.resume(c)],
            ["signal", c.stateDir, Container.signal(c, 0)],
            ["destroy", c.stateDir, Container.destroy(c)]
          ]
          const waited: Array<string> = []
          for (const [name, dir, op] of ops) {
            const held = yield* holdLock(dir)
            const fiber = yield* Effect.fork(Effect.exit(op))
            if (yield* stillWaiting(fiber, 60)) waited.push(name)
            yield* held.release
            const exit = yield* Fiber.join(fiber)
            // whatever the outcome (pause of a stopped container is ErrNotRunning), it is typed
            expect(Exit.isSuccess(exit) || exit.cause._tag === "Fail").toBe(true)
          }
          expect(waited).toEqual(["create", "saveState", "pause", "resume", "signal", "destroy"])
          expect((yield* fs.readDirectory(root)).map((e) => e.name)).toEqual(["d"])
        })))

    it.live("readers — load, list, status, state — never wait for the lock", () =>
      run((root) =>
        Effect.gen(function*() {
          const c = yield* Factory.create(root, "c", testConfig("c"))
          yield* Container.saveState(c)
          const heldRoot = yield* holdLock(root)
          const heldDir = yield* holdLock(c.stateDir)
          const read = Effect.gen(function*() {
            const loaded = yield* Factory.load(root, "c")
            yield* Container.status(loaded)
            yield* Container.state(loaded)
            yield* Container.ociState(loaded)
            return yield* Stream.runCollect(Factory.list(root))
          })
          const listed = yield* read.pipe(Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "reader blocked" }))
          expect([...listed].map((e) => e._tag)).toEqual(["Loaded"])
          yield* heldDir.release
          yield* heldRoot.release
        })))

    it.live("locking leaves no file: a root holds container dirs, a state dir state.json", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          for (const id of ["a", "b", "c"]) {
            const c = yield* Factory.create(root, id, testConfig(id))
            yield* Container.saveState(c)
            yield* Effect.exit(Container.pause(c))
            yield* Effect.exit(Container.signal(c, 0))
            yield* Container.saveState(c)
          }
          yield* Container.destroy(yield* Factory.load(root, "b"))
          expect((yield* fs.readDirectory(root)).map((e) => `${e.name}:${e.type}`)).toEqual(["a:Directory", "c:Directory"])
          expect((yield* fs.readDirectory(`${root}/a`)).map((e) => e.name)).toEqual(["state.json"])
          const listed = yield* Stream.runCollect(Factory.list(root))
          expect([...listed].map((e) => `${e._tag}:${e.id}`)).toEqual(["Loaded:a", "Loaded:c"])
        })))
  })

for (const host of hosts) suite(host)

describe("locking across processes (real flock)", () => {
  const run = <A, E>(f: (root: string) => Effect.Effect<A, E, Factory.Services>) =>
    Effect.scoped(Effect.flatMap(node.root, f)).pipe(Effect.provide(node.layer))

  it.live("the lock is flock(2) on the state dir: flock(1) sees ours, and we wait for flock(1)'s", () =>
    run((root) =>
      Effect.gen(function*() {
        const c = yield* Factory.create(root, "x", testConfig("x"))
        yield* Container.saveState(c)
        const held = yield* holdLock(c.stateDir)
        const probe = (): number => {
          try {
            execFileSync("flock", ["--nonblock", "--exclusive", c.stateDir, "true"], { stdio: "ignore" })
            return 0
          } catch (e) {
            return (e as { status?: number }).status ?? -1
          }
        }
        expect(probe()).toBe(1)
        yield* held.release
        expect(probe()).toBe(0)
        // another process holds it for 400 ms; our saveState waits that out
        const other = spawn("flock", ["--exclusive", c.stateDir, "sh", "-c", "echo locked; sleep 0.4"], {
          stdio: ["ignore", "pipe", "ignore"]
        })
        yield* Effect.async<void>((resume) => {
          other.stdout.once("data", () => resume(Effect.void))
        })
        const before = readFileSync(`${c.stateDir}/state.json`)
        const started = Date.now()
        const fiber = yield* Effect.fork(Container.saveState(c))
        expect(yield* stillWaiting(fiber, 150)).toBe(true)
        expect(readFileSync(`${c.stateDir}/state.json`)).toEqual(before)
        yield* Fiber.join(fiber)
        expect(Date.now() - started).toBeGreaterThanOrEqual(300)
        yield* Effect.async<void>((resume) => {
          if (other.exitCode !== null) resume(Effect.void)
          else other.once("exit", () => resume(Effect.void))
        })
      })))

  it.live("no fd is left open by locking, waiting, timing out or being interrupted", () =>
    run((root) =>
      Effect.gen(function*() {
        const fs = yield* Filesystem
        mkdirSync(`${root}/d`)
        const c = yield* Factory.create(root, "x", testConfig("x"))
        yield* Container.saveState(c)
        const baseline = openFds()
        for (let i = 0; i < 20; i++) {
          yield* Container.saveState(c)
          const held = yield* holdLock(`${root}/d`)
          yield* Effect.exit(Effect.scoped(fs.lockDirectory(`${root}/d`, "shared", { timeout: 5 })))
          const waiter = yield* Effect.fork(Effect.scoped(fs.lockDirectory(`${root}/d`, "exclusive")))
          yield* Effect.sleep(2)
          yield* Fiber.interrupt(waiter)
          yield* held.release
        }
        renameSync(`${root}/d`, `${root}/e`)
        yield* Effect.exit(Effect.scoped(fs.lockDirectory(`${root}/d`, "exclusive")))
        expect(openFds()).toBe(baseline)
        yield* Effect.promise(() => new Promise((resolve) => execFile("true", resolve)))
      })))
})
