/**
 * The process runc starts from a spec's `process` (`utils_linux.go`
 * `newProcess`): what `runc create`/`run` hands the container's init, and
 * `runc exec` a new process. runc checks rlimit names only here — after
 * the container's state dir exists — so a bad name fails `create` late.
 */
import * as Either from "effect/Either"
import type * as Config from "../../Config.js"
import { ProcessInvalid, SpecInvalid } from "./errors.js"
import { validateProcessSpec } from "./load.js"
import type { Process } from "./spec.js"

/** The rlimit names runc knows and their numbers on Linux (`rlimitMap`). */
export const rlimitNumbers: ReadonlyMap<string, number> = new Map([
  ["RLIMIT_CPU", 0],
  ["RLIMIT_FSIZE", 1],
  ["RLIMIT_DATA", 2],
  ["RLIMIT_STACK", 3],
  ["RLIMIT_CORE", 4],
  ["RLIMIT_RSS", 5],
  ["RLIMIT_NPROC", 6],
  ["RLIMIT_NOFILE", 7],
  ["RLIMIT_MEMLOCK", 8],
  ["RLIMIT_AS", 9],
  ["RLIMIT_LOCKS", 10],
  ["RLIMIT_SIGPENDING", 11],
  ["RLIMIT_MSGQUEUE", 12],
  ["RLIMIT_NICE", 13],
  ["RLIMIT_RTPRIO", 14],
  ["RLIMIT_RTTIME", 15]
])

/** A resource limit as runc applies it (`configs.Rlimit`). */
export interface Rlimit {
  readonly type: number
  readonly hard: bigint
  readonly soft: bigint
}

/** runc's `libcontainer.Process` as built from a spec process. */
export interface InitProcess {
  readonly args: ReadonlyArray<string>
  readonly env: ReadonlyArray<string>
  /** `uid:gid`, as runc passes it. */
  readonly user: string
  readonly cwd: string
  readonly label: string
  readonly noNewPrivileges: boolean
  readonly appArmorProfile: string
  /** The console size, truncated to 16 bits as runc does; 0 when not given. */
  readonly consoleWidth: number
  readonly consoleHeight: number
  readonly capabilities: NonNullable<Config.Config["capabilities"]> | null
  /** Additional gids as decimal strings. */
  readonly additionalGroups: ReadonlyArray<string>
  readonly rlimits: ReadonlyArray<Rlimit>
  readonly terminal: boolean
}

/**
 * The spec process's capability sets in libcontainer's form (specconv's
 * `CreateLibcontainerConfig` and `newProcess` copy them the same way): a set
 * the spec leaves out is null, no `capabilities` at all is null.
 */
export const capabilitiesOf = (process: Process): InitProcess["capabilities"] => {
  const caps = process.capabilities
  return caps === undefined ? null : {
    Bounding: caps.bounding ?? null,
    Effective: caps.effective ?? null,
    Inheritable: caps.inheritable ?? null,
    Permitted: caps.permitted ?? null,
    Ambient: caps.ambient ?? null
  }
}

/**
 * runc's `newProcess`: the process to start, or `wrong rlimit value: X`
 * for an rlimit name runc does not know.
 */
export const initProcess = (process: Process): Either.Either<InitProcess, SpecInvalid> => {
  const rlimits: Array<Rlimit> = []
  for (const r of process.rlimits ?? []) {
    const type = rlimitNumbers.get(r.type)
    if (type === undefined) return Either.left(new SpecInvalid({ message: `wrong rlimit value: ${r.type}` }))
    rlimits.push({ type, hard: r.hard, soft: r.soft })
  }
  return Either.right({
    args: process.args ?? [],
    env: process.env ?? [],
    user: `${process.user.uid}:${process.user.gid}`,
    cwd: process.cwd,
    label: process.selinuxLabel ?? "",
    noNewPrivileges: process.noNewPrivileges === true,
    appArmorProfile: process.apparmorProfile ?? "",
    consoleWidth: (process.consoleSize?.width ?? 0) % 65536,
    consoleHeight: (process.consoleSize?.height ?? 0) % 65536,
    capabilities: capabilitiesOf(process),
    additionalGroups: (process.user.additionalGids ?? []).map(String),
    rlimits,
    terminal: process.terminal === true
  })
}

