/**
 * Issue 15 §1 and §4: hostile cgroup, resctrl and state-dir paths. A
 * state.json may name any path as a cgroup or resctrl group; the library
 * must never read an unbounded stream from it (a symlink to `/dev/zero`),
 * never write to it unless it is a cgroup file, and never remove anything
 * that is not a cgroup on cgroupfs, a resctrl group below the resctrl root,
 * or a state dir below the state root. Each case runs on this machine (a
 * hybrid cgroup v1 host: v1 managers) and on simulated hosts with v1 and
 * with v2 managers; where runc gives an answer, ours is compared with it.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CgroupManager } from "../../src/CgroupManager.js"
import * as Config from "../../src/Config.js"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem, TMPFS_MAGIC } from "../../src/Filesystem.js"
import { MemoryHost } from "../../src/memory/MemoryHost.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { describeWith, root as rootPrerequisite, runc as runcPresent } from "../support/prerequisites.js"
import { snapshotTree, testConfig } from "./support/scenario.js"
import { runCli } from "../support/cli.js"

/** Where a suite plays, and which cgroup manager the host gives a container. */
interface Stage {
  readonly name: "node" | "memory v1" | "memory v2"
  readonly layer: Layer.Layer<Libcontainer.Services>
  /** A fresh directory of the host for one test (removed afterwards on node). */
  readonly dir: Effect.Effect<string, never, Scope.Scope | Filesystem>
  /** v1: one path per controller (freezer.state, devices' cgroup.procs); v2: one directory. */
  readonly cgroups: "v1" | "v2"
  /** Whether the host has a (simulated) resctrl. */
  readonly resctrl: boolean
}

let counter = 0
const memoryDir = Effect.flatMap(Filesystem, (fs) => {
  const dir = `/tmp/hostile-${++counter}`
  return Effect.as(Effect.orDie(fs.makeDirectoryAll(dir, 0o755)), dir)
})

const stages: ReadonlyArray<Stage> = [
  {
    name: "node",
    layer: Libcontainer.layerNode,
    dir: Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "elc-hostile-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
    cgroups: "v1",
    resctrl: false
  },
  {
    name: "memory v1",
    layer: Layer.orDie(Libcontainer.layerMemoryWith({ cgroupMode: "hybrid", resctrl: { cat: true } })),
    dir: memoryDir,
    cgroups: "v1",
    resctrl: true
  },
  {
    name: "memory v2",
    layer: Layer.orDie(Libcontainer.layerMemoryWith({ resctrl: { cat: true } })),
    dir: memoryDir,
    cgroups: "v2",
    resctrl: true
  }
]

const encoder = new TextEncoder()

/** The freezer file the stage's manager reads. */
const freezerFile = (stage: Stage) => (stage.cgroups === "v1" ? "freezer.state" : "cgroup.freeze")

/** `cgroup_paths` with the freezer and devices (pids) cgroups at the given places. */
const pathsFor = (stage: Stage, at: { readonly freezer: string; readonly devices: string }): Record<string, string> =>
  stage.cgroups === "v1" ? { freezer: at.freezer, devices: at.devices } : { "": at.devices }

/** A state.json of `id` that loads on this host, with `edit` applied to the decoded document. */
const writeState = (root: string, id: string, edit: (state: Record<string, unknown>) => void = () => undefined) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const template = `${root}/.template-${id}`
    const c = yield* Factory.create(template, id, { ...testConfig(id, "elc-hostile"), labels: [`bundle=/bundles/${id}`] })
    const state = JSON.parse(yield* Container.stateJson(c)) as Record<string, unknown>
    yield* fs.removeAll(template)
    edit(state)
    yield* fs.makeDirectoryAll(`${root}/${id}`, 0o711)
    yield* fs.writeFile(`${root}/${id}/state.json`, encoder.encode(JSON.stringify(state)), { mode: 0o600 })
  })

/** Whether `effect` settles within 10 s; the hostile files must never make anything hang. */
const prompt = <A, E, R>(what: string, effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.timeoutOption(Effect.either(effect), "10 seconds"), (result) =>
    Option.isNone(result) ? Effect.dieMessage(`${what}: no answer within 10 s`) : Effect.succeed(result.value))

