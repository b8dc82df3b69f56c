/**
 * `Factory.create` on the node layer against the system calls it makes,
 * made directly with node:fs. One create is recorded first — every call the
 * layer's Filesystem and cgroup probes pass to the kernel, in order — and the
 * baseline replays that list per container, so it stays the same work on any
 * host (v1, hybrid or unified cgroups). Rounds alternate the two; the ratio
 * reported is the median of the per-round ratios.
 *
 *   npm run bench:create                      # 1,000 creates per round, 7 rounds
 *   npm run bench:create -- --n 300 --rounds 3
 *
 * Needs root (cgroup discovery reads /sys/fs/cgroup). Writes
 * bench/results/create.json.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import { join } from "node:path"
import * as CgroupManager from "../src/CgroupManager.js"
import * as Config from "../src/Config.js"
import * as Factory from "../src/Factory.js"
import * as Filesystem from "../src/Filesystem.js"
import * as IntelRdt from "../src/IntelRdt.js"
import * as Flock from "../src/node/flock.js"
import * as NodeFilesystem from "../src/node/NodeFilesystem.js"
import * as NodeHost from "../src/node/NodeHost.js"
import * as Layout from "./support/layout.js"
import * as Measure from "./support/measure.js"

/** One system call as the baseline replays it. */
type Call =
  | {
    readonly op: "stat" | "lstat" | "readlink" | "statfs" | "firstEntry" | "readFile" | "readFileOn" | "readdir"
    readonly path: string
  }
  | { readonly op: "mkdir"; readonly path: string; readonly mode: number }
  | { readonly op: "lockOpen"; readonly path: string }
  | { readonly op: "flock"; readonly mode: "exclusive" | "shared" }
  | { readonly op: "lockClose" }

/** The node layer's system calls, each also appended to `calls` while `recording.on`. */
const recordingSyscalls = (calls: Array<Call>, recording: { on: boolean }): Filesystem.Syscalls => {
  const sys = NodeFilesystem.syscalls()
  const note = (call: Call) => Effect.sync(() => void (recording.on && calls.push(call)))
  const noteNow = (call: Call) => void (recording.on && calls.push(call))
  const direct: Filesystem.DirectCalls = {
    ...sys.direct,
    stat: (path) => (noteNow({ op: "stat", path }), sys.direct.stat(path)),
    lstat: (path) => (noteNow({ op: "lstat", path }), sys.direct.lstat(path)),
    readFileOn: (path, types, maxBytes) => (noteNow({ op: "readFileOn", path }), sys.direct.readFileOn(path, types, maxBytes)),
    readFile: (path, maxBytes) => (noteNow({ op: "readFile", path }), sys.direct.readFile(path, maxBytes)),
    readDirectory: (path) => (noteNow({ op: "readdir", path }), sys.direct.readDirectory(path)),
    mkdir: (path, mode) => (noteNow({ op: "mkdir", path, mode }), sys.direct.mkdir(path, mode)),
    tryLockDirectory: (path, mode) => {
      // open and fstat, one flock, the stat that checks the path still names it
      noteNow({ op: "lockOpen", path })
      noteNow({ op: "flock", mode })
      noteNow({ op: "stat", path })
      const lock = sys.direct.tryLockDirectory(path, mode)
      if (typeof lock === "string") return lock
      return { release: () => (noteNow({ op: "lockClose" }), lock.release()) }
    }
  }
  return {
    ...sys,
    direct,
    stat: (path) => Effect.zipRight(note({ op: "stat", path }), sys.stat(path)),
    lstat: (path) => Effect.zipRight(note({ op: "lstat", path }), sys.lstat(path)),
    readLink: (path) => Effect.zipRight(note({ op: "readlink", path }), sys.readLink(path)),
    readDirectory: (path) => Effect.zipRight(note({ op: "readdir", path }), sys.readDirectory(path)),
    readDirectoryUnsorted: (path, limit) =>
      Effect.zipRight(note({ op: "firstEntry", path }), sys.readDirectoryUnsorted(path, limit)),
    readFile: (path, options) => Effect.zipRight(note({ op: "readFile", path }), sys.readFile(path, options)),
    readFileOn: (path, types, options) =>
      Effect.zipRight(note({ op: "readFileOn", path }), sys.readFileOn(path, types, options)),
    statfs: (path) => Effect.zipRight(note({ op: "statfs", path }), sys.statfs(path)),
    mkdir: (path, mode) => Effect.zipRight(note({ op: "mkdir", path, mode }), sys.mkdir(path, mode)),
    openLockable: (path) =>
      Effect.zipRight(
        note({ op: "lockOpen", path }),
        Effect.map(sys.openLockable(path), (dir) => ({
          ...dir,
          tryLock: (mode: "exclusive" | "shared") => Effect.zipRight(note({ op: "flock", mode }), dir.tryLock(mode)),
          close: Effect.zipRight(note({ op: "lockClose" }), dir.close)
        }))
      )
  }
}

/** The services of `Libcontainer.layerNode`, with every system call of the filesystem recorded. */
const recordingLayer = (calls: Array<Call>, recording: { on: boolean }) => {
  const filesystem = Layer.succeed(Filesystem.Filesystem, Filesystem.make(recordingSyscalls(calls, recording)))
  return Layer.mergeAll(CgroupManager.layer, IntelRdt.layer, NodeHost.layerProcesses).pipe(Layer.provideMerge(filesystem))
}

const { O_DIRECTORY, O_NONBLOCK, O_RDONLY } = fs.constants
const noEntry = { throwIfNoEntry: false } as const

