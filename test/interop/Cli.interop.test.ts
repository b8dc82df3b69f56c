/**
 * The `libcontainer` CLI against real runc 1.1.5 on this host. runc makes
 * containers in every status; the bundled CLI (built fresh from src with
 * the same esbuild settings as `bin/`) must print what runc prints for
 * `list`, `state` and `ps`, fail with runc's error lines and exit statuses,
 * and what either tool does with pause, resume, kill and delete must be
 * what the other sees. Most calls run the built executable; the long
 * tables of cases run the same program in this process, to keep the suite
 * quick.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { buildCli, executableIn } from "../../scripts/build-cli.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { busybox, describeWith, root as asRoot, runc as runcBinary } from "../support/prerequisites.js"
import { createContainer, destroyContainer, makeBundle, makeRoot, type RealStatus } from "../support/runc.js"
import { type Run, runCli, spawnRun } from "../support/cli.js"

const spawn = (command: string, args: ReadonlyArray<string>): Run => spawnRun(command, args)

const outdir = join(import.meta.dirname, "../../node_modules/.cache/effect-libcontainer", `cli-${process.pid}`)
const bundled = executableIn(outdir)

/** The bundled CLI, as a user runs it. */
const ours = (root: string, ...args: ReadonlyArray<string>): Run => spawn(process.execPath, [bundled, "--root", root, ...args])

/** runc 1.1.5 itself. */
const theirs = (root: string, ...args: ReadonlyArray<string>): Run => spawn("runc", ["--root", root, ...args])

/** The CLI in this process: the same program, without a node start per call. */
const inProcess = (root: string, ...args: ReadonlyArray<string>) =>
  runCli(["--root", root, ...args]).pipe(Effect.provide(Libcontainer.layerNode))

/** An error line without its timestamp. */
const untimed = (stderr: string) => stderr.replace(/^time="[^"]*" /gm, "time=T ")

const statusOf = (root: string, id: string): string => JSON.parse(theirs(root, "state", id).stdout).status

const waitForStatus = (root: string, id: string, wanted: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100 && statusOf(root, id) !== wanted; i++) yield* Effect.sleep("20 millis")
    return statusOf(root, id)
  })

const statuses: ReadonlyArray<RealStatus> = ["created", "running", "paused", "stopped"]

// unique per run: runc names a container's cgroup after its id, and suites may run side by side
const tag = process.pid.toString(36)
const idOf = (name: string) => `cli-${name}-${tag}`

/** Containers made for one suite, removed with their bundles and root afterwards. */
const fleet = () => {
  const made: Array<{ root: string; id: string; bundle: string }> = []
  const roots: Array<string> = []
  return {
    root: () => {
      const root = makeRoot()
      roots.push(root)
      return root
    },
    make: (root: string, id: string, status: RealStatus, annotations?: Record<string, string>) => {
      const bundle = makeBundle(annotations === undefined ? {} : { annotations })
      made.push({ root, id, bundle })
      createContainer(root, id, bundle, status)
    },
    /** Idempotent; never runs runc on a root that is gone (runc 1.1.5 would make it again). */
    cleanup: () => {
      for (const { bundle, id, root } of made.splice(0)) {
        if (existsSync(root)) destroyContainer(root, id)
        rmSync(bundle, { recursive: true, force: true })
      }
      for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
    }
  }
}

