/**
 * The log an OCI runtime writes (to `--log`, or its stderr), read line by
 * line in each runtime's formats, and its last error turned into a typed
 * failure.
 *
 * - runc (logrus): `--log-format json` gives
 *   `{"level":"error","msg":"…","time":"…"}` plus any fields
 *   (`"error":"…"`); text gives `time="…" level=error msg="…"`, and when
 *   `--log` names a file runc also prints the bare message to stderr;
 * - crun: JSON `{"msg":"…","level":"error","time":"…"}`, text the bare
 *   message;
 * - youki (tracing): JSON `{"timestamp":"…","level":"ERROR","message":"…",
 *   "target":"…"}`, text `ERROR youki: …`.
 *
 * A line in none of these forms is kept as an error-level entry with the
 * line as its message: runtimes print some failures before their logging
 * is set up (crun's `chdir … failed`).
 */
import { ErrExist, ErrInvalidID, ErrNotExist } from "../../ContainerError.js"
import { RuntimeFailed } from "./errors.js"

/** One log line. `level` is lower case, `warn` spelled `warning` as logrus does. */
export interface LogEntry {
  readonly level: string
  readonly message: string
  readonly time?: string
  /** Every other field of a structured line, as text. */
  readonly fields: Readonly<Record<string, string>>
  readonly raw: string
}

const normaliseLevel = (level: string): string => {
  const l = level.toLowerCase()
  return l === "warn" ? "warning" : l
}

const text = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v))

const fromJson = (raw: string): LogEntry | undefined => {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined
  const o = value as Record<string, unknown>
  const message = o["msg"] ?? o["message"] ?? (o["fields"] as Record<string, unknown> | undefined)?.["message"]
  if (typeof o["level"] !== "string" || message === undefined) return undefined
  const time = o["time"] ?? o["timestamp"]
  const fields: Record<string, string> = {}
  for (const [k, v] of Object.entries(o)) {
    if (!["msg", "message", "level", "time", "timestamp"].includes(k)) fields[k] = text(v)
  }
  return {
    level: normaliseLevel(o["level"]),
    message: text(message),
    ...(typeof time === "string" ? { time } : {}),
    fields,
    raw
  }
}

const escapes: Readonly<Record<string, string>> = {
  a: "\u0007",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "\"": "\"",
  "'": "'"
}

/** Go's `strconv.Unquote` of a double-quoted string, from `at`: the text and the index after the closing quote. */
const unquote = (s: string, at: number): { readonly value: string; readonly end: number } | undefined => {
  let out = ""
  const bytes: Array<number> = []
  const flush = () => {
    if (bytes.length > 0) out += new TextDecoder().decode(new Uint8Array(bytes.splice(0)))
  }
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i]!
    if (c === "\"") {
      flush()
      return { value: out, end: i + 1 }
    }
    if (c !== "\\") {
      flush()
      out += c
      continue
    }
    const e = s[++i]
    if (e === undefined) return undefined
    if (escapes[e] !== undefined) {
      flush()
      out += escapes[e]
    } else if (e === "x" || /[0-7]/.test(e)) {
      const digits = e === "x" ? s.slice(i + 1, i + 3) : s.slice(i, i + 3)
      bytes.push(parseInt(digits, e === "x" ? 16 : 8))
      i += 2
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8
      flush()
      out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 1 + n), 16))
      i += n
    } else {
      return undefined
    }
  }
  return undefined
}

/** logrus's text form: `key=value` pairs, values quoted as Go's `%q` when needed. */
const fromLogfmt = (raw: string): LogEntry | undefined => {
  const pairs: Record<string, string> = {}
  let i = 0
  while (i < raw.length) {
    while (raw[i] === " ") i++
    if (i >= raw.length) break
    const eq = raw.indexOf("=", i)
    if (eq < 0) return undefined
    const key = raw.slice(i, eq)
    if (!/^[\w.-]+$/.test(key)) return undefined
    if (raw[eq + 1] === "\"") {
      const q = unquote(raw, eq + 1)
      if (q === undefined) return undefined
      pairs[key] = q.value
      i = q.end
    } else {
      const space = raw.indexOf(" ", eq + 1)
      const end = space < 0 ? raw.length : space
      pairs[key] = raw.slice(eq + 1, end)
      i = end
    }
  }
  const { level, msg, time, ...fields } = pairs
  if (level === undefined || msg === undefined) return undefined
  return { level: normaliseLevel(level), message: msg, ...(time === undefined ? {} : { time }), fields, raw }
}

