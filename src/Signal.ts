/**
 * Linux signal names and numbers, and the parsing `runc kill` applies to its
 * signal argument (`parseSignal` in runc's `kill.go`).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Strconv from "./internal/strconv.js"

/** The signal names Go's `unix.SignalNum` knows on Linux, with their numbers (x86-64 and arm64 agree). */
export const names = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31
} as const

/** A signal name as `unix.SignalNum` spells it. */
export type SignalName = keyof typeof names

/** `SIGKILL` (9). */
export const SIGKILL = names.SIGKILL
/** `SIGTERM` (15), the default of `runc kill`. */
export const SIGTERM = names.SIGTERM
/** `SIGSTOP` (19). */
export const SIGSTOP = names.SIGSTOP
/** `SIGCONT` (18). */
export const SIGCONT = names.SIGCONT

/** Go's text for each signal (`syscall.Signal.String()` on Linux), as in `signal: killed`. */
const descriptions: ReadonlyArray<string> = [
  "",
  "hangup",
  "interrupt",
  "quit",
  "illegal instruction",
  "trace/breakpoint trap",
  "aborted",
  "bus error",
  "floating point exception",
  "killed",
  "user defined signal 1",
  "segmentation fault",
  "user defined signal 2",
  "broken pipe",
  "alarm clock",
  "terminated",
  "stack fault",
  "child exited",
  "continued",
  "stopped (signal)",
  "stopped",
  "stopped (tty input)",
  "stopped (tty output)",
  "urgent I/O condition",
  "CPU time limit exceeded",
  "file size limit exceeded",
  "virtual timer expired",
  "profiling timer expired",
  "window changed",
  "I/O possible",
  "power failure",
  "bad system call"
]

/** Go's `syscall.Signal.String()`: `killed` for 9, `terminated` for 15, `signal 40` past the named ones. */
export const describe = (signal: number): string => descriptions[signal] || `signal ${signal}`

/** The largest signal number the kernel accepts (`_NSIG`); 0 is the existence check. */
export const maxSignal = 64

const byNumber = new Map<number, SignalName>(
  Object.entries(names).map(([name, value]) => [value, name as SignalName])
)

/** The name of a signal number, if Go knows one (`9` → `SIGKILL`). */
export const nameOf = (signal: number): Option.Option<SignalName> => Option.fromNullable(byNumber.get(signal))

/** The number of an exact signal name (`SIGKILL` → `9`); no case folding, no prefix completion. */
export const numberOf = (name: string): Option.Option<number> =>
  Object.hasOwn(names, name) ? Option.some(names[name as SignalName]) : Option.none()

/** Whether the kernel accepts this as a signal number: an integer from 0 to {@link maxSignal}. */
export const isValid = (signal: number): boolean => Number.isInteger(signal) && signal >= 0 && signal <= maxSignal

/** `unknown signal "<raw>"` — runc's `parseSignal` found neither a number nor a name. */
export class UnknownSignal extends Data.TaggedError("UnknownSignal")<{ readonly raw: string }> {
  override get message(): string {
    return `unknown signal ${Strconv.quote(this.raw)}`
  }
}

/**
 * Go's `strings.ToUpper`: simple (one-to-one) case mapping per code point,
 * so `ß` stays `ß` where JavaScript's full mapping would give `SS`.
 */
const toUpperSimple = (s: string): string => {
  let out = ""
  for (const ch of s) {
    const upper = ch.toUpperCase()
    out += [...upper].length === 1 ? upper : ch
  }
  return out
}

/**
 * runc's `parseSignal`: a decimal integer (Go `Atoi`: optional sign, within
 * int64) is taken as the signal number as is — range is checked only when
 * the signal is sent; otherwise the text is upper-cased, prefixed with `SIG`
 * unless it already starts with it, and looked up among {@link names}. So
 * `9`, `kill`, `KILL`, `sigkill` and `SIGKILL` all give 9.
 */
export const parse = (raw: string): Either.Either<number, UnknownSignal> => {
  const numeric = Strconv.atoi(raw)
  if (numeric._tag === "Ok") return Either.right(Number(numeric.value))
  const upper = toUpperSimple(raw)
  const name = upper.startsWith("SIG") ? upper : "SIG" + upper
  return Option.match(numberOf(name), {
    onNone: () => Either.left(new UnknownSignal({ raw })),
    onSome: Either.right
  })
}

/**
 * The signal argument of `runc kill`: missing or empty means `SIGTERM`
 * (runc's kill command defaults before it parses), anything else goes
 * through {@link parse}. So `runc kill c ""` sends SIGTERM.
 */
export const parseKillArgument = (raw: string | undefined): Either.Either<number, UnknownSignal> =>
  raw === undefined || raw === "" ? Either.right(SIGTERM) : parse(raw)
