/**
 * SIGKILL to a paused container, on this host's v1 freezer (hybrid
 * cgroups: `cgroup.kill` exists in the unified hierarchy, but the v1
 * freezer holds even SIGKILL until the cgroup is thawed). Whatever path the
 * kill takes — `cgroup.kill`, the per-pid loop of `kill --all`, the init
 * process alone, `delete --force`, destroy of a container last seen as
 * created — the container must end stopped with none of its processes left
 * frozen, as runc 1.1.5 leaves it.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { existsSync, readFileSync } from "node:fs"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as Signal from "../../src/Signal.js"
import { busybox, cgroupV1, describeWith, root as asRoot, runc as runcBinary } from "../support/prerequisites.js"
import { realContainer, runc, runcResult } from "../support/runc.js"

/** init is a shell with two children, so "every process" is more than init. */
const args = ["sh", "-c", "sleep 100000 & sleep 100000 & wait"]

interface Proc {
  readonly pid: number
  readonly start: string
}

/** State letter and start time (field 22) of `/proc/<pid>/stat`, or undefined when the pid is gone. */
const stat = (pid: number): { readonly state: string; readonly start: string } | undefined => {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  return { state: fields[0] ?? "", start: fields[19] ?? "" }
}

/** The container's processes as runc lists them, with their start times. */
const processesOf = (root: string, id: string): ReadonlyArray<Proc> =>
  (JSON.parse(runc(root, ["ps", "--format", "json", id])) as Array<number>).map((pid) => ({
    pid,
    start: stat(pid)?.start ?? ""
  }))

/** The recorded processes that still exist (same start time) and are not zombies. */
const alive = (procs: ReadonlyArray<Proc>): ReadonlyArray<Proc & { readonly state: string }> =>
  procs.flatMap((p) => {
    const now = stat(p.pid)
    return now !== undefined && now.start === p.start && now.state !== "Z" && now.state !== "X"
      ? [{ ...p, state: now.state }]
      : []
  })

/** Waits (up to 4 s) for every recorded process to die; returns the survivors. */
const survivors = (procs: ReadonlyArray<Proc>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && alive(procs).length > 0; i++) yield* Effect.sleep("20 millis")
    return alive(procs)
  })

const statusOf = (root: string, id: string): string => {
  const r = runcResult(root, ["state", id])
  return r.status === 0 ? JSON.parse(r.stdout).status : r.stderr.includes("container does not exist") ? "gone" : r.stderr
}

const waitForStatus = (root: string, id: string, wanted: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && statusOf(root, id) !== wanted; i++) yield* Effect.sleep("20 millis")
    return statusOf(root, id)
  })

const freezerState = (dir: string): string =>
  existsSync(`${dir}/freezer.state`) ? readFileSync(`${dir}/freezer.state`, "utf8").trim() : "gone"

const shapes = [
  { name: "the host's PID namespace", hostPidNamespace: true, tag: "h" },
  { name: "a private PID namespace", hostPidNamespace: false, tag: "p" }
] as const

const tag = process.pid.toString(36)