const failureMessage = <A, E extends { readonly message: string }>(result: Either.Either<A, E>): string =>
  Either.isLeft(result) ? result.left.message : "succeeded"

/** A directory with empty subdirectories and a file, to watch for removals. */
const victimTree = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    for (const sub of ["a/b/c", "d", "e"]) yield* fs.makeDirectoryAll(`${dir}/${sub}`, 0o755)
    yield* fs.writeFile(`${dir}/d/keep`, encoder.encode("keep me"))
    return dir
  })

/** Everything real runc prints for `runc --root <root> args…` (stdout and stderr), within 10 s. */
const runcOutput = (root: string, args: ReadonlyArray<string>): string => {
  const result = spawnSync("runc", ["--root", root, ...args], { encoding: "utf8", timeout: 10_000 })
  return `${result.stdout}${result.stderr}`
}

/** The CLI in-process on the services in context: status and everything printed. */
const cli = (argv: ReadonlyArray<string>) => Effect.map(runCli(argv), (run) => ({ status: run.status, out: run.stdout + run.stderr }))

for (const stage of stages) {
  describe(`hostile cgroup and state paths on ${stage.name}`, () => {
    const run = <A, E>(body: (dir: string) => Effect.Effect<A, E, Libcontainer.Services | Scope.Scope>) =>
      Effect.scoped(Effect.flatMap(stage.dir, body)).pipe(Effect.provide(stage.layer))

    it.live("a freezer file that is a symlink to /dev/zero: load and list answer at once with runc's error", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const root = `${dir}/root`
          const evil = `${dir}/evil`
          yield* fs.makeDirectoryAll(evil, 0o755)
          yield* fs.symlink("/dev/zero", `${evil}/${freezerFile(stage)}`)
          yield* writeState(root, "c", (s) => {
            s["cgroup_paths"] = pathsFor(stage, { freezer: evil, devices: evil })
          })
          yield* writeState(root, "d")
          const expected = `open ${evil}/${freezerFile(stage)}: not a cgroup file`

          const loaded = yield* prompt("load", Factory.load(root, "c"))
          expect(Either.isLeft(loaded) && loaded.left._tag).toBe("CgroupError")
          expect(failureMessage(loaded)).toBe(expected)

          const listed = [...yield* prompt("list", Stream.runCollect(Factory.list(root))).pipe(Effect.flatten)]
          expect(listed.map((e) => [e.id, e._tag === "Failed" ? e.error.message : "Loaded"])).toEqual([
            ["c", expected],
            ["d", "Loaded"]
          ])
          if (stage.name === "node" && runcPresent.present()) {
            expect(runcOutput(root, ["state", "c"])).toContain(expected)
            expect(runcOutput(root, ["list"])).toContain(`load container c: ${expected}`)
          }
        })), 30_000)

    it.live("cgroup.procs that is a symlink to /dev/zero: ps fails at once with runc's error", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const root = `${dir}/root`
          const evil = `${dir}/evil`
          yield* fs.makeDirectoryAll(evil, 0o755)
          yield* fs.symlink("/dev/zero", `${evil}/cgroup.procs`)
          yield* writeState(root, "c", (s) => {
            s["cgroup_paths"] = pathsFor(stage, { freezer: `${dir}/no-freezer`, devices: evil })
          })
          const c = yield* Factory.load(root, "c")
          expect(yield* Container.status(c)).toBe("stopped")
          const ps = yield* prompt("processes", Container.processes(c))
          const expected = `unable to get all container pids: open ${evil}/cgroup.procs: not a cgroup file`
          expect(failureMessage(ps)).toBe(expected)
          if (stage.name === "node" && runcPresent.present()) {
            expect(runcOutput(root, ["ps", "c"])).toContain(expected)
          }
        })), 30_000)

    it.live("a freezer file outside cgroupfs is never written: freezing is refused and the file unchanged", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const evil = `${dir}/evil`
          yield* fs.makeDirectoryAll(evil, 0o755)
          const file = `${evil}/${freezerFile(stage)}`
          yield* fs.writeFile(file, encoder.encode("THAWED\n"))
          const manager = yield* Effect.flatMap(CgroupManager, (service) =>
            service.newWithPaths(
              Config.makeCgroup({ path: "/unused", Resources: Config.makeResources() }),
              pathsFor(stage, { freezer: evil, devices: evil })
            ))
          const before = yield* snapshotTree([evil])
          const refusal = `open ${file}: not a cgroup file`
          const frozen = yield* prompt("freeze", manager.freeze("FROZEN"))
          const thawed = yield* prompt("thaw", manager.freeze("THAWED"))
          // fs2 reads a cgroup.freeze it cannot open as "no freezer": freezing fails, thawing has nothing to do.
          expect([failureMessage(frozen), failureMessage(thawed)]).toEqual(
            stage.cgroups === "v1" ? [refusal, refusal] : [`freezer not supported: ${refusal}`, "succeeded"]
          )
          expect(yield* snapshotTree([evil])).toEqual(before)
        })))

    it.live("a cgroup.kill outside cgroupfs is never written: SIGKILL to all processes is refused, the file unchanged", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const root = `${dir}/root`
          const evil = `${dir}/evil`
          yield* fs.makeDirectoryAll(evil, 0o755)
          yield* fs.writeFile(`${evil}/cgroup.kill`, encoder.encode("0\n"))
          yield* writeState(root, "k", (s) => {
            s["cgroup_paths"] = { ...pathsFor(stage, { freezer: `${dir}/no-freezer`, devices: evil }), "": evil }
          })
          const before = yield* snapshotTree([evil])
          const c = yield* Factory.load(root, "k")
          const killed = yield* prompt("kill", Container.signal(c, 9, { all: true }))
          expect(Either.isLeft(killed)).toBe(true)
          expect(failureMessage(killed)).toContain(`open ${evil}/cgroup.kill: not a cgroup file`)
          expect(yield* snapshotTree([evil])).toEqual(before)
        })))

    it.live("destroy with a cgroup at a plain directory removes nothing there (runc removes its empty dirs)", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const root = `${dir}/root`
          const victim = yield* victimTree(`${dir}/victim`)
          yield* writeState(root, "c", (s) => {
            s["cgroup_paths"] = pathsFor(stage, { freezer: `${dir}/no-freezer`, devices: victim })
          })
          const before = yield* snapshotTree([victim])
          const c = yield* Factory.load(root, "c")
          const destroyed = yield* Effect.either(Container.destroy(c))
          const refusal = `rmdir ${victim}: not a cgroup directory`
          expect(failureMessage(destroyed)).toContain(refusal)
          expect(yield* snapshotTree([victim])).toEqual(before)
          expect((yield* fs.stat(`${root}/c/state.json`)).type).toBe("File")
          const paths = yield* c.cgroupManager.getPaths
          expect(Object.values(paths)).toContain(victim)
        })))

    it.live("destroy never removes a group path outside the resctrl root, nor the root itself", () =>
      run((dir) =>
        Effect.gen(function*() {
          const root = `${dir}/root`
          const victim = yield* victimTree(`${dir}/victim`)
          const withRdt = (path: string) => (s: Record<string, unknown>) => {
            ;(s["config"] as Record<string, unknown>)["intel_rdt"] = { l3_cache_schema: "L3:0=f;1=f" }
            s["intel_rdt_path"] = path
          }
          yield* writeState(root, "c", withRdt(victim))
          yield* writeState(root, "climb", withRdt(`/sys/fs/resctrl/../..${victim}`))
          yield* writeState(root, "top", withRdt("/sys/fs/resctrl"))
          const machine = yield* Effect.serviceOption(MemoryHost)
          if (Option.isSome(machine)) yield* (yield* Filesystem).makeDirectory("/sys/fs/resctrl/other", 0o755)
          const before = yield* snapshotTree([victim])
          const outcomes: Array<string> = []
          for (const id of ["c", "climb", "top"]) {
            const c = yield* Factory.load(root, id)
            outcomes.push(failureMessage(yield* Effect.either(Container.destroy(c))))
          }
          expect(yield* snapshotTree([victim])).toEqual(before)
          if (stage.resctrl) {
            // The host has resctrl: each group path is refused, and the other group survives.
            expect(outcomes).toEqual([
              `unable to destroy container: unable to remove container's IntelRDT group: refusing to remove ${victim}: outside the resctrl root (resctrl root /sys/fs/resctrl)`,
              `unable to destroy container: unable to remove container's IntelRDT group: refusing to remove /sys/fs/resctrl/../..${victim}: outside the resctrl root (resctrl root /sys/fs/resctrl)`,
              "unable to destroy container: unable to remove container's IntelRDT group: refusing to remove /sys/fs/resctrl: the resctrl root itself (resctrl root /sys/fs/resctrl)"
            ])
            expect(Option.getOrThrow(machine).resctrl.groupNames()).toEqual(["", "other"])
          } else {
            // Without resctrl there is no RDT manager: destroy removes the state dirs and never looks at the path.
            expect(outcomes).toEqual(["succeeded", "succeeded", "succeeded"])
          }
        })))

    it.live("a state dir that is a symlink is refused and left alone, with what it points at", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const root = `${dir}/root`
          yield* writeState(root, "real")
          yield* fs.symlink("real", `${root}/c`)
          const before = yield* snapshotTree([root])
          const c = yield* Factory.load(root, "c")
          expect(c.stateDir).toBe(`${root}/real`)
          const destroyed = yield* Effect.either(Container.destroy(c))
          expect(failureMessage(destroyed)).toBe(
            `unable to destroy container: unable to remove container state dir: refusing to remove ${root}/c: not a directory (confined to ${root})`
          )
          expect(yield* snapshotTree([root])).toEqual(before)
        })))

    it.live("a state root, or a component of its path, swapped for a symlink after Load is refused; its target untouched", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          // The root itself is swapped, then (another container) the directory above it.
          for (const [root, swapped] of [[`${dir}/root`, `${dir}/root`], [`${dir}/up/root`, `${dir}/up`]] as const) {
            yield* writeState(root, "c")
            const c = yield* Factory.load(root, "c")
            const elsewhere = `${dir}/elsewhere-${swapped === root ? "root" : "up"}`
            yield* victimTree(`${elsewhere}/c`)
            yield* victimTree(`${elsewhere}/root/c`)
            yield* fs.rename(swapped, `${swapped}-moved`)
            yield* fs.symlink(elsewhere, swapped)
            const before = yield* snapshotTree([elsewhere, `${swapped}-moved`])
            const destroyed = yield* Effect.either(Container.destroy(c))
            expect(failureMessage(destroyed)).toBe(
              `unable to destroy container: unable to remove container state dir: refusing to remove ${root}/c: root replaced (confined to ${root})`
            )
            expect(yield* snapshotTree([elsewhere, `${swapped}-moved`])).toEqual(before)
          }
        })))

    it.live("destroy of an ordinary container still removes its state dir, files and all", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const root = `${dir}/root`
          const c = yield* Factory.create(root, "c", testConfig("c", "elc-hostile"))
          yield* Container.saveState(c)
          yield* fs.makeDirectoryAll(`${root}/c/checkpoint/a`, 0o700)
          yield* fs.symlink(dir, `${root}/c/checkpoint/link-out`)
          yield* Container.destroy(c)
          expect((yield* Effect.flip(fs.lstat(`${root}/c`))).code).toBe("ENOENT")
          expect((yield* fs.stat(dir)).type).toBe("Directory")
        })))
  })
}

