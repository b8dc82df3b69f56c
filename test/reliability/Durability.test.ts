/**
 * Issue 9 §2: state.json is replaced by temp file + fsync + rename + fsync
 * of the directory; temp files are never taken for state, and the ones a
 * crashed writer left go with the next saveState once they are stale.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { utimesSync } from "node:fs"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as Fs from "../../src/Filesystem.js"
import { syscallsOf } from "../../src/memory/MemoryFs.js"
import { MemoryHost } from "../../src/memory/MemoryHost.js"
import { hosts, type TestHost } from "../support/hosts.js"
import { testConfig } from "./support/scenario.js"

const text = (s: string) => new TextEncoder().encode(s)

describe("saveState's write sequence (memory host, recorded)", () => {
  it.effect("lock, stale scan, exclusive temp written with fsync, rename, fsync of the dir", () =>
    Effect.gen(function*() {
      const host = yield* MemoryHost
      const calls: Array<string> = []
      const base = syscallsOf(host.fs)
      const recorded: Fs.Syscalls = {
        ...base,
        openLockable: (path) => Effect.tap(base.openLockable(path), () => calls.push(`lock ${path}`)),
        direct: {
          ...base.direct,
          tryLockDirectory: (path, mode) => {
            const lock = base.direct.tryLockDirectory(path, mode)
            if (typeof lock !== "string") calls.push(`lock ${path}`)
            return lock
          }
        },
        readDirectory: (path) => Effect.tap(base.readDirectory(path), () => calls.push(`readdir ${path}`)),
        writeFile: (path, data, flag, mode, sync) =>
          Effect.tap(base.writeFile(path, data, flag, mode, sync), () =>
            calls.push(`write ${path.replace(/[0-9]+$/, "N")} ${flag} ${mode.toString(8)} sync=${sync}`)),
        rename: (from, to) => Effect.tap(base.rename(from, to), () => calls.push(`rename ${from.replace(/[0-9]+$/, "N")} ${to}`)),
        syncDirectory: (path) => Effect.tap(base.syncDirectory(path), () => calls.push(`fsync ${path}`))
      }
      const c = yield* Factory.create("/run/r", "x", testConfig("x"))
      calls.length = 0
      yield* Container.saveState(c).pipe(Effect.provideService(Filesystem, Fs.make(recorded)))
      expect(calls).toEqual([
        "lock /run/r/x",
        "readdir /run/r/x",
        "write /run/r/x/state-N exclusive 600 sync=true",
        "rename /run/r/x/state-N /run/r/x/state.json",
        "fsync /run/r/x"
      ])
    }).pipe(Effect.provide(Libcontainer.layerMemory)))
})

const suite = (host: TestHost) =>
  describe(`temp files on ${host.name}`, () => {
    const run = <A, E>(
      f: (root: string) => Effect.Effect<A, E, Factory.Services | Layer.Layer.Success<typeof host.layer>>
    ) => Effect.scoped(Effect.flatMap(host.root, f)).pipe(Effect.provide(host.layer))

    /** Makes `path` look `ageMs` old. */
    const age = (path: string, ageMs: number) =>
      host.name === "node"
        ? Effect.sync(() => utimesSync(path, (Date.now() - ageMs) / 1000, (Date.now() - ageMs) / 1000))
        : Effect.flatMap(Effect.serviceOption(MemoryHost), (h) =>
          Effect.sync(() => {
            const inode = Option.getOrThrow(h).fs.inodeAt(path, false)
            if (inode !== undefined) inode.mtimeMs = Date.now() - ageMs
          }))

    it.live("a temp file is never read as state, alone or next to state.json", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const c = yield* Factory.create(root, "x", testConfig("x"))
          const saved = yield* Container.stateJson(c)
          yield* fs.writeFile(`${c.stateDir}/state-12345`, text(saved), { mode: 0o600 })
          expect((yield* Effect.flip(Factory.load(root, "x")))._tag).toBe("ErrNotExist")
          const listed = yield* Stream.runCollect(Factory.list(root))
          expect([...listed].map((e) => e._tag === "Failed" ? e.error._tag : e._tag)).toEqual(["ErrNotExist"])
          yield* fs.writeFile(`${c.stateDir}/state.json`, text(saved.replace(/"created":"[^"]*"/, "\"created\":\"2020-01-01T00:00:00Z\"")))
          expect((yield* Container.snapshot(yield* Factory.load(root, "x"))).created).toBe("2020-01-01T00:00:00Z")
        })))

    it.live("saveState removes stale state-<digits> files and nothing else", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const c = yield* Factory.create(root, "x", testConfig("x"))
          const dir = c.stateDir
          yield* fs.makeDirectory(`${root}/elsewhere`, 0o700)
          yield* fs.writeFile(`${root}/elsewhere/keep`, text("keep"))
          for (const name of ["state-1", "state-2", "state-x1", "state-", "other-5", "state-6.tmp"]) {
            yield* fs.writeFile(`${dir}/${name}`, text(name))
          }
          yield* fs.makeDirectory(`${dir}/state-3`, 0o700)
          yield* fs.symlink(`${root}/elsewhere/keep`, `${dir}/state-4`)
          for (const name of ["state-1", "state-x1", "state-", "other-5", "state-6.tmp", "state-3", "state-4"]) {
            yield* age(`${dir}/${name}`, 5 * 60_000)
          }
          yield* Container.saveState(c)
          const names = () => Effect.map(fs.readDirectory(dir), (es) => es.map((e) => e.name))
          // state-1 is old enough; state-2 is fresh (a writer may be busy with it)
          expect(yield* names()).toEqual(["other-5", "state-", "state-2", "state-3", "state-4", "state-6.tmp", "state-x1", "state.json"])
          yield* Container.saveState(c, { removeTempsOlderThan: 0 })
          expect(yield* names()).toEqual(["other-5", "state-", "state-3", "state-4", "state-6.tmp", "state-x1", "state.json"])
          expect(new TextDecoder().decode(yield* fs.readFile(`${root}/elsewhere/keep`))).toBe("keep")
        })))

    it.live("a failed replace leaves no temp file and a typed error", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const c = yield* Factory.create(root, "x", testConfig("x"))
          yield* fs.makeDirectoryAll(`${c.stateDir}/state.json/occupied`, 0o700)
          const error = yield* Effect.flip(Container.saveState(c))
          expect(error._tag).toBe("SystemError")
          expect(error.message).toMatch(new RegExp(`^rename ${c.stateDir}/state-[0-9]+ ${c.stateDir}/state.json: is a directory$`))
          expect((yield* fs.readDirectory(c.stateDir)).map((e) => e.name)).toEqual(["state.json"])
        })))
  })

for (const host of hosts) suite(host)
