/**
 * Issue 9 §4: hostile state roots. Every case runs the read-only commands —
 * Factory.load (then status, state, ociState), Factory.list, and the CLI's
 * `state` and `list` — on both layers, and checks that none hangs, throws
 * or dies (every failure typed), none reads outside the root (a secret
 * placed there never shows in any result, error or output) and none
 * changes anything (the tree, modes and mtimes included, is the same
 * afterwards).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, truncateSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import * as Container from "../../src/Container.js"
import type { SystemError } from "../../src/ContainerError.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import { MemoryHost } from "../../src/memory/MemoryHost.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { hosts, type TestHost } from "../support/hosts.js"
import { snapshotTree, testConfig } from "./support/scenario.js"
import { runCli } from "../support/cli.js"

const secret = "SECRET-7c1f0d2e-outside-the-root"
const encode = (s: string | Uint8Array) => (typeof s === "string" ? new TextEncoder().encode(s) : s)

/** Where a case plays: the root, a directory outside it holding the secret, and two state.json texts. */
interface Stage {
  readonly host: TestHost
  readonly root: string
  readonly outside: string
  /** A state.json that loads, made by saveState. */
  readonly valid: string
  /** The same with the secret as a label: reading it would leak. */
  readonly secretState: string
}

type Setup = (stage: Stage) => Effect.Effect<void, SystemError, Filesystem>

/** One hostile layout, what Load must answer for it, and the id to load. */
interface Case {
  readonly name: string
  readonly setup: Setup
  /** The tag of Load's failure, or `Loaded`. */
  readonly load: string
  readonly id?: string
  readonly only?: "node" | "memory"
  /** Needs root on the real host (mknod); run everywhere in CI, which is root. */
  readonly needsRoot?: boolean
}

const writeState = (content: string | Uint8Array, id = "x"): Setup => ({ root }) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    yield* fs.makeDirectoryAll(`${root}/${id}`, 0o711)
    yield* fs.writeFile(`${root}/${id}/state.json`, encode(content), { mode: 0o600 })
  })

const withState = (edit: (valid: string) => string): Setup => (stage) => writeState(edit(stage.valid))(stage)

/** `n` `..` components: enough to climb out of any root we use. */
const climb = "../".repeat(12)