describe("hostile paths: the CLI on this machine", () => {
  it.live("state, ps and list answer with runc's error; list shows the other containers", () =>
    Effect.scoped(
      Effect.gen(function*() {
        const dir = yield* stages[0]!.dir
        const fs = yield* Filesystem
        const root = `${dir}/root`
        const evil = `${dir}/evil`
        yield* fs.makeDirectoryAll(evil, 0o755)
        yield* fs.symlink("/dev/zero", `${evil}/freezer.state`)
        yield* fs.symlink("/dev/zero", `${evil}/cgroup.procs`)
        yield* writeState(root, "c", (s) => {
          s["cgroup_paths"] = { freezer: evil, devices: evil }
        })
        yield* writeState(root, "d")
        const expected = `open ${evil}/freezer.state: not a cgroup file`
        const state = yield* cli(["--root", root, "state", "c"])
        expect([state.status, state.out.includes(expected)]).toEqual([1, true])
        const ps = yield* cli(["--root", root, "ps", "c"])
        expect([ps.status, ps.out.includes(expected)]).toEqual([1, true])
        const list = yield* cli(["--root", root, "list", "--format", "json"])
        expect(list.status).toBe(0)
        expect(list.out).toContain(`load container c: ${expected}`)
        expect(list.out).toContain("\"id\":\"d\"")
      }).pipe(Effect.provide(Libcontainer.layerNode))
    ), 30_000)
})

