/**
 * Every failure of Create, Load and the container operations is a tagged
 * error with runc's message. This example provokes them on a simulated host
 * and handles each by its tag; the handlers are exhaustive, so the compiler
 * says when a new error appears.
 *
 *   npx tsx examples/errors.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { CgroupManager, Config, Container, ContainerError, Factory, Filesystem, Libcontainer, MemoryHost } from "../src/index.js"

const root = "/run/runc"

const configFor = (id: string, fields: Partial<Config.Config> = {}) =>
  Config.make({
    rootfs: "/",
    namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }],
    cgroups: Config.makeCgroup({ path: `/${id}`, Resources: Config.makeResources() }),
    ...fields
  })

// #region create-errors
// Every error Factory.create can fail with, each turned into a sentence.
// The result's error type is `never`: all of Factory.CreateError is handled.
const createOrExplain = (
  root: string,
  id: string,
  config: Config.Config
): Effect.Effect<string, never, Factory.Services> =>
  Factory.create(root, id, config).pipe(
    Effect.as(`${id}: created`),
    Effect.catchTags({
      ErrRootNotSet: (e) => Effect.succeed(`no state root: ${e.message}`),
      ErrInvalidID: (e) => Effect.succeed(`${JSON.stringify(e.id)}: ${e.message}`),
      ConfigInvalid: (e) => Effect.succeed(`${id}: rejected by the ${e.check} check: ${e.message}`),
      ErrExist: (e) => Effect.succeed(`${id}: ${e.message}`),
      CgroupNotEmpty: (e) => Effect.succeed(`${id}: ${e.count} process(es) already in its cgroup`),
      CgroupFrozen: (e) => Effect.succeed(`${id}: ${e.message}`),
      CgroupPidsUnavailable: (e) => Effect.succeed(`${id}: ${e.message}`),
      CgroupFreezerUnavailable: (e) => Effect.succeed(`${id}: ${e.message}`),
      CgroupError: (e) => Effect.succeed(`${id}: cgroup manager: ${e.message}`),
      SystemError: (e) => Effect.succeed(`${id}: ${e.op} failed with ${e.code}: ${e.message}`)
    })
  )
// #endregion create-errors

// #region load-errors
// The same for Factory.load followed by Container.status (Factory.LoadError
// plus Container.RefreshError).
const statusOrExplain = (root: string, id: string): Effect.Effect<string, never, Factory.Services> =>
  Factory.load(root, id).pipe(
    Effect.flatMap(Container.status),
    Effect.map((status) => `${id}: ${status}`),
    Effect.catchTags({
      ErrRootNotSet: (e) => Effect.succeed(`no state root: ${e.message}`),
      ErrInvalidID: (e) => Effect.succeed(`${JSON.stringify(e.id)}: ${e.message}`),
      ErrNotExist: (e) => Effect.succeed(`${id}: ${e.message}`),
      StateCorrupt: (e) => Effect.succeed(`${id}: unusable ${e.path}: ${e.reason}`),
      CgroupError: (e) => Effect.succeed(`${id}: cgroup manager: ${e.message}`),
      SystemError: (e) => Effect.succeed(`${id}: ${e.message}`),
      StateTransitionError: (e) => Effect.succeed(`${id}: ${e.message}`),
      ErrRunning: (e) => Effect.succeed(`${id}: ${e.message}`)
    })
  )
// #endregion load-errors

// #region operation-errors
// Operations add their own errors: pause and resume refuse the wrong status,
// remove (`runc delete`) refuses a running container unless forced, and
// destroy's failures keep their own tags under runc's `unable to destroy
// container: ` (ContainerError.contextOf lists the wrapping).
const pauseOrExplain = (c: Container.Container) =>
  Container.pause(c).pipe(
    Effect.as(`${c.id}: paused`),
    Effect.catchTag("ErrNotRunning", (e) => Effect.succeed(`${c.id}: cannot pause: ${e.message}`))
  )

const removeOrExplain = (c: Container.Container) =>
  Container.remove(c).pipe(
    Effect.as(`${c.id}: deleted`),
    Effect.catchTags({
      NotStopped: (e) => Effect.succeed(`${c.id}: ${e.message} (retry with { force: true })`),
      InitStillRunning: (e) => Effect.succeed(`${c.id}: ${e.message}`),
      ErrRunning: (e) => Effect.succeed(`${c.id}: ${e.message} (kill it first)`),
      ErrPaused: (e) => Effect.succeed(`${c.id}: ${e.message} (resume it first)`),
      CgroupRemovalFailed: (e) => Effect.succeed(`${c.id}: its cgroup stays: ${e.cause.message}`),
      IntelRdtRemovalFailed: (e) => Effect.succeed(`${c.id}: its RDT group stays: ${e.cause.message}`),
      StateDirRemovalFailed: (e) => Effect.succeed(`${c.id}: its state dir stays: ${e.cause.message}`),
      HookFailed: (e) => Effect.succeed(`${c.id}: removed, but ${ContainerError.ownMessage(e)}`),
      CgroupError: (e) => Effect.succeed(`${c.id}: cgroup manager: ${e.message}`),
      SystemError: (e) => Effect.succeed(`${c.id}: ${e.message}`),
      StateTransitionError: (e) => Effect.succeed(`${c.id}: ${e.message}`)
    })
  )
// #endregion operation-errors

export const program = Effect.gen(function*() {
  const fs = yield* Filesystem.Filesystem
  const say = (line: Effect.Effect<string, never, Factory.Services>) => Effect.flatMap(line, Console.log)

  // Create
  yield* say(createOrExplain("", "a", configFor("a")))
  yield* say(createOrExplain(root, "../etc", configFor("x")))
  yield* say(createOrExplain(root, "b", configFor("b", { rootfs: "bundle/rootfs" })))
  yield* say(createOrExplain(root, "c", configFor("c", { hostname: "c.example" })))
  yield* say(createOrExplain(root, "d", configFor("d", { cgroups: null })))
  yield* say(createOrExplain(root, "e", configFor("e")))
  yield* say(createOrExplain(root, "e", configFor("e")))
  yield* fs.writeFile("/run/not-a-dir", new TextEncoder().encode(""))
  yield* say(createOrExplain("/run/not-a-dir", "f", configFor("f")))

  // A cgroup that already has a process, and one that is frozen
  const machine = yield* MemoryHost.MemoryHost
  const squatter = yield* machine.processes.spawn({ comm: "squatter" })
  yield* machine.cgroups.mkdir("/sys/fs/cgroup/busy")
  yield* machine.cgroups.addProcess("/sys/fs/cgroup/busy", squatter.pid)
  yield* say(createOrExplain(root, "busy", configFor("busy")))
  const cgroups = yield* CgroupManager.CgroupManager
  const frozen = yield* cgroups.new(Config.makeCgroup({ path: "/frozen", Resources: Config.makeResources() }))
  yield* machine.cgroups.mkdir("/sys/fs/cgroup/frozen")
  yield* frozen.freeze("FROZEN")
  yield* say(createOrExplain(root, "frozen", configFor("frozen")))

  // Load
  yield* say(statusOrExplain(root, "missing"))
  yield* say(statusOrExplain(root, "e")) // created, but no state.json saved yet
  yield* fs.makeDirectory(`${root}/null`, 0o711)
  yield* fs.writeFile(`${root}/null/state.json`, new TextEncoder().encode("null"))
  yield* say(statusOrExplain(root, "null"))
  yield* fs.makeDirectory(`${root}/fifo`, 0o711)
  yield* fs.makeFifo(`${root}/fifo/state.json`, 0o600)
  yield* say(statusOrExplain(root, "fifo"))
  yield* fs.makeDirectory(`${root}/huge`, 0o711)
  yield* fs.writeFile(`${root}/huge/state.json`, new Uint8Array(Factory.maxStateBytes + 1))
  yield* say(statusOrExplain(root, "huge"))

  // Operations
  const e = yield* Factory.create(root, "e2", configFor("e2"))
  yield* Console.log(yield* pauseOrExplain(e))
  yield* Console.log(yield* removeOrExplain(e))
})

if (process.argv[1] === import.meta.filename) {
  NodeRuntime.runMain(program.pipe(Effect.provide(Libcontainer.layerMemory)))
}
