/**
 * The command line of an OCI runtime (runc 1.1.5's, which crun and youki
 * follow): commands as data, the argv that runs them, and a parser of that
 * argv with runc's flag rules (Go's `flag` package under urfave/cli v1:
 * `-f`/`--f`, `--f=v` or `--f v`, booleans only as `--f` or `--f=bool`,
 * flags may follow the container id except for `exec`, `--` ends flags).
 *
 * The argv built here always puts flags first, writes every value as
 * `--flag=value` (so a value may begin with `-`), and puts `--` before the
 * container id (so an id may too).
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type * as Runtime from "../../Runtime.js"
import * as Strconv from "../strconv.js"

/** runc's global options (those before the command). */
export interface GlobalOptions {
  /** `--root`: the state root. */
  readonly root?: string
  /** `--log`: where the runtime writes its log (default: its stderr). */
  readonly log?: string
  /** `--log-format`: `json` gives one JSON object per line. */
  readonly logFormat?: "text" | "json"
  /** `--systemd-cgroup`. */
  readonly systemdCgroup?: boolean
  /** `--rootless`: `true`, `false` or `auto`. */
  readonly rootless?: string
  /** `--debug`. */
  readonly debug?: boolean
  /** `--criu`: the criu binary. */
  readonly criu?: string
}

/** `create`'s options (`create.go`): the public ones but the streams, which are not flags. */
export type CreateOptions = Omit<Runtime.CreateOptions, "stdio">

/** `run`'s options (`run.go`): `create`'s and the foreground/detach ones. */
export type RunOptions = Omit<Runtime.RunOptions, "stdio">

/**
 * `exec`'s options (`exec.go`). With `processFile`, runc reads the whole
 * process from that file and ignores `cwd`, `env`, `tty`, `user`,
 * `additionalGids`, `processLabel`, `apparmor`, `noNewPrivs` and `caps`.
 */
export interface ExecOptions {
  readonly consoleSocket?: string
  readonly cwd?: string
  readonly env?: ReadonlyArray<string>
  readonly tty?: boolean
  /** `<uid>[:<gid>]`. */
  readonly user?: string
  readonly additionalGids?: ReadonlyArray<number>
  /** `--process`: a process document (see `encodeProcess`). */
  readonly processFile?: string
  readonly detach?: boolean
  readonly pidFile?: string
  readonly processLabel?: string
  readonly apparmor?: string
  readonly noNewPrivs?: boolean
  readonly caps?: ReadonlyArray<string>
  readonly preserveFds?: number
  /** `--cgroup`: `[<controller>[,…]:]<path>` sub-cgroups to run in. */
  readonly cgroups?: ReadonlyArray<string>
  readonly ignorePaused?: boolean
}

/** A runtime command and its arguments. */
export type Command =
  | { readonly _tag: "Create"; readonly id: string; readonly options: CreateOptions }
  | { readonly _tag: "Run"; readonly id: string; readonly options: RunOptions }
  | { readonly _tag: "Start"; readonly id: string }
  | {
    readonly _tag: "Exec"
    readonly id: string
    /** The command to run; empty with `processFile`. */
    readonly args: ReadonlyArray<string>
    readonly options: ExecOptions
  }
  | { readonly _tag: "Delete"; readonly id: string; readonly force?: boolean }
  | { readonly _tag: "Kill"; readonly id: string; readonly signal?: string; readonly all?: boolean }
  | { readonly _tag: "State"; readonly id: string }

/** An argv the parser refuses, with the text runc prints for it. */
export class ArgvInvalid extends Data.TaggedError("ArgvInvalid")<{ readonly message: string }> {}

// ---------------------------------------------------------------------------
// Flag tables

type Kind = "string" | "bool" | "int" | "strings" | "ints"

interface Flag {
  /** The long name, as the argv builder writes it. */
  readonly name: string
  readonly short?: string
  readonly kind: Kind
  /** The property it fills. */
  readonly key: string
}

const flag = (name: string, kind: Kind, key: string, short?: string): Flag =>
  short === undefined ? { name, kind, key } : { name, kind, key, short }

const globalFlags: ReadonlyArray<Flag> = [
  flag("debug", "bool", "debug"),
  flag("log", "string", "log"),
  flag("log-format", "string", "logFormat"),
  flag("root", "string", "root"),
  flag("criu", "string", "criu"),
  flag("systemd-cgroup", "bool", "systemdCgroup"),
  flag("rootless", "string", "rootless")
]

const createFlags: ReadonlyArray<Flag> = [
  flag("bundle", "string", "bundle", "b"),
  flag("console-socket", "string", "consoleSocket"),
  flag("pid-file", "string", "pidFile"),
  flag("no-pivot", "bool", "noPivot"),
  flag("no-new-keyring", "bool", "noNewKeyring"),
  flag("preserve-fds", "int", "preserveFds")
]

