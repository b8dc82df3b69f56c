/**
 * From a bundle to a running container and back: create it with the
 * runtime, start it, exec a command in it, stop it and delete it. The same
 * `lifecycle` runs on the simulated host (its simulated runc, the default
 * here) and on this machine with real runc:
 *
 *   npx tsx examples/run-container.ts                      # simulated host
 *   sudo npx tsx examples/run-container.ts /path/to/bundle  # this host, runc 1.1.x
 *
 * docs/guide.md shows this file region by region; test/examples.test.ts runs
 * `program`, compares what it prints with the guide, and runs `onThisHost`
 * with a busybox bundle where runc and root are there.
 */
// #region imports
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Container, Filesystem, Libcontainer, MemoryHost, Runtime, Signal } from "../src/index.js"
// #endregion imports

// #region lifecycle
/** Runs a container of `bundle` in `root` from creation to deletion, printing what it sees. */
export const lifecycle = (root: string, id: string, bundle: string, scratch: string) =>
  Effect.gen(function*() {
    const web = yield* Runtime.create(root, id, { bundle }) // `runc create`: init waits on exec.fifo
    yield* Console.log("created:", yield* Container.status(web))
    yield* Runtime.start(web) // native: opens exec.fifo, reads init's byte
    yield* Console.log("started:", yield* Container.status(web))

    const out = `${scratch}/exec.out` // output goes to a file, never to a pipe the library would wait on
    const exec = yield* Runtime.exec(web, { args: ["sh", "-c", "echo hello from $NAME; exit 3"], env: [`NAME=${id}`] }, {
      stdio: { stdout: { file: out } }
    })
    const fs = yield* Filesystem.Filesystem
    const printed = new TextDecoder().decode(yield* fs.readFile(out)).trim()
    yield* Console.log("exec:", printed, `(exit code ${exec.exitCode})`)

    yield* Container.signal(web, Signal.SIGKILL) // the library's own kill, as `runc kill`
    while ((yield* Container.status(web)) !== "stopped") yield* Effect.sleep("10 millis")
    yield* Console.log("killed:", yield* Container.status(web))
    yield* Runtime.delete(web) // native: `runc delete`
    const gone = yield* Effect.flip(Runtime.start({ root, id }))
    yield* Console.log("deleted:", gone.message)
  })
// #endregion lifecycle

// #region simulated
/** A bundle on the simulated host: busybox applets in `rootfs/bin`, a `config.json` running `sleep`. */
const simulatedBundle = Effect.gen(function*() {
  const machine = yield* MemoryHost.MemoryHost
  const fs = yield* Filesystem.Filesystem
  const bundle = "/srv/web"
  yield* fs.makeDirectoryAll(`${bundle}/rootfs/bin`, 0o755)
  for (const [name, applet] of Object.entries(MemoryHost.busybox)) {
    yield* machine.programs.install(`${bundle}/rootfs/bin/${name}`, applet)
  }
  const spec = {
    ociVersion: "1.0.2-dev",
    process: { user: { uid: 0, gid: 0 }, args: ["sleep", "1000"], env: ["PATH=/bin"], cwd: "/" },
    root: { path: "rootfs" },
    linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "ipc" }, { type: "uts" }, { type: "network" }] }
  }
  yield* fs.writeFile(`${bundle}/config.json`, new TextEncoder().encode(JSON.stringify(spec)))
  yield* fs.makeDirectoryAll("/tmp", 0o1777)
  return bundle
})

export const program = Effect.flatMap(simulatedBundle, (bundle) => lifecycle("/run/runc", "web", bundle, "/tmp"))
// #endregion simulated

// #region this-host
/** The same life with real runc: a bundle made with `runc spec` and a busybox rootfs, a root of its own. */
export const onThisHost = (bundle: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "libcontainer-example-"))),
    (scratch) => lifecycle(`${scratch}/root`, `web-${process.pid}`, bundle, scratch),
    (scratch) => Effect.sync(() => rmSync(scratch, { recursive: true, force: true }))
  ).pipe(Effect.provide(Libcontainer.layerNode))

if (process.argv[1] === import.meta.filename) {
  const bundle = process.argv[2]
  if (bundle !== undefined) readFileSync(join(bundle, "config.json")) // fails early on a path without a bundle
  NodeRuntime.runMain(bundle === undefined ? program.pipe(Effect.provide(Libcontainer.layerMemory)) : onThisHost(bundle))
}
// #endregion this-host
