/**
 * The hosts the Validate suites run on: this machine (node layers) and a
 * memory host seeded to look like the environment of
 * spec/vectors/validate-tests.md — `/var` a real directory, every
 * `/proc/self/ns/*` file and `/proc/self/timens_offsets` present, cgroup v1
 * hybrid, no resctrl, SELinux off.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as CgroupManager from "../../src/CgroupManager.js"
import * as IntelRdt from "../../src/IntelRdt.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import type { Services } from "../../src/Validate.js"

/** A CgroupManager whose mode probe fails (the real layers never do); nothing else is used by validation. */
export const failingCgroupMode: Layer.Layer<CgroupManager.CgroupManager> = Layer.succeed(CgroupManager.CgroupManager, {
  mode: Effect.fail(new CgroupManager.CgroupError({ message: "statfs /sys/fs/cgroup: permission denied" })),
  new: () => Effect.fail(new CgroupManager.CgroupError({ message: "not used by validation" })),
  newWithPaths: () => Effect.fail(new CgroupManager.CgroupError({ message: "not used by validation" }))
})

/** This host, every service real (cgroup v1 hybrid and no resctrl here). */
export const nodeLayer: Layer.Layer<Services> = Libcontainer.layerNode

/** The vectors' environment on a simulated host, plus `entries`. */
export const vectorSeed = (seed: MemoryHost.Seed = {}): MemoryHost.Seed => ({
  ...seed,
  entries: [
    { type: "dir", path: "/var", mode: 0o755 },
    { type: "file", path: "/proc/self/timens_offsets", mode: 0o644 },
    ...(seed.entries ?? [])
  ]
})

/** A memory host from `seed` with a cgroupfs of the given layout (hybrid by default) and, when given, resctrl. */
export const memoryLayer = (
  seed: MemoryHost.Seed = vectorSeed(),
  options: { readonly mode?: CgroupManager.CgroupMode | "failing"; readonly resctrl?: MemoryHost.ResctrlOptions } = {}
): Layer.Layer<Services> =>
  Layer.merge(options.mode === "failing" ? failingCgroupMode : CgroupManager.layer, IntelRdt.layer).pipe(
    Layer.provideMerge(Layer.orDie(MemoryHost.layer({
      ...seed,
      cgroupMode: options.mode === "failing" || options.mode === undefined ? "hybrid" : options.mode,
      ...(options.resctrl === undefined ? {} : { resctrl: options.resctrl })
    })))
  )

/** A logged line: level, message and annotations. */
export interface LoggedLine {
  readonly level: string
  readonly message: unknown
  readonly annotations: Readonly<Record<string, unknown>>
}

/** Runs `effect` and collects what it logs (the test runtime has no logger of its own). */
export const captureLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const lines: Array<LoggedLine> = []
    const logger = Logger.make(({ annotations, logLevel, message }) => {
      lines.push({
        level: logLevel.label,
        message: Array.isArray(message) ? message[0] : message,
        annotations: Object.fromEntries(annotations)
      })
    })
    return Effect.map(Effect.provide(effect, Logger.add(logger)), (result) => [result, lines] as const)
  })
