/**
 * In-process cost per container of `Factory.list` and `Factory.load` on the
 * node layer, against runc 1.1.5's: `runc list` of the same root minus
 * `runc list` of an empty root, divided by N. `Factory.list` is timed twice
 * per round: drained (`Stream.runDrain`, the list's own cost) and consumed
 * with an effect per entry reading its status (`Container.lastStatus`, what a
 * caller that looks at each container adds). Rounds interleave runc and us;
 * the ratio reported is the median of the per-round ratios. Each of our
 * measurements starts from a scavenged young generation
 * (`Measure.timedFromCollected`), so none collects the garbage of the runc
 * runs before it.
 *
 * Before the rounds, whatever N, the process lists at least `--warmup`
 * containers (20,000 by default): an in-process cost is a long-running
 * process's, whose list code V8 has optimised. With a fixed number of
 * warm-up lists instead, the rows of 1,000 (run first) were timed while V8
 * was still compiling and the rows of 10,000 were not — the same code
 * looked slower per container at 1,000. `--warmup 0` times from the first
 * lists (the older method, for comparison).
 *
 *   npm run bench:list                       # N = 1,000 and 10,000, 7 rounds
 *   npm run bench:list -- --n 500 --rounds 3
 *   npm run bench:list -- --warmup 0
 *
 * Needs root (the layout makes a freezer cgroup) and runc on PATH. Writes
 * bench/results/list.json.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Container from "../src/Container.js"
import * as Factory from "../src/Factory.js"
import { parseExact } from "../src/internal/json/GoJson.js"
import * as Libcontainer from "../src/Libcontainer.js"
import * as State from "../src/State.js"
import * as Layout from "./support/layout.js"
import * as Measure from "./support/measure.js"

/** How many containers of each status one list saw. */
const listOnce = (root: string) =>
  Stream.runFoldEffect(Factory.list(root), { running: 0, stopped: 0, other: 0, failed: 0 }, (counts, entry) => {
    if (entry._tag === "Failed") return Effect.succeed({ ...counts, failed: counts.failed + 1 })
    return Effect.map(Container.lastStatus(entry.container), (status) =>
      status === "running" || status === "stopped"
        ? { ...counts, [status]: counts[status] + 1 }
        : { ...counts, other: counts.other + 1 })
  }).pipe(Effect.mapError((e) => new Measure.BenchError({ message: `Factory.list: ${e.message}` })))

/** `Factory.list` drained, nothing done per entry (the statuses were checked before timing). */
const drainOnce = (root: string) =>
  Stream.runDrain(Factory.list(root)).pipe(
    Effect.mapError((e) => new Measure.BenchError({ message: `Factory.list: ${e.message}` }))
  )

const loadAll = (layout: Layout.Layout) =>
  Effect.forEach(layout.ids, (id) => Factory.load(layout.root, id), { discard: true }).pipe(
    Effect.mapError((e) => new Measure.BenchError({ message: `Factory.load: ${e.message}` }))
  )

/**
 * Where a state.json's decoding goes, per container in µs: `State.decodeJson`
 * of the bytes; V8's `JSON.parse` of the same text (UTF-8 included), the
 * floor of its fast path; and Go's scanner (`parseExact`), what a file the
 * guard sends to the exact path pays before decoding. Medians of a few
 * passes over every file of the root (`npm run bench:decode` for one file).
 */
const decodeBreakdown = (layout: Layout.Layout, passes: number) =>
  Effect.sync(() => {
    const files = layout.ids.map((id) => readFileSync(join(layout.root, id, State.stateFilename)))
    const texts = files.map((f) => f.toString("utf8"))
    const per = (f: () => void) => {
      const samples: Array<number> = []
      for (let p = 0; p < passes; p++) samples.push((Measure.timeSync(f) * 1000) / files.length)
      return Measure.median(samples)
    }
    return {
      decodeJsonUs: per(() => files.forEach((f) => State.decodeJson(f))),
      nativeJsonParseUs: per(() => files.forEach((f) => JSON.parse(f.toString("utf8")))),
      exactParseUs: per(() => texts.forEach((t) => parseExact(t)))
    }
  })

/** One round's figures, in milliseconds. */
interface Round {
  readonly runcN: number
  readonly runcEmpty: number
  readonly drained: number
  readonly list: number
  readonly load: number
}

