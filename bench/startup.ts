/**
 * Start-up of the `libcontainer` CLI: `libcontainer --root <empty> list`
 * run as a user runs it — `bin/libcontainer.cjs` executed, rebuilt first
 * from src: its shell prelude, then node on the launcher, which runs the
 * esbuild bundle through V8's code cache — against `runc --root <empty> list`, the
 * same bundle without the code cache, the unbundled source through tsx, and
 * a bare `node -e 0` for the floor every Node program pays. `--version`
 * shows what answering before the library loads costs (help and usage
 * errors take the same path).
 * Hyperfine-like: warm-up runs, then rounds that run each command once in
 * turn, reporting mean ± σ, min and median of the wall time, and the CPU
 * time (user + system) of the child.
 *
 *   npm run bench:startup                   # 3 warm-ups, 20 rounds
 *   npm run bench:startup -- --rounds 50
 *   npm run bench:startup -- --profile      # also: where the bundle's start-up goes (node --cpu-prof)
 *
 * Writes bench/results/startup.json; the numbers go to docs/benchmarks.md, "Start-up".
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildCli, defaultOutdir, executableIn } from "../scripts/build-cli.js"
import { BenchError, fixed, machine, median, numberOption, table, writeResults } from "./support/measure.js"

const projectRoot = join(import.meta.dirname, "..")

interface Subject {
  readonly name: string
  readonly file: string
  readonly args: ReadonlyArray<string>
}

interface Sample {
  readonly wallMs: number
  readonly cpuMs: number
}

/** User + system time of this process's waited-for children so far (`cutime` + `cstime` of `/proc/self/stat`). */
const childCpuMs = (): number => {
  const stat = readFileSync("/proc/self/stat", "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // fields[0] is field 3 (state): cutime is field 16, cstime field 17
  const ticks = Number(fields[13]) + Number(fields[14])
  return ticks * 10 // USER_HZ is 100 on Linux
}

const runOnce = (subject: Subject): Effect.Effect<Sample, BenchError> =>
  Effect.suspend(() => {
    const cpuBefore = childCpuMs()
    const start = performance.now()
    const result = spawnSync(subject.file, [...subject.args], { stdio: ["ignore", "pipe", "pipe"] })
    const wallMs = performance.now() - start
    if (result.status !== 0) {
      const detail = result.error?.message ?? String(result.stderr).slice(0, 300)
      return Effect.fail(new BenchError({ message: `${subject.name}: exit ${result.status}: ${detail}` }))
    }
    return Effect.succeed({ wallMs, cpuMs: childCpuMs() - cpuBefore })
  })

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
const stddev = (xs: ReadonlyArray<number>) => {
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1))
}

/** Whether a run of the bundle loads koffi (it should not for an empty root). */
const loadsKoffi = (bundle: string, root: string): boolean => {
  const r = spawnSync(process.execPath, [bundle, "--root", root, "list"], {
    env: { ...process.env, NODE_DEBUG: "module" },
    encoding: "utf8"
  })
  return /Module\._load REQUEST koffi/.test(r.stderr)
}

/**
 * Self time of one `node --cpu-prof` run of the bundle, by kind: compiling
 * source, garbage collection, the bundle's own code (module top levels and
 * the program), and Node's internals (bootstrap, loaders).
 */
