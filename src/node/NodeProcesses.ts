/**
 * The real host's process adapter: `/proc/<pid>/stat` read through
 * `procfs.ts` (on procfs, at most 4 KiB), signals through a pidfd
 * (`pidfd_open` + `pidfd_send_signal`, so the process checked is the one
 * signalled) with a permanent switch to `kill(2)` after the first ENOSYS,
 * and programs run with `child_process.spawn`.
 */
import * as Effect from "effect/Effect"
import { make as makeService, type ProcessesService, signalFailure, whenChecked } from "../Processes.js"
import * as Pidfd from "./pidfd.js"
import * as Procfs from "./procfs.js"
import * as Spawn from "./spawn.js"

/** Options of the node process adapter. */
export interface NodeProcessesOptions {
  /** Where procfs is mounted; default `/proc`. */
  readonly procRoot?: string
  /** The signal system calls; tests replace them to force the `kill(2)` fallback. */
  readonly syscalls?: Pidfd.SignalSyscalls
}

const fromOutcome = (pid: number, signal: number, outcome: Pidfd.SyscallOutcome) =>
  outcome._tag === "Ok" ? Effect.void : Effect.fail(signalFailure(pid, signal, outcome.code))

/** The Processes service of this host. */
export const make = (options: NodeProcessesOptions = {}): ProcessesService => {
  const procRoot = options.procRoot ?? "/proc"
  const syscalls = options.syscalls ?? Pidfd.native
  let pidfdMissing = false
  const viaKill = (pid: number, signal: number, check: Effect.Effect<boolean>) =>
    whenChecked(pid, check, Effect.suspend(() => fromOutcome(pid, signal, syscalls.kill(pid, signal))))
  return makeService({
    readStat: (pid) => Procfs.readStat(pid, procRoot),
    isAliveNow: (pid, startTime) => Procfs.isAlive(pid, startTime, procRoot),
    send: (pid, signal, check) =>
      Effect.suspend(() => {
        if (pidfdMissing) return viaKill(pid, signal, check)
        return Effect.acquireUseRelease(
          Effect.sync(() => syscalls.pidfdOpen(pid)),
          (opened) => {
            if (opened._tag === "Ok") {
              return whenChecked(
                pid,
                check,
                Effect.suspend(() => fromOutcome(pid, signal, syscalls.pidfdSendSignal(opened.value, signal)))
              )
            }
            if (opened.code !== "ENOSYS") return Effect.fail(signalFailure(pid, signal, opened.code))
            pidfdMissing = true
            return viaKill(pid, signal, check)
          },
          (opened) => opened._tag === "Ok" ? Effect.sync(() => syscalls.close(opened.value)) : Effect.void
        )
      }),
    run: Spawn.run
  })
}
