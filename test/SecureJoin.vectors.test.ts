/**
 * The 72 SecureJoin vectors (filepath-securejoin v0.2.4's join_test.go plus
 * derived cases; spec/vectors/securejoin-vectors.json, copied to
 * test/fixtures), each run on the node layer in a fresh temp dir and on the
 * memory layer in a fresh simulated host seeded with the same tree.
 *
 * Host-dependent cases (root `/`) run on both: on node against this host,
 * compared with `realpath(expected)` as upstream does; the simulated host has
 * a plain `/etc/passwd`, so there the expected string is compared directly.
 */
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { isNotExist, SystemError } from "../src/ContainerError.js"
import * as Fs from "../src/Filesystem.js"
import * as MemoryHost from "../src/memory/MemoryHost.js"
import * as NodeHost from "../src/node/NodeHost.js"
import * as SecureJoin from "../src/SecureJoin.js"

interface TreeEntry {
  readonly path: string
  readonly type: "dir" | "file" | "symlink"
  readonly target?: string
  readonly content?: string
}

interface Vector {
  readonly id: number
  readonly group: string
  readonly tree: ReadonlyArray<TreeEntry>
  readonly root: string
  readonly unsafe: string
  readonly expected?: string
  readonly error?: "ELOOP" | "VFS_LSTAT_ERROR" | "VFS_READLINK_ERROR"
  readonly errorPath?: string
  readonly vfs?: { readonly lstat: "os" | "fail"; readonly readlink: "os" | "fail" }
  readonly vfsMustBeCalled?: boolean
  readonly hostDependent?: boolean
}

const vectors: ReadonlyArray<Vector> = JSON.parse(
  readFileSync(new URL("./fixtures/securejoin-vectors.json", import.meta.url), "utf8")
)

/** A layer and the directory `T` the vector's tree goes in. */
interface Place {
  readonly dir: string
  readonly layer: Layer.Layer<Fs.Filesystem>
}

interface Target {
  readonly name: string
  readonly real: boolean
  readonly acquire: (id: number) => Effect.Effect<Place, SystemError, Scope.Scope>
}

const targets: ReadonlyArray<Target> = [
  {
    name: "layerNode",
    real: true,
    acquire: () =>
      Effect.acquireRelease(
        Effect.sync(() => ({ dir: realpathSync(mkdtempSync(join(tmpdir(), "securejoin-"))), layer: NodeHost.layerFilesystem })),
        (place) => Effect.sync(() => rmSync(place.dir, { recursive: true, force: true }))
      )
  },
  {
    name: "layerMemory",
    real: false,
    acquire: (id) =>
      Effect.map(Effect.orDie(MemoryHost.make()), (host) => ({
        dir: `/tmp/securejoin-${id}`,
        layer: Layer.succeed(Fs.Filesystem, MemoryHost.filesystem(host))
      }))
  }
]

const substitute = (s: string, dir: string): string => s.replaceAll("{T}", dir)

const plant = (dir: string, tree: ReadonlyArray<TreeEntry>) =>
  Effect.gen(function*() {
    const fs = yield* Fs.Filesystem
    yield* fs.makeDirectoryAll(dir, 0o755)
    for (const entry of tree) {
      const path = `${dir}/${entry.path}`
      yield* fs.makeDirectoryAll(path.slice(0, path.lastIndexOf("/")), 0o755)
      if (entry.type === "dir") yield* fs.makeDirectoryAll(path, 0o755)
      else if (entry.type === "file") yield* fs.writeFile(path, new TextEncoder().encode(entry.content ?? ""))
      else yield* fs.symlink(entry.target ?? "", path)
    }
  })

/** A sentinel a failing mock VFS returns; the join must hand back this very object. */
class VfsSentinel {
  constructor(readonly which: "lstat" | "readlink") {}
}

const mockVfs = (fs: Fs.FilesystemService, spec: NonNullable<Vector["vfs"]>, sentinels: Record<string, VfsSentinel>) => {
  const calls: Array<string> = []
  const vfs: SecureJoin.VFS<SystemError | VfsSentinel> = {
    lstat: (path) => {
      calls.push(`lstat ${path}`)
      return spec.lstat === "fail" ? Effect.fail(sentinels["lstat"]!) : fs.lstat(path)
    },
    readLink: (path) => {
      calls.push(`readlink ${path}`)
      return spec.readlink === "fail" ? Effect.fail(sentinels["readlink"]!) : fs.readLink(path)
    }
  }
  return { vfs, calls }
}

const expectedOnHost = (expected: string): string => (existsSync(expected) ? realpathSync(expected) : expected)

