/**
 * The runtime protocol against the real binaries on this host: argv built by
 * `toArgv` runs real runc (create with a pid file, exec with a `--process`
 * file we wrote, kill, delete), the exec.fifo protocol starts a container
 * runc created, and runc's and crun's failures map to the typed errors.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { spawnSync } from "node:child_process"
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { open, readFile, unlink } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SystemError } from "../../src/ContainerError.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as NodeHost from "../../src/node/NodeHost.js"
import * as Runtime from "../../src/Runtime.js"
import { type Command, type GlobalOptions, toArgv } from "../../src/internal/runtime/argv.js"
import { type ExecFifoHost, start } from "../../src/internal/runtime/execFifo.js"
import { failureOf } from "../../src/internal/runtime/log.js"
import { checkSupported, parseVersion } from "../../src/internal/runtime/version.js"
import { encodeProcess } from "../../src/internal/specconv/load.js"
import { busybox, cgroupV1, describeWith, type Prerequisite, root, runc as runcBinary } from "../support/prerequisites.js"
import { makeBundle } from "../support/runc.js"

const crun: Prerequisite = {
  name: "crun on PATH (apt-get install crun)",
  present: () => spawnSync("sh", ["-c", "command -v crun"]).status === 0
}

/** A hybrid host (cgroup2 at /sys/fs/cgroup/unified) whose cgroup2 has controllers (here: hugetlb, not mounted as v1). */
const hybridWithV2Controllers = (): boolean => {
  try {
    return readFileSync("/sys/fs/cgroup/unified/cgroup.controllers", "utf8").trim() !== ""
  } catch {
    return false
  }
}

/** Runs `binary argv…` with stdio on files (never a pipe a detached init could hold open). */
const invoke = (binary: string, scratch: string, global: GlobalOptions, command: Command) => {
  const out = join(scratch, `out-${Math.random().toString(36).slice(2)}`)
  const log = join(scratch, `log-${Math.random().toString(36).slice(2)}`)
  const fd = openSync(out, "w")
  const result = spawnSync(binary, toArgv({ ...global, log, logFormat: "json" }, command), {
    stdio: ["ignore", fd, fd],
    timeout: 30_000
  })
  closeSync(fd)
  const logText = existsSync(log) ? readFileSync(log, "utf8") : ""
  return { status: result.status, signal: result.signal, output: readFileSync(out, "utf8"), log: logText }
}

const failure = (binary: string, run: ReturnType<typeof invoke>, command: Command) =>
  failureOf({
    runtime: binary,
    command: command._tag.toLowerCase(),
    id: command.id,
    exitCode: run.status,
    ...(run.signal === null ? {} : { signal: run.signal }),
    log: run.log
  })

