/**
 * The main job of `npm start` (`tsx src/cli/start.ts [root]`): `libcontainer
 * list` on the runc state root (default `/run/runc`) when there is one; where
 * there is none, a short demonstration on a temporary root with the real
 * layers — create a container, save its state, load it back, list it and
 * show its state through the CLI, destroy it — after which nothing is left.
 */
import * as Effect from "effect/Effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Config from "../Config.js"
import * as Container from "../Container.js"
import * as Factory from "../Factory.js"
import { Filesystem } from "../Filesystem.js"
import * as Libcontainer from "../Libcontainer.js"
import * as App from "./app.js"
import * as Stdio from "./stdio.js"

/** A fresh temporary directory, removed with everything in it when the scope closes. */
const temporaryDirectory = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (path) => Effect.sync(() => rmSync(path, { recursive: true, force: true }))
  )

const cli = (root: string, out: App.Output, ...args: ReadonlyArray<string>) =>
  App.run(["node", "libcontainer", "--root", root, ...args], out)

/**
 * Create → saveState → load → `list` and `state` → destroy, on a fresh
 * temporary root that is removed afterwards whatever happens.
 */
export const demonstrate = (out: App.Output) =>
  Effect.scoped(Effect.gen(function*() {
    const say = (text: string) => Effect.sync(() => out.stdout(`==> ${text}\n`))
    const root = yield* temporaryDirectory("libcontainer-demo-")
    const config = Config.make({
      version: Container.specVersion,
      rootfs: "/",
      namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }, { type: "NEWUTS", path: "" }],
      cgroups: Config.makeCgroup({ path: `/libcontainer-demo-${process.pid}`, Resources: Config.makeResources() }),
      labels: ["org.example.purpose=demonstration", `bundle=${root}/bundle`]
    })
    const created = yield* Factory.create(root, "demo", config)
    yield* say(`Factory.create: container "demo" in ${created.stateDir} (no init process: stopped)`)
    yield* Container.saveState(created)
    yield* say(`Container.saveState: wrote ${created.stateDir}/state.json`)
    const loaded = yield* Factory.load(root, "demo")
    yield* say(`Factory.load: status ${yield* Container.status(loaded)}`)
    yield* say(`libcontainer --root ${root} list`)
    const listed = yield* cli(root, out, "list")
    yield* say(`libcontainer --root ${root} state demo`)
    const shown = yield* cli(root, out, "state", "demo")
    out.stdout("\n")
    yield* Container.destroy(loaded)
    yield* say(`Container.destroy: ${created.stateDir} removed; the temporary root goes next`)
    return Math.max(listed, shown)
  }))

/**
 * What `npm start` does: list `root` when it exists, demonstrate otherwise.
 * Returns the exit status; failures print runc's error line.
 */
export const job = (
  root: string,
  out: App.Output
): Effect.Effect<number, never, App.Services> =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const exists = yield* fs.stat(root).pipe(Effect.as(true), Effect.orElseSucceed(() => false))
    if (exists) return yield* cli(root, out, "list")
    out.stdout(`==> no runc state root at ${root}: a demonstration on a temporary root instead\n`)
    return yield* demonstrate(out).pipe(
      Effect.catchAll((error) => Effect.sync(() => (out.stderr(App.errorLine(error.message)), 1)))
    )
  })

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]

if (invokedDirectly) {
  const out = Stdio.processOutput()
  Effect.runPromise(job(process.argv[2] ?? App.defaultRoot, out).pipe(Effect.provide(Libcontainer.layerNode))).then(
    (status) => {
      process.exitCode = status
    },
    (error: unknown) => {
      out.stderr(App.errorLine(error instanceof Error ? error.message : String(error)))
      process.exitCode = 1
    }
  )
}