describeWith([asRoot, runcBinary, busybox, cgroupV1], "SIGKILL to a container paused by runc (v1 freezer)", () => {
  /** A runc container paused by runc, loaded by us; its processes and freezer cgroup. */
  const paused = (name: string, hostPidNamespace: boolean) =>
    Effect.gen(function*() {
      const real = yield* realContainer(`k-${name}-${tag}`, "paused", { args, hostPidNamespace })
      const procs = processesOf(real.root, real.id)
      expect(procs).toHaveLength(3)
      for (const p of procs) expect(stat(p.pid)?.state, "frozen by runc pause").toBe("D")
      const c = yield* Factory.load(real.root, real.id)
      const paths = yield* c.cgroupManager.getPaths
      return { real, c, procs, freezer: paths["freezer"] ?? "" }
    })

  const realTest = (name: string, body: () => Effect.Effect<void, unknown, Libcontainer.Services | Scope.Scope>) =>
    it.scopedLive(name, () => Effect.provide(body(), Libcontainer.layerNode), 60_000)

  for (const shape of shapes) {
    realTest(`with ${shape.name}: Container.signal(SIGKILL) stops it and leaves nothing frozen; runc kill KILL too`, () =>
      Effect.gen(function*() {
        const ours = yield* paused(`sig-${shape.tag}`, shape.hostPidNamespace)
        yield* Container.signal(ours.c, Signal.SIGKILL)
        expect(yield* waitForStatus(ours.real.root, ours.real.id, "stopped")).toBe("stopped")
        expect(yield* Container.status(ours.c)).toBe("stopped")
        expect(freezerState(ours.freezer)).toBe("THAWED")
        // a private PID namespace dies with its init; in the host's, every process of the cgroup is killed
        expect(yield* survivors(ours.procs)).toEqual([])

        const theirs = yield* paused(`sig-${shape.tag}-runc`, shape.hostPidNamespace)
        runc(theirs.real.root, ["kill", theirs.real.id, "KILL"])
        expect(yield* waitForStatus(theirs.real.root, theirs.real.id, "stopped")).toBe("stopped")
        expect(freezerState(theirs.freezer)).toBe("THAWED")
        // runc 1.1.5 signals init alone: in the host's PID namespace its children live on, but none is frozen
        expect(alive(theirs.procs).filter((p) => p.state === "D")).toEqual([])
      }))

    realTest(`with ${shape.name}: Container.signal(SIGKILL, { all }) stops it and leaves nothing frozen, as runc kill --all`, () =>
      Effect.gen(function*() {
        const ours = yield* paused(`all-${shape.tag}`, shape.hostPidNamespace)
        yield* Container.signal(ours.c, Signal.SIGKILL, { all: true })
        expect(yield* waitForStatus(ours.real.root, ours.real.id, "stopped")).toBe("stopped")
        expect(freezerState(ours.freezer)).toBe("THAWED")
        expect(yield* survivors(ours.procs)).toEqual([])

        const theirs = yield* paused(`all-${shape.tag}-runc`, shape.hostPidNamespace)
        runc(theirs.real.root, ["kill", "--all", theirs.real.id, "KILL"])
        expect(yield* waitForStatus(theirs.real.root, theirs.real.id, "stopped")).toBe("stopped")
        expect(freezerState(theirs.freezer)).toBe("THAWED")
        expect(yield* survivors(theirs.procs)).toEqual([])
      }))

    realTest(`with ${shape.name}: Container.remove({ force }) takes it away within a few polls, as runc delete --force`, () =>
      Effect.gen(function*() {
        const ours = yield* paused(`rm-${shape.tag}`, shape.hostPidNamespace)
        // a kill that does not land would leave init frozen: 10 polls (not runc's 100) end in InitStillRunning
        yield* Container.remove(ours.c, { force: true, killPolls: 10 })
        expect(statusOf(ours.real.root, ours.real.id)).toBe("gone")
        expect(existsSync(ours.freezer)).toBe(false)
        expect(yield* survivors(ours.procs)).toEqual([])

        const theirs = yield* paused(`rm-${shape.tag}-runc`, shape.hostPidNamespace)
        runc(theirs.real.root, ["delete", "--force", theirs.real.id])
        expect(statusOf(theirs.real.root, theirs.real.id)).toBe("gone")
        expect(existsSync(theirs.freezer)).toBe(false)
        expect(yield* survivors(theirs.procs)).toEqual([])
      }))
  }

  realTest("destroy of a container last seen as created, paused since by runc, kills and thaws it", () =>
    Effect.gen(function*() {
      const real = yield* realContainer(`k-destroy-${tag}`, "created", { args })
      const c = yield* Factory.load(real.root, real.id)
      expect(yield* Container.status(c)).toBe("created")
      runc(real.root, ["pause", real.id])
      const procs = processesOf(real.root, real.id)
      const freezer = (yield* c.cgroupManager.getPaths)["freezer"] ?? ""
      expect(freezerState(freezer)).toBe("FROZEN")
      yield* Container.destroy(c)
      expect(statusOf(real.root, real.id)).toBe("gone")
      expect(existsSync(freezer)).toBe(false)
      expect(yield* survivors(procs)).toEqual([])
      expect(Option.isNone((yield* Container.snapshot(c)).initProcess)).toBe(true)
    }))
})
