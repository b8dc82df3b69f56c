/**
 * Waits for what happens outside the program: another process holding a
 * lock, a container's init opening `exec.fifo`, a killed process going
 * away, the kernel settling a freezer. None of these follows Effect's
 * `Clock` service, so the library's waits on them use the real clock even
 * under `TestClock` (every `it.effect` test), where they would otherwise
 * never end. A test that steps through such a protocol on a simulated host
 * says so with {@link withHostClock}. Schedules that are the caller's
 * (`Container.events`' interval) and the cgroup removal's backoff (runc's
 * delays, which the contract suite steps through) keep the caller's clock.
 */
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"

/** The real clock, whatever `Clock` the caller's program provides. */
export const wallClock: Clock.Clock = Clock.make()

/** The clock waits on the host use: {@link wallClock} unless {@link withHostClock} says otherwise. */
const hostClock = globalValue(
  Symbol.for("effect-libcontainer/internal/wallClock/hostClock"),
  () => FiberRef.unsafeMake<Clock.Clock | undefined>(undefined)
)

/** Runs `self` with its waits on the host on the caller's `Clock` (a `TestClock` a test adjusts). */
export const withHostClock = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.clockWith((clock) => Effect.locally(self, hostClock, clock))

/** `Effect.sleep` on the host's clock: the {@link wallClock}, unless {@link withHostClock} set another. */
export const sleep = (duration: Duration.DurationInput): Effect.Effect<void> =>
  Effect.flatMap(FiberRef.get(hostClock), (clock) => Effect.withClock(Effect.sleep(duration), clock ?? wallClock))
