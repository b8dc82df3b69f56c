/**
 * Issue 9 §5 in `npm test`: every fuzz target of `targets.ts` with a few
 * hundred generated inputs (`npm run reliability:fuzz` runs 100,000+), and
 * the inputs fuzzing found bugs with, kept as regressions.
 */
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import * as State from "../../src/State.js"
import { stateDocuments, targets } from "./targets.js"

describe("fuzzing: only typed errors, no defects", () => {
  for (const { target, testRuns } of targets) {
    it(`${target.name} (${testRuns} inputs)`, () => {
      const details = target.run(testRuns)
      const counterexample = details.counterexample === null ? "" : JSON.stringify(details.counterexample).slice(0, 400)
      expect(details.failed ? `seed ${details.seed}: ${counterexample}\n${String(details.errorInstance)}` : "").toBe("")
      expect(details.numRuns).toBe(testRuns)
    })
  }
})

describe("inputs fuzzing found", () => {
  it("a raw lone surrogate in a string input reads as U+FFFD (its UTF-8 bytes), so encoding is stable", () => {
    const doc = stateDocuments[1]!.replace("\"/sys/fs/cgroup/unified/", "\"\ud800sys/fs/cgroup/unified/")
    const decoded = Either.getOrThrow(State.decodeJson(doc))
    expect(decoded.cgroup_paths?.[""]).toMatch(/^\ufffdsys\//)
    const once = Either.getOrThrow(State.encodeJson(decoded))
    const twice = Either.getOrThrow(State.encodeJson(Either.getOrThrow(State.decodeJson(once))))
    expect(twice).toBe(once)
    expect(Either.getOrThrow(State.decodeJson(new TextEncoder().encode(doc))).cgroup_paths).toEqual(decoded.cgroup_paths)
  })
})
