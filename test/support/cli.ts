/**
 * Running command lines in tests: a program to its end (`spawnSync`, its
 * output captured), and `libcontainer` itself in this process on the
 * services in context — the same program the bin runs, without a node
 * start per call.
 */
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import * as App from "../../src/cli/app.js"
import type * as Invocation from "../../src/cli/invocation.js"

/** What one command line printed, and its exit status. */
export interface Run {
  readonly status: number
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link spawnRun}. */
export interface SpawnOptions {
  readonly cwd?: string
  /** Written to its standard input (nothing is, otherwise). */
  readonly input?: string
  readonly timeout?: number
}

/** Runs `file args…` to its end; status -1 when it was killed or did not start. */
export const spawnRun = (file: string, args: ReadonlyArray<string>, options: SpawnOptions = {}): Run => {
  const r = spawnSync(file, [...args], {
    encoding: "utf8",
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    timeout: options.timeout ?? 60_000,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.input === undefined ? {} : { input: options.input })
  })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** `libcontainer argv…` in this process: its exit status and what it printed. */
export const runCli = (
  argv: ReadonlyArray<string>,
  host?: Invocation.Host
): Effect.Effect<Run, never, App.Services> =>
  Effect.suspend(() => {
    let stdout = ""
    let stderr = ""
    return Effect.map(
      App.run(["node", "libcontainer", ...argv], {
        stdout: (text) => void (stdout += text),
        stderr: (text) => void (stderr += text)
      }, host),
      (status): Run => ({ status, stdout, stderr })
    )
  })
