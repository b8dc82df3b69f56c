/**
 * specconv against real runc 1.1.5: every bundle of `specconvCases` is
 * created with `runc create` and converted by us (load, convert, Validate on
 * the node layer, process). Where runc creates the container, the config it
 * saved in state.json equals ours field for field (labels compared in a
 * fixed order, as runc writes annotations in Go's random map order); where
 * runc refuses, we refuse with its message. Warnings runc logs we log too.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as Validate from "../../src/Validate.js"
import { busybox, cgroupV1, describeWith, root, runc } from "../support/prerequisites.js"
import { specCases } from "../support/specconvCases.js"
import { baseSpecs, caseConfigText, normalise, ourCreate, removeCgroups, runcCreate, writeBundle } from "../support/specconvRunc.js"

const run = `elc-sc-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

describeWith([root, runc, busybox, cgroupV1], "specconv and real runc 1.1.5", () => {
  let scratch = ""
  let stateRoot = ""
  let bases: ReturnType<typeof baseSpecs>
  const ids: Array<string> = []

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "elc-specconv-"))
    stateRoot = mkdtempSync(join(tmpdir(), "elc-specconv-root-"))
    bases = baseSpecs(scratch)
  })

  afterAll(() => {
    removeCgroups([`${run}-cg`, ...ids])
    rmSync(scratch, { recursive: true, force: true })
    rmSync(stateRoot, { recursive: true, force: true })
  })

  specCases.forEach((c, i) => {
    it.effect(c.name, () =>
      Effect.gen(function*() {
        const names = { id: `${run}-${i}`, cg: `${run}-cg` }
        ids.push(names.id)
        const bundle = writeBundle(scratch, c, caseConfigText(c, bases), names)
        const theirs = runcCreate(stateRoot, bundle, c, names)
        const ours = yield* ourCreate(bundle, c, names, (config) => Validate.validate(config, { rules: "runc-1.1.5" }))
        expect(ours.warnings).toEqual(theirs.warnings)
        if (theirs.ok) {
          expect(ours.ok ? normalise(ours.config) : ours.message).toEqual(normalise(theirs.config))
        } else {
          expect(ours.ok ? "created" : ours.message).toBe(theirs.message)
        }
        expect(c.name.startsWith("err-")).toBe(!theirs.ok)
      }).pipe(Effect.provide(Libcontainer.layerNode)))
  })
})