for (const target of targets) {
  describe(`SecureJoin vectors on ${target.name}`, () => {
    for (const vector of vectors) {
      it.scoped(`#${vector.id} ${vector.group}: SecureJoin(${vector.root}, ${vector.unsafe})`, () =>
        Effect.gen(function*() {
          const place = yield* target.acquire(vector.id)
          const run = Effect.gen(function*() {
            const fs = yield* Fs.Filesystem
            yield* plant(place.dir, vector.tree)
            const root = substitute(vector.root, place.dir)
            const unsafe = substitute(vector.unsafe, place.dir)
            const sentinels = { lstat: new VfsSentinel("lstat"), readlink: new VfsSentinel("readlink") }
            const mock = vector.vfs === undefined ? undefined : mockVfs(fs, vector.vfs, sentinels)
            const joined = yield* Effect.either(
              mock === undefined ? SecureJoin.secureJoin(root, unsafe) : SecureJoin.secureJoinVFS(root, unsafe, mock.vfs)
            )
            if (vector.vfsMustBeCalled === true) expect(mock?.calls.length).toBeGreaterThan(0)
            switch (vector.error) {
              case undefined: {
                expect(joined._tag).toBe("Right")
                const expected = substitute(vector.expected ?? "", place.dir)
                const got = joined._tag === "Right" ? joined.right : ""
                if (vector.hostDependent === true && target.real) {
                  expect(expectedOnHost(got)).toBe(expectedOnHost(expected))
                } else {
                  expect(got).toBe(expected)
                }
                break
              }
              case "ELOOP": {
                expect(joined._tag).toBe("Left")
                const error = joined._tag === "Left" ? joined.left : undefined
                expect(error).toBeInstanceOf(SystemError)
                expect(error).toMatchObject({ op: "SecureJoin", code: "ELOOP" })
                if (vector.errorPath !== undefined) {
                  const path = substitute(vector.errorPath, place.dir)
                  expect((error as SystemError).path).toBe(path)
                  expect((error as SystemError).message).toBe(`SecureJoin ${path}: too many levels of symbolic links`)
                }
                break
              }
              case "VFS_LSTAT_ERROR":
                expect(joined._tag === "Left" && joined.left).toBe(sentinels.lstat)
                break
              case "VFS_READLINK_ERROR":
                expect(joined._tag === "Left" && joined.left).toBe(sentinels.readlink)
                break
            }
          })
          yield* Effect.provide(run, place.layer)
        }))
    }
  })
}

describe("SecureJoin v0.2.4 details", () => {
  it.effect("passes the cleaned full path to the VFS, lstatting even empty components but never the root", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const vfs: SecureJoin.VFS<SystemError> = {
        lstat: (path) => {
          calls.push(path)
          return path === "/r/a/link"
            ? Effect.succeed({ type: "SymbolicLink" as const })
            : Effect.fail(new SystemError({ op: "lstat", path, code: "ENOENT" }))
        },
        readLink: () => Effect.succeed("../b/")
      }
      expect(yield* SecureJoin.secureJoinVFS("/r//./", "a/link/c/..", vfs)).toBe("/r/b")
      expect(calls).toEqual(["/r/a", "/r/a/link", "/r/b", "/r/b", "/r/b/c", "/r/b"])
    }))

  it.effect("hands back lstat errors other than ENOENT/ENOTDIR unchanged", () =>
    Effect.gen(function*() {
      const denied = new SystemError({ op: "lstat", path: "/r/a", code: "EACCES" })
      const vfs: SecureJoin.VFS<SystemError> = { lstat: () => Effect.fail(denied), readLink: () => Effect.succeed("") }
      expect(yield* Effect.flip(SecureJoin.secureJoinVFS("/r", "a", vfs))).toBe(denied)
      const notDir: SecureJoin.VFS<SystemError> = {
        lstat: (path) => Effect.fail(new SystemError({ op: "lstat", path, code: "ENOTDIR" })),
        readLink: () => Effect.succeed("")
      }
      expect(yield* SecureJoin.secureJoinVFS("/r", "a/b", notDir)).toBe("/r/a/b")
    }))

  it("IsNotExist is true for ENOENT and ENOTDIR however wrapped, false otherwise", () => {
    for (const code of ["ENOENT", "ENOTDIR"]) {
      expect(isNotExist(new SystemError({ op: "lstat", path: "/x", code }))).toBe(true)
      expect(isNotExist(new SystemError({ op: "rename", path: "/x", path2: "/y", code }))).toBe(true)
    }
    expect(isNotExist(new SystemError({ op: "lstat", path: "/x", code: "EACCES" }))).toBe(false)
    expect(isNotExist(new Error("plain"))).toBe(false)
  })
})
