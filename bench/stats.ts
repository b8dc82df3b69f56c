/**
 * The cost of one stats snapshot of a real running container (a busybox
 * bundle runc 1.1.5 starts for the run, with memory, pids and cpu limits):
 *
 * - whole process: `libcontainer events --stats <id>` (the bundled CLI,
 *   rebuilt first) against `runc events --stats <id>`, rounds alternating
 *   which goes first; medians, and the median of the per-round ratios;
 *   `libcontainer --version` (the start-up under every command) and
 *   `libcontainer state <id>` (start-up and loading the container) in each
 *   round too. Before timing, both lines must have the same keys and limits;
 * - in process, on `Libcontainer.layerNode`: `Container.stats` of a loaded
 *   container; `Factory.load` + `Container.stats` + `Container.formatEvent`
 *   (the CLI's work after start-up); and, as the floor, the same file reads
 *   made directly with node:fs — one snapshot is recorded first (every call
 *   the Filesystem hands to the kernel) and replayed. Each is a median of
 *   batches, in microseconds per snapshot.
 *
 *   npm run bench:stats                               # 21 rounds, 30 batches of 100
 *   npm run bench:stats -- --rounds 11 --batches 10 --batch 50
 *
 * Needs root, runc and busybox. The container, its cgroups, bundle and root
 * are removed at the end, on failure and on Ctrl-C too. Writes
 * bench/results/stats.json.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as CgroupManager from "../src/CgroupManager.js"
import * as Container from "../src/Container.js"
import * as Factory from "../src/Factory.js"
import * as Filesystem from "../src/Filesystem.js"
import * as IntelRdt from "../src/IntelRdt.js"
import * as NodeFilesystem from "../src/node/NodeFilesystem.js"
import * as NodeHost from "../src/node/NodeHost.js"
import { createContainer, destroyContainer, makeBundle, makeRoot } from "../test/support/runc.js"
import { ourCli } from "./support/cli.js"
import * as Measure from "./support/measure.js"

const MiB = 1024 * 1024

/** A read the baseline replays. */
interface Call {
  readonly op: "stat" | "lstat" | "readLink" | "readDirectory" | "readDirectoryUnsorted" | "statfs" | "readFile" | "readFileOn"
  readonly path: string
}

const recorded: ReadonlySet<string> = new Set<Call["op"]>([
  "stat",
  "lstat",
  "readLink",
  "readDirectory",
  "readDirectoryUnsorted",
  "statfs",
  "readFile",
  "readFileOn"
])

/** The node layer's system calls; the reads are appended to `calls` while `recording.on`, anything else is counted in `other`. */
const recordingSyscalls = (
  calls: Array<Call>,
  other: Array<string>,
  recording: { on: boolean }
): Filesystem.Syscalls => {
  const sys = NodeFilesystem.syscalls()
  const wrapped: Record<string, unknown> = {}
  for (const [name, f] of Object.entries(sys) as ReadonlyArray<[string, (...args: ReadonlyArray<unknown>) => unknown]>) {
    wrapped[name] = (...args: ReadonlyArray<unknown>) => {
      if (recording.on) {
        if (recorded.has(name)) calls.push({ op: name as Call["op"], path: String(args[0]) })
        else other.push(name)
      }
      return f(...args)
    }
  }
  return wrapped as unknown as Filesystem.Syscalls
}

/** `Libcontainer.layerNode`'s services, with the Filesystem's system calls recorded. */
const recordingLayer = (calls: Array<Call>, other: Array<string>, recording: { on: boolean }) => {
  const filesystem = Layer.succeed(Filesystem.Filesystem, Filesystem.make(recordingSyscalls(calls, other, recording)))
  return Layer.mergeAll(CgroupManager.layer, IntelRdt.layer, NodeHost.layerProcesses).pipe(Layer.provideMerge(filesystem))
}

/** One recorded call made with node:fs; a failure is part of the work (an optional file runc looks for and skips). */
const replay = (call: Call): void => {
  try {
    switch (call.op) {
      case "stat":
        fs.statSync(call.path)
        break
      case "lstat":
        fs.lstatSync(call.path)
        break
      case "readLink":
        fs.readlinkSync(call.path)
        break
      case "readDirectory":
      case "readDirectoryUnsorted":
        fs.readdirSync(call.path, { withFileTypes: true })
        break
      case "statfs":
        fs.statfsSync(call.path)
        break
      case "readFile":
        fs.readFileSync(call.path)
        break
      case "readFileOn":
        // open, fstatfs of the descriptor, read: node has no fstatfs, statfs of the path is the same call's cost
        fs.statfsSync(call.path)
        fs.readFileSync(call.path)
        break
    }
  } catch {
    // ENOENT and the like: the library meets them too
  }
}