const cases: ReadonlyArray<Case> = [
  {
    name: "state dir: absolute symlink out of the root",
    load: "ErrNotExist",
    setup: ({ outside, root }) => Effect.flatMap(Filesystem, (fs) => fs.symlink(`${outside}/dir`, `${root}/x`))
  },
  {
    name: "state dir: relative symlink out of the root",
    load: "ErrNotExist",
    setup: ({ outside, root }) => Effect.flatMap(Filesystem, (fs) => fs.symlink(`${climb}${outside.slice(1)}/dir`, `${root}/x`))
  },
  {
    name: "state.json: absolute symlink out of the root",
    load: "ErrNotExist",
    setup: ({ outside, root }) =>
      Effect.gen(function*() {
        const fs = yield* Filesystem
        yield* fs.makeDirectory(`${root}/x`, 0o711)
        yield* fs.symlink(`${outside}/state.json`, `${root}/x/state.json`)
      })
  },
  {
    name: "state.json: relative symlink out of the root",
    load: "ErrNotExist",
    setup: ({ outside, root }) =>
      Effect.gen(function*() {
        const fs = yield* Filesystem
        yield* fs.makeDirectory(`${root}/x`, 0o711)
        yield* fs.symlink(`${climb}${outside.slice(1)}/state.json`, `${root}/x/state.json`)
      })
  },
  {
    name: "state.json: a symlink loop",
    load: "SystemError",
    setup: ({ root }) =>
      Effect.gen(function*() {
        const fs = yield* Filesystem
        yield* fs.makeDirectory(`${root}/x`, 0o711)
        yield* fs.symlink("state.json", `${root}/x/state.json`)
      })
  },
  {
    name: "state.json: a FIFO",
    load: "StateCorrupt",
    setup: ({ root }) =>
      Effect.gen(function*() {
        const fs = yield* Filesystem
        yield* fs.makeDirectory(`${root}/x`, 0o711)
        yield* fs.makeFifo(`${root}/x/state.json`, 0o600)
      })
  },
  {
    name: "state.json: a directory (read: is a directory, as in runc)",
    load: "SystemError",
    setup: ({ root }) => Effect.flatMap(Filesystem, (fs) => fs.makeDirectoryAll(`${root}/x/state.json`, 0o700))
  },
  {
    name: "state.json: a character device (/dev/null's numbers)",
    load: "StateCorrupt",
    needsRoot: true,
    setup: ({ host, root }) =>
      Effect.gen(function*() {
        const fs = yield* Filesystem
        yield* fs.makeDirectory(`${root}/x`, 0o711)
        if (host.name === "node") {
          execFileSync("mknod", ["-m", "600", `${root}/x/state.json`, "c", "1", "3"])
        } else {
          const memory = yield* Effect.serviceOption(MemoryHost)
          yield* Option.getOrThrow(memory).fs.seed([{ type: "chardev", path: `${root}/x/state.json`, major: 1, minor: 3 }])
        }
      })
  },
  { name: "state.json: empty", load: "StateCorrupt", setup: writeState("") },
  { name: "state.json: null", load: "StateCorrupt", setup: writeState("null") },
  { name: "state.json: white space only", load: "StateCorrupt", setup: writeState(" \n\t ") },
  { name: "state.json: truncated after one byte", load: "StateCorrupt", setup: withState((v) => v.slice(0, 1)) },
  { name: "state.json: truncated in the middle", load: "StateCorrupt", setup: withState((v) => v.slice(0, v.length >> 1)) },
  { name: "state.json: truncated by one byte", load: "StateCorrupt", setup: withState((v) => v.slice(0, -1)) },
  {
    name: "state.json: 17 MiB (over the 16 MiB limit)",
    load: "StateCorrupt",
    setup: withState((v) => `${v}${" ".repeat(17 * 1024 * 1024)}`)
  },
  {
    name: "state.json: a 4 GiB sparse file",
    load: "StateCorrupt",
    only: "node",
    setup: (stage) =>
      Effect.zipRight(writeState("{}")(stage), Effect.sync(() => truncateSync(`${stage.root}/x/state.json`, 4 * 1024 ** 3)))
  },
  { name: "state.json: nested 100 000 arrays deep", load: "StateCorrupt", setup: writeState("[".repeat(100_000)) },
  {
    // within Go's limit of 10 000: read as runc reads it (the unknown key ignored), then refused as runc refuses it
    name: "state.json: config nested 5 000 objects deep",
    load: "CgroupError",
    setup: writeState(`{"config":${"{\"a\":".repeat(5000)}1${"}".repeat(5000)}}`)
  },
  {
    name: "state.json: config nested 10 001 objects deep",
    load: "StateCorrupt",
    setup: writeState(`{"config":${"{\"a\":".repeat(10_001)}1${"}".repeat(10_001)}}`)
  },
  {
    name: "state.json: invalid UTF-8 inside a string (Go reads U+FFFD)",
    load: "Loaded",
    setup: ({ root, valid }) => {
      const bytes = encode(valid.replace("bundle=/inside", "bundle=/in\u0001side"))
      const at = bytes.indexOf(1)
      bytes[at] = 0xff
      return writeState(bytes)({ root } as Stage)
    }
  },
  { name: "state.json: invalid UTF-8 outside strings", load: "StateCorrupt", setup: writeState(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])) },
  { name: "state.json: a byte-order mark", load: "StateCorrupt", setup: withState((v) => `\ufeff${v}`) },
  { name: "state.json: a string", load: "StateCorrupt", setup: writeState("\"state\"") },
  { name: "state.json: an array", load: "StateCorrupt", setup: writeState("[]") },
  {
    name: "wrong type: init_process_pid a string",
    load: "StateCorrupt",
    setup: withState((v) => v.replace(/"init_process_pid":-?[0-9]+/, "\"init_process_pid\":\"1\""))
  },
  {
    name: "wrong type: config an array",
    load: "StateCorrupt",
    setup: withState((v) => v.replace("\"config\":{", "\"config\":[{").replace(/,"rootless"/, "],\"rootless\""))
  },
  { name: "wrong type: cgroup_paths values numbers", load: "StateCorrupt", setup: withState((v) => v.replace("\"cgroup_paths\":{", "\"cgroup_paths\":{\"zz\":1,")) },
  { name: "wrong type: created a number", load: "StateCorrupt", setup: withState((v) => v.replace(/"created":"[^"]*"/, "\"created\":5")) },
  { name: "wrong value: created not RFC 3339", load: "StateCorrupt", setup: withState((v) => v.replace(/"created":"[^"]*"/, "\"created\":\"yesterday\"")) },
  {
    name: "integer beyond 2^53 where an int belongs (init_process_pid)",
    load: "StateCorrupt",
    setup: withState((v) => v.replace(/"init_process_pid":-?[0-9]+/, "\"init_process_pid\":9007199254740993"))
  },
  {
    name: "a huge exponent where an int belongs",
    load: "StateCorrupt",
    setup: withState((v) => v.replace(/"init_process_pid":-?[0-9]+/, "\"init_process_pid\":1e400"))
  },
  {
    name: "a fraction where an int belongs",
    load: "StateCorrupt",
    setup: withState((v) => v.replace(/"init_process_pid":-?[0-9]+/, "\"init_process_pid\":1.5"))
  },
  {
    name: "uint64 2^64-1 where it belongs (init_process_start) loads",
    load: "Loaded",
    setup: withState((v) => v.replace(/"init_process_start":[0-9]+/, "\"init_process_start\":18446744073709551615"))
  },
  {
    name: "uint64 overflow (2^64) in init_process_start",
    load: "StateCorrupt",
    setup: withState((v) => v.replace(/"init_process_start":[0-9]+/, "\"init_process_start\":18446744073709551616"))
  },
  {
    name: "a negative init_process_start",
    load: "StateCorrupt",
    setup: withState((v) => v.replace(/"init_process_start":[0-9]+/, "\"init_process_start\":-1"))
  },
  {
    name: "a __proto__ key in cgroup_paths",
    load: "StateCorrupt",
    setup: withState((v) => v.replace("\"cgroup_paths\":{", "\"cgroup_paths\":{\"__proto__\":\"/x\","))
  },
  { name: "a config without cgroups", load: "CgroupError", setup: withState((v) => v.replace(/"cgroups":\{/, "\"cgroups_gone\":{")) },
  { name: "valid JSON followed by garbage (Go reads the first value)", load: "Loaded", setup: withState((v) => `${v} garbage {`) },
  {
    name: "a state dir named like an invalid id (list reports it, load refuses it)",
    load: "ErrInvalidID",
    id: "a,b",
    setup: writeState("{}", "a,b")
  },
  {
    name: "a valid id too long for the filesystem",
    load: "SystemError",
    id: "i".repeat(300),
    setup: () => Effect.void
  }
]

