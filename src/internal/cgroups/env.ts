/**
 * One host's cgroup facts as a service sees them: the host, the layout, and
 * the answers runc computes once per process (mode, systemd, the v1 mount
 * list, the v1 cgroup root), computed once per service here.
 */
import * as Effect from "effect/Effect"
import type { SystemError } from "../../ContainerError.js"
import * as Mountinfo from "../mountinfo.js"
import { CgroupError } from "./errors.js"
import type { CgroupHost, Layout } from "./host.js"
import * as Mode from "./mode.js"
import * as V1Mounts from "./v1Mounts.js"

/** The facts the v1 cgroup root is derived from. */
export interface HostFacts {
  readonly host: CgroupHost
  readonly layout: Layout
  /** `IsCgroup2UnifiedMode`, cached. */
  readonly unified: Effect.Effect<boolean>
  /** `IsCgroup2HybridMode`, cached. */
  readonly hybrid: Effect.Effect<boolean>
  /** `IsRunningSystemd`, cached. */
  readonly systemdRunning: Effect.Effect<boolean>
  /** The `cgroup` entries of mountinfo, read once (result and error cached, cgroups.md §5.2). */
  readonly v1Mounts: Effect.Effect<ReadonlyArray<Mountinfo.MountInfo>, CgroupError | SystemError>
}

/** What every cgroup rule is evaluated against. */
export interface CgroupEnv extends HostFacts {
  /** The v1 cgroup root (`rootPath`, cgroups.md §4.4), cached after its first success. */
  readonly cgroupRoot: Effect.Effect<string, CgroupError | SystemError>
}

const readV1Mounts = (host: CgroupHost, layout: Layout) =>
  Effect.flatMap(Effect.suspend(() => host.readFile(layout.mountinfoPath)), (content) =>
    Effect.mapError(
      Mountinfo.parse(content, Mountinfo.fstypeFilter("cgroup")),
      (error) => new CgroupError({ message: error.message })
    ))

/** The environment of one service; the probes run on first use. */
export const make = (host: CgroupHost, layout: Layout): Effect.Effect<CgroupEnv> =>
  Effect.gen(function*() {
    const facts: HostFacts = {
      host,
      layout,
      unified: yield* Effect.cached(Mode.isUnified(host, layout)),
      hybrid: yield* Effect.cached(Mode.isHybrid(host, layout)),
      systemdRunning: yield* Effect.cached(Mode.isRunningSystemd(host, layout)),
      v1Mounts: yield* Effect.cached(readV1Mounts(host, layout))
    }
    return { ...facts, cgroupRoot: yield* cachedOnSuccess(V1Mounts.rootPath(facts)) }
  })

/**
 * An effect that runs `effect` until it first succeeds and then keeps that
 * value; failures are not remembered (how runc caches the v1 cgroup root).
 */
export const cachedOnSuccess = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<Effect.Effect<A, E, R>> =>
  Effect.sync(() => {
    let value: { readonly a: A } | undefined
    return Effect.suspend(() =>
      value !== undefined ? Effect.succeed(value.a) : Effect.tap(effect, (a) => {
        value = { a }
      })
    )
  })