/** `{"type":"stats",…}` reduced to what both tools must agree on: every key path, and the limits. */
const agreement = (line: string) => {
  const event = JSON.parse(line) as { type: string; id: string; data: Record<string, unknown> }
  const keys = (value: unknown, at: string): ReadonlyArray<string> =>
    value !== null && typeof value === "object"
      ? Object.entries(value).flatMap(([k, v]) => [`${at}/${k}`, ...keys(v, `${at}/${k}`)])
      : []
  const data = event.data as {
    memory: { usage: { limit: number } }
    pids: { limit: number }
    cpuset: unknown
  }
  return JSON.stringify({
    type: event.type,
    id: event.id,
    keys: keys(event.data, "").filter((k) => !k.startsWith("/memory/raw/")),
    limits: [data.memory.usage.limit, data.pids.limit, data.cpuset]
  })
}

/** A running busybox container made by runc for the run; removed with its bundle and root when the scope closes. */
const liveContainer = Effect.acquireRelease(
  Effect.try({
    try: () => {
      const root = makeRoot()
      const id = `elc-bench-stats-${process.pid}`
      const bundle = makeBundle({
        cgroupsPath: `/${id}`,
        args: ["sh", "-c", "sleep 100000 & sleep 100000"],
        resources: { memory: { limit: 128 * MiB }, pids: { limit: 64 }, cpu: { shares: 512 } }
      })
      try {
        createContainer(root, id, bundle, "running")
      } catch (e) {
        destroyContainer(root, id)
        fs.rmSync(bundle, { recursive: true, force: true })
        fs.rmSync(root, { recursive: true, force: true })
        throw e
      }
      return { root, id, bundle }
    },
    catch: (e) => new Measure.BenchError({ message: `starting the container: ${String(e)}` })
  }),
  ({ bundle, id, root }) =>
    Effect.sync(() => {
      destroyContainer(root, id)
      fs.rmSync(bundle, { recursive: true, force: true })
      fs.rmSync(root, { recursive: true, force: true })
    })
)

/** Microseconds per call of `f`: the median over `batches` batches of `size` calls, after one warm-up batch. */
const perCall = <E, R>(batches: number, size: number, f: Effect.Effect<unknown, E, R>) =>
  Effect.gen(function*() {
    const batch = Effect.forEach(Array.from({ length: size }), () => f, { discard: true })
    yield* batch
    const samples: Array<number> = []
    for (let b = 0; b < batches; b++) {
      const [ms] = yield* Measure.timed(batch)
      samples.push((ms * 1000) / size)
    }
    return { medianUs: Measure.median(samples), samples }
  })

