/**
 * The runtime contract: one suite, run with real runc 1.1.5 and busybox
 * containers on this machine (in CI) and with the simulated runc on the
 * simulated host. A container's whole life — create, start, exec, pause,
 * resume, kill, delete — is checked at every step with the library and
 * with `runc state` (the host's own runc); `run` returns the container's
 * exit code; every refusal is typed with runc's message; an interrupted
 * program leaves no container, cgroup or process behind.
 */
import { describe, expect, it } from "@effect/vitest"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import * as Container from "../src/Container.js"
import * as Factory from "../src/Factory.js"
import { Filesystem } from "../src/Filesystem.js"
import type * as Libcontainer from "../src/Libcontainer.js"
import { Processes } from "../src/Processes.js"
import * as Runtime from "../src/Runtime.js"
import * as Signal from "../src/Signal.js"
import { busybox, cgroupV1, describeWith, root as asRoot, runc as runcBinary } from "./support/prerequisites.js"
import { memory, node, type RuntimeHost, runcState, type Spec } from "./support/runtimeHosts.js"

const decoder = new TextDecoder()

/** Polls `probe` until it gives `wanted` (at most ~5 s); what it gave last. */
const eventually = <A, E, R>(probe: Effect.Effect<A, E, R>, wanted: A) =>
  Effect.gen(function*() {
    let last = yield* probe
    for (let i = 0; i < 250 && last !== wanted; i++) {
      yield* Effect.sleep("20 millis")
      last = yield* probe
    }
    return last
  })

const exists = (path: string) =>
  Effect.flatMap(Filesystem, (fs) => fs.stat(path)).pipe(Effect.as(true), Effect.orElseSucceed(() => false))

const readText = (path: string) => Effect.map(Effect.flatMap(Filesystem, (fs) => fs.readFile(path)), (b) => decoder.decode(b))

/** A stream's output as text by channel, and its exit code. */
const collected = (events: Chunk.Chunk<Runtime.OutputEvent>) => {
  let stdout = ""
  let stderr = ""
  let exitCode: number | undefined
  for (const event of events) {
    if (event._tag === "Stdout") stdout += decoder.decode(event.data)
    else if (event._tag === "Stderr") stderr += decoder.decode(event.data)
    else exitCode = event.exitCode
  }
  return { stdout, stderr, exitCode }
}

/** A fresh root, a bundle running `args`, an id, on `host`; all cleaned up when the scope closes. */
const setupOn = <R>(host: RuntimeHost<R>, name: string, args: ReadonlyArray<string>, edit?: (spec: Spec) => void) =>
  Effect.gen(function*() {
    const root = yield* host.root
    const bundle = yield* host.bundle(edit === undefined ? { args } : { args, edit })
    const id = host.id(name)
    yield* host.track(root, id)
    return { root, bundle, id }
  })

