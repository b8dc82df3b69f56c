/**
 * The routine path of `Factory.create` against the careful one: the direct
 * calls it stands on (`tryLockDirectory`, `mkdir`), the plain cgroup
 * constructor and probes (`CgroupManager.newNow`, `Manager.existsNow`,
 * `getFreezerStateNow`), the plain rootfs resolution of validation, and the
 * containers both paths make — the same, on this machine and on simulated
 * hosts of each cgroup layout.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as FastCheck from "effect/FastCheck"
import type * as Layer from "effect/Layer"
import { CgroupManager } from "../../src/CgroupManager.js"
import * as Config from "../../src/Config.js"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import * as EvalSymlinks from "../../src/internal/validate/evalSymlinks.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import type * as MemoryHost from "../../src/memory/MemoryHost.js"
import { hosts, type TestHost } from "../support/hosts.js"
import { holdLock, stillWaiting, testConfig } from "../reliability/support/scenario.js"

const suite = (host: TestHost) =>
  describe(`create's direct calls and paths on ${host.name}`, () => {
    const run = <A, E>(f: (root: string) => Effect.Effect<A, E, Factory.Services | Layer.Layer.Success<typeof host.layer>>) =>
      Effect.scoped(Effect.flatMap(host.root, f)).pipe(Effect.provide(host.layer))

    it.live("tryLockDirectory: the lock, busy while anyone holds it, free again once released; errno names otherwise", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const lock = fs.direct.tryLockDirectory(root, "exclusive")
          expect(typeof lock).toBe("object")
          expect(fs.direct.tryLockDirectory(root, "shared")).toBe("busy")
          // the lock loop sees it too
          const refused = yield* Effect.flip(Effect.scoped(fs.lockDirectory(root, "exclusive", { timeout: 0 })))
          expect(refused.code).toBe("EAGAIN")
          if (typeof lock !== "string") {
            lock.release()
            lock.release()
          }
          const again = fs.direct.tryLockDirectory(root, "exclusive")
          expect(typeof again).toBe("object")
          if (typeof again !== "string") again.release()
          // one the lock loop holds is busy for the direct try
          const held = yield* holdLock(root, "shared")
          expect(fs.direct.tryLockDirectory(root, "exclusive")).toBe("busy")
          const shared = fs.direct.tryLockDirectory(root, "shared")
          expect(typeof shared).toBe("object")
          if (typeof shared !== "string") shared.release()
          yield* held.release
          expect(fs.direct.tryLockDirectory(`${root}/missing`, "exclusive")).toBe("ENOENT")
          yield* fs.writeFile(`${root}/file`, new Uint8Array(0))
          expect(fs.direct.tryLockDirectory(`${root}/file`, "exclusive")).toBe("ENOTDIR")
        })))

    it.live("mkdir: made with the mode, EEXIST, ENOENT and ENOTDIR as errno names", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          expect(fs.direct.mkdir(`${root}/d`, 0o711)).toBeUndefined()
          const info = yield* fs.lstat(`${root}/d`)
          expect(info.type).toBe("Directory")
          expect(info.mode & 0o777).toBe(0o711 & ~0o022)
          expect(fs.direct.mkdir(`${root}/d`, 0o711)).toBe("EEXIST")
          expect(fs.direct.mkdir(`${root}/no/d`, 0o711)).toBe("ENOENT")
          yield* fs.writeFile(`${root}/file`, new Uint8Array(0))
          expect(fs.direct.mkdir(`${root}/file/d`, 0o711)).toBe("ENOTDIR")
        })))

    it.live("a create that waited for the root's lock (the careful way) makes the container the routine one makes", () =>
      run((root) =>
        Effect.gen(function*() {
          const routine = yield* Factory.create(root, "routine", testConfig("lean-a"))
          const held = yield* holdLock(root)
          const waiting = yield* Effect.fork(Factory.create(root, "careful", testConfig("lean-b")))
          expect(yield* stillWaiting(waiting, 50)).toBe(true)
          yield* held.release
          const careful = yield* Fiber.join(waiting)
          for (const [c, id] of [[routine, "routine"], [careful, "careful"]] as const) {
            expect(c.id).toBe(id)
            expect(c.stateDir).toBe(`${root}/${id}`)
            expect(yield* Container.status(c)).toBe("stopped")
            const info = yield* Effect.flatMap(Filesystem, (fs) => fs.lstat(c.stateDir))
            expect(info.mode & 0o777).toBe(0o711 & ~0o022)
          }
          expect(careful.rootIdentity).toEqual(routine.rootIdentity)
          const paths = (c: Container.Container) => c.cgroupManager.getPaths
          const a = yield* paths(routine)
          const b = yield* paths(careful)
          expect(Object.keys(b)).toEqual(Object.keys(a))
          for (const key of Object.keys(a)) expect(b[key]!.replace("lean-b", "lean-a")).toBe(a[key])
          // both held the lock only while they ran
          const fs = yield* Filesystem
          const lock = fs.direct.tryLockDirectory(root, "exclusive")
          expect(typeof lock).toBe("object")
          if (typeof lock !== "string") lock.release()
          expect((yield* Effect.flip(Factory.create(root, "careful", testConfig("lean-b"))))._tag).toBe("ErrExist")
        })))

    it.live("validation's plain rootfs resolution agrees with EvalSymlinks wherever it answers", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          yield* fs.makeDirectoryAll(`${root}/a/b`, 0o755)
          yield* fs.writeFile(`${root}/a/f`, new Uint8Array(0))
          yield* fs.symlink("b", `${root}/a/l`)
          yield* fs.symlink(`${root}/a`, `${root}/abs`)
          const names = FastCheck.constantFrom("a", "b", "f", "l", "abs", "x", "..", ".")
          yield* Effect.promise(() =>
            FastCheck.assert(
              FastCheck.asyncProperty(FastCheck.array(names, { maxLength: 4 }), async (parts) => {
                const path = EvalSymlinks.abs([root, ...parts].join("/"), "/")
                const now = EvalSymlinks.evalSymlinksNow(fs.direct, path)
                const careful = await Effect.runPromise(
                  Effect.either(EvalSymlinks.evalSymlinks(path)).pipe(Effect.provideService(Filesystem, fs))
                )
                if (now !== undefined) expect(careful).toEqual(Either.right(now))
                // a path with no symlink on it, every component there, is always answered plainly
                if (Either.isRight(careful) && careful.right === path) expect(now).toBe(path)
              }),
              { numRuns: host.propertyRuns * 4 }
            )
          )
        })))
  })

for (const host of hosts) suite(host)

const cgroupConfigs = FastCheck.record({
  path: FastCheck.constantFrom("", "/a/b", "/a//b/", "a/b", "/", "/x/../y", "../z"),
  name: FastCheck.constantFrom(undefined, "", "n"),
  parent: FastCheck.constantFrom(undefined, "", "/p", "p"),
  systemd: FastCheck.boolean()
})

for (const cgroupMode of ["legacy", "hybrid", "unified"] as const) {
  describe(`CgroupManager.newNow on a ${cgroupMode} host`, () => {
    const onHost = <A, E>(effect: Effect.Effect<A, E, Libcontainer.Services | MemoryHost.MemoryHost>) =>
      effect.pipe(Effect.provide(Libcontainer.layerMemoryWith({ cgroupMode })))

    it.effect("is new's manager wherever it answers, and answers every cgroupfs config with an absolute path", () =>
      onHost(Effect.gen(function*() {
        const cgroups = yield* CgroupManager
        const make = (c: { path: string; name: string | undefined; parent: string | undefined; systemd: boolean }) =>
          Config.makeCgroup({
            path: c.path,
            ...(c.name === undefined ? {} : { name: c.name }),
            ...(c.parent === undefined ? {} : { parent: c.parent }),
            Systemd: c.systemd,
            Resources: Config.makeResources()
          })
        // nothing is known before the mode and the mount points were probed
        expect(cgroups.newNow!(make({ path: "/a", name: undefined, parent: undefined, systemd: false }))).toBeUndefined()
        yield* cgroups.mode
        yield* cgroups.new(make({ path: "/a", name: undefined, parent: undefined, systemd: false }))
        const samples = FastCheck.sample(cgroupConfigs, 200)
        for (const sample of samples) {
          const cg = make(sample)
          const now = cgroups.newNow!(cg)
          const careful = yield* Effect.either(cgroups.new(cg))
          const label = JSON.stringify(sample)
          if (now !== undefined) {
            expect(Either.isRight(careful), label).toBe(true)
            expect(yield* now.getPaths, label).toEqual(yield* Either.getOrThrow(careful).getPaths)
          }
          const conflict = ((sample.name ?? "") !== "" || (sample.parent ?? "") !== "") && sample.path !== ""
          const inner = sample.path !== "" ? sample.path : [sample.parent ?? "", sample.name ?? ""].filter((p) => p !== "").join("/")
          if (!sample.systemd && !conflict && inner.startsWith("/")) expect(now, label).toBeDefined()
          if (sample.systemd || conflict) expect(now, label).toBeUndefined()
        }
        expect(cgroups.newNow!(null)).toBeUndefined()
      })))

    it.effect("existsNow and getFreezerStateNow agree with exists and getFreezerState, and hand a frozen cgroup back", () =>
      onHost(Effect.gen(function*() {
        const cgroups = yield* CgroupManager
        yield* cgroups.mode
        const cg = Config.makeCgroup({ path: `/lean-create-${cgroupMode}`, Resources: Config.makeResources() })
        yield* cgroups.new(cg)
        const manager = cgroups.newNow!(cg)!
        expect(manager.existsNow!()).toBe(false)
        expect(yield* manager.exists).toBe(false)
        expect(manager.getFreezerStateNow!()).toBe(yield* manager.getFreezerState)
        const fs = yield* Filesystem
        for (const path of Object.values(yield* manager.getPaths)) yield* fs.makeDirectoryAll(path, 0o755)
        expect(manager.existsNow!()).toBe(true)
        expect(yield* manager.exists).toBe(true)
        expect(manager.getFreezerStateNow!()).toBe("THAWED")
        expect(yield* manager.getFreezerState).toBe("THAWED")
        yield* manager.freeze("FROZEN")
        expect(yield* manager.getFreezerState).toBe("FROZEN")
        expect(manager.getFreezerStateNow!()).toBeUndefined()
        // and create refuses it as the careful way does
        const config = Config.make({ rootfs: "/", namespaces: [{ type: "NEWNS", path: "" }], cgroups: cg })
        const refused = yield* Effect.flip(Factory.create("/run/lean-create", "frozen", config))
        expect(refused._tag).toBe("CgroupFrozen")
        yield* manager.freeze("THAWED")
        for (const path of Object.values(yield* manager.getPaths).reverse()) yield* Effect.ignore(fs.remove(path))
      })))
  })
}
