/**
 * The same calls on this host (`Libcontainer.layerNode`): real files, the
 * real cgroupfs, /proc. The state root is a fresh temporary directory, so
 * the example needs no privileges and leaves /run/runc alone; pass a root to
 * use another one (`/run/runc` is where runc keeps its containers).
 *
 *   npx tsx examples/node-host.ts [root]
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Config, Container, Factory, Libcontainer } from "../src/index.js"

// #region node
// Create, save, list and destroy one container under `root` on this host.
export const programAt = (root: string) =>
  Effect.gen(function*() {
    const id = `example-${process.pid}`
    const config = Config.make({
      rootfs: "/",
      namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }],
      cgroups: Config.makeCgroup({ path: `/${id}`, Resources: Config.makeResources() }),
      labels: [`bundle=${root}/bundles/${id}`]
    })
    const container = yield* Factory.create(root, id, config)
    yield* Container.saveState(container)
    yield* Factory.list(root).pipe(
      Stream.runForEach((entry) =>
        entry._tag === "Loaded"
          ? Effect.flatMap(Container.lastStatus(entry.container), (status) =>
            Console.log(entry.id, status, entry.container.stateDir))
          : Console.log(entry.id, entry.error.message)
      )
    )
    yield* Container.destroy(container)
  })

// A temporary root for the duration of the program, removed afterwards.
const temporaryRoot = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "libcontainer-example-"))),
  (root) => Effect.sync(() => rmSync(root, { recursive: true, force: true }))
)

export const program = Effect.scoped(Effect.flatMap(temporaryRoot, programAt))

if (process.argv[1] === import.meta.filename) {
  const root = process.argv[2]
  NodeRuntime.runMain(
    (root === undefined ? program : programAt(root)).pipe(Effect.provide(Libcontainer.layerNode))
  )
}
// #endregion node
