/**
 * The long concurrency soak (docs/reliability.md, "Concurrency soak") on this host: worker processes ×
 * fibers creating, saving, loading, listing, pausing, resuming, signalling
 * and destroying containers on one root — shared with running runc
 * containers — for 60 s by default. Then: nothing lost or corrupt, no fd,
 * temp file, state dir or cgroup left behind, every failure typed.
 *
 *   npm run reliability:soak
 *   npm run reliability:soak -- --seconds 300 --workers 6 --fibers 16
 *
 * Needs root, runc and busybox-static. Writes
 * bench/results/reliability-soak.json; exits non-zero on any problem or leak.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { runNodeSoak } from "../test/soak/nodeSoak.js"
import { BenchError, machine, numberOption, writeResults } from "./support/measure.js"

const program = Effect.gen(function*() {
  const host = machine()
  const figures = yield* runNodeSoak({
    workers: numberOption("workers", 4),
    fibers: numberOption("fibers", 8),
    durationMs: numberOption("seconds", 60) * 1000,
    longLived: numberOption("containers", 3)
  })
  yield* Effect.log(JSON.stringify(figures, null, 2))
  const path = yield* writeResults("reliability-soak", { machine: host, figures }, figures.problems)
  yield* Effect.log(`wrote ${path}`)
  const leaks = figures.leakedFds + figures.leftoverTemps + figures.leftoverEntries.length + figures.leftoverCgroups.length
  if (figures.problems.length > 0 || leaks > 0) {
    return yield* new BenchError({ message: `${figures.problems.length} problem(s), ${leaks} leak(s)` })
  }
}).pipe(Effect.scoped)

NodeRuntime.runMain(program)