/** The exec.fifo primitives on the real filesystem and /proc. */
const nodeFifoHost: ExecFifoHost = {
  openBlocking: (path) => openReader(path, constants.O_RDONLY),
  openNonBlocking: (path) => openReader(path, constants.O_RDONLY | constants.O_NONBLOCK),
  processState: (pid) =>
    Effect.promise(() =>
      readFile(`/proc/${pid}/stat`, "utf8").then(
        (stat) => (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z") ? "zombie" as const : "alive" as const),
        () => "gone" as const
      )
    ),
  remove: (path) =>
    Effect.tryPromise({ try: () => unlink(path), catch: (e) => systemError("remove", path, e) })
}

const systemError = (op: string, path: string, e: unknown) =>
  new SystemError({ op, path, code: (e as { code?: string }).code ?? "EIO" })

const openReader = (path: string, flags: number) =>
  Effect.tryPromise({ try: () => open(path, flags), catch: (e) => systemError("open", path, e) }).pipe(
    Effect.map((handle) => ({
      readAll: Effect.tryPromise({
        try: () => handle.readFile().then((b) => new Uint8Array(b)),
        catch: (e) => systemError("read", path, e)
      }),
      close: Effect.promise(() => handle.close())
    }))
  )

describeWith([root, runcBinary, busybox, cgroupV1], "the runtime protocol with real runc 1.1.5", () => {
  it("reads runc's version as supported", () => {
    const out = spawnSync("runc", ["--version"], { encoding: "utf8" }).stdout
    const version = Either.getOrThrow(parseVersion("runc", out))
    expect(version).toMatchObject({ runtime: "runc", major: 1, minor: 1 })
    expect(Either.isRight(checkSupported(version))).toBe(true)
  })

  it.scoped("create, native start, exec with a process file, kill and delete through our argv", () =>
    Effect.gen(function*() {
      const scratch = mkdtempSync(join(tmpdir(), "elc-rt-"))
      const stateRoot = join(scratch, "root")
      const bundle = makeBundle()
      const id = `elc-rt-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
      const global = { root: stateRoot }
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          spawnSync("runc", ["--root", stateRoot, "delete", "--force", id], { stdio: "ignore" })
          rmSync(bundle, { recursive: true, force: true })
          rmSync(scratch, { recursive: true, force: true })
        })
      )
      const pidFile = join(scratch, "init.pid")
      const created = invoke("runc", scratch, global, { _tag: "Create", id, options: { bundle, pidFile, noNewKeyring: true } })
      expect([created.status, created.log]).toEqual([0, ""])
      const state = () => JSON.parse(spawnSync("runc", ["--root", stateRoot, "state", id], { encoding: "utf8" }).stdout)
      expect(state().status).toBe("created")
      const pid = Number(readFileSync(pidFile, "utf8"))
      expect(pid).toBe(state().pid)

      // Our start, not runc's: open exec.fifo, read its byte, remove it.
      yield* start(nodeFifoHost, { stateDir: join(stateRoot, id), pid, status: "created" })
      expect(state().status).toBe("running")
      expect(existsSync(join(stateRoot, id, "exec.fifo"))).toBe(false)
      // A second start finds no FIFO, as runc's does.
      const again = yield* Effect.flip(start(nodeFifoHost, { stateDir: join(stateRoot, id), pid, status: "created" }))
      expect(again.message).toBe(`exec fifo: open ${join(stateRoot, id, "exec.fifo")}: no such file or directory`)
      const refused = yield* Effect.flip(start(nodeFifoHost, { stateDir: join(stateRoot, id), pid, status: "running" }))
      expect(refused.message).toBe("cannot start an already running container")

      const processFile = join(scratch, "process.json")
      writeFileSync(
        processFile,
        Either.getOrThrow(encodeProcess({
          user: { uid: 0, gid: 0 },
          args: ["sh", "-c", "echo hello from $WHO; exit 3"],
          env: ["PATH=/bin", "WHO=exec"],
          cwd: "/"
        }))
      )
      const exec = invoke("runc", scratch, global, { _tag: "Exec", id, args: [], options: { processFile } })
      expect([exec.status, exec.output]).toEqual([3, "hello from exec\n"])

      const kill = invoke("runc", scratch, global, { _tag: "Kill", id, signal: "KILL", all: true })
      expect(kill.status).toBe(0)
      for (let i = 0; i < 100 && state().status !== "stopped"; i++) yield* Effect.sleep("20 millis")
      expect(state().status).toBe("stopped")
      const deleted = invoke("runc", scratch, global, { _tag: "Delete", id, force: true })
      expect(deleted.status).toBe(0)
      expect(existsSync(join(stateRoot, id))).toBe(false)
    }))

  it.scoped("maps runc's failures to ErrExist, ErrNotExist, ErrInvalidID and RuntimeFailed", () =>
    Effect.gen(function*() {
      const scratch = mkdtempSync(join(tmpdir(), "elc-rt-"))
      const stateRoot = join(scratch, "root")
      const bundle = makeBundle()
      const id = `elc-rt-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
      const global = { root: stateRoot }
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          spawnSync("runc", ["--root", stateRoot, "delete", "--force", id], { stdio: "ignore" })
          rmSync(bundle, { recursive: true, force: true })
          rmSync(scratch, { recursive: true, force: true })
        })
      )
      const tagOf = (command: Command) => {
        const run = invoke("runc", scratch, global, command)
        expect(run.status).not.toBe(0)
        return failure("runc", run, command)
      }
      expect(invoke("runc", scratch, global, { _tag: "Create", id, options: { bundle } }).status).toBe(0)
      expect(tagOf({ _tag: "Create", id, options: { bundle } })._tag).toBe("ErrExist")
      for (const command of [
        { _tag: "Start", id: "elc-missing" },
        { _tag: "Delete", id: "elc-missing" },
        { _tag: "Kill", id: "elc-missing" },
        { _tag: "State", id: "elc-missing" },
        { _tag: "Exec", id: "elc-missing", args: ["true"], options: {} }
      ] as const) {
        expect([command._tag, tagOf(command)._tag]).toEqual([command._tag, "ErrNotExist"])
      }
      expect(tagOf({ _tag: "Create", id: "bad/id", options: { bundle } })).toMatchObject({ _tag: "ErrInvalidID", id: "bad/id" })
      const missing = tagOf({ _tag: "Create", id: "elc-other", options: { bundle: join(scratch, "nope") } })
      expect(missing).toMatchObject({
        _tag: "RuntimeFailed",
        message: `runc create failed: chdir ${join(scratch, "nope")}: no such file or directory`,
        exitCode: 1
      })
      const stopped = tagOf({ _tag: "Exec", id, args: [], options: { processFile: join(scratch, "none.json") } })
      expect(stopped).toMatchObject({ _tag: "RuntimeFailed", exitCode: 255 })
      expect(stopped.message).toBe(`exec failed: open ${join(scratch, "none.json")}: no such file or directory`)
    }))
})

