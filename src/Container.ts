/**
 * A container as runc's factory returns it (`libcontainer.Container`) and
 * its operations, in runc's words, one module each under `container/`:
 * {@link status} refreshes from the live system, {@link state} is runc's
 * `State()`, {@link ociState} is what `runc state` prints, {@link saveState}
 * writes state.json atomically; {@link start} (`runc start`, through
 * `exec.fifo`), {@link pause}, {@link resume},
 * {@link signal}, {@link processes}, {@link destroy} and {@link remove}
 * (`runc delete`) act on it.
 *
 * What a container is — id, root, state dir, managers — never changes;
 * what it holds — config, init process, creation time, runc's state object
 * — is its {@link Model}, behind runc's container mutex. Each operation
 * fails with a union of tagged errors a caller can `Effect.catchTag`.
 *
 * @since 0.1.0
 */
export {
  /** A container. */
  type Container,
  /** Whether a value is a {@link Container}. */
  isContainer,
  /** The init process of a container, as far as the library knows it. */
  type InitProcess,
  /** The status the container's state object holds now, without refreshing. */
  lastStatus,
  /** What changes over a container's life. */
  type Model,
  /** The model now, without waiting for an operation in progress. */
  snapshot
} from "./container/model.js"
export {
  /** runc's `Destroy()`. */
  destroy,
  /** Every way `destroy` can fail. */
  type DestroyError
} from "./container/destroy.js"
export {
  /** Labels split as runc's `utils.Annotations`. */
  annotations,
  /** An OCI state as `runc state` prints it. */
  formatOciState,
  /** An OCI state as one element of `runc list --format json`. */
  formatOciStateCompact,
  /** What `runc state` prints for a container. */
  type OciState,
  /** The runtime-spec version the OCI state and hooks report. */
  specVersion
} from "./container/format.js"
export {
  /** runc's `events`: stats at an interval and OOM kills, as a `Stream` that ends when the container stops. */
  events,
  /** Every way `events` can fail. */
  type EventsError,
  /** `duration interval must be greater than 0`. */
  EventsIntervalInvalid,
  /** `container with id <id> is not running`. */
  EventsNotRunning,
  /** Options of `events`. */
  type EventsOptions,
  /** One event of `events` (runc's `types.Event`). */
  type Event,
  /** runc's default events interval: 5 seconds. */
  defaultInterval,
  /** How often `events` looks for OOM kills unless told otherwise: 100 ms. */
  defaultPollInterval,
  /** An event as `runc events` prints it (one JSON line). */
  formatEvent,
  /** `memory controller missing`: a v1 container without a memory cgroup. */
  MemoryControllerMissing
} from "./container/events.js"
export {
  /** runc's `Pause()`. */
  pause,
  /** Every way `pause` can fail. */
  type PauseError
} from "./container/pause.js"
export {
  /** runc's `Processes()`. */
  processes
} from "./container/processes.js"
export {
  /** What `runc delete` does. */
  remove,
  /** Every way `remove` can fail. */
  type RemoveError,
  /** Options of `remove`. */
  type RemoveOptions
} from "./container/remove.js"
export {
  /** runc's `Resume()`. */
  resume,
  /** Every way `resume` can fail. */
  type ResumeError
} from "./container/resume.js"
export {
  /** runc's `saveState`. */
  saveState,
  /** Options of `saveState`. */
  type SaveStateOptions,
  /** How old a leftover temp file must be before `saveState` removes it. */
  staleTempAge
} from "./container/saveState.js"
export {
  /** runc's `Signal(sig)`. */
  signal,
  /** Every way `signal` can fail. */
  type SignalError,
  /** Options of `signal`. */
  type SignalOptions
} from "./container/signal.js"
export {
  /** runc's `Stats()`: cgroup, Intel RDT and network stats in one snapshot. */
  stats,
  /** Every way `stats` can fail. */
  type StatsError
} from "./container/stats.js"
export type {
  /** What `stats` returns (runc's `libcontainer.Stats`). */
  ContainerStats as Stats,
  /** The host's Intel RDT features, which decide what `runc events` shows of the RDT stats. */
  RdtFeatures,
  /** runc's `intelrdt.Stats`. */
  RdtStats,
  /** `types.NetworkInterface`: one veth's counters from the container's side. */
  NetworkInterface
} from "./internal/cgroups/stats/events.js"
export {
  /** runc's `Set(config)`: new cgroup resources and Intel RDT schemas, saved. */
  set,
  /** Every way `set` can fail. */
  type SetError,
  /** What `runc update` does: the saved resources replaced, then `set`. */
  update,
  /** Every way `update` can fail. */
  type UpdateError,
  /** A resource update as `runc update` takes it. */
  type Update
} from "./container/update.js"
export {
  /** A part of an update set to `null` where runc dereferences it (runc panics). */
  UpdateNilResource,
  /** An Intel RDT schema on a host without that feature. */
  UpdateRdtNotEnabled
} from "./internal/cgroups/update/update.js"
export {
  /** `runc start` refused, in runc's words. */
  CannotStart,
  /** Opening, reading or removing `exec.fifo` failed. */
  ExecFifoFailed,
  /** What `runc start` does: releases a created container's init through `exec.fifo`. */
  start,
  /** Every way `start` can fail. */
  type StartError
} from "./container/start.js"
export {
  /** runc's `State()`. */
  state,
  /** The encoded state.json of a container. */
  stateJson
} from "./container/state.js"
export {
  /** runc's `hasInit()`. */
  hasInit,
  /** The OCI state for the status last seen, without refreshing. */
  lastOciState,
  /** What `runc state <id>` reports. */
  ociState,
  /** Everything refreshing the status can fail with. */
  type RefreshError,
  /** runc's `Status()`. */
  status
} from "./container/status.js"
