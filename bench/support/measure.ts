/**
 * Timing and reporting for the benchmarks: wall-clock samples, medians,
 * timed child processes (runc, our CLI), a description of the machine, and
 * results written as JSON under `bench/results/` for the docs and the plot.
 *
 * Absolute times on a shared machine are noisy, so every comparison is made
 * in one run, the two sides interleaved, and reported as a median ratio.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"
import { join } from "node:path"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

/** Where results go: `<name>.json` (summaries, committed) and `<name>.raw.json` (every sample, ignored by git). */
export const resultsDir = join(import.meta.dirname, "..", "results")

/** A benchmark step that could not run: a child that failed, a result that could not be written. */
export class BenchError extends Data.TaggedError("BenchError")<{ readonly message: string }> {}

/** The median of some samples (the mean of the middle two for an even count). */
export const median = (samples: ReadonlyArray<number>): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Milliseconds taken by `f`, on the monotonic clock. */
export const timeSync = (f: () => void): number => {
  const start = performance.now()
  f()
  return performance.now() - start
}

/** Milliseconds taken by an effect, with its result. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [number, A], E, R> =>
  Effect.suspend(() => {
    const start = performance.now()
    return Effect.map(effect, (a) => [performance.now() - start, a] as const)
  })

// V8 exposes `gc` to contexts made after the flag is set; the benchmark's own code never sees it otherwise
setFlagsFromString("--expose-gc")
const collect = runInNewContext("gc") as (options?: { readonly type: "minor" | "major" }) => void

/**
 * An effect timed from a collected young generation: a scavenge first,
 * outside the timing. Whatever the harness left there — runc's output read
 * back (0.4 MB at 1,000 containers), the previous measurement's garbage —
 * is then not the next measurement's to collect. Without it, the first
 * in-process measurement of each round at 1,000 ran 10–15 µs per container
 * slower than the same code measured second. A full collection instead
 * shrinks the young generation back to its initial size, and the list then
 * ran 50 % slower: not a state a long-running process is in.
 */
export const timedFromCollected = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [number, A], E, R> =>
  Effect.suspend(() => {
    collect({ type: "minor" })
    return timed(effect)
  })

/** A command to run as a child process. */
export interface Command {
  readonly file: string
  readonly args: ReadonlyArray<string>
}

/** One run of a child process. */
export interface Run {
  /** Spawn to exit, on the monotonic clock. */
  readonly wallMs: number
  /** User + system CPU time of the child (10 ms resolution: the kernel counts in clock ticks). */
  readonly cpuMs: number
  readonly stdout: string
}

/** User + system time of this process's waited-for children so far (`cutime` + `cstime` of `/proc/self/stat`). */
export const childCpuMs = (): number => {
  const stat = readFileSync("/proc/self/stat", "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // fields[0] is field 3; cutime and cstime are fields 16 and 17, in USER_HZ (100) ticks
  return (Number(fields[13]) + Number(fields[14])) * 10
}

/**
 * Runs a command to completion, failing when it exits non-zero. Output is
 * collected in memory, as a shell redirect to a file would cost about the same.
 */
export const run = (command: Command, env?: NodeJS.ProcessEnv): Effect.Effect<Run, BenchError> =>
  Effect.suspend(() => {
    const cpuBefore = childCpuMs()
    const start = performance.now()
    const result = spawnSync(command.file, command.args, {
      maxBuffer: 1 << 30,
      stdio: ["ignore", "pipe", "pipe"],
      ...(env === undefined ? {} : { env })
    })
    const wallMs = performance.now() - start
    if (result.status === 0) {
      return Effect.succeed({ wallMs, cpuMs: childCpuMs() - cpuBefore, stdout: String(result.stdout) })
    }
    const detail = result.error?.message ?? String(result.stderr).slice(0, 500)
    return Effect.fail(new BenchError({ message: `${command.file} ${command.args.join(" ")}: exit ${result.status}: ${detail}` }))
  })

/** The wall time of one {@link run}, in milliseconds. */
export const runTimed = (command: Command): Effect.Effect<number, BenchError> => Effect.map(run(command), (r) => r.wallMs)

/** `runc --root <root> list --format json`. */
export const runcList = (root: string): Command => ({ file: "runc", args: ["--root", root, "list", "--format", "json"] })

const firstLine = (file: string, args: ReadonlyArray<string>): string => {
  try {
    return execFileSync(file, [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n")[0] ?? ""
  } catch {
    return "unavailable"
  }
}

/** What the figures were measured on. */
export interface Machine {
  readonly cpu: string
  readonly cpus: number
  readonly memoryGiB: number
  readonly kernel: string
  readonly node: string
  readonly runc: string
  /** 1-, 5- and 15-minute load averages when the run started: a busy machine shows here. */
  readonly loadAverage: ReadonlyArray<number>
  readonly date: string
}

/** A description of this machine. */
export const machine = (): Machine => ({
  cpu: cpus()[0]?.model ?? "unknown",
  cpus: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
  node: process.version,
  runc: firstLine("runc", ["--version"]),
  loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  date: new Date().toISOString()
})

/** Writes `<name>.json` (the summary) and `<name>.raw.json` (the samples) under {@link resultsDir}. */
export const writeResults = (name: string, summary: unknown, raw: unknown): Effect.Effect<string, BenchError> =>
  Effect.try({
    try: () => {
      mkdirSync(resultsDir, { recursive: true })
      const path = join(resultsDir, `${name}.json`)
      writeFileSync(path, JSON.stringify(summary, null, 2) + "\n")
      writeFileSync(join(resultsDir, `${name}.raw.json`), JSON.stringify(raw) + "\n")
      return path
    },
    catch: (e) => new BenchError({ message: `writing ${name} results: ${String(e)}` })
  })

/** Reads a numeric list option such as `--n 1000,10000` from argv, or the default. */
export const listOption = (name: string, fallback: ReadonlyArray<number>): ReadonlyArray<number> => {
  const at = process.argv.indexOf(`--${name}`)
  const value = at < 0 ? undefined : process.argv[at + 1]
  if (value === undefined) return fallback
  const numbers = value.split(",").map(Number)
  return numbers.every((n) => Number.isInteger(n) && n >= 0) ? numbers : fallback
}

/** Reads a numeric option such as `--rounds 7` from argv, or the default. */
export const numberOption = (name: string, fallback: number): number => listOption(name, [fallback])[0] ?? fallback

/** A number with a fixed count of decimals, for tables. */
export const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a")

/** A plain-text table: a header row and rows, columns padded. */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? []
  return rows.map((r) => r.map((cell, i) => cell.padStart(widths[i] ?? 0)).join("  ")).join("\n")
}
