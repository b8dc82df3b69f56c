/**
 * The `libcontainer` CLI on the simulated host: every command's output as
 * runc prints it, captured through `Output`, and every failure as runc's one
 * logrus line on stderr with exit status 1.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { describe, expect, it } from "@effect/vitest"
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as App from "../../src/cli/app.js"
import { Filesystem } from "../../src/Filesystem.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { seedContainer, seededCreated } from "../support/simulatedContainers.js"

const root = "/run/runc"
const encoder = new TextEncoder()

/** What one CLI run printed and returned; `console` is what @effect/cli itself printed (usage errors). */
interface Result {
  readonly status: number
  readonly stdout: string
  readonly stderr: string
  readonly console: string
}

const capturingConsole = (sink: { text: string }) =>
  Effect.map(Effect.console, (current): Console.Console => ({
    ...current,
    log: (...args) => Effect.sync(() => void (sink.text += args.join(" ") + "\n")),
    error: (...args) => Effect.sync(() => void (sink.text += args.join(" ") + "\n"))
  }))

/** Runs `libcontainer --root <root> args…` in-process. */
const cli = (...args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const captured = { stdout: "", stderr: "" }
    const printed = { text: "" }
    const output: App.Output = {
      stdout: (t) => void (captured.stdout += t),
      stderr: (t) => void (captured.stderr += t)
    }
    const status = yield* App.run(["node", "libcontainer", "--root", root, ...args], output).pipe(
      Effect.withConsole(yield* capturingConsole(printed))
    )
    const result: Result = { status, ...captured, console: printed.text }
    return result
  })

const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

const onMemory = <A, E>(effect: Effect.Effect<A, E, Libcontainer.Services | Libcontainer.Machine | Layer.Layer.Success<typeof platform>>) =>
  effect.pipe(Effect.provide(Layer.mergeAll(platform, Libcontainer.layerMemoryWith({ cgroupMode: "hybrid" }))))

/** An error line: runc's logrus format, with whatever time it was. */
const errorLine = (message: string) => new RegExp(`^time="[0-9T:+Z-]+" level=error msg=${escape(message)}\n$`)
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The four statuses, seeded in this order so their init pids are 1000..1003. */
const seedAll = Effect.gen(function*() {
  const created = yield* seedContainer(root, "c1", "created")
  const paused = yield* seedContainer(root, "p1", "paused", { annotations: { "org.example/b": "2", a: "<&>" } })
  const running = yield* seedContainer(root, "r1", "running")
  const stopped = yield* seedContainer(root, "s1", "stopped")
  return { created, paused, running, stopped }
})

const expectFailure = (result: Result, message: string) => {
  expect(result.stderr).toMatch(errorLine(JSON.stringify(message)))
  expect(result.status).toBe(1)
  expect(result.stdout).toBe("")
}