/** tracing's text form (youki): `ERROR youki: message`. */
const fromTracing = (raw: string): LogEntry | undefined => {
  const m = /^\s*(?:(\S+Z)\s+)?(ERROR|WARN|INFO|DEBUG|TRACE) ([^\s:]+): (.*)$/.exec(raw)
  if (m === null) return undefined
  return {
    level: normaliseLevel(m[2]!),
    message: m[4]!,
    ...(m[1] === undefined ? {} : { time: m[1] }),
    fields: { target: m[3]! },
    raw
  }
}

/** Reads one log line in any of the runtimes' formats. */
export const parseLogLine = (raw: string): LogEntry =>
  fromJson(raw) ?? fromLogfmt(raw) ?? fromTracing(raw) ?? { level: "error", message: raw, fields: {}, raw }

/** Reads a whole log (or stderr): one entry per non-empty line. */
export const parseLog = (log: string): ReadonlyArray<LogEntry> =>
  log.split("\n").filter((l) => l.trim() !== "").map(parseLogLine)

const errorLevels = new Set(["error", "fatal", "panic"])

/** The last entry at error level or above. */
export const lastError = (entries: ReadonlyArray<LogEntry>): LogEntry | undefined => {
  for (let i = entries.length - 1; i >= 0; i--) {
    if (errorLevels.has(entries[i]!.level)) return entries[i]
  }
  return undefined
}

/** The prefixes runc (and youki) put before the error of a command. */
const commandPrefixes = /^(?:runc (?:create|run|restore) failed: |exec failed: |error in executing command: )/

/** The message of a failure without the command prefix runc adds. */
export const bareMessage = (message: string): string => message.replace(commandPrefixes, "")

/** Which runc sentinel, if any, a bare error message is, in runc's, crun's or youki's words. */
export const sentinelOf = (message: string): "ErrExist" | "ErrNotExist" | "ErrInvalidID" | undefined => {
  if (
    message === "container with given ID already exists" || /^container `[^`]*` already exists$/.test(message) ||
    /^container already exists\b/.test(message)
  ) return "ErrExist"
  if (
    message === "container does not exist" ||
    /^error opening file `[^`]*\/status`: No such file or directory$/.test(message) ||
    /^cannot open directory '[^']*': No such file or directory$/.test(message) ||
    /^container \S* ?does not exist\.?$/.test(message) || /^container state directory does not exist\b/.test(message)
  ) return "ErrNotExist"
  if (message === "invalid container ID format") return "ErrInvalidID"
  return undefined
}

/** What one finished runtime invocation left behind. */
export interface Invocation {
  /** The runtime's name (`runc`). */
  readonly runtime: string
  /** The command word (`create`, `exec`, …). */
  readonly command: string
  /** The container id it was given. */
  readonly id: string
  readonly exitCode: number | null
  readonly signal?: string
  /** The log it wrote (the `--log` file, or its stderr). */
  readonly log: string
}

/**
 * The typed failure of a runtime invocation that did not succeed: runc's
 * sentinels as `ErrExist`, `ErrNotExist` or `ErrInvalidID`, anything else
 * as {@link RuntimeFailed} with the runtime's last error message.
 */
export const failureOf = (invocation: Invocation): ErrExist | ErrNotExist | ErrInvalidID | RuntimeFailed => {
  const entries = parseLog(invocation.log)
  const error = lastError(entries)
  const message = error?.message ??
    (invocation.exitCode === null ? `signal: ${invocation.signal ?? "killed"}` : `exit status ${invocation.exitCode}`)
  switch (sentinelOf(bareMessage(message))) {
    case "ErrExist":
      return new ErrExist()
    case "ErrNotExist":
      return new ErrNotExist()
    case "ErrInvalidID":
      return new ErrInvalidID({ id: invocation.id })
    case undefined:
      return new RuntimeFailed({
        runtime: invocation.runtime,
        command: invocation.command,
        message,
        exitCode: invocation.exitCode,
        ...(invocation.signal === undefined ? {} : { signal: invocation.signal }),
        entries
      })
  }
}
