/**
 * The two hosts the runtime contract runs on: this machine with real runc
 * and a busybox rootfs, and the simulated host with its simulated runc and
 * the simulated busybox applets. Each gives a fresh state root, bundles
 * whose process is what a test says, unique container ids, and `runc
 * state` as runc itself answers it (on the simulated host, its runc) — and
 * removes every container, bundle and root a test made.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Filesystem } from "../../src/Filesystem.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import { Processes } from "../../src/Processes.js"
import type * as Factory from "../../src/Factory.js"
import * as NodeHost from "../../src/node/NodeHost.js"
import type * as Runtime from "../../src/Runtime.js"
import { makeBundle } from "./runc.js"

/** An OCI spec as JSON, edited freely by tests. */
export type Spec = any // eslint-disable-line @typescript-eslint/no-explicit-any

/** What a test says about a bundle: its process, and edits to runc's default spec. */
export interface BundleSpec {
  readonly args: ReadonlyArray<string>
  /** Changes to the spec (runc's `runc spec`, terminal off) before it is written. */
  readonly edit?: (spec: Spec) => void
}

/** A host for the runtime contract; `R` is what its layer provides beyond the library's services. */
export interface RuntimeHost<R = never> {
  readonly name: string
  readonly layer: Layer.Layer<Libcontainer.AllServices | R>
  /** A fresh state root, removed when the scope closes. */
  readonly root: Effect.Effect<string, never, Scope.Scope | Libcontainer.AllServices | R>
  /** A bundle, removed when the scope closes. */
  readonly bundle: (spec: BundleSpec) => Effect.Effect<string, never, Scope.Scope | Libcontainer.AllServices | R>
  /** A container id no other test (or helper) uses. */
  readonly id: (name: string) => string
  /** Removes a container with the host's runc when the scope closes, whatever happened. */
  readonly track: (root: string, id: string) => Effect.Effect<void, never, Scope.Scope | Libcontainer.AllServices | R>
  /** The host's runtime with other options (another binary). */
  readonly runtimeWith: (options: { readonly binary: string }) => Layer.Layer<Runtime.Runtime, never, Factory.Services | R>
}

const decoder = new TextDecoder()

/**
 * `runc --root <root> state <id>` with the host's own runc (the real one, or
 * the simulated one), run through the Processes port: the status it prints,
 * or `absent` when it fails (`container does not exist`).
 */
export const runcState = (root: string, id: string) =>
  Effect.gen(function*() {
    const processes = yield* Processes
    const done = yield* Effect.orDie(processes.run({ path: "runc", args: ["runc", "--root", root, "state", id] }))
    if (done.status._tag !== "Exited" || done.status.code !== 0) return "absent"
    return JSON.parse(decoder.decode(done.stdout)).status as string
  })

/** runc's default spec (`runc spec`), as recorded. */
const runcSpec = (): Spec =>
  JSON.parse(readFileSync(new URL("../fixtures/specconv/runc-spec.json", import.meta.url), "utf8"))

const tag = `${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 6)}`
let counter = 0
const uniqueId = (name: string) => `elc-${name}-${tag}-${++counter}`

/** This machine: real runc 1.1.5, busybox bundles, roots under the temp dir. */
export const node: RuntimeHost = {
  name: "node (runc 1.1.5)",
  layer: Libcontainer.layerNode,
  root: Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "elc-runtime-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  ),
  bundle: (spec) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const dir = makeBundle({ args: spec.args })
        if (spec.edit !== undefined) {
          const path = join(dir, "config.json")
          const json = JSON.parse(readFileSync(path, "utf8"))
          spec.edit(json)
          writeFileSync(path, JSON.stringify(json))
        }
        return dir
      }),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
  id: uniqueId,
  track: (root, id) =>
    Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const args of [["resume", id], ["delete", "--force", id]]) {
          try {
            execFileSync("runc", ["--root", root, ...args], { stdio: "ignore" })
          } catch {
            // not there, or not paused: nothing to do
          }
        }
      })
    ),
  runtimeWith: (options) => NodeHost.layerRuntimeWith(options)
}

let bundles = 0
let roots = 0

/** The simulated host (hybrid cgroups, as this machine): its runc, the simulated busybox applets. */
export const memory: RuntimeHost<MemoryHost.MemoryHost> = {
  name: "memory (simulated runc)",
  layer: Layer.orDie(Libcontainer.layerMemoryWith({ cgroupMode: "hybrid" })),
  root: Effect.flatMap(Filesystem, (fs) => {
    const root = `/run/runc-test-${++roots}`
    return Effect.as(Effect.orDie(fs.makeDirectoryAll(root, 0o700)), root)
  }),
  bundle: (spec) =>
    Effect.gen(function*() {
      const fs = yield* Filesystem
      const machine = yield* MemoryHost.MemoryHost
      const dir = `/bundles/b${++bundles}`
      yield* Effect.orDie(fs.makeDirectoryAll(`${dir}/rootfs/bin`, 0o755))
      for (const sub of ["proc", "dev", "sys", "tmp"]) yield* Effect.orDie(fs.makeDirectory(`${dir}/rootfs/${sub}`, 0o755))
      for (const [name, program] of Object.entries(MemoryHost.busybox)) {
        yield* Effect.orDie(machine.programs.install(`${dir}/rootfs/bin/${name}`, program))
      }
      const json = runcSpec()
      json["process"].terminal = false
      json["process"].args = [...spec.args]
      spec.edit?.(json)
      yield* Effect.orDie(fs.writeFile(`${dir}/config.json`, new TextEncoder().encode(JSON.stringify(json))))
      return dir
    }),
  id: uniqueId,
  track: () => Effect.void,
  runtimeWith: (options) => Layer.orDie(MemoryHost.layerRuntime(options))
}
