import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { type Command, type GlobalOptions, parseArgv, parseGoInt, toArgv } from "../../../src/internal/runtime/argv.js"

const parsed = (argv: ReadonlyArray<string>) => Either.getOrThrow(parseArgv(argv))
const refused = (argv: ReadonlyArray<string>) => Either.getOrThrow(Either.flip(parseArgv(argv))).message

describe("building a runtime argv", () => {
  it("writes global flags, the command, its flags, -- and the id", () => {
    expect(toArgv({ root: "/run/x", log: "/tmp/l", logFormat: "json", systemdCgroup: true }, {
      _tag: "Create",
      id: "c1",
      options: { bundle: "/b", pidFile: "/p", consoleSocket: "/s", noPivot: true, noNewKeyring: false, preserveFds: 2 }
    })).toEqual([
      "--log=/tmp/l",
      "--log-format=json",
      "--root=/run/x",
      "--systemd-cgroup",
      "create",
      "--bundle=/b",
      "--console-socket=/s",
      "--pid-file=/p",
      "--no-pivot",
      "--preserve-fds=2",
      "--",
      "c1"
    ])
  })

  it("puts an exec's command after the id, repeating list flags", () => {
    expect(toArgv({}, {
      _tag: "Exec",
      id: "-odd-id",
      args: ["sh", "-c", "echo --x"],
      options: { env: ["A=1", "B=2"], caps: ["CAP_KILL"], additionalGids: [5, 6], tty: true, detach: true, cgroups: ["cpu:/a"] }
    })).toEqual([
      "exec",
      "--env=A=1",
      "--env=B=2",
      "--tty",
      "--additional-gids=5",
      "--additional-gids=6",
      "--detach",
      "--cap=CAP_KILL",
      "--cgroup=cpu:/a",
      "--",
      "-odd-id",
      "sh",
      "-c",
      "echo --x"
    ])
  })

  it("writes delete, kill, start and state", () => {
    expect(toArgv({ root: "/r" }, { _tag: "Delete", id: "c", force: true })).toEqual(["--root=/r", "delete", "--force", "--", "c"])
    expect(toArgv({}, { _tag: "Kill", id: "c", signal: "KILL", all: true })).toEqual(["kill", "--all", "--", "c", "KILL"])
    expect(toArgv({}, { _tag: "Start", id: "c" })).toEqual(["start", "--", "c"])
    expect(toArgv({}, { _tag: "State", id: "c" })).toEqual(["state", "--", "c"])
  })
})

describe("parsing runc's command line", () => {
  it("accepts flags after the id for create (urfave/cli reorders them)", () => {
    expect(parsed(["--root", "/r", "create", "c1", "-b", "/b", "--no-pivot", "--pid-file", "/p"])).toEqual({
      global: { root: "/r" },
      command: { _tag: "Create", id: "c1", options: { bundle: "/b", noPivot: true, pidFile: "/p" } }
    })
  })

  it("does not reorder exec: what follows the id is the command", () => {
    expect(parsed(["exec", "-t", "c1", "ls", "-l", "--tty"])).toEqual({
      global: {},
      command: { _tag: "Exec", id: "c1", args: ["ls", "-l", "--tty"], options: { tty: true } }
    })
  })

  it("reads Go's flag forms: -f, --f=v, --f v, bool=false, ints in any base", () => {
    expect(parsed(["-debug=false", "run", "-d=true", "--preserve-fds", "0x10", "--keep=0", "c"])).toEqual({
      global: {},
      command: { _tag: "Run", id: "c", options: { bundle: "", detach: true, preserveFds: 16 } }
    })
    expect(parsed(["exec", "-g", "0o17", "--additional-gids=1_000", "-g=010", "c", "true"]).command).toMatchObject({
      options: { additionalGids: [15, 1000, 8] }
    })
  })

  it("refuses with runc's texts", () => {
    expect(refused(["create"])).toBe("runc: \"create\" requires exactly 1 argument(s)")
    expect(refused(["create", "a", "b"])).toBe("runc: \"create\" requires exactly 1 argument(s)")
    expect(refused(["kill", "a", "b", "c"])).toBe("runc: \"kill\" requires a maximum of 2 argument(s)")
    expect(refused(["exec"])).toBe("runc: \"exec\" requires a minimum of 1 argument(s)")
    expect(refused(["create", "--nope", "c"])).toBe("flag provided but not defined: -nope")
    // a value-taking flag at the end swallows the id, as in runc
    expect(refused(["create", "c", "--bundle"])).toBe("runc: \"create\" requires exactly 1 argument(s)")
    expect(refused(["create", "--bundle"])).toBe("flag needs an argument: -bundle")
    expect(refused(["delete", "--force=maybe", "c"])).toBe("invalid boolean value \"maybe\" for -force: parse error")
    expect(refused(["run", "--preserve-fds=1__0", "c"])).toBe("invalid value \"1__0\" for flag -preserve-fds: parse error")
    expect(refused(["frobnicate"])).toBe("No help topic for 'frobnicate'")
  })

  it("reads integers as Go's strconv.ParseInt(s, 0, 64)", () => {
    const table: ReadonlyArray<readonly [string, number | undefined]> = [
      ["0", 0],
      ["-0", 0],
      ["+7", 7],
      ["017", 15],
      ["0b101", 5],
      ["0x_1F", 31],
      ["1_000", 1000],
      ["_1", undefined],
      ["1_", undefined],
      ["08", undefined],
      ["0x", undefined],
      ["", undefined],
      ["9223372036854775808", undefined],
      ["1e3", undefined]
    ]
    for (const [s, n] of table) expect([s, parseGoInt(s)]).toEqual([s, n])
  })
})