describe("hostile config: a poststop hook that floods its output", () => {
  it.live("destroy keeps only the first 64 KiB of each stream in the error", () =>
    Effect.scoped(
      Effect.gen(function*() {
        const dir = yield* stages[0]!.dir
        const hook = {
          path: "/bin/sh",
          args: ["sh", "-c", "head -c 20000000 /dev/zero; head -c 20000000 /dev/zero >&2; exit 3"],
          env: null,
          dir: "",
          timeout: null
        }
        const c = yield* Factory.create(`${dir}/root`, "c", {
          ...testConfig("c", "elc-hostile"),
          Hooks: { poststop: [hook] }
        })
        const error = yield* Effect.flip(Container.destroy(c))
        expect(error.message.startsWith("unable to destroy container: error running poststop hook #0: exit status 3, stdout: ")).toBe(true)
        expect(error.message.length).toBeLessThan(2 * 64 * 1024 + 200)
        expect(error.message).toContain("\u0000, stderr: \u0000")
      }).pipe(Effect.provide(Libcontainer.layerNode))
    ), 30_000)
})

describeWith([rootPrerequisite], "hostile paths: a bind mount inside a state dir (this machine, as root)", () => {
  const bindMount = (source: string, target: string) =>
    Effect.acquireRelease(
      Effect.sync(() => execFileSync("mount", ["--bind", source, target])),
      () => Effect.sync(() => execFileSync("umount", [target]))
    )

  it.live("destroy refuses to descend into it, though it is on the same device, and the mounted tree is untouched", () =>
    Effect.scoped(
      Effect.gen(function*() {
        const fs = yield* Filesystem
        const dir = yield* stages[0]!.dir
        const root = `${dir}/root`
        const victim = yield* victimTree(`${dir}/victim`)
        const c = yield* Factory.create(root, "c", testConfig("c", "elc-hostile"))
        yield* Container.saveState(c)
        yield* fs.makeDirectory(`${root}/c/mnt`, 0o755)
        yield* bindMount(victim, `${root}/c/mnt`)
        const before = yield* snapshotTree([victim])
        const destroyed = yield* Effect.either(Container.destroy(c))
        expect(failureMessage(destroyed)).toBe(
          `unable to destroy container: unable to remove container state dir: refusing to remove ${root}/c/mnt: mount point (confined to ${root})`
        )
        expect(yield* snapshotTree([victim])).toEqual(before)
      }).pipe(Effect.provide(Libcontainer.layerNode))
    ), 30_000)
})

describe("hostile paths: a mount point inside a state dir (simulated host)", () => {
  it.live("destroy refuses to descend into another filesystem and removes nothing", () =>
    Effect.gen(function*() {
      const host = yield* MemoryHost
      const root = "/run/mounted-root"
      const c = yield* Factory.create(root, "c", testConfig("c", "elc-hostile"))
      yield* Container.saveState(c)
      yield* Either.match(host.fs.seed([
        { type: "dir", path: `${root}/c/mnt`, filesystem: TMPFS_MAGIC },
        { type: "file", path: `${root}/c/mnt/data`, content: "on another filesystem" }
      ]), { onLeft: Effect.fail, onRight: () => Effect.void })
      const before = yield* snapshotTree([root])
      const destroyed = yield* Effect.either(Container.destroy(c))
      expect(failureMessage(destroyed)).toBe(
        `unable to destroy container: unable to remove container state dir: refusing to remove ${root}/c/mnt: mount point (confined to ${root})`
      )
      expect(yield* snapshotTree([`${root}/c/mnt`])).toEqual(before.filter((line) => line.startsWith(`${root}/c/mnt`)))
    }).pipe(Effect.provide(Libcontainer.layerMemory)))
})
