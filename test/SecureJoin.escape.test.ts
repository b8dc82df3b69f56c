/**
 * Escape tests: hostile trees and concurrent symlink swaps never make
 * `secureJoin` return, or `readFileInRoot` read, anything outside the root.
 *
 * - Random unsafe paths over a tree full of escaping links (absolute, `..`
 *   chains, loops, links to the host's real files), on every layer.
 * - A fiber that keeps swapping a directory for a symlink to the outside,
 *   interleaved with the resolution at every lstat/readlink: secureJoin's
 *   string stays under the root, readFileInRoot never reads the outside, and
 *   a naive `readFile(secureJoin(...))` is shown to be raced (so the swaps
 *   really land mid-resolution).
 * - On the real host, a worker thread swapping in a tight loop, truly in
 *   parallel with openat2 and with the userspace resolver.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { isSystemError } from "../src/ContainerError.js"
import * as Fs from "../src/Filesystem.js"
import * as NodeHost from "../src/node/NodeHost.js"
import * as SecureJoin from "../src/SecureJoin.js"
import { build, describeEachLayer, scratch, text } from "./support/filesystemFixtures.js"

const OUTSIDE = "OUTSIDE"

const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`)

/** The Filesystem with a yield before every call, so other fibers run between the steps of a resolution. */
const yielding = (fs: Fs.FilesystemService): Fs.FilesystemService => ({
  ...fs,
  lstat: (path) => Effect.zipRight(Effect.yieldNow(), fs.lstat(path)),
  readLink: (path) => Effect.zipRight(Effect.yieldNow(), fs.readLink(path)),
  readFile: (path, options) => Effect.zipRight(Effect.yieldNow(), fs.readFile(path, options)),
  readFileInRoot: (root, unsafePath, options) =>
    Effect.zipRight(Effect.yieldNow(), fs.readFileInRoot(root, unsafePath, options))
})

/** Links of every escaping shape, and a secret outside the root. */
const hostileTree = (dir: string) =>
  build(dir, {
    "outside/secret": OUTSIDE,
    "outside/etc/passwd": OUTSIDE,
    "root/etc/": null,
    "root/d/e/": null,
    "root/file": "inside",
    "root/abs-root": { link: "/" },
    "root/abs-outside": { link: `${dir}/outside` },
    "root/abs-secret": { link: `${dir}/outside/secret` },
    "root/up": { link: ".." },
    "root/upup": { link: "../../../../../../../../.." },
    "root/d/e/climb": { link: "../../../../outside/secret" },
    "root/d/back": { link: "e/climb" },
    "root/loop1": { link: "loop2/x" },
    "root/loop2": { link: "loop1/y" },
    "root/self": { link: "./self" },
    "root/host-passwd": { link: "/etc/passwd" },
    "root/proc-root": { link: "/proc/self/root" },
    "root/proc-cwd": { link: "/proc/self/cwd" }
  })

const components = [
  "abs-root",
  "abs-outside",
  "abs-secret",
  "up",
  "upup",
  "d",
  "e",
  "climb",
  "back",
  "loop1",
  "self",
  "host-passwd",
  "proc-root",
  "proc-cwd",
  "..",
  ".",
  "",
  "outside",
  "secret",
  "etc",
  "passwd",
  "file",
  "proc",
  "self",
  "root"
]
const unsafePath = FastCheck.tuple(
  FastCheck.boolean(),
  FastCheck.array(FastCheck.constantFrom(...components), { minLength: 1, maxLength: 8 })
).map(([absolute, parts]) => (absolute ? "/" : "") + parts.join("/"))

