/**
 * Command-line flags as runc reads them: Go's `flag` package driven by
 * urfave/cli v1 (the 1.22.9 that Debian's runc 1.1.5 is built with).
 * {@link parse} is `FlagSet.Parse`, {@link reorder} urfave's `reorderArgs`,
 * {@link normalize} its `normalizeFlags`, and {@link helpLine} the line a
 * flag gets in help. Error texts are Go's, word for word, because scripts
 * and users compare them with runc's.
 *
 * Plain TypeScript without Effect: the CLI answers help, version and usage
 * errors before it loads anything heavy.
 */
import { parseDuration } from "../internal/goDuration.js"
import * as Strconv from "../internal/strconv.js"

/** A flag: its names (`["format", "f"]`), whether it takes a value, its help text and default. */
export interface Flag {
  /** The names, first the canonical one: urfave's `"format, f"`. */
  readonly names: ReadonlyArray<string>
  /** `true` for a string flag (`--root value`), `false` for a boolean one (`--debug`). */
  readonly takesValue: boolean
  readonly usage: string
  /** A string flag's value when it is not given; help shows it as `(default: "…")` unless empty. */
  readonly defaultValue?: string
  /**
   * For a flag Go parses as it reads it (urfave's `IntFlag`, `DurationFlag`):
   * why a value is refused (`parse error`, `value out of range`), or
   * nothing. The default is then shown bare in help (`(default: 5s)`).
   */
  readonly check?: (value: string) => string | undefined
  /** Left out of help (urfave's `Hidden`). */
  readonly hidden?: boolean
  /**
   * A slice flag given any number of times — urfave's `StringSliceFlag`
   * (`strings`), `Int64SliceFlag` (`int64s`, each value Go's
   * `ParseInt(s, 0, 64)`) — whose values are all kept, in order, in
   * {@link Parsed.lists}.
   */
  readonly kind?: "strings" | "int64s"
}

/** Go's `intValue.Set`: `strconv.ParseInt(s, 0, 64)`, refused as `parse error` or `value out of range`. */
export const checkInt = (value: string): string | undefined => {
  const parsed = Strconv.parseInt(value, 0, 64)
  return parsed._tag === "Ok" ? undefined : parsed.kind === "syntax" ? "parse error" : "value out of range"
}

/** Go's `durationValue.Set`: `time.ParseDuration`, refused as `parse error`. */
export const checkDuration = (value: string): string | undefined =>
  parseDuration(value)._tag === "Ok" ? undefined : "parse error"

/** The result of {@link parse}: the values given, by canonical name, and the arguments left. */
export interface Parsed {
  /** Each flag given, by its canonical (first) name: a string, or a boolean for a boolean flag. */
  readonly values: ReadonlyMap<string, string | boolean>
  /** Every name that was given, in the form it was given (`f`, `format`), for {@link normalize}. */
  readonly visited: ReadonlySet<string>
  /** What follows the flags: the first non-flag argument and everything after it (a `--` is dropped). */
  readonly args: ReadonlyArray<string>
  /** Go's error text when parsing stopped at a bad flag; `values` then holds what came before it. */
  readonly error?: string
  /** Every value of each slice flag given (`kind` `strings` or `int64s`), by canonical name, in order. */
  readonly lists: ReadonlyMap<string, ReadonlyArray<string>>
}

const find = (flags: ReadonlyArray<Flag>, name: string): Flag | undefined =>
  flags.find((flag) => flag.names.includes(name))

/** Go's `strconv.ParseBool`, as the flag package reads a boolean flag's value. */
export const parseBool = Strconv.parseBool

/**
 * Go's `FlagSet.Parse`: flags start with `-` or `--` (the same thing), stop
 * at the first argument that is not one (or at `-`, or after `--`). A string
 * flag takes `=value` or the next argument, whatever it looks like; a
 * boolean flag takes only `=value`. The same flag given twice keeps the last
 * value.
 */