describeWith([root, crun], "the runtime protocol with crun", () => {
  it("reads crun's version, and refuses it: its state is not runc's state.json", () => {
    const out = spawnSync("crun", ["--version"], { encoding: "utf8" }).stdout
    const version = Either.getOrThrow(parseVersion("crun", out))
    expect(version.runtime).toBe("crun")
    expect(Either.getOrThrow(Either.flip(checkSupported(version)))).toMatchObject({
      _tag: "RuntimeVersionUnsupported",
      reason: "crun keeps container state in its own format (<root>/<id>/status), not runc's state.json"
    })
  })

  it.effect("the Runtime with crun: version detected, create refused before crun runs, nothing made", () =>
    Effect.gen(function*() {
      const scratch = mkdtempSync(join(tmpdir(), "elc-crun-rt-"))
      const stateRoot = join(scratch, "root")
      const bundle = makeBundle()
      try {
        const crunRuntime = NodeHost.layerRuntimeWith({ binary: "crun" })
        const version = yield* Effect.flip(Runtime.version.pipe(Effect.provide(crunRuntime)))
        expect(version).toMatchObject({ _tag: "RuntimeVersionUnsupported", runtime: "crun" })
        expect(version.message).toMatch(/^unsupported OCI runtime crun \d+\.\d+(\.\d+)? \(supported: runc 1\.x\): crun keeps/)
        const refused = yield* Effect.flip(Runtime.create(stateRoot, "elc-crun-refused", { bundle }).pipe(Effect.provide(crunRuntime)))
        expect(refused._tag).toBe("RuntimeVersionUnsupported")
        expect(existsSync(stateRoot)).toBe(false)
      } finally {
        rmSync(bundle, { recursive: true, force: true })
        rmSync(scratch, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(Libcontainer.layerNode)), 30_000)

  it("why: crun refuses a hybrid host whose cgroup2 has controllers; elsewhere its state dir has `status`, no state.json", () => {
    const scratch = mkdtempSync(join(tmpdir(), "elc-crun-"))
    const stateRoot = join(scratch, "root")
    const bundle = makeBundle()
    const id = `elc-crun-${process.pid}`
    try {
      const created = invoke("crun", scratch, { root: stateRoot }, { _tag: "Create", id, options: { bundle } })
      if (hybridWithV2Controllers()) {
        // crun 1.8.1 `libcrun_cgroup_enter` (src/libcrun/cgroup.c), whatever --cgroup-manager says
        expect(created.status).toBe(1)
        expect(failure("crun", created, { _tag: "Create", id, options: { bundle } })).toMatchObject({
          _tag: "RuntimeFailed",
          message: "cgroups in hybrid mode not supported, drop all controllers from cgroupv2"
        })
        expect(existsSync(join(stateRoot, id))).toBe(false)
      } else {
        expect(created.status).toBe(0)
        expect(existsSync(join(stateRoot, id, "status"))).toBe(true)
        expect(existsSync(join(stateRoot, id, "state.json"))).toBe(false)
      }
    } finally {
      invoke("crun", scratch, { root: stateRoot }, { _tag: "Delete", id, force: true })
      rmSync(bundle, { recursive: true, force: true })
      rmSync(scratch, { recursive: true, force: true })
    }
  })

  it("maps crun's failures to ErrExist and ErrNotExist", () => {
    const scratch = mkdtempSync(join(tmpdir(), "elc-crun-"))
    const stateRoot = join(scratch, "root")
    const bundle = makeBundle()
    try {
      const tagOf = (command: Command) => failure("crun", invoke("crun", scratch, { root: stateRoot }, command), command)._tag
      for (const command of [
        { _tag: "Start", id: "elc-missing" },
        { _tag: "Delete", id: "elc-missing" },
        { _tag: "Kill", id: "elc-missing" },
        { _tag: "State", id: "elc-missing" },
        { _tag: "Exec", id: "elc-missing", args: ["true"], options: {} }
      ] as const) {
        expect([command._tag, tagOf(command)]).toEqual([command._tag, "ErrNotExist"])
      }
      // crun refuses an existing state dir before it looks at cgroups.
      mkdirSync(join(stateRoot, "elc-exists"), { recursive: true })
      expect(tagOf({ _tag: "Create", id: "elc-exists", options: { bundle } })).toBe("ErrExist")
    } finally {
      rmSync(bundle, { recursive: true, force: true })
      rmSync(scratch, { recursive: true, force: true })
    }
  })
})
