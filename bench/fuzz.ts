/**
 * The long fuzzing run (docs/reliability.md, "Fuzzing"): every target of `test/fuzz/targets.ts`
 * (state.json, config JSON, ids, mountinfo, `/proc/<pid>/stat`, cgroup
 * files) with its share of over 100,000 generated inputs. The property is
 * the same for all: a value or a typed failure, never a throw or a defect.
 *
 *   npm run reliability:fuzz                   # 105,000 inputs
 *   npm run reliability:fuzz -- --scale 2 --seed 42
 *
 * Writes bench/results/reliability-fuzz.json; exits non-zero on a
 * counterexample (printed, with the seed and path to replay it).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { targets } from "../test/fuzz/targets.js"
import { BenchError, fixed, machine, numberOption, table, writeResults } from "./support/measure.js"

const program = Effect.gen(function*() {
  const scale = numberOption("scale", 1)
  const seed = numberOption("seed", Date.now() % 2 ** 31)
  const host = machine()
  const rows: Array<{ name: string; inputs: number; ms: number; failure?: string }> = []
  for (const { benchRuns, target } of targets) {
    const runs = Math.max(1, Math.round(benchRuns * scale))
    const started = performance.now()
    const details = target.run(runs, seed)
    const ms = performance.now() - started
    const failure = details.failed
      ? `seed ${details.seed}, path ${details.counterexamplePath}: ${String(details.errorInstance)} on ${
        JSON.stringify(details.counterexample).slice(0, 500)
      }`
      : undefined
    rows.push({ name: target.name, inputs: details.numRuns, ms, ...(failure === undefined ? {} : { failure }) })
    yield* Effect.log(`${target.name}: ${details.numRuns} inputs in ${fixed(ms / 1000)} s${failure === undefined ? "" : ` FAILED ${failure}`}`)
  }
  const total = rows.reduce((n, r) => n + r.inputs, 0)
  const seconds = rows.reduce((n, r) => n + r.ms, 0) / 1000
  yield* Effect.log(
    "\n" + table([
      ["target", "inputs", "seconds", "failures"],
      ...rows.map((r) => [r.name, String(r.inputs), fixed(r.ms / 1000), r.failure === undefined ? "0" : "1"]),
      ["total", String(total), fixed(seconds), String(rows.filter((r) => r.failure !== undefined).length)]
    ])
  )
  const path = yield* writeResults("reliability-fuzz", { machine: host, seed, totalInputs: total, seconds, targets: rows }, rows)
  yield* Effect.log(`wrote ${path}`)
  const failed = rows.filter((r) => r.failure !== undefined)
  if (failed.length > 0) return yield* new BenchError({ message: `${failed.length} target(s) found a counterexample` })
})

NodeRuntime.runMain(program)
