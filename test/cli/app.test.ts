/**
 * The `libcontainer` CLI on the simulated host: every command's output as
 * runc prints it, captured through `Output`, and every failure as runc's one
 * logrus line on stderr with exit status 1.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as App from "../../src/cli/app.js"
import * as Invocation from "../../src/cli/invocation.js"
import { WriteFailed } from "../../src/cli/stdio.js"
import { Filesystem } from "../../src/Filesystem.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import * as Signal from "../../src/Signal.js"
import { seedContainer, seededCreated } from "../support/simulatedContainers.js"
import { runCli } from "../support/cli.js"

const root = "/run/runc"
const encoder = new TextEncoder()

/** What one CLI run printed and returned. */
interface Result {
  readonly status: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `libcontainer --root <root> args…` in-process. */
const cli = (...args: ReadonlyArray<string>) => cliOn(["--root", root, ...args])

/** Runs `libcontainer argv…` in-process. */
const cliOn = (argv: ReadonlyArray<string>): Effect.Effect<Result, never, App.Services> => runCli(argv)

const onMemory = <A, E>(effect: Effect.Effect<A, E, Libcontainer.AllServices | MemoryHost.MemoryHost>) =>
  effect.pipe(Effect.provide(Libcontainer.layerMemoryWith({ cgroupMode: "hybrid" })))

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
      Effect.provide(
        Libcontainer.layerMemoryWith({
          entries: [
            { type: "dir", path: root, mode: 0o700 },
            { type: "dir", path: `${root}/b`, mode: 0o711, uid: 1 },
            { type: "dir", path: `${root}/c`, mode: 0o711, uid: 1000 }
          ]
        })
      )
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

  it.effect("ps runs `ps` through the Processes port: on the simulated host, its own `ps -ef`", () =>
    onMemory(Effect.gen(function*() {
      const { running } = yield* seedAll
      const result = yield* cli("ps", "r1")
      expect(result.status).toBe(0)
      const lines = result.stdout.trimEnd().split("\n")
      expect(lines[0]!.split(/\s+/)).toEqual(["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"])
      expect(lines.slice(1).map((l) => l.split(/\s+/).slice(1, 2)[0])).toEqual([String(running.init)])
      // no ps on the host: Go's LookPath error, as runc reports it
      const fs = yield* Filesystem
      yield* fs.remove("/bin/ps")
      expectFailure(yield* cli("ps", "r1"), "exec: \"ps\": executable file not found in $PATH")
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
      expect(yield* cli("pause", "r1")).toEqual({ status: 0, stdout: "", stderr: "" })
      expect(JSON.parse((yield* cli("state", "r1")).stdout).status).toBe("paused")
      expect(yield* cli("resume", "r1")).toEqual({ status: 0, stdout: "", stderr: "" })
      expect(JSON.parse((yield* cli("state", "r1")).stdout).status).toBe("running")
    })))

