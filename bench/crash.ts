/**
 * The long crash run (docs/reliability.md, "Crash safety"): children saving state in a loop are
 * SIGKILLed at random moments, 500 times by default; after every kill Load
 * must give one of the two states the child alternates between. Counts the
 * kills that landed mid-write (a temp file was left) and checks every temp
 * file goes with the next saveState.
 *
 *   npm run reliability:crash
 *   npm run reliability:crash -- --kills 2000 --parallel 2 --max-saves 3
 *
 * Writes bench/results/reliability-crash.json; exits non-zero on any failure.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { runCrashCampaign } from "../test/reliability/support/crashCampaign.js"
import { BenchError, machine, numberOption, writeResults } from "./support/measure.js"

const program = Effect.gen(function*() {
  const host = machine()
  const options = {
    kills: numberOption("kills", 500),
    parallel: numberOption("parallel", 2),
    maxSaves: numberOption("max-saves", 2)
  }
  const figures = yield* runCrashCampaign(options)
  yield* Effect.log(JSON.stringify(figures, null, 2))
  const path = yield* writeResults("reliability-crash", { machine: host, options, figures }, figures.failures)
  yield* Effect.log(`wrote ${path}`)
  if (figures.failures.length > 0 || figures.tempsAfterCleanup > 0) {
    return yield* new BenchError({ message: `${figures.failures.length} failure(s), ${figures.tempsAfterCleanup} temp file(s) left` })
  }
}).pipe(Effect.scoped)

NodeRuntime.runMain(program)
