/**
 * runc's `Set(config)` (`libcontainer/container_linux.go`) and what
 * `runc update` (`update.go`) does around it: new cgroup limits and Intel
 * RDT schemas written to a live container, and its saved config replaced,
 * so a later `load` sees them.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { SetError as CgroupSetError } from "../CgroupManager.js"
import type * as Config from "../Config.js"
import { ErrNotRunning, type JsonEncodeError, type SystemError } from "../ContainerError.js"
import type { Filesystem } from "../Filesystem.js"
import { initialUpdate, type ResourcesUpdate } from "../internal/cgroups/update/specJson.js"
import {
  applyUpdate,
  kernelMemoryWarning,
  type UpdateNilResource,
  type UpdateRdtNotEnabled
} from "../internal/cgroups/update/update.js"
import { type ApplyError, IntelRdt, type SetError as IntelRdtSetError } from "../IntelRdt.js"
import type { Processes } from "../Processes.js"
import { mutating } from "./lock.js"
import { type Container, type Draft, snapshot } from "./model.js"
import { writeState } from "./saveState.js"
import { stateOf } from "./state.js"
import { refresh, type RefreshError } from "./status.js"

/**
 * Every way {@link set} can fail: the refresh, `container not running` (a
 * stopped container), the cgroup manager's `Set` (runc's texts, e.g.
 * `unable to set memory limit to 4096 (current usage: …, peak usage: …)`),
 * the Intel RDT group's, the state dir's lock, writing state.json.
 */
export type SetError = RefreshError | ErrNotRunning | CgroupSetError | IntelRdtSetError | SystemError | JsonEncodeError

/**
 * Every way {@link update} can fail: {@link SetError}; a part of the update
 * set to `null` where runc dereferences it ({@link UpdateNilResource}); an
 * Intel RDT schema on a host without that feature
 * ({@link UpdateRdtNotEnabled}); creating the Intel RDT group a container
 * without one gets for a schema.
 */
export type UpdateError = SetError | UpdateNilResource | UpdateRdtNotEnabled | ApplyError

/**
 * A resource update, shaped as `runc update -r` reads it (the OCI
 * `LinuxResources` parts runc's update uses) plus the Intel RDT schemas of
 * its flags. As in runc, it replaces rather than merges: a limit not given
 * is 0 — "leave the cgroup's value alone" — and is saved as 0; only the CFS
 * quota and period keep their saved value when just the other is given. A
 * part set to `null` is a nil pointer, which runc dereferences (see
 * {@link UpdateNilResource}).
 */
export interface Update {
  readonly memory?: {
    /** Bytes; −1 for no limit. */
    readonly limit?: bigint | null
    readonly reservation?: bigint | null
    /** Memory plus swap, bytes; −1 for unlimited swap. */
    readonly swap?: bigint | null
    /** Obsolete: ignored with runc's warning. */
    readonly kernel?: bigint | null
    /** Obsolete: ignored with runc's warning. */
    readonly kernelTCP?: bigint | null
  } | null
  readonly cpu?: {
    readonly shares?: bigint | null
    /** Microseconds per period; −1 for none. */
    readonly quota?: bigint | null
    readonly period?: bigint | null
    readonly realtimeRuntime?: bigint | null
    readonly realtimePeriod?: bigint | null
    /** A CPU list (`0-3,5`). */
    readonly cpus?: string
    /** A memory node list. */
    readonly mems?: string
  } | null
  readonly blockIO?: { readonly weight?: number | null } | null
  readonly pids?: { readonly limit?: bigint } | null
  /** cgroup v2 files to write, by name (`memory.high`); cgroup v1 refuses any, even an empty map. */
  readonly unified?: Readonly<Record<string, string>> | null
  /** runc's `--l3-cache-schema`. */
  readonly l3CacheSchema?: string
  /** runc's `--mem-bw-schema`. */
  readonly memBwSchema?: string
}

const defined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>

/** An {@link Update} as runc's update command holds it: its zeros where nothing was given. */
export const resourcesOf = (update: Update): ResourcesUpdate => ({
  memory: update.memory === null ? null : { ...initialUpdate.memory!, ...defined(update.memory ?? {}) },
  cpu: update.cpu === null ? null : { ...initialUpdate.cpu!, ...defined(update.cpu ?? {}) },
  blockIO: update.blockIO === null ? null : { ...initialUpdate.blockIO!, ...defined(update.blockIO ?? {}) },
  pids: update.pids === null ? null : { ...initialUpdate.pids!, ...defined(update.pids ?? {}) },
  unified: update.unified ?? null
})

const setBackFailed = (what: "cgroup" | "intelrdt", error: { readonly message: string }) =>
  Effect.logWarning(
    `Setting back ${what} configs failed due to error: ${error.message}, your state.json and actual configs might be inconsistent.`
  )

