/**
 * The life of one container on a simulated host: create it, stand in for
 * runc's init process, save and load it, list the root, read its status and
 * state, pause, resume and signal it, and delete it.
 *
 *   npx tsx examples/lifecycle.ts
 *
 * docs/guide.md shows this file region by region; test/examples.test.ts runs
 * `program` and compares what it prints with the guide.
 */
// #region imports
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Config, Container, Factory, Filesystem, Libcontainer, MemoryHost, Signal, State } from "../src/index.js"

const root = "/run/runc" // inside the simulated host: the real /run/runc is not touched
// #endregion imports

// #region create
const config = Config.make({
  rootfs: "/",
  namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }],
  cgroups: Config.makeCgroup({ path: "/web", Resources: Config.makeResources() }),
  labels: ["bundle=/srv/web", "team=payments"]
})

const create = Effect.gen(function*() {
  const web = yield* Factory.create(root, "web", config)
  yield* Console.log(web.stateDir, yield* Container.status(web)) // /run/runc/web stopped
  yield* Container.saveState(web) // writes /run/runc/web/state.json
  return web
})
// #endregion create

// #region start
// This example shows the state model alone, so it plays runc's part itself:
// an init process in the container's cgroup, recorded in state.json.
// (`Runtime.create` and `Runtime.start` do it from a bundle: examples/run-container.ts.)
const startOnSimulatedHost = (container: Container.Container) =>
  Effect.gen(function*() {
    const machine = yield* MemoryHost.MemoryHost
    const init = yield* machine.processes.spawn({ comm: "sleep", namespaceInit: true })
    for (const path of Object.values(yield* container.cgroupManager.getPaths)) {
      yield* machine.cgroups.mkdir(path)
      yield* machine.cgroups.addProcess(path, init.pid)
    }
    const saved = yield* Container.state(container)
    const text = yield* State.encodeJson({
      ...saved,
      init_process_pid: init.pid,
      init_process_start: init.startTime,
      created: "2024-05-01T10:00:00Z"
    })
    const fs = yield* Filesystem.Filesystem
    yield* fs.writeFileAtomic(container.stateDir, State.stateFilename, new TextEncoder().encode(text), {
      mode: 0o600
    })
  })
// #endregion start

// #region load
const inspect = Effect.gen(function*() {
  const web = yield* Factory.load(root, "web")
  yield* Console.log(yield* Container.status(web)) // refreshed from the host
  yield* Console.log(Container.formatOciState(yield* Container.ociState(web))) // as `runc state web`
  yield* Console.log("pids:", (yield* Container.processes(web)).join(" "))
  return web
})
// #endregion load

// #region list
const list = Factory.list(root).pipe(
  Stream.runForEach((entry) =>
    entry._tag === "Loaded"
      ? Effect.flatMap(Container.lastStatus(entry.container), (status) => Console.log(entry.id, status))
      : Console.log(entry.id, "cannot be loaded:", entry.error.message)
  )
)
// #endregion list

// #region operations
const operate = (web: Container.Container) =>
  Effect.gen(function*() {
    yield* Container.pause(web) // freezes the cgroup
    yield* Console.log(yield* Container.status(web)) // paused
    yield* Container.resume(web)
    yield* Container.signal(web, Signal.SIGTERM) // a PID namespace's init ignores it: no handler
    yield* Console.log(yield* Container.status(web)) // running
    yield* Container.signal(web, Signal.SIGKILL)
    yield* Console.log(yield* Container.status(web)) // stopped
  })
// #endregion operations

// #region delete
const remove = (web: Container.Container) =>
  Effect.gen(function*() {
    yield* Container.remove(web) // runc delete: a stopped container is destroyed
    yield* Factory.load(root, "web").pipe(
      Effect.catchTag("ErrNotExist", (error) => Console.log("web:", error.message))
    )
  })
// #endregion delete

// #region program
export const program = Effect.gen(function*() {
  const created = yield* create
  yield* startOnSimulatedHost(created)
  const web = yield* inspect
  const fs = yield* Filesystem.Filesystem
  yield* fs.makeDirectory(`${root}/half-made`, 0o711) // a state dir without state.json
  yield* list
  yield* operate(web)
  yield* remove(web)
})

if (process.argv[1] === import.meta.filename) {
  NodeRuntime.runMain(program.pipe(Effect.provide(Libcontainer.layerMemory)))
}
// #endregion program