const forbiddenIds = [
  "",
  ".",
  "..",
  "a/b",
  "/abs",
  "../x",
  "x/..",
  "a b",
  "a\tb",
  "a\nb",
  "a\u0000b",
  "é",
  "a,b",
  "a:b",
  "a@b",
  "~",
  "*",
  "a\\b",
  "x\u202e"
]

/** Runs the CLI in-process on the services in context; returns its status and everything it printed. */
const cli = (argv: ReadonlyArray<string>) => Effect.map(runCli(argv), (run) => ({ status: run.status, out: run.stdout + run.stderr }))

/** `effect`'s outcome, which must come within 10 s and be a success or a typed failure (no defect, no hang). */
const typed = <A, E, R>(what: string, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.timeoutOption(Effect.exit(effect), "10 seconds")
    if (Option.isNone(exit)) return yield* Effect.dieMessage(`${what}: hung`)
    const result = exit.value
    if (Exit.isFailure(result) && Option.isNone(Cause.failureOption(result.cause))) {
      return yield* Effect.dieMessage(`${what}: not a typed failure: ${Cause.pretty(result.cause)}`)
    }
    return Exit.isSuccess(result) ? Either.right(result.value) : Either.left(Cause.failureOption(result.cause).pipe(Option.getOrThrow))
  })