describeEachLayer((fixture) => `escapes on ${fixture.name}`, (it, _fixture, base) => {
  it.effect("random unsafe paths over a hostile tree stay inside the root", () =>
    Effect.gen(function*() {
      const fs = yield* Fs.Filesystem
      const dir = yield* scratch(base())
      yield* hostileTree(dir)
      const root = `${dir}/root`
      const samples = FastCheck.sample(unsafePath, { numRuns: 300, seed: 4242 })
      for (const unsafe of [...samples, "abs-secret", "d/back", "upup/outside/secret", "host-passwd", "proc-root/etc/passwd"]) {
        const joined = yield* Effect.either(SecureJoin.secureJoin(root, unsafe))
        if (joined._tag === "Right") expect(under(joined.right, root), `${unsafe} -> ${joined.right}`).toBe(true)
        else expect(isSystemError(joined.left, "ELOOP"), unsafe).toBe(true)
        const read = yield* Effect.either(fs.readFileInRoot(root, unsafe))
        if (read._tag === "Right") {
          expect(text(read.right.content), unsafe).not.toBe(OUTSIDE)
          expect(under(read.right.path, root), `${unsafe} -> ${read.right.path}`).toBe(true)
        } else {
          expect(read.left._tag, unsafe).toBe("SystemError")
        }
      }
    }), 60_000)

  it.effect("a directory swapped for an outside symlink mid-resolution never leaks the outside", () =>
    Effect.gen(function*() {
      const plain = yield* Fs.Filesystem
      const fs = yielding(plain)
      const dir = yield* scratch(base())
      yield* build(dir, {
        "outside/secret": OUTSIDE,
        "root/d/secret": "inside",
        "root/d.link": { link: `${dir}/outside` }
      })
      const root = `${dir}/root`
      const swap = Effect.gen(function*() {
        yield* plain.rename(`${root}/d`, `${root}/d.real`)
        yield* Effect.yieldNow()
        yield* plain.rename(`${root}/d.link`, `${root}/d`)
        yield* Effect.yieldNow()
        yield* plain.rename(`${root}/d`, `${root}/d.link`)
        yield* Effect.yieldNow()
        yield* plain.rename(`${root}/d.real`, `${root}/d`)
        yield* Effect.yieldNow()
      })
      const swapper = yield* Effect.fork(Effect.forever(swap))
      let naiveLeaks = 0
      const seen = new Set<string>()
      for (let i = 0; i < 400; i++) {
        const joined = yield* Effect.either(
          Effect.provideService(SecureJoin.secureJoin(root, "d/secret"), Fs.Filesystem, fs)
        )
        if (joined._tag === "Right") {
          expect(under(joined.right, root)).toBe(true)
          const naive = yield* Effect.either(fs.readFile(joined.right))
          if (naive._tag === "Right" && text(naive.right) === OUTSIDE) naiveLeaks++
        } else {
          expect(["ENOENT", "EINVAL"]).toContain(joined.left.code)
        }
        const read = yield* Effect.either(fs.readFileInRoot(root, "d/secret"))
        if (read._tag === "Right") {
          expect(text(read.right.content)).toBe("inside")
          expect(read.right.path).toBe(`${root}/d/secret`)
          seen.add("inside")
        } else {
          expect(read.left.code).toBe("ENOENT")
          seen.add(read.left.code)
        }
      }
      yield* Fiber.interrupt(swapper)
      expect(naiveLeaks).toBeGreaterThan(0)
      expect([...seen].sort()).toEqual(["ENOENT", "inside"])
    }))
})

/** A worker thread that swaps `<root>/d` between a directory and a symlink to the outside until told to stop. */
const startSwapper = (root: string, outside: string, mode: "symlink" | "move-out"): Worker =>
  new Worker(
    `
    const { parentPort, workerData } = require("node:worker_threads")
    const fs = require("node:fs")
    const { root, outside, mode } = workerData
    let stop = false
    parentPort.on("message", () => { stop = true })
    const loop = () => {
      for (let i = 0; i < 2000 && !stop; i++) {
        try {
          if (mode === "symlink") {
            fs.renameSync(root + "/d", root + "/d.real")
            fs.renameSync(root + "/d.link", root + "/d")
            fs.renameSync(root + "/d", root + "/d.link")
            fs.renameSync(root + "/d.real", root + "/d")
          } else {
            fs.renameSync(root + "/d", outside + "/moved")
            fs.renameSync(outside + "/moved", root + "/d")
          }
        } catch {}
      }
      if (stop) parentPort.postMessage("stopped"); else setImmediate(loop)
    }
    loop()
    `,
    { eval: true, workerData: { root, outside, mode } }
  )

const stopSwapper = (worker: Worker) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      worker.once("message", () => void worker.terminate().then(() => resolve()))
      worker.postMessage("stop")
    })
  )

describe("escapes on the real host under a truly parallel swapper", () => {
  const resolvers = [
    { name: "openat2", layer: NodeHost.layerFilesystem },
    { name: "userspace resolver", layer: NodeHost.layerFilesystemWith({ resolver: "userspace" }) }
  ]
  for (const resolver of resolvers) {
    for (const mode of ["symlink", "move-out"] as const) {
      layer(Layer.mergeAll(resolver.layer))((it) => {
        it.effect(`${resolver.name}: ${mode} swaps never leak the outside`, () =>
          Effect.gen(function*() {
            const fs = yield* Fs.Filesystem
            const dir = realpathSync(mkdtempSync(join(tmpdir(), "escape-race-")))
            yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
            yield* build(dir, {
              "outside/secret": OUTSIDE,
              "root/secret": "root secret",
              "root/d/secret": "inside",
              "root/d.link": { link: `${dir}/outside` }
            })
            const root = `${dir}/root`
            const unsafe = mode === "symlink" ? "d/secret" : "d/../secret"
            const worker = startSwapper(root, `${dir}/outside`, mode)
            const outcomes = new Map<string, number>()
            const deadline = Date.now() + 1500
            let iterations = 0
            while (Date.now() < deadline || iterations < 200) {
              iterations++
              const read = yield* Effect.either(fs.readFileInRoot(root, unsafe))
              const key = read._tag === "Right" ? text(read.right.content) : read.left.code
              outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
              if (read._tag === "Right") expect(under(read.right.path, root)).toBe(true)
            }
            yield* stopSwapper(worker)
            if (process.env["ESCAPE_DEBUG"] !== undefined) console.log(resolver.name, mode, iterations, outcomes)
            expect(outcomes.has(OUTSIDE)).toBe(false)
            for (const key of outcomes.keys()) {
              expect(["inside", "root secret", "ENOENT", "EXDEV", "EAGAIN"]).toContain(key)
            }
          }).pipe(Effect.scoped), 30_000)
      })
    }
  }
})