const runFlags: ReadonlyArray<Flag> = [
  ...createFlags,
  flag("detach", "bool", "detach", "d"),
  flag("keep", "bool", "keep"),
  flag("no-subreaper", "bool", "noSubreaper")
]

const execFlags: ReadonlyArray<Flag> = [
  flag("console-socket", "string", "consoleSocket"),
  flag("cwd", "string", "cwd"),
  flag("env", "strings", "env", "e"),
  flag("tty", "bool", "tty", "t"),
  flag("user", "string", "user", "u"),
  flag("additional-gids", "ints", "additionalGids", "g"),
  flag("process", "string", "processFile", "p"),
  flag("detach", "bool", "detach", "d"),
  flag("pid-file", "string", "pidFile"),
  flag("process-label", "string", "processLabel"),
  flag("apparmor", "string", "apparmor"),
  flag("no-new-privs", "bool", "noNewPrivs"),
  flag("cap", "strings", "caps", "c"),
  flag("preserve-fds", "int", "preserveFds"),
  flag("cgroup", "strings", "cgroups"),
  flag("ignore-paused", "bool", "ignorePaused")
]

const commandFlags = {
  create: createFlags,
  run: runFlags,
  start: [],
  exec: execFlags,
  delete: [flag("force", "bool", "force", "f")],
  kill: [flag("all", "bool", "all", "a")],
  state: []
} as const satisfies Record<string, ReadonlyArray<Flag>>

type CommandName = keyof typeof commandFlags

// ---------------------------------------------------------------------------
// Building

const render = (flags: ReadonlyArray<Flag>, values: Readonly<Record<string, unknown>>): Array<string> => {
  const out: Array<string> = []
  for (const f of flags) {
    const v = values[f.key]
    if (v === undefined || v === false) continue
    switch (f.kind) {
      case "bool":
        out.push(`--${f.name}`)
        break
      case "string":
      case "int":
        out.push(`--${f.name}=${String(v)}`)
        break
      case "strings":
      case "ints":
        for (const item of v as ReadonlyArray<unknown>) out.push(`--${f.name}=${String(item)}`)
        break
    }
  }
  return out
}

/** The global part of an argv. */
export const globalArgs = (options: GlobalOptions): Array<string> =>
  render(globalFlags, options as Readonly<Record<string, unknown>>)

/** The argv (without the binary) that runs `command` with the global options. */
export const toArgv = (global: GlobalOptions, command: Command): ReadonlyArray<string> => {
  const head = globalArgs(global)
  switch (command._tag) {
    case "Create":
      return [...head, "create", ...render(createFlags, command.options as {}), "--", command.id]
    case "Run":
      return [...head, "run", ...render(runFlags, command.options as {}), "--", command.id]
    case "Start":
      return [...head, "start", "--", command.id]
    case "State":
      return [...head, "state", "--", command.id]
    case "Exec":
      return [...head, "exec", ...render(execFlags, command.options as {}), "--", command.id, ...command.args]
    case "Delete":
      return [...head, "delete", ...(command.force === true ? ["--force"] : []), "--", command.id]
    case "Kill":
      return [
        ...head,
        "kill",
        ...(command.all === true ? ["--all"] : []),
        "--",
        command.id,
        ...(command.signal === undefined ? [] : [command.signal])
      ]
  }
}

// ---------------------------------------------------------------------------
// Parsing

const fail = (message: string) => Either.left(new ArgvInvalid({ message }))

/**
 * Go's `strconv.ParseInt(s, 0, 64)` — base prefixes `0x`, `0b`, `0o`, a
 * leading `0` for octal, `_` separators — as a number; `undefined` when Go
 * refuses it or it is beyond 2^53.
 */
export const parseGoInt = (s: string): number | undefined => {
  const parsed = Strconv.parseInt(s, 0, 64)
  if (parsed._tag === "Err") return undefined
  const n = parsed.value
  return n < BigInt(Number.MIN_SAFE_INTEGER) || n > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(n)
}

const lookup = (flags: ReadonlyArray<Flag>, name: string): Flag | undefined =>
  flags.find((f) => f.name === name || f.short === name)

/**
 * Go's `FlagSet.Parse` over `args`: the flag values by property and the
 * arguments left. `prog` names the flag set in errors.
 */
