/**
 * Create, Load and list (spec/factory.md §5–6, spec/vectors/factory-tests.md
 * §1–3) on both layers: this host in a temp root, and a simulated host.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { readFileSync } from "node:fs"
import * as Config from "../src/Config.js"
import * as Container from "../src/Container.js"
import * as ContainerId from "../src/ContainerId.js"
import * as Factory from "../src/Factory.js"
import { Filesystem } from "../src/Filesystem.js"
import * as State from "../src/State.js"
import { hosts, type TestHost } from "./support/hosts.js"

const seedState = readFileSync(new URL("./fixtures/seed/load-container.json", import.meta.url))
const encoder = new TextEncoder()

/** A config that passes validation on every host: rootfs `/`, its own namespaces, no cgroup of its own yet. */
const validConfig = (id: string, extra: Partial<Config.Config> = {}): Config.Config =>
  Config.make({
    rootfs: "/",
    namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }, { type: "NEWUTS", path: "" }],
    cgroups: Config.makeCgroup({ path: `/elc-factory-${id}`, Resources: Config.makeResources() }),
    labels: [`bundle=/var/lib/bundles/${id}`],
    ...extra
  })

const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.exit(effect), (exit) =>
    Exit.isFailure(exit)
      ? Effect.succeed(Option.getOrThrow(Exit.causeOption(exit).pipe(Option.flatMap((c) => Option.fromNullable(c._tag === "Fail" ? c.error : undefined)))))
      : Effect.dieMessage("expected a failure"))

const ids = (root: string) =>
  Factory.list(root).pipe(
    Stream.map((e) => `${e._tag === "Loaded" ? "" : "!"}${e.id}`),
    Stream.runCollect,
    Effect.map((c) => [...c])
  )

