/**
 * The command line against runc 1.1.5 itself: for each invocation in the
 * table, runc and `libcontainer` run with the same arguments on the same
 * empty state root, and must agree on the exit status, on stderr (runc's
 * log line, time aside; runc's name where runc names itself) and on stdout:
 * `Incorrect Usage` lines word for word, command help byte for byte with
 * the program's name in place of runc's (also in the help of `help` itself,
 * where urfave prints an empty name), and the program's help section by
 * section (the NAME paragraph, the version details and the commands runc
 * has and we do not are our own). Every case runs in this process; a
 * sample also runs through the built executable, as a user runs it.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildCli, executableIn } from "../../scripts/build-cli.js"
import * as Invocation from "../../src/cli/invocation.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { busybox, cgroupV1, describeWith, root as asRoot, runc as runcBinary } from "../support/prerequisites.js"
import { createContainer, destroyContainer, makeBundle, runc } from "../support/runc.js"
import { type Run, runCli, spawnRun } from "../support/cli.js"

const spawn = (file: string, args: ReadonlyArray<string>, cwd: string): Run => spawnRun(file, args, { cwd, timeout: 30_000 })

/** Log lines without their time stamps, and runc's `checkArgs` prefix in our name. */
const stderrOf = (text: string): string =>
  text
    .replace(/^time="[^"]*" /gm, "time=T ")
    .replace(/"time":"[^"]*"/g, `"time":"T"`)
    .replace(/(msg=|"msg":)"runc: /g, `$1"libcontainer: `)
    .replace(/^runc: /gm, "libcontainer: ")

/**
 * runc's help for one of its commands, as ours must read: our name for the
 * program wherever runc names itself as a program (`runc list`, `# runc`,
 * `Use runc list`), not where it speaks of containers "started by runc".
 */
const ourCommandHelp = (text: string): string =>
  text
    .replace(/\brunc (?=list|state|ps|pause|resume|kill|delete|events|update|create|run|exec|start|--root)/g, "libcontainer ")
    // urfave leaves the name out of `help`'s own help (`NAME:\n    - Shows…`); ours names it
    .replace(/^NAME:\n {4}- (.*)\n\nUSAGE:\n {4}/, "NAME:\n   libcontainer help - $1\n\nUSAGE:\n   libcontainer help ")

/** The program's help cut into its sections, keyed by title. */
const sections = (help: string): Map<string, string> => {
  const out = new Map<string, string>()
  for (const part of help.split(/\n\n(?=[A-Z ]+:\n)/)) {
    const title = part.slice(0, part.indexOf(":\n"))
    out.set(title, part.slice(title.length + 2))
  }
  return out
}

/** `name  usage` lines, as [name, usage], spacing aside. */
const rows = (block: string): Array<[string, string]> =>
  block.split("\n").filter((l) => l.trim() !== "").map((l) => {
    const [name, ...rest] = l.trim().split(/ {2,}/)
    return [name!, rest.join("  ")]
  })

