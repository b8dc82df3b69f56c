/**
 * The simulated host's process adapter: `/proc/<pid>/stat` read through
 * its tree (its procfs, checked and bounded as on a real host, through the
 * same parser), signals delivered by its process table, programs run by its
 * registry of simulated programs.
 */
import * as Effect from "effect/Effect"
import { PROC_SUPER_MAGIC } from "../internal/filesystemType.js"
import * as Either from "effect/Either"
import { maxStatBytes, parseStat, statPath } from "../internal/procStat.js"
import { make as makeService, type ProcessesService, signalFailure, whenChecked } from "../Processes.js"
import { directCallsOf, syscallsOf } from "./MemoryFs.js"
import type { SimulatedHost } from "./MemoryHost.js"

/** The Processes service of `host`. */
export const make = (host: SimulatedHost): ProcessesService => {
  const sys = syscallsOf(host.fs)
  const direct = directCallsOf(host.fs)
  return makeService({
    readStat: (pid) =>
      Effect.flatMap(sys.readFileOn(statPath(pid), [PROC_SUPER_MAGIC], { maxBytes: maxStatBytes }), parseStat),
    isAliveNow: (pid, startTime) => {
      // the same file through the simulated kernel's direct read: any failure is "not alive", as in readStat's callers
      const content = direct.readFileOn(statPath(pid), [PROC_SUPER_MAGIC], maxStatBytes)
      if (!(content instanceof Uint8Array)) return false
      const stat = parseStat(content)
      return Either.isRight(stat) && stat.right.startTime === startTime && stat.right.state !== "Z" && stat.right.state !== "X"
    },
    send: (pid, signal, check) =>
      whenChecked(
        pid,
        check,
        Effect.suspend(() => {
          const outcome = host.processes.signal(pid, signal)
          return outcome === "ok" ? Effect.void : Effect.fail(signalFailure(pid, signal, outcome))
        })
      ),
    run: (command) => host.programs.run(command)
  })
}
