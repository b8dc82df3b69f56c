/**
 * The simulated host's runc: what it leaves on the simulated kernel after
 * each command — the init process, its PID namespace and cgroups,
 * `exec.fifo`, state.json as runc writes it — and its command line, log
 * lines and exit statuses, as runc 1.1.5's.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Container from "../../src/Container.js"
import type { CgroupMode } from "../../src/CgroupManager.js"
import { Filesystem } from "../../src/Filesystem.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import { Processes } from "../../src/Processes.js"
import * as Runtime from "../../src/Runtime.js"
import * as State from "../../src/State.js"
import { memory } from "../support/runtimeHosts.js"

const decoder = new TextDecoder()

const onHost = <A, E>(mode: CgroupMode, body: Effect.Effect<A, E, Libcontainer.AllServices | MemoryHost.MemoryHost | Scope.Scope>) =>
  Effect.scoped(body).pipe(Effect.provide(Libcontainer.layerMemoryWith({ cgroupMode: mode })))

/** `runc args…` on the simulated host, through the Processes port: status, stdout, stderr. */
const runc = (...args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const processes = yield* Processes
    const done = yield* processes.run({ path: "runc", args: ["runc", ...args] })
    return {
      status: done.status._tag === "Exited" ? done.status.code : -1,
      stdout: decoder.decode(done.stdout),
      stderr: decoder.decode(done.stderr)
    }
  })

for (const mode of ["unified", "hybrid"] as const) {
  describe(`the simulated runc (${mode} cgroups)`, () => {
    it.live("create: init in its own PID namespace and the container's cgroups, blocked on exec.fifo; start: it becomes the program", () =>
      onHost(mode, Effect.gen(function*() {
        const machine = yield* MemoryHost.MemoryHost
        const fs = yield* Filesystem
        const bundle = yield* memory.bundle({ args: ["sleep", "1000"] })
        const c = yield* Runtime.create("/run/runc", "c1", { bundle, pidFile: "/run/c1.pid" })
        const init = Option.getOrThrow((yield* Container.snapshot(c)).initProcess)
        const info = Option.getOrThrow(machine.processes.get(init.pid))
        expect(info).toMatchObject({ comm: "runc:[2:INIT]", state: "S", startTime: init.startTime })
        expect(info.pidNamespace).toBeGreaterThan(0)
        expect(decoder.decode(yield* fs.readFile("/run/c1.pid"))).toBe(String(init.pid))
        for (const dir of new Set(Object.values(yield* c.cgroupManager.getPaths))) {
          expect(yield* machine.cgroups.members(dir), dir).toEqual([init.pid])
        }
        // runc makes it with mode 0622 under its umask 022
        expect(yield* fs.lstat("/run/runc/c1/exec.fifo")).toMatchObject({ type: "FIFO", mode: 0o622 & ~0o022 })
        const saved = yield* Effect.flatMap(fs.readFile("/run/runc/c1/state.json"), State.decodeJson)
        expect(saved).toMatchObject({ id: "c1", init_process_pid: init.pid, init_process_start: init.startTime })
        expect(saved.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
        expect(saved.config.labels).toContain(`bundle=${bundle}`)

        yield* Runtime.start(c)
        expect(Option.getOrThrow(machine.processes.get(init.pid)).comm).toBe("sleep")
        const exec = yield* Runtime.exec(c, { args: ["sleep", "1000"] }, { detach: true })
        const child = Option.getOrThrow(machine.processes.get(exec.pid))
        expect([child.comm, child.ppid, child.pidNamespace]).toEqual(["sleep", init.pid, info.pidNamespace])
        expect(yield* Container.processes(c)).toEqual([init.pid, exec.pid].sort((a, b) => a - b))

        // the container's processes die with its init, as in a PID namespace
        machine.processes.signal(init.pid, 9)
        expect(machine.processes.get(exec.pid)._tag).toBe("None")
        expect(yield* Container.status(c)).toBe("stopped")
        yield* Runtime.delete(c)
        expect(machine.cgroups.cgroups().filter((p) => p.endsWith("/c1"))).toEqual([])
      })))

    it.live("its command line: --version, state, kill, delete; failures as runc's JSON log lines and exit statuses", () =>
      onHost(mode, Effect.gen(function*() {
        const fs = yield* Filesystem
        const version = yield* runc("--version")
        expect(version.stdout.split("\n")[0]).toBe("runc version 1.1.5")
        const bundle = yield* memory.bundle({ args: ["sleep", "1000"] })
        expect((yield* runc("--root", "/run/r", "create", "--bundle", bundle, "c2")).status).toBe(0)
        expect(JSON.parse((yield* runc("--root", "/run/r", "state", "c2")).stdout).status).toBe("created")
        expect((yield* runc("--root", "/run/r", "start", "c2")).status).toBe(0)
        expect(JSON.parse((yield* runc("--root", "/run/r", "state", "c2")).stdout).status).toBe("running")

        const again = yield* runc("--root", "/run/r", "--log", "/run/log.json", "--log-format", "json", "create", "-b", bundle, "c2")
        expect(again.status).toBe(1)
        expect(again.stderr).toBe("runc create failed: container with given ID already exists\n")
        const line = JSON.parse(decoder.decode(yield* fs.readFile("/run/log.json")))
        expect(line).toMatchObject({ level: "error", msg: "runc create failed: container with given ID already exists" })
        expect(Object.keys(line)).toEqual(["level", "msg", "time"])
        const exec = yield* runc("--root", "/run/r", "exec", "c2", "nosuch")
        expect(exec.status).toBe(255)
        expect(exec.stderr).toMatch(/level=error msg="exec failed: unable to start container process: exec: \\"nosuch\\": executable file not found in \$PATH"\n$/)
        const echoed = yield* runc("--root", "/run/r", "exec", "--env", "X=1", "c2", "sh", "-c", "echo $X; exit 6")
        expect([echoed.status, echoed.stdout]).toEqual([6, "1\n"])

        expect((yield* runc("--root", "/run/r", "kill", "c2", "KILL")).status).toBe(0)
        expect(JSON.parse((yield* runc("--root", "/run/r", "state", "c2")).stdout).status).toBe("stopped")
        expect((yield* runc("--root", "/run/r", "delete", "c2")).status).toBe(0)
        expect((yield* runc("--root", "/run/r", "state", "c2")).stderr).toMatch(/msg="container does not exist"/)
        expect((yield* runc("--root", "/run/r", "delete", "--force", "c2")).status).toBe(0)
      })))

    it.live("run in the foreground: the program's output on runc's stdout, its status as runc's, the container removed", () =>
      onHost(mode, Effect.gen(function*() {
        const bundle = yield* memory.bundle({ args: ["sh", "-c", "echo ran; exit 9"] })
        const ran = yield* runc("--root", "/run/r", "run", "-b", bundle, "c3")
        expect([ran.status, ran.stdout]).toEqual([9, "ran\n"])
        expect((yield* runc("--root", "/run/r", "state", "c3")).status).toBe(1)
        const killed = yield* memory.bundle({ args: ["sh", "-c", "sleep 1000"] })
        const fiber = yield* Effect.fork(runc("--root", "/run/r", "run", "--keep", "-b", killed, "c4"))
        yield* Effect.sleep("50 millis")
        expect((yield* runc("--root", "/run/r", "kill", "c4", "KILL")).status).toBe(0)
        const status = yield* Fiber.await(fiber)
        expect(status._tag === "Success" && status.value.status).toBe(128 + 9)
        expect(JSON.parse((yield* runc("--root", "/run/r", "state", "c4")).stdout).status).toBe("stopped")
      })))
  })
}