/** The program's help from us must be runc's, section by section, where runc's says what ours does. */
const expectSameAppHelp = (ours: string, theirs: string, what: string) => {
  const [a, b] = [sections(ours), sections(theirs)]
  const titles = [...b.keys()].filter((t) => t !== "")
  expect([...a.keys()].filter((t) => t !== ""), what).toEqual(titles)
  expect(a.get("NAME")!.split("\n")[0], what).toBe("   libcontainer - Open Container Initiative runtime state tool")
  expect(b.get("NAME")!.split("\n")[0]).toBe("   runc - Open Container Initiative runtime")
  expect(a.get("USAGE"), what).toBe(b.get("USAGE")!.replace("runc", "libcontainer"))
  // the commands we have, with runc's usage lines, in runc's order; then help
  const theirCommands = new Map(rows(b.get("COMMANDS")!))
  const ourCommands = rows(a.get("COMMANDS")!)
  expect(ourCommands.map(([n]) => n), what).toEqual([
    "create",
    "delete",
    "events",
    "exec",
    "kill",
    "list",
    "pause",
    "ps",
    "resume",
    "run",
    "start",
    "state",
    "update",
    "help, h"
  ])
  for (const [name, usage] of ourCommands) expect(usage, name).toBe(theirCommands.get(name))
  // every global flag of runc's, in runc's order, with runc's wording but for what concerns us
  const options = a.has("GLOBAL OPTIONS") ? "GLOBAL OPTIONS" : "OPTIONS"
  const ourFlags = rows(a.get(options)!)
  const theirFlags = rows(b.get(options)!)
  expect(ourFlags.map(([n]) => n), what).toEqual(theirFlags.map(([n]) => n))
  for (const [[name, usage], [, theirUsage]] of ourFlags.map((f, i) => [f, theirFlags[i]!] as const)) {
    if (name === "--criu value" || name === "--systemd-cgroup") {
      expect(usage.startsWith(theirUsage.split(",")[0]!.replace(/ \(default.*$/, "")), name).toBe(true)
    } else {
      expect(usage, name).toBe(theirUsage.replace("runc logs", "libcontainer logs"))
    }
  }
  // the alignment is urfave's: usage texts start two spaces after the widest name of the block
  for (const block of [a.get("COMMANDS")!, a.get(options)!]) {
    const cells = block.split("\n").filter((l) => l.trim() !== "").map((l) => /^( {3}\S.*?)( {2,})(\S.*)$/.exec(l)!)
    const start = Math.max(...cells.map((m) => m[1]!.length)) + 2
    for (const m of cells) expect(m[1]!.length + m[2]!.length, m[0]).toBe(start)
  }
}

/** stdout from us must be stdout from runc: usage lines exactly, then the same kind of help, the same. */
const expectSameStdout = (ours: string, theirs: string, what: string) => {
  const start = (text: string) => {
    const i = text.indexOf("NAME:\n")
    return i < 0 ? text.length : i
  }
  const [i, j] = [start(ours), start(theirs)]
  expect(ours.slice(0, i), what).toBe(theirs.slice(0, j).replace(/^runc: /, "libcontainer: "))
  const [ourHelp, theirHelp] = [ours.slice(i), theirs.slice(j)]
  if (theirHelp === "") return expect(ourHelp, what).toBe("")
  const programHelp = /^NAME:\n {3}runc - /.test(theirHelp)
  if (programHelp) return expectSameAppHelp(ourHelp, theirHelp, what)
  expect(ourHelp, what).toBe(ourCommandHelp(theirHelp))
}

/** Usage and error cases: arguments after `--root <empty root>` unless `bare`. */
const cases: ReadonlyArray<{ readonly args: ReadonlyArray<string>; readonly bare?: boolean }> = [
  // help and version
  { args: [], bare: true },
  { args: ["--help"], bare: true },
  { args: ["-h"], bare: true },
  { args: ["--help", "list"] },
  { args: ["--help=true"] },
  { args: ["--help=false", "list"] },
  { args: ["help"] },
  { args: ["h"] },
  { args: ["help", "list"] },
  { args: ["help", "ps", "extra"] },
  { args: ["h", "state"] },
  { args: ["help", "bogus"] },
  { args: ["help", ""] },
  { args: [""] },
  { args: ["list", "--help"] },
  { args: ["list", "-h", "extra"] },
  { args: ["list", "--help=false"] },
  { args: ["kill", "-h", "x"] },
  { args: ["delete", "--help"] },
  { args: ["state", "-h"] },
  { args: ["ps", "-h"] },
  { args: ["pause", "--help"] },
  { args: ["resume", "-h"] },
  // unknown commands and flags
  { args: ["bogus"] },
  { args: ["-", "list"] },
  { args: ["--bogus", "list"], bare: true },
  { args: ["list", "--bogus"] },
  { args: ["list", "--<&>"] },
  { args: ["list", "--debug"] },
  { args: ["help", "--bogus"] },
  { args: ["---root", "x", "list"], bare: true },
  { args: ["--=x", "list"], bare: true },
  { args: ["--root"], bare: true },
  { args: ["-h", "-help"], bare: true },
  { args: ["--debug=maybe", "list"] },
  { args: ["-h=maybe", "list"] },
  { args: ["list", "-h=maybe"] },
  { args: ["list", "-f"] },
  { args: ["list", "-f", "json", "--format", "table"] },
  { args: ["list", "-qf", "json"] },
  // flags that parse, in runc's positions and spellings
  { args: ["--", "list"] },
  { args: ["--debug", "list"] },
  { args: ["-debug", "list"] },
  { args: ["--debug=true", "list", "-q"] },
  { args: ["--log-format", "json", "list"] },
  { args: ["--log-format=text", "list", "-f", "json"] },
  { args: ["--systemd-cgroup", "--criu", "/nonexistent", "--rootless", "false", "list"] },
  { args: ["list", "--f", "json"] },
  { args: ["list", "-q=true"] },
  { args: ["list", "-format=json"] },
  // argument counts
  { args: ["list", "extra"] },
  { args: ["list", "-"] },
  { args: ["list", "--", "-q"] },
  { args: ["state"] },
  { args: ["state", "a", "b"] },
  { args: ["kill"] },
  { args: ["kill", "a", "b", "c"] },
  { args: ["delete"] },
  { args: ["delete", "x", "-f", "../bad"] },
  { args: ["ps"] },
  { args: ["pause"] },
  { args: ["resume", "a", "b"] },
  // errors of the commands themselves
  { args: ["state", ""] },
  { args: ["state", "--", "x"] },
  { args: ["state", "../x"] },
  { args: ["kill", "", ""] },
  { args: ["kill", "x", "-a", "../bad"] },
  { args: ["kill", "x"] },
  { args: ["delete", "x"] },
  { args: ["delete", "-f", "x"] },
  { args: ["pause", "x"] },
  { args: ["ps", "x", "-ef"] },
  { args: ["list", "--format", "yaml"] },
  { args: ["--log-format", "bogus", "list"] },
  { args: ["--log-format", "json", "state", "nope"] },
  { args: ["--log-format", "json", "bogus"] },
  { args: ["--log", "/nonexistent/dir/log", "list"] },
  { args: ["--rootless", "bogus", "pause", "x"] },
  { args: ["--rootless", "bogus", "list"] },
  // events and update: help, flags checked while parsing (before the container is looked up), arity, lookup first
  { args: ["events", "--help"] },
  { args: ["help", "events"] },
  { args: ["update", "-h"] },
  { args: ["h", "update"] },
  { args: ["events"] },
  { args: ["events", "a", "b"] },
  { args: ["update"] },
  { args: ["events", "--interval", "x", "c"] },
  { args: ["events", "--interval=1", "c"] },
  { args: ["events", "c", "--interval", "5"] },
  { args: ["events", "--interval", "-1s", "nope"] },
  { args: ["events", "--interval", "0", "--stats", "nope"] },
  { args: ["events", "--stats=maybe", "nope"] },
  { args: ["update", "--blkio-weight", "x", "c"] },
  { args: ["update", "--pids-limit", "99999999999999999999", "c"] },
  { args: ["update", "c", "--pids-limit=0x"] },
  { args: ["update", "--pids-limit", "0x20", "nope"] },
  { args: ["update", "--memory", "abc", "nope"] },
  { args: ["update", "-r", "/nonexistent", "nope"] },
  { args: ["update", "-r", "x", "--resources", "y", "nope"] },
  { args: ["update", "--kernel-memory"] },
  { args: ["update", "--cpu-share", "1", ""] },
  // the commands that make and run containers: help, usage, and the checks made before the runtime runs
  { args: ["create", "--help"] },
  { args: ["run", "-h"] },
  { args: ["exec", "--help"] },
  { args: ["start", "-h"] },
  { args: ["help", "exec"] },
  { args: ["create"] },
  { args: ["create", "a", "b"] },
  { args: ["run"] },
  { args: ["start"] },
  { args: ["start", "a", "b"] },
  { args: ["exec"] },
  { args: ["create", "--bogus", "a"] },
  { args: ["create", "a", "--preserve-fds", "x"] },
  { args: ["create", "a", "--preserve-fds=99999999999999999999"] },
  { args: ["run", "-d=maybe", "a"] },
  { args: ["exec", "-g", "x", "a", "true"] },
  { args: ["exec", "--preserve-fds", "0x", "a", "true"] },
  { args: ["exec", "-b", "a", "true"] },
  { args: ["start", "x"] },
  { args: ["start", ""] },
  { args: ["start", "../x"] },
  { args: ["exec", "x", "true"] },
  { args: ["exec", "", "true"] },
  { args: ["exec", "x", "--bogus"] },
  { args: ["exec", "-p", "/nonexistent.json", "x"] },
  { args: ["create", "--bundle", "/nonexistent", "x"] },
  { args: ["run", "-b", "/nonexistent", "x"] },
  { args: ["create", "x"] },
  { args: ["run", "--detach", "x"] },
  { args: ["--log-format", "json", "create", "-b", "/nonexistent", "x"] }
]

describeWith([runcBinary], "libcontainer's command line against runc 1.1.5", () => {
  // made in beforeAll, so a run that filters these tests out makes (and leaves) nothing
  let work = ""
  let root = ""
  const outdir = join(import.meta.dirname, "../../node_modules/.cache/effect-libcontainer", `cli-usage-${process.pid}`)
  const bin = executableIn(outdir)
  const host: Invocation.Host = { ...Invocation.processHost(), cwd: () => work }

  const theirs = (args: ReadonlyArray<string>) => spawn("runc", args, work)
  const ours = (args: ReadonlyArray<string>) => runCli(args, host).pipe(Effect.provide(Libcontainer.layerNode))

  const argsOf = (c: (typeof cases)[number]) => (c.bare === true ? c.args : ["--root", root, ...c.args])

  const expectSame = (a: Run, b: Run, what: string) => {
    expect(a.status, `${what}: status`).toBe(b.status)
    expect(stderrOf(a.stderr), `${what}: stderr`).toBe(stderrOf(b.stderr))
    expectSameStdout(a.stdout, b.stdout, `${what}: stdout`)
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "elc-cli-usage-"))
    root = join(work, "root")
    mkdirSync(root)
    await buildCli(outdir)
  }, 120_000)

  afterAll(() => {
    if (work !== "") rmSync(work, { recursive: true, force: true })
    rmSync(outdir, { recursive: true, force: true })
  })

  it.effect("every case: the same status, stderr and stdout as runc (in this process)", () =>
    Effect.gen(function*() {
      for (const c of cases) {
        const args = argsOf(c)
        expectSame(yield* ours(args), theirs(args), JSON.stringify(args))
      }
    }), 120_000)

  it("a sample through the installed executable: the same as runc, as a separate process", () => {
    for (const c of cases.filter((_, i) => i % 6 === 0)) {
      const args = argsOf(c)
      expectSame(spawn(bin, args, work), theirs(args), `bin ${JSON.stringify(args)}`)
    }
  }, 120_000)

  it.effect("--root= is the working directory, as for runc", () =>
    Effect.gen(function*() {
      mkdirSync(join(work, "not-a-container"), { recursive: true })
      try {
        for (const args of [["--root=", "list"], ["--root=", "list", "-f", "json"], ["--root", ".", "list", "-q"]]) {
          expectSame(yield* ours(args), theirs(args), JSON.stringify(args))
        }
      } finally {
        rmSync(join(work, "not-a-container"), { recursive: true })
      }
    }))

  it.effect("--log: runc's line in the file, the bare message on stderr", () =>
    Effect.gen(function*() {
      for (const [i, rest] of [["state", "nope"], ["list", "--bogus"], ["bogus"], ["state"]].entries()) {
        const [ourLog, theirLog] = [join(work, `ours-${i}.log`), join(work, `theirs-${i}.log`)]
        for (const format of ["text", "json"]) {
          const a = yield* ours(["--root", root, "--log", ourLog, "--log-format", format, ...rest])
          const b = theirs(["--root", root, "--log", theirLog, "--log-format", format, ...rest])
          expectSame(a, b, `--log ${rest.join(" ")}`)
        }
        expect(stderrOf(readFileSync(ourLog, "utf8"))).toBe(stderrOf(readFileSync(theirLog, "utf8")))
      }
    }))
})