/** How the caller runs the process: what `checkTerminal` looks at. */
export interface TerminalUse {
  /** runc detaches from the process: `create`, or `run`/`exec` with `--detach`. */
  readonly detach: boolean
  /** `--console-socket`, if given. */
  readonly consoleSocket?: string
}

/**
 * runc's `runner.checkTerminal`: a detached process with a terminal needs a
 * console socket, and a console socket needs both a terminal and detaching.
 */
export const checkTerminal = (process: Process, use: TerminalUse): Either.Either<void, SpecInvalid> => {
  const terminal = process.terminal === true
  const socket = (use.consoleSocket ?? "") !== ""
  if (use.detach && terminal && !socket) {
    return Either.left(new SpecInvalid({ message: "cannot allocate tty if runc will detach without setting console socket" }))
  }
  if ((!use.detach || !terminal) && socket) {
    return Either.left(new SpecInvalid({ message: "cannot use console socket if runc will not detach or allocate tty" }))
  }
  return Either.void
}

/** `runc exec`'s flags that change the bundle's process (`exec.go` `getProcess`). */
export interface ExecFlags {
  /** The command: replaces the bundle's `args`. */
  readonly args: ReadonlyArray<string>
  /** `--env`: appended to the bundle's environment. */
  readonly env?: ReadonlyArray<string>
  /** `--cwd`. */
  readonly cwd?: string
  /** `--user`: `uid[:gid]`. */
  readonly user?: { readonly uid: number; readonly gid?: number }
  /** `--additional-gids`: appended to the bundle's; each must be at least 0. */
  readonly additionalGids?: ReadonlyArray<number>
  /** `--cap`: added to the bounding, effective, permitted and ambient sets. */
  readonly capabilities?: ReadonlyArray<string>
  /** `--no-new-privs`. */
  readonly noNewPrivileges?: boolean
  /** `--apparmor`. */
  readonly apparmorProfile?: string
  /** `--process-label`. */
  readonly selinuxLabel?: string
  /** `--tty`: the process's `terminal` (false unless given, whatever the bundle says). */
  readonly tty?: boolean
}

/**
 * runc's `getProcess` without `--process`: the bundle's process with the
 * flags applied in runc's order, then `validateProcessSpec`. A negative
 * additional gid is `additional-gids must be a positive number <gid>`.
 */
export const applyExecFlags = (base: Process, flags: ExecFlags): Either.Either<Process, ProcessInvalid> => {
  const caps = flags.capabilities ?? []
  const withCaps = (list: ReadonlyArray<string> | null | undefined) => [...(list ?? []), ...caps]
  const nonEmpty = (s: string | undefined): s is string => s !== undefined && s !== ""
  const process: Process = {
    ...base,
    args: [...flags.args],
    ...(nonEmpty(flags.cwd) ? { cwd: flags.cwd } : {}),
    ...(nonEmpty(flags.apparmorProfile) ? { apparmorProfile: flags.apparmorProfile } : {}),
    ...(nonEmpty(flags.selinuxLabel) ? { selinuxLabel: flags.selinuxLabel } : {}),
    ...(caps.length > 0
      ? {
        capabilities: {
          ...base.capabilities,
          bounding: withCaps(base.capabilities?.bounding),
          effective: withCaps(base.capabilities?.effective),
          permitted: withCaps(base.capabilities?.permitted),
          ambient: withCaps(base.capabilities?.ambient)
        }
      }
      : {}),
    env: [...(base.env ?? []), ...(flags.env ?? [])],
    terminal: flags.tty === true,
    ...(flags.noNewPrivileges === undefined ? {} : { noNewPrivileges: flags.noNewPrivileges }),
    user: {
      ...base.user,
      ...(flags.user === undefined ? {} : { uid: flags.user.uid }),
      ...(flags.user?.gid === undefined ? {} : { gid: flags.user.gid })
    }
  }
  const gids = [...(base.user.additionalGids ?? [])]
  for (const gid of flags.additionalGids ?? []) {
    if (gid < 0) return Either.left(new ProcessInvalid({ message: `additional-gids must be a positive number ${gid}` }))
    gids.push(gid)
  }
  return validateProcessSpec(gids.length === 0 ? process : { ...process, user: { ...process.user, additionalGids: gids } })
}
