/**
 * The in-process side of the RSS benchmark, run as its own process:
 * drains `Factory.list(<root>)` on the node layer, keeping nothing, and
 * prints how many entries it saw and — when run with `--expose-gc` — the
 * live heap (MB) after a full collection, which shows what the list kept.
 * Peak RSS is taken by `max-rss.mjs`.
 *
 *   node --expose-gc --import tsx --import ./bench/support/max-rss.mjs bench/support/list-child.ts <root>
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Factory from "../../src/Factory.js"
import * as Libcontainer from "../../src/Libcontainer.js"

const root = process.argv[2] ?? ""

/** The heap still in use after a full collection, in MB (NaN without `--expose-gc`). */
const liveHeapMb = (): number => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return NaN
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

const program = Stream.runCount(Factory.list(root)).pipe(
  Effect.flatMap((count) => Effect.sync(() => process.stdout.write(`${count} ${liveHeapMb()}\n`))),
  Effect.provide(Libcontainer.layerNode)
)

NodeRuntime.runMain(program)
