/**
 * Properties of the confinement issue 15 asks for, on this machine and on
 * the simulated host: a file off cgroupfs is refused before a byte of it is
 * read, whatever it is and holds; every read stops at its limit; a removal
 * confined to a root never touches anything outside `<root>/<path>`; and a
 * cgroup manager's destroy never removes anything off cgroupfs.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { mkdtempSync, rmSync, truncateSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CgroupManager } from "../../src/CgroupManager.js"
import * as Config from "../../src/Config.js"
import { cgroupTypes, Filesystem } from "../../src/Filesystem.js"
import { MemoryHost } from "../../src/memory/MemoryHost.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { snapshotTree } from "./support/scenario.js"

interface Host {
  readonly name: "node" | "memory"
  readonly layer: Layer.Layer<Libcontainer.Services>
  readonly dir: Effect.Effect<string, never, Scope.Scope | Filesystem>
  readonly runs: number
}

let counter = 0
const hosts: ReadonlyArray<Host> = [
  {
    name: "node",
    layer: Libcontainer.layerNode,
    dir: Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "elc-hostile-prop-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
    runs: 15
  },
  {
    name: "memory",
    layer: Layer.orDie(Libcontainer.layerMemoryWith({ cgroupMode: "hybrid" })),
    dir: Effect.flatMap(Filesystem, (fs) => {
      const dir = `/tmp/prop-${++counter}`
      return Effect.as(Effect.orDie(fs.makeDirectoryAll(dir, 0o755)), dir)
    }),
    runs: 80
  }
]

/** What a hostile freezer file can be. */
type Kind =
  | { readonly _tag: "file"; readonly content: Uint8Array }
  | { readonly _tag: "sparse"; readonly size: number }
  | { readonly _tag: "fifo" }
  | { readonly _tag: "directory" }
  | { readonly _tag: "link"; readonly target: "/dev/zero" | "/dev/null" | "file" }

const kinds: FastCheck.Arbitrary<Kind> = FastCheck.oneof(
  FastCheck.uint8Array({ maxLength: 70_000 }).map((content): Kind => ({ _tag: "file", content })),
  FastCheck.integer({ min: 0, max: 2 ** 40 }).map((size): Kind => ({ _tag: "sparse", size })),
  FastCheck.constant<Kind>({ _tag: "fifo" }),
  FastCheck.constant<Kind>({ _tag: "directory" }),
  FastCheck.constantFrom("/dev/zero" as const, "/dev/null" as const, "file" as const).map((target): Kind => ({ _tag: "link", target }))
)

const place = (host: Host, path: string, kind: Kind) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    switch (kind._tag) {
      case "file":
        return yield* fs.writeFile(path, kind.content)
      case "sparse":
        if (host.name === "node") {
          yield* fs.writeFile(path, new Uint8Array(0))
          return truncateSync(path, kind.size)
        }
        return yield* fs.writeFile(path, new Uint8Array(Math.min(kind.size, 70_000)))
      case "fifo":
        return yield* fs.makeFifo(path, 0o600)
      case "directory":
        return yield* fs.makeDirectory(path, 0o755)
      case "link":
        if (kind.target === "file") yield* fs.writeFile(`${path}.target`, new Uint8Array([1, 2, 3]))
        return yield* fs.symlink(kind.target === "file" ? `${path}.target` : kind.target, path)
    }
  })

/** The paths of a tree snapshot's lines. */
const pathsOf = (lines: ReadonlyArray<string>): ReadonlySet<string> => new Set(lines.map((line) => line.split(" ")[0]!))

const withResources = Config.makeCgroup({ path: "/unused", Resources: Config.makeResources() })