export const parse = (flags: ReadonlyArray<Flag>, args: ReadonlyArray<string>): Parsed => {
  const values = new Map<string, string | boolean>()
  const lists = new Map<string, Array<string>>()
  const visited = new Set<string>()
  let i = 0
  const stop = (error?: string): Parsed => ({
    values,
    lists,
    visited,
    args: args.slice(i),
    ...(error === undefined ? {} : { error })
  })
  while (i < args.length) {
    const s = args[i]!
    if (s.length < 2 || s[0] !== "-") return stop()
    let minuses = 1
    if (s[1] === "-") {
      minuses = 2
      if (s.length === 2) {
        i++
        return stop()
      }
    }
    let name = s.slice(minuses)
    if (name.length === 0 || name[0] === "-" || name[0] === "=") return stop(`bad flag syntax: ${s}`)
    i++
    let value: string | undefined
    const equals = name.indexOf("=", 1)
    if (equals > 0) {
      value = name.slice(equals + 1)
      name = name.slice(0, equals)
    }
    const flag = find(flags, name)
    if (flag === undefined) {
      return stop(name === "help" || name === "h" ? "flag: help requested" : `flag provided but not defined: -${name}`)
    }
    if (!flag.takesValue) {
      const parsed = value === undefined ? true : parseBool(value)
      if (parsed === undefined) return stop(`invalid boolean value ${Strconv.quote(value!)} for -${name}: parse error`)
      values.set(flag.names[0]!, parsed)
    } else {
      if (value === undefined) {
        if (i >= args.length) return stop(`flag needs an argument: -${name}`)
        value = args[i++]!
      }
      const refused = flag.check?.(value) ?? invalidSliceValue(flag, value)
      if (refused !== undefined) return stop(`invalid value ${Strconv.quote(value)} for flag -${name}: ${refused}`)
      values.set(flag.names[0]!, value)
      if (flag.kind === "strings" || flag.kind === "int64s") {
        lists.set(flag.names[0]!, [...(lists.get(flag.names[0]!) ?? []), value])
      }
    }
    visited.add(name)
  }
  return stop()
}

/** Why a value of an `Int64SliceFlag` is refused: urfave returns strconv's error itself (after `invalid value … for flag -x: `). */
const invalidSliceValue = (flag: Flag, value: string): string | undefined => {
  if (flag.kind !== "int64s") return undefined
  const parsed = Strconv.parseInt(value, 0, 64)
  return parsed._tag === "Ok" ? undefined : Strconv.numErrorText("ParseInt", value, parsed.kind)
}

/**
 * urfave's `normalizeFlags`: a flag given under two of its names is an
 * error, `Cannot use two forms of the same flag: <later name> <earlier name>`
 * (names in declaration order).
 */
export const normalize = (flags: ReadonlyArray<Flag>, visited: ReadonlySet<string>): string | undefined => {
  for (const flag of flags) {
    if (flag.names.length < 2) continue
    let first: string | undefined
    for (const name of flag.names) {
      if (!visited.has(name)) continue
      if (first !== undefined) return `Cannot use two forms of the same flag: ${name} ${first}`
      first = name
    }
  }
  return undefined
}

/** urfave's `argIsFlag`: whether `arg` names one of `flags` (`-f`, `--format=x`, even `---f`). */
const isFlag = (flags: ReadonlyArray<Flag>, arg: string): boolean => {
  if (arg === "-" || arg === "--" || !arg.startsWith("-")) return false
  // Go's strings.Replace(arg, "-", "", 2), then (…, 1): the first dashes anywhere in the text
  let name = arg.startsWith("--") ? arg.replace("-", "").replace("-", "") : arg
  if (name.startsWith("-")) name = name.replace("-", "")
  name = name.split("=")[0]!
  return find(flags, name) !== undefined
}

/**
 * urfave's `reorderArgs`, which lets a command's flags follow its
 * arguments: every argument naming one of `flags` moves to the front, and
 * so does the argument right after one without `=` (taken as its value,
 * even after a boolean flag, as urfave does); a `--` goes first among the
 * rest, followed by everything after it unchanged. Unknown flags stay where
 * they are.
 */
export const reorder = (flags: ReadonlyArray<Flag>, args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const reordered: Array<string> = []
  let remaining: Array<string> = []
  let mayBeValue = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (mayBeValue && !isFlag(flags, arg)) {
      mayBeValue = false
      reordered.push(arg)
    } else if (arg === "--") {
      remaining = ["--", ...remaining, ...args.slice(i + 1)]
      break
    } else if (isFlag(flags, arg)) {
      reordered.push(arg)
      mayBeValue = !arg.includes("=")
    } else {
      remaining.push(arg)
    }
  }
  return [...reordered, ...remaining]
}

/**
 * The flag's line in help, before alignment: its names (`--format value,
 * -f value`), a tab, its usage and its non-empty default Go-quoted.
 */
export const helpLine = (flag: Flag): string => {
  const names = flag.names
    .map((name) => (name.length === 1 ? "-" : "--") + name + (flag.takesValue ? " value" : ""))
    .join(", ")
  const fallback = flag.defaultValue === undefined || flag.defaultValue === ""
    ? ""
    : ` (default: ${flag.check === undefined ? Strconv.quote(flag.defaultValue) : flag.defaultValue})`
  return `${names}\t${(flag.usage + fallback).trim()}`
}