const profile = (bundle: string, root: string): Record<string, number> => {
  const dir = mkdtempSync(join(tmpdir(), "elc-startup-prof-"))
  try {
    spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, bundle, "--root", root, "list"], { stdio: "ignore" })
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"))
    if (file === undefined) return {}
    const prof = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>
      samples: Array<number>
      timeDeltas: Array<number>
    }
    const byId = new Map(prof.nodes.map((n) => [n.id, n]))
    const kinds: Record<string, number> = {}
    prof.samples.forEach((id, i) => {
      const frame = byId.get(id)?.callFrame
      const fn = frame?.functionName ?? ""
      const kind = fn === "(garbage collector)"
        ? "garbage collection"
        : fn.startsWith("compile") || fn === "wrapSafe"
        ? "compiling source"
        : fn === "(idle)" || fn === "(program)"
        ? "idle / native"
        : frame !== undefined && /libcontainer-(main|app)\.cjs$/.test(frame.url)
        ? "bundle code"
        : "node internals"
      kinds[kind] = (kinds[kind] ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000
    })
    return kinds
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const program = Effect.gen(function*() {
  const rounds = numberOption("rounds", 20)
  const warmups = numberOption("warmups", 3)
  const built = yield* Effect.tryPromise({
    try: () => buildCli(defaultOutdir),
    catch: (e) => new BenchError({ message: `building the bundle: ${String(e)}` })
  })
  const executable = executableIn(defaultOutdir)
  const bundle = join(defaultOutdir, "libcontainer-main.cjs")
  const root = mkdtempSync(join(tmpdir(), "elc-startup-root-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(root, { recursive: true, force: true })))
  const subjects: ReadonlyArray<Subject> = [
    { name: "runc list", file: "runc", args: ["--root", root, "list"] },
    { name: "libcontainer list (bin/, as installed)", file: executable, args: ["--root", root, "list"] },
    { name: "libcontainer --version (bin/, as installed)", file: executable, args: ["--version"] },
    { name: "libcontainer list (bundle, no code cache)", file: process.execPath, args: [bundle, "--root", root, "list"] },
    {
      name: "libcontainer list (tsx, unbundled)",
      file: join(projectRoot, "node_modules/.bin/tsx"),
      args: [join(projectRoot, "src/cli/main.ts"), "--root", root, "list"]
    },
    { name: "node -e 0", file: process.execPath, args: ["-e", "0"] }
  ]
  for (let i = 0; i < warmups; i++) for (const s of subjects) yield* runOnce(s)
  const samples = new Map<string, Array<Sample>>(subjects.map((s) => [s.name, []]))
  for (let round = 0; round < rounds; round++) {
    // rotate the order so no command always runs right after another
    for (let k = 0; k < subjects.length; k++) {
      const subject = subjects[(round + k) % subjects.length]!
      samples.get(subject.name)!.push(yield* runOnce(subject))
    }
  }
  const runcMedian = median(samples.get("runc list")!.map((s) => s.wallMs))
  const summary = subjects.map((s) => {
    const wall = samples.get(s.name)!.map((x) => x.wallMs)
    const cpu = samples.get(s.name)!.map((x) => x.cpuMs)
    return {
      command: s.name,
      meanMs: mean(wall),
      stddevMs: stddev(wall),
      minMs: Math.min(...wall),
      medianMs: median(wall),
      cpuMeanMs: mean(cpu),
      vsRunc: median(wall) / runcMedian
    }
  })
  const koffi = loadsKoffi(executable, root)
  const profiled = process.argv.includes("--profile")
    ? { installed: profile(executable, root), withoutCodeCache: profile(bundle, root) }
    : undefined
  const host = machine()
  process.stdout.write(
    `${host.cpus} × ${host.cpu}, ${host.kernel}, node ${host.node}, ${host.runc}; load ${host.loadAverage.join(" ")}\n` +
      `bundle: ${(built.bundleBytes / 1024).toFixed(0)} KiB, code cache ${(built.cacheBytes / 1024).toFixed(0)} KiB; ` +
      `${rounds} rounds after ${warmups} warm-ups; koffi loaded: ${koffi ? "yes" : "no"}\n\n` +
      table([
        ["command", "mean ± σ (ms)", "min", "median", "cpu (ms)", "× runc"],
        ...summary.map((r) => [
          r.command,
          `${fixed(r.meanMs)} ± ${fixed(r.stddevMs)}`,
          fixed(r.minMs),
          fixed(r.medianMs),
          fixed(r.cpuMeanMs),
          fixed(r.vsRunc)
        ])
      ]) + "\n"
  )
  if (profiled !== undefined) {
    const kinds = [...new Set([...Object.keys(profiled.installed), ...Object.keys(profiled.withoutCodeCache)])]
    process.stdout.write(
      "\none profiled run each, self time (ms):\n" +
        table([
          ["", "as installed", "no code cache"],
          ...kinds.map((k) => [k, fixed(profiled.installed[k] ?? 0), fixed(profiled.withoutCodeCache[k] ?? 0)])
        ]) + "\n"
    )
  }
  const path = yield* writeResults(
    "startup",
    { machine: host, ...built, rounds, warmups, koffiLoaded: koffi, summary, profile: profiled },
    Object.fromEntries(samples)
  )
  process.stdout.write(`\nwrote ${path}\n`)
})

NodeRuntime.runMain(Effect.scoped(program))
