/**
 * Properties of `runc update`'s parsing and of the Set plans: size strings
 * scale exactly by their binary unit in any spelling go-units accepts, and
 * anything else is refused with a typed error; Go int flags read any int64
 * in decimal, hex or octal; a replace-style update applied twice is applied
 * once; and for any resources the plans are built and run without a throw,
 * writing only inside the cgroup's directories.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Config from "../../../../src/Config.js"
import * as Plan from "../../../../src/internal/cgroups/update/plan.js"
import { ramInBytes } from "../../../../src/internal/cgroups/update/units.js"
import { applyUpdate, parseIntFlag, readUpdate } from "../../../../src/internal/cgroups/update/update.js"

const minInt64 = -(1n << 63n)
const maxInt64 = (1n << 63n) - 1n
const units = ["", "k", "m", "g", "t", "p"] as const

const spelling = FastCheck.record({
  unit: FastCheck.integer({ min: 0, max: 5 }),
  upper: FastCheck.boolean(),
  i: FastCheck.constantFrom("", "i", "I"),
  b: FastCheck.constantFrom("", "b", "B"),
  space: FastCheck.boolean()
})

describe("size strings (go-units RAMInBytes)", () => {
  it("an integer with any unit spelling is that many bytes, or -2^63 past int64 (Go on amd64)", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.bigInt({ min: 0n, max: (1n << 53n) - 1n }), spelling, (n, s) => {
        const letter = s.unit === 0 ? "" : s.upper ? units[s.unit]!.toUpperCase() : units[s.unit]!
        const text = `${n}${s.space ? " " : ""}${letter}${s.i}${s.b}`
        const bytes = n * (1n << BigInt(10 * s.unit))
        expect(ramInBytes(text)).toEqual(Either.right(bytes > maxInt64 ? minInt64 : bytes))
      })
    )
  })

  it("any other text: a typed refusal, never a throw", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.string({ unit: "binary", maxLength: 40 }), (text) => {
        const result = ramInBytes(text)
        expect(Either.isEither(result)).toBe(true)
        if (!/^\d/.test(text)) expect(Either.isLeft(result)).toBe(true)
      })
    )
  })

  it("through the update flags: the size, -1, or runc's message naming the flag", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.oneof(FastCheck.constant("-1"), FastCheck.string({ maxLength: 12 })), (text) => {
        const read = readUpdate({ memory: text, "memory-swap": text })
        if (text === "") {
          expect(Either.map(read, (u) => u.memory?.limit)).toEqual(Either.right(0n))
          return
        }
        const expected = text === "-1" ? Either.right(-1n) : ramInBytes(text)
        if (Either.isRight(expected)) {
          expect(Either.map(read, (u) => [u.memory?.limit, u.memory?.swap])).toEqual(Either.right([expected.right, expected.right]))
        } else {
          expect(Either.mapLeft(read, (e) => e.message)).toEqual(Either.left(`invalid value for memory: ${expected.left}`))
        }
      })
    )
  })
})

describe("Go int flags", () => {
  it("read any int64 written in decimal, hex, octal or binary, and refuse one past the ends", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.bigInt({ min: minInt64, max: maxInt64 }), (n) => {
        const sign = n < 0n ? "-" : ""
        const abs = n < 0n ? -n : n
        for (const text of [n.toString(), `${sign}0x${abs.toString(16)}`, `${sign}0o${abs.toString(8)}`, `${sign}0b${abs.toString(2)}`]) {
          expect(parseIntFlag("pids-limit", text)).toEqual(Either.right(n))
        }
        expect(Either.mapLeft(parseIntFlag("pids-limit", (maxInt64 + 1n + abs).toString()), (e) => e.message)).toEqual(
          Either.left(`invalid value "${maxInt64 + 1n + abs}" for flag -pids-limit: value out of range`)
        )
      })
    )
  })

  it("truncate the blkio weight to a uint16, as runc does", () => {
    expect(Either.map(readUpdate({ "blkio-weight": "65546" }), (u) => u.blockIO?.weight)).toEqual(Either.right(10))
    expect(Either.map(readUpdate({ "blkio-weight": "-1" }), (u) => u.blockIO?.weight)).toEqual(Either.right(65535))
  })
})

const resourcesArbitrary = Arbitrary.make(Config.Resources)
const noRdt = { l3CacheSchema: "", memBwSchema: "", support: { cat: false, mba: false } }

describe("updates", () => {
  it("applying the same update twice gives the config of applying it once", () => {
    const flags = FastCheck.record({
      memory: FastCheck.constantFrom("", "-1", "64m", "1g"),
      "cpu-period": FastCheck.constantFrom("", "100000", "50000"),
      "cpu-quota": FastCheck.constantFrom("", "-1", "20000"),
      "cpu-share": FastCheck.constantFrom("", "2", "1024"),
      "pids-limit": FastCheck.constantFrom("0", "-1", "64"),
      "cpuset-cpus": FastCheck.constantFrom("", "0", "0-1")
    })
    FastCheck.assert(
      FastCheck.property(resourcesArbitrary, flags, (resources, values) => {
        const config = Config.make({ cgroups: Config.makeCgroup({ path: "/x", Resources: resources }) })
        const update = Either.getOrThrow(readUpdate(values))
        const once = Either.getOrThrow(applyUpdate(config, update, noRdt)).config
        const twice = Either.getOrThrow(applyUpdate(once, update, noRdt)).config
        expect(twice).toEqual(once)
        expect(once.cgroups?.Resources?.cpu_shares).toBe(update.cpu?.shares)
      }),
      { numRuns: 100 }
    )
  })

  it("Intel RDT schemas: both set together, refused without the feature, the group created when the config had none", () => {
    const config = Config.make({ cgroups: Config.makeCgroup({ path: "/x", Resources: Config.makeResources() }) })
    const update = Either.getOrThrow(readUpdate({}))
    const both = { cat: true, mba: true }
    const l3 = Either.getOrThrow(applyUpdate(config, update, { l3CacheSchema: "L3:0=f", memBwSchema: "", support: both }))
    expect(l3.config.intel_rdt).toEqual({ l3_cache_schema: "L3:0=f" })
    expect(l3.applyIntelRdt).toBe(true)
    const mb = Either.getOrThrow(applyUpdate(l3.config, update, { l3CacheSchema: "", memBwSchema: "MB:0=20", support: both }))
    expect(mb.config.intel_rdt).toEqual({ memBwSchema: "MB:0=20" })
    expect(mb.applyIntelRdt).toBe(false)
    expect(Either.mapLeft(applyUpdate(config, update, { l3CacheSchema: "", memBwSchema: "MB:0=20", support: { cat: true, mba: false } }), (e) => e.message))
      .toEqual(Either.left("Intel RDT/MBA: memory bandwidth schema is not enabled"))
  })

  it("a -r document that clears what runc dereferences fails as runc's panic would, naming the part", () => {
    const config = Config.make({ cgroups: Config.makeCgroup({ path: "/x", Resources: Config.makeResources() }) })
    for (const [document, field] of [["{\"memory\":null}", "memory"], ["{\"cpu\":{\"period\":null}}", "cpu.period"], ["{\"pids\":null}", "pids"]] as const) {
      const update = Either.getOrThrow(readUpdate({ resources: "-" }, document))
      expect(Either.mapLeft(applyUpdate(config, update, noRdt), (e) => [e._tag, e.message, "field" in e ? e.field : ""]))
        .toEqual(Either.left(["UpdateNilResource", "runtime error: invalid memory address or nil pointer dereference", field]))
    }
  })
})

describe("plans for any resources", () => {
  const paths = { cpuset: "/s", memory: "/m", cpu: "/c", pids: "/p", blkio: "/b", hugetlb: "/h", freezer: "/f", rdma: "/r" }
  const allowed = new Set(Object.values(paths))

  it.effect("build and run to success or a typed failure, writing only in the cgroup's directories", () =>
    Effect.promise(() =>
      FastCheck.assert(
        FastCheck.asyncProperty(resourcesArbitrary, FastCheck.bigInt({ min: 0n, max: (1n << 64n) - 1n }), FastCheck.boolean(), async (r, limit, memsw) => {
          const written: Array<string> = []
          const io: Plan.SetIO<{ readonly message: string }> = {
            write: (dir, file) => Effect.sync(() => void written.push(dir)).pipe(Effect.zipRight(file.endsWith("weight") ? Effect.fail({ message: "nope" }) : Effect.void)),
            writeBfq: (dir) => Effect.sync(() => void written.push(dir)),
            readUint: () => Effect.succeed(limit),
            freeze: (dir) => Effect.sync(() => void written.push(dir)),
            errno: () => "EINVAL"
          }
          const v1 = Plan.planV1(paths, r, { memswLimitExists: memsw, memoryLimit: Either.right(limit), blkioWeightExists: memsw })
          const exit1 = await Effect.runPromiseExit(Plan.runPlan(io, v1))
          expect(Exit.isSuccess(exit1) || (exit1._tag === "Failure" && exit1.cause._tag === "Fail")).toBe(true)
          const v2 = Plan.planV2("/g", r, { controllers: Either.right(new Set(["memory"])), bfq: { _tag: "present", head: "default 1" } }, { rootlessWithoutPath: false })
          const exit2 = await Effect.runPromiseExit(Plan.runPlan(io, v2))
          expect(Exit.isSuccess(exit2) || (exit2._tag === "Failure" && exit2.cause._tag === "Fail")).toBe(true)
          for (const dir of written) expect(allowed.has(dir) || dir === "/g").toBe(true)
        }),
        { numRuns: 150 }
      )
    ))
})
