/**
 * The layers the Filesystem suites run against, each with a scratch directory
 * of its own: the node layer (openat2, and the forced userspace resolver) in
 * a temp dir under os.tmpdir(), removed afterwards, and the memory layer in
 * a fresh simulated host.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, layer, type Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { afterAll, beforeAll } from "vitest"
import type { SystemError } from "../../src/ContainerError.js"
import * as Fs from "../../src/Filesystem.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import * as NodeHost from "../../src/node/NodeHost.js"

/** One layer under test and the umask it creates files with. */
export interface FilesystemFixture {
  readonly name: string
  readonly layer: Layer.Layer<Fs.Filesystem>
  readonly real: boolean
  readonly umask: number
  /** A fresh empty directory for one suite; `release` removes it. */
  readonly acquire: () => string
  readonly release: (dir: string) => void
}

const realDir = (prefix: string): string => realpathSync(mkdtempSync(join(tmpdir(), prefix)))

let memoryDirs = 0

/** The node layer with openat2, the node layer forced to the userspace resolver, and the memory layer. */
export const fixtures: ReadonlyArray<FilesystemFixture> = [
  {
    name: "layerNode",
    layer: NodeHost.layerFilesystem,
    real: true,
    umask: process.umask(),
    acquire: () => realDir("fs-contract-"),
    release: (dir) => rmSync(dir, { recursive: true, force: true })
  },
  {
    name: "layerNode (userspace resolver)",
    layer: NodeHost.layerFilesystemWith({ resolver: "userspace" }),
    real: true,
    umask: process.umask(),
    acquire: () => realDir("fs-contract-us-"),
    release: (dir) => rmSync(dir, { recursive: true, force: true })
  },
  {
    name: "layerMemory",
    layer: Layer.orDie(MemoryHost.layer()),
    real: false,
    umask: 0o022,
    acquire: () => `/tmp/fs-contract-${++memoryDirs}`,
    release: () => {}
  }
]

/**
 * One `describe` per fixture, named by `title`, with the fixture's layer
 * provided and a scratch directory acquired before and released after it.
 */
export const describeEachLayer = (
  title: (fixture: FilesystemFixture) => string,
  body: (it: Vitest.MethodsNonLive<Fs.Filesystem>, fixture: FilesystemFixture, base: () => string) => void
): void => {
  for (const fixture of fixtures) {
    describe(title(fixture), () => {
      let base = ""
      beforeAll(() => {
        base = fixture.acquire()
      })
      afterAll(() => fixture.release(base))
      layer(fixture.layer)((it) => body(it, fixture, () => base))
    })
  }
}

let scratchCounter = 0

/** A new empty directory under `base`, for one test. */
export const scratch = (base: string): Effect.Effect<string, SystemError, Fs.Filesystem> =>
  Effect.gen(function*() {
    const fs = yield* Fs.Filesystem
    const dir = `${base}/t${++scratchCounter}`
    yield* fs.makeDirectoryAll(dir, 0o755)
    return dir
  })

const encoder = new TextEncoder()

/** UTF-8 bytes of a string. */
export const bytes = (text: string): Uint8Array => encoder.encode(text)

/** The string of UTF-8 bytes. */
export const text = (data: Uint8Array): string => new TextDecoder().decode(data)

/** An entry of {@link build}: `dir/` a directory, `name: "text"` a file, `name: { link }` a symlink, `{ fifo }` a FIFO. */
export type TreeSpec = Readonly<Record<string, string | { readonly link: string } | { readonly fifo: true } | null>>

/**
 * Creates entries under `dir` through the Filesystem service, in order, with
 * their parents: `null` makes a directory, a string a file with that content.
 */
export const build = (dir: string, spec: TreeSpec): Effect.Effect<void, SystemError, Fs.Filesystem> =>
  Effect.gen(function*() {
    const fs = yield* Fs.Filesystem
    for (const [path, value] of Object.entries(spec)) {
      const full = `${dir}/${path}`
      const parent = full.slice(0, full.replace(/\/+$/, "").lastIndexOf("/"))
      yield* fs.makeDirectoryAll(parent, 0o755)
      if (value === null) yield* fs.makeDirectoryAll(full, 0o755)
      else if (typeof value === "string") yield* fs.writeFile(full, bytes(value))
      else if ("link" in value) yield* fs.symlink(value.link, full)
      else yield* fs.makeFifo(full, 0o644)
    }
  })
