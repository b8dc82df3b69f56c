/**
 * The two hosts the factory suites run on: this machine, with a fresh temp
 * dir as the state root, and a fresh simulated host.
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Filesystem } from "../../src/Filesystem.js"
import * as Libcontainer from "../../src/Libcontainer.js"

/** A host to run a suite on. */
export interface TestHost {
  readonly name: string
  /** Every service, fresh for each test on the memory host. */
  readonly layer: Layer.Layer<Libcontainer.AllServices>
  /** A state root of its own for one test, removed afterwards. */
  readonly root: Effect.Effect<string, never, Scope.Scope | Filesystem>
  /** How many runs a property gets here (real I/O costs more). */
  readonly propertyRuns: number
}

/** This machine: real files, cgroups and processes; roots under the temp dir. */
export const node: TestHost = {
  name: "node",
  layer: Libcontainer.layerNode,
  root: Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "elc-factory-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  ),
  propertyRuns: 15
}

let counter = 0

/** A simulated host (cgroup v2, no resctrl); each test builds its own. */
export const memory: TestHost = {
  name: "memory",
  layer: Libcontainer.layerMemory,
  root: Effect.flatMap(Filesystem, (fs) => {
    const root = `/run/test-root-${++counter}`
    return Effect.as(Effect.orDie(fs.makeDirectoryAll(root, 0o755)), root)
  }),
  propertyRuns: 60
}

export const hosts: ReadonlyArray<TestHost> = [node, memory]