/**
 * runc's `Set` under the container's lock: refuse a stopped container;
 * write `config`'s cgroup resources, and its Intel RDT schemas when the
 * container has a group; on a failure set `rollback` back (logging runc's
 * `Setting back … configs failed` warning when that fails too) and fail
 * with the first error; otherwise keep the config and write state.json.
 */
const setLocked = (
  c: Container,
  draft: Draft,
  config: Config.Config,
  rollback: Config.Config
): Effect.Effect<void, SetError, Processes | Filesystem> =>
  Effect.gen(function*() {
    if ((yield* refresh(c, draft)) === "stopped") return yield* new ErrNotRunning()
    const manager = c.cgroupManager
    const setBack = (resources: Config.Resources | undefined) =>
      resources === undefined ? Effect.void : Effect.catchAll(manager.set(resources), (e) => setBackFailed("cgroup", e))
    const resources = config.cgroups?.Resources
    let saved = resources
    if (resources !== undefined) {
      const set = yield* Effect.either(manager.set(resources))
      if (Either.isLeft(set)) {
        yield* setBack(rollback.cgroups?.Resources)
        return yield* Effect.fail(set.left)
      }
      saved = set.right
    }
    if (Option.isSome(c.intelRdtManager)) {
      const rdt = c.intelRdtManager.value
      const set = yield* Effect.either(rdt.set(config))
      if (Either.isLeft(set)) {
        yield* setBack(rollback.cgroups?.Resources)
        yield* Effect.catchAll(rdt.set(rollback), (e) => setBackFailed("intelrdt", e))
        return yield* Effect.fail(set.left)
      }
    }
    const cgroups = config.cgroups
    const kept: Config.Config = cgroups === null || saved === undefined ? config : { ...config, cgroups: { ...cgroups, Resources: saved } }
    draft.model = { ...draft.model, config: kept }
    yield* writeState(c, draft.model)
  })

/**
 * runc's `Set(config)`: applies `config`'s cgroup resources (devices
 * excepted) and Intel RDT schemas to the running, created or paused
 * container and makes it the container's config, saved to state.json under
 * the container's lock. A stopped container is {@link ErrNotRunning}. When a
 * write fails, the previous config's resources (and schemas) are set back —
 * a failure of that is logged, as runc logs it — and the first error is the
 * result; the saved config is not changed.
 */
export const set: (
  c: Container,
  config: Config.Config
) => Effect.Effect<void, SetError, Processes | Filesystem> = Effect.fn("Container.set")(
  function*(c: Container, config: Config.Config) {
    yield* mutating(c, (draft) => setLocked(c, draft, config, draft.model.config))
  }
)

/**
 * What `runc update` does with its flags (or `-r` document): the saved
 * config's resources replaced as runc replaces them (see {@link Update}:
 * a limit not given is saved as 0 and left alone in the cgroup; the cpu
 * weight follows the shares), `Kernel memory settings are ignored and will
 * be removed` logged for kernel memory, the Intel RDT schemas checked
 * against the host's features (a container without a group gets one, its
 * init process moved in, as runc does — and, as in runc, the schemas are
 * then only saved), then runc's `Set`. On cgroup v1, `memory` −1 also saves
 * `memory_swap` −1 when the kernel has swap accounting.
 *
 * A failed write is set back with the same values, as runc's update does
 * (its new config shares the container's), so the warning it then logs
 * repeats the error.
 */
export const update: (
  c: Container,
  update: Update
) => Effect.Effect<void, UpdateError, Processes | Filesystem | IntelRdt> = Effect.fn("Container.update")(
  function*(c: Container, request: Update) {
    const rdtService = yield* IntelRdt
    const features = yield* rdtService.features
    // runc's `container.Config()` and `container.State()`: read without the lock, as runc reads them
    const model = yield* stateOf(c, yield* snapshot(c))
    const resources = resourcesOf(request)
    // runc warns as soon as it has read the flags, before anything can fail
    const memory = resources.memory
    if (memory?.kernel != null && (memory.kernel !== 0n || (memory.kernelTCP != null && memory.kernelTCP !== 0n))) {
      yield* Effect.logWarning(kernelMemoryWarning)
    }
    const updated = yield* applyUpdate(model.config, resources, {
      l3CacheSchema: request.l3CacheSchema ?? "",
      memBwSchema: request.memBwSchema ?? "",
      support: { cat: features.cat, mba: features.mba }
    })
    if (updated.applyIntelRdt) {
      const manager = yield* rdtService.newManager({ intel_rdt: {} }, c.id, model.intel_rdt_path)
      if (Option.isSome(manager)) yield* manager.value.apply(model.init_process_pid)
    }
    yield* mutating(c, (draft) => setLocked(c, draft, updated.config, updated.config))
  }
)
