/**
 * `libcontainer events`: runc 1.1.5's `events` action (`events.go`) — its
 * checks and its output: one JSON line per event, `{"type":"stats",…}` at
 * each interval and `{"type":"oom",…}` for each OOM kill, until the
 * container stops; with `--stats`, one stats line. The command's flags and
 * help are declared with the others (`commands.ts`), so help never loads
 * this module.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Container from "../Container.js"
import type * as Factory from "../Factory.js"
import { parseDuration } from "../internal/goDuration.js"
import type { Run } from "./invocation.js"
import { type Output, WriteFailed } from "./stdio.js"

/** What the command needs from the program: its run, its output, and runc's `getContainer`. */
export interface Context {
  readonly run: Run
  readonly out: Output
  readonly load: (run: Run) => Effect.Effect<Container.Container, unknown, Factory.Services>
}

/** Writes an event's line; a failed write or encoding is logged and the stream goes on, as runc's encoder loop does. */
const emit = (out: Output, event: Container.Event): Effect.Effect<void> =>
  Either.match(Container.formatEvent(event), {
    onLeft: (error) => Effect.logError(error.message),
    onRight: (line) => {
      const failed = out.stdout(line)
      return failed instanceof WriteFailed ? Effect.logError(failed.message) : Effect.void
    }
  })

/**
 * runc's action: the container first, then the interval (`duration interval
 * must be greater than 0`), then its status (`container with id … is not
 * running`), then the events.
 */
export const execute = ({ load, out, run }: Context): Effect.Effect<void, unknown, Factory.Services> =>
  Effect.gen(function*() {
    const container = yield* load(run)
    const given = run.flags.get("interval")
    const parsed = parseDuration(typeof given === "string" ? given : "5s")
    const nanos = parsed._tag === "Ok" ? parsed.nanos : 0n
    if (nanos <= 0n) return yield* new Container.EventsIntervalInvalid()
    yield* Container.events(container, { interval: Duration.nanos(nanos), stats: run.flags.get("stats") === true }).pipe(
      Stream.runForEach((event) => emit(out, event))
    )
  })