describe("libcontainer list", () => {
  it.effect("prints runc's table: name order, tabwriter columns, pid 0 when stopped, owner from /etc/passwd", () =>
    onMemory(Effect.gen(function*() {
      yield* seedAll
      const result = yield* cli("list")
      expect(result).toEqual({
        status: 0,
        stderr: "",
        console: "",
        stdout: [
          "ID          PID         STATUS      BUNDLE        CREATED" + " ".repeat(25) + "OWNER\n",
          `c1          1000        created     /bundles/c1   ${seededCreated}   root\n`,
          `p1          1001        paused      /bundles/p1   ${seededCreated}   root\n`,
          `r1          1002        running     /bundles/r1   ${seededCreated}   root\n`,
          `s1          0           stopped     /bundles/s1   ${seededCreated}   root\n`
        ].join("")
      })
    })))

  it.effect("--format json: runc's records, compact, annotations sorted and HTML-escaped, one newline", () =>
    onMemory(Effect.gen(function*() {
      yield* seedAll
      const record = (id: string, pid: number, status: string, extra = "") =>
        `{"ociVersion":"1.0.2-dev","id":"${id}","pid":${pid},"status":"${status}","bundle":"/bundles/${id}",` +
        `"rootfs":"/bundles/${id}/rootfs","created":"${seededCreated}",${extra}"owner":"root"}`
      const expected = `[${
        [
          record("c1", 1000, "created"),
          record("p1", 1001, "paused", `"annotations":{"a":"\\u003c\\u0026\\u003e","org.example/b":"2"},`),
          record("r1", 1002, "running"),
          record("s1", 0, "stopped")
        ].join(",")
      }]\n`
      for (const flag of ["--format", "-f"]) {
        const result = yield* cli("list", flag, "json")
        expect(result.stdout).toBe(expected)
        expect(result.status).toBe(0)
      }
    })))

  it.effect("-q prints only ids, whatever --format says", () =>
    onMemory(Effect.gen(function*() {
      yield* seedAll
      expect((yield* cli("list", "-q")).stdout).toBe("c1\np1\nr1\ns1\n")
      expect((yield* cli("list", "--quiet", "--format", "yaml")).stdout).toBe("c1\np1\nr1\ns1\n")
    })))

  it.effect("an empty or missing root: the header alone, or null; nothing is created", () =>
    onMemory(Effect.gen(function*() {
      const fs = yield* Filesystem
      const empty = "ID          PID         STATUS      BUNDLE      CREATED     OWNER\n"
      expect((yield* cli("list")).stdout).toBe(empty)
      expect((yield* cli("list", "--format", "json")).stdout).toBe("null\n")
      expect((yield* cli("list", "-q")).stdout).toBe("")
      expect((yield* Effect.flip(fs.stat(root))).code).toBe("ENOENT")
      yield* fs.makeDirectory(root, 0o700)
      expect((yield* cli("list")).stdout).toBe(empty)
    })))

  it.effect("entries that do not load are reported as runc reports them, and the rest is listed", () =>
    onMemory(Effect.gen(function*() {
      const fs = yield* Filesystem
      yield* seedContainer(root, "good", "running")
      yield* fs.makeDirectory(`${root}/bad`, 0o711)
      yield* fs.writeFile(`${root}/bad/state.json`, encoder.encode("{"))
      yield* fs.makeDirectory(`${root}/half`, 0o711)
      yield* fs.makeDirectory(`${root}/x y`, 0o711)
      yield* fs.writeFile(`${root}/not-a-dir`, encoder.encode(""))
      const result = yield* cli("list", "-q")
      expect(result.stdout).toBe("good\n")
      expect(result.stderr).toBe(
        `load container bad: corrupt state file ${root}/bad/state.json: unexpected EOF\n` +
          "load container half: container does not exist\n" +
          "load container x y: invalid container ID format\n"
      )
      expect(result.status).toBe(0)
    })))

  it.effect("the owner is the state dir's user, `#<uid>` without a passwd entry", () =>
    Effect.gen(function*() {
      const fs = yield* Filesystem
      yield* fs.writeFile("/etc/passwd", encoder.encode("root:x:0:0::/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\n"))
      yield* seedContainer(root, "a", "running")
      const saved = yield* fs.readFile(`${root}/a/state.json`)
      for (const id of ["b", "c"]) yield* fs.writeFile(`${root}/${id}/state.json`, saved, { mode: 0o600 })
      const owners = JSON.parse((yield* cli("list", "-f", "json")).stdout).map((r: { owner: string }) => r.owner)
      expect(owners).toEqual(["root", "daemon", "#1000"])
    }).pipe(
      Effect.provide(Layer.mergeAll(
        platform,
        Libcontainer.layerMemoryWith({
          entries: [
            { type: "dir", path: root, mode: 0o700 },
            { type: "dir", path: `${root}/b`, mode: 0o711, uid: 1 },
            { type: "dir", path: `${root}/c`, mode: 0o711, uid: 1000 }
          ]
        })
      ))
    ))

  it.effect("an unknown --format is runc's `invalid format option`, after the entries were read", () =>
    onMemory(Effect.gen(function*() {
      yield* seedAll
      expectFailure(yield* cli("list", "--format", "yaml"), "invalid format option")
    })))
})