const suite = (host: TestHost) =>
  describe(`Factory on ${host.name}`, () => {
    const run = <A, E>(f: (root: string) => Effect.Effect<A, E, Factory.Services | Layer.Layer.Success<typeof host.layer>>) =>
      Effect.scoped(Effect.flatMap(host.root, f)).pipe(Effect.provide(host.layer))

    it.effect("TestFactoryLoadNotExists: ErrNotExist", () =>
      run((root) =>
        Effect.gen(function*() {
          const e = yield* failure(Factory.load(root, "nocontainer"))
          expect(e._tag).toBe("ErrNotExist")
          expect(e.message).toBe("container does not exist")
        })))

    it.effect("TestFactoryLoadContainer: the seed's state.json loads", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          yield* fs.makeDirectory(`${root}/1`, 0o700)
          yield* fs.writeFile(`${root}/1/state.json`, seedState, { mode: 0o600 })
          const c = yield* Factory.load(root, "1")
          expect(c.id).toBe("1")
          const { config, initProcess } = yield* Container.snapshot(c)
          expect(config.rootfs).toBe("/mycontainer/root")
          expect(Object.keys(config.Hooks ?? {}).sort()).toEqual(["poststart", "poststop", "prestart"])
          expect(config.Hooks?.["poststop"]?.map((h) => h.path)).toEqual(["poststop-hook"])
          expect(Option.getOrThrow(initProcess).pid).toBe(1024)
          expect(yield* Container.status(c)).toBe("stopped")
        })))

    it.effect("checks root before the id, and the id before anything else", () =>
      run((root) =>
        Effect.gen(function*() {
          expect((yield* failure(Factory.load("", "x"))).message).toBe("root not set")
          expect((yield* failure(Factory.load("", ".."))).message).toBe("root not set")
          expect((yield* failure(Factory.load(root, "..")))._tag).toBe("ErrInvalidID")
          expect((yield* failure(Factory.load(root, "a,b")))._tag).toBe("ErrInvalidID")
          expect((yield* failure(Factory.create("", "x", validConfig("x")))).message).toBe("root not set")
          // invalid id beats an invalid config
          const bad = Config.make({ rootfs: "relative" })
          expect((yield* failure(Factory.create(root, "", bad)))._tag).toBe("ErrInvalidID")
          const invalid = yield* failure(Factory.create(root, "x", bad))
          expect(invalid._tag).toBe("ConfigInvalid")
          expect(invalid.message).toMatch(/^invalid rootfs: /)
        })))

    it.effect("Load: a state dir without state.json, or a missing root, is ErrNotExist", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          yield* fs.makeDirectory(`${root}/x`, 0o711)
          expect((yield* failure(Factory.load(root, "x")))._tag).toBe("ErrNotExist")
          expect((yield* failure(Factory.load(`${root}/missing-root`, "x")))._tag).toBe("ErrNotExist")
        })))

    it.effect("Create: makes the state dir 0o711, empty, and a stopped container", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const c = yield* Factory.create(`${root}/nested/root`, "x", validConfig("x"))
          expect(c.stateDir).toBe(`${root}/nested/root/x`)
          const info = yield* fs.stat(c.stateDir)
          expect(info.type).toBe("Directory")
          expect(info.mode & 0o777).toBe(0o711)
          expect((yield* fs.stat(`${root}/nested/root`)).mode & 0o777).toBe(0o700)
          expect(yield* fs.readDirectory(c.stateDir)).toEqual([])
          expect(yield* Container.status(c)).toBe("stopped")
          // nothing to load until a state is saved
          expect((yield* failure(Factory.load(`${root}/nested/root`, "x")))._tag).toBe("ErrNotExist")
        })))

    it.effect("Create: an existing dir or file of that name is ErrExist", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          yield* fs.makeDirectory(`${root}/dir`, 0o700)
          yield* fs.writeFile(`${root}/file`, encoder.encode(""))
          expect((yield* failure(Factory.create(root, "dir", validConfig("dir"))))._tag).toBe("ErrExist")
          expect((yield* failure(Factory.create(root, "file", validConfig("file"))))._tag).toBe("ErrExist")
          yield* Factory.create(root, "new", validConfig("new"))
          const again = yield* failure(Factory.create(root, "new", validConfig("new")))
          expect(again._tag).toBe("ErrExist")
          expect(again.message).toBe("container with given ID already exists")
        })))

    it.effect("Create: a root that is a file fails with mkdir's error", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          yield* fs.writeFile(`${root}/plain`, encoder.encode("x"))
          const e = yield* failure(Factory.create(`${root}/plain`, "x", validConfig("x")))
          expect(e.message).toBe(`mkdir ${root}/plain: not a directory`)
        })))

    it.effect("Create: a null cgroups config fails in the cgroup manager", () =>
      run((root) =>
        Effect.gen(function*() {
          const e = yield* failure(Factory.create(root, "x", validConfig("x", { cgroups: null })))
          expect(e.message).toBe("cgroups/manager.New: config must not be nil")
        })))

    it.effect("create, saveState, load: the saved container reads back as stopped", () =>
      run((root) =>
        Effect.gen(function*() {
          const created = yield* Factory.create(root, "saved", validConfig("saved"))
          yield* Container.saveState(created)
          const fs = yield* Filesystem
          expect((yield* fs.stat(`${root}/saved/state.json`)).mode & 0o777).toBe(0o600)
          expect((yield* fs.readDirectory(`${root}/saved`)).map((e) => e.name)).toEqual(["state.json"])
          const loaded = yield* Factory.load(root, "saved")
          expect(yield* Container.status(loaded)).toBe("stopped")
          expect((yield* Container.snapshot(loaded)).config).toEqual((yield* Container.snapshot(created)).config)
          const saved = Either.getOrThrow(State.decodeJson(yield* fs.readFile(`${root}/saved/state.json`)))
          expect(saved.init_process_pid).toBe(-1)
          expect(saved.id).toBe("saved")
          expect(yield* Container.ociState(loaded)).toEqual({
            ociVersion: "",
            id: "saved",
            pid: 0,
            status: "stopped",
            bundle: "/var/lib/bundles/saved",
            rootfs: "/",
            created: "0001-01-01T00:00:00Z",
            owner: ""
          })
        })))

    it.effect("a corrupt state.json is a typed error naming the file", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const cases: ReadonlyArray<readonly [string, string]> = [
            ["null", "State document is null"],
            ["", "EOF"],
            [`{"id":"x","init_process_pid":`, "unexpected EOF"],
            [`{"init_process_pid":"7"}`, "json: cannot unmarshal string into Go struct field State.init_process_pid of type int"]
          ]
          for (const [i, [content, reason]] of cases.entries()) {
            yield* fs.makeDirectory(`${root}/c${i}`, 0o711)
            yield* fs.writeFile(`${root}/c${i}/state.json`, encoder.encode(content))
            const e = yield* failure(Factory.load(root, `c${i}`))
            expect(e._tag).toBe("StateCorrupt")
            expect(e.message).toBe(`corrupt state file ${root}/c${i}/state.json: ${reason}`)
          }
        })))

    it.effect("a state.json that is a FIFO or a directory fails at once", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          yield* fs.makeDirectory(`${root}/fifo`, 0o711)
          yield* fs.makeFifo(`${root}/fifo/state.json`, 0o600)
          expect((yield* failure(Factory.load(root, "fifo")))._tag).toBe("StateCorrupt")
          yield* fs.makeDirectoryAll(`${root}/dir/state.json`, 0o711)
          const e = yield* failure(Factory.load(root, "dir"))
          expect(e._tag === "StateCorrupt" || e._tag === "SystemError").toBe(true)
        })))

    it.effect("Load: a file where the container's directory should be fails as runc's os.Open does", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          yield* fs.writeFile(`${root}/afile`, encoder.encode("x"), { mode: 0o600 })
          const e = yield* failure(Factory.load(root, "afile"))
          expect(e._tag).toBe("SystemError")
          expect(e.message).toBe(`open ${root}/afile/state.json: not a directory`)
        })))

    it.effect("list: directories in name order, failures reported, files and symlinks skipped", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          for (const id of ["b", "a", "c"]) yield* Container.saveState(yield* Factory.create(root, id, validConfig(id)))
          yield* fs.makeDirectory(`${root}/half`, 0o711)
          yield* fs.writeFile(`${root}/lockfile`, encoder.encode(""))
          yield* fs.symlink("a", `${root}/link`)
          yield* fs.makeDirectory(`${root}/bad,id`, 0o711)
          expect(yield* ids(root)).toEqual(["a", "b", "!bad,id", "c", "!half"])
          const failed = yield* Factory.list(root).pipe(
            Stream.filter((e) => e._tag === "Failed"),
            Stream.map((e) => (e._tag === "Failed" ? e.error.message : "")),
            Stream.runCollect
          )
          expect([...failed]).toEqual(["invalid container ID format", "container does not exist"])
          expect(yield* ids(`${root}/missing`)).toEqual([])
        })))

    it.effect("list: hundreds of containers come in name order over several bounded chunks, failures in place", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const names = Array.from({ length: 300 }, (_, i) => `c${String(i).padStart(3, "0")}`)
          // entries the careful way answers, at and around where one chunk ends and the next begins
          const broken = new Set(["c000", "c126", "c127", "c128", "c255", "c256", "c299"])
          for (const name of names) {
            yield* fs.makeDirectory(`${root}/${name}`, 0o711)
            if (!broken.has(name)) yield* fs.writeFile(`${root}/${name}/state.json`, seedState, { mode: 0o600 })
          }
          expect(yield* ids(root)).toEqual(names.map((n) => (broken.has(n) ? `!${n}` : n)))
          const sizes = yield* Factory.list(root).pipe(Stream.chunks, Stream.map((c) => c.length), Stream.runCollect)
          expect(sizes.length).toBeGreaterThan(1)
          expect([...sizes].reduce((a, b) => a + b, 0)).toBe(names.length)
          expect(Math.max(...sizes)).toBeLessThanOrEqual(128)
        })))

    it.effect.prop(
      "property: create then list has it; create twice is ErrExist; never-saved load is ErrNotExist",
      [FastCheck.uniqueArray(Arbitrary.make(ContainerId.ContainerId), { minLength: 1, maxLength: 5 }), FastCheck.string({ maxLength: 12 })],
      ([idsToMake, hostname]) =>
        run((root) =>
          Effect.gen(function*() {
            for (const id of idsToMake) {
              const c = yield* Factory.create(root, id, validConfig(id, { hostname: hostname.replace(/[^a-z]/g, "") }))
              expect(c.id).toBe(id)
              expect((yield* failure(Factory.create(root, id, validConfig(id))))._tag).toBe("ErrExist")
              expect((yield* failure(Factory.load(root, id)))._tag).toBe("ErrNotExist")
              yield* Container.saveState(c)
            }
            expect(yield* ids(root)).toEqual([...idsToMake].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))))
          })),
      { fastCheck: { numRuns: host.propertyRuns } }
    )
  })

for (const host of hosts) suite(host)
