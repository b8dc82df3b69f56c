/**
 * Wall-clock waits for what happens outside the program: another process
 * holding a lock, a container's init opening `exec.fifo`, a killed process
 * going away, the kernel settling a cgroup. None of these follows Effect's
 * `Clock` service, so the library's waits on them must not either: under
 * `TestClock` (every `it.effect` test) such a wait would otherwise never end.
 * Schedules that are part of the behaviour keep the caller's clock, so a
 * test can step through them: `Container.events`' interval and the cgroup
 * removal's backoff (runc's delays, which the contract suite checks).
 */
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** The real clock, whatever `Clock` the caller's program provides. */
export const wallClock: Clock.Clock = Clock.make()

/** `Effect.sleep` on the {@link wallClock}. */
export const sleep = (duration: Duration.DurationInput): Effect.Effect<void> =>
  Effect.withClock(Effect.sleep(duration), wallClock)