  it.effect("kill sends SIGTERM by default, takes runc's signal spellings, and --all reaches every process", () =>
    onMemory(Effect.gen(function*() {
      const machine = yield* MemoryHost.MemoryHost
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
        expect(yield* cli("delete", ...args)).toEqual({ status: 0, stdout: "", stderr: "" })
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
      expect(yield* cli("delete", "--force", "half")).toEqual({ status: 0, stdout: "", stderr: "" })
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

  it.effect("a usage error prints runc's `Incorrect Usage` and help on stdout, runc's line on stderr, exit 1", () =>
    onMemory(Effect.gen(function*() {
      for (const [args, message] of [
        [["state"], `libcontainer: \\"state\\" requires exactly 1 argument(s)`],
        [["pause", "a", "b"], `libcontainer: \\"pause\\" requires exactly 1 argument(s)`],
        [["kill"], `libcontainer: \\"kill\\" requires a minimum of 1 argument(s)`],
        [["kill", "a", "b", "c"], `libcontainer: \\"kill\\" requires a maximum of 2 argument(s)`],
        [["list", "--bogus"], "flag provided but not defined: -bogus"]
      ] as const) {
        const result = yield* cli(...args)
        expect(result.status, args.join(" ")).toBe(1)
        expect(result.stdout).toMatch(/^Incorrect Usage[.:]/)
        expect(result.stdout).toContain(`NAME:\n   libcontainer ${args[0]} - `)
        expect(result.stderr).toMatch(new RegExp(`^time="[^"]+" level=error msg="${escape(message)}"\n$`))
      }
      const bogus = yield* cli("bogus")
      expect(bogus).toMatchObject({ status: 3, stdout: "" })
      expect(bogus.stderr).toMatch(/^time="[^"]+" level=error msg="No help topic for 'bogus'\\n"\n$/)
    })))

  it.effect("help, --help and --version answer on stdout and exit 0, reading nothing", () =>
    onMemory(Effect.gen(function*() {
      const fs = yield* Filesystem
      for (const argv of [[], ["--help"], ["-h"], ["help"], ["h"]]) {
        const result = yield* cliOn(argv)
        expect(result.status, argv.join(" ")).toBe(0)
        expect(result.stdout).toMatch(/^NAME:\n {3}libcontainer - /)
        expect(result.stdout).toContain("\nCOMMANDS:\n   create   ")
        expect(result.stderr).toBe("")
      }
      const version = yield* cliOn(["--version"])
      expect(version.stdout).toBe(`libcontainer version ${App.version}\nrunc: 1.1.5\nspec: 1.0.2-dev\nnode: ${process.version}\n`)
      expect((yield* cli("list", "--help")).stdout).toMatch(/^NAME:\n {3}libcontainer list - lists containers/)
      expect((yield* cliOn(["help", "kill"])).stdout).toMatch(/^NAME:\n {3}libcontainer kill - kill sends/)
      expect((yield* Effect.flip(fs.stat(root))).code).toBe("ENOENT")
    })))

  it.effect("a stdout that refuses the output is runc's error line and exit 1, for every command that prints", () =>
    onMemory(Effect.gen(function*() {
      yield* seedAll
      const full = (argv: ReadonlyArray<string>) =>
        Effect.gen(function*() {
          let stderr = ""
          const status = yield* App.run(["node", "libcontainer", ...argv], {
            stdout: () => new WriteFailed("ENOSPC"),
            stderr: (t) => void (stderr += t)
          })
          return { status, stderr }
        })
      for (
        const argv of [
          ["--root", root, "list"],
          ["--root", root, "list", "-q"],
          ["--root", root, "list", "-f", "json"],
          ["--root", root, "state", "r1"],
          ["--root", root, "ps", "-f", "json", "r1"],
          ["--help"],
          ["--version"],
          ["help", "list"]
        ]
      ) {
        const result = yield* full(argv)
        expect(result.status, argv.join(" ")).toBe(1)
        expect(result.stderr).toMatch(errorLine(`"write /dev/stdout: no space left on device"`))
      }
      // nothing printed, nothing to fail
      expect((yield* full(["--root", root, "kill", "r1", "0"])).status).toBe(0)
    })))

  it.effect("a defect still prints one clean line, never a stack trace", () =>
    onMemory(Effect.gen(function*() {
      // the lean list on the port's direct calls, and the Effect commands on its effects
      const lean = yield* cli("list").pipe(
        Effect.updateService(Filesystem, (fs) => ({
          ...fs,
          direct: {
            ...fs.direct,
            readDirectory: () => {
              throw new Error("boom")
            }
          }
        }))
      )
      expect(lean.stderr).toMatch(errorLine("boom"))
      expect(lean.status).toBe(1)
      // a paused container: Factory.load hands it to the careful way, which reads through the port's effects
      yield* seedContainer(root, "p1", "paused")
      const effectful = yield* cli("kill", "p1").pipe(
        Effect.updateService(Filesystem, (fs) => ({ ...fs, readFileInRoot: () => Effect.die(new Error("boom")) }))
      )
      expect(effectful.stderr).toMatch(errorLine("boom"))
      expect(effectful.status).toBe(1)
    })))

  it.effect("library warnings come out as logrus lines on stderr", () =>
    onMemory(Effect.gen(function*() {
      // a paused container is one the lean Load hands to the careful one, which reads through the port's effects
      yield* seedContainer(root, "p1", "paused")
      const printed: Array<string> = []
      const status = yield* App.run(["node", "libcontainer", "--root", root, "list"], {
        stdout: () => undefined,
        stderr: (t) => void printed.push(t)
      }).pipe(
        Effect.updateService(Filesystem, (fs) => ({
          ...fs,
          readFileInRoot: (...args: Parameters<typeof fs.readFileInRoot>) =>
            Effect.zipRight(
              Effect.logWarning("slow disk").pipe(Effect.annotateLogs("error", "read /x: input/output error")),
              fs.readFileInRoot(...args)
            )
        }))
      )
      expect(status).toBe(0)
      expect(printed).toHaveLength(1)
      expect(printed[0]).toMatch(/^time="[^"]+" level=warning msg="slow disk" error="read \/x: input\/output error"\n$/)
    })))
})

describe("libcontainer: runc's edges", () => {
  it.effect("kill with an empty signal sends SIGTERM, as runc's kill does", () =>
    onMemory(Effect.gen(function*() {
      const machine = yield* MemoryHost.MemoryHost
      const r = yield* seedContainer(root, "r", "running")
      expect(yield* cli("kill", "r", "")).toEqual({ status: 0, stdout: "", stderr: "" })
      expect(Option.isNone(machine.processes.get(r.init))).toBe(true)
      expect(Signal.parseKillArgument("")).toEqual(Either.right(Signal.SIGTERM))
      expect(Signal.parseKillArgument(undefined)).toEqual(Either.right(Signal.SIGTERM))
      expect(Signal.parseKillArgument("hup")).toEqual(Either.right(1))
      expect(Either.isLeft(Signal.parseKillArgument(" "))).toBe(true)
    })))

  it.live("delete whose cgroup cannot be removed: runc's error line, the state dir removed anyway, exit 0", () =>
    onMemory(Effect.gen(function*() {
      const machine = yield* MemoryHost.MemoryHost
      const fs = yield* Filesystem
      const stopped = yield* seedContainer(root, "busy", "stopped")
      // a process in a child cgroup keeps the container's freezer cgroup from being removed
      const freezer = stopped.cgroupPaths["freezer"]!
      const straggler = yield* machine.processes.spawn({ comm: "sleep" })
      yield* machine.cgroups.mkdir(`${freezer}/straggler`)
      yield* machine.cgroups.addProcess(`${freezer}/straggler`, straggler.pid)
      const result = yield* cli("delete", "busy")
      expect(result.status).toBe(0)
      expect(result.stdout).toBe("")
      // runc 1.1.5's RemovePaths logs the failure in its first and last rounds, then the CLI its error
      const busy = `error="rmdir ${freezer}/straggler: device or resource busy"`
      expect(result.stderr.replace(/^time="[0-9T:+Z-]+" /gm, "")).toBe(
        `level=warning msg="Failed to remove cgroup (will retry)" ${busy}\n` +
          `level=error msg="Failed to remove cgroup" ${busy}\n` +
          `level=error msg="Failed to remove paths: map[freezer:${freezer}]"\n`
      )
      expect((yield* Effect.flip(fs.stat(stopped.stateDir))).code).toBe("ENOENT")
      expect(yield* cli("list", "-q")).toEqual({ status: 0, stdout: "", stderr: "" })
      expect(machine.cgroups.exists(`${freezer}/straggler`)).toBe(true)
    })))

  it.effect("--log writes runc's lines to the file and the bare message to stderr; --log-format json, logrus's JSON", () =>
    onMemory(Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "elc-cli-log-"))
      try {
        const file = join(dir, "log")
        const failed = yield* cli("--log", file, "state", "nope")
        expect(failed).toMatchObject({ status: 1, stdout: "", stderr: "container does not exist\n" })
        expect(readFileSync(file, "utf8")).toMatch(/^time="[^"]+" level=error msg="container does not exist"\n$/)
        const json = yield* cli("--log-format", "json", "kill", "nope", "x")
        expect(json.stderr).toMatch(/^\{"level":"error","msg":"container does not exist","time":"[^"]+"\}\n$/)
        const both = yield* cli("--log-format=json", `--log=${file}`, "list", "--<&>")
        expect(both.stderr).toBe("flag provided but not defined: -<&>\n")
        expect(readFileSync(file, "utf8").split("\n")[1]).toMatch(
          /^\{"level":"error","msg":"flag provided but not defined: -\\u003c\\u0026\\u003e","time":"[^"]+"\}$/
        )
        expect(statSync(file).mode & 0o777).toBe(0o644 & ~process.umask())
        expect(yield* cli("--log-format", "yaml", "list")).toMatchObject({ status: 1, stdout: "" })
        expect((yield* cli("--log-format", "yaml", "list")).stderr).toMatch(errorLine(`"invalid log-format: yaml"`))
        expect((yield* cli("--log", join(dir, "no/such/file"), "list")).stderr).toMatch(
          errorLine(`"open ${join(dir, "no/such/file")}: no such file or directory"`)
        )
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })))

  it.effect("--debug lets the library's debug entries through; without it they are dropped", () =>
    onMemory(Effect.gen(function*() {
      const withDebug = (argv: ReadonlyArray<string>) =>
        cliOn(argv).pipe(
          Effect.updateService(Filesystem, (fs) => ({
            ...fs,
            readFileInRoot: (...args: Parameters<typeof fs.readFileInRoot>) =>
              Effect.zipRight(Effect.logDebug("reading", args[0]), fs.readFileInRoot(...args))
          }))
        )
      // the paused container loads the careful way, through the port's effects
      yield* seedContainer(root, "p1", "paused")
      expect((yield* withDebug(["--root", root, "list", "-q"])).stderr).toBe("")
      expect((yield* withDebug(["--debug", "--root", root, "list", "-q"])).stderr).toMatch(
        new RegExp(`^time="[^"]+" level=debug msg="reading ${root}"\\n$`)
      )
    })))

  it.effect("--rootless: pause, resume and ps warn as runc does when rootless, and refuse a non-boolean", () =>
    onMemory(Effect.gen(function*() {
      yield* seedAll
      const warned = yield* cli("--rootless", "true", "pause", "r1")
      expect(warned.status).toBe(0)
      expect(warned.stderr).toMatch(
        /^time="[^"]+" level=warning msg="libcontainer pause may fail if you don't have the full access to cgroups"\n$/
      )
      expect((yield* cli("--rootless=1", "resume", "r1")).stderr).toContain("msg=\"libcontainer resume may fail")
      expect((yield* cli("--rootless", "false", "ps", "-f", "json", "r1")).stderr).toBe("")
      expect((yield* cli("--rootless", "AUTO", "ps", "-f", "json", "r1")).stderr).toBe(
        process.geteuid?.() === 0 ? "" : expect.anything()
      )
      expectFailure(yield* cli("--rootless", "maybe", "pause", "r1"), `strconv.ParseBool: parsing "maybe": invalid syntax`)
      // list, state, kill and delete do not read --rootless, as in runc
      expect((yield* cli("--rootless", "maybe", "list", "-q")).status).toBe(0)
      expect(JSON.parse((yield* cli("state", "r1")).stdout).status).toBe("running")
    })))

  it.effect("--root is made absolute as runc does: relative to the working directory, empty is the directory itself", () =>
    onMemory(Effect.gen(function*() {
      yield* seedContainer("/run/runc", "a", "running")
      yield* seedContainer("/run/other", "b", "running")
      const host = { ...Invocation.processHost(), cwd: () => "/run/runc" }
      const at = (argv: ReadonlyArray<string>) =>
        Effect.gen(function*() {
          let stdout = ""
          yield* App.run(["node", "libcontainer", ...argv], { stdout: (t) => void (stdout += t), stderr: () => undefined }, host)
          return stdout
        })
      expect(yield* at(["--root=", "list", "-q"])).toBe("a\n")
      expect(yield* at(["--root", ".", "list", "-q"])).toBe("a\n")
      expect(yield* at(["--root", "../other/", "list", "-q"])).toBe("b\n")
      expect(yield* at(["--root", "/run/other/../runc", "list", "-q"])).toBe("a\n")
    })))

  it.effect("list streams: a listing larger than a write goes out in pieces, and is the same listing", () =>
    onMemory(Effect.gen(function*() {
      const ids = Array.from({ length: 300 }, (_, i) => `c${String(i).padStart(3, "0")}`)
      for (const id of ids) yield* seedContainer(root, id, "stopped", { annotations: { note: "x".repeat(100) } })
      const writes: Array<string> = []
      const status = yield* App.run(["node", "libcontainer", "--root", root, "list", "-f", "json"], {
        stdout: (t) => void writes.push(t),
        stderr: () => undefined
      })
      expect(status).toBe(0)
      expect(writes.length).toBeGreaterThan(1)
      const listed = JSON.parse(writes.join("")) as Array<{ id: string }>
      expect(listed.map((r) => r.id)).toEqual(ids)
      const table = (yield* cli("list")).stdout.split("\n")
      expect(table).toHaveLength(ids.length + 2)
      expect(table.slice(1, -1).map((l) => l.split(/\s+/)[0])).toEqual(ids)
    })))
})
