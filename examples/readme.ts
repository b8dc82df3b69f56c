/**
 * The example of README.md's "Using it" section. The lines between the
 * region markers are that code block, word for word, except that the block
 * imports from "effect-libcontainer" where this file imports from
 * "../src/index.js"; test/docs.test.ts checks that they stay equal.
 *
 *   npx tsx examples/readme.ts      (as root: it uses /run/runc)
 */
// #region readme
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Config, Container, Factory, Libcontainer } from "../src/index.js"

export const program = Effect.gen(function*() {
  const config = Config.make({
    rootfs: "/",
    namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }],
    cgroups: Config.makeCgroup({ path: "/demo", Resources: Config.makeResources() }),
    labels: ["bundle=/var/lib/demo"]
  })
  const created = yield* Factory.create("/run/runc", "demo", config)
  yield* Container.saveState(created)
  const loaded = yield* Factory.load("/run/runc", "demo")
  yield* Console.log(yield* Container.status(loaded)) // "stopped": no init process yet
  yield* Container.destroy(loaded)
}).pipe(
  Effect.catchTag("ErrExist", () => Console.log("demo already exists"))
)

// As a script, on this host (as root, for /run/runc): npx tsx examples/readme.ts
if (process.argv[1] === import.meta.filename) {
  NodeRuntime.runMain(program.pipe(Effect.provide(Libcontainer.layerNode)))
}
// #endregion readme