for (const host of hosts) {
  describe(`hostile path properties on ${host.name}`, () => {
    const run = <A, E>(body: (dir: string) => Effect.Effect<A, E, Libcontainer.Services | Scope.Scope>) =>
      Effect.scoped(Effect.flatMap(host.dir, body)).pipe(Effect.provide(host.layer))

    it.live("a freezer file off cgroupfs is refused before it is read, whatever it is and holds", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const cgroups = yield* CgroupManager
          let n = 0
          yield* Effect.promise(() =>
            FastCheck.assert(
              FastCheck.asyncProperty(kinds, (kind) =>
                Effect.runPromise(Effect.gen(function*() {
                  const cgroup = `${dir}/case-${++n}`
                  yield* fs.makeDirectory(cgroup, 0o755)
                  const file = `${cgroup}/freezer.state`
                  yield* place(host, file, kind)
                  const read = yield* Effect.either(fs.readFileOn(file, cgroupTypes, { maxBytes: 16 }))
                  expect(Either.isLeft(read) && read.left._tag).toBe("WrongFilesystem")
                  const manager = yield* cgroups.newWithPaths(withResources, { freezer: cgroup })
                  const state = yield* Effect.flip(manager.getFreezerState)
                  expect(state.message).toBe(`open ${file}: not a cgroup file`)
                }).pipe(Effect.provideService(Filesystem, fs))) as Promise<void>),
              { numRuns: host.runs }
            )
          )
        })), 60_000)

    it.live("every read stops at its limit: the content up to it, EFBIG beyond; /dev/zero always EFBIG", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const type = yield* fs.statfs(dir)
          let n = 0
          yield* Effect.promise(() =>
            FastCheck.assert(
              FastCheck.asyncProperty(
                FastCheck.uint8Array({ maxLength: 70_000 }),
                FastCheck.integer({ min: 0, max: 80_000 }),
                (content, maxBytes) =>
                  Effect.runPromise(Effect.gen(function*() {
                    const file = `${dir}/file-${++n}`
                    yield* fs.writeFile(file, content)
                    for (const read of [fs.readFile(file, { maxBytes }), fs.readFileOn(file, [type], { maxBytes })]) {
                      const result = yield* Effect.either(read)
                      if (content.length <= maxBytes) expect(Either.getOrThrow(result)).toEqual(content)
                      else expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "SystemError", code: "EFBIG" })
                    }
                    const zero = yield* Effect.flip(fs.readFile("/dev/zero", { maxBytes }))
                    expect(zero).toMatchObject({ _tag: "SystemError", code: "EFBIG", op: "read" })
                  })) as Promise<void>
              ),
              { numRuns: host.runs }
            )
          )
        })), 60_000)

    it.live("a confined removal never touches anything but <root>/<path>", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          let n = 0
          const name = FastCheck.constantFrom("a", "b", "c")
          const entry = FastCheck.record({
            at: FastCheck.array(name, { minLength: 1, maxLength: 3 }),
            kind: FastCheck.constantFrom("dir", "file", "link-out", "link-out-relative", "link-in", "link-root")
          })
          yield* Effect.promise(() =>
            FastCheck.assert(
              FastCheck.asyncProperty(
                FastCheck.array(entry, { maxLength: 12 }),
                FastCheck.array(FastCheck.constantFrom("a", "b", "c", "..", ".", ""), { minLength: 1, maxLength: 3 }),
                (entries, components) =>
                  Effect.runPromise(Effect.gen(function*() {
                    const base = `${dir}/case-${++n}`
                    const root = `${base}/root`
                    const outside = `${base}/outside`
                    for (const top of [root, outside]) {
                      yield* fs.makeDirectoryAll(`${top}/a/b`, 0o755)
                      yield* fs.writeFile(`${top}/a/b/f`, new Uint8Array([1]))
                    }
                    for (const { at, kind } of entries) {
                      const path = `${root}/${at.join("/")}`
                      const made = kind === "dir"
                        ? fs.makeDirectoryAll(path, 0o755)
                        : kind === "file"
                        ? fs.writeFile(path, new Uint8Array([2]))
                        : fs.symlink(
                          kind === "link-out"
                            ? outside
                            : kind === "link-out-relative"
                            ? `${"../".repeat(at.length)}outside`
                            : kind === "link-in"
                            ? "a"
                            : "/",
                          path
                        )
                      yield* Effect.ignore(made)
                    }
                    const path = components.join("/")
                    // A plain path whose every component is a directory (no symlink) must be removed.
                    let plain = components.every((c) => c === "a" || c === "b" || c === "c")
                    for (let i = 1; plain && i <= components.length; i++) {
                      const info = yield* Effect.either(fs.lstat(`${root}/${components.slice(0, i).join("/")}`))
                      plain = Either.isRight(info) && info.right.type === "Directory"
                    }
                    const outsideBefore = yield* snapshotTree([outside])
                    const rootBefore = pathsOf(yield* snapshotTree([root]))
                    yield* Effect.either(fs.removeAllInRoot(root, path))
                    const rootAfter = pathsOf(yield* snapshotTree([root]))
                    const target = `${root}/${path}`
                    for (const gone of [...rootBefore].filter((p) => !rootAfter.has(p))) {
                      expect(gone === target || gone.startsWith(`${target}/`), gone).toBe(true)
                    }
                    expect(yield* snapshotTree([outside])).toEqual(outsideBefore)
                    expect((yield* fs.lstat(root)).type).toBe("Directory")
                    if (plain) expect((yield* Effect.flip(fs.lstat(target))).code).toBe("ENOENT")
                  }).pipe(Effect.provideService(Filesystem, fs))) as Promise<void>
              ),
              { numRuns: host.runs }
            )
          )
        })), 60_000)

    it.live("destroy never removes a directory off cgroupfs, whatever the saved path names", () =>
      run((dir) =>
        Effect.gen(function*() {
          const fs = yield* Filesystem
          const cgroups = yield* CgroupManager
          let n = 0
          yield* Effect.promise(() =>
            FastCheck.assert(
              FastCheck.asyncProperty(
                FastCheck.array(FastCheck.array(FastCheck.constantFrom("x", "y", "z"), { minLength: 1, maxLength: 3 }), {
                  maxLength: 6
                }),
                FastCheck.array(FastCheck.constantFrom("x", "y", "z", "..", "link"), { maxLength: 3 }),
                (dirs, suffix) =>
                  Effect.runPromise(Effect.gen(function*() {
                    const victim = `${dir}/case-${++n}`
                    yield* fs.makeDirectory(victim, 0o755)
                    for (const parts of dirs) yield* fs.makeDirectoryAll(`${victim}/${parts.join("/")}`, 0o755)
                    yield* Effect.ignore(fs.symlink(".", `${victim}/link`))
                    const path = [victim, ...suffix].join("/")
                    const before = yield* snapshotTree([victim])
                    const manager = yield* cgroups.newWithPaths(withResources, { devices: path, freezer: path })
                    yield* Effect.either(manager.destroy)
                    expect(yield* snapshotTree([victim])).toEqual(before)
                  }).pipe(Effect.provideService(Filesystem, fs))) as Promise<void>
              ),
              { numRuns: host.runs }
            )
          )
        })), 60_000)
  })
}