/**
 * The read-only commands on `id`: returns Load's tag and everything any
 * command produced, as text, for the secret check.
 */
const readOnlyCommands = (root: string, id: string) =>
  Effect.gen(function*() {
    const seen: Array<string> = []
    const loaded = yield* typed("load", Factory.load(root, id))
    let loadTag = "Loaded"
    if (Either.isLeft(loaded)) {
      loadTag = (loaded.left as { _tag: string })._tag
      seen.push(JSON.stringify(loaded.left), String((loaded.left as Error).message))
    } else {
      const c = loaded.right
      seen.push(String(yield* typed("status", Container.status(c))))
      seen.push(JSON.stringify(yield* typed("state", Container.stateJson(c))))
      seen.push(JSON.stringify(yield* typed("ociState", Container.ociState(c))))
    }
    const listed = yield* typed("list", Stream.runCollect(Factory.list(root)))
    if (Either.isRight(listed)) {
      for (const entry of listed.right) {
        if (entry._tag === "Failed") seen.push(entry.id, entry.error.message)
        else seen.push(JSON.stringify(yield* typed("list status", Container.ociState(entry.container))))
      }
    } else {
      seen.push(listed.left.message)
    }
    for (const argv of [["state", id], ["list"], ["list", "--format", "json"]]) {
      const { out, status } = yield* cli(["--root", root, ...argv])
      expect([0, 1]).toContain(status)
      seen.push(out)
    }
    return { loadTag, seen: seen.join("\n") }
  })

const stageFor = (host: TestHost, root: string): Effect.Effect<Stage, unknown, Factory.Services | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const outside = host.name === "node"
      ? yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "elc-outside-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      : `/outside-${root.split("-").pop()}`
    yield* fs.makeDirectoryAll(`${outside}/dir`, 0o755)
    const c = yield* Factory.create(`${root}.template`, "x", { ...testConfig("x"), labels: ["bundle=/inside"] })
    const valid = yield* Container.stateJson(c)
    yield* fs.removeAll(`${root}.template`)
    const secretState = valid.replace("bundle=/inside", `bundle=/${secret}`)
    yield* fs.writeFile(`${outside}/state.json`, encode(secretState))
    yield* fs.writeFile(`${outside}/dir/state.json`, encode(secretState))
    yield* fs.writeFile(`${outside}/secret`, encode(secret))
    return { host, root, outside, valid, secretState }
  })

