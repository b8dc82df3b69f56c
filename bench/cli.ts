/**
 * Whole process: `libcontainer --root R list --format json` (the bundled
 * CLI, rebuilt first) against `runc --root R list --format json`, on roots of
 * N containers and on an empty one. Each round runs both, in alternating
 * order; the ratio reported is the median of the per-round ratios. Before
 * timing, both outputs are checked to list the same containers with the same
 * status and pid, so the two do the same work.
 *
 *   npm run bench:cli                                  # N = 0, 1,000, 10,000; 7 rounds
 *   npm run bench:cli -- --n 0,1000,2500,5000,10000 --rounds 5
 *
 * Needs root and runc on PATH. Writes bench/results/cli.json, which the plot
 * (scripts/plot-benchmarks.ts) draws.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { ourCli } from "./support/cli.js"
import * as Layout from "./support/layout.js"
import * as Measure from "./support/measure.js"

/** The targets of issue 17: ours/runc at 1,000 and 10,000 containers. */
const targets: Readonly<Record<number, number>> = { 1000: 1.0, 10000: 0.5 }

/** The rows `list --format json` prints, reduced to what both must agree on. */
const rowsOf = (output: string): string => {
  const parsed = JSON.parse(output) as ReadonlyArray<{ id: string; status: string; pid: number }> | null
  return JSON.stringify((parsed ?? []).map((r) => [r.id, r.status, r.pid]))
}

const rootOf = (n: number) => (n === 0 ? Effect.map(Layout.makeEmpty, (root) => ({ root })) : Layout.make(n))

const measureSize = (n: number, rounds: number, ours: (root: string) => ReturnType<typeof Measure.run>) =>
  Effect.scoped(Effect.gen(function*() {
    const { root } = yield* rootOf(n)
    const theirs = () => Measure.run(Measure.runcList(root))
    const [a, b] = [yield* theirs(), yield* ours(root)]
    if (rowsOf(a.stdout) !== rowsOf(b.stdout)) {
      return yield* new Measure.BenchError({ message: `N=${n}: our list differs from runc's` })
    }
    const samples: Array<{ readonly runc: Measure.Run; readonly ours: Measure.Run }> = []
    for (let r = 0; r < rounds; r++) {
      // alternate which goes first, so neither always runs on a cache the other warmed
      const first = r % 2 === 0 ? yield* theirs() : yield* ours(root)
      const second = r % 2 === 0 ? yield* ours(root) : yield* theirs()
      samples.push(r % 2 === 0 ? { runc: first, ours: second } : { runc: second, ours: first })
    }
    const pick = (side: "runc" | "ours", field: "wallMs" | "cpuMs") => Measure.median(samples.map((s) => s[side][field]))
    return {
      summary: {
        n,
        runcMs: pick("runc", "wallMs"),
        oursMs: pick("ours", "wallMs"),
        runcCpuMs: pick("runc", "cpuMs"),
        oursCpuMs: pick("ours", "cpuMs"),
        ratio: Measure.median(samples.map((s) => s.ours.wallMs / s.runc.wallMs)),
        ...(targets[n] === undefined ? {} : { target: targets[n] })
      },
      samples: samples.map((s) => ({ runc: [s.runc.wallMs, s.runc.cpuMs], ours: [s.ours.wallMs, s.ours.cpuMs] }))
    }
  }))

const program = Effect.gen(function*() {
  const sizes = Measure.listOption("n", [0, 1000, 10000])
  const rounds = Measure.numberOption("rounds", 7)
  const host = Measure.machine()
  const cli = yield* ourCli
  const ours = (root: string) => Measure.run(cli.command(["--root", root, "list", "--format", "json"]))
  const results = []
  for (const n of sizes) results.push(yield* measureSize(n, rounds, ours))
  yield* Effect.log(
    `\nours: ${cli.kind === "bundle" ? "bin/libcontainer.cjs" : "tsx src/cli/main.ts (bundle build failed)"}\n` +
      Measure.table([
        ["N", "runc ms", "ours ms", "ours/runc", "target", "runc cpu ms", "ours cpu ms"],
        ...results.map(({ summary: s }) => [
          String(s.n),
          Measure.fixed(s.runcMs),
          Measure.fixed(s.oursMs),
          Measure.fixed(s.ratio, 2),
          s.target === undefined ? "" : `≤ ${Measure.fixed(s.target, 1)}`,
          Measure.fixed(s.runcCpuMs, 0),
          Measure.fixed(s.oursCpuMs, 0)
        ])
      ])
  )
  const path = yield* Measure.writeResults(
    "cli",
    { machine: host, cli: cli.kind, rounds, sizes: results.map((r) => r.summary) },
    results.map((r) => ({ n: r.summary.n, samples: r.samples }))
  )
  yield* Effect.log(`wrote ${path}`)
})

NodeRuntime.runMain(program)