const program = Effect.gen(function*() {
  const rounds = Measure.numberOption("rounds", 21)
  const batches = Measure.numberOption("batches", 30)
  const size = Measure.numberOption("batch", 100)
  const host = Measure.machine()
  const cli = yield* ourCli
  const { id, root } = yield* liveContainer

  // whole process
  const theirs = () => Measure.run({ file: "runc", args: ["--root", root, "events", "--stats", id] })
  const ours = () => Measure.run(cli.command(["--root", root, "events", "--stats", id]))
  const floor = () => Measure.run(cli.command(["--version"]))
  const state = () => Measure.run(cli.command(["--root", root, "state", id]))
  const [a, b] = [yield* theirs(), yield* ours()]
  if (agreement(a.stdout) !== agreement(b.stdout)) {
    return yield* new Measure.BenchError({
      message: `our stats line differs from runc's:\n${agreement(b.stdout)}\n${agreement(a.stdout)}`
    })
  }
  const samples: Array<
    { readonly runc: Measure.Run; readonly ours: Measure.Run; readonly version: Measure.Run; readonly state: Measure.Run }
  > = []
  for (let r = 0; r < rounds; r++) {
    const first = r % 2 === 0 ? yield* theirs() : yield* ours()
    const second = r % 2 === 0 ? yield* ours() : yield* theirs()
    const version = yield* floor()
    const loaded = yield* state()
    samples.push(
      r % 2 === 0
        ? { runc: first, ours: second, version, state: loaded }
        : { runc: second, ours: first, version, state: loaded }
    )
  }
  const pick = (side: "runc" | "ours" | "version" | "state", field: "wallMs" | "cpuMs") =>
    Measure.median(samples.map((s) => s[side][field]))
  const wholeProcess = {
    runcMs: pick("runc", "wallMs"),
    oursMs: pick("ours", "wallMs"),
    runcCpuMs: pick("runc", "cpuMs"),
    oursCpuMs: pick("ours", "cpuMs"),
    ratio: Measure.median(samples.map((s) => s.ours.wallMs / s.runc.wallMs)),
    /** `libcontainer --version`: Node's and the bundle's start-up, the floor under every command. */
    versionMs: pick("version", "wallMs"),
    versionCpuMs: pick("version", "cpuMs"),
    /** `libcontainer state <id>`: start-up and loading the container, without the stats. */
    stateMs: pick("state", "wallMs"),
    stateCpuMs: pick("state", "cpuMs")
  }

  // in process
  const calls: Array<Call> = []
  const other: Array<string> = []
  const recording = { on: false }
  const inProcess = yield* Effect.gen(function*() {
    const container = yield* Factory.load(root, id)
    recording.on = true
    const first = yield* Container.stats(container)
    recording.on = false
    if (first.cgroup.pids_stats.limit !== 64n) {
      return yield* new Measure.BenchError({ message: `pids limit read as ${first.cgroup.pids_stats.limit}, not 64` })
    }
    const snapshot = yield* perCall(batches, size, Container.stats(container))
    const cliWork = yield* perCall(
      batches,
      size,
      Effect.flatMap(Factory.load(root, id), (c) => Effect.map(Container.stats(c), (s) => Container.formatEvent({ type: "stats", id, stats: s })))
    )
    const line = Either.getOrThrow(Container.formatEvent({ type: "stats", id, stats: first }))
    return { snapshot, cliWork, lineBytes: line.length }
  }).pipe(
    Effect.provide(recordingLayer(calls, other, recording)),
    Effect.mapError((e) => new Measure.BenchError({ message: `in process: ${e.message}` }))
  )
  const raw = yield* perCall(batches, size, Effect.sync(() => calls.forEach(replay)))

  const summary = {
    machine: host,
    cli: cli.kind,
    rounds,
    batches,
    batch: size,
    wholeProcess,
    inProcess: {
      statsUs: inProcess.snapshot.medianUs,
      loadStatsFormatUs: inProcess.cliWork.medianUs,
      rawReadsUs: raw.medianUs,
      statsOverRaw: inProcess.snapshot.medianUs / raw.medianUs,
      callsPerSnapshot: calls.length,
      otherCalls: other,
      calls: Object.fromEntries([...new Set(calls.map((c) => c.op))].map((op) => [op, calls.filter((c) => c.op === op).length])),
      lineBytes: inProcess.lineBytes
    }
  }
  yield* Effect.log(
    `\nours: ${cli.kind === "bundle" ? "bin/libcontainer.cjs" : "tsx src/cli/main.ts (bundle build failed)"}\n` +
      Measure.table([
        ["events --stats, whole process", "runc ms", "ours ms", "ours/runc", "runc cpu ms", "ours cpu ms"],
        [
          `median of ${rounds}`,
          Measure.fixed(wholeProcess.runcMs),
          Measure.fixed(wholeProcess.oursMs),
          Measure.fixed(wholeProcess.ratio, 2),
          Measure.fixed(wholeProcess.runcCpuMs, 0),
          Measure.fixed(wholeProcess.oursCpuMs, 0)
        ],
        [
          "libcontainer --version (start-up)",
          "",
          Measure.fixed(wholeProcess.versionMs),
          "",
          "",
          Measure.fixed(wholeProcess.versionCpuMs, 0)
        ],
        [
          "libcontainer state <id> (start-up + load)",
          "",
          Measure.fixed(wholeProcess.stateMs),
          "",
          "",
          Measure.fixed(wholeProcess.stateCpuMs, 0)
        ]
      ]) + "\n\n" +
      Measure.table([
        ["in process, µs per snapshot", "median"],
        ["Container.stats", Measure.fixed(inProcess.snapshot.medianUs)],
        ["Factory.load + stats + formatEvent", Measure.fixed(inProcess.cliWork.medianUs)],
        [`the same ${calls.length} reads with node:fs`, Measure.fixed(raw.medianUs)]
      ])
  )
  const path = yield* Measure.writeResults("stats", summary, {
    wholeProcess: samples.map((s) => ({
      runc: [s.runc.wallMs, s.runc.cpuMs],
      ours: [s.ours.wallMs, s.ours.cpuMs],
      version: [s.version.wallMs, s.version.cpuMs],
      state: [s.state.wallMs, s.state.cpuMs]
    })),
    stats: inProcess.snapshot.samples,
    loadStatsFormat: inProcess.cliWork.samples,
    rawReads: raw.samples,
    calls
  })
  yield* Effect.log(`wrote ${path}`)
})

NodeRuntime.runMain(Effect.scoped(program))
