/**
 * The command-line reader on its own: Go's `flag` parsing (against 400
 * vectors from Go 1.19's own package), urfave's reordering and two-forms
 * check, and properties of the whole reading (`invocation.ts`) over
 * arbitrary command lines: it never throws, answers with runc's exit
 * statuses, one error line per failure, and never an escape sequence.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Commands from "../../src/cli/commands.js"
import * as Flagset from "../../src/cli/flagset.js"
import * as Help from "../../src/cli/help.js"
import * as Invocation from "../../src/cli/invocation.js"
import packageJson from "../../package.json" with { type: "json" }

const kill = Commands.commandNamed("kill")!
const list = Commands.commandNamed("list")!
const flagsOf = (command: Commands.Command) => [...command.flags, Commands.helpFlag]

describe("Go's flag.Parse", () => {
  const flags: ReadonlyArray<Flagset.Flag> = [
    { names: ["all", "a"], takesValue: false, usage: "" },
    { names: ["format", "f"], takesValue: true, usage: "", defaultValue: "table" },
    Commands.helpFlag
  ]
  const vectors = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/flagset-go1.19.json"), "utf8")) as Array<{
    args: Array<string>
    error: string
    set: Array<string>
    rest: Array<string>
  }>

  it("gives Go 1.19's error, flags and remaining arguments for 400 command lines", () => {
    expect(vectors).toHaveLength(400)
    for (const v of vectors) {
      const parsed = Flagset.parse(flags, v.args)
      const what = JSON.stringify(v.args)
      expect(parsed.error ?? "", what).toBe(v.error)
      expect(parsed.args, what).toEqual(v.rest)
      if (Flagset.normalize(flags, parsed.visited) !== undefined) continue
      const canonical = (name: string) => flags.find((f) => f.names.includes(name))!.names[0]!
      const set = [...parsed.visited].sort().map((name) => `${name}=${String(parsed.values.get(canonical(name)))}`)
      expect(set, what).toEqual(v.set)
    }
  })

  it("reads -x and --x alike, and a string flag's value from `=` or the next argument, whatever it is", () => {
    for (const spelling of [["-f", "json"], ["--f", "json"], ["-format=json"], ["--format", "json"]]) {
      expect(Flagset.parse(flags, [...spelling, "x"]).values.get("format"), spelling.join(" ")).toBe("json")
    }
    expect(Flagset.parse(flags, ["-f", "-a"]).values.get("format")).toBe("-a")
    expect(Flagset.parse(flags, ["-f", "--"]).args).toEqual([])
    expect(Flagset.parse(flags, ["--", "-a"])).toMatchObject({ args: ["-a"], values: new Map() })
    expect(Flagset.parse(flags, ["-a=F"]).values.get("all")).toBe(false)
    expect(Flagset.parse(flags, ["-a", "F"]).args).toEqual(["F"])
  })

  it("Go's ParseBool", () => {
    for (const t of ["1", "t", "T", "TRUE", "true", "True"]) expect(Flagset.parseBool(t)).toBe(true)
    for (const f of ["0", "f", "F", "FALSE", "false", "False"]) expect(Flagset.parseBool(f)).toBe(false)
    for (const x of ["", "yes", "tRUE", "2", " true"]) expect(Flagset.parseBool(x)).toBeUndefined()
  })
})

describe("urfave's reorderArgs and normalizeFlags", () => {
  it("moves the command's flags (and the argument after a flag without `=`) to the front", () => {
    expect(Flagset.reorder(flagsOf(kill), ["x", "-a", "KILL"])).toEqual(["-a", "KILL", "x"])
    expect(Flagset.reorder(flagsOf(kill), ["x", "KILL", "--all"])).toEqual(["--all", "x", "KILL"])
    expect(Flagset.reorder(flagsOf(list), ["-q", "--format=json"])).toEqual(["-q", "--format=json"])
    // unknown flags stay in place; `--` goes first among the rest, followed by what came after it
    expect(Flagset.reorder(flagsOf(list), ["a", "--bogus", "-q", "b", "--", "-f"])).toEqual(["-q", "b", "--", "a", "--bogus", "-f"])
    // Go's strings.Replace takes the first dashes wherever they are
    expect(Flagset.reorder(flagsOf(list), ["x", "---q"])).toEqual(["---q", "x"])
  })

  it("is a permutation of its arguments", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.array(FastCheck.oneof(FastCheck.constantFrom("-a", "--all", "-a=1", "--", "-", "x", "--bogus", "-h"), FastCheck.string())),
        (args) => {
          expect([...Flagset.reorder(flagsOf(kill), args)].sort()).toEqual([...args].sort())
        }
      )
    )
  })

  it("refuses a flag given under two of its names, naming the later name first", () => {
    expect(Flagset.normalize(flagsOf(list), new Set(["format", "f"]))).toBe("Cannot use two forms of the same flag: f format")
    expect(Flagset.normalize(flagsOf(list), new Set(["help", "h"]))).toBe("Cannot use two forms of the same flag: h help")
    expect(Flagset.normalize(flagsOf(list), new Set(["f", "q", "help"]))).toBeUndefined()
  })

  it("writes a flag's help line as urfave does", () => {
    expect(Flagset.helpLine(list.flags[0]!)).toBe(`--format value, -f value\tselect one of: table or json (default: "table")`)
    expect(Flagset.helpLine(list.flags[1]!)).toBe("--quiet, -q\tdisplay only container IDs")
    expect(Flagset.helpLine({ names: ["log"], takesValue: true, usage: "x", defaultValue: "" })).toBe("--log value\tx")
  })
})

describe("reading a command line", () => {
  const host: Invocation.Host = {
    env: {},
    euid: 0,
    cwd: () => "/work",
    nodeVersion: "v20.0.0",
    inUserNamespace: () => false
  }
  const read = (args: ReadonlyArray<string>, h: Invocation.Host = host) => {
    let stdout = ""
    let stderr = ""
    const invocation = Invocation.resolve(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) }, h)
    return { invocation, stdout, stderr }
  }

  it("never throws; exits 0, 1 or 3 with one error line when it fails, or runs a command; no escape sequences", () => {
    const words = FastCheck.oneof(
      FastCheck.constantFrom(
        "list", "state", "ps", "kill", "delete", "pause", "resume", "help", "h", "bogus", "",
        "-h", "--help", "-v", "--version", "--debug", "--root", "--root=", "--log-format", "json", "--rootless",
        "-f", "--format", "-q", "-a", "--force", "--", "-", "x", "--bogus", "-h=maybe", "--log"
      ),
      FastCheck.string()
    )
    FastCheck.assert(
      FastCheck.property(FastCheck.array(words, { maxLength: 6 }), (args) => {
        // --log would open a file: keep this property away from the filesystem
        if (args.some((a) => a.startsWith("--log") && a !== "--log-format" && !a.startsWith("--log-format="))) return
        const { invocation, stderr, stdout } = read(args)
        expect(stdout + stderr).not.toContain("\u001b")
        if (invocation._tag === "Run") {
          expect(stdout + stderr).toBe("")
          expect(invocation.globals.root.startsWith("/")).toBe(true)
          return
        }
        expect([0, 1, 3]).toContain(invocation.status)
        if (invocation.status === 0) expect(stderr).toBe("")
        else expect(stderr).toMatch(/^time="[^"]+" level=error msg=.*\n$/)
      })
    )
  })

  it("takes global flags only before the command, and command flags before or after its arguments", () => {
    const run = read(["--debug", "--root", "r", "kill", "c", "-a", "--", "KILL"]).invocation
    expect(run).toMatchObject({ _tag: "Run", args: ["c", "KILL"], globals: { root: "/work/r", debug: true } })
    expect((run as Invocation.Run).flags.get("all")).toBe(true)
    expect(read(["list", "--debug"]).invocation).toEqual({ _tag: "Exit", status: 1 })
    expect(read(["ps", "c", "-f", "json"]).invocation).toMatchObject({ _tag: "Run", args: ["c", "-f", "json"] })
  })

  it("defaults --root to $XDG_RUNTIME_DIR/runc where runc does: not root, or root in a user namespace without USER=root", () => {
    const xdg = { XDG_RUNTIME_DIR: "/run/user/1000" }
    expect(Invocation.defaultRoot({ ...host, env: xdg })).toBe("/run/runc")
    expect(Invocation.defaultRoot({ ...host, env: xdg, euid: 1000 })).toBe("/run/user/1000/runc")
    expect(Invocation.defaultRoot({ ...host, env: xdg, inUserNamespace: () => true })).toBe("/run/user/1000/runc")
    expect(Invocation.defaultRoot({ ...host, env: { ...xdg, USER: "root" }, inUserNamespace: () => true })).toBe("/run/runc")
    expect(Invocation.defaultRoot({ ...host, euid: 1000 })).toBe("/run/runc")
    expect(read(["--help"], { ...host, env: xdg, euid: 1000 }).stdout).toContain(`(default: "/run/user/1000/runc")`)
  })

  it("has the package's version, runc's and the spec's in --version", () => {
    expect(Commands.version).toBe(packageJson.version)
    expect(read(["--version"]).stdout).toBe(Help.versionText("v20.0.0"))
    expect(Help.versionText("v20.0.0")).toBe(`libcontainer version ${packageJson.version}\nrunc: 1.1.5\nspec: 1.0.2-dev\nnode: v20.0.0\n`)
  })
})