const parseFlags = (
  flags: ReadonlyArray<Flag>,
  args: ReadonlyArray<string>
): Either.Either<{ readonly values: Record<string, unknown>; readonly rest: ReadonlyArray<string> }, ArgvInvalid> => {
  const values: Record<string, unknown> = {}
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i]!
    if (arg.length < 2 || !arg.startsWith("-")) break
    if (arg === "--") {
      i++
      break
    }
    let name = arg.slice(arg.startsWith("--") ? 2 : 1)
    if (name === "" || name.startsWith("-") || name.startsWith("=")) return fail(`bad flag syntax: ${arg}`)
    let value: string | undefined
    const eq = name.indexOf("=")
    if (eq >= 0) {
      value = name.slice(eq + 1)
      name = name.slice(0, eq)
    }
    const f = lookup(flags, name)
    if (f === undefined) return fail(`flag provided but not defined: -${name}`)
    if (f.kind === "bool") {
      const b = value === undefined ? true : Strconv.parseBool(value)
      if (b === undefined) return fail(`invalid boolean value "${value}" for -${name}: parse error`)
      if (b) values[f.key] = true
      else delete values[f.key]
      continue
    }
    if (value === undefined) {
      if (i + 1 >= args.length) return fail(`flag needs an argument: -${name}`)
      value = args[++i]!
    }
    switch (f.kind) {
      case "string":
        values[f.key] = value
        break
      case "strings":
        values[f.key] = [...((values[f.key] as Array<string> | undefined) ?? []), value]
        break
      case "int":
      case "ints": {
        const n = parseGoInt(value)
        if (n === undefined) return fail(`invalid value "${value}" for flag -${name}: parse error`)
        values[f.key] = f.kind === "int" ? n : [...((values[f.key] as Array<number> | undefined) ?? []), n]
        break
      }
    }
  }
  return Either.right({ values, rest: args.slice(i) })
}

/** urfave/cli v1's `reorderArgs`: a command's flags may follow its arguments (up to `--`). */
const reorder = (flags: ReadonlyArray<Flag>, args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const ordered: Array<string> = []
  const rest: Array<string> = []
  let valueMayFollow = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      rest.push(...args.slice(i))
      break
    }
    if (valueMayFollow && !arg.startsWith("-")) {
      valueMayFollow = false
      ordered.push(arg)
    } else if (arg !== "-" && arg.startsWith("-")) {
      const name = arg.replace(/^--?/, "").split("=")[0]!
      valueMayFollow = !arg.includes("=") && lookup(flags, name)?.kind !== "bool"
      ordered.push(arg)
    } else {
      rest.push(arg)
    }
  }
  return [...ordered, ...rest]
}

const commandNames: Readonly<Record<string, CommandName>> = {
  create: "create",
  run: "run",
  start: "start",
  exec: "exec",
  delete: "delete",
  kill: "kill",
  state: "state"
}

/**
 * Parses a runtime argv (without the binary) for the commands above, as
 * runc 1.1.5 would read it; `runc` in errors stands for `os.Args[0]`.
 */
export const parseArgv = (
  argv: ReadonlyArray<string>
): Either.Either<{ readonly global: GlobalOptions; readonly command: Command }, ArgvInvalid> =>
  Either.gen(function*() {
    const { rest, values: global } = yield* parseFlags(globalFlags, argv)
    const word = rest[0]
    if (word === undefined) return yield* fail("no command given")
    const name = commandNames[word]
    if (name === undefined) return yield* fail(`No help topic for '${word}'`)
    const flags = commandFlags[name]
    const { rest: args, values } = yield* parseFlags(flags, name === "exec" ? rest.slice(1) : reorder(flags, rest.slice(1)))
    const count = (min: number, max: number) =>
      args.length < min || args.length > max
        ? fail(
          min === max
            ? `runc: "${name}" requires exactly ${min} argument(s)`
            : args.length < min
            ? `runc: "${name}" requires a minimum of ${min} argument(s)`
            : `runc: "${name}" requires a maximum of ${max} argument(s)`
        )
        : Either.void
    const id = args[0] ?? ""
    let command: Command
    switch (name) {
      case "create":
      case "run":
        yield* count(1, 1)
        command = { _tag: name === "create" ? "Create" : "Run", id, options: { bundle: "", ...values } as RunOptions }
        break
      case "start":
        yield* count(1, 1)
        command = { _tag: "Start", id }
        break
      case "state":
        yield* count(1, 1)
        command = { _tag: "State", id }
        break
      case "exec":
        yield* count(1, Infinity)
        command = { _tag: "Exec", id, args: args.slice(1), options: values as ExecOptions }
        break
      case "delete":
        yield* count(1, 1)
        command = values["force"] === true ? { _tag: "Delete", id, force: true } : { _tag: "Delete", id }
        break
      case "kill": {
        yield* count(1, 2)
        const signal = args[1]
        command = {
          _tag: "Kill",
          id,
          ...(signal === undefined ? {} : { signal }),
          ...(values["all"] === true ? { all: true } : {})
        }
        break
      }
    }
    return { global: global as GlobalOptions, command }
  })