describeWith([runcBinary, asRoot, busybox, cgroupV1], "create, start, exec and run on real containers, against runc 1.1.5", () => {
  it.effect("foreground exec and run: the same status, stdout and stderr as runc's (one error line, not the runtime's as well)", () =>
    Effect.gen(function*() {
      const work = mkdtempSync(join(tmpdir(), "elc-cli-run-"))
      const root = join(work, "root")
      const sleeper = makeBundle({ args: ["sleep", "1000"] })
      const talker = makeBundle({ args: ["sh", "-c", "echo ran; echo oops >&2; exit 4"] })
      const id = `elc-cli-run-${process.pid}`
      const host: Invocation.Host = { ...Invocation.processHost(), cwd: () => work }
      const ours = (args: ReadonlyArray<string>) =>
        runCli(["--root", root, ...args], host).pipe(Effect.provide(Libcontainer.layerNode))
      const theirs = (args: ReadonlyArray<string>) => spawn("runc", ["--root", root, ...args], work)
      const same = (a: Run, b: Run, what: string) =>
        expect([a.status, a.stdout, stderrOf(a.stderr)], what).toEqual([b.status, b.stdout, stderrOf(b.stderr)])
      try {
        createContainer(root, id, sleeper, "running")
        for (
          const args of [
            ["exec", id, "nosuch"],
            ["exec", id, "sh", "-c", "echo out; echo err >&2; exit 3"],
            ["exec", "-e", "X=1", "--cwd", "/tmp", id, "sh", "-c", "echo $X; pwd"],
            ["exec", "--user", "1:x", id, "true"]
          ]
        ) {
          same(yield* ours(args), theirs(args), args.join(" "))
        }
        destroyContainer(root, id)
        same(yield* ours(["run", "--bundle", talker, id]), theirs(["run", "--bundle", talker, id]), "run")
        expect(JSON.parse(runc(root, ["list", "--format", "json"]))).toBeNull()
        expect(yield* ours(["create", "--bundle", sleeper, id])).toEqual({ status: 0, stdout: "", stderr: "" })
        same(yield* ours(["create", "--bundle", sleeper, id]), theirs(["create", "--bundle", sleeper, id]), "create again")
        expect(yield* ours(["start", id])).toEqual({ status: 0, stdout: "", stderr: "" })
        expect(JSON.parse(runc(root, ["state", id])).status).toBe("running")
        same(yield* ours(["start", id]), theirs(["start", id]), "start again")
      } finally {
        destroyContainer(root, id)
        for (const dir of [sleeper, talker, work]) rmSync(dir, { recursive: true, force: true })
      }
    }), 120_000)
})