describe("libcontainer state and ps", () => {
  it.effect("state prints runc's indented JSON, no trailing newline", () =>
    onMemory(Effect.gen(function*() {
      const { paused } = yield* seedAll
      const result = yield* cli("state", "p1")
      expect(result.status).toBe(0)
      expect(result.stdout).toBe(
        [
          "{",
          `  "ociVersion": "1.0.2-dev",`,
          `  "id": "p1",`,
          `  "pid": ${paused.init},`,
          `  "status": "paused",`,
          `  "bundle": "/bundles/p1",`,
          `  "rootfs": "/bundles/p1/rootfs",`,
          `  "created": "${seededCreated}",`,
          `  "annotations": {`,
          `    "a": "\\u003c\\u0026\\u003e",`,
          `    "org.example/b": "2"`,
          "  },",
          `  "owner": ""`,
          "}"
        ].join("\n")
      )
      expect(JSON.parse((yield* cli("state", "s1")).stdout)).toMatchObject({ pid: 0, status: "stopped" })
    })))

  it.effect("ps --format json lists the cgroup's pids, `null` when there are none", () =>
    onMemory(Effect.gen(function*() {
      const { running } = yield* seedAll
      expect((yield* cli("ps", "--format", "json", "r1")).stdout).toBe(`[${running.init}]\n`)
      expect((yield* cli("ps", "-f", "json", "s1")).stdout).toBe("null\n")
      expectFailure(yield* cli("ps", "-f", "yaml", "r1"), "invalid format option")
    })))

  it.effect("ps keeps the header and the container's lines of ps's output", () =>
    Effect.gen(function*() {
      const output = [
        "UID          PID    PPID  C STIME TTY          TIME CMD",
        "root           1       0  0 10:33 ?        00:00:01 /sbin/init",
        "root        1002       1  0 10:40 ?        00:00:00 sleep 100000",
        "root        1003    1002  0 10:40 ?        00:00:00 sh",
        ""
      ].join("\n")
      expect(yield* App.filterPs(output, [1002])).toBe(
        "UID          PID    PPID  C STIME TTY          TIME CMD\nroot        1002       1  0 10:40 ?        00:00:00 sleep 100000\n"
      )
      expect(yield* App.filterPs("  PID COMMAND\n 7 x\n", [])).toBe("  PID COMMAND\n")
      expect(App.pidIndex("  USER PID")).toBe(1)
      expect((yield* Effect.flip(App.filterPs("USER COMMAND\nroot x\n", [1]))).message).toBe(
        "couldn't find PID field in ps output"
      )
      expect((yield* Effect.flip(App.filterPs("PID CMD\nabc x\n", [1]))).message).toBe(
        `unable to parse pid: strconv.Atoi: parsing "abc": invalid syntax`
      )
    }))
})

describe("libcontainer pause, resume, kill, delete", () => {
  it.effect("pause and resume change what list and state report", () =>
    onMemory(Effect.gen(function*() {
      yield* seedAll
      expect(yield* cli("pause", "r1")).toEqual({ status: 0, stdout: "", stderr: "", console: "" })
      expect(JSON.parse((yield* cli("state", "r1")).stdout).status).toBe("paused")
      expect(yield* cli("resume", "r1")).toEqual({ status: 0, stdout: "", stderr: "", console: "" })
      expect(JSON.parse((yield* cli("state", "r1")).stdout).status).toBe("running")
    })))

  it.effect("kill sends SIGTERM by default, takes runc's signal spellings, and --all reaches every process", () =>
    onMemory(Effect.gen(function*() {
      const machine = yield* Libcontainer.Machine
      const r = yield* seedContainer(root, "r", "running")
      expect((yield* cli("kill", "r")).status).toBe(0)
      expect(Option.isNone(machine.processes.get(r.init))).toBe(true)
      for (const [i, spelling] of ["KILL", "9", "sigkill", "SIGKILL"].entries()) {
        const c = yield* seedContainer(root, `k${i}`, "running")
        expect((yield* cli("kill", `k${i}`, spelling)).status).toBe(0)
        expect(Option.isNone(machine.processes.get(c.init)), spelling).toBe(true)
      }
      const all = yield* seedContainer(root, "all", "running", { children: 2 })
      expect((yield* cli("kill", "--all", "all", "USR1")).status).toBe(0)
      for (const pid of [all.init, ...all.children]) expect(Option.isNone(machine.processes.get(pid))).toBe(true)
    })))

  it.live("delete removes a stopped or created container; --force a running or paused one", () =>
    onMemory(Effect.gen(function*() {
      const fs = yield* Filesystem
      yield* seedAll
      for (const args of [["s1"], ["c1"], ["--force", "r1"], ["-f", "p1"]]) {
        expect(yield* cli("delete", ...args)).toEqual({ status: 0, stdout: "", stderr: "", console: "" })
      }
      expect(yield* fs.readDirectory(root)).toEqual([])
    })))

  it.effect("delete of a state dir without state.json removes it, and fails unless forced, as runc", () =>
    onMemory(Effect.gen(function*() {
      const fs = yield* Filesystem
      yield* fs.makeDirectoryAll(`${root}/half`, 0o711)
      yield* fs.writeFile(`${root}/half/exec.fifo`, encoder.encode(""))
      expectFailure(yield* cli("delete", "half"), "container does not exist")
      expect((yield* Effect.flip(fs.stat(`${root}/half`))).code).toBe("ENOENT")
      yield* fs.makeDirectoryAll(`${root}/half`, 0o711)
      expect(yield* cli("delete", "--force", "half")).toEqual({ status: 0, stdout: "", stderr: "", console: "" })
      expect((yield* Effect.flip(fs.stat(`${root}/half`))).code).toBe("ENOENT")
    })))
})

