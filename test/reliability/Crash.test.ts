/**
 * Issue 9 §3: a child saving state in a loop is SIGKILLed at random
 * moments; after every kill Load gives one of the two states, never a
 * corrupt one, and the temp files crashed writes left are removed by the
 * next saveState once stale. `npm run reliability:crash` runs 500 kills;
 * here as many as fit in 12 s, up to 40 (each kill costs a Node start-up,
 * about 0.4 s of CPU, so 500 would take minutes).
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { describe } from "vitest"
import { runCrashCampaign } from "./support/crashCampaign.js"

describe("crash safety of saveState (real filesystem)", () => {
  it.live("SIGKILL at random moments never leaves a corrupt state.json", () =>
    Effect.scoped(
      Effect.gen(function*() {
        const figures = yield* runCrashCampaign({ kills: 40, parallel: 2, maxSaves: 1, budgetMs: 12_000 })
        expect(figures.failures).toEqual([])
        expect(figures.kills).toBeGreaterThanOrEqual(6)
        expect(figures.loadedSmall + figures.loadedLarge).toBe(figures.kills)
        expect(figures.tempsAfterCleanup).toBe(0)
      })
    ), 60_000)
})