describe("round trip: parse(build(command)) is the command", () => {
  const text = FastCheck.string({ minLength: 1 })
  const optional = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.option(arb, { nil: undefined })
  const flagValue = <A>(arb: FastCheck.Arbitrary<A>) => optional(arb)
  const onlyTrue = optional(FastCheck.constant(true as const))
  const nat = FastCheck.nat({ max: 1000 })
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

  const global: FastCheck.Arbitrary<GlobalOptions> = FastCheck.record({
    root: flagValue(text),
    log: flagValue(text),
    logFormat: flagValue(FastCheck.constantFrom("json" as const, "text" as const)),
    systemdCgroup: onlyTrue,
    rootless: flagValue(FastCheck.constantFrom("true", "false", "auto")),
    debug: onlyTrue,
    criu: flagValue(text)
  }).map((o) => defined(o) as GlobalOptions)

  const createOptions = {
    bundle: text,
    consoleSocket: flagValue(text),
    pidFile: flagValue(text),
    noPivot: onlyTrue,
    noNewKeyring: onlyTrue,
    preserveFds: flagValue(nat)
  }
  const list = (arb: FastCheck.Arbitrary<string | number>) => optional(FastCheck.array(arb, { minLength: 1, maxLength: 3 }))

  const command: FastCheck.Arbitrary<Command> = FastCheck.oneof(
    FastCheck.record({ _tag: FastCheck.constant("Create" as const), id: text, options: FastCheck.record(createOptions).map(defined) }),
    FastCheck.record({
      _tag: FastCheck.constant("Run" as const),
      id: text,
      options: FastCheck.record({ ...createOptions, detach: onlyTrue, keep: onlyTrue, noSubreaper: onlyTrue }).map(defined)
    }),
    FastCheck.record({ _tag: FastCheck.constant("Start" as const), id: text }),
    FastCheck.record({ _tag: FastCheck.constant("State" as const), id: text }),
    FastCheck.record({ _tag: FastCheck.constant("Delete" as const), id: text, force: onlyTrue }).map(defined),
    FastCheck.record({ _tag: FastCheck.constant("Kill" as const), id: text, signal: flagValue(text), all: onlyTrue }).map(defined),
    FastCheck.record({
      _tag: FastCheck.constant("Exec" as const),
      id: text,
      args: FastCheck.array(FastCheck.string(), { maxLength: 4 }),
      options: FastCheck.record({
        consoleSocket: flagValue(text),
        cwd: flagValue(text),
        env: list(FastCheck.string()),
        tty: onlyTrue,
        user: flagValue(text),
        additionalGids: list(nat) as FastCheck.Arbitrary<ReadonlyArray<number> | undefined>,
        processFile: flagValue(text),
        detach: onlyTrue,
        pidFile: flagValue(text),
        processLabel: flagValue(text),
        apparmor: flagValue(text),
        noNewPrivs: onlyTrue,
        caps: list(FastCheck.string()),
        preserveFds: flagValue(nat),
        cgroups: list(FastCheck.string()),
        ignorePaused: onlyTrue
      }).map(defined)
    })
  ) as FastCheck.Arbitrary<Command>

  it("for every command and global option, ids and values starting with - included", () => {
    FastCheck.assert(
      FastCheck.property(global, command, (g, c) => {
        expect(parsed(toArgv(g, c))).toEqual({
          global: g,
          command: c._tag === "Create" || c._tag === "Run" ? { ...c, options: { ...c.options } } : c
        })
      }),
      { numRuns: 1000 }
    )
  })
})