describe("libcontainer errors: one logrus line on stderr, exit status 1", () => {
  it.effect("runc's messages for the failures runc users meet", () =>
    onMemory(Effect.gen(function*() {
      yield* seedAll
      expectFailure(yield* cli("state", "nope"), "container does not exist")
      expectFailure(yield* cli("state", "../x"), "invalid container ID format")
      expectFailure(yield* cli("kill", "r1", "FOO"), `unknown signal "FOO"`)
      expectFailure(yield* cli("kill", "nope", "FOO"), "container does not exist")
      expectFailure(yield* cli("kill", "s1"), "container not running")
      expectFailure(yield* cli("delete", "r1"), "cannot delete container r1 that is not stopped: running")
      expectFailure(yield* cli("delete", "p1"), "cannot delete container p1 that is not stopped: paused")
      expectFailure(yield* cli("pause", "p1"), "container not running")
      expectFailure(yield* cli("pause", "s1"), "container not running")
      expectFailure(yield* cli("resume", "r1"), "container not paused")
      expectFailure(yield* cli("ps", "nope"), "container does not exist")
    })))

  it.effect("a usage error is explained by @effect/cli and exits 1, without a runc line", () =>
    onMemory(Effect.gen(function*() {
      for (const args of [["state"], ["pause"], ["bogus"]]) {
        const result = yield* cli(...args)
        expect(result.status).toBe(1)
        expect(result.stderr).toBe("")
        expect(result.console).not.toBe("")
        expect(result.console).not.toMatch(/\n\s+at /)
      }
    })))

  it.effect("a defect still prints one clean line, never a stack trace", () =>
    onMemory(Effect.gen(function*() {
      const result = yield* cli("list").pipe(
        Effect.updateService(Filesystem, (fs) => ({ ...fs, readDirectory: () => Effect.die(new Error("boom")) }))
      )
      expect(result.stderr).toMatch(errorLine("boom"))
      expect(result.status).toBe(1)
    })))

  it.effect("library warnings come out as logrus lines on stderr", () =>
    onMemory(Effect.gen(function*() {
      const printed: Array<string> = []
      const status = yield* App.run(["node", "libcontainer", "--root", root, "list"], {
        stdout: () => undefined,
        stderr: (t) => void printed.push(t)
      }).pipe(
        Effect.updateService(Filesystem, (fs) => ({
          ...fs,
          readDirectory: (path: string) => Effect.zipRight(Effect.logWarning("slow disk"), fs.readDirectory(path))
        }))
      )
      expect(status).toBe(0)
      expect(printed).toHaveLength(1)
      expect(printed[0]).toMatch(/^time="[^"]+" level=warning msg="slow disk"\n$/)
    })))
})
