/**
 * runc's log lines: logrus's default text format, which runc uses for its
 * errors and warnings on stderr (`time="…" level=error msg="…"`). Tools that
 * wrap runc parse these lines, so the CLI prints its own the same way.
 */
import * as Cause from "effect/Cause"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as Strconv from "../internal/strconv.js"

/** The levels logrus names, as they appear after `level=`. */
export type Level = "debug" | "info" | "warning" | "error" | "fatal"

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

/** One log line, newline-terminated: `time="<RFC 3339>" level=<level> msg=<message>`. */
export const line = (level: Level, message: string, now: Date = new Date()): string =>
  `time=${value(rfc3339(now))} level=${level} msg=${value(message)}\n`

/** The line runc prints for an error before exiting with status 1. */
export const errorLine = (message: string, now?: Date): string => line("error", message, now)

const levelName = (level: LogLevel.LogLevel): Level => {
  switch (level._tag) {
    case "Fatal":
      return "fatal"
    case "Error":
      return "error"
    case "Warning":
      return "warning"
    case "Info":
      return "info"
    default:
      return "debug"
  }
}

const text = (message: unknown): string =>
  Array.isArray(message) ? message.map(text).join(" ") : typeof message === "string" ? message : String(message)

/**
 * An Effect logger writing logrus lines through `write` (the CLI's stderr),
 * so a warning the library logs — a failed thaw while signalling, say —
 * reads as runc's would instead of landing on stdout.
 */
export const logger = (write: (line: string) => void): Logger.Logger<unknown, void> =>
  Logger.make(({ cause, date, logLevel, message }) => {
    const extra = Cause.isEmpty(cause) ? "" : `: ${Cause.pretty(cause).split("\n")[0] ?? ""}`
    write(line(levelName(logLevel), text(message) + extra, date))
  })
