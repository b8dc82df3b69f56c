/**
 * Reading a command line as runc 1.1.5 reads it (urfave/cli v1's `App.Run`
 * and `Command.Run`, then runc's `Before`): global flags, which only go
 * before the command; `--help` and `--version`; the log set up from
 * `--debug`, `--log` and `--log-format`; `--root` made absolute (empty
 * means the working directory); then the command, its flags (which may also
 * follow its arguments), its own `--help`, and its argument count.
 *
 * Everything that ends the program before a command runs — help, version,
 * usage errors, `No help topic for '…'` — is answered here with runc's
 * texts, streams and exit statuses ({@link resolve} returns `Exit`).
 * Otherwise it returns what the command needs (`Run`). No Effect: help and
 * usage errors cost no more than reading the arguments.
 */
import { closeSync, openSync, readSync } from "node:fs"
import { isAbsolute, resolve as resolvePath } from "node:path"
import * as Strconv from "../internal/strconv.js"
import * as Commands from "./commands.js"
import * as Flagset from "./flagset.js"
import * as Help from "./help.js"
import * as Logrus from "./logrus.js"
import type { Output } from "./stdio.js"

/** What the program reads from its surroundings (the process's, by {@link processHost}). */
export interface Host {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly euid: number
  readonly cwd: () => string
  readonly nodeVersion: string
  /** Whether this process runs in a user namespace other than the initial one (runc's `userns.RunningInUserNS`). */
  readonly inUserNamespace: () => boolean
}

/**
 * runc's `RunningInUserNS`: `/proc/self/uid_map` is anything but the whole
 * range mapped to itself (`0 0 4294967295`). Read with a bound: the file is
 * at most 340 lines of three numbers.
 */
