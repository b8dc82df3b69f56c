/**
 * runc's log lines: logrus, as runc configures it. By default the text
 * format on stderr (`time="…" level=error msg="…"`); `--log-format json`
 * gives logrus's JSON lines (`{"level":"error","msg":"…","time":"…"}`),
 * `--log <file>` appends them to a file, `--debug` lets debug entries
 * through. Tools that wrap runc parse these lines, so the CLI writes its
 * own the same way. runc's `fatal` is {@link fatal}: the error goes to the
 * log and, when the log is not stderr, also plainly to stderr.
 *
 * No Effect runtime here — only the library's Go JSON quoting — so help and
 * usage errors log without loading it; the Effect logger that feeds library
 * warnings here lives with the commands (`app.ts`).
 */
import { closeSync, constants, openSync, writeSync } from "node:fs"
import * as Errno from "../internal/errno.js"
import { quote as jsonQuote } from "../internal/json/GoJson.js"
import * as Strconv from "../internal/strconv.js"

/** The levels logrus names, as they appear after `level=`. */
export type Level = "debug" | "info" | "warning" | "error" | "fatal"

/** logrus's formatters runc offers: `--log-format text|json`. */
export type Format = "text" | "json"

const severity: Readonly<Record<Level, number>> = { debug: 5, info: 4, warning: 3, error: 2, fatal: 1 }

const pad = (n: number, width = 2): string => String(n).padStart(width, "0")

/**
 * Go's `time.RFC3339` of a moment in the local time zone, as logrus stamps
 * its lines: whole seconds, `Z` for UTC, `±hh:mm` otherwise.
 */
export const rfc3339 = (date: Date): string => {
  const offset = -date.getTimezoneOffset()
  const zone = offset === 0
    ? "Z"
    : `${offset > 0 ? "+" : "-"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${
    pad(date.getMinutes())
  }:${pad(date.getSeconds())}${zone}`
}

/**
 * A field value as logrus's `TextFormatter` writes it: bare when every
 * character is a letter, digit or one of `-._/@^+`, otherwise Go-quoted
 * (`%q`).
 */
export const value = (text: string): string => /^[A-Za-z0-9\-._/@^+]*$/.test(text) ? text : Strconv.quote(text)

/** Extra fields of an entry (logrus's `WithField`, `WithError` as `error`): key and text. */
export type Fields = ReadonlyArray<readonly [key: string, value: string]>

const byKey = (fields: Fields): Fields => [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/**
 * One text line, newline-terminated: `time="<RFC 3339>" level=<level>
 * msg=<message>`, then the fields sorted by key. As in logrus, an empty
 * message leaves out `msg`.
 */
export const line = (level: Level, message: string, now: Date = new Date(), fields: Fields = []): string =>
  `time=${value(rfc3339(now))} level=${level}${message === "" ? "" : ` msg=${value(message)}`}${
    byKey(fields).map(([k, v]) => ` ${k}=${value(v)}`).join("")
  }\n`

/**
 * One JSON line as logrus's `JSONFormatter` writes it: every key (`level`,
 * `msg`, `time` and the fields) sorted, strings escaped as Go's encoder
 * escapes them (HTML-safe).
 */
export const jsonLine = (level: Level, message: string, now: Date = new Date(), fields: Fields = []): string => {
  const entries = new Map<string, string>(fields)
  entries.set("level", level)
  entries.set("msg", message)
  entries.set("time", rfc3339(now))
  return `{${byKey([...entries]).map(([k, v]) => `${jsonQuote(k)}:${jsonQuote(v)}`).join(",")}}\n`
}

/** The text line runc prints for an error before exiting with status 1. */
export const errorLine = (message: string, now?: Date): string => line("error", message, now)

/** Where log entries go and how they look: runc's logrus after `configLogrus`. */
export interface Log {
  readonly format: Format
  /** The most verbose level written: `info`, or `debug` with `--debug`. */
  readonly level: Level
  /** Whether entries go to the process's stderr (runc's `logrusToStderr`). */
  readonly toStderr: boolean
  readonly write: (line: string) => void
  /** Closes the log file, if any; entries written afterwards are lost. */
  readonly close: () => void
}

/** Writes one entry when `level` is enabled. */
export const entry = (log: Log, level: Level, message: string, now: Date = new Date(), fields: Fields = []): void => {
  if (severity[level] > severity[log.level]) return
  log.write(log.format === "json" ? jsonLine(level, message, now, fields) : line(level, message, now, fields))
}

/**
 * runc's `fatal` (and urfave's error writer, which runc routes the same
 * way): the message as an error entry, and when the log is not stderr, the
 * message itself on stderr too, so the terminal still sees why.
 */
export const fatal = (log: Log, message: string, stderr: (text: string) => void): void => {
  entry(log, "error", message)
  if (!log.toStderr) stderr(message.endsWith("\n") ? message : `${message}\n`)
}

/** The default log: text lines on stderr at level info. */
export const toStderr = (stderr: (text: string) => void, format: Format = "text", level: Level = "info"): Log => ({
  format,
  level,
  toStderr: true,
  write: stderr,
  close: () => undefined
})

/** `open <path>: <reason>` — the log file given to `--log` cannot be opened (Go's `*PathError`). */
export class LogOpenFailed extends Error {
  readonly _tag = "LogOpenFailed"
  constructor(readonly path: string, readonly code: string) {
    super(`open ${path}: ${Errno.textOf(code)}`)
  }
}

const errnoCode = (e: unknown): string =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : "EIO"

/**
 * `--log <path>`: the file opened as runc opens it (`O_CREAT|O_WRONLY|
 * O_APPEND|O_SYNC`, mode 0644). A failed write is reported on stderr as
 * logrus reports it (`Failed to write to log, …`) and the run goes on.
 */
export const toFile = (
  path: string,
  options: { readonly format: Format; readonly level: Level; readonly stderr: (text: string) => void }
): Log | LogOpenFailed => {
  let fd: number
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_WRONLY | constants.O_APPEND | constants.O_SYNC, 0o644)
  } catch (e) {
    return new LogOpenFailed(path, errnoCode(e))
  }
  let open = true
  return {
    format: options.format,
    level: options.level,
    toStderr: false,
    write: (text) => {
      if (!open) return
      try {
        writeSync(fd, text)
      } catch (e) {
        options.stderr(`Failed to write to log, write ${path}: ${Errno.textOf(errnoCode(e))}\n`)
      }
    },
    close: () => {
      if (!open) return
      open = false
      closeSync(fd)
    }
  }
}
