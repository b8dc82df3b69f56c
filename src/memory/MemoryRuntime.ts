/**
 * The simulated host's runtime adapter: the runtime binary is looked up in
 * the simulated host's `PATH` and run as a simulated program — the
 * simulated runc (`Runc.ts`, installed at `/usr/sbin/runc` when the layer
 * is built) unless a test installed another. Its standard streams are the
 * simulated host's: files of its tree, `/dev/null`, or chunks handed to the
 * caller; "inherit" is the simulated host's own process, whose output goes
 * nowhere (the machine underneath is never touched).
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { SystemError } from "../ContainerError.js"
import type * as Factory from "../Factory.js"
import { SpawnFailed } from "../Processes.js"
import type * as Runtime from "../Runtime.js"
import type { SimulatedHost } from "./MemoryHost.js"
import * as Runc from "./Runc.js"

/** Options of the simulated runtime. */
export interface MemoryRuntimeOptions extends Runtime.Settings {
  /** The binary to run: a bare name looked up in the simulated `PATH`, or a path; default `runc`. */
  readonly binary?: string
}

const encoder = new TextEncoder()

/** An output of the simulated host: every write appended to `path` (truncated first unless `append`). */
const fileWriter = (host: SimulatedHost, path: string, append: boolean): Either.Either<(data: string | Uint8Array) => void, SystemError> => {
  const existing = append ? Either.getOrElse(host.fs.readFile(path, { maxBytes: Number.MAX_SAFE_INTEGER }), () => new Uint8Array(0)) : new Uint8Array(0)
  let content = existing
  return Either.map(host.fs.writeFile(path, content, "truncate", 0o644), () => (data: string | Uint8Array) => {
    const bytes = typeof data === "string" ? encoder.encode(data) : data
    const next = new Uint8Array(content.length + bytes.length)
    next.set(content)
    next.set(bytes, content.length)
    content = next
    host.fs.writeFile(path, content, "truncate", 0o644)
  })
}

const sinkWriter = (host: SimulatedHost, sink: Runtime.Sink): Either.Either<(data: string | Uint8Array) => void, SystemError> => {
  switch (sink._tag) {
    case "Null":
    case "Inherit":
      return Either.right(() => {})
    case "File":
      return fileWriter(host, sink.path, sink.append)
    case "Collect":
      return Either.right((data) => sink.onData(typeof data === "string" ? encoder.encode(data) : data.slice()))
  }
}

/** The runtime port's primitives on `host`. */
export const primitives = (host: SimulatedHost, options: MemoryRuntimeOptions = {}): Runtime.Primitives => {
  const binary = options.binary ?? "runc"
  return {
    binary,
    temporaryDirectory: "/tmp",
    cwd: Effect.sync(() => host.fs.cwd),
    euid: host.fs.uid,
    spawn: (args, wiring) =>
      Effect.gen(function*() {
        const found = host.programs.lookup(binary)
        if (Either.isLeft(found)) return yield* new SpawnFailed({ path: binary, code: found.left })
        const stdin = wiring.stdin._tag === "File"
          ? yield* host.fs.readFile(wiring.stdin.path, { maxBytes: 16 * 1024 * 1024 })
          : new Uint8Array(0)
        const stdout = yield* sinkWriter(host, wiring.stdout)
        const stderr = yield* sinkWriter(host, wiring.stderr)
        const launched = yield* host.programs.launch(found.right.program, {
          comm: found.right.name,
          args: [binary, ...args],
          env: host.programs.environment,
          stdin,
          stdout,
          stderr
        })
        return {
          exit: launched.status,
          kill: (signal: number) => Effect.sync(() => void host.processes.signal(launched.pid, signal))
        }
      })
  }
}

/**
 * Installs the simulated runc at `/usr/sbin/runc` on `host` (unless
 * something is there already), its library calls running with `services`
 * — the same host's.
 */
export const installRunc = (host: SimulatedHost, services: Context.Context<Factory.Services>): Effect.Effect<void, SystemError> =>
  Effect.suspend(() =>
    host.fs.inodeAt(Runc.runcPath) === undefined ? host.programs.install(Runc.runcPath, Runc.make(host, services)) : Effect.void
  )
