/**
 * `Manager.Set` plans against runc 1.1.5: every case of set-cases.json was
 * run through runc's own fs / fs2 `Set` with strace watching its writes
 * (golden-set.json, by scripts/runc-golden.sh); here the same resources and
 * files go through readCurrent → plan → runPlan and must write the same
 * files, the same bytes, in the same order, and fail with the same text.
 * Then the kernel's refusals runc reacts to (EBUSY, EINVAL, clamped shares,
 * unified keys) on a scripted SetIO, and a whole `runc update` session
 * recorded from the real runc on this host (update-runc.json): flag errors,
 * and the resources saved after each update.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Config from "../../../../src/Config.js"
import { paramUint } from "../../../../src/internal/cgroups/stats/reader.js"
import * as Plan from "../../../../src/internal/cgroups/update/plan.js"
import { applyUpdate, readUpdate, type UpdateFlag, type UpdateFlagValues } from "../../../../src/internal/cgroups/update/update.js"
import { parseJson } from "../../../../src/internal/json/GoJson.js"
import { fixtureReader, FixtureReadError, fixtureRoot, fixtureText } from "../stats/fixtures.js"

interface SetCase {
  readonly name: string
  readonly driver: "v1" | "v2"
  readonly dirs: ReadonlyArray<string>
  readonly files: Readonly<Record<string, string>>
  readonly resources: unknown
}

interface SetGolden {
  readonly name: string
  readonly error: string | null
  readonly writes: ReadonlyArray<readonly [string, string]>
  readonly memorySwap?: string
}

const setCases = (Either.getOrThrow(parseJson(fixtureText("set-cases.json"))) as unknown) as ReadonlyArray<SetCase>
const setGolden = JSON.parse(fixtureText("golden-set.json")) as ReadonlyArray<SetGolden>
const decodeResources = Schema.decodeUnknownSync(Config.Resources)

/** A write the kernel refuses, with its errno. */
class ScriptedWriteError extends Data.TaggedError("ScriptedWriteError")<{ readonly path: string; readonly value: string; readonly code: string }> {
  override get message(): string {
    const text: Record<string, string> = { EBUSY: "device or resource busy", EINVAL: "invalid argument", EPERM: "operation not permitted", ENOENT: "no such file or directory" }
    return `failed to write "${this.value}": write ${this.path}: ${text[this.code] ?? this.code}`
  }
}

type IoError = ScriptedWriteError | FixtureReadError | { readonly _tag: "ParseFailure"; readonly message: string }

/**
 * A cgroup in memory, as runc's tests see one in TestMode: writes create or
 * replace files; `refuse` makes the next writes of a file fail with an errno.
 */
const memoryIO = (files: Record<string, string>, refuse: Record<string, Array<string>> = {}) => {
  const writes: Array<readonly [string, string]> = []
  const io: Plan.SetIO<IoError> = {
    write: (dir, file, value) =>
      Effect.suspend(() => {
        const path = `${dir}/${file}`
        const code = refuse[path]?.shift()
        if (code !== undefined) return Effect.fail(new ScriptedWriteError({ path, value, code }))
        writes.push([path, value])
        files[path] = value
        return Effect.void
      }),
    writeBfq: (dir, value) =>
      Effect.sync(() => {
        writes.push([`${dir}/io.bfq.weight`, value])
      }),
    readUint: (dir, file) =>
      Effect.suspend((): Effect.Effect<bigint, IoError> => {
        const path = `${dir}/${file}`
        const content = files[path]
        if (content === undefined) return Effect.fail(new FixtureReadError({ path, code: "ENOENT" }))
        return Either.mapLeft(paramUint(dir, file, content), (e) => ({ _tag: "ParseFailure" as const, message: e.message }))
      }),
    freeze: (dir, state, driver) =>
      Effect.sync(() => {
        writes.push([`${dir}/<freeze ${driver}>`, state])
      }),
    errno: (error) => ("code" in error ? error.code : undefined)
  }
  return { io, writes }
}

