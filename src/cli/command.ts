/**
 * What the CLI's Effect commands share: the context a command runs with,
 * its flags, output, runc's `getContainer` and the rootless warning, and
 * the errors of the command line itself (as opposed to the library's).
 * Each command is a module of its own exporting `command` (see `app.ts`,
 * which runs them).
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { Container } from "../Container.js"
import * as Factory from "../Factory.js"
import type { Runtime } from "../Runtime.js"
import * as Strconv from "../internal/strconv.js"
import * as Commands from "./commands.js"
import { parseBool } from "./flagset.js"
import type * as Invocation from "./invocation.js"
import { type Output, WriteFailed } from "./stdio.js"

/** A command's run, with the output it writes to. */
export interface Context {
  readonly run: Invocation.Run
  readonly out: Output
}

/** What the commands run with: the library's services and the OCI runtime (`create`, `start`, `run`, `exec`). */
export type Services = Factory.Services | Runtime

/**
 * A command as `app.ts` runs it: on {@link Services}, failing with the
 * error runc's line is made of; an exit status other than 0 (or none) when
 * it ends in another way.
 */
export type Command = (context: Context) => Effect.Effect<number | void, unknown, Services>

/** `invalid format option` — `--format` was neither `table` nor `json` (runc checks it itself, after loading). */
export class InvalidFormat extends Data.TaggedError("InvalidFormat")<{ readonly format: string }> {
  override get message(): string {
    return "invalid format option"
  }
}

/** `container id cannot be empty` — runc's `getContainer` on an empty id, before anything is read. */
export class EmptyId extends Data.TaggedError("EmptyId")<{}> {
  override get message(): string {
    return "container id cannot be empty"
  }
}

/** `strconv.ParseBool: parsing "<value>": invalid syntax` — `--rootless` is neither a boolean nor `auto`. */
export class InvalidRootless extends Data.TaggedError("InvalidRootless")<{ readonly value: string }> {
  override get message(): string {
    return `strconv.ParseBool: parsing ${Strconv.quote(this.value)}: invalid syntax`
  }
}

/** `--format` checked as runc checks it: `table` or `json`. */
export const checkFormat = (value: string): Effect.Effect<"table" | "json", InvalidFormat> =>
  value === "table" || value === "json" ? Effect.succeed(value) : Effect.fail(new InvalidFormat({ format: value }))

/** A string flag's value, or `fallback`. */
export const stringFlag = (run: Invocation.Run, name: string, fallback: string): string => {
  const value = run.flags.get(name)
  return typeof value === "string" ? value : fallback
}

/** Whether a boolean flag was given. */
export const boolFlag = (run: Invocation.Run, name: string): boolean => run.flags.get(name) === true

/** Writes to stdout, failing with the write's error. */
export const print = (out: Output, text: string): Effect.Effect<void, WriteFailed> =>
  Effect.suspend(() => {
    const failed = out.stdout(text)
    return failed instanceof WriteFailed ? Effect.fail(failed) : Effect.void
  })

/** The first argument as runc's `getContainer` takes it: an empty id is refused before anything is read. */
export const load = (run: Invocation.Run): Effect.Effect<Container, Factory.LoadError | EmptyId, Factory.Services> => {
  const id = run.args[0] ?? ""
  return id === "" ? Effect.fail(new EmptyId()) : Factory.load(run.globals.root, id)
}

/**
 * runc's `shouldUseRootlessCgroupManager` and the warning pause, resume
 * and ps give with it: `--rootless` is a boolean, or `auto` (or empty) for
 * "not root, or root in a user namespace".
 */
export const warnIfRootless = (run: Invocation.Run, command: string) =>
  Effect.suspend(() => {
    const raw = run.globals.rootless
    const rootless = raw === "" || raw.toLowerCase() === "auto" ? run.rootlessByDefault() : parseBool(raw)
    if (rootless === undefined) return Effect.fail(new InvalidRootless({ value: raw }))
    return rootless
      ? Effect.logWarning(`${Commands.programName} ${command} may fail if you don't have the full access to cgroups`)
      : Effect.void
  })