const runningInUserNamespace = (): boolean => {
  let fd: number | undefined
  try {
    fd = openSync("/proc/self/uid_map", "r")
    const buffer = Buffer.alloc(16 * 1024)
    const text = buffer.toString("latin1", 0, readSync(fd, buffer, 0, buffer.length, null))
    const fields = text.trim().split(/\s+/)
    return !(fields.length === 3 && fields[0] === "0" && fields[1] === "0" && fields[2] === "4294967295")
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** This process's surroundings. */
export const processHost = (): Host => ({
  env: process.env,
  euid: process.geteuid?.() ?? 0,
  cwd: () => process.cwd(),
  nodeVersion: process.version,
  inUserNamespace: runningInUserNamespace
})

/**
 * runc's `shouldHonorXDGRuntimeDir`: `$XDG_RUNTIME_DIR` is set, and either
 * we are not root, or we are root in a user namespace without `USER=root`.
 */
const honorsXdgRuntimeDir = (host: Host): boolean => {
  if ((host.env["XDG_RUNTIME_DIR"] ?? "") === "") return false
  if (host.euid !== 0) return true
  if (!host.inUserNamespace()) return false
  return host.env["USER"] !== "root"
}

/** `--root`'s default: `/run/runc`, or `$XDG_RUNTIME_DIR/runc` where runc honours it. */
export const defaultRoot = (host: Host): string =>
  honorsXdgRuntimeDir(host) ? `${host.env["XDG_RUNTIME_DIR"]}/runc` : Commands.defaultRoot

/** The global flags' values, after runc's `Before`. */
export interface Globals {
  /** The state root, absolute (runc's `filepath.Abs`; empty means the working directory). */
  readonly root: string
  readonly debug: boolean
  readonly logFormat: Logrus.Format
  /** `--rootless` as given: `true`, `false`, `auto` or anything else (only pause, resume and ps read it). */
  readonly rootless: string
  readonly systemdCgroup: boolean
}

/** A command to run, with everything it was given. */
export interface Run {
  readonly _tag: "Run"
  readonly command: Commands.Command
  readonly globals: Globals
  /** The command's flags, by canonical name. */
  readonly flags: ReadonlyMap<string, string | boolean>
  /** Every value of each slice flag given (`--env`, `--cap`, …), by canonical name. */
  readonly lists: ReadonlyMap<string, ReadonlyArray<string>>
  readonly args: ReadonlyArray<string>
  readonly log: Logrus.Log
  /** Whether this process counts as rootless for runc (`shouldUseRootlessCgroupManager` for `--rootless auto`). */
  readonly rootlessByDefault: () => boolean
}

/** The program ends here with this status, its output written. */
export interface Exit {
  readonly _tag: "Exit"
  readonly status: number
}

/** The outcome of {@link resolve}. */
export type Invocation = Run | Exit

const exit = (status: number): Exit => ({ _tag: "Exit", status })

/** Go's `filepath.Abs` for the root: relative to the working directory, cleaned. */
const absolute = (root: string, host: Host): string => isAbsolute(root) ? resolvePath(root) : resolvePath(host.cwd(), root)

/** urfave's `checkArgs` message for a command that got the wrong number of arguments. */
const arityError = (command: Commands.Command, count: number): string | undefined => {
  const { exactly, max, min } = command.arity
  const named = `${Commands.programName}: ${Strconv.quote(command.name)}`
  if (exactly !== undefined && count !== exactly) return `${named} requires exactly ${exactly} argument(s)`
  if (min !== undefined && count < min) return `${named} requires a minimum of ${min} argument(s)`
  if (max !== undefined && count > max) return `${named} requires a maximum of ${max} argument(s)`
  return undefined
}

/**
 * Reads `args` (the command line after the program name). Help, version
 * and usage errors are written to `out` here, as runc writes them: help and
 * `Incorrect Usage` on stdout, the error as a log entry (stderr, or the
 * `--log` file and stderr). A stdout that fails while help is written is a
 * failure too.
 */
export const resolve = (args: ReadonlyArray<string>, out: Output, host: Host = processHost()): Invocation => {
  let log = Logrus.toStderr(out.stderr)
  const context: Help.AppContext = { defaultRoot: defaultRoot(host), nodeVersion: host.nodeVersion }
  const globalFlags = Commands.globalFlags(context.defaultRoot)

  /** Writes help (or a version); a stdout that refuses it turns a success into runc's error line. */
  const show = (text: string, status: number): Exit => {
    const failed = out.stdout(text)
    if (failed === undefined || status !== 0) return exit(status)
    Logrus.fatal(log, failed.message, out.stderr)
    return exit(1)
  }
  const fail = (message: string, status = 1): Exit => {
    Logrus.fatal(log, message, out.stderr)
    return exit(status)
  }

  // urfave's App.Run: parse the global flags; a flag given in two forms is reported first
  const global = Flagset.parse(globalFlags, args)
  const twoForms = Flagset.normalize(globalFlags, global.visited)
  if (twoForms !== undefined) {
    out.stdout(`${twoForms}\n`)
    show(Help.appHelp(context), 1)
    return fail(twoForms)
  }
  if (global.error !== undefined) {
    out.stdout(`Incorrect Usage. ${global.error}\n\n`)
    show(Help.appHelp(context), 1)
    return fail(global.error)
  }
  if (global.values.get("help") === true) return show(Help.appHelp(context), 0)
  if (global.values.get("version") === true) return show(Help.versionText(host.nodeVersion), 0)

  // runc's Before: reviseRootDir, then configLogrus
  const given = (name: string): string => {
    const v = global.values.get(name)
    return typeof v === "string" ? v : (globalFlags.find((f) => f.names[0] === name)?.defaultValue ?? "")
  }
  const root = given("root")
  const globals: Globals = {
    root: root === "" ? resolvePath(host.cwd()) : absolute(root, host),
    debug: global.values.get("debug") === true,
    logFormat: given("log-format") === "json" ? "json" : "text",
    rootless: given("rootless"),
    systemdCgroup: global.values.get("systemd-cgroup") === true
  }
  const level: Logrus.Level = globals.debug ? "debug" : "info"
  log = Logrus.toStderr(out.stderr, "text", level)
  const format = given("log-format")
  if (format !== "" && format !== "text" && format !== "json") return fail(`invalid log-format: ${format}`)
  log = Logrus.toStderr(out.stderr, globals.logFormat, level)
  const logFile = given("log")
  if (logFile !== "") {
    const opened = Logrus.toFile(logFile, { format: globals.logFormat, level, stderr: out.stderr })
    if (opened instanceof Logrus.LogOpenFailed) return fail(opened.message)
    log = opened
  }

  const name = global.args[0]
  const command = name === undefined ? undefined : Commands.commandNamed(name)
  if (command === undefined) {
    // urfave's default action is the help command's
    if (name === undefined) return show(Help.appHelp(context), 0)
    return helpTopic(name, context, show, fail)
  }

  // urfave's Command.Run: the command's flags and --help, then runc's checkArgs
  const flags = [...command.flags, Commands.helpFlag]
  const tail = global.args.slice(1)
  const parsed = Flagset.parse(flags, command.skipArgReorder ? tail : Flagset.reorder(flags, tail))
  const error = parsed.error ?? Flagset.normalize(flags, parsed.visited)
  if (error !== undefined) {
    out.stdout(`Incorrect Usage: ${error}\n\n`)
    show(Help.commandHelp(command), 1)
    return fail(error)
  }
  if (parsed.values.get("help") === true) return show(Help.commandHelp(command), 0)
  if (command.name === "help") {
    const topic = parsed.args[0]
    return topic === undefined ? show(Help.appHelp(context), 0) : helpTopic(topic, context, show, fail)
  }
  const wrongCount = arityError(command, parsed.args.length)
  if (wrongCount !== undefined) {
    out.stdout("Incorrect Usage.\n\n")
    show(Help.commandHelp(command), 1)
    return fail(wrongCount)
  }
  return {
    _tag: "Run",
    command,
    globals,
    flags: parsed.values,
    lists: parsed.lists,
    args: parsed.args,
    log,
    // in a user namespace with --systemd-cgroup, runc asks systemd's bus for the owner and takes root when it
    // cannot; this CLI does not ask, and takes root
    rootlessByDefault: () => host.euid !== 0 || (host.inUserNamespace() && !globals.systemdCgroup)
  }
}

/**
 * urfave's `ShowCommandHelp` for a help topic: a command's help; for the
 * empty topic the program's help in the command layout; for anything else
 * `No help topic for '<topic>'` and exit status 3, written as urfave's
 * error writer writes it (runc's log, with the newline it carries).
 */
const helpTopic = (
  topic: string,
  context: Help.AppContext,
  show: (text: string, status: number) => Exit,
  fail: (message: string, status?: number) => Exit
): Exit => {
  if (topic === "") return show(Help.appAsCommandHelp(context), 0)
  const command = Commands.commandNamed(topic)
  if (command !== undefined) return show(Help.commandHelp(command), 0)
  return fail(`No help topic for '${topic}'\n`, 3)
}
