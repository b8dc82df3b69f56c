/**
 * One worker process of the real-host soak: runs the workload on
 * `Libcontainer.layerNode` and prints its report, with the process's open
 * fd count before and after, as one JSON line.
 *
 *   node <bundle of this file> '<WorkloadOptions as JSON>'
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { readdirSync } from "node:fs"
import * as Factory from "../../src/Factory.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { workload, type WorkloadOptions } from "./workload.js"

const options = JSON.parse(process.argv[2] ?? "{}") as WorkloadOptions
const openFds = () => readdirSync("/proc/self/fd").length

const program = Effect.gen(function*() {
  // Warm up first (koffi loaded, caches filled) so the fd baseline is steady.
  yield* Effect.ignore(Stream.runDrain(Factory.list(options.root)))
  const fdsBefore = openFds()
  const report = yield* workload(options)
  return { ...report, fdsBefore, fdsAfter: openFds() }
}).pipe(Effect.provide(Libcontainer.layerNode))

Effect.runPromise(program).then(
  (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
  (error: unknown) => {
    process.stderr.write(`worker failed: ${String(error)}\n`)
    process.exitCode = 1
  }
)
