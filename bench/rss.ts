/**
 * Peak RSS of `list` at 1,000 and at 10,000 containers: our CLI (`list
 * --format json`, the rebuilt bundle), the library alone (`Factory.list`
 * drained in a process of its own) and, where GNU time is installed, runc.
 * Each is measured a few times and the median kept; the figure that
 * matters is the growth from the smallest to the largest root, which a
 * streaming list keeps flat (target ≤ 25 MB).
 *
 *   npm run bench:rss
 *   npm run bench:rss -- --n 1000,10000 --rounds 3
 *
 * Needs root and runc on PATH. Writes bench/results/rss.json.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { ourCli } from "./support/cli.js"
import * as Layout from "./support/layout.js"
import * as Measure from "./support/measure.js"

const projectRoot = join(import.meta.dirname, "..")
const maxRssHook = join(import.meta.dirname, "support", "max-rss.mjs")
const gnuTime = "/usr/bin/time"

/** The target of issue 17: growth from 1,000 to 10,000 containers, in MB. */
const targetGrowthMb = 25

/**
 * Peak RSS in MB of a command that runs node (our CLI as installed, its
 * shell prelude exec'ing node with the launcher's flags), through the
 * `max-rss.mjs` preload given in `NODE_OPTIONS`, and what it printed.
 */
const nodePeakMb = (command: Measure.Command, scratch: string) =>
  Effect.gen(function*() {
    const out = join(scratch, `rss-${Math.random().toString(36).slice(2)}`)
    const env = { ...process.env, ELC_BENCH_MAX_RSS: out, NODE_OPTIONS: `--import ${maxRssHook}` }
    const result = yield* Measure.run(command, env)
    const peakMb = yield* Effect.try({
      try: () => Number(readFileSync(out, "utf8")) / 1024,
      catch: () => new Measure.BenchError({ message: `${command.args.join(" ")}: no peak RSS was written` })
    })
    return { peakMb, stdout: result.stdout }
  })

/** Peak RSS in MB of runc, from GNU time's `%M`. */
const runcPeakMb = (root: string, scratch: string) =>
  Effect.gen(function*() {
    const listed = Measure.runcList(root)
    const out = join(scratch, `time-${Math.random().toString(36).slice(2)}`)
    yield* Measure.run({ file: gnuTime, args: ["-f", "%M", "-o", out, listed.file, ...listed.args] })
    return yield* Effect.try({
      try: () => Number(readFileSync(out, "utf8").trim().split("\n").pop()) / 1024,
      catch: () => new Measure.BenchError({ message: "GNU time wrote no peak RSS for runc" })
    })
  })

const program = Effect.gen(function*() {
  const sizes = Measure.listOption("n", [1000, 10000])
  const rounds = Measure.numberOption("rounds", 3)
  const host = Measure.machine()
  const cli = yield* ourCli
  const scratch = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(Layout.rootsDir, "rss-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const library = (root: string): Measure.Command => ({
    file: process.execPath,
    args: ["--expose-gc", "--import", "tsx", join(projectRoot, "bench", "support", "list-child.ts"), root]
  })
  const results = []
  for (const n of sizes) {
    const sample = yield* Effect.scoped(Effect.gen(function*() {
      const layout = yield* Layout.make(n)
      const ours: Array<number> = []
      const lib: Array<number> = []
      const live: Array<number> = []
      const theirs: Array<number> = []
      for (let r = 0; r < rounds; r++) {
        ours.push((yield* nodePeakMb(cli.command(["--root", layout.root, "list", "--format", "json"]), scratch)).peakMb)
        const drained = yield* nodePeakMb(library(layout.root), scratch)
        const [count, heap] = drained.stdout.trim().split(" ").map(Number)
        if (count !== n) return yield* new Measure.BenchError({ message: `Factory.list saw ${count} containers, not ${n}` })
        lib.push(drained.peakMb)
        live.push(heap ?? NaN)
        if (existsSync(gnuTime)) theirs.push(yield* runcPeakMb(layout.root, scratch))
      }
      return {
        n,
        cliMb: Measure.median(ours),
        libraryMb: Measure.median(lib),
        libraryLiveHeapMb: Measure.median(live),
        runcMb: theirs.length > 0 ? Measure.median(theirs) : null
      }
    }))
    results.push(sample)
  }
  const first = results[0]!
  const last = results[results.length - 1]!
  const growth = {
    from: first.n,
    to: last.n,
    cliMb: last.cliMb - first.cliMb,
    libraryMb: last.libraryMb - first.libraryMb,
    liveHeapMb: last.libraryLiveHeapMb - first.libraryLiveHeapMb,
    runcMb: last.runcMb === null || first.runcMb === null ? null : last.runcMb - first.runcMb
  }
  const mb = (v: number | null) => (v === null ? "n/a" : Measure.fixed(v))
  yield* Effect.log(
    "\n" + Measure.table([
      ["N", "ours (CLI) MB", "ours (Factory.list) MB", "live heap after list MB", "runc MB"],
      ...results.map((r) => [String(r.n), mb(r.cliMb), mb(r.libraryMb), mb(r.libraryLiveHeapMb), mb(r.runcMb)]),
      [`growth ${growth.from}→${growth.to}`, mb(growth.cliMb), mb(growth.libraryMb), mb(growth.liveHeapMb), mb(growth.runcMb)]
    ]) + `\n(target: growth ≤ ${targetGrowthMb} MB)`
  )
  const path = yield* Measure.writeResults(
    "rss",
    { machine: host, cli: cli.kind, rounds, targetGrowthMb, sizes: results, growth },
    results
  )
  yield* Effect.log(`wrote ${path}`)
})

NodeRuntime.runMain(Effect.scoped(program))
