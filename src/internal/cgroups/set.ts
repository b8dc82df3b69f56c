/**
 * `Manager.Set(resources)` on a host's cgroupfs: the plans of runc's fs and
 * fs2 drivers (`update/plan.ts`) read and carried out through the
 * Filesystem port — every write to an existing file checked with `fstatfs`
 * to be on cgroupfs, every read bounded, the freezer steps through the
 * freezer code the manager's `freeze` uses.
 */
import * as Effect from "effect/Effect"
import type { Cgroup, Resources } from "../../Config.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError } from "./errors.js"
import * as Files from "./files.js"
import * as Freezer from "./freezer.js"
import * as StatReader from "./statReader.js"
import { paramUint } from "./stats/reader.js"
import { type CgroupSetError, planV1, planV2, readCurrentV1, readCurrentV2, runPlan, type SetIO } from "./update/plan.js"

/** Every way a set can fail: a file that could not be opened, read or written, or one of runc's own refusals. */
export type SetFailure = StatReader.ReadFailure | CgroupSetError

/** The most of `io.bfq.weight` fs2 looks at before writing (its 32-byte buffer). */
const bfqHeadBytes = 32

const decoder = new TextDecoder()

/** The plans' writes and reads on the host's cgroupfs. */
const io = (env: CgroupEnv): SetIO<StatReader.ReadFailure> => ({
  write: (dir, file, value) => Files.writeFile(env, dir, file, value),
  writeBfq: (dir, value) => Files.writeRaw(env, dir, "io.bfq.weight", value),
  readUint: (dir, file) =>
    Effect.flatMap(StatReader.readStatFile(env, dir, file), (content) =>
      Effect.mapError(paramUint(dir, file, content), (e) => new CgroupError({ message: e.message }))),
  freeze: (dir, state, driver) =>
    driver === "v1" ? Freezer.setStateV1(env, dir, state) : Freezer.setStateV2(env, dir, state),
  errno: Files.errnoOf
})

/**
 * fs's `Set(r)` over the v1 paths: what runc reads first, the plan, its
 * steps. Returns the resources as runc leaves them (with `memory` −1 and
 * swap accounting, `memory_swap` becomes −1 too).
 */
export const setV1 = (
  env: CgroupEnv,
  paths: Readonly<Record<string, string>>,
  r: Resources
): Effect.Effect<Resources, SetFailure> =>
  Effect.gen(function*() {
    const current = yield* readCurrentV1(StatReader.make(env), paths, r)
    const plan = planV1(paths, r, current)
    yield* runPlan(io(env), plan)
    return plan.resources
  }).pipe(Effect.withSpan("CgroupManager.setV1"))

/** fs2's `Set(r)` on `dir`: `cgroup.controllers` and `io.bfq.weight` read first, then the plan's steps. */
export const setV2 = (env: CgroupEnv, cg: Cgroup, dir: string, r: Resources): Effect.Effect<Resources, SetFailure> =>
  Effect.gen(function*() {
    const openBfq = Effect.map(
      Files.readBytes(env, dir, "io.bfq.weight"),
      (bytes) => decoder.decode(bytes.subarray(0, bfqHeadBytes))
    )
    const current = yield* readCurrentV2(StatReader.make(env), dir, r, openBfq)
    const plan = planV2(dir, r, current, { rootlessWithoutPath: cg.Rootless && cg.path === "" })
    yield* runPlan(io(env), plan)
    return plan.resources
  }).pipe(Effect.withSpan("CgroupManager.setV2"))
