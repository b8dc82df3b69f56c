/**
 * Decoding one state.json, and the byte-order sort of a listing, in µs:
 *
 * - `State.decodeJson` of the 6 KB state.json runc 1.1.5 wrote for a running
 *   container (`test/fixtures/runc-1.1.5/running.json`), as bytes — the
 *   compact scan it takes (`GoScan.ts`); the same bytes through the tree
 *   path (`JSON.parse` behind the guard, what a file the scan stops at
 *   pays) and through the exact path (Go's scanner, what a file the guard
 *   refuses pays); and, for scale, UTF-8 plus V8's `JSON.parse` of them,
 *   which cannot keep a uint64;
 * - sorting 10,000 container ids by their UTF-8 bytes with `compareBytes`,
 *   against encoding both strings with `Buffer.from` at each comparison (how
 *   it was done before).
 *
 * Each figure is the median of rounds of many calls, the candidates
 * interleaved round by round.
 *
 *   npm run bench:decode
 *   npm run bench:decode -- --rounds 31
 *
 * Writes bench/results/decode.json; the numbers go to docs/benchmarks.md, "Decoding".
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { compareBytes } from "../src/internal/byteOrder.js"
import { decodeText } from "../src/internal/json/GoDecoder.js"
import { decoderOf } from "../src/internal/json/GoSchema.js"
import * as State from "../src/State.js"
import * as Measure from "./support/measure.js"

const fixture = join(import.meta.dirname, "..", "test", "fixtures", "runc-1.1.5", "running.json")

/** µs per call of each candidate: `rounds` rounds of `calls` calls, candidates interleaved, medians. */
const compare = (
  candidates: Record<string, () => unknown>,
  calls: number,
  rounds: number
): { readonly medians: Record<string, number>; readonly samples: Record<string, ReadonlyArray<number>> } => {
  const names = Object.keys(candidates)
  const samples: Record<string, Array<number>> = Object.fromEntries(names.map((n) => [n, []]))
  let sink = 0
  for (let r = -2; r < rounds; r++) {
    for (const name of names) {
      const f = candidates[name]!
      const ms = Measure.timeSync(() => {
        for (let i = 0; i < calls; i++) sink += f() === undefined ? 0 : 1
      })
      // the first two rounds warm the JIT up
      if (r >= 0) samples[name]!.push((ms * 1000) / calls)
    }
  }
  if (sink < 0) throw new Error("unreachable")
  return { medians: Object.fromEntries(names.map((n) => [n, Measure.median(samples[n]!)])), samples }
}

/** Container ids as runc's users name them: letters, digits, dashes, some long. */
const ids = (n: number): Array<string> => {
  let seed = 1
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648)
  return Array.from({ length: n }, (_, i) => `ctr-${(next() % 100000).toString(36)}-${i % 7 === 0 ? next().toString(16) : ""}${i}`)
}

const bufferCompare = (a: string, b: string): number => (a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b)))

const program = Effect.gen(function*() {
  const rounds = Measure.numberOption("rounds", 15)
  const bytes = readFileSync(fixture)
  const decoder = decoderOf(State.State)
  const decoding = compare({
    "State.decodeJson": () => State.decodeJson(bytes),
    "tree path": () => decodeText(decoder, bytes, "State", "tree"),
    "exact path": () => decodeText(decoder, bytes, "State", "exact"),
    "UTF-8 + JSON.parse": () => JSON.parse(bytes.toString("utf8"))
  }, 2000, rounds)
  const names = ids(10_000)
  const sorting = compare({
    "compareBytes": () => [...names].sort(compareBytes),
    "Buffer.compare": () => [...names].sort(bufferCompare)
  }, 3, rounds)
  const d = decoding.medians
  const s = sorting.medians
  yield* Effect.log(
    "\n" +
      Measure.table([
        ["running.json (6 KB), µs", "State.decodeJson", "tree path", "exact path", "UTF-8 + JSON.parse"],
        [
          "",
          Measure.fixed(d["State.decodeJson"]!),
          Measure.fixed(d["tree path"]!),
          Measure.fixed(d["exact path"]!),
          Measure.fixed(d["UTF-8 + JSON.parse"]!)
        ]
      ]) + "\n\n" +
      Measure.table([
        ["sort of 10,000 ids, ms", "compareBytes", "Buffer.compare"],
        ["", Measure.fixed(s["compareBytes"]! / 1000, 2), Measure.fixed(s["Buffer.compare"]! / 1000, 2)]
      ])
  )
  const path = yield* Measure.writeResults(
    "decode",
    {
      machine: Measure.machine(),
      rounds,
      stateJsonBytes: bytes.length,
      decodeUs: d,
      sortOf10kIdsMs: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v / 1000]))
    },
    { decoding: decoding.samples, sorting: sorting.samples }
  )
  yield* Effect.log(`wrote ${path}`)
})

NodeRuntime.runMain(program)
