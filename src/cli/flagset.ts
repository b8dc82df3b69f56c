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
   * What a value-taking flag holds, beyond a string: urfave's `IntFlag`
   * (`int`: Go's `ParseInt(s, 0, 64)`, help shows `(default: 0)`), or a
   * slice flag given any number of times — `StringSliceFlag` (`strings`),
   * `Int64SliceFlag` (`int64s`) — whose values are all kept, in order, in
   * {@link Parsed.lists}.
   */
  readonly kind?: "int" | "strings" | "int64s"
}

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

/** Go's `strconv.ParseBool`. */
export const parseBool = (value: string): boolean | undefined => {
  switch (value) {
    case "1":
    case "t":
    case "T":
    case "TRUE":
    case "true":
    case "True":
      return true
    case "0":
    case "f":
    case "F":
    case "FALSE":
    case "false":
    case "False":
      return false
    default:
      return undefined
  }
}

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
      const invalid = invalidValue(flag, value)
      if (invalid !== undefined) return stop(`invalid value ${Strconv.quote(value)} for flag -${name}: ${invalid}`)
      values.set(flag.names[0]!, value)
      if (flag.kind === "strings" || flag.kind === "int64s") {
        lists.set(flag.names[0]!, [...(lists.get(flag.names[0]!) ?? []), value])
      }
    }
    visited.add(name)
  }
  return stop()
}

/** Go's `strconv.ParseInt(s, 0, 64)`: the reason it refuses `value`, in its words, or undefined. */
const parseIntError = (value: string): "invalid syntax" | "value out of range" | undefined => {
  const digits = value.replace(/^[+-]/, "")
  const prefixed = /^0[xX]_?[0-9a-fA-F](_?[0-9a-fA-F])*$|^0[bB]_?[01](_?[01])*$|^0[oO]?_?[0-7](_?[0-7])*$/.exec(digits)
  const decimal = /^(0|[1-9](_?[0-9])*)$/.test(digits)
  if (digits === "" || (prefixed === null && !decimal)) return "invalid syntax"
  const clean = digits.replace(/_/g, "")
  const magnitude = /^0[xX]/.test(clean)
    ? BigInt(clean)
    : /^0[bB]/.test(clean)
    ? BigInt(clean)
    : /^0[oO]/.test(clean)
    ? BigInt(`0o${clean.slice(2)}`)
    : clean.length > 1 && clean.startsWith("0")
    ? BigInt(`0o${clean.slice(1)}`)
    : BigInt(clean)
  const limit = value.startsWith("-") ? 2n ** 63n : 2n ** 63n - 1n
  return magnitude > limit ? "value out of range" : undefined
}

/** Why a value of an int flag is refused, as Go's `flag` package reports it (after `invalid value … for flag -x: `). */
const invalidValue = (flag: Flag, value: string): string | undefined => {
  if (flag.kind !== "int" && flag.kind !== "int64s") return undefined
  const reason = parseIntError(value)
  if (reason === undefined) return undefined
  // Go's intValue.Set reports errParse or errRange; urfave's Int64Slice returns strconv's error itself
  if (flag.kind === "int") return reason === "invalid syntax" ? "parse error" : reason
  return `strconv.ParseInt: parsing ${Strconv.quote(value)}: ${reason}`
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
  const fallback = flag.kind === "int"
    ? ` (default: ${flag.defaultValue ?? "0"})`
    : flag.defaultValue === undefined || flag.defaultValue === ""
    ? ""
    : ` (default: ${Strconv.quote(flag.defaultValue)})`
  return `${names}\t${(flag.usage + fallback).trim()}`
}
