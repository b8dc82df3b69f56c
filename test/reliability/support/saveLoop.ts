/**
 * The victim of the crash test: loads container `<id>` from `<root>` on the
 * real layer and saves its state in a loop, alternating two states that
 * differ in size (a few hundred bytes and ~200 KiB) and in `created`, so a
 * torn or mixed write cannot pass for either. Prints `ready` once the
 * first save is done (start-up and warm-up are over) and a `.` after each
 * later one; runs until it is killed.
 *
 *   node <bundle of this file> <root> <id>
 */
import * as Effect from "effect/Effect"
import * as SynchronizedRef from "effect/SynchronizedRef"
import * as Container from "../../../src/Container.js"
import * as Factory from "../../../src/Factory.js"
import * as Libcontainer from "../../../src/Libcontainer.js"
import { crashStates } from "./crashStates.js"

const [root = "", id = ""] = process.argv.slice(2)

const program = Effect.gen(function*() {
  const container = yield* Factory.load(root, id)
  const states = crashStates((yield* Container.snapshot(container)).config)
  for (let n = 0;; n++) {
    const next = states[n % 2]!
    yield* SynchronizedRef.update(container.model, (model) => ({ ...model, created: next.created, config: next.config }))
    yield* Container.saveState(container)
    process.stdout.write(n === 0 ? "ready\n" : ".")
  }
}).pipe(Effect.provide(Libcontainer.layerNode))

Effect.runPromiseExit(program).then((exit) => {
  process.stderr.write(`save loop ended: ${JSON.stringify(exit)}\n`)
  process.exit(1)
})
