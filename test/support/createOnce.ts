/**
 * One contender in a create race: warms up, prints `ready`, waits for a line
 * on stdin (the starting gun), calls Factory.create(root, id) on the real
 * layer and prints `ok` or the failure's tag.
 *
 *   node --import tsx test/support/createOnce.ts <root> <id>
 */
import * as Effect from "effect/Effect"
import * as Config from "../../src/Config.js"
import * as Factory from "../../src/Factory.js"
import * as Libcontainer from "../../src/Libcontainer.js"

const [root = "", id = ""] = process.argv.slice(2)

const startingGun = Effect.async<void>((resume) => {
  process.stdin.once("data", () => resume(Effect.void))
})
const config = Config.make({
  rootfs: "/",
  namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }],
  cgroups: Config.makeCgroup({ path: `/elc-race-${id}`, Resources: Config.makeResources() })
})

const program = Effect.gen(function*() {
  // Warm every code path first, so the race is decided by the syscalls alone.
  yield* Effect.ignore(Factory.load(root, id))
  process.stdout.write("ready\n")
  yield* startingGun
  return yield* Factory.create(root, id, config).pipe(
    Effect.as("ok"),
    Effect.catchAll((e) => Effect.succeed(e._tag))
  )
}).pipe(Effect.provide(Libcontainer.layerNode))

Effect.runPromise(program).then((outcome) => {
  process.stdout.write(`${outcome}\n`)
  process.stdin.destroy()
})