const suite = <R>(host: RuntimeHost<R>) => {
  const run = <A, E>(body: Effect.Effect<A, E, Libcontainer.AllServices | R | Scope.Scope>) =>
    Effect.scoped(body).pipe(Effect.provide(host.layer))

  const setup = (name: string, args: ReadonlyArray<string>, edit?: (spec: Spec) => void) => setupOn(host, name, args, edit)

  it.live("create → created → start → running → exec → pause/resume → kill → stopped → delete, seen by the library and by runc", () =>
    run(Effect.gen(function*() {
      const { bundle, id, root } = yield* setup("life", ["sleep", "1000"])
      const both = (c: Container.Container) =>
        Effect.all([Container.status(c), runcState(root, id), Effect.flatMap(Factory.load(root, id), Container.status)])

      const c = yield* Runtime.create(root, id, { bundle })
      expect(yield* both(c)).toEqual(["created", "created", "created"])
      expect(yield* exists(`${root}/${id}/exec.fifo`)).toBe(true)
      const init = Option.getOrThrow((yield* Container.snapshot(c)).initProcess)
      expect(yield* Container.processes(c)).toEqual([init.pid])

      expect(yield* Runtime.start(c)).toBe(c)
      expect(yield* both(c)).toEqual(["running", "running", "running"])
      expect(yield* exists(`${root}/${id}/exec.fifo`)).toBe(false)
      const again = yield* Effect.flip(Runtime.start(c))
      expect([again._tag, again.message]).toEqual(["CannotStart", "cannot start an already running container"])

      const out = `${yield* host.root}/exec-out`
      const echoed = yield* Runtime.exec(c, { args: ["echo", "hello", "from", "exec"] }, { stdio: { stdout: { file: out } } })
      expect(echoed).toEqual({ _tag: "Exited", exitCode: 0 })
      expect(yield* readText(out)).toBe("hello from exec\n")
      const exited = yield* Runtime.exec(c, { args: ["sh", "-c", "echo $GREETING; exit 3"], env: ["GREETING=hi"] })
      expect(exited).toEqual({ _tag: "Exited", exitCode: 3 })
      const streamed = collected(yield* Stream.runCollect(Runtime.execStream(c, { args: ["sh", "-c", "echo streamed; exit 5"] })))
      expect(streamed).toEqual({ stdout: "streamed\n", stderr: "", exitCode: 5 })
      expect(yield* Container.processes(c)).toEqual([init.pid])

      yield* Container.pause(c)
      expect(yield* both(c)).toEqual(["paused", "paused", "paused"])
      const refused = yield* Effect.flip(Runtime.exec(c, { args: ["true"] }))
      expect([refused._tag, refused.message]).toEqual([
        "CannotExec",
        "cannot exec in a paused container (use --ignore-paused to override)"
      ])
      yield* Container.resume(c)
      expect(yield* both(c)).toEqual(["running", "running", "running"])

      yield* Container.signal(c, Signal.SIGKILL)
      expect(yield* eventually(Container.status(c), "stopped")).toBe("stopped")
      expect(yield* both(c)).toEqual(["stopped", "stopped", "stopped"])
      const stopped = yield* Effect.flip(Runtime.exec(c, { args: ["true"] }))
      expect(stopped.message).toBe("cannot exec in a stopped container")

      const cgroups = Object.values(yield* c.cgroupManager.getPaths)
      yield* Runtime.delete(c)
      expect(yield* runcState(root, id)).toBe("absent")
      expect((yield* Effect.flip(Factory.load(root, id)))._tag).toBe("ErrNotExist")
      expect(yield* exists(`${root}/${id}`)).toBe(false)
      for (const dir of cgroups) expect(yield* exists(dir), dir).toBe(false)
      expect(yield* Effect.flatMap(Processes, (p) => p.isAlive(init.pid, init.startTime))).toBe(false)
    })), 60_000)

  it.live("run in the foreground: the container's exit code and output, then it is gone (unless kept)", () =>
    run(Effect.gen(function*() {
      const { bundle, id, root } = yield* setup("fg", ["sh", "-c", "echo ran; exit 7"])
      const out = `${root}/run-out`
      const exited = yield* Runtime.run(root, id, { bundle, stdio: { stdout: { file: out } } })
      expect(exited).toEqual({ _tag: "Exited", exitCode: 7 })
      expect(yield* readText(out)).toBe("ran\n")
      expect(yield* runcState(root, id)).toBe("absent")

      const kept = yield* Runtime.run(root, id, { bundle, keep: true })
      expect(kept.exitCode).toBe(7)
      expect(yield* runcState(root, id)).toBe("stopped")
      yield* Runtime.delete({ root, id })
      expect(yield* runcState(root, id)).toBe("absent")

      const streamed = collected(yield* Stream.runCollect(Runtime.runStream(root, id, { bundle })))
      expect(streamed).toEqual({ stdout: "ran\n", stderr: "", exitCode: 7 })
      expect(yield* runcState(root, id)).toBe("absent")
    })), 60_000)

  it.live("run detached: a running container; delete --force kills it", () =>
    run(Effect.gen(function*() {
      const { bundle, id, root } = yield* setup("bg", ["sleep", "1000"])
      const c = yield* Runtime.run(root, id, { bundle, detach: true })
      expect([yield* Container.status(c), yield* runcState(root, id)]).toEqual(["running", "running"])
      const refused = yield* Effect.flip(Runtime.delete(c))
      expect(refused.message).toBe(`cannot delete container ${id} that is not stopped: running`)
      yield* Runtime.delete(c, { force: true })
      expect(yield* runcState(root, id)).toBe("absent")
      const gone = yield* Effect.flip(Runtime.delete({ root, id }))
      expect(gone._tag).toBe("ErrNotExist")
      yield* Runtime.delete({ root, id }, { force: true })
    })), 60_000)

  it.live("exec: a detached process gets a pid in the container; a whole process and a process file run as given", () =>
    run(Effect.gen(function*() {
      const { bundle, id, root } = yield* setup("exec", ["sleep", "1000"])
      const c = yield* Runtime.run(root, id, { bundle, detach: true })
      const detached = yield* Runtime.exec(c, { args: ["sleep", "1000"] }, { detach: true })
      expect(detached._tag).toBe("Detached")
      expect(yield* eventually(Effect.map(Container.processes(c), (pids) => pids.includes(detached.pid)), true)).toBe(true)
      const process = {
        user: { uid: 0, gid: 0 },
        args: ["sh", "-c", "echo $WHO; exit 4"],
        env: ["PATH=/bin", "WHO=whole"],
        cwd: "/"
      }
      const out = `${root}/whole-out`
      expect(yield* Runtime.exec(c, { process }, { stdio: { stdout: { file: out } } })).toEqual({ _tag: "Exited", exitCode: 4 })
      expect(yield* readText(out)).toBe("whole\n")
      const file = `${root}/process.json`
      const fs = yield* Filesystem
      yield* fs.writeFile(file, new TextEncoder().encode(JSON.stringify({ ...process, env: ["PATH=/bin", "WHO=file"] })))
      yield* fs.writeFile(out, new Uint8Array(0))
      expect(yield* Runtime.exec(c, { processFile: file }, { stdio: { stdout: { file: out } } })).toEqual({
        _tag: "Exited",
        exitCode: 4
      })
      expect(yield* readText(out)).toBe("file\n")
      const bad = yield* Effect.flip(Runtime.exec(c, { process: { ...process, cwd: "relative" } }))
      expect([bad._tag, bad.message]).toEqual(["ProcessInvalid", "Cwd must be an absolute path"])
      const missing = yield* Effect.flip(Runtime.exec(c, { args: ["nosuch"] }))
      expect([missing._tag, missing.message]).toEqual([
        "RuntimeFailed",
        "exec failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH"
      ])
      // streamed: the process's stderr passes, its last line too; the runtime's own bare error line does not
      const complaint = collected(yield* Stream.runCollect(Runtime.execStream(c, { args: ["sleep", "abc"] })))
      expect(complaint).toEqual({ stdout: "", stderr: "sleep: invalid number 'abc'\n", exitCode: 1 })
      const failedStream = [...yield* Stream.runCollect(Stream.either(Runtime.execStream(c, { args: ["nosuch"] })))]
      expect(failedStream.map((e) => e._tag === "Left" ? e.left._tag : e.right._tag)).toEqual(["RuntimeFailed"])
      const empty = yield* Effect.flip(Runtime.exec(c, { args: [] }))
      expect(empty.message).toBe("process args cannot be empty")
      yield* Runtime.delete(c, { force: true })
    })), 60_000)

  it.live("refusals are typed, with runc's messages, and leave nothing behind", () =>
    run(Effect.gen(function*() {
      const { bundle, id, root } = yield* setup("err", ["sleep", "1000"])
      const failure = <A, E extends { readonly _tag: string; readonly message: string }, R2>(effect: Effect.Effect<A, E, R2>) =>
        Effect.map(Effect.flip(effect), (e) => [e._tag, e.message])

      expect(yield* failure(Runtime.create(root, id, { bundle: `${root}/no-such-bundle` }))).toEqual([
        "SystemError",
        `chdir ${root}/no-such-bundle: no such file or directory`
      ])
      const fs = yield* Filesystem
      yield* fs.makeDirectory(`${root}/empty-bundle`, 0o755)
      expect(yield* failure(Runtime.create(root, id, { bundle: `${root}/empty-bundle` }))).toEqual([
        "SpecNotFound",
        "JSON specification file config.json not found"
      ])
      const config = `${bundle}/config.json`
      const original = yield* fs.readFile(config)
      const rewrite = (text: string) => fs.writeFile(config, new TextEncoder().encode(text))
      const edited = (edit: (spec: Spec) => void) => {
        const spec = JSON.parse(decoder.decode(original))
        edit(spec)
        return rewrite(JSON.stringify(spec))
      }
      yield* rewrite("{")
      expect(yield* failure(Runtime.create(root, id, { bundle }))).toEqual(["JsonDecodeError", "unexpected EOF"])
      yield* edited((s) => void (s.process.args = []))
      expect(yield* failure(Runtime.create(root, id, { bundle }))).toEqual(["ProcessInvalid", "args must not be empty"])
      yield* edited((s) => void (s.root.path = "no-such-rootfs"))
      expect(yield* failure(Runtime.create(root, id, { bundle }))).toEqual([
        "ConfigInvalid",
        `invalid rootfs: stat ${bundle}/no-such-rootfs: no such file or directory`
      ])
      yield* edited((s) => void (s.process.rlimits[0].type = "RLIMIT_BOGUS"))
      expect(yield* failure(Runtime.create(root, id, { bundle }))).toEqual(["SpecInvalid", "wrong rlimit value: RLIMIT_BOGUS"])
      yield* edited((s) => void (s.process.terminal = true))
      expect(yield* failure(Runtime.create(root, id, { bundle }))).toEqual([
        "SpecInvalid",
        "cannot allocate tty if runc will detach without setting console socket"
      ])
      yield* edited((s) => void (s.process.args = ["nosuch"]))
      expect(yield* failure(Runtime.create(root, id, { bundle }))).toEqual([
        "RuntimeFailed",
        "runc create failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH"
      ])
      expect(yield* exists(`${root}/${id}`)).toBe(false)
      expect(yield* runcState(root, id)).toBe("absent")
      yield* fs.writeFile(config, original)

      expect(yield* failure(Runtime.create(root, "", { bundle }))).toEqual(["EmptyContainerId", "container id cannot be empty"])
      expect(yield* failure(Runtime.create(root, "bad/id", { bundle }))).toEqual(["ErrInvalidID", "invalid container ID format"])
      const c = yield* Runtime.create(root, id, { bundle })
      expect(yield* failure(Runtime.create(root, id, { bundle }))).toEqual(["ErrExist", "container with given ID already exists"])
      expect(yield* failure(Runtime.run(root, id, { bundle }))).toEqual(["ErrExist", "container with given ID already exists"])
      expect(yield* failure(Runtime.start({ root, id: `${id}-none` }))).toEqual(["ErrNotExist", "container does not exist"])
      yield* Runtime.delete(c)
      expect(yield* runcState(root, id)).toBe("absent")
    })), 60_000)

  it.live("runc 1.1.5's rules: a bind mount with filesystem data runs; a relative destination is only warned about, in runc 1.1.5's words", () =>
    run(Effect.gen(function*() {
      const mount = { destination: "tmp", type: "bind", source: "/tmp", options: ["rbind", "ro", "mode=755"] }
      const { bundle, id, root } = yield* setup("rules", ["sleep", "1000"], (spec) => void spec["mounts"].push(mount))
      const warnings: Array<{ readonly message: string; readonly error: unknown }> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ annotations, logLevel, message }) => {
          if (logLevel._tag !== "Warning") return
          const text = Array.isArray(message) ? message.join(" ") : String(message)
          warnings.push({ message: text, error: HashMap.get(annotations, "error").pipe(Option.getOrUndefined) })
        })
      )
      const c = yield* Runtime.create(root, id, { bundle }).pipe(Effect.provide(capture))
      expect(yield* runcState(root, id)).toBe("created")
      // MS_RDONLY | MS_BIND | MS_REC, the data kept: runc 1.1.5 has no rule against it (later runc refuses it)
      const saved = (yield* Container.snapshot(c)).config.mounts?.find((m) => m.destination === "tmp")
      expect([saved?.flags, saved?.data]).toEqual([20481, "mode=755"])
      expect(warnings).toEqual([
        {
          message: "mount destination tmp is not absolute. Support for non-absolute mount destinations will be removed in a future release.",
          error: undefined
        },
        {
          message: "invalid configuration",
          error: "invalid mount &{Source:/tmp Destination:tmp Device:bind Flags:20481 PropagationFlags:[] Data:mode=755 Relabel: " +
            "RecAttr:<nil> Extensions:0 PremountCmds:[] PostmountCmds:[]}: mount destination not absolute"
        }
      ])
      yield* Runtime.delete(c)
      expect(yield* runcState(root, id)).toBe("absent")
    })), 60_000)

  it.live("a runtime missing from PATH: RuntimeNotFound, in Go's words, before anything is made", () =>
    Effect.gen(function*() {
      const { bundle, id, root } = yield* setup("missing", ["sleep", "1000"])
      const missing = yield* Effect.flip(Runtime.create(root, id, { bundle })).pipe(
        Effect.provide(host.runtimeWith({ binary: "elc-no-such-runtime" }))
      )
      expect([missing._tag, missing.message]).toEqual([
        "RuntimeNotFound",
        "exec: \"elc-no-such-runtime\": executable file not found in $PATH"
      ])
      expect(yield* exists(`${root}/${id}`)).toBe(false)
    }).pipe(Effect.scoped, Effect.provide(host.layer)), 60_000)

  it.live("an interrupted scoped run, foreground run or exec leaves no container, cgroup or process behind", () =>
    run(Effect.gen(function*() {
      const { bundle, id, root } = yield* setup("scoped", ["sleep", "1000"])
      const processes = yield* Processes
      const seen: Array<{ readonly pid: number; readonly startTime: bigint; readonly cgroups: ReadonlyArray<string> }> = []
      const record = (c: Container.Container) =>
        Effect.gen(function*() {
          const init = Option.getOrThrow((yield* Container.snapshot(c)).initProcess)
          seen.push({ ...init, cgroups: Object.values(yield* c.cgroupManager.getPaths) })
        })
      const scoped = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        yield* record(yield* Runtime.runScoped(root, id, { bundle }))
        return yield* Effect.never
      })))
      expect(yield* eventually(runcState(root, id), "running")).toBe("running")
      yield* Fiber.interrupt(scoped)

      const foreground = yield* Effect.fork(Runtime.run(root, id, { bundle }))
      expect(yield* eventually(runcState(root, id), "running")).toBe("running")
      yield* record(yield* Factory.load(root, id))
      expect(Exit.isInterrupted(yield* Fiber.interrupt(foreground))).toBe(true)
      expect(yield* runcState(root, id)).toBe("absent")

      const c = yield* Runtime.run(root, id, { bundle, detach: true })
      const exec = yield* Effect.fork(Runtime.exec(c, { args: ["sleep", "1000"] }))
      expect(yield* eventually(Effect.map(Container.processes(c), (pids) => pids.length), 2)).toBe(2)
      yield* Fiber.interrupt(exec)
      const init = Option.getOrThrow((yield* Container.snapshot(c)).initProcess)
      expect(yield* eventually(Effect.map(Container.processes(c), (pids) => pids.join(" ")), `${init.pid}`)).toBe(`${init.pid}`)
      yield* Runtime.delete(c, { force: true })

      expect(seen.length).toBe(2)
      expect(yield* runcState(root, id)).toBe("absent")
      expect(yield* exists(`${root}/${id}`)).toBe(false)
      for (const { cgroups, pid, startTime } of seen) {
        expect(yield* processes.isAlive(pid, startTime), `pid ${pid}`).toBe(false)
        for (const dir of cgroups) expect(yield* exists(dir), dir).toBe(false)
      }
    })), 60_000)

  it.live("the runtime's version is read once and reported", () =>
    run(Effect.gen(function*() {
      const version = yield* Runtime.version
      expect(version).toMatchObject({ runtime: "runc", major: 1, minor: 1, patch: 5 })
      expect(yield* Runtime.version).toBe(version)
    })))
}

