/**
 * The concurrency soak's operation mix (issue 9 §6), run by each worker
 * process on the real host and by the in-process soak on the simulated one.
 * Many fibers, until a deadline, each picking at random:
 *
 * - churn: create a container of its own, save, load, status, pause (a
 *   stopped container: ErrNotRunning), destroy;
 * - long-lived: load one of the containers that outlive the soak (running,
 *   made by runc or seeded), then pause + resume, signal 0, saveState, or
 *   status + state;
 * - list the root.
 *
 * Failures that are the answer to a race (ErrNotRunning for a pause that
 * found the container already paused, ErrNotExist for a churn container
 * listed between its mkdir and first save, …) are counted by tag. Anything
 * else is a problem: a defect, a StateCorrupt (a torn state.json), a
 * long-lived container that fails to load or is missing from a list, or a
 * cgroup error from pause/resume (what two interleaved freezes produce).
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as Config from "../../src/Config.js"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"

/** What a workload runs on and for how long. */
export interface WorkloadOptions {
  readonly root: string
  /** Names this worker's churn containers apart from other workers'. */
  readonly worker: string
  readonly fibers: number
  readonly durationMs: number
  /** Containers that exist throughout and must never be lost. */
  readonly longLived: ReadonlyArray<string>
  /** Prefix of the churn containers' cgroup paths, for the leak check. */
  readonly cgroupPrefix: string
}

/** What a workload did: operations and expected failures by name, and problems (must be none). */
export interface WorkloadReport {
  readonly operations: Record<string, number>
  readonly failures: Record<string, number>
  readonly problems: ReadonlyArray<string>
}

/** Failures that are legitimate answers under concurrency, by operation. */
const expected: Readonly<Record<string, ReadonlyArray<string>>> = {
  "churn pause": ["ErrNotRunning"],
  "pause": ["ErrNotRunning"],
  "resume": ["ErrNotPaused"],
  "list entry": ["ErrNotExist"]
}

const churnConfig = (id: string, prefix: string): Config.Config =>
  Config.make({
    rootfs: "/",
    namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }],
    cgroups: Config.makeCgroup({ path: `/${prefix}-${id}`, Resources: Config.makeResources() })
  })

/** Runs the mix; never fails — everything unexpected lands in `problems`. */
export const workload = (options: WorkloadOptions): Effect.Effect<WorkloadReport, never, Factory.Services> =>
  Effect.gen(function*() {
    const operations: Record<string, number> = {}
    const failures: Record<string, number> = {}
    const problems: Array<string> = []
    const deadline = Date.now() + options.durationMs

    /** Files a failure: counted when it is an expected answer to a race, a problem otherwise. */
    const fileFailure = (name: string, error: { readonly _tag?: string; readonly message?: string }) => {
      const tag = error._tag ?? "untagged"
      if (expected[name]?.includes(tag) === true) failures[`${name}: ${tag}`] = (failures[`${name}: ${tag}`] ?? 0) + 1
      else problems.push(`${name}: ${tag}: ${error.message ?? String(error)}`)
    }

    /** Runs one operation and files its outcome; succeeds with the value or undefined. */
    const attempt = <A, E>(name: string, effect: Effect.Effect<A, E, Factory.Services>) =>
      Effect.map(Effect.exit(effect), (exit): A | undefined => {
        operations[name] = (operations[name] ?? 0) + 1
        if (Exit.isSuccess(exit)) return exit.value
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) problems.push(`${name}: defect ${Cause.pretty(exit.cause).slice(0, 300)}`)
        else fileFailure(name, failure.value as { readonly _tag?: string; readonly message?: string })
        return undefined
      })

    const churn = (fiber: number, n: number) =>
      Effect.gen(function*() {
        const id = `${options.worker}-${fiber}-${n}`
        const created = yield* attempt("create", Factory.create(options.root, id, churnConfig(id, options.cgroupPrefix)))
        if (created === undefined) return
        yield* attempt("saveState", Container.saveState(created))
        const loaded = yield* attempt("load", Factory.load(options.root, id))
        if (loaded !== undefined) yield* attempt("status", Container.status(loaded))
        yield* attempt("churn pause", Container.pause(created))
        yield* attempt("destroy", Container.destroy(loaded ?? created))
      })

    const longLived = Effect.gen(function*() {
      const id = options.longLived[yield* Random.nextIntBetween(0, options.longLived.length)]!
      const c = yield* attempt("load", Factory.load(options.root, id))
      if (c === undefined) return
      switch (yield* Random.nextIntBetween(0, 4)) {
        case 0: {
          yield* attempt("pause", Container.pause(c))
          yield* attempt("resume", Container.resume(c))
          return
        }
        case 1:
          return yield* attempt("signal 0", Container.signal(c, 0))
        case 2:
          return yield* attempt("saveState", Container.saveState(c))
        default: {
          yield* attempt("status", Container.status(c))
          yield* attempt("state", Container.ociState(c))
        }
      }
    })

    const list = Effect.gen(function*() {
      const entries = yield* attempt("list", Stream.runCollect(Factory.list(options.root)))
      if (entries === undefined) return
      const seen = new Set<string>()
      for (const entry of entries) {
        if (entry._tag === "Loaded") {
          seen.add(entry.id)
          continue
        }
        if (options.longLived.includes(entry.id)) problems.push(`list: long-lived ${entry.id} failed: ${entry.error.message}`)
        else fileFailure("list entry", entry.error)
      }
      for (const id of options.longLived) if (!seen.has(id)) problems.push(`list: long-lived ${id} missing`)
    })

    const fiberLoop = (fiber: number) =>
      Effect.gen(function*() {
        for (let n = 0; Date.now() < deadline; n++) {
          const pick = yield* Random.nextIntBetween(0, 10)
          if (pick < 4) yield* churn(fiber, n)
          else if (pick < 9 && options.longLived.length > 0) yield* longLived
          else yield* list
          yield* Effect.yieldNow()
        }
      })

    yield* Effect.forEach(Array.from({ length: options.fibers }, (_, i) => i), fiberLoop, { concurrency: "unbounded" })
    return { operations, failures, problems }
  })

/** Adds `b`'s counts into `a`. */
export const mergeCounts = (a: Record<string, number>, b: Readonly<Record<string, number>>): Record<string, number> => {
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v
  return a
}