/** Makes one recorded call with node:fs (failures are part of the work: runc's create expects ENOENT). */
const replayOne = (call: Call, lock: { fd: number }): void => {
  try {
    switch (call.op) {
      case "stat":
        fs.statSync(call.path, noEntry)
        return
      case "lstat":
        fs.lstatSync(call.path, noEntry)
        return
      case "readlink":
        fs.readlinkSync(call.path)
        return
      case "statfs":
        fs.statfsSync(call.path)
        return
      case "firstEntry": {
        const dir = fs.opendirSync(call.path)
        dir.readSync()
        dir.closeSync()
        return
      }
      case "readdir":
        fs.readdirSync(call.path, { withFileTypes: true })
        return
      case "readFile": {
        const fd = fs.openSync(call.path, O_RDONLY | O_NONBLOCK)
        fs.fstatSync(fd)
        fs.readSync(fd, Buffer.allocUnsafe(4096))
        fs.closeSync(fd)
        return
      }
      case "readFileOn": {
        const fd = fs.openSync(call.path, O_RDONLY | O_NONBLOCK)
        fs.statfsSync(`/proc/self/fd/${fd}`)
        fs.fstatSync(fd)
        fs.readSync(fd, Buffer.allocUnsafe(4096))
        fs.closeSync(fd)
        return
      }
      case "mkdir":
        fs.mkdirSync(call.path, { mode: call.mode })
        return
      case "lockOpen":
        lock.fd = fs.openSync(call.path, O_RDONLY | O_DIRECTORY | O_NONBLOCK)
        fs.fstatSync(lock.fd)
        return
      case "flock":
        Flock.tryLock(lock.fd, call.mode)
        return
      case "lockClose":
        fs.closeSync(lock.fd)
        return
    }
  } catch {
    // the kernel said no, as it did when recorded
  }
}

/** The recorded calls of one create, with the recorded root and id replaced by `root` and `id`. */
const retarget = (calls: ReadonlyArray<Call>, from: { root: string; id: string }, root: string, id: string) =>
  calls.map((call): Call =>
    "path" in call ? { ...call, path: call.path.replace(from.root, root).replace(`/${from.id}`, `/${id}`) } : call
  )

const config = (group: string) =>
  Config.make({
    rootfs: "/",
    version: "1.0.2-dev",
    namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }, { type: "NEWIPC", path: "" }],
    cgroups: Config.makeCgroup({ path: `/${group}/ctr`, Resources: Config.makeResources() })
  })

const program = Effect.gen(function*() {
  const n = Measure.numberOption("n", 1000)
  const rounds = Measure.numberOption("rounds", 7)
  const host = Measure.machine()
  const calls: Array<Call> = []
  const recording = { on: false }
  const cfg = config(`elc-bench-create-${process.pid}`)
  const ids = Array.from({ length: n }, (_, i) => Layout.idOf(i))
  const fresh = Effect.map(Layout.makeEmpty, (dir) => join(dir, "root"))

  const measured = yield* Effect.gen(function*() {
    const sample = yield* fresh
    yield* Factory.create(sample, "warm-up", cfg)
    recording.on = true
    yield* Factory.create(sample, "recorded", cfg)
    recording.on = false
    const recorded = { root: sample, id: "recorded" }
    const samples: Array<{ readonly ours: number; readonly baseline: number }> = []
    for (let r = 0; r < rounds; r++) {
      const oursRoot = yield* fresh
      const baselineRoot = yield* fresh
      fs.mkdirSync(baselineRoot, { mode: 0o700 })
      const replays = ids.map((id) => retarget(calls, recorded, baselineRoot, id))
      const lock = { fd: -1 }
      const baseline = () => Measure.timeSync(() => {
        for (const replay of replays) for (const call of replay) replayOne(call, lock)
      })
      const ours = Effect.map(Measure.timed(Effect.forEach(ids, (id) => Factory.create(oursRoot, id, cfg), { discard: true })), ([ms]) => ms)
      if (r % 2 === 0) {
        const o = yield* ours
        samples.push({ ours: o, baseline: baseline() })
      } else {
        const b = baseline()
        samples.push({ ours: yield* ours, baseline: b })
      }
      const made = fs.readdirSync(baselineRoot).length
      if (made !== n) return yield* new Measure.BenchError({ message: `the baseline made ${made} state dirs, not ${n}` })
    }
    return samples
  }).pipe(
    Effect.scoped,
    Effect.provide(recordingLayer(calls, recording)),
    Effect.mapError((e) => (e instanceof Measure.BenchError ? e : new Measure.BenchError({ message: `Factory.create: ${e.message}` })))
  )

  const perCreate = (ms: number) => (ms * 1000) / n
  const summary = {
    n,
    syscallsPerCreate: calls.length,
    calls: calls.map((c) => c.op),
    oursUs: Measure.median(measured.map((s) => perCreate(s.ours))),
    baselineUs: Measure.median(measured.map((s) => perCreate(s.baseline))),
    ratio: Measure.median(measured.map((s) => s.ours / s.baseline)),
    target: 3
  }
  yield* Effect.log(
    `\n${summary.syscallsPerCreate} system calls per create\n` +
      Measure.table([
        ["creates", "ours µs/create", "baseline µs/create", "ours/baseline", "target"],
        [String(n), Measure.fixed(summary.oursUs), Measure.fixed(summary.baselineUs), Measure.fixed(summary.ratio, 2), "≤ 3"]
      ])
  )
  const path = yield* Measure.writeResults("create", { machine: host, rounds, ...summary }, measured)
  yield* Effect.log(`wrote ${path}`)
})

NodeRuntime.runMain(program)