const suite = (host: TestHost) =>
  describe(`hostile input on ${host.name}`, () => {
    const run = <A, E>(f: (root: string) => Effect.Effect<A, E, Libcontainer.AllServices | Scope.Scope>) =>
      Effect.scoped(Effect.flatMap(host.root, f)).pipe(Effect.provide(host.layer))

    const runnable = cases.filter((c) =>
      (c.only === undefined || c.only === host.name) &&
      (c.needsRoot !== true || host.name !== "node" || process.geteuid?.() === 0)
    )

    it.live("every hostile layout: typed, bounded, nothing read outside, nothing changed", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const results: Array<string> = []
          for (const testCase of runnable) {
            const caseRoot = `${root}/case-${results.length}`
            yield* fs.makeDirectory(caseRoot, 0o700)
            const stage = yield* stageFor(host, caseRoot)
            yield* testCase.setup(stage)
            const before = yield* snapshotTree([caseRoot, stage.outside])
            const { loadTag, seen } = yield* readOnlyCommands(caseRoot, testCase.id ?? "x")
            expect(seen, testCase.name).not.toContain(secret)
            expect(yield* snapshotTree([caseRoot, stage.outside]), testCase.name).toEqual(before)
            results.push(`${testCase.name}: ${loadTag}`)
            yield* fs.removeAll(caseRoot)
          }
          expect(results).toEqual(runnable.map((c) => `${c.name}: ${c.load}`))
        })), 120_000)

    it.live("ids of every forbidden kind: ErrInvalidID from load and create, nothing touched", () =>
      run((root) =>
        Effect.gen(function*() {
          const before = yield* snapshotTree([root])
          for (const id of forbiddenIds) {
            const loaded = yield* typed(`load ${JSON.stringify(id)}`, Factory.load(root, id))
            expect(Either.isLeft(loaded) && loaded.left._tag, JSON.stringify(id)).toBe("ErrInvalidID")
            const created = yield* typed(`create ${JSON.stringify(id)}`, Factory.create(root, id, testConfig("bad")))
            expect(Either.isLeft(created) && created.left._tag, JSON.stringify(id)).toBe("ErrInvalidID")
          }
          expect(yield* snapshotTree([root])).toEqual(before)
        })))

    it.live("a root that is a symlink, missing, or a file", () =>
      run((root) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const real = `${root}/real`
          const c = yield* Factory.create(real, "x", testConfig("x"))
          yield* Container.saveState(c)
          yield* fs.symlink(real, `${root}/link`)
          expect((yield* Factory.load(`${root}/link`, "x")).id).toBe("x")
          const viaLink = yield* Stream.runCollect(Factory.list(`${root}/link`))
          expect([...viaLink].map((e) => e._tag)).toEqual(["Loaded"])

          const missing = yield* typed("load", Factory.load(`${root}/missing`, "x"))
          expect(Either.isLeft(missing) && missing.left._tag).toBe("ErrNotExist")
          expect([...yield* Stream.runCollect(Factory.list(`${root}/missing`))]).toEqual([])

          yield* fs.writeFile(`${root}/file`, encode("not a dir"))
          const before = yield* snapshotTree([root])
          const onFile = yield* typed("load", Factory.load(`${root}/file`, "x"))
          expect(Either.isLeft(onFile) && onFile.left._tag).toBe("SystemError")
          const listFile = yield* typed("list", Stream.runCollect(Factory.list(`${root}/file`)))
          expect(Either.isLeft(listFile) && listFile.left.message).toBe(`readdirent ${root}/file: not a directory`)
          expect(yield* snapshotTree([root])).toEqual(before)
          const created = yield* typed("create", Factory.create(`${root}/file`, "x", testConfig("x")))
          expect(Either.isLeft(created) && created.left.message).toBe(`mkdir ${root}/file: not a directory`)
        })))
  })

for (const host of hosts) suite(host)

describe("hostile input on a simulated host as an unprivileged user", () => {
  it.live("an unreadable or unsearchable root: typed EACCES, nothing changed", () =>
    Effect.gen(function*() {
      const fs = yield* Filesystem
      const before = yield* snapshotTree(["/run/locked", "/run/noread"])
      for (const root of ["/run/locked", "/run/noread"]) {
        const loaded = yield* typed("load", Factory.load(root, "x"))
        expect(Either.isLeft(loaded) && loaded.left.message, root).toMatch(/permission denied$/)
        const listed = yield* typed("list", Stream.runCollect(Factory.list(root)))
        if (root === "/run/locked") expect(Either.isLeft(listed) && listed.left.message).toMatch(/permission denied$/)
        const created = yield* typed("create", Factory.create(root, "y", testConfig("y")))
        expect(Either.isLeft(created) && created.left.message, root).toMatch(/permission denied$/)
      }
      expect(yield* snapshotTree(["/run/locked", "/run/noread"])).toEqual(before)
      expect((yield* fs.stat("/run/locked")).mode).toBe(0)
    }).pipe(
      Effect.provide(
        Layer.orDie(Libcontainer.layerMemoryWith({
          uid: 1000,
          gid: 1000,
          entries: [
            { type: "dir", path: "/run/locked", mode: 0o000, uid: 1000, gid: 1000 },
            { type: "dir", path: "/run/locked/x", mode: 0o711, uid: 1000, gid: 1000 },
            { type: "file", path: "/run/locked/x/state.json", mode: 0o600, uid: 1000, gid: 1000, content: "{}" },
            { type: "dir", path: "/run/noread", mode: 0o300, uid: 1000, gid: 1000 },
            { type: "dir", path: "/run/noread/x", mode: 0o000, uid: 1000, gid: 1000 }
          ]
        }))
      )
    ))
})

