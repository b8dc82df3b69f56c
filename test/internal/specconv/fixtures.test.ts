/**
 * Replays runc 1.1.5's recorded answers (`scripts/record-specconv-fixtures.ts`)
 * without runc: for every bundle, our load and conversion give the config
 * runc saved in state.json, or runc's error, and log runc's warnings. Errors
 * runc's Validate raised need the host and are checked by the interop suite;
 * here the conversion of those bundles must succeed.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import * as Config from "../../../src/Config.js"
import { fill, normalise, ourCreate } from "../../support/specconvRunc.js"

interface Recorded {
  readonly name: string
  readonly config: string
  readonly noPivot: boolean
  readonly noNewKeyring: boolean
  readonly systemd?: boolean
  readonly warnings: ReadonlyArray<string>
  readonly expected?: string
  readonly error?: string
  readonly stage?: "specconv" | "validate"
}

const cases: ReadonlyArray<Recorded> = JSON.parse(
  readFileSync(new URL("../../fixtures/specconv/cases.json", import.meta.url), "utf8")
)

const names = { id: "fixture-container", cg: "fixture-cgroups" }

describe("specconv replays runc 1.1.5's recorded conversions", () => {
  it("has the recorded cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60)
    expect(cases.filter((c) => c.expected !== undefined).length).toBeGreaterThanOrEqual(25)
  })

  for (const c of cases) {
    it.effect(c.name, () =>
      Effect.gen(function*() {
        const bundle = `/bundles/${c.name}`
        const ours = yield* ourCreate(
          { dir: bundle, configText: fill(c.config, names, bundle) },
          { name: c.name, noPivot: c.noPivot, noNewKeyring: c.noNewKeyring, systemd: c.systemd === true },
          names
        )
        const specconvWarnings = (w: ReadonlyArray<string>) => w.filter((m) => !/^(invalid )?configuration$/.test(m))
        expect(specconvWarnings(ours.warnings)).toEqual(specconvWarnings(c.warnings.map((w) => fill(w, names, bundle))))
        if (c.expected !== undefined) {
          const theirs = Either.getOrThrow(Config.decodeJson(fill(c.expected, names, bundle)))
          expect(ours.ok ? normalise(ours.config) : ours.message).toEqual(normalise(theirs))
        } else if (c.stage === "validate") {
          expect(ours.ok).toBe(true)
        } else {
          expect(ours.ok ? "converted" : ours.message).toBe(fill(c.error ?? "", names, bundle))
        }
      }))
  }
})