const runCase = (c: SetCase) =>
  Effect.gen(function*() {
    const files: Record<string, string> = {}
    for (const [name, content] of Object.entries(c.files)) files[`${fixtureRoot}/${name}`] = content
    const resources = decodeResources(c.resources)
    const reader = fixtureReader(files, [fixtureRoot, ...c.dirs.map((d) => `${fixtureRoot}/${d}`)])
    let plan: Plan.SetPlan
    if (c.driver === "v1") {
      const paths = Object.fromEntries(c.dirs.map((d) => [d, `${fixtureRoot}/${d}`]))
      plan = Plan.planV1(paths, resources, yield* Plan.readCurrentV1(reader, paths, resources))
    } else {
      const bfqPath = `${fixtureRoot}/io.bfq.weight`
      const openBfq = files[bfqPath] === undefined
        ? Effect.fail(new FixtureReadError({ path: bfqPath, code: "ENOENT" }))
        : Effect.succeed(files[bfqPath]!.slice(0, 32))
      const current = yield* Plan.readCurrentV2(reader, fixtureRoot, resources, openBfq)
      plan = Plan.planV2(fixtureRoot, resources, current, { rootlessWithoutPath: false })
    }
    const { io, writes } = memoryIO(files)
    const result = yield* Effect.either(Plan.runPlan(io, plan))
    return {
      error: Either.isLeft(result) ? result.left.message : null,
      writes: writes.map(([path, value]) => [path.slice(fixtureRoot.length + 1), value] as const),
      memorySwap: plan.resources.memory_swap.toString()
    }
  })

describe("Set plans against runc 1.1.5's Manager.Set", () => {
  it("has runc's writes for every case", () => {
    expect(setGolden.map((g) => g.name)).toEqual(setCases.map((c) => c.name))
  })
  setCases.forEach((c, i) => {
    const expected = setGolden[i]!
    it.effect(`${c.driver} ${c.name}`, () =>
      Effect.gen(function*() {
        const ours = yield* runCase(c)
        expect(ours.writes).toEqual(expected.writes)
        expect(ours.error).toBe(expected.error)
        if (expected.memorySwap !== undefined) expect(ours.memorySwap).toBe(expected.memorySwap)
      }))
  })
})

const resources = (fields: Partial<Config.Resources>) => Config.makeResources(fields)
const v1Paths = { memory: "/m", cpu: "/c", pids: "/p" }

