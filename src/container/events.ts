/**
 * What `runc events` watches (`events.go`, `libcontainer/notify_linux.go`,
 * `notify_v2_linux.go`): a container's stats at an interval and its OOM
 * kills as they happen, as an Effect `Stream` that ends when the container
 * stops.
 */
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { isNotExistOrNoDevice, type OomKillCountError } from "../CgroupManager.js"
import type { Filesystem } from "../Filesystem.js"
import type * as Either from "effect/Either"
import type { JsonEncodeError } from "../ContainerError.js"
import { type ContainerStats, encodeEvent, encodeStatsEvent } from "../internal/cgroups/stats/events.js"
import type { IntelRdt } from "../IntelRdt.js"
import type { Processes } from "../Processes.js"
import { type Container, snapshot } from "./model.js"
import { stats, type StatsError } from "./stats.js"
import { initAlive, type RefreshError, status } from "./status.js"

/** One event of {@link events}: the container's stats, or an OOM kill in its cgroup (runc's `types.Event`). */
export type Event =
  | { readonly type: "stats"; readonly id: string; readonly stats: ContainerStats }
  | { readonly type: "oom"; readonly id: string }

/** `duration interval must be greater than 0` — runc's check of `--interval`. */
export class EventsIntervalInvalid extends Data.TaggedError("EventsIntervalInvalid")<{}> {
  override get message(): string {
    return "duration interval must be greater than 0"
  }
}

/** `container with id <id> is not running` — `runc events` on a stopped container. */
export class EventsNotRunning extends Data.TaggedError("EventsNotRunning")<{ readonly id: string }> {
  override get message(): string {
    return `container with id ${this.id} is not running`
  }
}

/** `memory controller missing` — runc's `NotifyOOM` on a cgroup v1 container without a memory cgroup. */
export class MemoryControllerMissing extends Data.TaggedError("MemoryControllerMissing")<{}> {
  override get message(): string {
    return "memory controller missing"
  }
}

/**
 * Every way {@link events} can fail: before the first event, the interval,
 * the status refresh, a stopped container, no memory cgroup, or the OOM
 * counter unreadable; with `stats: true`, the snapshot's own failure; while
 * it runs, an OOM counter that fails other than by vanishing.
 */
export type EventsError =
  | EventsIntervalInvalid
  | RefreshError
  | EventsNotRunning
  | MemoryControllerMissing
  | OomKillCountError
  | StatsError

/** Options of {@link events}. */
export interface EventsOptions {
  /** How often a `stats` event comes (runc's `--interval`); default 5 seconds. */
  readonly interval?: Duration.DurationInput
  /** One `stats` event, then the end (runc's `--stats`). */
  readonly stats?: boolean
  /**
   * How often the OOM kill counter and the init process are looked at;
   * default 100 milliseconds. OOM kills within one look are one `oom` event,
   * as runc's notifications coalesce.
   */
  readonly pollInterval?: Duration.DurationInput
}

/** runc's default `--interval`. */
export const defaultInterval: Duration.Duration = Duration.seconds(5)

/** How often {@link events} looks at the OOM counter unless told otherwise. */
export const defaultPollInterval: Duration.Duration = Duration.millis(100)

/**
 * runc's `events` on a container: a `stats` event every `interval` (the
 * first after one interval, as Go's `time.Tick`; a snapshot that fails is
 * logged at error level and skipped, as runc logs it), and an `oom` event
 * whenever the cgroup's OOM kill counter has grown (`memory.events`'
 * `oom_kill` on cgroup v2, `memory.oom_control`'s on v1 — read every
 * `pollInterval` where runc waits on inotify or an eventfd). The stream
 * ends when the container's init process is gone (after reporting an OOM
 * kill that ended it) or its cgroup is; interrupting it stops everything it
 * started — it holds no file open between reads.
 *
 * Before the first event, as runc: an interval that is not positive, a
 * stopped container (`container with id … is not running`), a v1 container
 * without a memory cgroup, an OOM counter that cannot be read. With
 * `stats: true` the stream is one `stats` event (runc's `--stats`), and a
 * failed snapshot fails it.
 */
export const events = (
  c: Container,
  options: EventsOptions = {}
): Stream.Stream<Event, EventsError, Processes | Filesystem | IntelRdt> =>
  Stream.unwrap(Effect.gen(function*() {
    const interval = Duration.decode(options.interval ?? defaultInterval)
    if (!Duration.greaterThan(interval, Duration.zero)) return yield* new EventsIntervalInvalid()
    if ((yield* status(c)) === "stopped") return yield* new EventsNotRunning({ id: c.id })
    if (options.stats === true) {
      return Stream.fromEffect(Effect.map(stats(c), (s): Event => ({ type: "stats", id: c.id, stats: s })))
    }
    const config = (yield* snapshot(c)).config
    if (config.rootless_cgroups === true) {
      yield* Effect.logWarning("getting OOM notifications may fail if you don't have the full access to cgroups")
    }
    const manager = c.cgroupManager
    if ((yield* manager.path("memory")) === "") return yield* new MemoryControllerMissing()
    const first = yield* manager.oomKillCount
    const poll = Duration.decode(options.pollInterval ?? defaultPollInterval)

    const statsEvents: Stream.Stream<Event, never, Filesystem | IntelRdt> = Stream.fromSchedule(Schedule.spaced(interval)).pipe(
      Stream.mapEffect(() =>
        stats(c).pipe(
          Effect.map((s) => Option.some<Event>({ type: "stats", id: c.id, stats: s })),
          Effect.catchAll((e) => Effect.as(Effect.logError(e.message), Option.none<Event>()))
        )
      ),
      Stream.filterMap((e) => e)
    )

    const oom: Event = { type: "oom", id: c.id }
    /** One look: the counter (a vanished cgroup ends the stream), then whether init still runs. */
    const look = (last: bigint) =>
      Effect.gen(function*() {
        yield* Effect.sleep(poll)
        const alive = yield* Effect.flatMap(snapshot(c), (m) => initAlive(m.initProcess))
        const count = yield* manager.oomKillCount.pipe(
          Effect.map(Option.some),
          Effect.catchIf(
            (e) => e._tag !== "CgroupParseError" && isNotExistOrNoDevice(e),
            () => Effect.succeed(Option.none<bigint>())
          )
        )
        const grew = Option.isSome(count) && count.value > last
        const next = Option.isSome(count) && alive ? Option.some(count.value) : Option.none<bigint>()
        return [grew ? Chunk.of(oom) : Chunk.empty<Event>(), next] as const
      })
    const oomEvents = Stream.paginateChunkEffect(first, look)

    return Stream.merge(statsEvents, oomEvents, { haltStrategy: "right" })
  }))

/**
 * An event as `runc events` prints it: Go's `json.Encoder` line for
 * runc's `types.Event` (`{"type":"stats","id":…,"data":{…}}` with the
 * stats converted to runc's `types.Stats` — its field names, omissions and
 * sorted maps — or `{"type":"oom","id":…}`), newline included. Fails only
 * for a value outside its Go type.
 */
export const formatEvent = (event: Event): Either.Either<string, JsonEncodeError> =>
  event.type === "stats" ? encodeStatsEvent(event.id, event.stats) : encodeEvent(event)