/**
 * A worker thread swapping the state dir (and, inside it, state.json) for
 * symlinks to the outside, truly in parallel with the loads.
 */
const startSwapper = (root: string, outside: string): Worker =>
  new Worker(
    `
    const { parentPort, workerData } = require("node:worker_threads")
    const fs = require("node:fs")
    const { root, outside } = workerData
    let stop = false
    parentPort.on("message", () => { stop = true })
    const swap = (a, b) => { fs.renameSync(a, root + "/tmp"); fs.renameSync(b, a); fs.renameSync(root + "/tmp", b) }
    const loop = () => {
      for (let i = 0; i < 500 && !stop; i++) {
        swap(root + "/x", root + "/x.link")
        const real = fs.lstatSync(root + "/x").isDirectory() ? root + "/x" : root + "/x.link"
        swap(real + "/state.json", real + "/state.link")
      }
      if (stop) parentPort.postMessage("stopped"); else setImmediate(loop)
    }
    loop()
    `,
    { eval: true, workerData: { root, outside } }
  )

describe("hostile input: links swapped in during the call", () => {
  for (const host of hosts) {
    it.live(`${host.name}: loads see the inside state or a typed failure, never the outside`, () =>
      Effect.scoped(
        Effect.gen(function*() {
          const root = yield* host.root
          const stage = yield* stageFor(host, root)
          const fs = yield* Filesystem
          yield* writeState(stage.valid)(stage)
          yield* fs.symlink(`${stage.outside}/state.json`, `${root}/x/state.link`)
          yield* fs.symlink(`${stage.outside}/dir`, `${root}/x.link`)
          const outcomes = new Map<string, number>()
          const tally = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
          const loadOnce = Effect.gen(function*() {
            const loaded = yield* typed("load", Factory.load(root, "x"))
            if (Either.isLeft(loaded)) {
              expect(loaded.left.message).not.toContain(secret)
              return tally(loaded.left._tag)
            }
            const text = yield* Container.stateJson(loaded.right)
            expect(text).not.toContain(secret)
            tally("Loaded")
          })
          if (host.name === "node") {
            const worker = startSwapper(root, stage.outside)
            const until = Date.now() + 1000
            while (Date.now() < until) yield* loadOnce
            yield* Effect.promise(() =>
              new Promise<void>((resolve) => {
                worker.once("message", () => void worker.terminate().then(() => resolve()))
                worker.postMessage("stop")
              })
            )
          } else {
            const swap = (a: string, b: string) =>
              Effect.all([fs.rename(a, `${root}/tmp`), Effect.yieldNow(), fs.rename(b, a), Effect.yieldNow(), fs.rename(`${root}/tmp`, b)])
            const swapper = yield* Effect.fork(Effect.forever(Effect.gen(function*() {
              yield* swap(`${root}/x`, `${root}/x.link`)
              yield* Effect.yieldNow()
              const real = (yield* fs.lstat(`${root}/x`)).type === "Directory" ? `${root}/x` : `${root}/x.link`
              yield* swap(`${real}/state.json`, `${real}/state.link`)
              yield* Effect.yieldNow()
            })))
            for (let i = 0; i < 1000; i++) yield* Effect.zipRight(Effect.yieldNow(), loadOnce)
            yield* Fiber.interrupt(swapper)
          }
          expect(outcomes.get("Loaded") ?? 0).toBeGreaterThan(0)
          expect([...outcomes.keys()].every((k) => ["Loaded", "ErrNotExist", "StateCorrupt", "SystemError"].includes(k)))
            .toBe(true)
        }).pipe(Effect.provide(host.layer))
      ), 60_000)
  }
})