describe("the runtime contract on the simulated host", () => suite(memory))

describeWith([asRoot, runcBinary, busybox, cgroupV1], "the runtime contract with runc 1.1.5 and busybox", () => suite(node))

describeWith([asRoot, runcBinary, busybox, cgroupV1], "standard streams never hang (runc#1047), with runc 1.1.5", () => {
  it.live("control: a pipe given to `runc create` reaches its end only when the container is gone", () =>
    Effect.gen(function*() {
      const { bundle, id, root } = yield* setupOn(node, "pipe", ["sleep", "1000"])
      const child = spawn("runc", ["--root", root, "create", "--bundle", bundle, id], { stdio: ["ignore", "pipe", "pipe"] })
      let ended = false
      child.stdout.resume().once("end", () => void (ended = true))
      const code = yield* Effect.async<number | null>((resume) => void child.once("exit", (c) => resume(Effect.succeed(c))))
      expect(code).toBe(0)
      yield* Effect.sleep("300 millis")
      // runc has exited, but the container's init holds the pipe's write end: a reader waiting for EOF waits
      expect(ended).toBe(false)
      expect(yield* runcState(root, id)).toBe("created")
      yield* Runtime.delete({ root, id }, { force: true })
      expect(yield* eventually(Effect.sync(() => ended), true)).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(node.layer)), 30_000)

  it.live("create and a detached run return while the init lives and holds their streams (defaults and files)", () =>
    Effect.gen(function*() {
      const { bundle, id, root } = yield* setupOn(node, "nohang", ["sleep", "1000"])
      const c = yield* Runtime.create(root, id, { bundle }).pipe(Effect.timeout("20 seconds"))
      expect(yield* runcState(root, id)).toBe("created")
      yield* Runtime.delete(c, { force: true })
      const out = `${root}/out`
      const stdio = { stdout: { file: out }, stderr: { file: out } }
      const detached = yield* Runtime.run(root, id, { bundle, detach: true, stdio }).pipe(Effect.timeout("20 seconds"))
      expect(yield* runcState(root, id)).toBe("running")
      yield* Runtime.delete(detached, { force: true })
      expect(yield* runcState(root, id)).toBe("absent")
    }).pipe(Effect.scoped, Effect.provide(node.layer)), 60_000)

  it.live("a foreground exec whose process leaves a child: runc waits for the child's end of its own pipes; interrupted, the exec returns and runc is gone", () =>
    Effect.gen(function*() {
      const { bundle, id, root } = yield* setupOn(node, "orphan", ["sleep", "1000"])
      const c = yield* Runtime.run(root, id, { bundle, detach: true })
      const out = `${root}/orphan-out`
      const execs = yield* Effect.fork(
        Runtime.exec(c, { args: ["sh", "-c", "sleep 1000 & echo started"] }, { stdio: { stdout: { file: out } } })
      )
      expect(yield* eventually(Effect.orElseSucceed(readText(out), () => ""), "started\n")).toBe("started\n")
      yield* Effect.sleep("300 millis")
      // sh has exited, yet runc 1.1.5 still copies output from its pipes, which the background sleep holds
      expect(execs.unsafePoll()).toBeNull()
      const runcExecs = () =>
        readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
          try {
            const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
            return argv.includes("exec") && argv.includes(id)
          } catch {
            return false
          }
        })
      expect(runcExecs().length).toBe(1)
      const exit = yield* Fiber.interrupt(execs).pipe(Effect.timeout("10 seconds"))
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(runcExecs()).toEqual([])
      // the child is the container's, gone with it
      expect((yield* Container.processes(c)).length).toBe(2)
      yield* Runtime.delete(c, { force: true })
      expect(yield* runcState(root, id)).toBe("absent")
    }).pipe(Effect.scoped, Effect.provide(node.layer)), 60_000)
})
