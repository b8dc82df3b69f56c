/**
 * A few busybox applets as simulated programs, for the rootfs of a bundle on
 * the simulated host: `sh` (a small `-c` subset), `echo`, `cat`, `sleep`,
 * `true` and `false`. They behave as busybox's do for what they support,
 * so one test can run the same command in a real busybox container and a
 * simulated one and expect the same output and exit code.
 */
import * as Effect from "effect/Effect"
import type { Program, ProgramContext } from "./Programs.js"

/** `echo [-n] args…`: the arguments joined by spaces, then a newline unless `-n`. */
export const echo: Program = (context) =>
  Effect.sync(() => {
    const args = context.args.slice(1)
    const noNewline = args[0] === "-n"
    const words = noNewline ? args.slice(1) : args
    context.stdout(words.join(" ") + (noNewline ? "" : "\n"))
    return 0
  })

/** `cat`: its standard input to its standard output. */
export const cat: Program = (context) =>
  Effect.sync(() => {
    context.stdout(context.stdin)
    return 0
  })

/**
 * `sleep N`: sleeps N seconds (fractions allowed, `inf` for ever), or is
 * killed first; a bad or missing argument is busybox's usage error, status 1.
 */
export const sleep: Program = (context) =>
  Effect.suspend(() => {
    const arg = context.args[1]
    const seconds = arg === "inf" || arg === "infinity" ? Infinity : Number(arg)
    if (arg === undefined || !(seconds >= 0)) {
      context.stderr(`sleep: invalid number '${arg ?? ""}'\n`)
      return Effect.succeed(1)
    }
    return seconds === Infinity ? Effect.never : Effect.as(Effect.sleep(`${seconds * 1000} millis`), 0)
  })

/** `true`: status 0. */
export const trueProgram: Program = () => Effect.succeed(0)

/** `false`: status 1. */
export const falseProgram: Program = () => Effect.succeed(1)

/** Splits one simple command into words: quotes, backslashes and `$NAME` / `$?` expansion, as sh does. */
const words = (command: string, env: ReadonlyMap<string, string>, last: number): Array<string> => {
  const out: Array<string> = []
  let word: string | undefined
  const add = (s: string) => {
    word = (word ?? "") + s
  }
  const variable = (at: number): [string, number] => {
    if (command[at] === "?") return [String(last), at + 1]
    let end = at
    while (end < command.length && /[A-Za-z0-9_]/.test(command[end]!)) end++
    return end === at ? ["$", at] : [env.get(command.slice(at, end)) ?? "", end]
  }
  for (let i = 0; i < command.length;) {
    const c = command[i]!
    if (c === " " || c === "\t") {
      if (word !== undefined) out.push(word)
      word = undefined
      i++
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1)
      add(command.slice(i + 1, end < 0 ? command.length : end))
      i = end < 0 ? command.length : end + 1
    } else if (c === "\"") {
      i++
      add("")
      while (i < command.length && command[i] !== "\"") {
        if (command[i] === "\\" && i + 1 < command.length) {
          add(command[i + 1]!)
          i += 2
        } else if (command[i] === "$") {
          const [value, next] = variable(i + 1)
          add(value)
          i = next
        } else {
          add(command[i++]!)
        }
      }
      i++
    } else if (c === "\\" && i + 1 < command.length) {
      add(command[i + 1]!)
      i += 2
    } else if (c === "$") {
      const [value, next] = variable(i + 1)
      add(value)
      i = next
    } else {
      add(c)
      i++
    }
  }
  if (word !== undefined) out.push(word)
  return out
}

const builtins: Readonly<Record<string, Program>> = {
  echo,
  cat,
  sleep,
  true: trueProgram,
  false: falseProgram
}

/**
 * `sh -c 'script'`: commands separated by `;` or newlines, each one of the
 * applets here (run in this process, as busybox's builtins are) or `exit
 * [N]`; `$NAME` and `$?` expand. Its status is the last command's, or N.
 * Anything else is `sh: <name>: not found`, status 127.
 */
export const sh: Program = (context) =>
  Effect.gen(function*() {
    if (context.args[1] !== "-c" || context.args[2] === undefined) {
      context.stderr("sh: only 'sh -c <script>' is simulated\n")
      return 2
    }
    const env = new Map(context.env.map((e) => {
      const eq = e.indexOf("=")
      return eq < 0 ? [e, ""] as const : [e.slice(0, eq), e.slice(eq + 1)] as const
    }))
    let status = 0
    for (const line of context.args[2].split(/[;\n]/)) {
      const argv = words(line, env, status)
      if (argv.length === 0) continue
      const name = argv[0]!
      if (name === "exit") return argv[1] === undefined ? status : Number(argv[1]) & 0xff
      const applet = builtins[name]
      if (applet === undefined) {
        context.stderr(`sh: ${name}: not found\n`)
        status = 127
        continue
      }
      const sub: ProgramContext = { ...context, args: argv }
      status = yield* applet(sub)
    }
    return status
  })

/** The applets by name, to install in a simulated rootfs (`<rootfs>/bin/<name>`). */
export const applets: Readonly<Record<string, Program>> = {
  sh,
  echo,
  cat,
  sleep,
  true: trueProgram,
  false: falseProgram
}