const measureSize = (n: number, rounds: number, warmup: number, empty: string) =>
  Effect.scoped(Effect.gen(function*() {
    const layout = yield* Layout.make(n)
    const counts = yield* listOnce(layout.root)
    if (counts.failed > 0 || counts.other > 0 || counts.running !== layout.live) {
      return yield* new Measure.BenchError({ message: `unexpected statuses at N=${n}: ${JSON.stringify(counts)}` })
    }
    yield* Measure.runTimed(Measure.runcList(layout.root))
    yield* loadAll(layout)
    for (let listed = 0; n > 0 && listed < warmup; listed += 2 * n) {
      yield* drainOnce(layout.root)
      yield* listOnce(layout.root)
    }
    const samples: Array<Round> = []
    for (let r = 0; r < rounds; r++) {
      const runcN = yield* Measure.runTimed(Measure.runcList(layout.root))
      const runcEmpty = yield* Measure.runTimed(Measure.runcList(empty))
      const [drained] = yield* Measure.timedFromCollected(drainOnce(layout.root))
      const [list] = yield* Measure.timedFromCollected(listOnce(layout.root))
      const [load] = yield* Measure.timedFromCollected(loadAll(layout))
      samples.push({ runcN, runcEmpty, drained, list, load })
      yield* Effect.logDebug(`N=${n} round ${r + 1}/${rounds}`)
    }
    const decoding = yield* decodeBreakdown(layout, 5)
    const perContainer = (ms: number) => (ms * 1000) / n
    const runcPer = samples.map((s) => perContainer(s.runcN - s.runcEmpty))
    const ratio = (pick: (s: Round) => number) => Measure.median(samples.map((s, i) => perContainer(pick(s)) / runcPer[i]!))
    return {
      summary: {
        n,
        runc: { perContainerUs: Measure.median(runcPer), listMs: Measure.median(samples.map((s) => s.runcN)), emptyMs: Measure.median(samples.map((s) => s.runcEmpty)) },
        drained: { perContainerUs: Measure.median(samples.map((s) => perContainer(s.drained))), ratio: ratio((s) => s.drained) },
        list: { perContainerUs: Measure.median(samples.map((s) => perContainer(s.list))), ratio: ratio((s) => s.list) },
        load: { perContainerUs: Measure.median(samples.map((s) => perContainer(s.load))), ratio: ratio((s) => s.load) },
        decoding
      },
      samples
    }
  }))

const program = Effect.gen(function*() {
  const sizes = Measure.listOption("n", [1000, 10000])
  const rounds = Measure.numberOption("rounds", 7)
  const warmup = Measure.numberOption("warmup", 20000)
  const host = Measure.machine()
  const empty = yield* Layout.makeEmpty
  const results = []
  for (const n of sizes) results.push(yield* measureSize(n, rounds, warmup, empty))
  const rows = results.map(({ summary: s }) => [
    String(s.n),
    Measure.fixed(s.runc.perContainerUs),
    Measure.fixed(s.drained.perContainerUs),
    Measure.fixed(s.drained.ratio, 2),
    Measure.fixed(s.list.perContainerUs),
    Measure.fixed(s.list.ratio, 2),
    Measure.fixed(s.load.perContainerUs),
    Measure.fixed(s.load.ratio, 2)
  ])
  const decoding = results.map(({ summary: s }) => [
    String(s.n),
    Measure.fixed(s.decoding.decodeJsonUs),
    Measure.fixed(s.decoding.nativeJsonParseUs),
    Measure.fixed(s.decoding.exactParseUs)
  ])
  yield* Effect.log(
    "\n" + Measure.table([
        ["N", "runc µs/ctr", "drained µs/ctr", "drained/runc", "+status µs/ctr", "+status/runc", "load µs/ctr", "load/runc"],
        ...rows
      ]) +
      "\n(target: list/runc ≤ 0.4; drained: Stream.runDrain(Factory.list); +status: an effect per entry reading its status)\n\nstate.json decoding, µs per container:\n" +
      Measure.table([["N", "State.decodeJson", "utf-8 + JSON.parse", "(exact path's parse)"], ...decoding])
  )
  const path = yield* Measure.writeResults(
    "list",
    { machine: host, rounds, warmup, target: 0.4, sizes: results.map((r) => r.summary) },
    results.map((r) => ({ n: r.summary.n, samples: r.samples }))
  )
  yield* Effect.log(`wrote ${path}`)
}).pipe(Effect.scoped, Effect.provide(Libcontainer.layerNode))

NodeRuntime.runMain(program)
