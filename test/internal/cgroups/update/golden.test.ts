/**
 * `runc update`'s parsing against runc 1.1.5's own code (golden.json, made by
 * scripts/runc-golden.sh with Go 1.19 as runc 1.1.5 is built): go-units
 * `RAMInBytes`, the `-r` document decoded into runc's pre-filled value, and
 * the cgroup v2 conversions, each over the vectors of vectors.json.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { type JsonValue, type JsonNumber, parseJson } from "../../../../src/internal/json/GoJson.js"
import * as Convert from "../../../../src/internal/cgroups/update/convert.js"
import { decodeResourcesJson, type ResourcesUpdate } from "../../../../src/internal/cgroups/update/specJson.js"
import { ramInBytes } from "../../../../src/internal/cgroups/update/units.js"
import { fixtureText, golden } from "../stats/fixtures.js"

const vectors = Either.getOrThrow(parseJson(fixtureText("vectors.json"))) as {
  readonly ramInBytes: ReadonlyArray<string>
  readonly resources: ReadonlyArray<string>
  readonly shares: ReadonlyArray<JsonNumber>
  readonly weights: ReadonlyArray<JsonNumber>
  readonly swaps: ReadonlyArray<readonly [JsonNumber, JsonNumber]>
} & Record<string, JsonValue>

const str = (v: bigint | null) => (v === null ? null : v.toString())

/** The golden program's view of runc's `r`. */
const view = (u: ResourcesUpdate) => ({
  blockIO: u.blockIO === null ? null : { weight: u.blockIO.weight === null ? null : String(u.blockIO.weight) },
  cpu: u.cpu === null ? null : {
    cpus: u.cpu.cpus,
    mems: u.cpu.mems,
    period: str(u.cpu.period),
    quota: str(u.cpu.quota),
    realtimePeriod: str(u.cpu.realtimePeriod),
    realtimeRuntime: str(u.cpu.realtimeRuntime),
    shares: str(u.cpu.shares)
  },
  memory: u.memory === null ? null : {
    kernel: str(u.memory.kernel),
    kernelTCP: str(u.memory.kernelTCP),
    limit: str(u.memory.limit),
    reservation: str(u.memory.reservation),
    swap: str(u.memory.swap)
  },
  pids: u.pids === null ? null : { limit: u.pids.limit.toString() },
  unified: u.unified
})

/**
 * Where we knowingly differ: Go decodes a key given twice into the same value
 * (so two `memory` objects merge); our JSON parser keeps the last one.
 */
const lastDuplicateWins: Readonly<Record<string, (runc: Record<string, unknown>) => Record<string, unknown>>> = {
  "{\"memory\":{\"limit\":5},\"memory\":{\"swap\":6}}": (runc) => ({
    ...runc,
    memory: { ...(runc["memory"] as object), limit: "0" }
  })
}

/** Syntax errors other than EOF keep the JSON parser's wording (a documented difference). */
const goSyntaxOnly = (error: string) => error === "EOF" || error === "unexpected EOF" || error.startsWith("json: ")

describe("go-units RAMInBytes", () => {
  vectors.ramInBytes.forEach((input, i) => {
    const expected = golden.ramInBytes[i]!
    it(`RAMInBytes(${JSON.stringify(input.length > 40 ? input.slice(0, 40) + "…" : input)})`, () => {
      expect(ramInBytes(input)).toEqual(
        expected.error === null ? Either.right(BigInt(expected.value)) : Either.left(expected.error)
      )
    })
  })
})

describe("runc update -r documents", () => {
  vectors.resources.forEach((input, i) => {
    const expected = golden.resources[i]!
    it(`decodes ${JSON.stringify(input)} as runc does`, () => {
      const ours = decodeResourcesJson(input)
      if ("error" in expected) {
        expect(Either.isLeft(ours)).toBe(true)
        if (Either.isLeft(ours) && goSyntaxOnly(expected["error"] as string)) expect(ours.left).toBe(expected["error"])
        return
      }
      const adjust = lastDuplicateWins[input]
      expect(Either.map(ours, view)).toEqual(Either.right(adjust === undefined ? expected : adjust(expected)))
    })
  })
})

describe("cgroup v2 conversions", () => {
  vectors.shares.forEach((shares, i) => {
    it(`cpu shares ${shares} → weight ${golden.shares[i]}`, () => {
      expect(Convert.convertCpuSharesToV2(BigInt(shares.literal))).toBe(BigInt(golden.shares[i]!))
    })
  })
  vectors.weights.forEach((weight, i) => {
    it(`blkio weight ${weight} → io.weight ${golden.weights[i]}`, () => {
      expect(Convert.convertBlkioToIoWeight(Number(weight.literal))).toBe(BigInt(golden.weights[i]!))
    })
  })
  vectors.swaps.forEach(([swap, memory], i) => {
    const expected = golden.swaps[i]!
    it(`memory+swap ${swap} with memory ${memory}`, () => {
      expect(Convert.convertMemorySwapToV2(BigInt(swap.literal), BigInt(memory.literal))).toEqual(
        expected.error === null ? Either.right(BigInt(expected.value)) : Either.left(expected.error)
      )
    })
  })
})