describe("runc's reactions to the kernel", () => {
  it.effect("v1 memory limit below usage: EBUSY becomes runc's message with usage and peak", () =>
    Effect.gen(function*() {
      const { io, writes } = memoryIO(
        { "/m/memory.usage_in_bytes": "294912\n", "/m/memory.max_usage_in_bytes": "2519040\n" },
        { "/m/memory.limit_in_bytes": ["EBUSY"] }
      )
      const plan = Plan.planV1(v1Paths, resources({ memory: 4096n, pids_limit: 5n }), { memswLimitExists: true, blkioWeightExists: false })
      const error = yield* Effect.flip(Plan.runPlan(io, plan))
      expect(error.message).toBe("unable to set memory limit to 4096 (current usage: 294912, peak usage: 2519040)")
      expect(writes).toEqual([])
    }))

  it.effect("v1 memory limit refused otherwise: the write error as it is", () =>
    Effect.gen(function*() {
      const { io } = memoryIO({}, { "/m/memory.limit_in_bytes": ["EINVAL"] })
      const plan = Plan.planV1(v1Paths, resources({ memory: 4096n }), { memswLimitExists: true, blkioWeightExists: false })
      expect((yield* Effect.flip(Plan.runPlan(io, plan))).message).toBe(`failed to write "4096": write /m/memory.limit_in_bytes: invalid argument`)
    }))

  it.effect("v1 cpu shares read back: clamped up or down is an error", () =>
    Effect.gen(function*() {
      for (const [asked, clamped, message] of [[1n, "2", "the minimum allowed cpu-shares is 2"], [9999999n, "262144", "the maximum allowed cpu-shares is 262144"]] as const) {
        const files: Record<string, string> = {}
        const { io } = memoryIO(files)
        const clamping: Plan.SetIO<IoError> = {
          ...io,
          write: (dir, file, value) => Effect.zipRight(io.write(dir, file, value), Effect.sync(() => { files[`${dir}/${file}`] = clamped }))
        }
        const plan = Plan.planV1(v1Paths, resources({ cpu_shares: asked }), { memswLimitExists: false, blkioWeightExists: false })
        expect((yield* Effect.flip(Plan.runPlan(clamping, plan))).message).toBe(message)
      }
    }))

  it.effect("v1 cpu period refused with EINVAL while a quota is set: written again after the quota", () =>
    Effect.gen(function*() {
      const { io, writes } = memoryIO({}, { "/c/cpu.cfs_period_us": ["EINVAL"] })
      const plan = Plan.planV1(v1Paths, resources({ cpu_period: 10000n, cpu_quota: 5000n }), { memswLimitExists: false, blkioWeightExists: false })
      yield* Plan.runPlan(io, plan)
      expect(writes).toEqual([["/c/cpu.cfs_quota_us", "5000"], ["/c/cpu.cfs_period_us", "10000"]])
      const alone = memoryIO({}, { "/c/cpu.cfs_period_us": ["EINVAL"] })
      const periodOnly = Plan.planV1(v1Paths, resources({ cpu_period: 10000n }), { memswLimitExists: false, blkioWeightExists: false })
      expect((yield* Effect.flip(Plan.runPlan(alone.io, periodOnly))).message).toContain("invalid argument")
    }))

  it.effect("v2 unified keys: runc's explanations when the write is refused", () =>
    Effect.gen(function*() {
      const cases = [
        ["memory.high", "EPERM", `unified resource "memory.high" can't be set: controller "memory" not available`],
        ["cgroup.max.depth", "ENOENT", `unable to set unified resource "cgroup.max.depth": failed to write "1": write /g/cgroup.max.depth: no such file or directory`],
        ["nodot", "ENOENT", `unified resource "nodot" must be in the form CONTROLLER.PARAMETER`],
        ["cpu.weight", "EPERM", `unable to set unified resource "cpu.weight": failed to write "1": write /g/cpu.weight: operation not permitted`],
        ["pids.max", "EINVAL", `unable to set unified resource "pids.max": failed to write "1": write /g/pids.max: invalid argument`]
      ] as const
      for (const [key, code, message] of cases) {
        const { io } = memoryIO({}, { [`/g/${key}`]: [code] })
        const plan = Plan.planV2("/g", resources({ unified: { [key]: "1" } }), { controllers: Either.right(new Set(["cpu", "pids"])) }, { rootlessWithoutPath: false })
        expect((yield* Effect.flip(Plan.runPlan(io, plan))).message).toBe(message)
      }
    }))

  it.effect("v2 device weight through BFQ: a refused line is wrapped with the line", () =>
    Effect.gen(function*() {
      const { io } = memoryIO({})
      const refusing: Plan.SetIO<IoError> = {
        ...io,
        writeBfq: (dir, value) => Effect.fail(new ScriptedWriteError({ path: `${dir}/io.bfq.weight`, value, code: "EINVAL" }))
      }
      const plan = Plan.planV2(
        "/g",
        resources({ blkio_weight_device: [{ major: 8n, minor: 0n, weight: 5, leafWeight: 0 }] }),
        { controllers: Either.right(new Set()), bfq: { _tag: "present", head: "default 100\n" } },
        { rootlessWithoutPath: false }
      )
      expect((yield* Effect.flip(Plan.runPlan(refusing, plan))).message).toBe(
        `setting device weight "8:0 5": failed to write "8:0 5\n": write /g/io.bfq.weight: invalid argument`
      )
    }))

  it("v2 without cgroup.controllers: rootless containers without a path go on", () => {
    const current: Plan.CurrentV2 = { controllers: Either.left({ message: "open /g/cgroup.controllers: no such file or directory" }) }
    expect(Plan.planV2("/g", resources({ pids_limit: 3n }), current, { rootlessWithoutPath: true }).steps).toEqual([
      { _tag: "Write", dir: "/g", file: "pids.max", value: "3" }
    ])
    expect(Plan.planV2("/g", resources({ pids_limit: 3n }), current, { rootlessWithoutPath: false }).steps.map((s) => s._tag)).toEqual(["Fail"])
  })

  it("freezer states: v1 freezes through its loop, thaws with a write; v2 through cgroup.freeze", () => {
    const v1 = (freezer: string) => Plan.planV1({ freezer: "/f" }, resources({ freezer }), { memswLimitExists: false, blkioWeightExists: false }).steps
    expect(v1("FROZEN")).toEqual([{ _tag: "Freeze", dir: "/f", state: "FROZEN", driver: "v1" }])
    expect(v1("THAWED")).toEqual([{ _tag: "Write", dir: "/f", file: "freezer.state", value: "THAWED" }])
    expect(v1("")).toEqual([])
    expect(Plan.planV2("/g", resources({ freezer: "THAWED" }), { controllers: Either.right(new Set()) }, { rootlessWithoutPath: false }).steps)
      .toEqual([{ _tag: "Freeze", dir: "/g", state: "THAWED", driver: "v2" }])
  })
})