describe("hostile path properties: the simulated host counts device reads", () => {
  it.live("a device file off cgroupfs is never read, even through a symlink", () =>
    Effect.gen(function*() {
      const fs = yield* Filesystem
      const host = yield* MemoryHost
      const cgroups = yield* CgroupManager
      let reads = 0
      const device = { read: (limit: number) => Either.right(new Uint8Array((reads++, limit))) }
      yield* Either.match(host.fs.seed([
        { type: "chardev", path: "/dev/endless", major: 1, minor: 9, device },
        { type: "file", path: "/tmp/dev-file", device },
        { type: "dir", path: "/tmp/evil" },
        { type: "symlink", path: "/tmp/evil/freezer.state", target: "/dev/endless" },
        { type: "dir", path: "/tmp/evil2" },
        { type: "symlink", path: "/tmp/evil2/freezer.state", target: "/tmp/dev-file" }
      ]), { onLeft: Effect.fail, onRight: () => Effect.void })
      for (const dir of ["/tmp/evil", "/tmp/evil2"]) {
        const manager = yield* cgroups.newWithPaths(withResources, { freezer: dir })
        expect((yield* Effect.flip(manager.getFreezerState)).message).toBe(`open ${dir}/freezer.state: not a cgroup file`)
        expect((yield* Effect.flip(manager.freeze("FROZEN"))).message).toBe(`open ${dir}/freezer.state: not a cgroup file`)
      }
      expect(reads).toBe(0)
      expect(yield* Effect.flip(fs.readFile("/dev/endless", { maxBytes: 100 }))).toMatchObject({ code: "EFBIG" })
      expect(reads).toBe(1)
    }).pipe(Effect.provide(Layer.orDie(Libcontainer.layerMemoryWith({ cgroupMode: "hybrid" })))))
})
