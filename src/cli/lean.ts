/**
 * What the CLI's lean commands (`list`, `state`, `ps`) run on: a host as plain
 * calls — the Filesystem port's direct calls, the cgroup mode, runc's
 * `hasInit` — and, for whatever the library's lean Load hands back, the
 * careful way through the library's Effect API. The installed CLI gets this
 * host's (`nodeHost.ts`: no Effect until a container needs the careful
 * way); `App.run` builds one from the services in context, so tests run
 * the same commands on the simulated host.
 */
import * as Option from "effect/Option"
import type { DirectCalls, HeldRoot } from "../Filesystem.js"
import { type OciState, ociStateOf } from "../container/format.js"
import * as Lean from "../internal/leanLoad.js"
import type { Status } from "../Status.js"
import type { Run } from "./invocation.js"
import * as Logrus from "./logrus.js"
import type { Output } from "./stdio.js"

/** A container of a list loaded the careful way (`Factory.load`): its OCI state (owner unset) and state dir, or why it failed. */
export type CarefulEntry =
  | { readonly _tag: "Loaded"; readonly record: OciState; readonly stateDir: string }
  | { readonly _tag: "Failed"; readonly message: string }

/** A host for the lean commands; see the module documentation. */
export interface Host {
  readonly direct: DirectCalls
  /** Whether the cgroup manager runs in unified mode; `undefined` when that is unknown (every container loads carefully). */
  readonly unified: boolean | undefined
  /** runc's `hasInit` for a recorded init process. */
  readonly isAlive: (pid: number, startTime: bigint) => boolean
  /** `Factory.load` of one container of a list, the careful way. */
  readonly loadForList: (root: string, id: string) => Promise<CarefulEntry>
  /** The whole command the careful way (`app.ts`'s Effect program): its exit status. */
  readonly runCarefully: (run: Run, out: Output) => Promise<number>
  /**
   * Runs `ps args…` to completion: its stdout when it exits 0 with nothing
   * on stderr; `undefined` otherwise (or when it cannot start), which the
   * careful way then reports as runc does.
   */
  readonly runPs: (args: ReadonlyArray<string>) => Promise<string | undefined>
}

/** A root held for lean reads, or `undefined` when the lean path cannot be taken at all. */
export const readerOf = (host: Host, root: string): Lean.Reader | undefined => {
  if (host.unified === undefined) return undefined
  const held: HeldRoot | string = host.direct.openRoot(root)
  return typeof held === "string" ? undefined : { direct: host.direct, held, root, unified: host.unified }
}

/** A container loaded the lean way, as the CLI prints it. */
export interface Loaded {
  /** What the lean Load read. */
  readonly read: Lean.Read
  readonly stateDir: string
  readonly status: Status
  /** The OCI state with the owner unset. */
  readonly record: OciState
}

/**
 * Loads `id` with the library's lean Load (`internal/leanLoad.ts`) and
 * runc's status checks in runc's order; `undefined` hands it to the careful
 * way.
 */
export const load = (host: Host, reader: Lean.Reader, id: string): Loaded | undefined => {
  const read = Lean.read(reader, id)
  if (read === undefined) return undefined
  const { saved } = read
  const status = Lean.statusAfter(reader.direct, read, host.isAlive(saved.init_process_pid, saved.init_process_start))
  const record = ociStateOf(id, {
    config: saved.config,
    initProcess: Option.some({ pid: saved.init_process_pid, startTime: saved.init_process_start }),
    created: saved.created,
    state: { kind: status }
  }, status)
  return { read, stateDir: read.stateDir, status, record }
}

/**
 * {@link load} for a command about one container (`state`, `ps`), or
 * `"missing"` when its state file is not there: runc's `ErrNotExist`, which
 * such a command answers itself ({@link notExist}) rather than load Effect
 * to say it. The file is looked for again only when the lean Load handed
 * the container back.
 */
export const loadOne = (host: Host, reader: Lean.Reader, id: string): Loaded | "missing" | undefined => {
  const loaded = load(host, reader, id)
  return loaded === undefined && Lean.isMissing(reader, id) ? "missing" : loaded
}

/** runc's error line for a container that does not exist; the exit status, 1. */
export const notExist = (run: Run, out: Output): number => {
  Logrus.fatal(run.log, Lean.notExistMessage, out.stderr)
  return 1
}