interface RecordedUpdate {
  readonly args: ReadonlyArray<string>
  readonly status: number
  readonly log: ReadonlyArray<string>
  readonly resources?: unknown
}

const session = JSON.parse(fixtureText("update-runc.json")) as { readonly initial: unknown; readonly steps: ReadonlyArray<RecordedUpdate> }

/** `runc update`'s flags from an argument list (Go's flag package: the last of a repeated flag wins). */
const flagValues = (args: ReadonlyArray<string>): UpdateFlagValues => {
  const out: Record<string, string> = {}
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]!.replace(/^--?/, "")
    out[name === "r" ? "resources" : (name as UpdateFlag)] = args[i + 1]!
  }
  return out
}

const logMessage = (line: string): string => JSON.parse(/msg=("(?:[^"\\]|\\.)*")/.exec(line)![1]!) as string

const runcConfig = (r: Config.Resources): Config.Config =>
  Config.make({ cgroups: Config.makeCgroup({ path: "/c", Resources: r }) })

describe("a runc update session recorded on this host", () => {
  it("the same flag errors, and the same resources saved after each update", () => {
    let config = runcConfig(decodeResources(session.initial))
    for (const step of session.steps) {
      const values = flagValues(step.args)
      const read = readUpdate(values, "")
      const errors = step.log.filter((l) => l.startsWith("level=error")).map(logMessage)
      const warnings = step.log.filter((l) => l.startsWith("level=warning")).map(logMessage)
      if (Either.isLeft(read)) {
        expect(step.status, step.args.join(" ")).toBe(1)
        // a missing -r file is the caller's open error; everything else is ours
        if (values.resources === undefined) expect([read.left.message]).toEqual(errors)
        continue
      }
      const updated = applyUpdate(config, read.right, {
        l3CacheSchema: values["l3-cache-schema"] ?? "",
        memBwSchema: values["mem-bw-schema"] ?? "",
        support: { cat: false, mba: false }
      })
      if (Either.isLeft(updated)) {
        expect([updated.left.message]).toEqual(errors)
        continue
      }
      expect(updated.right.warnings).toEqual(step.status === 0 ? warnings : updated.right.warnings)
      if (step.status !== 0) continue
      // Set on this host: swap accounting exists, so unlimited memory takes swap along
      const plan = Plan.planV1({ memory: "/m" }, updated.right.config.cgroups!.Resources!, { memswLimitExists: true, blkioWeightExists: false })
      config = { ...updated.right.config, cgroups: { ...updated.right.config.cgroups!, Resources: plan.resources } }
      expect(config.cgroups!.Resources, step.args.join(" ")).toEqual(decodeResources(step.resources))
    }
  })
})