describeWith([asRoot, runcBinary, busybox], "libcontainer CLI against runc 1.1.5", () => {
  const containers = fleet()
  let shared = ""

  beforeAll(async () => {
    try {
      await buildCli(outdir)
      shared = containers.root()
      for (const status of statuses) {
        containers.make(shared, idOf(status), status, { "org.example/status": status, "z<&>": "ü\u2028" })
      }
      // a create killed before state.json was written, and a state.json that does not decode
      mkdirSync(join(shared, idOf("half")), { mode: 0o711 })
      mkdirSync(join(shared, idOf("corrupt")), { mode: 0o711 })
      writeFileSync(join(shared, idOf("corrupt"), "state.json"), "{")
    } catch (e) {
      containers.cleanup()
      throw e
    }
  }, 180_000)

  afterAll(() => {
    containers.cleanup()
    rmSync(outdir, { recursive: true, force: true })
  })

  it("list: the table, --format json and -q are runc's bytes; unloadable entries are reported on stderr", () => {
    for (const args of [["list"], ["list", "--format", "json"], ["list", "-f", "json"], ["list", "-q"]]) {
      const [a, b] = [ours(shared, ...args), theirs(shared, ...args)]
      expect(a.stdout, args.join(" ")).toBe(b.stdout)
      expect(a.status).toBe(0)
      expect(b.status).toBe(0)
      // runc 1.1.5 says `unexpected EOF` for the corrupt file; we name the file too (docs/compatibility.md)
      expect(a.stderr).toBe(
        `load container ${idOf("corrupt")}: corrupt state file ${shared}/${idOf("corrupt")}/state.json: unexpected EOF\n` +
          `load container ${idOf("half")}: container does not exist\n`
      )
      expect(b.stderr).toBe(
        `load container ${idOf("corrupt")}: unexpected EOF\nload container ${idOf("half")}: container does not exist\n`
      )
    }
    const listed = JSON.parse(ours(shared, "list", "-f", "json").stdout) as Array<{ id: string; status: string }>
    expect(listed.map((r) => [r.id, r.status])).toEqual(
      [...statuses].sort().map((s) => [idOf(s), s])
    )
    // an unknown format fails after the entries were read, as runc's does
    const [a, b] = [ours(shared, "list", "--format", "yaml"), theirs(shared, "list", "--format", "yaml")]
    expect(untimed(a.stderr).split("\n").slice(-2)).toEqual(untimed(b.stderr).split("\n").slice(-2))
    expect(a.stderr).toMatch(/level=error msg="invalid format option"\n$/)
    expect([a.status, b.status, a.stdout, b.stdout]).toEqual([1, 1, "", ""])
  })

  it("state: runc's indented JSON for every status", () => {
    for (const status of statuses) {
      const [a, b] = [ours(shared, "state", idOf(status)), theirs(shared, "state", idOf(status))]
      expect(a.stdout, status).toBe(b.stdout)
      expect(JSON.parse(a.stdout).status).toBe(status)
      expect([a.status, a.stderr]).toEqual([0, ""])
    }
  })

  it.effect("ps: the table, custom ps options and --format json for every status", () =>
    Effect.gen(function*() {
      for (const status of statuses) {
        const id = idOf(status)
        for (const args of [["ps", id], ["ps", "--format", "json", id], ["ps", id, "-o", "pid,comm"]]) {
          const [a, b] = [yield* inProcess(shared, ...args), theirs(shared, ...args)]
          expect(a.stdout, args.join(" ")).toBe(b.stdout)
          expect([a.status, a.stderr]).toEqual([b.status, b.stderr])
        }
      }
      const pids = JSON.parse(theirs(shared, "ps", "-f", "json", idOf("running")).stdout)
      expect(pids).toHaveLength(1)
      expect(ours(shared, "ps", "-f", "json", idOf("running")).stdout).toBe(`[${pids[0]}]\n`)
    }))

  it.effect("errors: runc's line (time aside) and exit status 1", () =>
    Effect.gen(function*() {
    const cases: ReadonlyArray<ReadonlyArray<string>> = [
      ["state", "missing"],
      ["state", "../escape"],
      ["kill", idOf("running"), "FOO"],
      ["kill", idOf("stopped")],
      ["delete", idOf("running")],
      ["delete", idOf("paused")],
      ["pause", idOf("paused")],
      ["pause", idOf("stopped")],
      ["resume", idOf("running")],
      ["ps", "-f", "yaml", idOf("running")]
    ]
    // the first two through the executable (exit status, stderr of a real process), the rest in this process
    for (const [i, args] of cases.entries()) {
      const [a, b] = [i < 2 ? ours(shared, ...args) : yield* inProcess(shared, ...args), theirs(shared, ...args)]
      expect(untimed(a.stderr), args.join(" ")).toBe(untimed(b.stderr))
      expect(a.stderr).toMatch(/^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)" level=error msg=".+"\n$/)
      expect([a.status, b.status]).toEqual([1, 1])
      expect(a.stdout).toBe(b.stdout)
    }
    expect(statusOf(shared, idOf("running"))).toBe("running")
    expect(statusOf(shared, idOf("paused"))).toBe("paused")
  }))

  it("no container, or not one, through the executable: runc's line for state and ps", () => {
    const root = containers.root()
    mkdirSync(join(root, "nostate"), { mode: 0o711 })
    writeFileSync(join(root, "afile"), "x")
    symlinkSync("/nowhere", join(root, "dangling"))
    const cases: ReadonlyArray<ReadonlyArray<string>> = [
      ["state", "missing"],
      ["state", "nostate"],
      ["state", "afile"],
      ["state", "dangling"],
      ["ps", "missing"],
      ["ps", "-f", "json", "missing"],
      ["ps", "nostate"],
      ["ps", "afile"],
      ["--log-format", "json", "state", "missing"]
    ]
    for (const args of cases) {
      const [a, b] = [ours(root, ...args), theirs(root, ...args)]
      const line = (stderr: string) => untimed(stderr).replace(/"time":"[^"]*"/g, `"time":T`)
      expect(line(a.stderr), args.join(" ")).toBe(line(b.stderr))
      expect([a.status, a.stdout], args.join(" ")).toEqual([1, b.stdout])
    }
  })

  it.live("our pause, resume, kill and delete are what runc sees", () =>
    Effect.gen(function*() {
      const root = containers.root()
      const [a, b, c, d] = [idOf("a"), idOf("b"), idOf("c"), idOf("d")]
      containers.make(root, a, "running")
      expect(ours(root, "pause", a)).toEqual({ status: 0, stdout: "", stderr: "" })
      expect(statusOf(root, a)).toBe("paused")
      expect(ours(root, "resume", a)).toEqual({ status: 0, stdout: "", stderr: "" })
      expect(statusOf(root, a)).toBe("running")
      expect(ours(root, "kill", a, "KILL").status).toBe(0)
      expect(yield* waitForStatus(root, a, "stopped")).toBe("stopped")
      expect(ours(root, "delete", a).status).toBe(0)
      expect(untimed(theirs(root, "state", a).stderr)).toBe(`time=T level=error msg="container does not exist"\n`)

      containers.make(root, b, "created")
      expect(ours(root, "delete", b).status).toBe(0)
      containers.make(root, c, "paused")
      expect(ours(root, "delete", "--force", c).status).toBe(0)
      containers.make(root, d, "running")
      expect(ours(root, "kill", "--all", d, "KILL").status).toBe(0)
      expect(yield* waitForStatus(root, d, "stopped")).toBe("stopped")
      // on a stopped container (its cgroup still there, empty) both succeed quietly
      expect(ours(root, "kill", "--all", d, "TERM")).toEqual(theirs(root, "kill", "--all", d, "TERM"))
      expect(ours(root, "delete", "-f", d).status).toBe(0)
      expect(theirs(root, "list", "-q")).toEqual({ status: 0, stdout: "", stderr: "" })
      for (const id of [a, b, c, d]) expect(existsSync(join(root, id))).toBe(false)
    }))

  it.live("runc's pause, resume, kill and delete are what we see", () =>
    Effect.gen(function*() {
      const root = containers.root()
      const e = idOf("e")
      containers.make(root, e, "running")
      const state = () => Effect.map(inProcess(root, "state", e), (r) => JSON.parse(r.stdout).status)
      expect(theirs(root, "pause", e).status).toBe(0)
      expect(yield* state()).toBe("paused")
      expect(theirs(root, "resume", e).status).toBe(0)
      expect(yield* state()).toBe("running")
      expect(theirs(root, "kill", e, "KILL").status).toBe(0)
      for (let i = 0; i < 100 && (yield* state()) !== "stopped"; i++) yield* Effect.sleep("20 millis")
      expect(yield* state()).toBe("stopped")
      expect(theirs(root, "delete", e).status).toBe(0)
      expect(untimed((yield* inProcess(root, "state", e)).stderr)).toBe(`time=T level=error msg="container does not exist"\n`)
      expect(yield* inProcess(root, "list", "-q")).toEqual({ status: 0, stdout: "", stderr: "" })
    }))
})
